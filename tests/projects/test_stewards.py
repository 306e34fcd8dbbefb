"""分级分类包保 and 谋划入库 (issue 19): the people roles and their scope, who may name whom (one rule in
projects/access.py, on the page, the API and the service), the administrator's assignment rules and
their breaks, bulk assignment, and registering a project on the web with its checks."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from projects import selectors, services
from projects.access import Action, can, may_assign
from projects.choices import Role, Stage
from projects.models import AssignmentRule, Category, Project, StageChange
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory, region, user_with_role


@pytest.fixture
def steward(tiedong):
    return user_with_role("steward_wang", Role.STEWARD)


@pytest.fixture
def county_leader(tiedong):
    return user_with_role("county_leader_td", Role.COUNTY_LEADER, region=tiedong)


# --- a steward's scope -------------------------------------------------------------------------------
def test_a_steward_sees_their_projects_in_every_county_they_serve_and_nothing_else(client, steward, tiedong, haicheng):
    mine_td = ProjectFactory(region=tiedong, steward=steward, name="铁东管家项目")
    mine_hc = ProjectFactory(region=haicheng, steward=steward, name="海城管家项目")
    other_td = ProjectFactory(region=tiedong, name="铁东别人的项目")
    other_hc = ProjectFactory(region=haicheng, name="海城别人的项目")
    seen = set(selectors.project_list(user=steward).values_list("name", flat=True))
    assert seen == {"铁东管家项目", "海城管家项目"}
    assert can(steward, Action.VIEW, mine_hc) and not can(steward, Action.CHANGE, mine_hc)
    client.force_login(steward)
    assert client.get(f"/projects/{mine_td.pk}/").status_code == 200
    assert client.get(f"/projects/{mine_hc.pk}/").status_code == 200
    for other in (other_td, other_hc):
        assert client.get(f"/projects/{other.pk}/").status_code == 404
    api = client_for(steward).get("/api/v1/projects/").json()
    assert {row["name"] for row in api["results"]} == {"铁东管家项目", "海城管家项目"}


def test_a_leader_in_charge_sees_the_projects_naming_them(county_leader, tiedong):
    ProjectFactory(region=tiedong, county_leader=county_leader, name="包保")
    ProjectFactory(region=tiedong, name="未包保")
    assert list(selectors.project_list(user=county_leader).values_list("name", flat=True)) == ["包保"]


# --- who may name whom ----------------------------------------------------------------------------------
def test_the_rule_city_leaders_by_administrators_county_people_by_the_county(
    county_user, other_county_user, admin_user, steward, tiedong
):
    project = ProjectFactory(region=tiedong)
    assert not may_assign(county_user, "city_leader", project)
    assert may_assign(county_user, "steward", project, person=steward)
    assert not may_assign(county_user, "steward", project, person=other_county_user)  # not a steward
    assert not may_assign(other_county_user, "steward", project, person=steward)  # another county's project
    assert all(may_assign(admin_user, f, project) for f in ("city_leader", "county_leader", "steward"))


def test_county_staff_cannot_assign_a_city_leader_through_the_api(county_user, tiedong):
    project = ProjectFactory(region=tiedong)
    city = user_with_role("city_leader_li", Role.CITY_LEADER)
    response = client_for(county_user).patch(f"/api/v1/projects/{project.pk}/", {"city_leader": city.pk}, format="json")
    assert response.status_code == 400 and "city_leader" in response.json()
    project.refresh_from_db()
    assert project.city_leader_id is None


def test_county_staff_name_their_projects_steward_through_the_api(county_user, steward, tiedong):
    project = ProjectFactory(region=tiedong)
    response = client_for(county_user).patch(f"/api/v1/projects/{project.pk}/", {"steward": steward.pk}, format="json")
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.steward_id == steward.pk


def test_county_staff_cannot_assign_a_city_leader_on_the_page(client, county_user, steward, tiedong):
    project = ProjectFactory(region=tiedong)
    city = user_with_role("city_leader_li", Role.CITY_LEADER)
    client.force_login(county_user)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert 'name="steward"' in page and 'name="city_leader"' not in page
    client.post(f"/projects/{project.pk}/people/", {"city_leader": city.pk, "steward": steward.pk})
    project.refresh_from_db()
    assert project.city_leader_id is None and project.steward_id == steward.pk
    # Nor in bulk: the city leader is not among the roles offered.
    response = client.post("/projects/assignments/", {"projects": [project.pk], "field": "city_leader",
                                                      "person": city.pk})  # fmt: skip
    assert response.status_code == 400
    assert "city_leader" not in [c for c, _label in response.context["form"].fields["field"].choices]
    project.refresh_from_db()
    assert project.city_leader_id is None


def test_the_project_page_shows_the_people_in_charge(client, leader, steward, tiedong):
    ProjectFactory(region=tiedong, steward=steward)
    steward.display_name = "王敏"
    steward.save()
    project = Project.objects.get(steward=steward)
    client.force_login(leader)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "项目管家" in page and "王敏" in page and "市级包保领导" in page
    assert f'action="/projects/{project.pk}/people/"' not in page  # a leader reads


# --- rules and their breaks -----------------------------------------------------------------------------------
def _breaks_sql(field, minimum):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM projects_project WHERE stage <> 'operating' AND total_investment >= %s "
            f"AND {field}_id IS NULL",
            [minimum],
        )
        return cursor.fetchone()[0]


def test_default_rules_are_rows_an_administrator_edits():
    rules = {r.name: r for r in AssignmentRule.objects.all()}
    assert rules["市级领导包保10亿元以上项目"].min_total_investment == Decimal("100000.00")
    assert rules["市级领导包保10亿元以上项目"].field == "city_leader" and rules["市级领导包保10亿元以上项目"].active
    assert rules["市级领导包保市项目工作领导小组调度的项目"].key_level == "city"
    assert rules["项目管家服务每个重点项目"].field == "steward"
    assert rules["县区领导包保本县区重点项目"].max_projects == 80


def test_projects_breaking_a_rule_are_listed_and_counted_as_in_sql(admin_user, steward, tiedong):
    city = user_with_role("city_leader_li", Role.CITY_LEADER)
    big_alone = ProjectFactory(
        region=tiedong, total_investment=Decimal("150000"), steward=steward, name="大项目无市领导"
    )
    ProjectFactory(region=tiedong, total_investment=Decimal("150000"), steward=steward, city_leader=city,
                   county_leader=user_with_role("cl", Role.COUNTY_LEADER, region=tiedong), name="大项目齐全")  # fmt: skip
    small = ProjectFactory(region=tiedong, total_investment=Decimal("100"), annual_plan=0, name="小项目")
    operating = ProjectFactory(region=tiedong, total_investment=Decimal("150000"), stage=Stage.OPERATING, name="投产")
    breaks = {p.name: p for p in selectors.assignment_breaks(user=admin_user)}
    assert "大项目无市领导" in breaks and breaks["大项目无市领导"].missing_city_leader
    assert not breaks["大项目无市领导"].missing_steward
    assert "大项目齐全" not in breaks and small.name not in breaks and operating.name not in breaks
    city_missing = selectors.assignment_breaks(user=admin_user, field="city_leader").count()
    assert city_missing == _breaks_sql("city_leader", 100000) == 1
    assert selectors.assignment_breaks(user=admin_user, field="steward").count() == _breaks_sql("steward", 5000)
    # The administrator switches on the "city group" rule: every city key project needs a city leader.
    AssignmentRule.objects.filter(key_level="city", field="city_leader").update(active=True)
    assert selectors.assignment_breaks(user=admin_user, field="city_leader").count() == _breaks_sql("city_leader", 5000)
    assert big_alone.pk in {p.pk for p in selectors.assignment_breaks(user=admin_user, field="city_leader")}


def test_a_leader_over_the_maximum_is_listed(admin_user, tiedong):
    AssignmentRule.objects.filter(field="city_leader", min_total_investment=100000).update(max_projects=2)
    city = user_with_role("city_leader_li", Role.CITY_LEADER)
    for _ in range(3):
        ProjectFactory(region=tiedong, total_investment=Decimal("200000"), city_leader=city)
    ProjectFactory(region=tiedong, total_investment=Decimal("9000"), city_leader=city)  # not under this rule
    over = selectors.people_over_limit()
    assert [(row["person"], row["count"], row["max"]) for row in over] == [(city, 3, 2)]


def test_the_rule_break_page_lists_and_assigns_in_bulk_with_an_audit(client, admin_user, steward, tiedong, haicheng,
                                                                     django_assert_max_num_queries):  # fmt: skip
    projects = [ProjectFactory(region=r, total_investment=Decimal("20000")) for r in (tiedong, haicheng, tiedong)]
    client.force_login(admin_user)
    with django_assert_max_num_queries(16):
        page = client.get("/projects/assignments/?missing=steward")
    assert page.status_code == 200
    for _ in range(12):  # the page's queries do not grow with the projects listed
        ProjectFactory(region=haicheng, total_investment=Decimal("20000"))
    with django_assert_max_num_queries(16):
        assert client.get("/projects/assignments/?missing=steward").status_code == 200
    assert all(p.name in page.content.decode() for p in projects)
    response = client.post(
        "/projects/assignments/?missing=steward",
        {"projects": [p.pk for p in projects[:2]], "field": "steward", "person": steward.pk},
    )
    assert response.status_code == 302
    assert set(Project.objects.filter(steward=steward).values_list("pk", flat=True)) == {p.pk for p in projects[:2]}
    events = Project.pgh_event_model.objects.filter(pgh_obj_id__in=[p.pk for p in projects[:2]], steward=steward)
    assert events.count() == 2 and all(e.pgh_context.metadata["user"] == admin_user.pk for e in events)


def test_bulk_assignment_is_all_or_nothing(county_user, steward, tiedong, haicheng):
    mine, theirs = ProjectFactory(region=tiedong), ProjectFactory(region=haicheng)
    with pytest.raises(ValidationError) as refused:
        services.project_people_assign(user=county_user, projects=[mine, theirs], field="steward", person=steward)
    assert "field" in refused.value.message_dict
    assert not Project.objects.filter(steward=steward).exists()
    assert services.project_people_assign(user=county_user, projects=[mine], field="steward", person=steward) == 1
    # The same again changes nothing.
    assert services.project_people_assign(user=county_user, projects=[mine], field="steward", person=steward) == 0


# --- 谋划入库 on the web -----------------------------------------------------------------------------------------
def intake(region, **extra):
    return {"name": "鞍山新材料产业园", "investor": "鞍山恒通实业有限公司", "region": region.pk,
            "category": Category.objects.get(key="industrial").pk, "total_investment": "12000.50",
            "stage": "planning", **extra}  # fmt: skip


def test_county_staff_register_a_project_on_the_web(client, county_user, tiedong):
    client.force_login(county_user)
    assert client.get("/projects/new/").status_code == 200
    response = client.post("/projects/new/", intake(tiedong, code="2025-210302-04-01-A1B2C3"))
    project = Project.objects.get(name="鞍山新材料产业园")
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert project.total_investment == Decimal("12000.50") and project.stage == Stage.PLANNING
    assert list(StageChange.objects.filter(project=project).values_list("to_stage", "reason")) == [
        ("planning", "登记入库")
    ]


def test_department_staff_register_a_project_their_department_leads(client, department_user, haicheng):
    client.force_login(department_user)
    department = department_user.roles.get().department
    response = client.post("/projects/new/", intake(haicheng, department=department.pk))
    assert response.status_code == 302, response.context["form"].errors
    assert Project.objects.get(name="鞍山新材料产业园").department == department


def test_a_leader_cannot_register(client, leader):
    client.force_login(leader)
    assert client.get("/projects/new/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "该字段是必填项。"),
        ({"investor": ""}, "investor", "该字段是必填项。"),
        ({"total_investment": "一千"}, "total_investment", "输入一个数字。"),
        ({"total_investment": "12.345"}, "total_investment", "确认小数不超过 2 位"),
        ({"total_investment": "-5"}, "total_investment", "金额不能为负数。"),
        ({"annual_plan": "20000"}, "annual_plan", "本年计划投资不能大于计划总投资。"),
        ({"code": "2025-21030-04-01-A1B2C3"}, "code", "项目代码格式应为 YYYY-RRRRRR-DD-TT-NNNNNC"),
        ({"code": "2025-210381-04-01-A1B2C3"}, "code", "与所选县区“铁东区”的代码 210302 不一致"),
        ({"stage": "operating"}, "stage", "选择一个有效的选项"),
    ],
)
def test_intake_refuses_bad_input_naming_the_field(client, county_user, tiedong, change, field, message):
    client.force_login(county_user)
    response = client.post("/projects/new/", intake(tiedong, **change))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert message in response.content.decode()
    assert not Project.objects.filter(name="鞍山新材料产业园").exists()


@pytest.mark.parametrize(
    ("existing", "reason"),
    [
        ({"name": "鞍山新材料产业园"}, "同一县区同名项目"),
        ({"name": "鞍山新材料产业园二期", "investor": "鞍山恒通实业有限公司"}, "同一投资主体、项目名称相近"),
        ({"name": "另一个项目", "code": "2025-210302-04-01-A1B2C3"}, "项目代码相同"),
    ],
)
def test_likely_duplicates_are_shown_and_need_a_confirmation(client, county_user, tiedong, existing, reason):
    ProjectFactory(region=tiedong, **existing)
    client.force_login(county_user)
    body = intake(tiedong, code="2025-210302-04-01-A1B2C3")
    response = client.post("/projects/new/", body)
    page = response.content.decode()
    assert response.status_code == 400 and "可能重复的项目" in page and reason in page and existing["name"] in page
    assert 'name="confirm_duplicates"' in page and 'type="checkbox"' in page
    assert Project.objects.filter(name="鞍山新材料产业园").count() == (1 if existing["name"] == body["name"] else 0)
    confirmed = client.post("/projects/new/", {**body, "confirm_duplicates": "on"})
    if reason == "项目代码相同":  # a code is unique: a confirmation cannot make it usable
        assert confirmed.status_code == 400 and "项目代码无效或不可用" in confirmed.content.decode()
    else:
        assert confirmed.status_code == 302
        assert Project.objects.filter(name="鞍山新材料产业园", region=tiedong).count() == (
            2 if existing["name"] == body["name"] else 1
        )


def test_another_countys_project_is_no_duplicate_to_show(client, county_user, tiedong, haicheng):
    ProjectFactory(region=haicheng, name="海城的项目", investor="鞍山恒通实业有限公司")
    client.force_login(county_user)
    response = client.post("/projects/new/", intake(tiedong, name="海城的项目"))
    assert response.status_code == 302  # outside scope a project does not exist, not even as a duplicate


def test_the_api_asks_too_then_takes_the_explicit_confirmation(county_user, tiedong):
    ProjectFactory(region=tiedong, name="鞍山新材料产业园")
    body = {**intake(tiedong), "total_investment": "12000.50"}
    refused = client_for(county_user).post("/api/v1/projects/", body, format="json")
    assert refused.status_code == 400 and "同一县区同名项目" in refused.json()["confirm_duplicates"][0]
    created = client_for(county_user).post("/api/v1/projects/", {**body, "confirm_duplicates": True}, format="json")
    assert created.status_code == 201, created.json()


def test_the_api_refuses_a_code_of_another_county(county_user, tiedong):
    body = {**intake(tiedong), "code": "2025-210381-04-01-A1B2C3"}
    response = client_for(county_user).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400 and "210302" in response.json()["code"][0]


def test_a_history_import_may_load_any_stage_and_code(admin_user, tiedong):
    project = services.project_create(
        user=admin_user, stage=Stage.CONSTRUCTION, start_type="new", history=True, name="历史项目", region=tiedong,
        category=Category.objects.first(), total_investment=Decimal(1), code="2019-210381-04-01-A1B2C3",
    )  # fmt: skip
    assert project.stage == Stage.CONSTRUCTION


def test_the_intake_page_is_linked_from_the_project_list(client, county_user, leader):
    client.force_login(county_user)
    assert 'href="/projects/new/"' in client.get("/projects/").content.decode()
    client.force_login(leader)
    assert 'href="/projects/new/"' not in client.get("/projects/").content.decode()
    assert region("tiedong")  # reference data loaded
