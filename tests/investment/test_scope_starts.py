"""开复工 per scope and day (ScopeStart, migration 0014): kept by triggers through every write of a
project or a stage change, equal to the definition (insights.definitions.started_or_resumed_q) computed
by independent SQL here, at the year boundary, after edits, deletions, a threshold change and a rebuild."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from insights import definitions
from investment.services import counted_months_sync
from portal import selectors as portal
from projects.access import rollup_scope
from projects.choices import KeyLevel, Stage
from projects.models import KeyProjectThreshold, StageChange
from tests.factories import ProjectFactory, Role, region, user_with_role

D = datetime.date
YEAR_START, TODAY = D(2026, 1, 1), D(2026, 6, 15)

SQL = """
SELECT count(*), coalesce(sum(p.total_investment), 0)
FROM projects_project p
WHERE p.stage IN ('construction', 'completed', 'operating')
  AND p.total_investment >= coalesce(
        (SELECT min_total_investment FROM projects_keyprojectthreshold WHERE level = 'city'), 5000)
  AND ((p.actual_start BETWEEN %(first)s AND %(last)s)
       OR EXISTS (SELECT 1 FROM projects_stagechange s WHERE s.project_id = p.id AND s.to_stage = 'construction'
                  AND s.changed_on BETWEEN %(first)s AND %(last)s))
  AND (%(region)s::bigint IS NULL OR p.region_id = %(region)s)
"""


def by_sql(first=YEAR_START, last=TODAY, region_id=None):
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"first": first, "last": last, "region": region_id})
        count, total = cursor.fetchone()
    return count, Decimal(total).quantize(Decimal("0.01"))


def by_scope(scope, first=YEAR_START, last=TODAY):
    count, total = definitions.scope_started(scope, first=first, last=last)
    return count, Decimal(total).quantize(Decimal("0.01"))


def _change(project, day, to_stage=Stage.CONSTRUCTION):
    return StageChange.objects.create(project=project, from_stage=Stage.LANDED, to_stage=to_stage, changed_on=day)


@pytest.fixture
def projects(tiedong):
    haicheng = region("haicheng")
    big = Decimal("20000")
    return {
        # started last December: not this year's
        "last_december": ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, actual_start=D(2025, 12, 10),
                                        total_investment=big),
        # 续建: started in 2024, resumed work (entered construction again) this March
        "resumed": ProjectFactory(region=haicheng, stage=Stage.CONSTRUCTION, actual_start=D(2024, 5, 1),
                                  total_investment=Decimal("8000")),
        # started and completed this year
        "started_completed": ProjectFactory(region=tiedong, stage=Stage.COMPLETED, actual_start=D(2026, 2, 1),
                                            total_investment=big),
        "planning": ProjectFactory(region=tiedong, stage=Stage.PLANNING, actual_start=None, total_investment=big),
        "small": ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, actual_start=D(2026, 3, 1),
                                total_investment=Decimal("4999.99")),
        # starts after the day asked about
        "later": ProjectFactory(region=haicheng, stage=Stage.CONSTRUCTION, actual_start=D(2026, 9, 1),
                                total_investment=big),
    }  # fmt: skip


def _assert_equal(tiedong):
    haicheng = region("haicheng")
    for last in (D(2026, 2, 28), TODAY, D(2026, 12, 31)):
        assert by_scope(("all", [0]), last=last) == by_sql(last=last), last
        assert by_scope(("region", [tiedong.pk]), last=last) == by_sql(last=last, region_id=tiedong.pk), last
        assert by_scope(("region", [tiedong.pk, haicheng.pk]), last=last) == (
            tuple(
                map(
                    sum,
                    zip(by_sql(last=last, region_id=tiedong.pk), by_sql(last=last, region_id=haicheng.pk), strict=True),
                )
            )
        )
    # last year, counted on its own days
    assert by_scope(("all", [0]), first=D(2025, 1, 1), last=D(2025, 12, 31)) == by_sql(D(2025, 1, 1), D(2025, 12, 31))


def test_the_year_boundary_cases(projects, tiedong):
    _change(projects["resumed"], D(2026, 3, 5))
    _change(projects["last_december"], D(2025, 12, 10))
    assert by_sql() == (2, Decimal("28000.00"))  # resumed + started_completed
    _assert_equal(tiedong)


def test_writes_keep_the_start_days_equal_to_the_definition(projects, tiedong):
    resumed = _change(projects["resumed"], D(2026, 3, 5))
    _change(projects["started_completed"], D(2026, 2, 1))  # the same day as its start: counted once
    _assert_equal(tiedong)
    project = projects["started_completed"]
    for field, value in [("stage", Stage.OPERATING), ("total_investment", Decimal("4000")),
                         ("total_investment", Decimal("30000")), ("region", region("haicheng")),
                         ("actual_start", D(2025, 11, 1)), ("stage", Stage.SIGNED)]:  # fmt: skip
        setattr(project, field, value)
        project.save()
        _assert_equal(tiedong)
    resumed.changed_on = D(2025, 3, 5)  # the resumption moved to last year
    resumed.save()
    _assert_equal(tiedong)
    resumed.delete()
    _assert_equal(tiedong)
    # several changes of one project in one statement: counted once, on the first day
    StageChange.objects.bulk_create(
        [StageChange(project=projects["resumed"], from_stage=Stage.LANDED, to_stage=Stage.CONSTRUCTION, changed_on=day)
         for day in (D(2026, 4, 2), D(2026, 1, 20))]
    )  # fmt: skip
    _assert_equal(tiedong)
    assert by_scope(("all", [0]), last=D(2026, 1, 31)) == by_sql(last=D(2026, 1, 31)) == (1, Decimal("8000.00"))
    projects["last_december"].delete()
    projects["resumed"].delete()
    _assert_equal(tiedong)


def test_a_threshold_change_and_a_rebuild_count_the_same(projects, tiedong):
    _change(projects["resumed"], D(2026, 3, 5))
    KeyProjectThreshold.objects.update_or_create(level=KeyLevel.CITY, defaults={"min_total_investment": 4000})
    assert by_sql()[0] == 3  # the small one is key now
    _assert_equal(tiedong)
    KeyProjectThreshold.objects.update_or_create(level=KeyLevel.CITY, defaults={"min_total_investment": 9000})
    _assert_equal(tiedong)
    with connection.cursor() as cursor:
        cursor.execute("SELECT scope, scope_key, day, projects, total_investment FROM investment_scopestart "
                       "WHERE projects <> 0 ORDER BY 1, 2, 3")  # fmt: skip
        kept = cursor.fetchall()
        counted_months_sync()
        cursor.execute("SELECT scope, scope_key, day, projects, total_investment FROM investment_scopestart "
                       "ORDER BY 1, 2, 3")  # fmt: skip
        assert cursor.fetchall() == kept


def test_the_headline_reads_the_start_days(projects, tiedong):
    _change(projects["resumed"], D(2026, 3, 5))
    leader = user_with_role("leader_starts", Role.LEADERSHIP)
    county = user_with_role("county_starts", Role.COUNTY_STAFF, region=tiedong)
    for user, region_id in ((leader, None), (county, tiedong.pk)):
        assert rollup_scope(user) is not None
        figures = portal.headline(user=user, today=TODAY)
        assert (figures["started_count"], figures["started_total"]) == by_sql(region_id=region_id)
