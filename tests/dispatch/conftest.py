import datetime
import uuid
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.utils import timezone

from anshan_projects.celery import app
from dispatch import services
from dispatch.models import DispatchGroup
from investment.models import Problem, ProgressEntry
from tests.factories import ProjectFactory


@pytest.fixture
def groups(db):
    services.groups_load_defaults()
    return {g.key: g for g in DispatchGroup.objects.all()}


def entry(project, period, amount, status="verified"):
    return ProgressEntry.objects.create(project=project, period=period, amount_completed=Decimal(amount), status=status)


def problem(project, *, deadline, tier="county", unit="市自然资源局", status="open", description="用地指标未落实"):
    return Problem.objects.create(
        project=project,
        description=description,
        kind="land",
        responsible_unit=unit,
        deadline=deadline,
        tier=tier,
        status=status,
    )


def project(**kwargs):
    return ProjectFactory(**kwargs)


def at(year, month, day, hour=12):
    """An aware local datetime (Asia/Shanghai), for a frozen "now"."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def use_configured_broker():
    """The shared Celery app reads its settings once, lazily: a test elsewhere that pointed
    CELERY_BROKER_URL at a private Redis it then stopped can leave the app on that dead broker.
    Put it back on the configured one (the real embedded Redis)."""
    from django.conf import settings

    app.conf.broker_url = settings.CELERY_BROKER_URL
    # The connection and producer pools may have been made for the dead broker: make new ones.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (a thread of this process) consuming from the real embedded Redis,
    on a queue of its own so that parallel test processes never take each other's tasks."""
    use_configured_broker()
    queue = f"test-dispatch-{uuid.uuid4().hex[:10]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue

    def close_connections(**kwargs):
        # The worker thread's own database connection must not outlive the test (DROP DATABASE).
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)
        app.conf.task_default_queue = previous
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
