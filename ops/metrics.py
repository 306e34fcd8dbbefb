"""Prometheus metrics for Celery tasks, exported through prometheus_client (which django-prometheus uses).

Web processes serve them at /metrics with the request metrics; a worker started with
CELERY_METRICS_PORT set serves its own on that port (127.0.0.1 unless CELERY_METRICS_ADDR), e.g.
    PROMETHEUS_MULTIPROC_DIR=/run/anshan-metrics CELERY_METRICS_PORT=9808 celery -A anshan_projects worker
"""

import os
import time

from celery import signals
from prometheus_client import Counter, Histogram, start_http_server

TASKS = Counter("anshan_celery_tasks", "Celery task outcomes", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "anshan_celery_task_seconds",
    "Celery task run time",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
_started = {}


def _name(sender=None, task=None, request=None):
    task = task or sender
    return getattr(task, "name", None) or getattr(request, "task", None) or str(task or "unknown")


@signals.task_prerun.connect
def _prerun(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _postrun(task_id=None, task=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(_name(task=task)).observe(time.monotonic() - started)


@signals.task_success.connect
def _success(sender=None, **kwargs):
    TASKS.labels(_name(sender), "success").inc()


@signals.task_failure.connect
def _failure(sender=None, **kwargs):
    TASKS.labels(_name(sender), "failure").inc()


@signals.task_retry.connect
def _retry(sender=None, request=None, **kwargs):
    TASKS.labels(_name(sender, request=request), "retry").inc()


@signals.task_revoked.connect
def _revoked(sender=None, request=None, **kwargs):
    TASKS.labels(_name(sender, request=request), "revoked").inc()


@signals.task_rejected.connect
def _rejected(message=None, **kwargs):
    TASKS.labels("unknown", "rejected").inc()


@signals.worker_init.connect
def _serve(**kwargs):
    """In the worker's main process. With the prefork pool, tasks run in child processes: set
    PROMETHEUS_MULTIPROC_DIR (an empty directory) for the worker so that their counts are collected here."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import CollectorRegistry, multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    addr = os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1")
    if registry is None:
        start_http_server(int(port), addr=addr)
    else:
        start_http_server(int(port), addr=addr, registry=registry)
