"""Deprecated: apps no longer register their demo data here; seed_demo discovers each installed app's
``<app>.demo`` module and runs its ``seed(builder)`` (demo.discovery). ``register`` stays for
branches written before discovery: a function registered here still runs, once, in its app's
place in INSTALLED_APPS order. To be removed once no app registers."""

REGISTERED = []


def register(func):
    REGISTERED.append(func)
    return func
