import os

from celery import Celery
from celery.signals import task_prerun

# Fail closed: a server or worker started without DJANGO_SETTINGS_MODULE gets the production profile,
# which refuses to start without SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS (never DEBUG).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anshan_projects.settings.production")

app = Celery("anshan_projects")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def close_stale_connections(**kwargs):
    # A worker that outlived a PostgreSQL restart must not reuse a dead connection (Celery #621).
    from django.db import close_old_connections

    close_old_connections()


HEARTBEAT_KEY = "anshan:worker-heartbeat"


@app.task(name="anshan.heartbeat", ignore_result=True, acks_late=False)
def heartbeat():
    """Proves that a worker consumes tasks (a live process alone proves nothing, Celery #8030)."""
    import time

    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).set(HEARTBEAT_KEY, str(time.time()), ex=3600)


# Task outcome counters for Prometheus (ops/metrics.py); importing connects the signal handlers.
from ops import metrics as _metrics  # noqa: E402,F401
