"""The report path on a real Celery worker consuming from the real Redis (not eager mode)."""

import datetime
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from dispatch import reports, selectors, services, tasks
from dispatch.models import Report
from dispatch.schedules import Period
from tests.conftest import wait_until_worker_idle

from .conftest import entry, project

D = datetime.date
pytestmark = pytest.mark.slow


def wait_for(report_ids, status="done", timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = dict(Report.objects.filter(pk__in=report_ids).values_list("pk", "status"))
        if all(states.get(pk) == status for pk in report_ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"reports {report_ids} not {status} in {timeout}s: {states}")


def files_of(report_id):
    return sorted(Path(settings.MEDIA_ROOT, "reports").rglob(f"{report_id}-*"))


@pytest.fixture
def city_round(groups, tiedong, haicheng):
    a = project(region=tiedong, total_investment=12000, annual_plan=4000, stage="construction",
                start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    b = project(region=haicheng, total_investment=7000, annual_plan=1000, stage="construction",
                start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    for month in range(1, 11):
        entry(a, D(2026, month, 1), "300")
        entry(b, D(2026, month, 1), "40.50")
    return services.round_run(group=groups["city"], period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)[0]


def test_a_real_worker_builds_the_rounds_reports(celery_worker, city_round):
    with transaction.atomic():
        requested = services.report_request(round=city_round)
        # Queued on commit: nothing is published while the transaction is open.
        assert all(r.status == "queued" for r in requested)
    wait_for([r.pk for r in requested])
    xlsx = Report.objects.get(round=city_round, format="xlsx")
    summary = {row[0]: row[1] for row in openpyxl.load_workbook(xlsx.file.path, read_only=True)["汇总"].iter_rows(
        values_only=True)}  # fmt: skip
    assert summary["本年累计完成投资"] == pytest.approx(10 * 300 + 10 * 40.5)
    assert summary["投资完成率"] == pytest.approx(3405 / 5000, abs=1e-4)
    pdf = Report.objects.get(round=city_round, format="pdf")
    assert Path(pdf.file.path).read_bytes().startswith(b"%PDF")
    assert pdf.progress == 100 and pdf.duration_ms is not None
    # Asking again with unchanged data queues nothing and returns the finished reports.
    again = services.report_request(round=city_round)
    assert {r.pk for r in again} == {r.pk for r in requested}
    assert all(r.status == "done" for r in again)


def test_the_same_task_delivered_twice_makes_one_report_and_one_file(celery_worker, city_round):
    report = Report.objects.create(
        kind="round", round=city_round, data_version=selectors.round_data_version(city_round), format="xlsx"
    )
    tasks.build_report.apply_async(args=[report.pk], queue=services.tasks_queue())
    tasks.build_report.apply_async(args=[report.pk], queue=services.tasks_queue())
    wait_for([report.pk])
    wait_until_worker_idle()  # the second delivery has run too
    report.refresh_from_db()
    assert report.attempts == 1  # the second delivery found it done and did nothing
    assert Report.objects.filter(round=city_round).count() == 1
    assert [p.name for p in files_of(report.pk)] == [Path(report.file.name).name]
    assert not list(Path(settings.MEDIA_ROOT, "reports", "tmp").glob("*.part"))


def test_a_transient_error_is_retried_with_backoff_and_then_succeeds(celery_worker, city_round, monkeypatch):
    calls = []
    real = reports.build_round_report

    def flaky(*args, **kwargs):
        calls.append(timezone.now())
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "build_round_report", flaky)
    with transaction.atomic():
        report = services.report_request(round=city_round, formats=["xlsx"])[0]
    wait_for([report.pk], timeout=30)
    report.refresh_from_db()
    assert len(calls) == 2 and report.attempts == 2
    assert len(files_of(report.pk)) == 1


def test_a_bug_fails_the_report_at_once_and_a_new_request_queues_it_again(celery_worker, city_round, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(reports, "build_round_report", broken)
    with transaction.atomic():
        report = services.report_request(round=city_round, formats=["pdf"])[0]
    wait_for([report.pk], status="failed", timeout=30)
    report.refresh_from_db()
    assert report.attempts == 1 and "ZeroDivisionError" in report.error and not report.file
    monkeypatch.undo()
    with transaction.atomic():
        again = services.report_request(round=city_round, formats=["pdf"])[0]
    assert again.pk == report.pk
    wait_for([report.pk])


def test_a_report_whose_worker_died_is_taken_over(celery_worker, city_round):
    """A worker killed mid-report leaves the row running with a claim nobody renews; once the
    claim is stale the redelivered task builds it."""
    report = Report.objects.create(
        kind="round",
        round=city_round,
        data_version=selectors.round_data_version(city_round),
        format="xlsx",
        status="running",
        claim_token="dead-worker",
        attempts=1,
        heartbeat_at=timezone.now() - services.stale_after() - datetime.timedelta(seconds=1),
    )
    tasks.build_report.apply_async(args=[report.pk], queue=services.tasks_queue())
    wait_for([report.pk])
    report.refresh_from_db()
    assert report.attempts == 2 and report.claim_token != "dead-worker"


def test_a_live_claim_makes_a_second_worker_wait(city_round):
    report = Report.objects.create(
        kind="round", round=city_round, data_version="v", format="xlsx", status="running", claim_token="alive",
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(services.ReportBusy):
        services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.claim_token) == ("running", "alive")


def test_a_worker_that_lost_its_claim_discards_its_file(city_round, monkeypatch):
    report = Report.objects.create(kind="round", round=city_round, data_version="v", format="xlsx")
    real = reports.build_round_report

    def taken_over(round, fmt, target, *, on_progress=None, known_at=None):
        real(round, fmt, target, on_progress=on_progress, known_at=known_at)
        Report.objects.filter(pk=report.pk).update(claim_token="someone-else")  # presumed dead meanwhile

    monkeypatch.setattr(reports, "build_round_report", taken_over)
    assert services.report_build(report_id=report.pk) == "skipped"
    report.refresh_from_db()
    assert report.status == "running" and not report.file
    assert files_of(report.pk) == []
    assert Decimal(report.progress) < 100


def test_giving_up_never_fails_a_report_another_worker_is_building(city_round):
    report = Report.objects.create(
        kind="round", round=city_round, data_version="v", format="pdf", status="running", claim_token="alive",
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    services.report_mark_failed(report_id=report.pk, error="ReportBusy")
    report.refresh_from_db()
    assert report.status == "running"
    Report.objects.filter(pk=report.pk).update(status="queued")
    services.report_mark_failed(report_id=report.pk, error="OperationalError('gone')")
    report.refresh_from_db()
    assert report.status == "failed" and "gone" in report.error


def test_two_workers_racing_for_a_stale_report_one_takes_it(transactional_db, city_round):
    """Both see the dead worker's stale claim; the conditional update lets one of them take it."""
    from tests.shared.test_documents import claim_race

    report = Report.objects.create(
        kind="round", round=city_round, data_version="v", format="xlsx", status="running", claim_token="dead-worker",
        attempts=1, heartbeat_at=timezone.now() - services.stale_after() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    first, second = claim_race(services.REPORT_RUNS, report.pk)
    assert first is not None and second is None
    report.refresh_from_db()
    assert (report.status, report.attempts, report.claim_token) == ("running", 2, first.token)
