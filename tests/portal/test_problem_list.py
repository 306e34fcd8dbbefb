"""The problems list groups and filters by responsible unit and county, and has an "overdue against
its deadline" bucket beside the age buckets. Counts are checked against SQL written here."""

import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from investment.choices import ProblemStatus
from investment.models import Problem
from tests.factories import ProjectFactory

TODAY = timezone.localdate()
UNITS = ["市自然资源局", "市住建局", "市生态环境局"]


def _problem(project, unit, *, late_days, age_days=10, status=ProblemStatus.OPEN):
    problem = Problem.objects.create(
        project=project,
        description=f"{unit}待协调事项",
        kind="land",
        responsible_unit=unit,
        deadline=TODAY - datetime.timedelta(days=late_days),
        status=status,
    )
    Problem.objects.filter(pk=problem.pk).update(created_at=timezone.now() - datetime.timedelta(days=age_days))
    return problem


@pytest.fixture
def problems(haicheng):
    tiedong_project = ProjectFactory(name="铁东项目")
    haicheng_project = ProjectFactory(name="海城项目", region=haicheng)
    for index in range(12):
        project = tiedong_project if index % 3 else haicheng_project
        _problem(project, UNITS[index % 3], late_days=index - 5, age_days=index * 20)
    _problem(tiedong_project, UNITS[0], late_days=30, status=ProblemStatus.SOLVED)  # solved: not listed


def _sql(where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT pr.responsible_unit, r.key, COUNT(*), COUNT(*) FILTER (WHERE pr.deadline < %s)
            FROM investment_problem pr JOIN projects_project p ON p.id = pr.project_id
            JOIN projects_region r ON r.id = p.region_id
            WHERE pr.status IN ('open', 'in_progress') {where}
            GROUP BY 1, 2
            """,
            [TODAY, *params],
        )
        return cursor.fetchall()


def test_problems_of_one_unit_with_their_overdue_count(client, leader, problems, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        response = client.get("/dashboard/problems/", {"unit": UNITS[0]})
    assert response.status_code == 200
    rows = _sql("AND pr.responsible_unit = %s", [UNITS[0]])
    assert response.context["page"].paginator.count == sum(r[2] for r in rows)
    assert {p.responsible_unit for p in response.context["page"]} == {UNITS[0]}
    groups = response.context["groups"]
    assert [(g["name"], g["count"], g["overdue"]) for g in groups] == [
        (UNITS[0], sum(r[2] for r in rows), sum(r[3] for r in rows))
    ]


def test_groups_by_unit_and_by_county_match_sql(client, leader, problems):
    client.force_login(leader)
    by_unit = {g["name"]: (g["count"], g["overdue"]) for g in client.get("/dashboard/problems/").context["groups"]}
    expected = {}
    for unit, _key, count, overdue in _sql():
        total = expected.get(unit, (0, 0))
        expected[unit] = (total[0] + count, total[1] + overdue)
    assert by_unit == expected
    regions = client.get("/dashboard/problems/?group=region").context["groups"]
    expected_regions = {}
    for _unit, key, count, overdue in _sql():
        total = expected_regions.get(key, (0, 0))
        expected_regions[key] = (total[0] + count, total[1] + overdue)
    assert {g["key"]: (g["count"], g["overdue"]) for g in regions} == expected_regions
    assert "region=haicheng" in next(g["url"] for g in regions if g["key"] == "haicheng")
    haicheng_only = client.get("/dashboard/problems/?region=haicheng").context["page"]
    assert {p.project.region.key for p in haicheng_only} == {"haicheng"}


def test_the_overdue_bucket_is_on_the_dashboard_and_lists_the_problems_past_their_deadline(client, leader, problems):
    cache.clear()  # the dashboard's figures are cached per scope and data version
    client.force_login(leader)
    overdue = sum(r[3] for r in _sql())
    assert overdue > 0
    dashboard = client.get("/dashboard/")
    assert dashboard.context["problems_overdue"] == overdue
    body = dashboard.content.decode()
    assert f'data-figure="problems-overdue">{overdue}<' in body and "/dashboard/problems/?overdue=1" in body
    listed = client.get("/dashboard/problems/?overdue=1").context["page"]
    assert listed.paginator.count == overdue and all(p.deadline < TODAY for p in listed)
    # With an age bucket the two combine.
    old = client.get("/dashboard/problems/?overdue=1&min_days=91&max_days=180").context["page"]
    assert old.paginator.count == sum(
        1
        for p in listed.object_list
        if p.created_at <= timezone.now() - datetime.timedelta(days=91)
        and p.created_at > timezone.now() - datetime.timedelta(days=181)
    )


def test_the_problem_export_holds_what_the_list_shows(client, leader, problems):
    client.force_login(leader)
    response = client.get("/dashboard/problems/export.xlsx", {"unit": UNITS[1]})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][3] == "责任单位"
    listed = client.get("/dashboard/problems/", {"unit": UNITS[1]}).context["page"]
    assert [r[2] for r in rows[1:]] == [p.description for p in listed]
    assert {r[3] for r in rows[1:]} == {UNITS[1]}
    late = [r[7] for r in rows[1:] if r[7]]
    assert late and all(isinstance(n, int) and n > 0 for n in late)


def test_a_county_user_sees_and_exports_only_the_county(client, county_user, problems):
    client.force_login(county_user)
    response = client.get("/dashboard/problems/")
    assert {p.project.name for p in response.context["page"]} == {"铁东项目"}
    unit_choices = [value for value, _label in response.context["form"].fields["unit"].choices if value]
    assert set(unit_choices) == {r[0] for r in _sql("AND r.key = 'tiedong'")}
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(b"".join(client.get("/dashboard/problems/export.xlsx").streaming_content))
        ).active.values
    )
    assert {r[0] for r in rows[1:]} == {"铁东项目"}
