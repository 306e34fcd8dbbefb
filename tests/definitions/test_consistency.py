"""One truth for every figure: the same figure read through every surface that shows it equals the
figure computed here by independent SQL over the raw tables (never the code's helpers).

Scopes: the whole city (the city group: every test project is a key project), one county, one
department group and one special group, each read by a user whose access scope is that group's scope.
Days: a mid-month day (the figures cover the month before) and a month end. States: as entered, after
an amendment of a verified month, after a freeze and a further amendment.
"""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from python_calamine import CalamineWorkbook

from attraction import bulletin
from attraction import selectors as attraction_selectors
from dispatch import selectors as dispatch_selectors
from dispatch import services as dispatch_services
from dispatch.models import DispatchGroup, Report
from dispatch.schedules import Period
from investment.models import ProgressEntry
from investment.services import period_freeze
from projects.models import Category, Department, Region
from supervision.models import MonthlyPlan
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

D = datetime.date
PCT = Decimal("0.01")


# --- the independent SQL -------------------------------------------------------------------------
SCOPES = {
    "city": ("TRUE", lambda: []),
    "county": ("p.region_id = %s", lambda: [Region.objects.get(key="tiedong").pk]),
    "department": ("p.department_id = %s", lambda: [Department.objects.get(key="gxj").pk]),
    "special": ("p.category_id = %s", lambda: [Category.objects.get(key="social").pk]),
}


def sql_month(day):
    """The reporting month of ``day``, in SQL: its own month on its last day, else the month before."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT CASE WHEN %s::date = (date_trunc('month', %s::date) + interval '1 month - 1 day')::date
                      THEN date_trunc('month', %s::date)::date
                      ELSE (date_trunc('month', %s::date) - interval '1 month')::date END""",
            [day, day, day, day],
        )
        return cursor.fetchone()[0]


def sql_figures(scope, day):
    """Year plan, counted completion January through the reporting month, and the rate (4 places,
    half up: PostgreSQL's round(numeric))."""
    where, params = SCOPES[scope]
    month = sql_month(day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT coalesce(sum(p.annual_plan), 0), coalesce(sum(d.done), 0)
            FROM projects_project p
            LEFT JOIN (SELECT project_id, sum(coalesce(amended_amount, amount_completed)) AS done
                       FROM investment_progressentry
                       WHERE status = 'verified' AND period >= %s AND period <= %s GROUP BY project_id) d
                   ON d.project_id = p.id
            WHERE {where}""",
            [D(month.year, 1, 1), month, *params()],
        )
        plan, done = cursor.fetchone()
        cursor.execute(
            "SELECT CASE WHEN %s::numeric > 0 THEN round(%s::numeric / %s::numeric, 4) END", [plan, done, plan]
        )
        rate = cursor.fetchone()[0]
    return {"plan": plan, "done": done, "rate": rate}


def sql_lagging(scope, day):
    """Projects under construction with a plan whose time progress minus completion rate (points) is at
    least the light rule's yellow threshold (10 by default)."""
    where, params = SCOPES[scope]
    month = sql_month(day)
    year = month.year
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH d AS (SELECT project_id, sum(coalesce(amended_amount, amount_completed)) AS done
                       FROM investment_progressentry
                       WHERE status = 'verified' AND period >= %(jan)s AND period <= %(month)s GROUP BY project_id),
            tp AS (SELECT p.id,
                          CASE WHEN EXISTS (SELECT 1 FROM supervision_monthlyplan m
                                            WHERE m.project_id = p.id AND m.year = %(year)s)
                               THEN coalesce((SELECT m.cumulative_percent / 100 FROM supervision_monthlyplan m
                                              WHERE m.project_id = p.id AND m.year = %(year)s AND m.month <= %(m)s
                                              ORDER BY m.month DESC LIMIT 1), 0)
                               ELSE round(((%(month)s::date + interval '1 month - 1 day')::date - %(jan)s::date + 1)::numeric
                                          / ((%(jan)s::date + interval '1 year')::date - %(jan)s::date), 4)
                          END AS progress
                   FROM projects_project p)
            SELECT count(*) FROM projects_project p JOIN tp ON tp.id = p.id LEFT JOIN d ON d.project_id = p.id
            WHERE p.stage = 'construction' AND p.annual_plan > 0
              AND (tp.progress - round(coalesce(d.done, 0) / p.annual_plan, 4)) * 100
                  >= coalesce((SELECT yellow_behind FROM supervision_lightrule LIMIT 1), 10)
              AND {where.replace("%s", "%(scope)s")}""",
            {"jan": D(year, 1, 1), "month": month, "year": year, "m": month.month, "scope": (params() or [None])[0]},
        )
        return cursor.fetchone()[0]


def sql_region_rates(day, *, month=None):
    """{region key: rate} of every region with a plan, through the reporting month (or ``month``)."""
    month = month or sql_month(day)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.key, round(coalesce(sum(d.done), 0) / sum(p.annual_plan), 4)
            FROM projects_project p JOIN projects_region r ON r.id = p.region_id
            LEFT JOIN (SELECT project_id, sum(coalesce(amended_amount, amount_completed)) AS done
                       FROM investment_progressentry
                       WHERE status = 'verified' AND period >= %s AND period <= %s GROUP BY project_id) d
                   ON d.project_id = p.id
            GROUP BY r.key HAVING sum(p.annual_plan) > 0""",
            [D(month.year, 1, 1), month],
        )
        return dict(cursor.fetchall())


def sql_pools():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stage, count(*), sum(total_investment) FROM projects_project "
            "WHERE stage IN ('planning', 'negotiating', 'signed', 'landed') GROUP BY stage"
        )
        return {stage: (count, total) for stage, count, total in cursor.fetchall()}


def shown(rate):
    """How a rate must read on every surface: a percentage with 2 places ('3.13%')."""
    return "—" if rate is None else f"{(rate * 100).quantize(PCT)}%"


# --- the data --------------------------------------------------------------------------------
def _entries(project, amounts, status="verified"):
    for (year, month), amount in amounts.items():
        ProgressEntry.objects.create(project=project, period=D(year, month, 1), amount_completed=Decimal(amount),
                                     status=status)  # fmt: skip


@pytest.fixture
def city(db):
    dispatch_services.groups_load_defaults()
    tiedong, haicheng = Region.objects.get(key="tiedong"), Region.objects.get(key="haicheng")
    industrial, social = Category.objects.get(key="industrial"), Category.objects.get(key="social")
    gxj, fgw = Department.objects.get(key="gxj"), Department.objects.get(key="fgw")
    where = {"longitude": Decimal("122.99"), "latitude": Decimal("41.11")}

    def project(**kwargs):
        return ProjectFactory(total_investment=Decimal("20000"), **where, **kwargs)

    p1 = project(name="甲", region=tiedong, category=industrial, department=gxj, annual_plan=6000,
                 stage="construction", start_type="new", actual_start=D(2025, 6, 1))  # fmt: skip
    _entries(p1, {(2026, m): "200" for m in range(1, 12)} | {(2025, 11): "999"})
    # 100 / 3,200 = 3.125%: shown 3.13% everywhere (half up), never 3.12%.
    p2 = project(name="乙", region=tiedong, category=social, department=fgw, annual_plan=3200,
                 stage="construction", start_type="continuing", actual_start=D(2025, 3, 1))  # fmt: skip
    _entries(p2, {(2026, 3): "60", (2026, 6): "40"})
    _entries(p2, {(2026, 11): "500"}, status="submitted")  # not verified: does not count
    _entries(p2, {(2026, 10): "300"}, status="draft")
    p3 = project(name="丙", region=haicheng, category=industrial, department=fgw, annual_plan=10000,
                 stage="construction", start_type="new", actual_start=D(2026, 1, 5))  # fmt: skip
    _entries(p3, {(2026, m): "500" for m in range(1, 12)})
    MonthlyPlan.objects.create(project=p3, year=2026, month=6, cumulative_percent=Decimal("40"))
    MonthlyPlan.objects.create(project=p3, year=2026, month=10, cumulative_percent=Decimal("90"))
    p4 = project(name="丁", region=haicheng, category=industrial, department=gxj, annual_plan=0, stage="completed",
                 start_type="new", actual_start=D(2025, 1, 1), actual_completion=D(2026, 9, 1))  # fmt: skip
    _entries(p4, {(2026, 3): "300"})
    # A signed project's year plan counts in the year plan too (统计口径: every stage).
    project(name="戊", region=tiedong, category=industrial, department=gxj, annual_plan=1000, stage="signed")
    project(name="己", region=haicheng, category=social, department=fgw, annual_plan=0, stage="planning")
    return {"p3": p3, "groups": {g.key: g for g in DispatchGroup.objects.all()}}


def amend(project, month, amount):
    """An amendment of a verified month, once approved: the entry's amended figure."""
    ProgressEntry.objects.filter(project=project, period=month).update(amended_amount=Decimal(amount))


STATES = ["entered", "amended", "frozen"]


def reach(state, city):
    if state in ("amended", "frozen"):
        amend(city["p3"], D(2026, 2, 1), "100")
    if state == "frozen":
        for month in range(1, 11):
            period_freeze(period=D(2026, month, 1), reason="调度报告已印发")
        amend(city["p3"], D(2026, 9, 1), "250")


# --- reading every surface -------------------------------------------------------------------
def users(leader, county_user, department_user, special_group_user):
    return {"city": leader, "county": county_user, "department": department_user, "special": special_group_user}


GROUPS = {"city": "city", "county": "county-tiedong", "department": "dept-gxj", "special": "special-social"}


def build_report(group, day, fmt):
    round, _ = dispatch_services.round_run(group=group, period=Period(day.replace(day=1), day), queue=False)
    version = dispatch_selectors.round_data_version(round)
    report = Report.objects.filter(round=round, data_version=version, format=fmt, status="done").first()
    if report is None:  # built once per round, data version and format
        report = Report.objects.create(kind="round", round=round, data_version=version, format=fmt)
        assert dispatch_services.report_build(report_id=report.pk) == "done"
        report.refresh_from_db()
    return report.file.path


def sheet(path, name):
    return CalamineWorkbook.from_path(path).get_sheet_by_name(name).to_python()


def xlsx_decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def dashboard_figure(html, name):
    match = re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("day", [D(2026, 11, 16), D(2026, 11, 30)], ids=["mid-month", "month-end"])
def test_every_surface_shows_the_figure_the_sql_computes(
    state, day, city, client, leader, county_user, department_user, special_group_user, monkeypatch
):
    reach(state, city)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    month = sql_month(day)
    for scope, user in users(leader, county_user, department_user, special_group_user).items():
        expected = sql_figures(scope, day)
        lagging = sql_lagging(scope, day)
        assert expected["plan"] > 0 and expected["done"] > 0

        # the dashboard (HTML) and its lagging list
        client.force_login(user)
        html = client.get("/dashboard/").content.decode()
        assert dashboard_figure(html, "completion-rate") == shown(expected["rate"]), scope
        assert client.get("/dashboard/lagging/").context["page"].paginator.count == lagging, scope

        # the stats API (JSON)
        data = client_for(user).get("/api/v1/stats/summary/").json()
        assert Decimal(data["completion_rate"]) == expected["rate"], scope
        assert Decimal(data["year_plan"]) == expected["plan"] and Decimal(data["completed_ytd"]) == expected["done"]

        # the map: yellow and red lights are the lagging projects
        points = client_for(user).get(f"/api/v1/map/?period={month:%Y-%m}").json()["points"]
        assert sum(p["light"] in ("yellow", "red") for p in points) == lagging, scope

        # the list export (xlsx read back): completion per project adds up to the figure
        export = client.get("/progress/export/?kind=projects")
        path = f"/tmp/figures-export-{scope}-{state}-{day}.xlsx"
        with open(path, "wb") as out:
            out.write(export.content)
        rows = sheet(path, "项目")[1:]
        assert sum(Decimal(str(r[11])) for r in rows) == expected["plan"], scope
        assert sum(Decimal(str(r[17])) for r in rows) == expected["done"], scope

        # the group's dispatch report, xlsx (calamine) and PDF (pdftotext)
        group = city["groups"][GROUPS[scope]]
        summary = {row[0]: row[1] for row in sheet(build_report(group, day, "xlsx"), "汇总")[1:]}
        assert Decimal(str(summary["本年计划投资"])) == expected["plan"], scope
        assert Decimal(str(summary["本年累计完成投资"])) == expected["done"], scope
        assert xlsx_decimal(summary["投资完成率"]) == expected["rate"], scope
        assert summary["滞后项目"] == lagging, scope
        text = subprocess.run(["pdftotext", build_report(group, day, "pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout.replace("\n", "")  # fmt: skip
        assert f"完成率 {shown(expected['rate'])}" in text, scope

    # the county ranking: dashboard, API and the city report rank the counties by the same rates
    rates = sql_region_rates(day)
    client.force_login(leader)
    html = client.get("/dashboard/").content.decode()
    api = {r["name"]: r for r in client_for(leader).get("/api/v1/stats/summary/").json()["by_region"]}
    ranking = sheet(build_report(city["groups"]["city"], day, "xlsx"), "县区排名")[1:]
    names = dict(Region.objects.values_list("key", "name"))
    for key, rate in rates.items():
        assert dashboard_figure(html, f"rate-{key}") == shown(rate)
        assert Decimal(api[names[key]]["completion_rate"]) == rate
    assert [r[1] for r in ranking] == [names[k] for k, _ in sorted(rates.items(), key=lambda kv: -kv[1])]
    assert [xlsx_decimal(r[6]) for r in ranking] == sorted(rates.values(), reverse=True)


def test_the_special_groups_rate_at_one_half_shows_one_way_everywhere(city, client, special_group_user, monkeypatch):
    day = D(2026, 11, 30)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    assert sql_figures("special", day) == {"plan": Decimal("3200.00"), "done": Decimal("100.00"),
                                           "rate": Decimal("0.0313")}  # fmt: skip
    client.force_login(special_group_user)
    assert dashboard_figure(client.get("/dashboard/").content.decode(), "completion-rate") == "3.13%"
    assert client_for(special_group_user).get("/api/v1/stats/summary/").json()["completion_rate"] == "0.0313"
    group = city["groups"]["special-social"]
    text = subprocess.run(["pdftotext", build_report(group, day, "pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "3.13%" in text and "3.12%" not in text


def test_the_quarterly_evaluation_ranks_counties_by_the_sql_rates(city, leader):
    evaluation, created = dispatch_services.evaluation_run(year=2026, quarter=3, user=leader, queue=False)
    assert created
    rates = sql_region_rates(None, month=D(2026, 9, 1))
    entries = evaluation.entries.filter(unit_kind="region").select_related("region").order_by("rank")
    assert {e.region.key: e.completion_rate for e in entries} == rates
    assert [e.region.key for e in entries] == [k for k, _ in sorted(rates.items(), key=lambda kv: -kv[1])]


def test_the_bulletin_and_the_dashboard_count_the_pools_as_the_sql(city, client, leader, tmp_path):
    pools = sql_pools()
    path = tmp_path / "bulletin.xlsx"
    bulletin.write_xlsx(attraction_selectors.bulletin_figures(month=D(2026, 10, 1)), path)
    labels = {"谋划(储备)": "planning", "洽谈(在谈)": "negotiating", "签约": "signed", "落地": "landed"}
    for label, count, total in sheet(path, "四个一批")[1:]:
        assert (count, Decimal(str(total))) == pools.get(labels[label], (0, 0))
    client.force_login(leader)
    html = client.get("/dashboard/").content.decode()
    for stage, (count, _) in pools.items():
        assert re.search(rf'data-figure="{stage}".*?<strong>{count}</strong>', html, re.S)
    assert "统计口径" in CalamineWorkbook.from_path(path).sheet_names
