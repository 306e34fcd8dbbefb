"""A real `celery worker` process whose pool child is killed (SIGKILL) in the middle of a report."""

import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from projects.models import Category, Project, Region

from .conftest import use_configured_broker
from .test_worker import D

pytestmark = pytest.mark.slow


def database_url():
    """The URL of the test database this process uses (same server, test database name)."""
    url = urlsplit(settings.DATABASE_URL)
    return urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))


@pytest.fixture
def worker_process(transactional_db, tmp_path):
    use_configured_broker()
    name = uuid.uuid4().hex[:10]
    queue = f"test-dispatch-kill-{name}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="anshan_projects.settings.test",
        DATABASE_URL=database_url(),
        DOCUMENT_RUN_STALE_SECONDS="2",
        TMPDIR=str(tmp_path),  # the worker's MEDIA_ROOT is made under it
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "anshan_projects", "worker", "-P", "prefork", "-c", "1", "-Q", queue,
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "warning", "-n", f"kill-{name}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=(tmp_path / "worker.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    from anshan_projects.celery import app

    try:
        deadline = time.monotonic() + 90
        while not any(
            f"kill-{name}@" in host
            for reply in app.control.ping(timeout=0.5, connection=app.connection_for_write(settings.CELERY_BROKER_URL))
            for host in reply
        ):
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker did not start"
        yield queue, tmp_path
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.default_channel.queue_delete(queue)


def test_a_worker_killed_mid_report_leaves_it_retryable(worker_process, groups):
    queue, media = worker_process
    region, category = Region.objects.get(key="tiedong"), Category.objects.get(key="industrial")
    Project.objects.bulk_create(
        Project(name=f"项目{i}", region=region, category=category, total_investment=Decimal(6000 + i),
                annual_plan=Decimal(1000)) for i in range(4000)
    )  # fmt: skip
    round = services.round_run(group=groups["city"], period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)[0]
    report = Report.objects.create(
        kind="round", round=round, data_version=selectors.round_data_version(round), format="xlsx"
    )
    from anshan_projects.celery import app
    from dispatch.tasks import build_report

    # An explicit connection to the configured broker: independent of whatever the shared app's pools hold.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        build_report.apply_async(args=[report.pk], queue=queue, connection=conn)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status == "running":
            break
        time.sleep(0.02)
    assert report.status == "running", (media / "worker.log").read_text()
    child_pid = int(report.claim_token.split(":")[1])
    os.kill(child_pid, signal.SIGKILL)  # mid-report

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert report.status == "done", (report.status, report.error)
    assert report.attempts == 2  # the killed attempt, then the one that finished
    assert int(report.claim_token.split(":")[1]) != child_pid
    # One finished file, no half-written one left behind where users could reach it.
    assert [p.name for p in media.rglob("reports/*/*/*.xlsx")] == [os.path.basename(report.file.name)]
    # The killed attempt's temporary files (its .part and XlsxWriter's row files) were swept.
    assert [p.name for p in media.rglob("reports/tmp/*")] == []
