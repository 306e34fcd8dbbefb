"""An optional read replica (``DATABASE_REPLICA_URL``): what reads from it, what never does.

Reads go to the replica only inside ``replica_reads()``: the views marked ``@replica_view`` (dashboards,
lists, exports; for a DRF viewset, the actions in ``replica_actions``) on a GET or HEAD, and report builds
once their data version matches (dispatch.services.report_build). Everything else, every write and every
read inside a transaction, uses the primary ("default"). A request that made a change pins its browser
(or API client) to the primary for ``REPLICA_STICKY_SECONDS`` (a cookie), so that the page after a save
shows the save even before the replica has replayed it.

If the replica fails (down, unreachable), the request is answered again from the primary (no error for
the user) and the replica is left alone for ``REPLICA_RETRY_SECONDS``.
"""

import contextlib
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
STICKY_COOKIE = "primary_until"
log = logging.getLogger(__name__)

_reads_from_replica = ContextVar("reads_from_replica", default=False)
_down_until = 0.0  # this process's memory that the replica failed (monotonic clock)


def configured():
    return REPLICA in connections.settings


def available():
    return configured() and time.monotonic() >= _down_until


def mark_down(exc=None):
    """The replica failed: read from the primary for REPLICA_RETRY_SECONDS, then try it again."""
    global _down_until
    _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    log.warning("read replica unavailable (%s): reading from the primary", exc.__class__.__name__ if exc else "?")
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


def mark_up():
    global _down_until
    _down_until = 0.0


@contextlib.contextmanager
def replica_reads(enabled=True):
    """Reads inside go to the replica (when one is configured and up)."""
    token = _reads_from_replica.set(enabled)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


def reading_replica():
    """Whether a read made now would go to the replica."""
    return (
        _reads_from_replica.get()
        and available()
        and not connections[PRIMARY].in_atomic_block  # a transaction's reads must see its own writes
    )


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if reading_replica() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def replica_view(view):
    """Marks a read-only page (dashboard, list, export) as served from the replica on GET/HEAD."""
    view.replica_reads = True
    return view


def _wants_replica(request, view_func):
    if request.method not in ("GET", "HEAD") or not configured():
        return False
    if getattr(view_func, "replica_reads", False):
        return True
    cls, actions = getattr(view_func, "cls", None), getattr(view_func, "actions", None) or {}
    return cls is not None and actions.get(request.method.lower()) in getattr(cls, "replica_actions", ())


def _pinned(request):
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Routes marked views' reads to the replica, pins a client to the primary after its writes, and
    answers a request again from the primary when the replica fails under it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        try:
            response = self.get_response(request)
        finally:
            if request._replica_token is not None:
                _reads_from_replica.reset(request._replica_token)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            seconds = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(STICKY_COOKIE, f"{time.time() + seconds:.3f}", max_age=seconds, httponly=True,
                                samesite="Lax", secure=request.is_secure())  # fmt: skip
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _wants_replica(request, view_func) and not _pinned(request):
            request._replica_token = _reads_from_replica.set(True)
            request._replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        if getattr(request, "_replica_token", None) is None or not isinstance(exception, DatabaseError):
            return None
        if not _replica_failed():
            return None
        mark_down(exception)
        view_func, args, kwargs = request._replica_view
        with replica_reads(False):
            return view_func(request, *args, **kwargs)


def _replica_failed():
    """Whether the replica is the part that failed (its connection is gone or does not answer)."""
    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            return True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return False
    except DatabaseError:
        return True


def lag():
    """The replica's replay lag, for /healthz: {"status", "lag_seconds", "lag_bytes"} or an error."""
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint,"
                " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
                [primary_lsn],
            )
            standby, lag_bytes, lag_seconds = cursor.fetchone()
    except DatabaseError as exc:
        with contextlib.suppress(Exception):
            connections[REPLICA].close()
        return {"status": f"error: {exc.__class__.__name__}", "reads": "primary"}
    if not standby:
        return {"status": "error: not a standby", "reads": "primary"}
    return {
        "status": "ok",
        "lag_seconds": round(float(lag_seconds or 0), 3),
        "lag_bytes": max(int(lag_bytes or 0), 0),
        "reads": "replica" if available() else "primary",
    }


@contextlib.contextmanager
def replica_reads_if_current(is_current):
    """For a report build: reads from the replica when it is up and ``is_current()``, asked of the
    replica, says it holds the data the report was requested for (its data version, read from the
    primary); otherwise from the primary. Yields the alias the reads use."""
    use = False
    if available():
        try:
            with replica_reads():
                use = reading_replica() and is_current()
        except DatabaseError as exc:
            mark_down(exc)
            use = False
    with replica_reads(use):
        yield REPLICA if use else PRIMARY
