"""The bulletin's schedule for django-celery-beat; the setup_periodic_tasks command calls this."""

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

BULLETIN_TASK_NAME = "招商引资月报(每月1日)"


def ensure_schedules():
    """Create the monthly bulletin task (06:00 on the 1st) where missing; an administrator's edits stay.
    Returns the number of periodic tasks created."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_month="1", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE
    )
    _, created = PeriodicTask.objects.get_or_create(
        name=BULLETIN_TASK_NAME, defaults={"task": "attraction.bulletin_monthly", "crontab": crontab}
    )
    return int(created)
