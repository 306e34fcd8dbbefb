"""The read replica, against a real streaming standby of the test server: started here from the same
PostgreSQL binaries (pg_basebackup + pg_ctl), on its own data directory and socket under a temp dir.

Replication is made visible without timing: the standby's replay is paused (pg_wal_replay_pause) while
a row is written on the primary, so a page that shows the row read the primary, and one that does not
read the replica; after resuming, the tests wait for the standby to replay the primary's LSN."""

import copy
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from common import replica
from common.embedded import postgres_bin
from projects.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
RUN_AS = {"user": "pgserver"} if os.geteuid() == 0 else {}  # PostgreSQL refuses to run as root
WAIT = 30  # seconds at most for the standby to start or replay (it takes well under one)


def _run(*args):
    subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=120, **RUN_AS)


@pytest.fixture(scope="session")
def standby(django_db_setup, django_db_blocker):
    primary = connections["default"].settings_dict
    host = primary["OPTIONS"].get("host") or primary["HOST"]
    port = str(primary["PORT"] or 5432)
    base = Path(tempfile.mkdtemp(prefix="anshan-standby-"))
    if RUN_AS:
        shutil.chown(base, RUN_AS["user"], RUN_AS["user"])
    data = base / "data"
    # A standby opens for reads only once it has a full snapshot of the primary's transactions: while
    # another test's transaction on the same server has more subtransactions than a snapshot holds (a
    # demo seed, run by the other xdist worker), it waits for that transaction to end. Start from a moment
    # without one (it takes seconds; the wait is bounded by the test timeout).
    with django_db_blocker.unblock():
        while _sql("default", OVERFLOWED_SQL)[0]:
            time.sleep(0.5)
    try:
        _run(postgres_bin("pg_basebackup"), "-h", host, "-p", port, "-U", "postgres", "-D", data, "-X", "stream",
             "-R", "-c", "fast")  # fmt: skip
        options = f"-c port={port} -c unix_socket_directories={base} -c listen_addresses='' -c shared_buffers=32MB"
        start = (postgres_bin("pg_ctl"), "-D", data, "-l", base / "log", "-w", "-t", WAIT, "-o", options, "start")
        _run(*start)
        yield {"host": str(base), "port": port, "start": start, "data": data}
    finally:  # a standby that failed to start is stopped too, and its copy of the cluster removed
        subprocess.run([str(postgres_bin("pg_ctl")), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, **RUN_AS)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


OVERFLOWED_SQL = """SELECT count(*) FROM pg_stat_get_backend_idset() AS b(id)
                    CROSS JOIN LATERAL pg_stat_get_backend_subxact(b.id) AS s
                    WHERE s.subxact_overflowed"""


@pytest.fixture(scope="module", autouse=True)
def replica_alias(standby):
    """DATABASE_REPLICA_URL for this module only: the "replica" alias on the standby's socket."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict["HOST"] = standby["host"]
    settings_dict["OPTIONS"]["host"] = standby["host"]
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[replica.REPLICA] = settings_dict
    replica.mark_up()
    yield
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]
    replica.mark_up()


def _sql(alias, sql, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def _caught_up():
    """Wait until the standby has replayed everything the primary has written so far."""
    (lsn,) = _sql("default", "SELECT pg_current_wal_insert_lsn()::text")
    deadline = time.monotonic() + WAIT
    while not _sql(replica.REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
        assert time.monotonic() < deadline, "the standby did not replay the primary's WAL"
        time.sleep(0.02)


@pytest.fixture
def paused():
    """The standby stops replaying (it keeps receiving): what the primary writes now, it does not show."""
    _caught_up()
    _sql(replica.REPLICA, "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + WAIT
    while _sql(replica.REPLICA, "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield
    _sql(replica.REPLICA, "SELECT pg_wal_replay_resume()")


def test_the_replica_is_a_streaming_standby_of_the_primary():
    assert _sql(replica.REPLICA, "SELECT pg_is_in_recovery()") == (True,)
    # The walsender reports "streaming" once the standby has caught up after connecting (under load
    # that can follow the start by a moment): wait for that state, bounded.
    deadline = time.monotonic() + WAIT
    while _sql("default", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0] < 1:
        assert time.monotonic() < deadline, "no standby is streaming from the primary"
        time.sleep(0.05)


def test_lists_read_from_the_replica(client, leader, paused):
    client.force_login(leader)
    ProjectFactory(name="只在主库的项目")  # committed on the primary, not yet replayed by the standby
    assert Project.objects.using("default").filter(name="只在主库的项目").exists()
    page = Client()
    page.cookies = client.cookies  # the same session, without a sticky-primary cookie
    page.cookies.pop(replica.STICKY_COOKIE, None)
    assert "只在主库的项目" not in page.get("/projects/").content.decode()
    assert "只在主库的项目" not in page.get("/api/v1/projects/").content.decode()
    _sql(replica.REPLICA, "SELECT pg_wal_replay_resume()")
    _caught_up()
    assert "只在主库的项目" in page.get("/projects/").content.decode()
    assert "只在主库的项目" in page.get("/api/v1/projects/").content.decode()


def test_the_request_after_a_write_reads_the_primary(county_user, tiedong):
    project = ProjectFactory(name="改名前", region=tiedong)
    _caught_up()
    writer, other = APIClient(), APIClient()
    writer.force_authenticate(county_user)
    other.force_authenticate(county_user)
    _sql(replica.REPLICA, "SELECT pg_wal_replay_pause()")
    try:
        response = writer.patch(f"/api/v1/projects/{project.pk}/", {"name": "改名后"}, format="json")
        assert response.status_code == 200, response.content
        assert replica.STICKY_COOKIE in response.cookies
        # The writer's next request sees its own change (primary); another client still reads the
        # replica, which has not replayed it yet.
        assert [p["name"] for p in writer.get("/api/v1/projects/").json()["results"]] == ["改名后"]
        assert [p["name"] for p in other.get("/api/v1/projects/").json()["results"]] == ["改名前"]
    finally:
        _sql(replica.REPLICA, "SELECT pg_wal_replay_resume()")
    _caught_up()
    assert [p["name"] for p in other.get("/api/v1/projects/").json()["results"]] == ["改名后"]


def _lsn(alias, function):
    return _sql(alias, f"SELECT {function}()::text")[0]


def _bytes_between(later, earlier):
    return int(_sql("default", "SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", [later, earlier])[0])


def test_healthz_shows_the_replicas_lag(client, paused):
    # Bounds from the LSNs themselves: the other test process writes to the same server meanwhile.
    replayed = _lsn(replica.REPLICA, "pg_last_wal_replay_lsn")  # frozen while paused
    ProjectFactory(name="让备库落后")
    written = _lsn("default", "pg_current_wal_insert_lsn")
    lagging = client.get("/healthz").json()["replica"]
    assert lagging["status"] == "ok" and lagging["reads"] == "replica"
    assert lagging["lag_bytes"] >= _bytes_between(written, replayed) > 0
    _sql(replica.REPLICA, "SELECT pg_wal_replay_resume()")
    _caught_up()
    caught_up = client.get("/healthz").json()["replica"]
    # It has replayed our write: what it may still lag by is only what was written after it.
    assert 0 <= caught_up["lag_bytes"] <= _bytes_between(_lsn("default", "pg_current_wal_insert_lsn"), written)
    assert caught_up["lag_seconds"] >= 0


def test_a_report_build_reads_the_replica_only_when_it_holds_the_reports_data(paused):
    ProjectFactory(name="报告数据")
    current = Project.objects.using("default").count()
    with replica.replica_reads_if_current(lambda: Project.objects.count() == current) as alias:
        assert alias == "default"  # the standby has not replayed the new project: build from the primary
        assert Project.objects.count() == current
    _sql(replica.REPLICA, "SELECT pg_wal_replay_resume()")
    _caught_up()
    with replica.replica_reads_if_current(lambda: Project.objects.count() == current) as alias:
        assert alias == "replica"
        assert Project.objects.db == "replica"


def test_when_the_replica_goes_away_reads_fall_back_to_the_primary(client, leader, standby):
    client.force_login(leader)
    page = Client()
    page.cookies = client.cookies
    page.cookies.pop(replica.STICKY_COOKIE, None)
    assert page.get("/projects/").status_code == 200  # a live connection to the replica now exists
    subprocess.run([str(postgres_bin("pg_ctl")), "-D", str(standby["data"]), "-m", "immediate", "-w", "stop"],
                   check=True, capture_output=True, timeout=60, **RUN_AS)  # fmt: skip
    ProjectFactory(name="备库停机后的项目")
    response = page.get("/projects/")
    assert response.status_code == 200
    assert "备库停机后的项目" in response.content.decode()  # read from the primary
    assert page.get("/api/v1/projects/").status_code == 200
    health = client.get("/healthz")
    # Reported, not failed on: the web node still answers (from the primary). (The worker check is
    # "stale" here, no beat runs in tests: that alone decides the status code.)
    assert set(health.json()["checks"]) == {"database", "redis", "worker"}
    assert health.json()["replica"]["status"].startswith("error") and health.json()["replica"]["reads"] == "primary"
