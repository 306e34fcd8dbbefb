from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attraction import services
from attraction.choices import SigningEventKind
from attraction.models import AttractionRecord, CapitalInPlace, FollowUp
from projects.choices import Stage
from tests.factories import ProjectFactory

from .conftest import d, project_with_history


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mine_and_theirs(tiedong, haicheng):
    return ProjectFactory(region=tiedong, stage=Stage.NEGOTIATING), ProjectFactory(region=haicheng, stage=Stage.SIGNED)


def test_pools_are_scoped(county_user, leader, mine_and_theirs):
    body = api(county_user).get("/api/v1/attraction/pools/").json()
    assert [r["region"]["key"] for r in body["regions"]] == ["tiedong"]
    assert body["city"]["negotiating"] == {"count": 1, "total": "10000.00"}
    assert body["city"]["signed"]["count"] == 0
    assert api(county_user).get("/api/v1/attraction/pools/?region=haicheng").status_code == 404
    body = api(leader).get("/api/v1/attraction/pools/?region=haicheng").json()
    assert body["city"]["signed"] == {"count": 1, "total": "10000.00"}


def test_flows_endpoint(leader, tiedong):
    project_with_history(region=tiedong, total="100", steps=[(Stage.NEGOTIATING, d("2026-09-01")),
                                                            (Stage.SIGNED, d("2026-10-03"))])  # fmt: skip
    body = api(leader).get("/api/v1/attraction/flows/?month=2026-10").json()
    assert body["month"] == "2026-10-01"
    assert {"from_stage": "negotiating", "to_stage": "signed", "count": 1, "total": "100.00"} in body["transitions"]
    signed = next(p for p in body["pools"] if p["stage"] == "signed")
    assert signed["inflow"] == 1
    bad = api(leader).get("/api/v1/attraction/flows/?month=2026-13")
    assert bad.status_code == 400 and "month" in bad.json()


def test_records_create_update_and_scope(county_user, other_county_user, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client = api(county_user)
    response = client.post("/api/v1/attraction/records/", {"project": mine.pk, "lead_source": "visit",
                                                            "investor_region": "江苏省"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    response = client.patch(f"/api/v1/attraction/records/{mine.pk}/", {"notes": "二次拜访"}, format="json")
    assert response.status_code == 200
    record = AttractionRecord.objects.get(project=mine)
    assert (record.lead_source, record.investor_region, record.notes) == ("visit", "江苏省", "二次拜访")
    assert client.post("/api/v1/attraction/records/", {"project": theirs.pk, "lead_source": "visit"},
                       format="json").status_code == 404  # fmt: skip
    assert api(other_county_user).get(f"/api/v1/attraction/records/{mine.pk}/").status_code == 404
    bad = client.post("/api/v1/attraction/records/", {"project": mine.pk, "lead_source": "nope"}, format="json")
    assert bad.status_code == 400 and "lead_source" in bad.json()


def test_follow_ups(county_user, other_county_user, mine_and_theirs):
    mine, _ = mine_and_theirs
    payload = {"project": mine.pk, "level": "leader_in_charge", "leader": "张副市长", "followed_on": "2026-10-12",
               "summary": "协调用地"}  # fmt: skip
    assert api(county_user).post("/api/v1/attraction/follow-ups/", payload, format="json").status_code == 201
    assert api(other_county_user).post("/api/v1/attraction/follow-ups/", payload, format="json").status_code == 404
    assert FollowUp.objects.count() == 1
    assert api(other_county_user).get("/api/v1/attraction/follow-ups/").json()["count"] == 0
    assert api(county_user).get(f"/api/v1/attraction/follow-ups/?project={mine.pk}").json()["count"] == 1


def test_signing_events_are_city_wide_but_lines_scoped(admin_user, county_user, mine_and_theirs):
    mine, theirs = mine_and_theirs
    response = api(admin_user).post("/api/v1/signing-events/", {
        "name": "菱镁产业推介会", "kind": "promotion", "held_on": "2026-06-18", "place": "海城",
        "lines": [{"project": mine.pk, "amount": "5000"}, {"project": theirs.pk, "amount": "7000.5"}],
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["amount_total"] == "12000.50"
    event_id = response.json()["id"]
    listing = api(county_user).get("/api/v1/signing-events/").json()["results"]
    assert listing[0]["project_count"] == 1 and listing[0]["amount_total"] == "5000.00"
    detail = api(county_user).get(f"/api/v1/signing-events/{event_id}/").json()
    assert [p["project"] for p in detail["projects"]] == [mine.pk]
    # County staff may add their own project to an event, not another county's, and not create events.
    extra = ProjectFactory(region=mine.region)
    assert api(county_user).post(f"/api/v1/signing-events/{event_id}/lines/", {"project": extra.pk, "amount": "1"},
                                 format="json").status_code == 201  # fmt: skip
    assert api(county_user).post(f"/api/v1/signing-events/{event_id}/lines/", {"project": extra.pk, "amount": "1"},
                                 format="json").status_code == 400  # fmt: skip
    assert api(county_user).post("/api/v1/signing-events/", {"name": "x", "kind": "other", "held_on": "2026-06-18"},
                                 format="json").status_code == 404  # fmt: skip
    start = api(admin_user).post("/api/v1/start-events/", {"name": "2026年春季集中开工", "held_on": "2026-04-08",
                                 "lines": [{"project": mine.pk, "amount": "10000"}]}, format="json")  # fmt: skip
    assert start.status_code == 201 and start.json()["project_count"] == 1


def test_capital_create_corrects_and_is_scoped(county_user, other_county_user, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client = api(county_user)
    first = client.post("/api/v1/capital/", {"project": mine.pk, "month": "2026-10-01", "amount": "300.5"})
    assert first.status_code == 201 and first.json()["amount"] == "300.50"
    again = client.post("/api/v1/capital/", {"project": mine.pk, "month": "2026-10-20", "amount": "310"})
    assert again.status_code == 200 and CapitalInPlace.objects.get().amount == Decimal("310.00")
    assert (
        client.post("/api/v1/capital/", {"project": theirs.pk, "month": "2026-10-01", "amount": "1"}).status_code == 404
    )
    negative = client.post("/api/v1/capital/", {"project": mine.pk, "month": "2026-10-01", "amount": "-1"})
    assert negative.status_code == 400 and "amount" in negative.json()
    assert api(other_county_user).get("/api/v1/capital/").json()["count"] == 0


def test_targets_set_by_administrators(admin_user, county_user, leader):
    payload = {"region": "tiedong", "year": 2026, "signed_amount": "500000", "landed_count": 20,
               "capital_amount": "420000"}  # fmt: skip
    assert api(county_user).post("/api/v1/targets/", payload, format="json").status_code == 404
    assert api(admin_user).post("/api/v1/targets/", payload, format="json").status_code == 201
    payload["landed_count"] = 25
    assert api(admin_user).post("/api/v1/targets/", payload, format="json").status_code == 201
    rows = api(leader).get("/api/v1/targets/?year=2026").json()["results"]
    assert len(rows) == 1 and rows[0]["landed_count"] == 25 and rows[0]["region"] == "tiedong"
    assert api(county_user).get("/api/v1/targets/").json()["count"] == 1


def test_bulletins_for_managers_only(manager, county_user, leader, django_capture_on_commit_callbacks):
    ProjectFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(manager).post("/api/v1/bulletins/", {"month": "2026-10"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert len(callbacks) == 1
    run_id = response.json()["id"]
    assert api(county_user).post("/api/v1/bulletins/", {"month": "2026-10"}, format="json").status_code == 404
    assert api(county_user).get(f"/api/v1/bulletins/{run_id}/").status_code == 404
    assert api(county_user).get("/api/v1/bulletins/").json()["count"] == 0
    assert api(leader).get(f"/api/v1/bulletins/{run_id}/xlsx/").status_code == 404  # not built yet
    services.bulletin_build(run_id=run_id)
    download = api(leader).get(f"/api/v1/bulletins/{run_id}/pdf/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert api(county_user).get(f"/api/v1/bulletins/{run_id}/pdf/").status_code == 404
    body = api(manager).get("/api/v1/bulletins/").json()
    assert body["results"][0]["xlsx_url"].endswith(f"/api/v1/bulletins/{run_id}/xlsx/")


@pytest.mark.parametrize(
    "url", ["/api/v1/attraction/records/", "/api/v1/attraction/follow-ups/", "/api/v1/signing-events/",
            "/api/v1/start-events/", "/api/v1/capital/", "/api/v1/targets/", "/api/v1/bulletins/",
            "/api/v1/attraction/pools/", "/api/v1/attraction/flows/?month=2026-10"],
)  # fmt: skip
def test_lists_have_a_fixed_query_count(url, admin_user, tiedong, haicheng, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            project = ProjectFactory(region=tiedong if i % 2 else haicheng, stage=Stage.SIGNED)
            services.record_save(user=admin_user, project=project, lead_source="event")
            services.follow_up_add(user=admin_user, project=project, level="county", leader="李", summary="x",
                                   followed_on=d("2026-10-01"))  # fmt: skip
            services.capital_record(user=admin_user, project=project, month=d("2026-09-01"), amount="1")
            event = services.signing_event_create(user=admin_user, kind=SigningEventKind.CEREMONY, name=f"e{i}",
                                                  held_on=d("2026-10-01"), lines=[(project, "1")])  # fmt: skip
            services.start_event_create(user=admin_user, name=f"s{i}", held_on=d("2026-10-01"), lines=[(project, "1")])
            services.target_set(user=admin_user, region=project.region, year=2000 + len(str(project.pk)) * 10 + i,
                                signed_amount="1", landed_count=1, capital_amount="1")  # fmt: skip
            if i == 0:
                services.bulletin_request(user=admin_user, month=d("2026-01-01"))
            assert event.pk

    client = api(admin_user)
    add(2)
    with django_assert_max_num_queries(8) as small:
        assert client.get(url).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
