"""Rules the API used to skip, each decided in projects/access.py and enforced by the service, so
that every path (page, API, service call from an import or a task) meets it:

- a new project starts in planning or negotiation (access.first_stages), except an administrator's
  history import;
- the city leader is set by administrators only, the county leader and the steward also by the county
  staff of the project's county, and only to a holder of that role (access.may_assign);
- a problem's responsible county, and a supervision order's, is the project's own county (city
  departments are city-wide) (access.responsible_region_allowed);
- an order's named addressee is someone the project already names or who may see it
  (access.addressable_q), and only those are told about it.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from investment import services as investment_services
from investment.models import Problem
from notifications.models import Notification
from projects import services as project_services
from projects.choices import Role
from projects.models import Category, Department, Project
from supervision import services as supervision_services
from supervision.models import SupervisionOrder
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory, user_with_role


def project_body(region, **extra):
    return {"name": "新项目", "region": region.pk, "category": Category.objects.first().pk,
            "total_investment": "100", **extra}  # fmt: skip


# --- the first stage ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["signed", "landed", "construction", "completed", "operating"])
def test_the_api_refuses_a_new_project_past_negotiation(county_user, tiedong, stage):
    response = client_for(county_user).post("/api/v1/projects/", project_body(tiedong, stage=stage), format="json")
    assert response.status_code == 400 and "stage" in response.json()
    assert not Project.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("stage", ["planning", "negotiating"])
def test_the_api_registers_a_new_project_in_the_first_two_pools(county_user, tiedong, stage):
    response = client_for(county_user).post("/api/v1/projects/", project_body(tiedong, stage=stage), format="json")
    assert response.status_code == 201, response.json()
    assert Project.objects.get(name="新项目").stage == stage


def test_the_service_refuses_it_for_anyone_even_an_administrator_outside_a_history_import(admin_user, tiedong):
    data = {"name": "新项目", "region": tiedong, "category": Category.objects.first(), "total_investment": Decimal(1)}
    with pytest.raises(ValidationError) as refused:
        project_services.project_create(user=admin_user, stage="operating", **data)
    assert "stage" in refused.value.message_dict
    with pytest.raises(ValidationError):
        project_services.project_create(user=admin_user, stage="planning", start_type="new", **data)


def test_only_an_administrators_history_import_registers_a_project_further_along(admin_user, county_user, tiedong):
    data = {"name": "历史项目", "region": tiedong, "category": Category.objects.first(), "total_investment": Decimal(1)}
    with pytest.raises(ValidationError):
        project_services.project_create(user=county_user, stage="construction", history=True, start_type="new", **data)
    project = project_services.project_create(
        user=admin_user, stage="construction", history=True, start_type="new", **data
    )
    assert project.stage == "construction"


# --- people named on a project ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["city_leader", "county_leader", "steward"])
def test_county_staff_cannot_name_people_through_the_api(county_user, leader, tiedong, field):
    project = ProjectFactory(region=tiedong)
    response = client_for(county_user).patch(f"/api/v1/projects/{project.pk}/", {field: leader.pk}, format="json")
    assert response.status_code == 400 and field in response.json()
    project.refresh_from_db()
    assert getattr(project, f"{field}_id") is None


def test_county_staff_cannot_name_them_through_the_page_either(client, county_user, leader, tiedong):
    project = ProjectFactory(region=tiedong)
    client.force_login(county_user)
    body = {"name": project.name, "region": tiedong.pk, "category": project.category_id, "total_investment": "10000",
            "annual_plan": "3000", "city_leader": leader.pk, "steward": leader.pk}  # fmt: skip
    client.post(f"/projects/{project.pk}/edit/", body)
    project.refresh_from_db()
    assert project.city_leader_id is None and project.steward_id is None


def test_nor_through_the_service_and_an_unchanged_value_is_no_change(county_user, admin_user, leader, tiedong):
    project = ProjectFactory(region=tiedong)
    with pytest.raises(ValidationError) as refused:
        project_services.project_update(project=project, user=county_user, steward=leader)
    assert "steward" in refused.value.message_dict
    project_services.project_update(project=project, user=admin_user, steward=leader)
    # Re-sending the value already set (a full PUT) is not a change: accepted.
    project_services.project_update(project=project, user=county_user, steward=leader, name="改名")
    project.refresh_from_db()
    assert project.steward_id == leader.pk and project.name == "改名"


def test_an_administrator_names_people_through_the_api(admin_user, leader, tiedong):
    project = ProjectFactory(region=tiedong)
    response = client_for(admin_user).patch(
        f"/api/v1/projects/{project.pk}/", {"city_leader": leader.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.city_leader_id == leader.pk


# --- a problem's responsible county ------------------------------------------------------------------


def problem_body(project, **extra):
    return {"project": project.pk, "description": "用地未落实", "kind": "land", "responsible_unit": "某单位",
            "deadline": "2026-12-31", **extra}  # fmt: skip


def test_the_api_refuses_another_county_as_a_problems_responsible_unit(county_user, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    user_with_role("hc", Role.COUNTY_STAFF, region=haicheng)
    api = client_for(county_user)
    response = api.post("/api/v1/problems/", problem_body(project, responsible_region=haicheng.pk), format="json")
    assert response.status_code == 400 and "responsible_region" in response.json()
    assert not Problem.objects.exists()
    ok = api.post("/api/v1/problems/", problem_body(project, responsible_region=tiedong.pk), format="json")
    assert ok.status_code == 201, ok.json()
    dept = Department.objects.first()
    ok = api.post("/api/v1/problems/", problem_body(project, responsible_department=dept.pk), format="json")
    assert ok.status_code == 201, ok.json()
    problem = Problem.objects.filter(responsible_region=tiedong).get()
    moved = api.patch(
        f"/api/v1/problems/{problem.pk}/", {"responsible_region": haicheng.pk, "version": 1}, format="json"
    )
    assert moved.status_code == 400 and "responsible_region" in moved.json()
    assert not Notification.objects.filter(recipient__username="hc").exists()


def test_the_page_cannot_name_another_county(client, county_user, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    client.force_login(county_user)
    body = {**problem_body(project, responsible_region=haicheng.pk), "status": "open"}
    client.post(f"/progress/project/{project.pk}/problems/", body)
    assert Problem.objects.filter(project=project).count() == 1  # the page path works ...
    assert not Problem.objects.filter(responsible_region=haicheng).exists()  # ... and cannot name another county


def test_nor_the_service(county_user, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    with pytest.raises(ValidationError) as refused:
        investment_services.problem_create(user=county_user, project=project, description="x", kind="land",
                                           responsible_unit="u", responsible_region=haicheng, deadline="2026-12-31")  # fmt: skip
    assert "responsible_region" in refused.value.message_dict


# --- supervision order addressees -----------------------------------------------------------------


def test_the_api_refuses_an_order_to_another_county_or_to_an_unrelated_user(leader, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    user_with_role("hc", Role.COUNTY_STAFF, region=haicheng)
    outsider = user_with_role("outsider", Role.REPORT_MANAGER)
    api = client_for(leader)
    body = {"project": project.pk, "requirement": "限期办结"}
    to_county = api.post("/api/v1/supervision-orders/", {**body, "unit_kind": "region", "unit_region": haicheng.pk},
                         format="json")  # fmt: skip
    assert to_county.status_code == 400 and "unit_region" in to_county.json()
    to_user = api.post("/api/v1/supervision-orders/", {**body, "unit_kind": "enterprise", "unit_contact": "outsider"},
                       format="json")  # fmt: skip
    assert to_user.status_code == 400 and "unit_contact" in to_user.json()
    assert not SupervisionOrder.objects.exists()
    assert not Notification.objects.filter(recipient__username__in=["hc", outsider.username]).exists()
    project.steward = outsider  # named on the project by an administrator: now addressable
    project.save(update_fields=["steward"])
    ok = api.post("/api/v1/supervision-orders/", {**body, "unit_kind": "enterprise", "unit_contact": "outsider"},
                  format="json")  # fmt: skip
    assert ok.status_code == 201, ok.json()
    own = api.post("/api/v1/supervision-orders/", {**body, "unit_kind": "region", "unit_region": tiedong.pk},
                   format="json")  # fmt: skip
    assert own.status_code == 201, own.json()


def test_the_page_refuses_them_too(client, leader, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    user_with_role("outsider", Role.REPORT_MANAGER)
    client.force_login(leader)
    url = f"/supervision/orders/new/{project.pk}/"
    client.post(url, {"requirement": "限期办结", "unit_kind": "region", "unit_region": haicheng.pk})
    client.post(url, {"requirement": "限期办结", "unit_kind": "enterprise", "unit_contact": "outsider"})
    assert not SupervisionOrder.objects.exists()


def test_and_the_service(leader, tiedong, haicheng):
    project = ProjectFactory(region=tiedong)
    outsider = user_with_role("outsider", Role.REPORT_MANAGER)
    with pytest.raises(ValidationError) as refused:
        supervision_services.order_issue(user=leader, project=project, requirement="x", unit_kind="region",
                                         unit_region=haicheng)  # fmt: skip
    assert "unit_region" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        supervision_services.order_issue(user=leader, project=project, requirement="x", unit_kind="enterprise",
                                         unit_contact=outsider)  # fmt: skip
    assert "unit_contact" in refused.value.message_dict
