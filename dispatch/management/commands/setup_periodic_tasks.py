"""The one place where periodic tasks are defined; stored in the database for django-celery-beat,
so an administrator can change a schedule without a deploy. Idempotent: existing schedules that
an administrator edited are left as they are."""

from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from attraction import schedules as attraction_schedules
from dispatch import schedules, services
from notifications import schedules as notification_schedules
from supervision import schedules as supervision_schedules


class Command(BaseCommand):
    help = "Create the default periodic tasks (heartbeat, dispatch rounds, reminders) where missing."

    def handle(self, *args, **options):
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.get_or_create(
            name="worker heartbeat", defaults={"task": "anshan.heartbeat", "interval": every_minute}
        )
        services.groups_load_defaults()  # the default groups that are missing (never overwritten)
        created = schedules.ensure_default_schedules()
        for ensure in (
            attraction_schedules.ensure_schedules,
            supervision_schedules.ensure_schedules,
            notification_schedules.ensure_schedules,
        ):
            created += ensure() or 0
        self.stdout.write(f"periodic tasks ready ({created} created)")
