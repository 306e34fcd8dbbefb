"""Celery interfaces for the bulletin: fetch by id, call a service."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from common import documents, periods

from . import services


class BulletinTask(documents.DocumentTask):
    """The run says failed when the task gives up (the document-run rule)."""

    runs = services.BULLETIN_RUNS
    pk_arg = "run_id"


@shared_task(base=BulletinTask, name="attraction.bulletin_generate", **documents.TASK_OPTIONS)
def bulletin_generate(self, run_id):
    documents.run_task(self, services.bulletin_build, run_id=run_id)


@shared_task(name="attraction.bulletin_notify_ready", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5, ignore_result=True)  # fmt: skip
def bulletin_notify_ready(run_id):
    services.bulletin_ready_notify(run_id=run_id)


@shared_task(name="attraction.bulletin_monthly", acks_late=True, ignore_result=True)
def bulletin_monthly():
    """On the 1st of each month: the bulletin of the month just ended (idempotent on data version)."""
    run, _ = services.bulletin_request(user=None, month=periods.previous_month(timezone.localdate()))
    return run.pk


@shared_task(name="attraction.circulation_monthly", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5, ignore_result=True)  # fmt: skip
def circulation_monthly(month=None):
    """The circulation (通报) of the month just ended to the main city leaders; once per month."""
    month = periods.parse_month(month) if month else periods.previous_month(timezone.localdate())
    return services.circulation_deliver(month=month).pk


@shared_task(name="attraction.follow_up_reminders", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5, ignore_result=True)  # fmt: skip
def follow_up_reminders():
    """Remind whoever owes an overdue "四调法" follow-up; once per user and day."""
    return len(services.follow_up_reminders_send())
