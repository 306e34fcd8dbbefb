import json
import re
from decimal import Decimal

import pytest

from attraction import services
from attraction.choices import SigningEventKind
from attraction.models import AnnualTarget, CapitalInPlace, FollowUp
from projects.choices import Stage
from tests.factories import ProjectFactory

from .conftest import d, project_with_history


@pytest.fixture
def pages_data(admin_user, tiedong, haicheng):
    mine = project_with_history(region=tiedong, total="12000", steps=[(Stage.NEGOTIATING, d("2026-08-01")),
                                                                       (Stage.SIGNED, d("2026-10-05"))])  # fmt: skip
    theirs = project_with_history(region=haicheng, total="7000", steps=[(Stage.SIGNED, d("2026-10-07"))])
    services.record_save(user=admin_user, project=mine, lead_source="visit", investor_region="江苏省")
    services.capital_record(user=admin_user, project=mine, month=d("2026-10-01"), amount="500")
    services.capital_record(user=admin_user, project=theirs, month=d("2026-10-01"), amount="900")
    services.signing_event_create(user=admin_user, kind=SigningEventKind.PROMOTION, name="菱镁产业推介会",
                                  held_on=d("2026-10-05"), lines=[(mine, "12000"), (theirs, "7000")])  # fmt: skip
    return mine, theirs


def chart_data(html, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_board_for_a_county_user_shows_their_county_only(
    client, county_user, pages_data, django_assert_max_num_queries
):
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        response = client.get("/attraction/?month=2026-10")
    html = response.content.decode()
    assert response.status_code == 200
    assert "铁东区" in html and "海城市" not in html
    data = chart_data(html, "board-data")
    assert data["regions"] == ["铁东区"]
    assert '<script src="/static/attraction/charts.js">' in html
    assert "<script>" not in html  # CSP: no inline script
    assert client.get("/attraction/?region=haicheng").status_code == 404


def test_board_for_the_city(client, leader, pages_data):
    client.force_login(leader)
    html = client.get("/attraction/?month=2026-10").content.decode()
    data = chart_data(html, "board-data")
    assert len(data["regions"]) == 10
    signed = next(s for s in data["series"] if s["name"] == "签约")
    assert sum(signed["data"]) == 2
    flows = {f["stage"]: f for f in data["flows"]}
    assert flows["签约"]["inflow"] == 2


def test_record_page_saves_record_and_follow_up(client, county_user, other_county_user, pages_data):
    mine, theirs = pages_data
    client.force_login(county_user)
    response = client.get(f"/attraction/records/{mine.pk}/")
    assert response.status_code == 200 and "江苏省" in response.content.decode()
    assert "逾期" in response.content.decode()  # no follow-up yet at any level
    response = client.post(f"/attraction/records/{mine.pk}/", {"form": "follow_up", "level": "county",
                           "leader": "王科长", "followed_on": "2026-10-09", "summary": "现场推进"})  # fmt: skip
    assert response.status_code == 302
    assert FollowUp.objects.get().leader == "王科长"
    response = client.post(f"/attraction/records/{mine.pk}/", {"form": "follow_up", "level": "county",
                           "leader": "王科长", "followed_on": "2099-01-01", "summary": "x"})  # fmt: skip
    assert response.status_code == 200 and "不能晚于今天" in response.content.decode()
    assert client.get(f"/attraction/records/{theirs.pk}/").status_code == 404
    client.force_login(other_county_user)
    assert client.post(f"/attraction/records/{mine.pk}/", {"form": "record", "lead_source": "event"}).status_code == 404


def test_record_list(client, county_user, pages_data, django_assert_max_num_queries):
    for _ in range(10):
        ProjectFactory(stage=Stage.NEGOTIATING)
    client.force_login(county_user)
    with django_assert_max_num_queries(8):
        response = client.get("/attraction/records/")
    html = response.content.decode()
    assert pages_data[0].name in html and pages_data[1].name not in html


def test_events_show_only_lines_in_scope(client, county_user, pages_data, django_assert_max_num_queries):
    mine, theirs = pages_data
    client.force_login(county_user)
    with django_assert_max_num_queries(8):
        html = client.get("/attraction/events/").content.decode()
    assert "菱镁产业推介会" in html and "12,000.00" in html and "19,000.00" not in html
    event_id = re.search(r"/attraction/events/signing/(\d+)/", html).group(1)
    detail = client.get(f"/attraction/events/signing/{event_id}/").content.decode()
    assert mine.name in detail and theirs.name not in detail
    assert client.get(f"/attraction/events/other/{event_id}/").status_code == 404


def test_capital_entry_and_yoy_page(client, county_user, pages_data, django_assert_max_num_queries):
    mine, theirs = pages_data
    client.force_login(county_user)
    with django_assert_max_num_queries(14):
        response = client.get("/attraction/capital/?year=2026")
    html = response.content.decode()
    assert response.status_code == 200 and "新增" in html  # nothing last year
    data = chart_data(html, "capital-data")
    assert data["this_year"][9] == "500.00"  # 铁东区 only
    response = client.post("/attraction/capital/", {"project": mine.pk, "month": "2026-09", "amount": "120.5"})
    assert response.status_code == 302
    assert CapitalInPlace.objects.get(project=mine, month=d("2026-09-01")).amount == Decimal("120.50")
    response = client.post("/attraction/capital/", {"project": theirs.pk, "month": "2026-09", "amount": "1"})
    assert response.status_code == 200 and not CapitalInPlace.objects.filter(project=theirs, month=d("2026-09-01"))


def test_targets_page_and_admin_entry(client, admin_user, county_user, pages_data, tiedong):
    client.force_login(county_user)
    response = client.post("/attraction/targets/", {"region": tiedong.pk, "year": 2026, "signed_amount": "1",
                                                    "landed_count": 1, "capital_amount": "1"})  # fmt: skip
    assert response.status_code == 404
    client.force_login(admin_user)
    response = client.post("/attraction/targets/", {"region": tiedong.pk, "year": 2026, "signed_amount": "24000",
                                                    "landed_count": 2, "capital_amount": "1000"})  # fmt: skip
    assert response.status_code == 302
    assert AnnualTarget.objects.get().capital_amount == Decimal("1000.00")
    html = client.get("/attraction/targets/?year=2026").content.decode()
    assert "50.0%" in html  # 铁东区: 500 of 1,000 万元 capital, 12,000 of 24,000 signed


def test_bulletin_pages_for_managers_only(client, manager, county_user, pages_data, django_capture_on_commit_callbacks):
    client.force_login(county_user)
    assert client.get("/attraction/bulletins/").status_code == 404
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/attraction/bulletins/generate/", {"month": "2026-10"})
    assert response.status_code == 302
    from attraction.models import BulletinRun

    run = BulletinRun.objects.get()
    services.bulletin_build(run_id=run.pk)
    html = client.get("/attraction/bulletins/").content.decode()
    assert f"/attraction/bulletins/{run.pk}/xlsx/" in html
    download = client.get(f"/attraction/bulletins/{run.pk}/xlsx/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert client.get(f"/attraction/bulletins/{run.pk}/path/").status_code == 404
    client.force_login(county_user)
    assert client.get(f"/attraction/bulletins/{run.pk}/pdf/").status_code == 404


def test_dashboard_summary_tag(rf, county_user, pages_data, admin_user, tiedong):
    from django.template import Context, Template
    from django.utils import timezone

    services.target_set(user=admin_user, region=tiedong, year=timezone.localdate().year, signed_amount="24000",
                        landed_count=2, capital_amount="1000")  # fmt: skip
    request = rf.get("/")
    request.user = county_user
    html = Template("{% load attraction_tags %}{% attraction_target_summary %}").render(Context({"request": request}))
    assert "招商引资目标完成" in html and "/attraction/targets/" in html
