"""The bulletin's runs on a real Celery worker over the real Redis, under the one document-run rule
(common.documents): delivered twice, built once; a dead worker's run taken over; a failure
recorded with its error and nothing stored. Markers, never sleeps: `wait_until_worker_idle`."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from attraction import bulletin, services
from attraction.models import BulletinRun
from attraction.tasks import bulletin_generate
from common import documents
from tests.conftest import wait_until_worker_idle
from tests.factories import ProjectFactory

from .conftest import d

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MONTH = d("2026-10-01")


def stored(run):
    folder = Path(settings.MEDIA_ROOT, "attraction", "bulletins")
    stem = f"anshan-attraction-bulletin-{run.month:%Y-%m}-{run.data_version[:8]}"
    return sorted(p.name for p in folder.glob(f"{stem}*")) if folder.exists() else []


def leftovers():
    return sorted(p.name for p in services.BULLETIN_RUNS.tmp_path().iterdir())


def test_the_generate_task_delivered_twice_builds_the_run_once(celery_worker):
    ProjectFactory()
    run = BulletinRun.objects.create(month=MONTH, data_version="twice-delivered")
    bulletin_generate.delay(run.pk)
    bulletin_generate.delay(run.pk)  # a redelivery, or a duplicate publish
    wait_until_worker_idle()  # a marker behind both (solo pool, FIFO): both have run
    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress) == ("done", 1, 100), run.error
    assert stored(run) == sorted([Path(run.xlsx.name).name, Path(run.pdf.name).name])
    assert len(stored(run)) == 2 and leftovers() == []


def test_a_bulletin_whose_worker_died_is_taken_over(celery_worker):
    ProjectFactory()
    run = BulletinRun.objects.create(
        month=MONTH, data_version="dead-worker", status="running", claim_token="dead", attempts=1,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        heartbeat_at=timezone.now() - documents.stale_after() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    bulletin_generate.delay(run.pk)  # the killed worker's task, redelivered
    wait_until_worker_idle()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2) and run.claim_token != "dead"
    assert len(stored(run)) == 2


def test_a_broken_build_fails_with_its_error_stores_nothing_and_can_be_asked_again(celery_worker, monkeypatch):
    ProjectFactory()

    def broken(figures, path):
        Path(path).write_bytes(b"%PDF half")
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(bulletin, "write_pdf", broken)
    with transaction.atomic():
        run, queued = services.bulletin_request(user=None, month=MONTH)
    assert queued
    wait_until_worker_idle()
    run.refresh_from_db()
    assert run.status == "failed" and "ZeroDivisionError" in run.error and run.attempts == 1
    assert (run.xlsx.name, run.pdf.name) == ("", "") and stored(run) == [] and leftovers() == []
    monkeypatch.undo()
    with transaction.atomic():
        again, queued = services.bulletin_request(user=None, month=MONTH)
    assert queued and again.pk == run.pk and again.status == "pending" and again.error == ""
    wait_until_worker_idle()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("done", 2, "")
    assert len(stored(run)) == 2


def test_a_live_run_is_not_built_twice_and_not_failed_by_a_giving_up_task():
    run = BulletinRun.objects.create(
        month=MONTH, data_version="live", status="running", claim_token="alive", heartbeat_at=timezone.now()
    )
    with pytest.raises(documents.RunBusy):
        services.bulletin_build(run_id=run.pk)
    services.bulletin_mark_failed(run_id=run.pk, error="RunBusy")
    run.refresh_from_db()
    assert (run.status, run.claim_token) == ("running", "alive")
    assert not services.BULLETIN_RUNS.requeue(run.pk)  # asking again leaves a live run to its worker


def test_runs_from_before_the_migration_keep_their_meaning():
    """Migration 0007: a run left running by the old code has its start as heartbeat, so the one stale
    rule takes it over (its worker is long gone); a done run is at 100%, a started one was attempted once."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("attraction.migrations.0007_bulletin_document_run")
    started = timezone.now() - datetime.timedelta(hours=3)
    running = BulletinRun.objects.create(month=MONTH, data_version="old-running", status="running", started_at=started)
    done = BulletinRun.objects.create(month=MONTH, data_version="old-done", status="done", started_at=started)
    migration.existing_runs(apps, None)
    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.heartbeat_at, running.attempts) == (started, 1)
    assert (done.progress, done.attempts) == (100, 1)
    claim = services.BULLETIN_RUNS.claim(running.pk)
    assert claim is not None and services.BULLETIN_RUNS.claim(done.pk) is None
