"""The benchmark's own database on the embedded (or given) PostgreSQL, seeded with seed_demo."""

import os
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

SCALES = {"city": 5_000, "province": 100_000, "national": 1_000_000}


def database_url(scale):
    """The URL of anshan_bench_<scale> next to the configured database, created if missing."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not base:
        from common.embedded import postgres_url

        base = postgres_url()
    parts = urlsplit(base)
    name = f"anshan_bench_{scale}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_and_create(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(_libpq(urlunsplit(parts._replace(path="/postgres"))), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _libpq(url):
    return url.replace("postgres://", "postgresql://", 1)


def raw_connection():
    """A psycopg connection to the bench database (for the hand-written references)."""
    from django.db import connection

    params = connection.settings_dict
    options = params.get("OPTIONS", {})
    return psycopg.connect(
        dbname=params["NAME"],
        host=params.get("HOST") or options.get("host"),
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        autocommit=True,
    )


def table_counts(cursor):
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    counts = {}
    for (name,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{name}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def copy_reference(tables):
    """Time COPY FROM of the rows the seed wrote (same tables, same indexes and constraints, no
    triggers) into a scratch schema. Returns seconds."""
    with raw_connection() as conn, conn.cursor() as cursor, tempfile.TemporaryDirectory() as scratch:
        files = {}
        for table in tables:
            path = os.path.join(scratch, table)
            with open(path, "wb") as out, cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for chunk in copy:
                    out.write(chunk)
            files[table] = path
        cursor.execute("DROP SCHEMA IF EXISTS bench_ref CASCADE; CREATE SCHEMA bench_ref")
        for table in tables:
            cursor.execute(f'CREATE TABLE bench_ref."{table}" (LIKE public."{table}" INCLUDING ALL)')
        started = time.perf_counter()
        with conn.transaction():
            for table, path in files.items():
                with open(path, "rb") as source, cursor.copy(f'COPY bench_ref."{table}" FROM STDIN') as copy:
                    while block := source.read(1 << 20):
                        copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("DROP SCHEMA bench_ref CASCADE")
    return seconds


def seed_growth(sizes, keep=False):
    """Time seed_demo at each size on a fresh database of its own (anshan_bench_seed_<n>), in a
    process of its own so that its peak memory is its own. Returns one dict per size."""
    import re
    import subprocess
    import sys

    manage = [sys.executable, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manage.py")]
    results = []
    for n in sizes:
        url = database_url(f"seed_{n}")
        drop_and_create(url)
        env = dict(os.environ, DATABASE_URL=url, DEBUG="false", LOG_LEVEL="WARNING")
        for step in (["migrate", "-v0"], ["load_reference", "-v0"]):
            subprocess.run([*manage, *step], env=env, check=True)  # noqa: S603 (our own manage.py)
        process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [*manage, "seed_demo", "--projects", str(n), "--no-accounts", "--no-progress-bar", "--timings"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        if status:
            raise RuntimeError(f"seed_demo --projects {n} failed: {output}")
        seconds = float(re.search(r"in ([0-9.]+) s", output).group(1))
        # seed_demo --timings: one "  step: 1.23 s" line per step, nested steps indented further.
        steps = [(len(indent) // 2 - 1, name, float(value))
                 for indent, name, value in re.findall(r"^( +)(\S.*): ([0-9.]+) s$", output, re.MULTILINE)]  # fmt: skip
        cpu = re.search(r"^cpu: seed ([0-9.]+) s, database server ([0-9.]+) s$", output, re.MULTILINE)
        with psycopg.connect(_libpq(url)) as conn, conn.cursor() as cursor:
            counts = table_counts(cursor)
        rows, tables = sum(counts.values()), sum(1 for c in counts.values() if c)
        results.append({"projects": n, "seconds": seconds, "ms_per_project": round(seconds * 1000 / n, 3), "rows": rows,
                        "tables": tables, "peak_rss_mb": round(usage.ru_maxrss / 1024),
                        "cpu_seed_s": float(cpu.group(1)) if cpu else None,
                        "cpu_server_s": float(cpu.group(2)) if cpu else None, "steps": steps})  # fmt: skip
        print({k: v for k, v in results[-1].items() if k != "steps"}, flush=True)
        if not keep:
            parts = urlsplit(url)
            with psycopg.connect(_libpq(urlunsplit(parts._replace(path="/postgres"))), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    if results:
        print(steps_table(results), flush=True)
    return results


def steps_table(results):
    """The seconds of every seed step at each size (Markdown), and how each grows from the first size:
    a step whose cost grows faster than the projects is the one to look at."""
    sizes = [r["projects"] for r in results]
    order, seconds = [], {}
    for r in results:
        for depth, name, value in r["steps"]:
            key = (depth, name)
            if key not in seconds:
                order.append(key)
                seconds[key] = {}
            # A name repeated at one depth (the analyze after each app) adds up.
            seconds[key][r["projects"]] = seconds[key].get(r["projects"], 0) + value
    lines = ["| step | " + " | ".join(f"{n:,} (s)" for n in sizes) + f" | x per x{sizes[-1] / sizes[0]:g} projects |",
             "|---|" + "---|" * (len(sizes) + 1)]  # fmt: skip
    for depth, name in order:
        values = [seconds[(depth, name)].get(n) for n in sizes]
        growth = f"{values[-1] / values[0]:.1f}" if values[0] and values[-1] is not None and values[0] >= 0.05 else ""
        cells = " | ".join("" if v is None else f"{v:.2f}" for v in values)
        lines.append(f"| {'· ' * depth}{name} | {cells} | {growth} |")
    return "\n".join(lines)


if __name__ == "__main__":
    # python -m bench.dataset 5000 50000 200000 [--keep]: does seed_demo grow linearly, in bounded memory?
    import sys

    from common import parsing

    seed_growth([parsing.integer(a, field="projects", min_value=1) for a in sys.argv[1:] if a != "--keep"],
                keep="--keep" in sys.argv)  # fmt: skip
