"""Periodic tasks of the notifications app, created idempotently for django-celery-beat
(called from dispatch's ``setup_periodic_tasks``); an administrator's edits are kept."""

from django_celery_beat.models import IntervalSchedule, PeriodicTask


def ensure_schedules():
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)
    _, created = PeriodicTask.objects.get_or_create(
        name="notifications: requeue unsent deliveries",
        defaults={"task": "notifications.requeue_deliveries", "interval": every_ten_minutes},
    )
    return int(created)
