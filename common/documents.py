"""One run of a generated document (a dispatch report, the attraction bulletin, ...): claim, build,
store, mark. The one place where the rule of a document run lives.

A run is a model row with the fields ``status``, ``claim_token``, ``heartbeat_at``, ``attempts``,
``started_at``, ``finished_at``, ``error`` (and ``progress`` when ``Runs.progress``); the apps keep
their own models and status values, described by a ``Runs``:

- claim: one conditional UPDATE moves a queued row (or a running one whose heartbeat is older than
  ``stale_after()``, its worker presumed dead) to running under a new claim token: one worker wins;
- while building, ``Claim.beat`` renews the heartbeat (and progress) and notices a lost claim;
- files are built into temporary files, then saved to storage, then the row is marked done in one
  conditional UPDATE on the claim token: storage never holds a half-written file that a row points
  to, and two workers never both finish a run (the loser deletes what it stored);
- a failure gives the claim back (queued) for the task's retry; the task marks the row failed with
  the error when it gives up (``Runs.mark_failed``), never a row another live worker is building.

The stale rule is one setting, ``DOCUMENT_RUN_STALE_SECONDS`` (default 600). The library knows no app.
"""

import datetime
import logging
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis
from celery import Task
from django.conf import settings
from django.core.files import File
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)


def stale_after():
    """A running document whose worker has not renewed its heartbeat for this long is taken to be dead
    (killed mid-build) and may be claimed again (setting DOCUMENT_RUN_STALE_SECONDS, default 600)."""
    return datetime.timedelta(seconds=int(getattr(settings, "DOCUMENT_RUN_STALE_SECONDS", 600)))


class RunBusy(RuntimeError):
    """Another live worker holds the claim; the task should look again once that claim may be stale."""


class ClaimLost(RuntimeError):
    """Another worker took the run over (this one was presumed dead): stop without marking anything."""


@dataclass
class Output:
    """What a build produced: ``files`` maps a FileField name to (temporary path, storage name),
    ``fields`` the other values to set when marking done, ``on_done`` runs inside the marking
    transaction only if this worker's claim finished the run (e.g. ``transaction.on_commit(notify)``)."""

    files: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    on_done: object = None


@dataclass(frozen=True)
class Runs:
    """The document runs of one model: its class, its status values and its temporary directory
    (under MEDIA_ROOT, on the storage's file system; killed builds' leftovers there are swept)."""

    model: type
    tmp_dir: str
    queued: str = "queued"
    running: str = "running"
    done: str = "done"
    failed: str = "failed"
    progress: bool = True

    # --- the rule ---------------------------------------------------------------------------------
    def stale_q(self, now=None):
        """Running, but nobody has renewed its heartbeat within the stale rule (a dead worker's run)."""
        cutoff = (now or timezone.now()) - stale_after()
        return Q(status=self.running) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff))

    def live_q(self, now=None):
        return Q(status=self.running, heartbeat_at__gte=(now or timezone.now()) - stale_after())

    def claimable_q(self, now=None):
        return Q(status=self.queued) | self.stale_q(now)

    def _reset(self):
        values = {"status": self.queued, "claim_token": "", "error": ""}
        if self.progress:
            values["progress"] = 0
        return values

    # --- the steps ----------------------------------------------------------------------------------
    def requeue(self, pk):
        """A failed run, or a stale running one, goes back to queued (asked for again). Returns True
        when the row is now queued (it already was, or this call moved it)."""
        moved = self.model.objects.filter(pk=pk).filter(Q(status=self.failed) | self.stale_q()).update(**self._reset())
        return bool(moved) or self.model.objects.filter(pk=pk, status=self.queued).exists()

    def claim(self, pk):
        """Claim the run with one conditional UPDATE: a Claim for the one worker that wins, else None."""
        now = timezone.now()
        # Who holds the claim (host and process), for operators and for tests that kill it.
        token = f"{socket.gethostname()[:20]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        values = {"status": self.running, "claim_token": token, "heartbeat_at": now, "started_at": now, "error": ""}
        values["attempts"] = F("attempts") + 1
        if self.progress:
            values["progress"] = 1
        claimed = self.model.objects.filter(self.claimable_q(now), pk=pk).update(**values)
        return Claim(self, pk, token) if claimed == 1 else None

    def mark_failed(self, pk, error):
        """The task gave up: the row says failed with the error (a user can ask again). A done row, or
        one another live worker is building, is left alone. Returns the number of rows marked."""
        return (
            self.model.objects.filter(pk=pk)
            .exclude(status=self.done)
            .exclude(self.live_q())
            .update(status=self.failed, error=str(error)[:2000], claim_token="", finished_at=timezone.now())
        )

    def execute(self, pk, build):
        """Run ``build(claim)`` (which writes temporary files from ``claim.temp_path`` and returns an
        Output) under a claim, store its files and mark the run done, once. Returns "done", or
        "skipped" (nothing to do: done, failed, or the claim was lost). Raises RunBusy when another
        live worker holds the run; any error of the build gives the claim back and propagates."""
        claim = self.claim(pk)
        if claim is None:
            if self.model.objects.filter(self.live_q(), pk=pk).exists():
                raise RunBusy(f"{self.model._meta.label} {pk} is being built by another worker")
            return "skipped"
        stored = []  # (storage, name) saved by this attempt, deleted unless the run ends up pointing to them
        try:
            self.sweep(pk)
            output = build(claim)
            names = {}
            for name, (path, target) in output.files.items():
                storage = self.model._meta.get_field(name).storage
                with Path(path).open("rb") as data:
                    names[name] = storage.save(target, File(data))
                stored.append((storage, names[name]))
            with transaction.atomic():
                finished = claim.finish(**output.fields, **names)
                if finished and output.on_done is not None:
                    output.on_done()
            if not finished:
                raise ClaimLost(f"{self.model._meta.label} {pk} was taken over")
            stored = []
            return "done"
        except ClaimLost:
            log.warning("%s %s: claim lost, result discarded", self.model._meta.label, pk)
            return "skipped"
        except Exception:
            # Give the claim back so that a retry (or another worker) can build it.
            claim.give_back()
            raise
        finally:
            claim.discard()
            for storage, name in stored:
                storage.delete(name)

    # --- temporary files ------------------------------------------------------------------------------
    def tmp_path(self):
        path = Path(settings.MEDIA_ROOT) / self.tmp_dir
        path.mkdir(parents=True, exist_ok=True)
        return path

    def sweep(self, pk):
        """Remove what killed builds left in the temporary directory (see ``sweep``)."""
        sweep(self.tmp_path(), pk)


def sweep(root, pk):
    """Each build writes its files (and e.g. XlsxWriter's row files) into a directory of its own,
    ``build-<pk>-<claim>``: remove every earlier build of run ``pk`` (this claim replaced theirs, so none of
    them is alive), and anything else untouched for longer than a claim stays valid (the stale rule)."""
    cutoff = time.time() - stale_after().total_seconds()

    def touched(path):  # a live build writes its files, not always the directory
        paths = [path, *path.iterdir()] if path.is_dir() else [path]
        return max(p.stat().st_mtime for p in paths)

    for path in Path(root).iterdir():
        try:
            if not (path.name.startswith(f"build-{pk}-") or touched(path) < cutoff):
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass  # another worker swept it first


class Claim:
    """One worker's claim on one run (from ``Runs.claim``)."""

    def __init__(self, runs, pk, token):
        self.runs, self.pk, self.token = runs, pk, token
        self.started = time.monotonic()

    @property
    def mine(self):
        return self.runs.model.objects.filter(pk=self.pk, claim_token=self.token, status=self.runs.running)

    def beat(self, percent=None):
        """Renew the heartbeat (and the progress, below 100 until done); raise ClaimLost when taken over."""
        values = {"heartbeat_at": timezone.now()}
        if percent is not None and self.runs.progress:
            values["progress"] = max(1, min(int(percent), 99))
        if not self.mine.update(**values):
            raise ClaimLost(f"{self.runs.model._meta.label} {self.pk} was taken over")

    @property
    def build_dir(self):
        """This build's own temporary directory, ``build-<pk>-<claim>`` (removed when the run ends)."""
        return self.runs.tmp_path() / f"build-{self.pk}-{self.token.rsplit(':', 1)[-1]}"

    def temp_path(self, name):
        """A path for one file of the build, in the build's own directory."""
        self.build_dir.mkdir(exist_ok=True)
        return self.build_dir / name

    def seconds(self):
        return time.monotonic() - self.started

    def finish(self, **fields):
        """Mark done in one conditional UPDATE on the claim: True for the one worker whose claim held."""
        values = {"status": self.runs.done, "finished_at": timezone.now(), "error": "", **fields}
        if self.runs.progress:
            values["progress"] = 100
        return self.mine.update(**values) == 1

    def give_back(self):
        self.mine.update(**self.runs._reset())

    def discard(self):
        shutil.rmtree(self.build_dir, ignore_errors=True)


# --- the task side ------------------------------------------------------------------------------------
# Only outside, passing failures are retried; a bug fails the run at once (visible to the user).
TRANSIENT = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)

# Late acknowledgement and requeue of a killed worker's task, with backoff on transient errors: together
# with the claim, a run is built exactly once however often its task is delivered.
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "ignore_result": True,
}


class DocumentTask(Task):
    """Base of a task that builds one run (Saleor style): when the task gives up, the row the user sees
    says failed, with the error. Subclasses name their ``runs`` and the task argument holding the pk."""

    runs = None
    pk_arg = "run_id"

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        pk = kwargs.get(self.pk_arg, args[0] if args else None)
        if pk is not None and not isinstance(exc, RunBusy):
            self.runs.mark_failed(pk, repr(exc))


def run_task(task, build, **kwargs):
    """The body of a document task: call the service ``build(**kwargs)``; while another live worker holds
    the run, look again once its claim may be stale (by then it is this task's to build, or done)."""
    try:
        return build(**kwargs)
    except RunBusy as exc:
        raise task.retry(exc=exc, countdown=stale_after().total_seconds() + 5, max_retries=3) from exc
