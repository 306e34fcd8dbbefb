import json

import pytest
from django.db import OperationalError, connection, transaction

from tests.reliability.servers import Gunicorn, PrivatePostgres, PrivateRedis

pytestmark = pytest.mark.slow


@pytest.fixture
def private_stack():
    postgres, redis_server = PrivatePostgres().start(), PrivateRedis().start()
    web = Gunicorn({"DATABASE_URL": postgres.url, "REDIS_URL": redis_server.url, "DB_STATEMENT_TIMEOUT_MS": "2000"})
    try:
        yield postgres, web.start()
    finally:
        web.stop()
        postgres.close()
        redis_server.close()


def database_check(web):
    _status, body, seconds = web.get("/healthz")
    return json.loads(body)["checks"]["database"], seconds


def test_the_web_server_reconnects_after_postgresql_restarts_and_never_hangs_meanwhile(private_stack):
    postgres, web = private_stack
    assert database_check(web)[0] == "ok"  # opens the persistent connection (CONN_MAX_AGE)

    postgres.stop()
    state, seconds = database_check(web)
    assert state.startswith("error") and seconds < 8  # fails fast: connect_timeout, no hang

    postgres.start()
    state, seconds = database_check(web)
    assert state == "ok", "the first request after the restart must reconnect"
    assert all(database_check(web)[0] == "ok" for _ in range(3))


def test_a_statement_longer_than_the_timeout_is_cut(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"  # the configured default (DB_STATEMENT_TIMEOUT_MS)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 300")
        try:
            with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
                cursor.execute("SELECT pg_sleep(3)")
        finally:
            cursor.execute("RESET statement_timeout")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"
