"""Celery tasks of the dispatch app: fetch by id, call a service. Safe to run twice (keyed)."""

import redis
from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import services

# Only outside, passing failures are retried; a bug fails the report at once (visible to the user).
TRANSIENT = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)


class ReportTask(Task):
    """Saleor style: the status row the user sees is updated when the task gives up."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        report_id = kwargs.get("report_id", args[0] if args else None)
        if report_id is not None and not isinstance(exc, services.ReportBusy):
            services.report_mark_failed(report_id=report_id, error=repr(exc))


@shared_task(
    bind=True,
    base=ReportTask,
    name="dispatch.build_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def build_report(self, report_id):
    try:
        return services.report_build(report_id=report_id)
    except services.ReportBusy as exc:
        # Another worker is building it (or was, and died): look again once its claim may be stale.
        raise self.retry(exc=exc, countdown=services.stale_after().total_seconds() + 5, max_retries=3) from exc


@shared_task(name="dispatch.notify_report_ready", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True,
             max_retries=5, ignore_result=True)  # fmt: skip
def notify_report_ready(report_id):
    services.report_ready_notify(report_id=report_id)


@shared_task(name="dispatch.run_scheduled_round", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True,
             max_retries=5, ignore_result=True)  # fmt: skip
def run_scheduled_round(group_id):
    round = services.run_scheduled_round(group_id=group_id)
    return round.pk if round else None


@shared_task(name="dispatch.catch_up_rounds", acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True,
             max_retries=5, ignore_result=True)  # fmt: skip
def catch_up_rounds():
    return [round.pk for round in services.rounds_catch_up()]


@shared_task(name="dispatch.escalate_overdue_problems", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=True, max_retries=5, ignore_result=True)  # fmt: skip
def escalate_overdue_problems():
    return len(services.problems_escalate_overdue())


@shared_task(name="dispatch.run_quarterly_evaluation", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=True, max_retries=5, ignore_result=True)  # fmt: skip
def run_quarterly_evaluation():
    year, quarter = services.previous_quarter(timezone.localdate())
    evaluation, _ = services.evaluation_run(year=year, quarter=quarter)
    return evaluation.pk


@worker_ready.connect
def catch_up_on_start(sender=None, **kwargs):
    """A worker that comes back after an outage catches up the rounds that fell due meanwhile."""
    try:
        catch_up_rounds.apply_async(queue=services.tasks_queue())
    except Exception:  # noqa: S110 - the hourly beat tick does it anyway
        pass
