"""One function per benchmark row. A row whose feature has not landed returns a Row with a note.

Each reference is measured in the same run on the same database.
"""

import json
import os
import secrets
import statistics
import tempfile
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from .dataset import raw_connection
from .harness import Row, Stats, measure, peak_memory_mb

_raw = {}


def raw():
    """One psycopg connection per process (the memory probe forks)."""
    pid = os.getpid()
    if pid not in _raw or _raw[pid].closed or _raw[pid].broken:  # e.g. the database was rebuilt meanwhile
        _raw[pid] = raw_connection()
    return _raw[pid]


def sql_json(sql, params=()):
    with raw().cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return json.dumps([dict(zip(columns, r, strict=True)) for r in cursor.fetchall()], default=str)


def available(path):
    try:
        resolve(path.split("?")[0])
        return True
    except Resolver404:
        return False


def verdict(ok, missed):
    return "met" if ok else f"MISSED: {missed}"


# --- stats summary ----------------------------------------------------------------------------------
STATS_PATH = "/api/v1/stats/summary/"
# The summary's figures (totals, and count / planned / this year's plan / completed year to date by
# region, stage, sector and category) as one query.
SUMMARY_SQL = """
WITH done AS (
    SELECT e.project_id, sum(e.amount_completed) AS completed FROM investment_progressentry e
    WHERE e.period >= %(start)s AND e.period < %(end)s AND e.status IN ('submitted', 'verified')
    GROUP BY e.project_id)
SELECT p.region_id, r.name AS region, p.stage, p.sector_id, s.name AS sector, p.category_id, c.name AS category,
       count(*) AS n, sum(p.total_investment) AS total, sum(p.annual_plan) AS plan,
       coalesce(sum(done.completed), 0) AS completed
FROM projects_project p
JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_sector s ON s.id = p.sector_id
JOIN projects_category c ON c.id = p.category_id
LEFT JOIN done ON done.project_id = p.id
{where}
GROUP BY GROUPING SETS ((), (p.region_id, r.name), (p.stage), (p.sector_id, s.name), (p.category_id, c.name))
"""


def stats_summary(ctx):
    rows = []
    for label, client, region in (
        ("whole city", ctx.leader_client, None),
        ("one county", ctx.county_client, ctx.region),
    ):
        operation = f"stats/summary, {label}"
        if not available(STATS_PATH):
            rows.append(Row(operation, ctx.size, note="not available yet (API issue)", target="≤1.5x SQL; <150 ms"))
            continue
        where = "WHERE p.region_id = %(region)s" if region else ""
        params = {"region": region.pk if region else None, "start": f"{ctx.year}-01-01", "end": f"{ctx.year + 1}-01-01"}
        reference = measure(lambda w=where, p=params: sql_json(SUMMARY_SQL.format(where=w), p))
        # As users meet it (kept per scope and data version, insights.selectors.summary_cached), then
        # computed on every call (the cache emptied first), which is what the SQL reference does.
        from django.core.cache import cache

        def uncached(c=client):
            cache.delete_pattern("insights:summary:*")
            return _ok(c.get(STATS_PATH, HTTP_HOST="localhost"))

        for suffix, call in (("", lambda c=client: _ok(c.get(STATS_PATH, HTTP_HOST="localhost"))),
                             (", not cached", uncached)):  # fmt: skip
            ours = measure(call)
            ok = ours.median <= 1.5 * reference.median and ours.p95 < 0.150
            rows.append(Row(operation + suffix, ctx.size, ours, {"SQL": reference}, "≤1.5x SQL; <150 ms",
                            verdict(ok, _why(ours, reference, 1.5, 0.150)), rows_read=ctx.n))  # fmt: skip
    return rows


# --- project list -----------------------------------------------------------------------------------
LIST_SQL = """
SELECT p.id, p.code, p.name, p.investor, r.name AS region, s.name AS sector, c.name AS category,
       d.name AS department, p.stage, p.total_investment::text, p.annual_plan::text, p.planned_start,
       p.actual_start
FROM projects_project p
JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_sector s ON s.id = p.sector_id
JOIN projects_category c ON c.id = p.category_id
LEFT JOIN projects_department d ON d.id = p.department_id
WHERE p.stage = 'construction' AND p.total_investment >= 500
  AND (p.name ILIKE %(q)s OR p.code ILIKE %(q)s OR p.investor ILIKE %(q)s)
ORDER BY p.total_investment DESC, p.id
LIMIT 50
"""
COUNT_SQL = """
SELECT count(*) FROM projects_project p WHERE p.stage = 'construction' AND p.total_investment >= 500
  AND (p.name ILIKE %(q)s OR p.code ILIKE %(q)s OR p.investor ILIKE %(q)s)
"""
LIST_QUERY = "stage=construction&min_investment=500&search=产业园&ordering=-total_investment"


def _list_reference():
    with raw().cursor() as cursor:
        cursor.execute(COUNT_SQL, {"q": "%产业园%"})
        count = cursor.fetchone()[0]
    return json.dumps({"count": count, "results": json.loads(sql_json(LIST_SQL, {"q": "%产业园%"}))})


def project_list_api(ctx):
    path = f"/api/v1/projects/?{LIST_QUERY}"
    operation = "project list API, 50 rows, filters + search"
    if not available(path):
        return [Row(operation, ctx.size, note="not available yet (API issue)", target="≤2x SQL; constant queries")]
    ours = measure(lambda: _ok(ctx.leader_client.get(path, HTTP_HOST="localhost")))
    with CaptureQueriesContext(connection) as queries:
        _ok(ctx.leader_client.get(path, HTTP_HOST="localhost"))
    reference = measure(_list_reference)
    ok = ours.median <= 2 * reference.median
    return [Row(operation, ctx.size, ours, {"SQL": reference}, "≤2x SQL; constant queries",
                verdict(ok, _why(ours, reference, 2, None)), note=f"{len(queries)} queries",
                rows_read=ctx.n, extra={"queries": len(queries)})]  # fmt: skip


def start_page(ctx):
    """The first page a user sees ("/" redirects to the dashboard or the to-do list)."""
    rows = []
    for label, client in (("leader dashboard", ctx.leader_client), ("county to-do", ctx.county_client)):
        first = client.get("/", HTTP_HOST="localhost")
        path = first.headers.get("Location", "/") if first.status_code == 302 else "/"
        ours = measure(lambda c=client, p=path: _ok(c.get(p, HTTP_HOST="localhost")))
        with CaptureQueriesContext(connection) as queries:
            _ok(client.get(path, HTTP_HOST="localhost"))
        rows.append(Row(f"start page, {label} ({path})", ctx.size, ours, {}, "(part of the load row's 300 ms)",
                        f"{len(queries)} queries", rows_read=ctx.n, extra={"queries": len(queries)}))  # fmt: skip
        if path.startswith("/dashboard"):
            # The dashboard's figures are cached per scope and data version (portal.selectors): the row
            # above is the usual, cached case; this one recomputes them every time.
            from django.core.cache import cache

            def cold(c=client, p=path):
                cache.delete_pattern("*")  # this database's keys only (django-redis)
                return _ok(c.get(p, HTTP_HOST="localhost"))

            ours = measure(cold)
            with CaptureQueriesContext(connection) as queries:
                cold()
            rows.append(Row(f"start page, {label} ({path}), figures not cached", ctx.size, ours, {},
                            "(part of the load row's 300 ms)", f"{len(queries)} queries", rows_read=ctx.n,
                            extra={"queries": len(queries)}))  # fmt: skip
    return rows


SIGN_IN_PASSWORD = secrets.token_urlsafe(16)  # the bench user only signs in here


def _sign_in(username):
    """POST the sign-in form as a browser does, then follow the redirects to the first page."""
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": SIGN_IN_PASSWORD},
                           HTTP_HOST="localhost")  # fmt: skip
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")
    while response.status_code == 302:
        response = client.get(response.headers["Location"], HTTP_HOST="localhost")
    return _ok(response)


def sign_in(ctx):
    """The leader's sign-in: POST the login form and the first page (the dashboard, its figures cached
    as when colleagues opened it in the last minute). References: the first page alone, signed in
    already (what sign-in adds is the difference), and the same sign-in with Django 5.2's default
    1,000,000 PBKDF2 iterations (before PASSWORD_PBKDF2_ITERATIONS)."""
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    from accounts.models import User

    User.objects.filter(pk=ctx.leader.pk).update(password=make_password(SIGN_IN_PASSWORD))
    ctx.leader.refresh_from_db()
    ours = measure(lambda: _sign_in(ctx.leader.username), memory=False)
    ctx.leader_client.force_login(ctx.leader)  # a new password ends the sessions made with the old one
    page = measure(lambda: _ok(ctx.leader_client.get("/dashboard/", HTTP_HOST="localhost")), memory=False)
    with override_settings(PASSWORD_PBKDF2_ITERATIONS=1_000_000):
        User.objects.filter(pk=ctx.leader.pk).update(password=make_password(SIGN_IN_PASSWORD))
        default = measure(lambda: _sign_in(ctx.leader.username), memory=False)
    User.objects.filter(pk=ctx.leader.pk).update(password=make_password(SIGN_IN_PASSWORD))
    ctx.leader.refresh_from_db()
    ctx.leader_client.force_login(ctx.leader)
    ok = ours.p95 < 1.0
    return [Row("sign-in of the leader: POST login + first page (dashboard)", ctx.size, ours,
                {"first page only": page, "Django default hasher (1,000,000 iterations)": default}, "<1 s",
                verdict(ok, f"p95 {ours.p95:.2f} s"), rows_read=ctx.n,
                note=f"with Django's default 1,000,000 iterations: {default.short()}")]  # fmt: skip


def project_list_page(ctx):
    path = "/projects/?page=3"
    ours = measure(lambda: _ok(ctx.leader_client.get(path, HTTP_HOST="localhost")))
    with CaptureQueriesContext(connection) as queries:
        _ok(ctx.leader_client.get(path, HTTP_HOST="localhost"))

    # The page prints the total ("共 N 个项目", "第 3 / N 页"), so its reference counts too, as the API's
    # does (it used to read the 50 rows only: a count the page must pay was missing from the reference).
    def reference_page():
        with raw().cursor() as cursor:
            cursor.execute("SELECT count(*) FROM projects_project p")
            count = cursor.fetchone()[0]
        rows = sql_json(LIST_SQL.replace("WHERE p.stage", "WHERE TRUE OR p.stage") + " OFFSET 100", {"q": "%"})
        return json.dumps({"count": count, "results": json.loads(rows)})

    reference = measure(reference_page)
    ok = ours.median <= 2 * reference.median
    return [Row("project list page (HTML), 50 rows", ctx.size, ours, {"SQL": reference}, "≤2x SQL (as the API)",
                verdict(ok, _why(ours, reference, 2, None)) + f"; {len(queries)} queries",
                rows_read=ctx.n, extra={"queries": len(queries)})]  # fmt: skip


# --- search -----------------------------------------------------------------------------------------
# Two-character words (the commonest searches, rare and frequent in the seed), an investor's name, a
# single character, code fragments (the region's division code, a whole code).
SEARCHES = ["钢铁", "菱镁", "镁制品", "恒通", "鞍", "210381", "-04-01-"]
SEARCH_SQL = """
SELECT p.id, p.name FROM projects_project p
WHERE p.name ILIKE %(q)s OR p.code ILIKE %(q)s OR p.investor ILIKE %(q)s
ORDER BY p.total_investment DESC, p.id LIMIT 50
"""
SEARCH_COUNT_SQL = (
    "SELECT count(*) FROM projects_project p WHERE p.name ILIKE %(q)s OR p.code ILIKE %(q)s OR p.investor ILIKE %(q)s"
)


def project_search(ctx):
    """The list's search (projects.filters -> projects.search: bigram GIN index, icontains confirming),
    first 50 matches in the list's order, beside the ILIKE scan of the same rows."""
    from projects.filters import ProjectFilterSet
    from projects.selectors import project_list

    with raw().cursor() as cursor:
        cursor.execute("SELECT code FROM projects_project ORDER BY id DESC LIMIT 1")
        searches = [*SEARCHES, cursor.fetchone()[0]]
    rows = []
    for text in searches:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        def ours(t=text):
            qs = ProjectFilterSet({"search": t}, queryset=project_list(user=ctx.leader)).qs
            return list(qs.order_by("-total_investment", "id").values_list("id", "name")[:50])

        def reference(q=pattern):
            with raw().cursor() as cursor:
                cursor.execute(SEARCH_SQL, {"q": q})
                return cursor.fetchall()

        if [r[0] for r in ours()] != [r[0] for r in reference()]:
            rows.append(Row(f"search {text!r}", ctx.size, note="error: results differ from the ILIKE scan"))
            continue
        with raw().cursor() as cursor:
            cursor.execute(SEARCH_COUNT_SQL, {"q": pattern})
            matches = cursor.fetchone()[0]
        mine, scan = measure(ours), measure(reference)
        limit = 0.050
        ok = mine.p95 < limit
        rows.append(Row(f"search {text!r}, first 50 of {matches:,} matches", ctx.size, mine, {"ILIKE scan": scan},
                        "<50 ms (national)", verdict(ok, f"p95 {mine.p95 * 1000:.0f} ms") + f"; ILIKE scan {scan.median / mine.median:.1f}x ours",
                        rows_read=ctx.n, extra={"matches": matches}))  # fmt: skip
    return rows


# --- exports ----------------------------------------------------------------------------------------
EXPORT_COLUMNS = ["code", "name", "investor", "region__name", "sector__name", "category__name", "stage",
                  "total_investment", "annual_plan", "planned_start", "actual_start"]  # fmt: skip
EXPORT_HEADERS = ["项目代码", "项目名称", "投资主体", "县区", "产业", "类别", "阶段", "总投资(万元)", "本年计划(万元)",
                  "计划开工", "实际开工"]  # fmt: skip
EXPORT_SQL = """COPY (SELECT p.code, p.name, p.investor, r.name, s.name, c.name, p.stage, p.total_investment,
       p.annual_plan, p.planned_start, p.actual_start
FROM projects_project p JOIN projects_region r ON r.id = p.region_id LEFT JOIN projects_sector s ON s.id = p.sector_id
JOIN projects_category c ON c.id = p.category_id ORDER BY p.total_investment DESC, p.id) TO STDOUT WITH CSV HEADER"""


def _export_queryset(ctx):
    from projects.selectors import project_list

    return project_list(user=ctx.leader).order_by("-total_investment", "id")


def _export_ours(ctx):
    from common.spreadsheets import StreamingWorkbook

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        with StreamingWorkbook(target.name) as book:
            sheet = book.sheet("项目", EXPORT_HEADERS, money_columns={7, 8})
            for values in _export_queryset(ctx).values_list(*EXPORT_COLUMNS).iterator(chunk_size=5000):
                sheet.write(values)
        return os.path.getsize(target.name)


def _export_copy():
    with tempfile.TemporaryFile() as out, raw().cursor() as cursor, cursor.copy(EXPORT_SQL) as copy:
        for chunk in copy:
            out.write(chunk)


def _export_import_export(ctx):
    from import_export import fields, resources

    from projects.models import Project

    class ProjectResource(resources.ModelResource):
        region = fields.Field(attribute="region__name", column_name="县区")
        sector = fields.Field(attribute="sector__name", column_name="产业")
        category = fields.Field(attribute="category__name", column_name="类别")

        class Meta:
            model = Project
            fields = ("code", "name", "investor", "region", "sector", "category", "stage", "total_investment",
                      "annual_plan", "planned_start", "actual_start")  # fmt: skip
            export_order = fields

    dataset = ProjectResource().export(queryset=_export_queryset(ctx))
    with tempfile.TemporaryFile() as out:
        out.write(dataset.export("xlsx"))


def project_export(ctx):
    operation = "xlsx export of all projects (StreamingWorkbook; stands in for the tier-1 report)"
    target = "≥5x faster than import-export; ≤4x COPY; memory flat"
    ours = measure(lambda: _export_ours(ctx))
    references = {"COPY to CSV": measure(_export_copy)}
    if ctx.n <= 100_000:
        references["django-import-export"] = measure(lambda: _export_import_export(ctx))
    die = references.get("django-import-export")
    copy = references["COPY to CSV"]
    ok = (die is None or die.median >= 5 * ours.median) and ours.median <= 4 * copy.median
    why = []
    if die is not None and die.median < 5 * ours.median:
        why.append(f"only {die.median / ours.median:.1f}x faster than import-export")
    if ours.median > 4 * copy.median:
        why.append(f"{ours.median / copy.median:.1f}x COPY (xlsx zip+XML cost per cell)")
    return [Row(operation, ctx.size, ours, references, target, verdict(ok, "; ".join(why)), rows_read=ctx.n,
                note="" if die else "import-export skipped above 100,000 rows (holds every row in memory)")]  # fmt: skip


def _city_round(ctx):
    from common.periods import previous_month
    from dispatch import schedules, services
    from dispatch.models import DispatchGroup, DispatchRound

    services.groups_load_defaults()
    city = DispatchGroup.objects.get(key="city")
    period = schedules.period_for(city.cadence, previous_month(ctx.today.replace(day=1)))
    services.round_run(group=city, period=period, queue=False)
    return DispatchRound.objects.select_related("group").get(group=city, period_start=period.start)


def _report_queryset(ctx, round):
    """The rows the tier-1 report lists: projects in the city group's scope, with this year's figures."""
    from django.db.models import DecimalField, Q, Sum, Value
    from django.db.models.functions import Coalesce

    from dispatch import selectors

    return (
        selectors.scope_projects(round.group)
        .order_by("-total_investment", "id")
        .annotate(
            ytd=Coalesce(
                Sum("progress_entries__amount_completed", filter=Q(progress_entries__period__year=ctx.year)),
                Value(0),
                output_field=DecimalField(),
            )
        )
    )


REPORT_COLUMNS = ["code", "name", "region__name", "sector__name", "category__name", "stage", "total_investment",
                  "annual_plan", "ytd", "planned_start", "actual_start"]  # fmt: skip


def tier1_report(ctx):
    from dispatch import reports

    round = _city_round(ctx)
    rows_in_report = _report_queryset(ctx, round).count()

    def ours():
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
            reports.build_round_report(round, "xlsx", target.name, on_progress=lambda percent: None)

    def copy():
        from psycopg import ClientCursor

        sql, params = _report_queryset(ctx, round).values_list(*REPORT_COLUMNS).query.sql_with_params()
        statement = ClientCursor(raw()).mogrify(sql, params)
        with (
            tempfile.TemporaryFile() as out,
            raw().cursor() as cursor,
            cursor.copy(f"COPY ({statement}) TO STDOUT WITH CSV HEADER") as stream,
        ):
            for chunk in stream:
                out.write(chunk)

    def import_export():
        from import_export import fields, resources

        from projects.models import Project

        class ReportResource(resources.ModelResource):
            region = fields.Field(attribute="region__name", column_name="县区")
            sector = fields.Field(attribute="sector__name", column_name="产业")
            category = fields.Field(attribute="category__name", column_name="类别")
            ytd = fields.Field(attribute="ytd", column_name="本年完成")

            class Meta:
                model = Project
                fields = ("code", "name", "region", "sector", "category", "stage", "total_investment",
                          "annual_plan", "ytd", "planned_start", "actual_start")  # fmt: skip
                export_order = fields

        dataset = ReportResource().export(queryset=_report_queryset(ctx, round).select_related("region", "sector",
                                                                                               "category"))  # fmt: skip
        with tempfile.TemporaryFile() as out:
            out.write(dataset.export("xlsx"))

    target = "≥5x faster than import-export; ≤4x COPY; memory flat"
    mine = measure(ours)
    references = {"COPY to CSV": measure(copy)}
    if rows_in_report <= 100_000:
        references["django-import-export"] = measure(import_export)
    die, copied = references.get("django-import-export"), references["COPY to CSV"]
    why = []
    if die is not None and die.median < 5 * mine.median:
        why.append(f"only {die.median / mine.median:.1f}x faster than import-export")
    if mine.median > 4 * copied.median:
        why.append(f"{mine.median / copied.median:.0f}x COPY")
    return [Row(f"tier-1 report (city group), xlsx: {rows_in_report:,} projects + breakdowns", ctx.size, mine,
                references, target, verdict(not why, "; ".join(why)), rows_read=rows_in_report)]  # fmt: skip


def pdf_report(ctx):
    from dispatch import reports

    round = _city_round(ctx)
    rows_in_report = _report_queryset(ctx, round).count()

    def build():
        with tempfile.NamedTemporaryFile(suffix=".pdf") as target:
            reports.build_round_report(round, "pdf", target.name, on_progress=lambda percent: None)

    mine = measure(build, reps=3)
    # The target is for a report of 1,000 projects; this one covers every project in the city group's
    # scope (3,643 at city scale, 725,470 at national), so it is judged per 1,000 projects in it.
    per_thousand = mine.p95 * 1000 / max(rows_in_report, 1000)
    why = f"p95 {mine.p95:.1f} s, {per_thousand:.2f} s per 1,000 projects"
    return [Row(f"PDF report (city group round, {rows_in_report:,} projects in scope)", ctx.size, mine, {},
                "<10 s (1,000 projects)", verdict(per_thousand < 10, why) + ("" if per_thousand >= 10 else f" ({why})"),
                rows_read=rows_in_report)]  # fmt: skip


# --- figures computed fresh (no cache) from the counted-month rollup, beside SQL over the raw entries ---
# What counts, written by hand over the raw entries: a verified entry at its approved amended figure.
COUNTED_ENTRY = "e.status = 'verified'"
COUNTED_AMOUNT = "COALESCE(e.amended_amount, e.amount_completed)"
COMPUTED_SUMMARY_SQL = f"""
WITH done AS (
    SELECT e.project_id, sum({COUNTED_AMOUNT}) AS completed FROM investment_progressentry e
    WHERE e.period >= %(start)s AND e.period < %(end)s AND {COUNTED_ENTRY}
    GROUP BY e.project_id)
SELECT p.region_id, p.stage, p.sector_id, p.category_id,
       count(*) AS n, sum(p.total_investment) AS total, sum(p.annual_plan) AS plan,
       coalesce(sum(done.completed), 0) AS completed
FROM projects_project p LEFT JOIN done ON done.project_id = p.id
GROUP BY GROUPING SETS ((), (p.region_id), (p.stage), (p.sector_id), (p.category_id))
"""
# The dashboard's figures by hand over the raw entries: headline (this year and the same months last
# year), completion by region / sector / category, the monthly trend of two years, the ten projects
# under construction most behind the share of the year elapsed, unresolved problems by age.
DASHBOARD_SQL = [
    """SELECT count(*), sum(total_investment), sum(annual_plan) FILTER (WHERE stage IN ('construction',
        'completed', 'operating')) FROM projects_project""",
    f"""SELECT sum({COUNTED_AMOUNT}) FILTER (WHERE e.period >= %(start)s),
               sum({COUNTED_AMOUNT}) FILTER (WHERE e.period < %(start)s AND e.period <= %(last_year_same)s)
        FROM investment_progressentry e WHERE {COUNTED_ENTRY} AND e.period >= %(last_start)s""",
    f"""WITH done AS (SELECT e.project_id, sum({COUNTED_AMOUNT}) AS done FROM investment_progressentry e
                      WHERE {COUNTED_ENTRY} AND e.period >= %(start)s AND e.period < %(end)s GROUP BY 1)
        SELECT p.region_id, p.sector_id, p.category_id, sum(p.annual_plan), count(*), sum(done.done)
        FROM projects_project p LEFT JOIN done ON done.project_id = p.id
        WHERE p.stage IN ('construction', 'completed', 'operating')
        GROUP BY GROUPING SETS ((p.region_id), (p.sector_id), (p.category_id))""",
    f"""SELECT e.period, sum({COUNTED_AMOUNT}) FROM investment_progressentry e
        WHERE {COUNTED_ENTRY} AND e.period >= %(last_start)s AND e.period < %(end)s GROUP BY 1""",
    f"""WITH done AS (SELECT e.project_id, sum({COUNTED_AMOUNT}) AS done FROM investment_progressentry e
                      WHERE {COUNTED_ENTRY} AND e.period >= %(start)s AND e.period < %(end)s GROUP BY 1)
        SELECT p.id, p.annual_plan * %(elapsed)s - coalesce(done.done, 0) AS gap
        FROM projects_project p LEFT JOIN done ON done.project_id = p.id
        WHERE p.stage = 'construction' AND p.annual_plan > 0
          AND coalesce(done.done, 0) < p.annual_plan * %(elapsed)s ORDER BY gap DESC, p.id LIMIT 10""",
    """SELECT count(*) FILTER (WHERE created_at > now() - interval '31 days'),
              count(*) FILTER (WHERE created_at <= now() - interval '31 days' AND created_at > now() - interval '91 days'),
              count(*) FILTER (WHERE created_at <= now() - interval '91 days' AND created_at > now() - interval '181 days'),
              count(*) FILTER (WHERE created_at <= now() - interval '181 days')
       FROM investment_problem WHERE status IN ('open', 'in_progress')""",
]
ROLLUP_SQL = f"""SELECT e.project_id, sum({COUNTED_AMOUNT}) FROM investment_progressentry e
WHERE {COUNTED_ENTRY} AND e.period >= %(start)s AND e.period < %(end)s GROUP BY 1"""


def _computed_target(ctx):
    limit = {"city": 0.100, "province": 0.100, "national": 0.300}[ctx.scale]
    return limit, f"<{limit * 1000:.0f} ms computed, no cache"


def _dashboard_params(ctx):
    from common.periods import year_fraction_elapsed

    year = ctx.year
    month = ctx.today.replace(day=1)
    return {"start": f"{year}-01-01", "end": f"{year + 1}-01-01", "last_start": f"{year - 1}-01-01",
            "last_year_same": month.replace(year=year - 1).isoformat(),
            "elapsed": year_fraction_elapsed(ctx.today)}  # fmt: skip


def _sql_all(statements, params):
    with raw().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def computed_figures(ctx):
    """The whole-city summary and the dashboard's figures computed on every call (the cache emptied
    first), through the functions the pages use; each beside hand-written SQL over the raw entries."""
    from django.core.cache import cache

    from insights import selectors as insights
    from investment.selectors import counted_month_rows
    from portal import selectors as portal

    limit, target = _computed_target(ctx)
    params = _dashboard_params(ctx)
    rows = []

    def summary():
        cache.delete_pattern("insights:summary:*")
        return json.dumps(insights.summary(user=ctx.leader), default=str)

    ours = measure(summary)
    reference = measure(lambda: sql_json(COMPUTED_SUMMARY_SQL, params))
    with CaptureQueriesContext(connection) as queries:
        summary()
    rows.append(Row("whole-city summary, computed (insights.selectors.summary, no cache)", ctx.size, ours,
                    {"SQL over raw entries": reference}, target,
                    verdict(ours.p95 < limit, f"p95 {ours.p95 * 1000:.0f} ms") + f"; {len(queries)} queries",
                    rows_read=ctx.n, extra={"queries": len(queries)}))  # fmt: skip

    def dashboard():
        cache.delete_pattern("portal:dashboard:*")
        return portal.dashboard_figures(user=ctx.leader)

    ours = measure(dashboard)
    reference = measure(lambda: _sql_all(DASHBOARD_SQL, params))
    with CaptureQueriesContext(connection) as queries:
        dashboard()
    rows.append(Row("dashboard figures, computed (portal.selectors.dashboard_figures, no cache)", ctx.size, ours,
                    {"SQL over raw entries": reference}, target,
                    verdict(ours.p95 < limit, f"p95 {ours.p95 * 1000:.0f} ms") + f"; {len(queries)} queries",
                    rows_read=ctx.n, extra={"queries": len(queries)}))  # fmt: skip

    from django.db.models import Sum

    def rollup():
        return list(
            counted_month_rows()
            .filter(period__gte=params["start"], period__lt=params["end"])
            .values_list("project_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )

    ours = measure(rollup)
    reference = measure(lambda: sql_json(ROLLUP_SQL, params))
    rows.append(Row("rollup: this year's counted investment per project (counted_month_rows)", ctx.size, ours,
                    {"SQL over raw entries": reference}, "≤1x SQL over the raw entries",
                    verdict(ours.median <= reference.median, _why(ours, reference, 1, None)),
                    rows_read=len(rollup())))  # fmt: skip
    return rows


def tier1_figures(ctx):
    """The tier-1 report's figures part (the pass over the scope's projects and the breakdowns, no file):
    today's query over the raw entries is the reference."""
    from django.db.models import DecimalField, Q, Sum, Value
    from django.db.models.functions import Coalesce

    from common.periods import previous_month
    from dispatch import reports, selectors

    round = _city_round(ctx)
    figures = reports.RoundFigures(round)

    def ours():
        return reports.RoundFigures(round).run(reports.NullSink())

    def before():
        # The query the report ran before the rollup (a join of every in-scope project with its entries).
        month = figures.month
        counted = Q(progress_entries__status="verified")
        this_year = counted & Q(progress_entries__period__year=month.year, progress_entries__period__lte=month)
        recent = counted & Q(progress_entries__period__gte=previous_month(month),
                             progress_entries__period__lte=month)  # fmt: skip
        amount = Coalesce("progress_entries__amended_amount", "progress_entries__amount_completed")
        money = DecimalField(max_digits=16, decimal_places=2)
        qs = selectors.scope_projects(round.group).annotate(
            ytd=Coalesce(Sum(amount, filter=this_year), Value(0), output_field=money),
            recent=Coalesce(Sum(amount, filter=recent), Value(0), output_field=money),
        )
        for _ in qs.values_list("id", "name", "region__name", "total_investment", "annual_plan", "ytd", "recent"
                                ).iterator(chunk_size=2000):  # fmt: skip
            pass

    mine = measure(ours, budget=30)
    reference = measure(before, budget=30)
    ok = mine.median <= 1.1 * reference.median
    return [Row("tier-1 report, figures part (RoundFigures.run, no file)", ctx.size, mine,
                {"its project query before the rollup (raw entries)": reference},
                "no slower than today's figures query", verdict(ok, _why(mine, reference, 1.1, None)),
                rows_read=round.project_count)]  # fmt: skip


IMPORT_ROWS = 10_000


IMPORT_PREFIX = "2026-210302-04-01-B"


def remove_import_projects():
    """The import row's own projects must not change what the other rows measure. Runs before a
    possible rebuild (DROP DATABASE ... WITH (FORCE)), so on a connection of its own."""
    with raw_connection() as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute(
            "DELETE FROM investment_progressentry WHERE project_id IN"
            " (SELECT id FROM projects_project WHERE code LIKE %s)",
            [IMPORT_PREFIX + "%"],
        )
        cursor.execute("DELETE FROM projects_project WHERE code LIKE %s", [IMPORT_PREFIX + "%"])


def _import_projects(ctx):
    """10,000 projects of one county for the import row (added once, by COPY, outside the seed's)."""
    from projects.models import Category, Project

    prefix = IMPORT_PREFIX
    existing = Project.objects.filter(code__startswith=prefix).count()
    if existing < IMPORT_ROWS:
        category = Category.objects.get(key="industrial")
        now = ctx.now
        with raw().cursor() as cursor, raw().transaction():
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{pgtrigger_insert_insert_*}"])
            with cursor.copy("COPY projects_project (code, name, investor, description, region_id, category_id,"
                             " total_investment, annual_plan, stage, start_type, address, created_at, updated_at,"
                             " actual_start) FROM STDIN") as copy:  # fmt: skip
                for i in range(existing, IMPORT_ROWS):
                    copy.write_row((f"{prefix}{i:05d}", f"导入基准项目{i}", "", "", ctx.region.pk, category.pk, 1000000,
                                    0, "construction", "new", "", now, now, "2025-01-01"))  # fmt: skip
    return list(Project.objects.filter(code__startswith=prefix).order_by("code").values_list("pk", "code"))


def progress_import(ctx):
    from import_export import fields, resources, widgets

    from investment.excel import TEMPLATE_HEADERS
    from investment.excel import progress_import as import_progress
    from investment.models import ProgressEntry
    from projects.models import Project

    projects = _import_projects(ctx)
    period = ctx.today.replace(day=1)
    ids = [pk for pk, _ in projects]
    header = TEMPLATE_HEADERS
    rows = []
    for _pk, code in projects:
        row = [None] * len(header)
        row[header.index("项目代码")], row[header.index("填报月份")] = code, f"{period:%Y-%m}"
        row[header.index("本月完成投资(万元)")], row[header.index("形象进度")] = 123.45, "主体结构施工"
        rows.append(row)
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("进度")
    for c, h in enumerate(header):
        sheet.write_string(0, c, h)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    data = buffer.getvalue()

    def clean():
        ProgressEntry.objects.filter(project_id__in=ids, period=period).delete()

    def timed(fn, reps):
        times = []
        for _ in range(reps):
            clean()
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        clean()
        times.sort()
        return Stats(statistics.median(times), times[-1], reps, peak_memory_mb(lambda: (clean(), fn())))

    def ours():
        result = import_progress(user=ctx.county_user, data=data, dry_run=False)
        if not result.written or result.created != len(rows):
            raise RuntimeError(f"import wrote {result.created} of {len(rows)}: {result.errors[:3]}")

    def copy():
        columns = ("project_id, period, amount_completed, image_progress, next_steps, overrun_reason, status, version,"
                   " created_at, updated_at, return_reason")  # fmt: skip
        with (
            raw().transaction(force_rollback=True),
            raw().cursor() as cursor,
            cursor.copy(f"COPY investment_progressentry ({columns}) FROM STDIN") as stream,
        ):
            for pk in ids:
                stream.write_row((pk, period, "123.45", "主体结构施工", "", "", "draft", 1, ctx.now, ctx.now, ""))

    class EntryResource(resources.ModelResource):
        project = fields.Field(attribute="project", column_name="项目代码",
                               widget=widgets.ForeignKeyWidget(Project, "code"))  # fmt: skip
        period = fields.Field(attribute="period", column_name="填报月份", widget=widgets.DateWidget("%Y-%m"))
        amount_completed = fields.Field(attribute="amount_completed", column_name="本月完成投资(万元)",
                                        widget=widgets.DecimalWidget())  # fmt: skip
        image_progress = fields.Field(attribute="image_progress", column_name="形象进度")

        class Meta:
            model = ProgressEntry
            import_id_fields = ("project", "period")
            fields = ("project", "period", "amount_completed", "image_progress")

    def import_export():
        import tablib

        dataset = tablib.Dataset().load(data, format="xlsx")
        result = EntryResource().import_data(dataset, dry_run=False, raise_errors=True)
        if result.totals.get("new") != len(rows):
            raise RuntimeError(f"import-export: {dict(result.totals)}")

    try:
        mine = timed(ours, 3)
        references = {"COPY FROM": timed(copy, 3), "django-import-export": timed(import_export, 1)}
    finally:
        remove_import_projects()
    die = references["django-import-export"]
    ok = die.median >= 3 * mine.median
    return [Row(f"Excel import of {len(rows):,} progress rows (validate + save)", f"{len(rows):,} rows", mine,
                references, "≥3x faster than import-export",
                verdict(ok, f"only {die.median / mine.median:.1f}x faster than import-export"))]  # fmt: skip


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code} from {response.wsgi_request.get_full_path()}")
    return response.content


def _why(ours, reference, factor, absolute):
    parts = []
    if ours.median > factor * reference.median:
        parts.append(f"{ours.median / reference.median:.1f}x SQL")
    if absolute is not None and ours.p95 >= absolute:
        parts.append(f"p95 {ours.p95 * 1000:.0f} ms")
    return ", ".join(parts)


ROWS = [stats_summary, start_page, sign_in, computed_figures, project_list_api, project_list_page,
        project_search, tier1_report, tier1_figures, project_export, pdf_report, progress_import]  # fmt: skip
