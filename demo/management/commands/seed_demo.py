import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from common.bulkcopy import indexes_create, indexes_drop
from demo.builders import DEFAULT_PROJECTS, DemoBuilder, demo_password, quiet_audit_triggers
from projects.models import Project
from projects.services import reference_data_load


class Command(BaseCommand):
    help = "Load a deterministic demo data set (the article's projects plus a city-sized set) and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS, help="number of projects")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if projects exist already")
        parser.add_argument("--no-accounts", action="store_true", help="do not create the demo sign-in accounts")
        parser.add_argument("--no-progress-bar", action="store_true")
        parser.add_argument("--timings", action="store_true", help="print the seconds of every seed step")

    def handle(self, *args, projects, seed, if_empty, no_accounts, no_progress_bar, timings=False, **options):
        if projects < 0:
            raise CommandError("--projects must be zero or more")
        if not no_accounts and not settings.DEMO_ACCOUNTS:
            raise CommandError(
                "demo accounts are only created when DEMO_ACCOUNTS is on (make run sets it); use --no-accounts"
            )
        if if_empty and Project.objects.exists():
            self.stdout.write("projects exist already: demo data not loaded")
            return
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Bulk loading is not a web request: the request statement timeout does not apply.
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        cpu_started = _cpu_seconds(backend)
        reference_data_load()
        bar = tqdm(total=projects, unit="项目", disable=no_progress_bar or not sys.stderr.isatty(), file=sys.stderr)
        builder = DemoBuilder(seed=seed, progress=bar.update)

        # All or nothing, and without audit events: seeded rows are not user edits.
        with transaction.atomic(), connection.cursor() as cursor:
            quiet_audit_triggers(cursor)
            self._seed(builder, projects, no_accounts, cursor)
            commit_started = time.monotonic()
        builder.timings.append([0, "commit", time.monotonic() - commit_started])
        bar.close()
        self.stdout.write(f"demo data: {projects} projects in {time.monotonic() - started:.1f} s")
        if timings or options["verbosity"] >= 2:
            # One line per step, nested steps indented: "  step: seconds s" (bench.dataset reads them).
            for depth, name, seconds in builder.timings:
                self.stdout.write(f"{'  ' * (depth + 1)}{name}: {seconds:.2f} s")
            # CPU seconds tell the work from the waiting on a busy machine (the server's: when it is local).
            cpu = [now - before for now, before in zip(_cpu_seconds(backend), cpu_started, strict=True)]
            self.stdout.write(f"cpu: seed {cpu[0]:.1f} s, database server {cpu[1]:.1f} s")

    def _seed(self, builder, projects, no_accounts, cursor):
        timed = builder.timed
        # The projects' plain indexes are built once, after the last bulk write (see indexes_drop).
        indexes = indexes_drop(cursor, [Project._meta.db_table])
        with timed("projects"):
            people = builder.leaders()
            builder.projects(projects, people)
        analyzed = {}
        with timed("analyze"):
            _analyze(analyzed)
        if not no_accounts:
            with timed("accounts"):
                builder.accounts(demo_password())  # before the extensions, which may give accounts roles
        for extend in _extensions():
            with timed(f"{extend.__module__}.{extend.__name__}"):
                extend(builder)
            with timed("analyze"):
                _analyze(analyzed)
        with timed("indexes"):
            indexes_create(cursor, indexes)


def _cpu_seconds(backend):
    """(this process's CPU seconds, the database backend's when it runs on this machine, else 0)."""
    import os
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with open(f"/proc/{backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        server = 0.0
    return usage.ru_utime + usage.ru_stime, server


def _analyze(analyzed):
    """Fresh COPY-loaded tables have no planner statistics; later extensions (reports, lights)
    query them, and without statistics PostgreSQL picks nested loops that take minutes. Only the
    tables written to since the last call (``analyzed``: table -> rows inserted by then)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relid::regclass::text, n_tup_ins FROM pg_stat_xact_user_tables WHERE n_tup_ins > 0")
        changed = [table for table, inserted in cursor.fetchall() if analyzed.get(table) != inserted]
        for table in changed:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(
            "SELECT relid::regclass::text, n_tup_ins FROM pg_stat_xact_user_tables WHERE relid::regclass::text = ANY(%s)",
            [changed],
        )
        analyzed.update(cursor.fetchall())


def _extensions():
    """Each app's demo seed (progress, problems, dispatch, ...): ``<app>.demo.seed``, discovered."""
    from demo.discovery import seed_functions

    return seed_functions()
