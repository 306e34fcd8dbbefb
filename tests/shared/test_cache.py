"""The shared Redis cache (django-redis) and the sessions kept in it."""

import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_redis.cache import RedisCache

from tests.factories import ProjectFactory
from tests.reliability.servers import PrivateRedis


def another_worker_cache(**params):
    """The same cache as another gunicorn worker builds it (own client, own connection pool)."""
    config = settings.CACHES["default"]
    return RedisCache(config["LOCATION"], {**config, **params})


def test_a_value_one_worker_caches_is_read_by_another():
    cache.set("shared-probe", {"n": 1}, 30)
    assert another_worker_cache().get("shared-probe") == {"n": 1}


def test_clearing_the_cache_leaves_celerys_queues_alone(settings):
    broker = redis.Redis.from_url(settings.REDIS_URL)  # Celery's database number
    broker.set("queue-probe", b"kept", ex=30)
    cache.set("ours", 1, 30)
    cache.clear()
    assert cache.get("ours") is None
    assert broker.get("queue-probe") == b"kept"
    broker.delete("queue-probe")


@pytest.fixture
def dead_redis():
    server = PrivateRedis().start()
    server.stop()
    yield server
    server.close()


def test_a_dead_redis_is_a_miss_and_a_skipped_write_quickly(dead_redis):
    assert settings.CACHES["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    options = {**settings.CACHES["default"]["OPTIONS"]}
    dead = RedisCache(dead_redis.url, {"KEY_PREFIX": "probe", "OPTIONS": options})
    started = time.monotonic()
    assert dead.get("anything", "default") == "default"
    dead.set("anything", 1, 30)
    assert dead.get_many(["a", "b"]) == {}
    assert not dead.add("x", 1)
    dead.delete("anything")
    assert time.monotonic() - started < 2


def test_signed_in_pages_read_the_session_from_the_cache(client, county_user):
    client.force_login(county_user)
    client.get(reverse("projects:list"))  # the session is now in the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("projects:list")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"]]


def test_sessions_and_pages_keep_working_when_the_cache_redis_is_down(client, county_user, dead_redis):
    project = ProjectFactory()
    caches = {"default": {**settings.CACHES["default"], "LOCATION": dead_redis.url}}
    with override_settings(CACHES=caches):
        client.force_login(county_user)  # the session is written to PostgreSQL; the cache write is skipped
        for url in (reverse("home"), reverse("projects:list"), reverse("projects:detail", args=[project.pk])):
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            assert response.wsgi_request.user == county_user  # still signed in, from the database session
