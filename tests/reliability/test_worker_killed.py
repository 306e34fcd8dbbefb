"""A worker killed in the middle of a report (SIGKILL): nothing half-built is downloadable, the report
comes back (the broker redelivers it after the visibility timeout), the next worker claims it past the
stale rule, sweeps the killed build's temporary directory and builds it exactly once. The one test of
the killed-worker case (the document-run rule: common.documents)."""

import datetime
import io
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from investment.models import ProgressEntry
from tests.dispatch.conftest import groups  # noqa: F401 (fixture)
from tests.factories import ProjectFactory
from tests.reliability.servers import ROOT, PrivateRedis, subprocess_env, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
D = datetime.date


@pytest.fixture
def city_round(groups, tiedong):  # noqa: F811
    project = ProjectFactory(region=tiedong, total_investment=Decimal(12000), annual_plan=Decimal(4000),
                             stage="construction", start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    for month in range(1, 11):
        ProgressEntry.objects.create(project=project, period=D(2026, month, 1), amount_completed=Decimal("300"),
                                     status="verified")  # fmt: skip
    return services.round_run(group=groups["city"], period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)[0]


@pytest.fixture
def broker():
    server = PrivateRedis().start()
    yield server
    server.close()


def start_worker(broker, marker, log):
    params = connection.settings_dict
    host = params.get("HOST") or params["OPTIONS"]["host"]
    env = {
        **subprocess_env(),
        "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
        "DATABASE_URL": f"postgres://{params['USER']}@/{params['NAME']}?host={host}",
        "REDIS_URL": broker.url,
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SLOW_REPORT_MARKER": str(marker),
        "CELERY_VISIBILITY_TIMEOUT": "3",  # production: 6 h; the killed task comes back after this
        "TEST_STALE_AFTER": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.slow_worker", "worker", "--pool", "solo", "--loglevel", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--queues", "celery"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"),
    )  # fmt: skip


def report_files(report_id):
    """The report's files in storage; the builds' own temporary directories (reports/tmp/build-<id>-<claim>) are not."""
    tmp = Path(settings.MEDIA_ROOT, "reports", "tmp")
    return sorted(p for p in Path(settings.MEDIA_ROOT, "reports").rglob(f"{report_id}-*") if tmp not in p.parents)


def test_a_worker_killed_mid_report_leaves_nothing_downloadable_and_the_report_is_built_once(
    client, leader, city_round, broker, tmp_path
):
    report = Report.objects.create(kind="round", round=city_round, format="xlsx", requested_by=leader,
                                   data_version=selectors.round_data_version(city_round))  # fmt: skip
    client.force_login(leader)
    download = f"/api/v1/reports/{report.pk}/download/"
    marker = tmp_path / "first-build-started"
    log = tmp_path / "workers.log"
    first = start_worker(broker, marker, log)
    second = None
    try:
        Celery("probe", broker=broker.broker_url).send_task("dispatch.build_report", args=[report.pk], queue="celery")
        wait_until(marker.exists, timeout=60, what="the first worker to be half-way through the report")
        report.refresh_from_db()
        assert (report.status, report.progress, report.attempts) == ("running", 40, 1)
        assert client.get(download).status_code == 404  # nothing to download while it is being built

        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert client.get(download).status_code == 404
        assert report_files(report.pk) == []  # the half-written file never reached storage

        second = start_worker(broker, marker, log)
        try:
            wait_until(lambda: Report.objects.get(pk=report.pk).status == "done", timeout=90, what="the rebuilt report")
        except TimeoutError:
            raise AssertionError(
                f"{Report.objects.filter(pk=report.pk).values()[0]}\n{log.read_text()[-3000:]}"
            ) from None
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                process.terminate()
                process.wait(20)

    report.refresh_from_db()
    assert report.attempts == 2 and report.progress == 100
    assert len(report_files(report.pk)) == 1  # built exactly once
    # The killed build's own temporary directory was swept by the next claim.
    assert list(Path(settings.MEDIA_ROOT, "reports", "tmp").glob(f"build-{report.pk}-*")) == []
    response = client.get(download)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(book.sheetnames) >= 1
