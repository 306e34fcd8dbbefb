"""Periodic investment work (declared in investment/periodic.py). Each task is idempotent."""

from celery import shared_task

from . import services


@shared_task(name="investment.remind_site_photos", ignore_result=True, acks_late=True)
def remind_site_photos():
    """Tell the counties whose projects have not posted this week's site photos (once a week each)."""
    return services.photo_reminders_send()
