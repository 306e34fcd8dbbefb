"""The procedure engine's API: plan, queue, freeze, 容缺受理 and 补正, each in the caller's scope."""

import datetime

import pytest
from rest_framework.test import APIClient

from investment.models import ProcedureItem, ProcedurePlan
from projects.choices import Role
from projects.models import Department
from tests.factories import user_with_role

from .helpers import project_with

D = datetime.date
SPEC = [("项目核准", 20, [], "fgw", 10), ("施工许可", 10, ["项目核准"], "zjj", 5)]


@pytest.fixture
def fgw_user():
    return user_with_role("fgw-api", Role.DEPARTMENT, department=Department.objects.get(key="fgw"))


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_plan_lists_items_with_dates_critical_flag_and_dependencies(county_user, other_county_user):
    p = project_with(SPEC, user=county_user)
    response = client_for(county_user).get(f"/api/v1/projects/{p.pk}/procedure-plan/")
    assert response.status_code == 200
    rows = {r["name"]: r for r in response.json()}
    approval, permit = p.procedures.get(name="项目核准"), p.procedures.get(name="施工许可")
    assert rows["施工许可"]["depends_on"] == [approval.pk] and rows["项目核准"]["depends_on"] == []
    assert rows["施工许可"]["planned_start"] == permit.planned_start.isoformat()
    assert rows["项目核准"]["critical"] is True
    # Another county: the project does not exist, in the same words as a missing one.
    other = client_for(other_county_user).get(f"/api/v1/projects/{p.pk}/procedure-plan/")
    missing = client_for(other_county_user).get("/api/v1/projects/999999/procedure-plan/")
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()


def test_freeze_makes_the_baseline_and_a_later_freeze_needs_a_reason(county_user, leader):
    p = project_with(SPEC, user=county_user)
    assert client_for(leader).post(f"/api/v1/projects/{p.pk}/procedure-plan/freeze/", {}).status_code == 403
    first = client_for(county_user).post(f"/api/v1/projects/{p.pk}/procedure-plan/freeze/", {}, format="json")
    assert first.status_code == 201 and first.json()["is_baseline"] is True
    second = client_for(county_user).post(f"/api/v1/projects/{p.pk}/procedure-plan/freeze/", {}, format="json")
    assert second.status_code == 400 and "reason" in second.json()
    assert ProcedurePlan.objects.filter(project=p).count() == 1


def test_the_queue_and_deficiency_actions_of_the_owing_department(county_user, fgw_user, other_county_user):
    p = project_with(SPEC, user=county_user)
    fgw = Department.objects.get(key="fgw")
    queue = client_for(fgw_user).get(f"/api/v1/procedure-queues/{fgw.pk}/")
    assert queue.status_code == 200 and [r["name"] for r in queue.json()] == ["项目核准"]
    assert queue.json()[0]["blocks"] == ["施工许可"]
    zjj = Department.objects.get(key="zjj")
    assert client_for(fgw_user).get(f"/api/v1/procedure-queues/{zjj.pk}/").status_code == 404

    item = p.procedures.get(name="项目核准")
    url = f"/api/v1/procedures/{item.pk}/accept-with-deficiency/"
    bad = client_for(fgw_user).post(url, {"missing": "", "deadline": "2026-12-20"}, format="json")
    assert bad.status_code == 400 and "missing" in bad.json()
    ok = client_for(fgw_user).post(url, {"missing": "节能报告", "deadline": "2026-12-20"}, format="json")
    assert ok.status_code == 200 and ok.json()["deficiency_deadline"] == "2026-12-20"
    assert client_for(other_county_user).post(url, {"missing": "x", "deadline": "2026-12-20"}).status_code == 404

    good = client_for(fgw_user).post(f"/api/v1/procedures/{item.pk}/made-good/", {"on": "2026-12-05"}, format="json")
    assert good.status_code == 200
    item = ProcedureItem.objects.get(pk=item.pk)
    assert item.deficiency_made_good_on == D(2026, 12, 5) and item.deficiency_note == "节能报告"
