"""The light rules at their boundaries (see supervision/selectors.py for the rules)."""

import datetime
from decimal import Decimal

import pytest

from common.periods import year_fraction_elapsed
from investment.choices import EntryStatus, ProblemStatus
from investment.models import Problem
from projects.choices import Stage
from supervision.models import LightRule, MonthlyPlan
from supervision.selectors import light_counts, project_lights
from tests.factories import ProjectFactory

from .conftest import building, entry

PERIOD = datetime.date(2026, 6, 1)
AS_OF = datetime.date(2026, 6, 30)


def lights_of(user, **filters):
    return {p.pk: p for p in project_lights(user=user, period=PERIOD, as_of=AS_OF, filters=filters or None)}


def with_plan(project, percent):
    MonthlyPlan.objects.create(project=project, year=2026, month=6, cumulative_percent=Decimal(percent))
    return project


@pytest.mark.parametrize(
    ("completed", "light"),
    [
        # The rate is kept to 4 places (the one rounding rule), so the boundaries are at 0.01 point.
        ("400.10", "green"),  # 9.99 points behind
        ("400.04", "yellow"),
        (
            "400.05",
            "green",
        ),  # rate 0.40005 -> 0.4001 (half up, never half even): 9.99 behind  # rate 0.4000 (half up): exactly 10 behind: yellow
        ("200.00", "yellow"),  # exactly 30 behind: still yellow
        ("199.90", "red"),  # 30.01 behind: red
        ("600.00", "green"),  # ahead
    ],
)
def test_main_light_boundaries_with_a_monthly_plan(leader, completed, light):
    project = with_plan(building(), "50.00")
    entry(project, datetime.date(2026, 3, 1), completed)
    row = lights_of(leader)[project.pk]
    assert row.expected_percent == Decimal("50")
    assert row.light == light


def test_without_a_monthly_plan_the_share_of_the_year_elapsed_is_the_target(leader):
    expected = year_fraction_elapsed(AS_OF) * 100  # 49.59 on 30 June 2026
    on_yellow_edge = building()
    entry(on_yellow_edge, datetime.date(2026, 5, 1), str((expected - 10) * 10))  # exactly 10 points behind
    just_green = building()
    entry(just_green, datetime.date(2026, 5, 1), str((expected - 10) * 10 + Decimal("0.10")))  # 0.01 point
    on_red_edge = building()
    entry(on_red_edge, datetime.date(2026, 5, 1), str((expected - 30) * 10))
    just_red = building()
    entry(just_red, datetime.date(2026, 5, 1), str((expected - 30) * 10 - Decimal("0.10")))
    rows = lights_of(leader)
    assert rows[on_yellow_edge.pk].expected_percent == expected
    assert rows[on_yellow_edge.pk].light == "yellow"
    assert rows[just_green.pk].light == "green"
    assert rows[on_red_edge.pk].light == "yellow"
    assert rows[just_red.pk].light == "red"


def test_a_plan_without_the_period_month_uses_the_latest_earlier_month(leader):
    project = building()
    MonthlyPlan.objects.create(project=project, year=2026, month=4, cumulative_percent=Decimal("20"))
    MonthlyPlan.objects.create(project=project, year=2026, month=9, cumulative_percent=Decimal("80"))
    entry(project, datetime.date(2026, 4, 1), "100")
    row = lights_of(leader)[project.pk]
    assert row.expected_percent == Decimal("20")
    assert row.light == "yellow"  # 10% done against 20%: exactly 10 behind


def test_drafts_do_not_count_as_completed(leader):
    project = with_plan(building(), "50.00")
    entry(project, datetime.date(2026, 5, 1), "500", status=EntryStatus.DRAFT)
    assert lights_of(leader)[project.pk].light == "red"


def test_thresholds_are_data(leader):
    project = with_plan(building(), "50.00")
    entry(project, datetime.date(2026, 5, 1), "350")  # 15 behind
    assert lights_of(leader)[project.pk].light == "yellow"
    rule = LightRule.current()
    rule.yellow_behind = Decimal("20")
    rule.save()
    assert lights_of(leader)[project.pk].light == "green"


def test_a_project_not_yet_started_has_no_main_light_until_its_planned_start_passes(leader):
    future = ProjectFactory(stage=Stage.SIGNED, planned_start=datetime.date(2026, 9, 1))
    late = ProjectFactory(stage=Stage.LANDED, planned_start=datetime.date(2026, 6, 29))
    due_today = ProjectFactory(stage=Stage.LANDED, planned_start=AS_OF)
    rows = lights_of(leader)
    assert (rows[future.pk].light, rows[future.pk].start_overdue, rows[future.pk].overall) == ("none", False, "none")
    assert (rows[late.pk].light, rows[late.pk].start_overdue, rows[late.pk].overall) == ("none", True, "red")
    assert rows[due_today.pk].start_overdue is False


def test_no_entry_for_two_periods_lights_stale(leader):
    quiet = with_plan(building(), "0")
    entry(quiet, datetime.date(2026, 4, 1), "100")
    reporting = with_plan(building(), "0")
    entry(reporting, datetime.date(2026, 5, 1), "100")
    just_started = with_plan(building(actual_start=datetime.date(2026, 5, 20)), "0")
    rows = lights_of(leader)
    assert rows[quiet.pk].stale is True
    assert rows[quiet.pk].light == "green"
    assert rows[quiet.pk].overall == "red"
    assert rows[reporting.pk].stale is False
    assert rows[just_started.pk].stale is False


def test_an_open_problem_past_its_deadline_lights_its_flag(leader):
    late = with_plan(building(), "0")
    Problem.objects.create(
        project=late,
        description="用地未落实",
        kind="land",
        responsible_unit="铁东区",
        deadline=datetime.date(2026, 6, 29),
    )
    solved = with_plan(building(), "0")
    Problem.objects.create(
        project=solved,
        description="电力接入",
        kind="utilities",
        responsible_unit="供电公司",
        deadline=datetime.date(2026, 5, 1),
        status=ProblemStatus.SOLVED,
    )
    rows = lights_of(leader)
    assert rows[late.pk].problem_overdue is True
    assert rows[solved.pk].problem_overdue is False


def test_cost_and_time_overruns(leader):
    over_budget = with_plan(building(total_investment=Decimal("1000"), annual_plan=Decimal("500")), "0")
    entry(over_budget, datetime.date(2025, 12, 1), "800")
    entry(over_budget, datetime.date(2026, 5, 1), "200.01")
    past_due = with_plan(building(planned_completion=datetime.date(2026, 6, 1)), "0")
    # Started 2025-03-01 (486 days before 30 June 2026) and 10% done: at that rate the rest takes
    # years, far past the planned completion at the end of 2026.
    slow = with_plan(building(planned_completion=datetime.date(2026, 12, 31)), "0")
    entry(slow, datetime.date(2026, 5, 1), "1000")
    on_track = with_plan(building(planned_completion=datetime.date(2028, 12, 31)), "0")
    entry(on_track, datetime.date(2026, 5, 1), "4000")
    rows = lights_of(leader)
    assert rows[over_budget.pk].cost_overrun is True
    assert rows[past_due.pk].time_overrun is True
    assert rows[slow.pk].time_overrun is True
    assert rows[on_track.pk].time_overrun is False
    assert rows[on_track.pk].cost_overrun is False


def test_lights_respect_scope_and_filter_in_the_database(county_user, haicheng, django_assert_num_queries):
    mine = with_plan(building(), "50")
    theirs = with_plan(building(region=haicheng), "50")
    county_user.refresh_from_db()
    with django_assert_num_queries(4):  # roles, key-project thresholds, light rule, the lights
        rows = lights_of(county_user, light="red")
    assert mine.pk in rows
    assert theirs.pk not in rows


def test_light_counts_group_by_region_in_one_query(leader, haicheng, django_assert_max_num_queries):
    for _ in range(3):
        with_plan(building(), "50")  # red: nothing done
    green = with_plan(building(region=haicheng), "10")
    entry(green, datetime.date(2026, 6, 1), "500")
    with django_assert_max_num_queries(3):  # light rule, the counts (leader's roles are cached)
        counts = {row["name"]: row for row in light_counts(user=leader, period=PERIOD, as_of=AS_OF, by="region")}
    assert counts["铁东区"]["red"] == 3
    assert counts["海城市"]["green"] == 1
    assert counts["海城市"]["red"] == 0
