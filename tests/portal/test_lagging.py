"""The lagging list filters by county, sector, category and light, sorts by gap and exports what it
shows; the project list's "lagging" filter and its export carry plan, completion, rate and gap.
Figures are checked against SQL written here."""

import calendar
import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.db import connection
from django.utils import timezone

from investment.choices import EntryStatus
from investment.models import ProgressEntry
from projects.choices import Stage, StartType
from projects.models import Sector
from tests.factories import ProjectFactory

TODAY = timezone.localdate()


def _building(**kwargs):
    kwargs.setdefault("stage", Stage.CONSTRUCTION)
    kwargs.setdefault("start_type", StartType.CONTINUING)
    return ProjectFactory(**kwargs)


def _done(project, amount, month=6, status=EntryStatus.VERIFIED):
    ProgressEntry.objects.create(
        project=project, period=datetime.date(TODAY.year, month, 1), amount_completed=Decimal(amount), status=status
    )


def _reporting_month(day):
    """The month a figure on ``day`` covers: the day's month on its last day, else the month before."""
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return day.replace(day=1)
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _sql_lagging():
    """{project id: (plan, done, gap)} of the lagging projects, computed here from the tables: under
    construction with a plan, and time progress (share of the year at the reporting month's end; no
    monthly plans here) minus the completion rate (4 places, half up) at least the light rule's yellow
    threshold in points; gap = plan x time progress (2 places) - done."""
    month = _reporting_month(TODAY)
    start = datetime.date(month.year, 1, 1)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    elapsed = (
        Decimal((month_end - start).days + 1) / Decimal((datetime.date(month.year + 1, 1, 1) - start).days)
    ).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT yellow_behind FROM supervision_lightrule ORDER BY id LIMIT 1")
        found = cursor.fetchone()
        yellow = found[0] if found else Decimal("10")
        cursor.execute(
            """
            SELECT p.id, p.annual_plan,
                   COALESCE(SUM(COALESCE(e.amended_amount, e.amount_completed))
                            FILTER (WHERE e.status = 'verified' AND e.period >= %s AND e.period <= %s), 0)
            FROM projects_project p LEFT JOIN investment_progressentry e ON e.project_id = p.id
            WHERE p.stage = 'construction' AND p.annual_plan > 0
            GROUP BY p.id
            """,
            [start, month],
        )
        rows = cursor.fetchall()
    result = {}
    for pk, plan, done in rows:
        rate = (done / plan).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if (elapsed - rate) * 100 >= yellow:
            result[pk] = (plan, done, (plan * elapsed).quantize(Decimal("0.01"), ROUND_HALF_UP) - done)
    return result


@pytest.fixture
def city(haicheng):
    other_sector = Sector.objects.exclude(name="菱镁").first()
    projects = {
        "big": _building(name="铁东大项目", annual_plan=Decimal("9000")),
        "near": _building(name="铁东将达序时", annual_plan=Decimal("1000")),
        "other_sector": _building(name="铁东他业项目", annual_plan=Decimal("2000"), sector=other_sector),
        "haicheng": _building(name="海城滞后项目", annual_plan=Decimal("5000"), region=haicheng),
        "ahead": _building(name="铁东超前项目", annual_plan=Decimal("100")),
        "planning": ProjectFactory(name="谋划项目", annual_plan=Decimal("100"), stage=Stage.PLANNING),
    }
    _done(projects["near"], "900")  # behind the share of the year, but by under the yellow threshold: green
    _done(projects["big"], "500")
    _done(projects["big"], "4000", month=7, status=EntryStatus.SUBMITTED)  # not a figure yet
    _done(projects["ahead"], "100")
    for _ in range(15):
        _building(annual_plan=Decimal("300"))
    return projects


def _names(response):
    return [p.name for p in response.context["page"]]


def test_the_lagging_list_is_the_sql_lagging_set_worst_gap_first(client, leader, city, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        response = client.get("/dashboard/lagging/")
    expected = _sql_lagging()
    page = list(response.context["page"])
    assert response.context["page"].paginator.count == len(expected)
    assert {p.pk for p in page} == set(expected)
    gaps = [expected[p.pk][2] for p in page]
    assert gaps == sorted(gaps, reverse=True)
    assert (
        page[0].name == "铁东大项目" and "铁东超前项目" not in _names(response) and "谋划项目" not in _names(response)
    )
    with django_assert_max_num_queries(12):
        ascending = client.get("/dashboard/lagging/?ordering=gap")
    gaps = [expected[p.pk][2] for p in ascending.context["page"]]
    assert gaps == sorted(gaps) and "铁东将达序时" not in _names(ascending)  # green: not lagging


def test_the_lagging_list_filters_by_county_sector_category_and_light(client, leader, city, haicheng):
    client.force_login(leader)
    tiedong = _names(client.get("/dashboard/lagging/?region=tiedong"))
    assert "海城滞后项目" not in tiedong and {"铁东大项目", "铁东他业项目"} <= set(tiedong)
    assert "铁东将达序时" not in tiedong  # behind by under the yellow threshold: not lagging
    assert _names(client.get("/dashboard/lagging/?region=haicheng")) == ["海城滞后项目"]
    sector = city["other_sector"].sector_id
    assert _names(client.get(f"/dashboard/lagging/?sector={sector}")) == ["铁东他业项目"]
    category = city["big"].category_id
    assert len(_names(client.get(f"/dashboard/lagging/?category={category}"))) == len(_sql_lagging())
    red = _names(client.get("/dashboard/lagging/?region=tiedong&light=red"))
    assert "铁东大项目" in red and "铁东将达序时" not in red
    assert _names(client.get("/dashboard/lagging/?region=tiedong&light=green")) == []  # lagging is yellow or red
    body = client.get("/dashboard/lagging/?region=tiedong&light=green").content.decode()
    assert "/dashboard/lagging/export.xlsx?region=tiedong&amp;light=green" in body
    # An unknown value is named, not a 500, and the other filters still apply.
    bad = client.get("/dashboard/lagging/?region=tiedong&sector=999999")
    assert bad.status_code == 200 and "海城滞后项目" not in _names(bad)


def test_the_lagging_export_holds_what_the_list_shows(client, leader, city, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        response = client.get("/dashboard/lagging/export.xlsx?region=tiedong")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "项目名称" and rows[0][10] == "差额(万元)"
    listed = _names(client.get("/dashboard/lagging/?region=tiedong"))
    assert [r[0] for r in rows[1:]] == listed
    expected = _sql_lagging()
    by_name = {p.name: p.pk for p in city.values()}
    big = next(r for r in rows[1:] if r[0] == "铁东大项目")
    plan, done, gap = expected[by_name["铁东大项目"]]
    assert Decimal(str(big[4])) == plan and Decimal(str(big[6])) == done == Decimal("500")
    assert Decimal(str(big[10])) == gap
    assert Decimal(str(big[7])) == (done / plan).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def test_a_county_user_exports_only_the_county(client, county_user, city):
    client.force_login(county_user)
    response = client.get("/dashboard/lagging/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert "海城滞后项目" not in [r[0] for r in rows] and "铁东大项目" in [r[0] for r in rows]


def test_the_project_list_lagging_filter_and_its_export_carry_plan_completion_rate_and_gap(
    client, leader, city, django_assert_max_num_queries
):
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        response = client.get("/projects/?lagging=true&region=tiedong")
    expected = _sql_lagging()
    tiedong_lagging = {pk for pk in expected if pk != city["haicheng"].pk}
    assert {row.pk for row in response.context["page"]} == tiedong_lagging
    assert 'name="lagging" value="true" checked' in response.content.decode()
    export = client.get("/projects/export.xlsx?lagging=true&region=tiedong")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    header = rows[0]
    assert header[11] == "本年计划投资(万元)" and header[17].startswith("本年完成") and header[18] == "完成率"
    assert len(rows) - 1 == len(tiedong_lagging)
    big = next(r for r in rows[1:] if r[1] == "铁东大项目")
    plan, done, gap = expected[city["big"].pk]
    assert Decimal(str(big[11])) == plan and Decimal(str(big[17])) == done
    assert Decimal(str(big[18])) == (done / plan).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    assert Decimal(str(big[19])) == gap
    everything = client.get("/projects/export.xlsx")
    all_rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(everything.streaming_content))).active.values)
    ahead = next(r for r in all_rows[1:] if r[1] == "铁东超前项目")
    assert Decimal(str(ahead[17])) == Decimal("100") and Decimal(str(ahead[18])) == 1
