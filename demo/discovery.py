"""Which demo seeds run, in which order: each installed app's ``<app>.demo`` module with a
``seed(builder)`` function, in INSTALLED_APPS order. No app imports demo; the builder passed in
carries the shared state (rng, today, people), and the COPY helpers are in common.bulkcopy.
"""

import importlib
import importlib.util

from django.apps import apps


def seed_functions():
    """The seed callables ``f(builder)``, in order."""
    seeds = []
    for config in apps.get_app_configs():
        if config.name == "demo":
            continue
        name = f"{config.name}.demo"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            seed = getattr(importlib.import_module(name), "seed", None)
            if callable(seed):
                seeds.append(seed)
    return seeds
