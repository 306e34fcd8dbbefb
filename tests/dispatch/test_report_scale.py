"""The report's project pass at scale: each project's sums and monthly plan read once (a LATERAL join,
common.lateral), its figures equal to SQL written here over the raw entries, a number of queries that
does not grow with the projects, and the same results when the lights' queryset is counted, narrowed
or used as a subquery (the dashboard's uses)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.periods import year_fraction_elapsed
from dispatch import reports, services
from dispatch.schedules import Period
from portal import selectors as portal_selectors
from projects.models import Project
from supervision.models import MonthlyPlan
from supervision.selectors import annotate_lights

from .conftest import entry, problem, project

D = datetime.date
NOVEMBER = D(2026, 11, 1)
AS_OF = D(2026, 11, 30)

# What counts, by hand: a verified entry at its (approved) amended figure.
INDEPENDENT_SQL = """
WITH counted AS (
    SELECT project_id, period, COALESCE(amended_amount, amount_completed) AS amount
    FROM investment_progressentry WHERE status = 'verified' AND period <= %(month)s)
SELECT p.id,
       (SELECT coalesce(sum(amount), 0) FROM counted c WHERE c.project_id = p.id) AS since_start,
       (SELECT coalesce(sum(amount), 0) FROM counted c
         WHERE c.project_id = p.id AND c.period >= %(year_start)s) AS ytd,
       (SELECT coalesce(sum(amount), 0) FROM counted c
         WHERE c.project_id = p.id AND c.period >= %(previous)s) AS recent,
       CASE WHEN EXISTS (SELECT 1 FROM supervision_monthlyplan m WHERE m.project_id = p.id AND m.year = %(year)s)
            THEN coalesce((SELECT m.cumulative_percent FROM supervision_monthlyplan m
                           WHERE m.project_id = p.id AND m.year = %(year)s AND m.month <= %(month_number)s
                           ORDER BY m.month DESC LIMIT 1), 0)
            ELSE %(elapsed)s * 100 END AS expected_percent
FROM projects_project p ORDER BY p.id
"""


@pytest.fixture
def november(groups, tiedong, haicheng):
    """Projects with entries over two years, drafts, monthly plans (one whose share falls back, one
    that starts after November's), problems; the city group's November round."""
    a = project(name="甲", region=tiedong, total_investment=10000, annual_plan=3000, stage="construction",
                start_type="continuing", actual_start=D(2025, 5, 1), planned_completion=D(2026, 12, 31))  # fmt: skip
    b = project(name="乙", region=haicheng, total_investment=20000, annual_plan=6000, stage="construction",
                start_type="new", actual_start=D(2026, 3, 10))  # fmt: skip
    c = project(name="丙", region=tiedong, total_investment=8000, annual_plan=2000, stage="construction",
                start_type="continuing", actual_start=D(2024, 3, 1))  # fmt: skip
    project(name="丁", region=haicheng, total_investment=6000, annual_plan=0, stage="planning",
                planned_start=D(2026, 6, 1))  # fmt: skip
    for month in range(1, 13):
        entry(a, D(2025, month, 1), "400")  # last year: since start, not this year
        if month <= 11:
            entry(a, D(2026, month, 1), "250")
        if month <= 9:
            entry(c, D(2026, month, 1), "150")
    entry(c, D(2025, 12, 1), "7000")  # since start above the total: cost overrun
    entry(a, D(2026, 12, 1), "999")  # after the reporting month: not counted
    entry(b, D(2026, 11, 1), "800")
    entry(b, D(2026, 10, 1), "300", status="submitted")  # reported, not counted
    entry(b, D(2026, 9, 1), "999", status="draft")
    for month, percent in ((3, 20), (6, 60), (9, 55)):  # the latest planned month counts, not the largest
        MonthlyPlan.objects.create(project=b, year=2026, month=month, cumulative_percent=Decimal(percent))
    MonthlyPlan.objects.create(project=c, year=2026, month=12, cumulative_percent=Decimal(100))  # 0 before
    MonthlyPlan.objects.create(project=a, year=2025, month=11, cumulative_percent=Decimal(10))  # other year
    problem(a, deadline=D(2026, 11, 15))
    round, _ = services.round_run(group=groups["city"], period=Period(NOVEMBER, AS_OF), queue=False)
    return round


def independent_figures():
    params = {"month": NOVEMBER, "year_start": D(2026, 1, 1), "previous": D(2026, 10, 1), "year": 2026,
              "month_number": 11, "elapsed": year_fraction_elapsed(AS_OF)}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(INDEPENDENT_SQL, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_each_projects_figures_equal_sql_over_the_raw_entries(november):
    expected = independent_figures()
    lit = annotate_lights(Project.objects.all(), period=NOVEMBER, as_of=AS_OF)
    found = {p.pk: (p.since_start_completed, p.completed_ytd, p.recent, p.expected_percent) for p in lit.order_by("pk")}
    assert set(found) == set(expected) and len(found) == 4
    for pk, (since_start, ytd, recent, expected_percent) in found.items():
        want = expected[pk]
        assert (since_start, ytd, recent) == tuple(want[:3]), pk
        assert expected_percent == pytest.approx(want[3], abs=Decimal("0.01")), pk
    by_name = {p.name: p for p in lit}
    assert by_name["乙"].expected_percent == Decimal("55.00")  # September's 55%, not June's 60%
    assert by_name["丙"].expected_percent == 0  # a plan whose first month is after November
    assert by_name["丙"].cost_overrun and not by_name["甲"].cost_overrun
    assert by_name["甲"].problem_overdue and by_name["丁"].start_overdue


def test_the_report_lists_the_same_figures(november):
    expected = independent_figures()
    rows = list(reports.RoundFigures(november).project_rows())
    assert len(rows) == 4  # every project here is of 5,000 万元 or more (the city group's scope)
    for row in rows:
        pk, ytd, recent = row[0], row[13], row[14]
        assert (ytd, recent) == tuple(expected[pk][1:3])


def test_the_project_pass_reads_each_projects_sums_and_plan_once(november):
    sql = str(reports.RoundFigures(november).project_rows().query)
    # One LATERAL join for the counted months (since start, recent) and one for the monthly plan; the
    # other mentions of the rollup are the year total's join and the months after the reporting month.
    assert sql.count("LEFT JOIN LATERAL") == 2
    assert sql.count('FROM "supervision_monthlyplan"') == 1
    assert sql.count('FROM "investment_countedmonth"') <= 1 + sql.count('"period" > ')


def test_report_queries_do_not_grow_with_projects(november, tiedong):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            reports.RoundFigures(november).run(reports.NullSink())
        return len(captured)

    before = queries()
    for n in range(12):
        p = project(name=f"新增{n}", region=tiedong, total_investment=9000, annual_plan=900, stage="construction",
                    actual_start=D(2026, 2, 1))  # fmt: skip
        entry(p, D(2026, 11, 1), "90")
        MonthlyPlan.objects.create(project=p, year=2026, month=10, cumulative_percent=Decimal(70))
        problem(p, deadline=D(2026, 11, 1))
    assert queries() == before


def test_lights_counted_narrowed_and_as_a_subquery(november, leader):
    lit = annotate_lights(Project.objects.all(), period=NOVEMBER, as_of=AS_OF)
    red = {p.pk for p in lit if p.overall == "red"}
    assert red and lit.filter(overall="red").count() == len(red)
    assert (
        set(Project.objects.filter(pk__in=lit.filter(overall="red").values("pk")).values_list("pk", flat=True)) == red
    )
    assert set(lit.filter(overall="red").values_list("pk", flat=True)) == red
    lagging = list(portal_selectors.lagging_projects(user=leader, today=D(2026, 12, 5)))  # November's
    assert "乙" in {p.name for p in lagging}  # 800 of 6,000 against September's planned 55%
    assert [p.pk for p in portal_selectors.top_lagging(user=leader, today=D(2026, 12, 5))] == [p.pk for p in lagging]
