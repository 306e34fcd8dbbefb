"""The one document-run mechanism (common.documents) on the real PostgreSQL, with the
attraction bulletin's runs as the model (dispatch reports use the same functions: tests/dispatch)."""

import datetime
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from attraction.models import BulletinRun
from common import documents

RUNS = documents.Runs(BulletinRun, tmp_dir="tests/documents/tmp", queued="pending")
MONTH = datetime.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def empty_dirs():
    """This module's storage folder and temporary directory, empty for each test (MEDIA_ROOT is per process)."""
    shutil.rmtree(Path(settings.MEDIA_ROOT, "tests", "documents"), ignore_errors=True)
    yield
    shutil.rmtree(Path(settings.MEDIA_ROOT, "tests", "documents"), ignore_errors=True)


def stored_files():
    root = Path(settings.MEDIA_ROOT, "tests", "documents", "out")
    return sorted(p.name for p in root.rglob("*")) if root.exists() else []


def temp_files():
    return sorted(p.name for p in RUNS.tmp_path().iterdir())


def write_both(claim, text=b"complete"):
    xlsx, pdf = claim.temp_path("out.xlsx"), claim.temp_path("out.pdf")
    xlsx.write_bytes(text)
    pdf.write_bytes(text)
    return documents.Output(
        files={
            "xlsx": (xlsx, f"tests/documents/out/{claim.pk}.xlsx"),
            "pdf": (pdf, f"tests/documents/out/{claim.pk}.pdf"),
        }
    )


def test_stale_rule_is_one_setting():
    assert documents.stale_after() == datetime.timedelta(seconds=600)
    with override_settings(DOCUMENT_RUN_STALE_SECONDS=7):
        assert documents.stale_after() == datetime.timedelta(seconds=7)


def claim_race(runs, pk):
    """Two workers claim the same run at the same moment, each on its own connection: the second's UPDATE
    waits on the first's uncommitted claim (its row lock, seen in pg_stat_activity: a marker, no sleep),
    then the first commits. Returns (first's claim, second's claim). Needs a transactional database."""
    first_claimed, second_ready, release = threading.Event(), threading.Event(), threading.Event()
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = runs.claim(pk)
                first_claimed.set()
                assert release.wait(30)
        except Exception as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            first_claimed.set()
            connection.close()

    def second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                results["second_pid"] = cursor.fetchone()[0]
            second_ready.set()
            results["second"] = runs.claim(pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            second_ready.set()
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    assert first_claimed.wait(30)
    b = threading.Thread(target=second)
    b.start()
    try:
        assert second_ready.wait(30) and not errors, errors
        deadline = time.monotonic() + 30
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [results["second_pid"]])
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    break  # the second claim is blocked behind the first one's uncommitted claim
                assert time.monotonic() < deadline and b.is_alive(), "the second claim never waited on the row"
                time.sleep(0.01)
    finally:
        release.set()
        a.join(30)
        b.join(30)
    assert not errors, errors
    return results["first"], results["second"]


@pytest.mark.django_db(transaction=True)
def test_two_competitors_one_wins():
    run = BulletinRun.objects.create(month=MONTH, data_version="v1")
    first, second = claim_race(RUNS, run.pk)
    assert isinstance(first, documents.Claim) and second is None
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim_token) == ("running", 1, first.token)
    connections.close_all()


@pytest.mark.django_db
def test_a_stale_run_is_claimed_again_a_live_one_is_not():
    run = BulletinRun.objects.create(
        month=MONTH, data_version="v1", status="running", claim_token="dead", attempts=1,
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=30),
    )  # fmt: skip
    assert RUNS.claim(run.pk) is None  # 30 s without a heartbeat is alive under the default 600 s
    with pytest.raises(documents.RunBusy):
        RUNS.execute(run.pk, write_both)
    assert not RUNS.requeue(run.pk)
    with override_settings(DOCUMENT_RUN_STALE_SECONDS=10):
        claim = RUNS.claim(run.pk)
    assert claim is not None
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim_token) == ("running", 2, claim.token)
    # The presumed-dead worker wakes up: its heartbeat finds the claim gone.
    with pytest.raises(documents.ClaimLost):
        documents.Claim(RUNS, run.pk, "dead").beat(50)
    claim.beat(40)
    run.refresh_from_db()
    assert run.progress == 40


@pytest.mark.django_db
def test_a_stale_run_asked_for_again_is_queued():
    run = BulletinRun.objects.create(
        month=MONTH, data_version="v1", status="running", claim_token="dead",
        heartbeat_at=timezone.now() - documents.stale_after() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    assert RUNS.requeue(run.pk)
    run.refresh_from_db()
    assert (run.status, run.claim_token) == ("pending", "")


@pytest.mark.django_db
def test_files_are_stored_only_when_complete_and_the_run_marked_once():
    run = BulletinRun.objects.create(month=MONTH, data_version="v1")
    seen_during_build = []

    def build(claim):
        output = write_both(claim)
        seen_during_build.append(stored_files())  # built, not yet stored
        return output

    assert RUNS.execute(run.pk, build) == "done"
    assert seen_during_build == [[]]
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts, run.error) == ("done", 100, 1, "")
    assert Path(run.xlsx.path).read_bytes() == b"complete" and Path(run.pdf.path).read_bytes() == b"complete"
    assert stored_files() == [f"{run.pk}.pdf", f"{run.pk}.xlsx"]
    assert temp_files() == []
    # Delivered again: nothing to do, nothing stored.
    assert RUNS.execute(run.pk, build) == "skipped"
    assert len(seen_during_build) == 1 and stored_files() == [f"{run.pk}.pdf", f"{run.pk}.xlsx"]


@pytest.mark.django_db
def test_a_failed_build_stores_nothing_and_the_error_is_recorded():
    run = BulletinRun.objects.create(month=MONTH, data_version="v1")

    def half_then_broken(claim):
        claim.temp_path("out.xlsx").write_bytes(b"PK half")
        raise ZeroDivisionError("division by zero")

    with pytest.raises(ZeroDivisionError):
        RUNS.execute(run.pk, half_then_broken)
    run.refresh_from_db()
    # The claim is given back for the task's retry; nothing half-written anywhere.
    assert (run.status, run.claim_token, run.xlsx.name) == ("pending", "", "")
    assert stored_files() == [] and temp_files() == []
    # The task gives up: the row says failed, with the error.
    assert RUNS.mark_failed(run.pk, repr(ZeroDivisionError("division by zero"))) == 1
    run.refresh_from_db()
    assert run.status == "failed" and "ZeroDivisionError" in run.error and run.finished_at is not None
    # Asked for again: queued, error cleared.
    assert RUNS.requeue(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("pending", "")


@pytest.mark.django_db
def test_giving_up_never_fails_a_done_run_or_one_a_live_worker_builds():
    live = BulletinRun.objects.create(month=MONTH, data_version="v1", status="running", heartbeat_at=timezone.now())
    done = BulletinRun.objects.create(month=MONTH, data_version="v2", status="done", xlsx="x.xlsx")
    assert RUNS.mark_failed(live.pk, "RunBusy") == 0
    assert RUNS.mark_failed(done.pk, "late") == 0
    assert set(BulletinRun.objects.values_list("status", flat=True)) == {"running", "done"}


@pytest.mark.django_db
def test_a_worker_that_lost_its_claim_deletes_what_it_stored():
    run = BulletinRun.objects.create(month=MONTH, data_version="v1")

    def taken_over(claim):
        output = write_both(claim)
        BulletinRun.objects.filter(pk=run.pk).update(claim_token="someone-else")  # presumed dead meanwhile
        return output

    assert RUNS.execute(run.pk, taken_over) == "skipped"
    run.refresh_from_db()
    assert (run.status, run.claim_token, run.xlsx.name) == ("running", "someone-else", "")
    assert stored_files() == [] and temp_files() == []


def test_the_sweep_takes_earlier_builds_of_the_run_and_stale_leftovers_only(tmp_path):
    old = time.time() - documents.stale_after().total_seconds() - 60
    earlier = tmp_path / "build-7-dead0001"  # a killed build of the same run, written to a moment ago
    earlier.mkdir()
    (earlier / "out.xlsx").write_bytes(b"half")
    live = tmp_path / "build-8-live0001"  # another run's build: its directory is old, its file fresh
    live.mkdir()
    (live / "out.xlsx").write_bytes(b"growing")
    os.utime(live, (old, old))
    stale = tmp_path / "build-9-gone0001"  # another run's build, untouched for longer than the stale rule
    stale.mkdir()
    (stale / "out.pdf").write_bytes(b"old")
    os.utime(stale / "out.pdf", (old, old))
    os.utime(stale, (old, old))
    documents.sweep(tmp_path, 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build-8-live0001"]
    assert (live / "out.xlsx").read_bytes() == b"growing"
