"""/healthz for a load balancer: database, Redis, and a worker heartbeat younger than HEARTBEAT_MAX_AGE."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from common import replica

from .celery import HEARTBEAT_KEY

HEARTBEAT_MAX_AGE = 180  # seconds; beat sends one a minute


def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        checks["redis"] = "ok"
        beat = client.get(HEARTBEAT_KEY)
        age = time.time() - float(beat) if beat else None
        checks["worker"] = "ok" if age is not None and age < HEARTBEAT_MAX_AGE else "stale"
    except redis.RedisError as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
        checks["worker"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "fail", "checks": checks}
    if replica.configured():
        # Informative, not a failure: without the replica, reads fall back to the primary.
        body["replica"] = replica.lag()
    return JsonResponse(body, status=200 if healthy else 503)
