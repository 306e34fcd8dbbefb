"""Celery tasks of the dispatch app: fetch by id, call a service. Safe to run twice (keyed)."""

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from common import documents

from . import services

TRANSIENT = documents.TRANSIENT


class ReportTask(documents.DocumentTask):
    """The report row says failed when the task gives up (the document-run rule)."""

    runs = services.REPORT_RUNS
    pk_arg = "report_id"


@shared_task(base=ReportTask, name="dispatch.build_report", **documents.TASK_OPTIONS)
def build_report(self, report_id):
    return documents.run_task(self, services.report_build, report_id=report_id)


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
