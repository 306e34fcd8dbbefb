"""我的包保项目 (issue 19): the start page of stewards and leaders in charge: their projects in every
county with light, stage, open problems, procedures due, the month's entry and what changed since the
last visit (remembered per user); a fixed number of queries however many projects."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from investment.models import Problem, ProcedureItem, ProgressEntry
from investment.selectors import filing_month
from portal import selectors
from projects.choices import Role, Stage
from projects.models import PortfolioVisit, StageChange
from projects.services import project_stage_change
from tests.factories import ProjectFactory, user_with_role

TODAY = timezone.localdate()


@pytest.fixture
def steward():
    return user_with_role("steward_page", Role.STEWARD)


def _projects(steward, n, tiedong, haicheng):
    made = []
    for i in range(n):
        project = ProjectFactory(region=tiedong if i % 2 else haicheng, steward=steward, stage=Stage.CONSTRUCTION,
                                 start_type="new", name=f"管家项目{i}")  # fmt: skip
        Problem.objects.create(project=project, description="用地", kind="land", responsible_unit="市自然资源局",
                               deadline=TODAY)  # fmt: skip
        ProcedureItem.objects.create(project=project, name="施工许可", planned_date=TODAY)
        ProgressEntry.objects.create(project=project, period=filing_month(), amount_completed=Decimal("10"))
        made.append(project)
    return made


@pytest.mark.parametrize("n", [2, 12])
def test_the_page_lists_the_stewards_projects_in_fixed_queries(client, steward, tiedong, haicheng, n,
                                                              django_assert_max_num_queries):  # fmt: skip
    _projects(steward, n, tiedong, haicheng)
    ProjectFactory(region=tiedong, name="别人的项目")
    client.force_login(steward)
    with django_assert_max_num_queries(17):  # + the open service tasks
        response = client.get("/dashboard/my-projects/")
    assert response.status_code == 200
    body = response.content.decode()
    assert all(f"管家项目{i}" in body for i in range(n)) and "别人的项目" not in body
    assert "铁东区" in body and "海城市" in body  # every county they serve
    rows = response.context["rows"]
    assert {r["open_problems"] for r in rows} == {1} and {r["procedures_due"] for r in rows} == {1}
    assert {r["entry_status_label"] for r in rows} == {"草稿"}
    assert all(r["roles"] == ["项目管家"] for r in rows)


def test_the_counts_match_sql(steward, tiedong, haicheng):
    projects = _projects(steward, 3, tiedong, haicheng)
    Problem.objects.create(project=projects[0], description="已解决", kind="land", responsible_unit="x",
                           deadline=TODAY, status="solved")  # fmt: skip
    ProcedureItem.objects.create(project=projects[0], name="下月的", planned_date=TODAY + datetime.timedelta(days=40))
    ProcedureItem.objects.create(project=projects[0], name="办结", status="done", actual_date=TODAY,
                                 planned_date=TODAY)  # fmt: skip
    ids = [p.pk for p in projects]
    counts = selectors.portfolio_counts(user=steward, project_ids=ids, since=timezone.now())
    month_end = (TODAY.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT project_id, count(*) FROM investment_problem WHERE status IN ('open', 'in_progress') "
                       "AND project_id = ANY(%s) GROUP BY project_id", [ids])  # fmt: skip
        problems = dict(cursor.fetchall())
        cursor.execute("SELECT project_id, count(*) FROM investment_procedureitem WHERE status IN "
                       "('pending', 'in_progress') AND planned_date <= %s AND project_id = ANY(%s) "
                       "GROUP BY project_id", [month_end, ids])  # fmt: skip
        due = dict(cursor.fetchall())
    assert {pk: c["open_problems"] for pk, c in counts.items()} == problems
    assert {pk: c["procedures_due"] for pk, c in counts.items()} == due


def test_what_changed_since_the_last_visit(client, steward, tiedong, haicheng, county_user):
    (project,) = _projects(steward, 1, tiedong, haicheng)
    project.region, project.actual_start = tiedong, TODAY - datetime.timedelta(days=100)
    project.save()
    client.force_login(steward)
    first = client.get("/dashboard/my-projects/")
    assert first.context["first_visit"] is True
    seen = PortfolioVisit.objects.get(user=steward).seen_at
    # Nothing new: the second visit reports no change.
    second = client.get("/dashboard/my-projects/")
    assert second.context["rows"][0]["changes"] == []
    assert second.context["since"] == seen
    project_stage_change(project=project, to_stage=Stage.COMPLETED, user=county_user)
    Problem.objects.create(project=project, description="新问题", kind="land", responsible_unit="x", deadline=TODAY)
    third = client.get("/dashboard/my-projects/")
    changes = third.context["rows"][0]["changes"]
    assert any("阶段变更为竣工" in c for c in changes) and any("新提出问题 1 个" in c for c in changes)
    assert StageChange.objects.filter(project=project, created_at__gt=seen).count() == 1


def test_stewards_land_on_their_page_and_find_it_in_the_navigation(client, steward, leader):
    client.force_login(steward)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/my-projects/"
    assert 'href="/dashboard/my-projects/"' in client.get("/dashboard/my-projects/").content.decode()
    client.force_login(leader)
    assert client.get("/").status_code == 302  # the dashboard, as before
    assert 'href="/dashboard/my-projects/"' not in client.get("/dashboard/").content.decode()


def test_a_city_leader_in_charge_sees_the_projects_naming_them(client, tiedong):
    city = user_with_role("city_leader_page", Role.CITY_LEADER)
    ProjectFactory(region=tiedong, city_leader=city, total_investment=Decimal("200000"), name="十亿项目")
    client.force_login(city)
    response = client.get("/dashboard/my-projects/")
    assert [r["project"].name for r in response.context["rows"]] == ["十亿项目"]
    assert response.context["rows"][0]["roles"] == ["市级包保领导"]
