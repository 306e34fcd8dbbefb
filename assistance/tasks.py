"""Periodic work of the service tasks. Idempotent: running twice a day reminds and escalates once."""

from celery import shared_task

from . import services


@shared_task(name="assistance.overdue_tasks", ignore_result=True, acks_late=True)
def overdue_tasks():
    """Remind the owners of overdue tasks (once per task per day), then escalate one tier where due."""
    reminded = services.tasks_remind_overdue()
    escalated = services.tasks_escalate_overdue()
    return {"reminded": len(reminded), "escalated": len(escalated)}
