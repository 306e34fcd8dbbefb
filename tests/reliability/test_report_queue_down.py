import datetime
import json
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
import redis
from django.db import connection
from rest_framework.authtoken.models import Token

from dispatch import services
from dispatch.models import DispatchGroup, Report
from dispatch.schedules import Period
from tests.dispatch.conftest import groups  # noqa: F401 (fixture)
from tests.factories import ProjectFactory
from tests.reliability.servers import Gunicorn, PrivateRedis

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
D = datetime.date


def call(web, method, path, token, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{web.port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Host": "localhost"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), time.monotonic() - started


@pytest.fixture
def web_with_redis_down(groups, tiedong):  # noqa: F811
    broker = PrivateRedis().start()
    broker.stop()  # Redis goes away; the web server is started pointing at it
    params = connection.settings_dict
    host = params.get("HOST") or params["OPTIONS"]["host"]
    web = Gunicorn({"DATABASE_URL": f"postgres://{params['USER']}@/{params['NAME']}?host={host}",
                    "REDIS_URL": broker.url}).start()  # fmt: skip
    try:
        yield web, broker
    finally:
        web.stop()
        broker.close()


def test_with_redis_down_the_api_works_and_reports_answer_503_then_nothing_is_lost(web_with_redis_down, leader):
    web, broker = web_with_redis_down
    project = ProjectFactory(total_investment=Decimal(9000), stage="construction", start_type="new")
    round = services.round_run(group=DispatchGroup.objects.get(key="city"),
                               period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)[0]  # fmt: skip
    token = Token.objects.create(user=leader).key

    status, body, _ = call(web, "GET", "/api/v1/projects/", token)
    assert status == 200 and body["count"] == 1 and body["results"][0]["id"] == project.pk
    status, body, seconds = call(web, "POST", "/api/v1/reports/", token, {"round": round.pk, "formats": ["xlsx"]})
    assert status == 503 and seconds < 10
    assert "任务队列暂不可用" in json.dumps(body, ensure_ascii=False)
    assert list(Report.objects.values_list("status", flat=True)) == ["queued"]  # recorded, not lost

    broker.start()  # Redis is back on the same socket
    status, body, _ = call(web, "POST", "/api/v1/reports/", token, {"round": round.pk, "formats": ["xlsx"]})
    assert status == 202 and [r["status"] for r in body] == ["queued"]
    assert Report.objects.count() == 1  # the same report, queued now
    queued = redis.Redis(unix_socket_path=str(broker.socket)).lrange("celery", 0, -1)
    assert len(queued) == 1 and b"dispatch.build_report" in queued[0]
