"""Register every periodic task, stored in the database for django-celery-beat (an administrator
changes a schedule without a deploy): the dispatch groups' meeting schedules, then each installed
app's ``PERIODIC_TASKS`` (``<app>/periodic.py``, found through the app registry). Idempotent: a task
an administrator edited is left as it is."""

from django.core.management.base import BaseCommand

from common import periodic
from dispatch import schedules, services


class Command(BaseCommand):
    help = "Create the periodic tasks (dispatch groups' meetings, every app's PERIODIC_TASKS) where missing."

    def handle(self, *args, **options):
        services.groups_load_defaults()  # the default groups that are missing (never overwritten)
        created = schedules.ensure_default_schedules()
        for label, tasks in periodic.discover():
            made = periodic.ensure(tasks)
            created += made
            if options["verbosity"] > 1:
                self.stdout.write(f"{label}: {len(tasks)} periodic tasks ({made} created)")
        self.stdout.write(f"periodic tasks ready ({created} created)")
