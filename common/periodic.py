"""Periodic tasks for django-celery-beat, declared by each app and registered by one command.

Each app that has periodic tasks lists them in ``<app>/periodic.py``::

    PERIODIC_TASKS = [("中文名称", "app.task_name", {"minute": "0", "hour": "8"})]

the third item being crontab fields (the others default to ``*``) or an int (every N minutes).
``ops``' ``setup_periodic_tasks`` finds every installed app's list (``discover``) and creates what is
missing (``ensure``); crontabs run in ``settings.TIME_ZONE``. An administrator's edits to an existing
task (same name) are kept: nothing is overwritten.
"""

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings

MODULE = "periodic"


def discover():
    """[(app label, PERIODIC_TASKS)] of the installed apps that declare them, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.{MODULE}"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        tasks = getattr(importlib.import_module(name), "PERIODIC_TASKS", None)
        if tasks:
            found.append((config.label, list(tasks)))
    return found


def schedule_for(when):
    """The django-celery-beat schedule row for crontab fields or an int of minutes: {"crontab"|"interval": row}."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if isinstance(when, int):
        interval, _ = IntervalSchedule.objects.get_or_create(every=when, period=IntervalSchedule.MINUTES)
        return {"interval": interval}
    fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **when}
    crontab, _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **fields)
    return {"crontab": crontab}


def ensure(tasks):
    """Create the (name, task, when) entries whose name is missing. Returns how many were created."""
    from django_celery_beat.models import PeriodicTask

    created = 0
    for name, task, when in tasks:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        PeriodicTask.objects.create(name=name, task=task, **schedule_for(when))
        created += 1
    return created
