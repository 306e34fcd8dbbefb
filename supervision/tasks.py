"""Periodic supervision work. Each task is idempotent: running it twice changes nothing more."""

from celery import shared_task

from . import services
from .selectors import current_period


@shared_task(name="supervision.snapshot_lights", ignore_result=True, acks_late=True)
def snapshot_lights(period=None):
    """Refresh the stored lights of the current period (and the given one, 'YYYY-MM', if any)."""
    return services.light_snapshot_take(period=period or current_period())


@shared_task(name="supervision.mark_overdue_orders", ignore_result=True, acks_late=True)
def mark_overdue_orders():
    return len(services.orders_mark_overdue())


@shared_task(name="supervision.send_reminders", ignore_result=True, acks_late=True)
def send_reminders():
    return services.reminders_entry_due() + services.reminders_deadlines()
