import re
import subprocess
import sys
import urllib.request

import pytest
import redis
from celery import Celery

from anshan_projects.celery import HEARTBEAT_KEY
from tests.reliability.servers import ROOT, PrivateRedis, free_port, subprocess_env, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis(settings):
    server = PrivateRedis().start()
    settings.REDIS_URL = server.url
    yield server
    server.close()


@pytest.fixture
def worker(private_redis):
    """A real Celery worker on the private Redis, serving its task metrics on a port."""
    port = free_port()
    env = {
        **subprocess_env(),
        "DJANGO_SETTINGS_MODULE": "anshan_projects.settings.test",
        "REDIS_URL": private_redis.url,
        "CELERY_METRICS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "anshan_projects", "worker", "--pool", "solo", "--loglevel", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    process.metrics_port = port
    yield process
    process.terminate()
    process.wait(20)


def test_health_is_ok_only_once_a_real_worker_has_consumed_a_heartbeat(client, private_redis, worker):
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "stale"}

    producer = Celery("probe", broker=private_redis.broker_url)
    producer.send_task("anshan.heartbeat")
    store = redis.Redis(unix_socket_path=str(private_redis.socket))
    wait_until(lambda: store.get(HEARTBEAT_KEY), timeout=60, what="the worker's heartbeat")

    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "worker": "ok"}}

    metrics = urllib.request.urlopen(f"http://127.0.0.1:{worker.metrics_port}/metrics", timeout=5).read().decode()
    count = re.search(r'anshan_celery_tasks_total\{outcome="success",task="anshan.heartbeat"\} (\S+)', metrics)
    assert count and float(count.group(1)) >= 1
    assert 'anshan_celery_task_seconds_count{task="anshan.heartbeat"}' in metrics


def test_a_heartbeat_older_than_the_limit_is_stale(client, private_redis):
    redis.Redis(unix_socket_path=str(private_redis.socket)).set(HEARTBEAT_KEY, "1000000000")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["worker"] == "stale"


def test_metrics_are_served_with_request_and_task_counters(client, settings):
    from anshan_projects.celery import heartbeat

    settings.METRICS_TOKEN = "scraper-token"  # /metrics is closed without it (tests/security/test_exposure_limits.py)
    client.get("/healthz")
    heartbeat.apply()  # runs in this process: the task signals feed the same registry /metrics serves
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-token").content.decode()
    assert "django_http_requests_total_by_view_transport_method_total" in body
    assert re.search(r'anshan_celery_tasks_total\{outcome="success",task="anshan.heartbeat"\} [1-9]', body)
