"""Periodic supervision work. Each task is idempotent: running it twice changes nothing more."""

from celery import shared_task

from common.periods import add_months, month_start

from . import services
from .selectors import current_period


@shared_task(name="supervision.snapshot_lights", ignore_result=True, acks_late=True)
def snapshot_lights(period=None):
    """Refresh the stored lights of one period ('YYYY-MM'), or of the current and the previous
    month (late entries for last month keep arriving in the first days of the next)."""
    if period:
        return services.light_snapshot_take(period=month_start(period))
    current = current_period()
    services.light_snapshot_take(period=add_months(current, -1))
    return services.light_snapshot_take(period=current)


@shared_task(name="supervision.mark_overdue_orders", ignore_result=True, acks_late=True)
def mark_overdue_orders():
    return len(services.orders_mark_overdue())


@shared_task(name="supervision.send_reminders", ignore_result=True, acks_late=True)
def send_reminders():
    return services.reminders_entry_due() + services.reminders_deadlines()


@shared_task(name="supervision.escalate_overdue_deficiencies", ignore_result=True, acks_late=True)
def escalate_overdue_deficiencies():
    return len(services.deficiencies_escalate())


@shared_task(name="supervision.refresh_procedure_forecasts", ignore_result=True, acks_late=True)
def refresh_procedure_forecasts():
    from investment.procedure_services import procedure_forecasts_refresh

    return procedure_forecasts_refresh()
