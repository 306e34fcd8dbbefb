import socket

from django.conf import settings
from django.db import connection

from common import embedded


def test_database_is_a_real_postgresql_server():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 160000
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "0"


def test_redis_is_a_real_server():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.ping()
    assert client.info("server")["redis_version"].startswith("6.")


def test_celery_speaks_to_the_same_redis():
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://"))


def test_embedded_redis_answers_on_its_socket():
    if not settings.REDIS_URL.startswith("unix://"):
        return  # an external REDIS_URL is in use; nothing embedded to check
    assert embedded._redis_alive()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(embedded.REDIS_SOCKET))
        sock.sendall(b"PING\r\n")
        assert sock.recv(16) == b"+PONG\r\n"


def test_embedded_postgres_starts_after_a_crash_left_pgservers_bookkeeping_empty(tmp_path):
    """A reboot mid-write left var/pgdata/.handle_pids.json empty once; starting must not trip on it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"ANSHAN_VAR_DIR": str(tmp_path)}

    def run(code):
        return subprocess.run([sys.executable, "-c", f"from common import embedded; {code}"], env=env,
                              cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=180)  # fmt: skip

    try:
        assert run("embedded.postgres_url(); embedded.postgres_stop()").returncode == 0
        (tmp_path / "pgdata" / ".handle_pids.json").write_text("")
        started = run("print(embedded.postgres_url())")
        assert started.returncode == 0, started.stderr[-2000:]
        assert f"host={tmp_path}" in started.stdout
    finally:
        run("embedded.postgres_stop()")
