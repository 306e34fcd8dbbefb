"""One function per benchmark row. A row whose feature has not landed returns a Row with a note.

Each reference is measured in the same run on the same database.
"""

import json
import os
import tempfile

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from .dataset import raw_connection
from .harness import Row, measure

_raw = {}


def raw():
    """One psycopg connection per process (the memory probe forks)."""
    pid = os.getpid()
    if pid not in _raw:
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
        ours = measure(lambda c=client: _ok(c.get(STATS_PATH, HTTP_HOST="localhost")))
        where = "WHERE region_id = %s" if region else ""
        params = [region.pk] if region else []
        reference = measure(
            lambda w=where, p=params: sql_json(
                f"SELECT stage, count(*) AS n, coalesce(sum(total_investment), 0) AS total,"
                f" coalesce(sum(annual_plan), 0) AS plan FROM projects_project {w} GROUP BY stage",
                p,
            )
        )
        ok = ours.median <= 1.5 * reference.median and ours.p95 < 0.150
        rows.append(Row(operation, ctx.size, ours, {"SQL": reference}, "≤1.5x SQL; <150 ms",
                        verdict(ok, _why(ours, reference, 1.5, 0.150)), rows_read=ctx.n))  # fmt: skip
    return rows


def pools_summary(ctx):
    """Available before the stats API: the home page's pools (projects.selectors.pool_summary)."""
    from projects.selectors import pool_summary

    rows = []
    for label, user, region in (("whole city", ctx.leader, None), ("one county", ctx.county_user, ctx.region)):
        ours = measure(lambda u=user: json.dumps(pool_summary(user=u), default=str))
        where = "WHERE region_id = %s" if region else ""
        params = [region.pk] if region else []
        reference = measure(
            lambda w=where, p=params: sql_json(
                f"SELECT stage, count(*) AS n, coalesce(sum(total_investment), 0) AS total"
                f" FROM projects_project {w} GROUP BY stage",
                p,
            )
        )
        ok = ours.median <= 1.5 * reference.median and ours.p95 < 0.150
        rows.append(Row(f"pool summary (home), {label}", ctx.size, ours, {"SQL": reference}, "≤1.5x SQL; <150 ms",
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


def project_list_page(ctx):
    path = "/projects/?page=3"
    ours = measure(lambda: _ok(ctx.leader_client.get(path, HTTP_HOST="localhost")))
    with CaptureQueriesContext(connection) as queries:
        _ok(ctx.leader_client.get(path, HTTP_HOST="localhost"))
    reference = measure(lambda: sql_json(LIST_SQL.replace("WHERE p.stage", "WHERE TRUE OR p.stage") + " OFFSET 100",
                                         {"q": "%"}))  # fmt: skip
    ok = ours.median <= 2 * reference.median
    return [Row("project list page (HTML), 50 rows", ctx.size, ours, {"SQL": reference}, "≤2x SQL (as the API)",
                verdict(ok, _why(ours, reference, 2, None)) + f"; {len(queries)} queries",
                rows_read=ctx.n, extra={"queries": len(queries)})]  # fmt: skip


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
    from anshan_projects.spreadsheets import StreamingWorkbook

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


TIER1_PATH_NOTE = "not available yet (dispatch issue)"


def tier1_report(ctx):
    return [Row("tier-1 dispatch report, xlsx", ctx.size, note=TIER1_PATH_NOTE,
                target="≥5x faster than import-export; ≤4x COPY; memory flat")]  # fmt: skip


def pdf_report(ctx):
    from anshan_projects.pdf import Report, fmt_money

    def build():
        report = Report(title="鞍山市重点项目调度报告(基准)", subtitle="1,000 个项目")
        rows = _export_queryset(ctx).values_list("name", "region__name", "stage", "total_investment", "annual_plan")[
            :1000
        ]
        report.heading("项目清单")
        report.table(["项目名称", "县区", "阶段", "总投资(万元)", "本年计划(万元)"],
                     [(n, r, s, fmt_money(t), fmt_money(a)) for n, r, s, t, a in rows], numeric_columns=(3, 4))  # fmt: skip
        with tempfile.TemporaryFile() as out:
            report.write(out)

    ours = measure(build, reps=3)
    return [Row("PDF of 1,000 projects (anshan_projects.pdf; stands in for the dispatch PDF)", "1,000 projects",
                ours, {}, "<10 s", verdict(ours.p95 < 10, f"p95 {ours.p95:.1f} s"))]  # fmt: skip


def progress_import(ctx):
    return [Row("Excel import of 10,000 progress rows (validate + save)", "10,000 rows",
                note="not available yet (progress issue)", target="≥3x faster than import-export")]  # fmt: skip


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


ROWS = [stats_summary, pools_summary, project_list_api, project_list_page, tier1_report, project_export,
        pdf_report, progress_import]  # fmt: skip
