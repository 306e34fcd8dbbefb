import time

import kombu.exceptions
import pytest
from celery import Celery
from django.urls import reverse

from tests.factories import ProjectFactory
from tests.reliability.servers import PrivateRedis


@pytest.fixture
def dead_redis(settings):
    """A Redis that was up and has gone away: its socket path now answers nothing."""
    server = PrivateRedis().start()
    server.stop()
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.broker_url
    yield server
    server.close()


def broker_to(url):
    """A Celery app configured exactly like ours (the same settings), on the given broker."""
    app = Celery("probe")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    assert app.connection_for_write().as_uri() == url
    return app


def test_pages_keep_working_and_health_says_redis_is_down(client, county_user, dead_redis):
    project = ProjectFactory()
    client.force_login(county_user)
    for url in (reverse("home"), reverse("projects:list"), reverse("projects:detail", args=[project.pk])):
        assert client.get(url).status_code == 200, url

    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"].startswith("error") and checks["worker"] == "unknown"


def test_queuing_a_task_fails_fast_instead_of_hanging(dead_redis):
    app = broker_to(dead_redis.broker_url)
    started = time.monotonic()
    with pytest.raises(kombu.exceptions.OperationalError):
        app.send_task("anshan.heartbeat")
    assert time.monotonic() - started < 10


def test_a_task_queued_once_redis_is_back_is_kept(dead_redis):
    app = broker_to(dead_redis.broker_url)
    with pytest.raises(kombu.exceptions.OperationalError):
        app.send_task("anshan.heartbeat")
    dead_redis.start()
    app.send_task("anshan.heartbeat")
    import redis

    assert redis.Redis(unix_socket_path=str(dead_redis.socket)).llen("celery") == 1
