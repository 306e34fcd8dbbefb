import datetime

import pytest

from dispatch import services
from dispatch.models import Report
from dispatch.schedules import Period
from tests.api_v1.conftest import client_for
from tests.factories import Role, user_with_role

from .conftest import problem, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


def built(round, fmt="xlsx"):
    """A finished report (built here, not by a worker: the worker path is test_worker.py)."""
    report = services.report_request(round=round, formats=[fmt])[0]
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    return report


@pytest.fixture
def rounds(groups, tiedong):
    project(region=tiedong, total_investment=9000, annual_plan=100)
    city = services.round_run(group=groups["city"], period=OCTOBER, queue=False)[0]
    county = services.round_run(group=groups["county-tiedong"], period=OCTOBER, queue=False)[0]
    other = services.round_run(group=groups["county-haicheng"], period=OCTOBER, queue=False)[0]
    return {"city": city, "tiedong": county, "haicheng": other}


@pytest.fixture
def manager(groups):
    user = user_with_role("mgr", Role.REPORT_MANAGER)
    groups["city"].report_managers.add(user)
    return user


def test_county_users_see_their_county_groups_reports_only(rounds, county_user, django_assert_max_num_queries):
    mine, theirs = built(rounds["tiedong"]), built(rounds["haicheng"])
    client = client_for(county_user)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/reports/").json()["results"]
    assert [r["id"] for r in listed] == [mine.pk]
    assert client.get(f"/api/v1/reports/{theirs.pk}/download/").status_code == 404
    response = client.get(f"/api/v1/reports/{mine.pk}/download/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_report_managers_see_the_groups_they_are_given(rounds, manager):
    city, county = built(rounds["city"]), built(rounds["tiedong"])
    ids = [r["id"] for r in client_for(manager).get("/api/v1/reports/").json()["results"]]
    assert ids == [city.pk]
    assert client_for(manager).get(f"/api/v1/reports/{county.pk}/").status_code == 404


def test_leadership_sees_every_group_and_round(rounds, leader, django_assert_max_num_queries):
    client = client_for(leader)
    with django_assert_max_num_queries(6):
        groups = client.get("/api/v1/dispatch-groups/?page_size=100").json()
    assert groups["count"] == 26
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/dispatch-rounds/").json()
    assert listed["count"] == 3


def test_download_in_the_other_format_needs_that_file(rounds, leader):
    xlsx = built(rounds["city"], "xlsx")
    client = client_for(leader)
    assert client.get(f"/api/v1/reports/{xlsx.pk}/download/?format=pdf").status_code == 404
    built(rounds["city"], "pdf")
    response = client.get(f"/api/v1/reports/{xlsx.pk}/download/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_asking_for_a_fresh_report_answers_202_with_status_urls(rounds, manager, county_user):
    response = client_for(manager).post(
        "/api/v1/reports/", {"round": rounds["city"].pk, "formats": ["pdf"]}, format="json"
    )
    assert response.status_code == 202
    (report,) = response.json()
    assert report["status"] == "queued" and report["status_url"] == f"/api/v1/reports/{report['id']}/"
    status = client_for(manager).get(report["status_url"]).json()
    assert status["progress"] == 0 and status["download_url"] is None
    # Outside the caller's groups: the round does not exist.
    response = client_for(county_user).post("/api/v1/reports/", {"round": rounds["city"].pk}, format="json")
    assert response.status_code == 404
    assert client_for(manager).post("/api/v1/reports/", {}, format="json").status_code == 400


def test_a_county_user_may_read_but_not_request_their_groups_reports(rounds, county_user):
    response = client_for(county_user).post("/api/v1/reports/", {"round": rounds["tiedong"].pk}, format="json")
    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_warning_notices_api(leader, county_user, other_county_user, tiedong):
    response = client_for(leader).post(
        "/api/v1/warning-notices/", {"region": tiedong.pk, "reason": "新开工项目偏少"}, format="json"
    )
    assert response.status_code == 201
    notice = response.json()
    assert notice["recipient"] == "铁东区"
    assert client_for(county_user).get("/api/v1/warning-notices/").json()["count"] == 1
    assert client_for(other_county_user).get(f"/api/v1/warning-notices/{notice['id']}/").status_code == 404
    assert (
        client_for(county_user).post("/api/v1/warning-notices/", {"region": tiedong.pk, "reason": "x"}).status_code
        == 404
    )
    ack = client_for(county_user).post(f"/api/v1/warning-notices/{notice['id']}/acknowledge/")
    assert ack.status_code == 200 and ack.json()["acknowledged_at"]
    bad = client_for(leader).post("/api/v1/warning-notices/", {"reason": "缺少对象"}, format="json")
    assert bad.status_code == 400 and "region" in bad.json()


def test_escalation_api(leader, tiedong, other_county_user):
    p = problem(project(region=tiedong), deadline=D(2026, 1, 1))
    response = client_for(leader).post("/api/v1/problem-escalations/", {"problem": p.pk, "reason": "需部门协调"})
    assert response.status_code == 201 and response.json()["to_tier"] == "department"
    assert client_for(leader).get("/api/v1/problem-escalations/").json()["count"] == 1
    assert client_for(other_county_user).get("/api/v1/problem-escalations/").json()["count"] == 0
    assert client_for(other_county_user).post("/api/v1/problem-escalations/", {"problem": p.pk}).status_code == 404


def test_evaluations_api(leader, county_user):
    response = client_for(leader).post("/api/v1/evaluations/", {"year": 2026, "quarter": 3}, format="json")
    assert response.status_code == 201
    assert client_for(county_user).get("/api/v1/evaluations/").json()["count"] == 1
    assert client_for(county_user).post("/api/v1/evaluations/", {"year": 2026, "quarter": 2}).status_code == 404


def test_a_group_edit_by_an_administrator_moves_its_schedule(groups, admin_user, county_user):
    group = groups["county-tiedong"]
    response = client_for(admin_user).patch(f"/api/v1/dispatch-groups/{group.pk}/", {"run_hour": 9}, format="json")
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.periodic_task.crontab.hour == "9"
    assert client_for(county_user).patch(f"/api/v1/dispatch-groups/{group.pk}/", {"run_hour": 7}).status_code == 404


def test_who_may_ask_for_a_report_is_the_services_rule(rounds, manager, county_user):
    from django.core.exceptions import PermissionDenied

    # a county user sees the county group's round, but may not ask for its reports: the service refuses
    with pytest.raises(PermissionDenied):
        services.report_request(user=county_user, round=rounds["tiedong"], enqueue=False)
    assert not Report.objects.filter(round=rounds["tiedong"]).exists()
    # the group's report manager may; the API answers the refusal with the words of a missing round (404)
    assert len(services.report_request(user=manager, round=rounds["city"], enqueue=False)) == 2
    response = client_for(county_user).post("/api/v1/reports/", {"round": rounds["tiedong"].pk}, format="json")
    assert response.status_code == 404
