"""Which demo seeds run, in which order: each installed app's ``<app>.demo`` module with a
``seed(builder)`` function, in INSTALLED_APPS order. No app imports demo; the builder passed in
carries the shared state (rng, today, people), and the COPY helpers are in anshan_projects.bulkcopy.

Also accepted, for branches written before discovery: functions still registered through
``demo.extensions.register`` run in their app's place, each function once.
"""

import importlib
import importlib.util

from django.apps import apps

from . import extensions


def _app_of(func, names):
    module = func.__module__
    return next((name for name in names if module == name or module.startswith(name + ".")), None)


def seed_functions():
    """The seed callables ``f(builder)``, in order, each once."""
    configs = [c for c in apps.get_app_configs() if c.name != "demo"]
    names = [c.name for c in configs]
    seeds = []
    for config in configs:
        name = f"{config.name}.demo"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            seed = getattr(importlib.import_module(name), "seed", None)
            if callable(seed):
                seeds.append(seed)
        seeds.extend(f for f in extensions.REGISTERED if _app_of(f, names) == config.name)
    seeds.extend(f for f in extensions.REGISTERED if _app_of(f, names) is None)
    unique = []
    for seed in seeds:
        if seed not in unique:
            unique.append(seed)
    return unique
