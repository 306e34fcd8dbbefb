import os
import time
import uuid

import pytest

# Playwright's sync API runs an event loop in the test thread, after which Django's async-safety
# guard refuses ORM calls in that thread for the rest of the process. Tests are not a deployment
# (the check --deploy test removes this variable for its subprocess).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from anshan_projects.celery import HEARTBEAT_KEY, app, heartbeat
from projects.choices import Role
from projects.models import Category, Department, Region
from projects.services import reference_data_load
from tests.factories import user_with_role


def pytest_collection_modifyitems(items):
    """Every test but the pure-function ones (``no_db``) is marked ``django_db``. pytest-django sets up
    the test database only for the databases that the collected tests declare (a marker, or ``db`` among
    their fixtures); ``reference_data`` below asks for ``db`` at run time, which it cannot see. Without
    the marker a run of a few files that never name ``db`` set up no test database, and their tests ran
    on the development database (in rolled-back transactions, or flushed by a transactional test)."""
    for item in items:
        if not item.get_closest_marker("no_db") and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Every test gets the database with the reference rows, except pure-function tests (marked
    ``no_db``): they run without one, and fail if they touch it."""
    if request.node.get_closest_marker("no_db"):
        return
    request.getfixturevalue("db")
    # Never the development database (see pytest_collection_modifyitems).
    assert connections["default"].settings_dict["NAME"].startswith("test_"), connections["default"].settings_dict[
        "NAME"
    ]
    reference_data_load()


@pytest.fixture
def tiedong():
    return Region.objects.get(key="tiedong")


@pytest.fixture
def haicheng():
    return Region.objects.get(key="haicheng")


@pytest.fixture
def county_user(tiedong):
    """Alice: county staff of 铁东区."""
    return user_with_role("alice", Role.COUNTY_STAFF, region=tiedong)


@pytest.fixture
def county_colleague(tiedong):
    """Bob: another county staff member of 铁东区."""
    return user_with_role("bob", Role.COUNTY_STAFF, region=tiedong)


@pytest.fixture
def other_county_user(haicheng):
    """Charlie: county staff of 海城市, who must never see 铁东区's data."""
    return user_with_role("charlie", Role.COUNTY_STAFF, region=haicheng)


@pytest.fixture
def county_reviewer(tiedong):
    return user_with_role("reviewer", Role.COUNTY_REVIEWER, region=tiedong)


@pytest.fixture
def leader():
    return user_with_role("leader", Role.LEADERSHIP)


@pytest.fixture
def admin_user():
    return user_with_role("admin", Role.ADMIN)


@pytest.fixture
def department_user():
    return user_with_role("dept", Role.DEPARTMENT, department=Department.objects.get(key="gxj"))


@pytest.fixture
def special_group_user():
    return user_with_role("social", Role.SPECIAL_GROUP, category=Category.objects.get(key="social"))


@pytest.fixture(autouse=True, scope="session")
def celery_configured_from_real_settings():
    """Load the shared Celery app's configuration once, from the real settings, before any test
    overrides REDIS_URL/CELERY_BROKER_URL (Celery copies settings when it first reads them; a test
    pointing at a stopped private Redis must not leave the app talking to it for later tests)."""
    from anshan_projects.celery import app

    assert app.conf.broker_url
    # Redis keeps its data between runs: drop tasks an earlier run left on this process's queue.
    app.control.purge()
    yield


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
    on a queue of its own, so that it never takes a task another test (or test process) left queued."""
    use_configured_broker()
    queue = f"test-worker-{uuid.uuid4().hex[:10]}"
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


def wait_until_worker_idle(timeout=60):
    """Wait on a marker instead of a sleep: the worker fixture runs one task at a time in queue order
    (solo pool, FIFO), so once a heartbeat queued now has run, every task sent before it has run too."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    client.delete(HEARTBEAT_KEY)
    heartbeat.apply_async()
    deadline = time.monotonic() + timeout
    while not client.exists(HEARTBEAT_KEY):
        assert time.monotonic() < deadline, "the worker did not reach the marker"
        time.sleep(0.05)
