"""python -m bench --scale city|province|national

Builds anshan_bench_<scale> on the embedded PostgreSQL (never the development database) with
seed_demo, measures every row with its reference in the same run, prints one Markdown table and
writes bench/results/<scale>-<time>.json.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=["city", "province", "national"], default="city")
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the data set even if present")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--only", help="comma-separated row function names (see bench/rows.py)")
    parser.add_argument("--no-load", action="store_true", help="skip the 50-user load row")
    args = parser.parse_args(argv)
    # Before anything imports anshan_projects: its Celery module defaults to the production profile.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anshan_projects.settings.local")

    from . import dataset

    n = dataset.SCALES[args.scale]
    url = dataset.database_url(args.scale)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory: never benchmark with it
    # Web requests get 30 s; the report tasks 15 min (dispatch.services). The rows here call the
    # report builders directly, and at national scale the seed's steps run longer than 30 s too.
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", str(15 * 60 * 1000))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from projects.models import Project

    from .harness import Row, Stats, table, write_json

    def prepare():
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_reference", verbosity=0)

    seed_file = RESULTS / f"seed-{args.scale}.json"
    prepare()
    from .rows import remove_import_projects

    remove_import_projects()  # left over by an interrupted run
    from demo.discovery import seed_functions

    signature = sorted(f"{f.__module__}.{f.__name__}" for f in seed_functions())
    stale = not seed_file.exists() or json.loads(seed_file.read_text()).get("extensions") != signature
    if (
        args.reseed
        or stale
        or Project.objects.filter(code__startswith="2026-210302-04-01-B").count() < 0
        # the generated projects; the seed adds a few named ones (the intake project) beside them
        or (Project.objects.exclude(code__startswith="2026-210302-04-01-B").count() < n)
    ):
        print(f"building the {args.scale} data set ({n:,} projects) in {url.split('?')[0]} ...", file=sys.stderr)
        from django.db import connections

        connections.close_all()
        dataset.drop_and_create(url)
        prepare()
        with connections["default"].cursor() as cursor:
            before = dataset.table_counts(cursor)
        started = time.perf_counter()
        call_command("seed_demo", projects=n, no_accounts=True, no_progress_bar=True, verbosity=0)
        seed_seconds = time.perf_counter() - started
        with connections["default"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            after = dataset.table_counts(cursor)
        written = {t: after[t] - before.get(t, 0) for t in after if after[t] - before.get(t, 0) > 0}
        copy_seconds = dataset.copy_reference(list(written))
        write_json(seed_file, {"seconds": seed_seconds, "copy_seconds": copy_seconds, "tables": written,
                               "extensions": signature,
                               "at": datetime.datetime.now().isoformat(timespec="seconds")})  # fmt: skip
    seed = json.loads(seed_file.read_text())

    context = _context(args.scale, n)
    from . import rows as row_functions

    selected = args.only.split(",") if args.only else None
    results = []
    seed_target = {"city": 3, "province": 60, "national": 600}[args.scale]
    results.append(Row(
        f"seed of {n:,} projects (seed_demo: {sum(seed['tables'].values()):,} rows in {len(seed['tables'])} tables)",
        context.size, Stats(seed["seconds"], seed["seconds"], 1), {"COPY FROM": Stats(seed["copy_seconds"],
        seed["copy_seconds"], 1)}, "1,000,000 in <10 min (pro rata here: <" + f"{seed_target} s)",
        "met" if seed["seconds"] < seed_target else f"MISSED: {seed['seconds']:.0f} s",
        rows_read=sum(seed["tables"].values()), note=f"seeded {seed['at']}",
    ))  # fmt: skip
    for function in row_functions.ROWS:
        if selected and function.__name__ not in selected:
            continue
        print(f"measuring {function.__name__} ...", file=sys.stderr)
        try:
            results.extend(function(context))
        except Exception as exc:  # an instrument: one broken row must not hide the others
            results.append(Row(function.__name__, context.size, note=f"error: {exc!r}"[:200]))
    load = None
    if not args.no_load and (not selected or "load" in selected):
        print(f"load: {args.users} users for {args.load_seconds} s ...", file=sys.stderr)
        from . import load as load_module

        load = load_module.run(database_url=url, users=context.load_users, concurrency=args.users,
                               seconds=args.load_seconds)  # fmt: skip
        ok = load["errors"] == 0 and load["p95"] is not None and load["p95"] < 0.3
        results.append(Row(
            f"{args.users} users x {args.load_seconds} s: dashboard + list + project page + search (gunicorn, loopback)",
            context.size, Stats(load["median"], load["p95"], load["requests"]), {}, "p95 <300 ms, no errors",
            "met" if ok else f"MISSED: p95 {load['p95'] * 1000:.0f} ms, {load['errors']} errors",
            note=f"{load['requests']} requests, {load['rps']:.1f}/s, {load['errors']} errors; CPU s "
                 + ", ".join(f"{k} {v}" for k, v in load["cpu_seconds"].items())
                 + "; load average " + " ".join(f"{x:.1f}" for x in load["load_average"]), extra=load,
        ))  # fmt: skip

    previous = _previous(args.scale)
    machine = _machine()
    print(f"\n## Benchmark: {args.scale} scale ({n:,} projects), {machine}\n")
    print(table(results, args.scale, previous))
    notes = [r for r in results if r.note and r.ours]
    if notes:
        print()
        for r in notes:
            print(f"- {r.operation}: {r.note}")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"{args.scale}-{stamp}.json"
    write_json(out, {"scale": args.scale, "projects": n, "machine": machine, "at": stamp,
                     "rows": [r.to_json() for r in results], "load": load})  # fmt: skip
    print(f"\nresults: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}", file=sys.stderr)


class Context:
    pass


def _context(scale, n):
    from django.test import Client

    from accounts.models import User
    from projects.choices import Role
    from projects.models import Project, Region, RoleAssignment

    ctx = Context()
    from django.utils import timezone

    ctx.scale, ctx.n, ctx.size = scale, n, f"{n:,} projects"
    ctx.today, ctx.now = timezone.localdate(), timezone.now()
    ctx.year = ctx.today.year
    ctx.region = Region.objects.get(key="tiedong")
    ctx.leader, _ = User.objects.get_or_create(username="bench_leader")
    RoleAssignment.objects.get_or_create(user=ctx.leader, role=Role.LEADERSHIP)
    ctx.county_user, _ = User.objects.get_or_create(username="bench_tiedong")
    RoleAssignment.objects.get_or_create(user=ctx.county_user, role=Role.COUNTY_STAFF, region=ctx.region)
    ctx.leader_client, ctx.county_client = Client(), Client()
    ctx.leader_client.force_login(ctx.leader)
    ctx.county_client.force_login(ctx.county_user)
    # Each signed-in user visits projects it may see (a county user's are in its county).
    ctx.load_users = [
        (user, list(Project.objects.restrict(user).order_by("?").values_list("id", flat=True)[:2000]))
        for user in (ctx.leader, ctx.county_user)
    ]
    return ctx


def _previous(scale):
    """The latest result of the next smaller scale, for the growth column."""
    order = ["city", "province", "national"]
    index = order.index(scale)
    if index == 0:
        return None
    files = sorted(RESULTS.glob(f"{order[index - 1]}-*.json"))
    return json.loads(files[-1].read_text()) if files else None


def _machine():
    cpu, memory = "?", 0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return (f"{os.cpu_count()} CPU {cpu}, {memory:.0f} GiB RAM, Python {platform.python_version()}, "
            f"PostgreSQL {pg} (embedded)")  # fmt: skip


if __name__ == "__main__":
    main()
