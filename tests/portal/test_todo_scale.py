"""The county to-do page at scale: the due list's per-region LIMIT gives exactly the whole list's first
rows, in the user's scope only, and each list can be read in its order from an index (no sort of all rows)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from investment.choices import EntryStatus, ProblemStatus
from investment.models import Problem, ProgressEntry
from portal import selectors
from projects.models import RoleAssignment
from tests.factories import ProjectFactory, Role, region, user_with_role

from .test_pages import _building as _any_building


def _building(**kwargs):
    return _any_building(annual_plan=Decimal(0), **kwargs)


def _last_month():
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture
def two_county_user(tiedong, haicheng):
    user = user_with_role("twocounties", Role.COUNTY_STAFF, region=tiedong)
    RoleAssignment.objects.create(user=user, role=Role.COUNTY_STAFF, region=haicheng)
    return user


def _due_projects(tiedong, haicheng):
    """Projects under construction in two counties (equal sizes across them, so ids break ties) and
    a third county's larger ones, some already entered for last month."""
    projects = []
    for i in range(6):
        projects.append(_building(region=tiedong, total_investment=Decimal(1000 + 100 * (i % 3))))
        projects.append(_building(region=haicheng, total_investment=Decimal(5000 + 100 * (i % 2))))
        projects.append(_building(region=region("lishan"), total_investment=Decimal(90000), name=f"立山{i}"))
    for project in projects[::4]:
        ProgressEntry.objects.create(project=project, period=_last_month(), amount_completed=1)
    ProjectFactory(region=tiedong, stage="signed", total_investment=Decimal(99999))  # not under construction
    return projects


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 21])
def test_due_with_limit_is_the_first_rows_of_the_whole_list(two_county_user, county_user, tiedong, haicheng, limit):
    _due_projects(tiedong, haicheng)
    for user in (two_county_user, county_user):
        whole = list(selectors.county_todo(user=user)["due"])
        limited = list(selectors.county_todo(user=user, limit=limit)["due"][:limit])
        assert [p.pk for p in limited] == [p.pk for p in whole[:limit]]
        assert not any(p.region.key == "lishan" for p in whole)
    assert {p.region_id for p in selectors.county_todo(user=county_user, limit=21)["due"]} == {tiedong.pk}


def test_home_page_shows_nothing_of_another_county(
    client, county_user, tiedong, haicheng, django_assert_max_num_queries
):
    projects = _due_projects(tiedong, haicheng)
    for project in projects:  # a quarter already have a draft for last month (_due_projects)
        Problem.objects.create(
            project=project, description=f"问题{project.pk}", kind="land", deadline=timezone.localdate()
        )
    client.force_login(county_user)
    client.get("/")
    with django_assert_max_num_queries(
        11
    ):  # + the status counts (one query), + the site photos (rule, list), + the warning notices to do
        response = client.get("/")
    todo = response.context["todo"]
    due = [p.pk for p in todo["due"]["rows"]]
    assert due == [p.pk for p in selectors.county_todo(user=county_user)["due"]]
    assert due and all(p.region_id == tiedong.pk for p in todo["due"]["rows"])
    assert todo["drafts"]["rows"] and all(e.project.region_id == tiedong.pk for e in todo["drafts"]["rows"])
    assert todo["problems"]["rows"] and all(p.project.region_id == tiedong.pk for p in todo["problems"]["rows"])
    assert "立山" not in response.content.decode()


def _plan(queryset):
    with connection.cursor() as cursor:
        # The tables are tiny here: make the planner show whether an ordered index path exists at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        return queryset.explain()


def test_each_list_reads_an_index_in_its_order(county_user, county_reviewer):
    project = _building()
    ProgressEntry.objects.create(project=project, period=_last_month(), amount_completed=1, status=EntryStatus.DRAFT)
    Problem.objects.create(
        project=project, description="x", kind="land", deadline=timezone.localdate(), status=ProblemStatus.OPEN
    )
    # Rows of another county, so that region and stage select (with one row every index ties).
    ProjectFactory.create_batch(30, region=region("haicheng"), stage="planning")
    with connection.cursor() as cursor:
        # Statistics of this test's rows, not of whatever earlier tests in this database left for
        # autoanalyze (with more tests before it, the planner once read projects_project as if every
        # row matched region and stage, and walked the investment-order index instead).
        cursor.execute("ANALYZE projects_project, investment_progressentry, investment_problem")
    staff = selectors.county_todo(user=county_user, limit=21)
    reviewer = selectors.county_todo(user=county_reviewer, limit=21)
    # Whichever index the planner picks (other tests' rows and statistics vary), each list must come out
    # of one in its order: the entry and problem lists without any sort, the due list's per-region
    # subquery likewise (the outer sort only orders the few rows it returns).
    for todo, name in [
        (staff, "due"),
        (staff, "drafts"),
        (staff, "returned"),
        (staff, "problems"),
        (reviewer, "to_verify"),
    ]:
        plan = _plan(todo[name][:21])
        ordered_part = plan.split("SubPlan")[-1] if name == "due" else plan
        assert "Sort" not in ordered_part, (name, plan)
        if name == "due":  # and it reads only its region's projects under construction, not every project
            assert re.search(r"Index Cond: \(\(region_id = \d+\) AND \(stage = ", ordered_part), plan
