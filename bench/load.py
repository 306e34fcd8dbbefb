"""50 concurrent users for 60 s against gunicorn on loopback: a small, bounded load generator
(threads + http.client), each user signed in with its own session."""

import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from django.utils.http import url_has_allowed_host_and_scheme

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_cookies(users, count):
    """Signed-in sessions made directly (no password round trip, no lockout noise)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    cookies = []
    for index in range(count):
        user = users[index % len(users)]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def run(*, database_url, users, concurrency=50, seconds=60, think=(0.5, 1.5), workers=3, threads=4):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "anshan_projects.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603 (fixed argv)
        [str(Path(sys.executable).parent / "gunicorn"), "anshan_projects.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--log-level", "warning", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        cookies = _session_cookies([user for user, _ in users], concurrency)
        visible = [ids for _, ids in users]
        sessions = [(cookie, visible[i % len(visible)]) for i, cookie in enumerate(cookies)]
        _drive(port, sessions[: workers * threads], 3, (0, 0.05))  # warm-up: imports, connections; not counted
        before = _cpu(server.pid)
        result = _drive(port, sessions, seconds, think)
        after = _cpu(server.pid)
        cpu = {part: round(after[part] - before[part], 1) for part in after}
        return result | {
            "cpu_seconds": cpu,  # who used the two cores during the run (CPU seconds)
            "load_average": os.getloadavg(),
            "users": concurrency,
            "seconds": seconds,
            "think_time": f"{think[0]}-{think[1]} s",
            "server": f"gunicorn gthread {workers}x{threads}",
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def _cpu(server_pid):
    """CPU seconds so far of gunicorn (master and workers), of this PostgreSQL (postmaster and backends,
    from var/pgdata/postmaster.pid; other servers on the machine are not counted) and of this process
    (the load generator)."""
    import psutil

    def tree(pid):
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    pid_file = ROOT / "var" / "pgdata" / "postmaster.pid"
    postgres = tree(int(pid_file.read_text().split()[0])) if pid_file.exists() else 0.0
    own = psutil.Process().cpu_times()
    return {"gunicorn": tree(server_pid), "postgres": postgres, "load_generator": own.user + own.system}


def _drive(port, sessions, seconds, think):
    latencies, errors, lock = [], [], threading.Lock()
    by_page = {}  # page kind -> latencies, to see which page holds the p95
    stop_at = time.monotonic() + seconds
    pages = ["/", "/projects/?page={page}", "/projects/{pk}/", "/projects/?search={word}"]
    words = [urllib.parse.quote(w) for w in ("钢铁", "菱镁", "镁制品", "恒通", "产业园")]

    def user(cookie, project_ids, seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(rng.uniform(0, think[1]))  # users do not all arrive in the same millisecond
        while time.monotonic() < stop_at:
            kind = rng.choice(pages)
            path = kind.format(page=rng.randint(1, 20), pk=rng.choice(project_ids), word=rng.choice(words))
            started = time.perf_counter()
            try:
                try:
                    conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
                    response = conn.getresponse()
                except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                    # the server closed an idle keep-alive connection (gunicorn keepalive 2 s): a browser
                    # reconnects without showing an error, so does this user
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
                    response = conn.getresponse()
                response.read()
                location = response.getheader("Location")
                if (
                    response.status in (301, 302)
                    and location
                    and url_has_allowed_host_and_scheme(location, allowed_hosts=None)
                ):
                    # "/" sends each user to its own start page (dashboard or to-do): one page view
                    conn.request("GET", location, headers={"Cookie": cookie, "Host": "localhost"})
                    response = conn.getresponse()
                    response.read()
                ok = response.status == 200
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                ok, status = False, exc.__class__.__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                by_page.setdefault(kind, []).append(elapsed)
                if not ok:
                    errors.append((path, status))
            time.sleep(rng.uniform(*think))
        conn.close()

    threads = [
        threading.Thread(target=user, args=(cookie, ids, i), daemon=True) for i, (cookie, ids) in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else None
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "median": statistics.median(latencies) if latencies else None,
        "p95": p95,
        "rps": len(latencies) / seconds,
        "by_page": {
            kind: {"requests": len(values), "median": statistics.median(values),
                   "p95": sorted(values)[int(0.95 * (len(values) - 1))]}
            for kind, values in by_page.items()
        },
    }  # fmt: skip
