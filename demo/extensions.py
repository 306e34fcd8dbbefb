"""Apps that add demo data on top of the projects (progress, problems, dispatch rounds) register
a callable ``f(builder)`` here from their AppConfig.ready; seed_demo runs them in order, so
each app keeps its own demo data next to its models."""

REGISTERED = []


def register(func):
    REGISTERED.append(func)
    return func
