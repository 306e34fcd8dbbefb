"""API of the organisation registries: scoped lists, 404 outside scope, 400 naming the field, writes through
services (nothing half-written)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from attraction import services
from attraction.choices import OrgLevel
from attraction.models import FundSpending, OutreachEvent, OutreachParticipant, TaskForce
from projects.choices import Stage
from tests.factories import ProjectFactory

TODAY = datetime.date.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setup(admin_user, tiedong, haicheng):
    t_project = ProjectFactory(region=tiedong, stage=Stage.SIGNED, total_investment=Decimal("9000"))
    h_project = ProjectFactory(region=haicheng, stage=Stage.NEGOTIATING)
    t_zone = services.zone_create(user=admin_user, name="铁东开发区", region=tiedong, projects=[t_project])
    h_zone = services.zone_create(user=admin_user, name="海城开发区", region=haicheng)
    t_budget = services.budget_set(user=admin_user, year=TODAY.year, region=tiedong, amount="500")
    h_budget = services.budget_set(user=admin_user, year=TODAY.year, region=haicheng, amount="500")
    return locals()


def test_task_forces_created_by_admin_and_scoped(admin_user, county_user, other_county_user, setup, tiedong):
    body = {"name": "铁东区专班", "level": "county", "region": tiedong.pk, "leader": "区委书记",
            "projects": [setup["t_project"].pk], "members": [county_user.pk]}  # fmt: skip
    response = api(admin_user).post("/api/v1/attraction/task-forces/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["signed"] == 1
    pk = response.json()["id"]
    assert (
        api(county_user).post("/api/v1/attraction/task-forces/", {**body, "name": "x"}, format="json").status_code
        == 404
    )
    assert [r["id"] for r in api(county_user).get("/api/v1/attraction/task-forces/").json()["results"]] == [pk]
    assert api(other_county_user).get(f"/api/v1/attraction/task-forces/{pk}/").status_code == 404
    # Bad input: 400 naming the field.
    response = api(admin_user).post("/api/v1/attraction/task-forces/", {**body, "name": "y", "region": None},
                                    format="json")  # fmt: skip
    assert response.status_code == 400 and "region" in response.json()
    response = api(admin_user).post("/api/v1/attraction/task-forces/", {**body, "name": "z", "projects": [999999]},
                                    format="json")  # fmt: skip
    assert response.status_code == 400 and "projects[0]" in response.json()
    assert TaskForce.objects.count() == 1
    response = api(county_user).post(f"/api/v1/attraction/task-forces/{pk}/meetings/",
                                     {"held_on": str(TODAY), "title": "推进会"}, format="json")  # fmt: skip
    assert response.status_code == 201
    assert len(api(county_user).get(f"/api/v1/attraction/task-forces/{pk}/meetings/").json()) == 1


def test_zones_scoped_with_figures(county_user, setup):
    rows = api(county_user).get("/api/v1/attraction/zones/").json()["results"]
    assert [(r["name"], r["project_count"], r["investment"]) for r in rows] == [("铁东开发区", 1, "9000.00")]
    assert api(county_user).get(f"/api/v1/attraction/zones/{setup['h_zone'].pk}/").status_code == 404


def test_spending_submit_decide_attach_and_summary(county_user, county_reviewer, other_county_user, leader, setup):
    client = api(county_user)
    trip = client.post("/api/v1/attraction/outreach/", {"kind": "trip_out", "name": "赴深圳", "held_on": str(TODAY),
                                                         "region": setup["t_budget"].region_id,
                                                         "participants": [{"level": "zone", "zone": setup["t_zone"].pk,
                                                                           "name": "铁东开发区"}]},
                       format="json")  # fmt: skip
    assert trip.status_code == 201, trip.content
    body = {"budget": setup["t_budget"].pk, "spent_on": str(TODAY), "amount": "20.00", "purpose": "trip",
            "description": "差旅", "event": trip.json()["id"]}  # fmt: skip
    response = client.post("/api/v1/attraction/fund-spendings/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    again = client.post("/api/v1/attraction/fund-spendings/", body, format="json")
    assert again.status_code == 400 and "event" in again.json()
    other = client.post("/api/v1/attraction/fund-spendings/", {**body, "event": None, "budget": setup["h_budget"].pk},
                        format="json")  # fmt: skip
    assert other.status_code == 400 and "budget" in other.json()
    bad = client.post("/api/v1/attraction/fund-spendings/", {**body, "event": None, "amount": "-1"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()
    upload = SimpleUploadedFile("票据.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/api/v1/attraction/fund-spendings/{pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["attachments"] == ["票据.pdf"]
    assert (
        client.post(f"/api/v1/attraction/fund-spendings/{pk}/decision/", {"approve": True}, format="json").status_code
        == 404
    )
    response = api(county_reviewer).post(f"/api/v1/attraction/fund-spendings/{pk}/decision/", {"approve": True},
                                         format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert api(other_county_user).get(f"/api/v1/attraction/fund-spendings/{pk}/").status_code == 404
    summary = api(leader).get("/api/v1/attraction/fund-budgets/summary/").json()
    assert summary["spent"] == "20.00" and summary["total"] == "1000.00" and summary["floor_met"] is False
    assert FundSpending.objects.count() == 1


def test_outreach_bad_participant_writes_nothing(admin_user, setup):
    response = api(admin_user).post("/api/v1/attraction/outreach/", {
        "kind": "online", "name": "云签约", "held_on": str(TODAY),
        "participants": [{"level": "city", "name": "市商务局"}, {"level": "county", "name": "无县区"}],
    }, format="json")  # fmt: skip
    assert response.status_code == 400 and "participants[1]" in response.json()
    assert OutreachEvent.objects.count() == 0 and OutreachParticipant.objects.count() == 0
    response = api(admin_user).post("/api/v1/attraction/outreach/", {"kind": "teleport", "name": "x",
                                                                      "held_on": str(TODAY)}, format="json")  # fmt: skip
    assert response.status_code == 400 and "kind" in response.json()
    ok = api(admin_user).post("/api/v1/attraction/outreach/", {"kind": "online", "name": "视频洽谈",
                                                                "held_on": str(TODAY)}, format="json")  # fmt: skip
    assert ok.status_code == 201
    monthly = api(admin_user).get("/api/v1/attraction/outreach/monthly/").json()
    online = next(r for r in monthly["rows"] if r["kind"] == "online")
    assert online["counts"][TODAY.month - 1] == 1 and monthly["total"] == 1


def test_investors_visits_and_phase_two(admin_user, county_user, other_county_user, setup, tiedong, leader):
    inv = api(admin_user).post("/api/v1/attraction/investors/", {"name": "某集团", "kind": "group",
                                                                 "projects": [setup["t_project"].pk]}, format="json")  # fmt: skip
    assert inv.status_code == 201, inv.content
    visit = api(county_user).post("/api/v1/attraction/investor-visits/", {
        "investor": inv.json()["id"], "visited_on": str(TODAY), "region": tiedong.pk, "visitors": "区商务局",
        "outcome": "expansion", "summary": "扩产"}, format="json")  # fmt: skip
    assert visit.status_code == 201, visit.content
    future = api(county_user).post("/api/v1/attraction/investor-visits/", {
        "investor": inv.json()["id"], "visited_on": str(TODAY + datetime.timedelta(days=3)), "region": tiedong.pk,
        "visitors": "x", "outcome": "intent", "summary": "x"}, format="json")  # fmt: skip
    assert future.status_code == 400 and "visited_on" in future.json()
    phase_two = ProjectFactory(region=tiedong, stage=Stage.SIGNED, total_investment=Decimal("4321.00"))
    response = api(county_user).post("/api/v1/attraction/phases/", {
        "project": phase_two.pk, "phase_one": setup["t_project"].pk, "investor": inv.json()["id"],
        "visit": visit.json()["id"]}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    bad = api(county_user).post("/api/v1/attraction/phases/", {"project": phase_two.pk,
                                                               "phase_one": setup["h_project"].pk}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "phase_one" in bad.json()
    assert api(leader).get("/api/v1/attraction/phases/reinvestment/").json() == {"count": 1, "investment": "4321.00"}
    assert api(other_county_user).get("/api/v1/attraction/phases/reinvestment/").json()["count"] == 0
    assert api(other_county_user).get("/api/v1/attraction/investor-visits/").json()["results"] == []


def test_org_level_choices_are_the_three_levels():
    assert [c for c, _ in OrgLevel.choices] == ["city", "county", "zone"]
