import datetime

import pytest
from django.test import Client

from dispatch import services
from dispatch.models import DispatchRound, Report, WarningNotice
from dispatch.schedules import Period
from investment.selectors import period_is_frozen

from .conftest import project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city_round(groups, tiedong):
    project(region=tiedong, total_investment=9000, annual_plan=100)
    return services.round_run(group=groups["city"], period=OCTOBER, queue=False)[0]


def test_group_page_lists_the_groups_with_their_schedule(groups, leader, django_assert_max_num_queries):
    from dispatch import schedules

    schedules.ensure_default_schedules()
    client = client_for(leader)
    with django_assert_max_num_queries(8):
        page = client.get("/dispatch/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "市项目工作领导小组" in html and "每半月" in html and "铁东区推进组" in html


def test_county_user_sees_only_their_groups(groups, county_user):
    html = client_for(county_user).get("/dispatch/").content.decode()
    assert "铁东区推进组" in html and "海城市推进组" not in html


def test_report_centre_shows_reports_progress_and_downloads(city_round, leader, django_assert_max_num_queries):
    done = services.report_request(round=city_round, formats=["xlsx"])[0]
    services.report_build(report_id=done.pk)
    running = services.report_request(round=city_round, formats=["pdf"])[0]
    Report.objects.filter(pk=running.pk).update(status="running", progress=42)
    client = client_for(leader)
    with django_assert_max_num_queries(10):
        page = client.get("/dispatch/reports/")
    html = page.content.decode()
    assert f"/dispatch/reports/{done.pk}/download/" in html
    assert 'value="42"' in html and f"/api/v1/reports/{running.pk}/" in html
    assert "dispatch/report-progress.js" in html and "<script>" not in html
    download = client.get(f"/dispatch/reports/{done.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert client.get(f"/dispatch/reports/{running.pk}/download/").status_code == 404


def test_asking_for_a_fresh_report_from_the_page(city_round, leader):
    response = client_for(leader).post(f"/dispatch/rounds/{city_round.pk}/reports/")
    assert response.status_code == 302
    assert Report.objects.filter(round=city_round).count() == 2


def test_pages_of_another_county_are_not_found(groups, county_user, other_county_user):
    round = services.round_run(group=groups["county-tiedong"], period=OCTOBER, queue=False)[0]
    report = services.report_request(round=round, formats=["xlsx"])[0]
    services.report_build(report_id=report.pk)
    assert client_for(county_user).get(f"/dispatch/reports/{report.pk}/download/").status_code == 200
    assert client_for(other_county_user).get(f"/dispatch/reports/{report.pk}/download/").status_code == 404
    assert client_for(other_county_user).post(f"/dispatch/rounds/{round.pk}/reports/").status_code == 404


def test_rounds_page_and_issuing_a_round(city_round, leader, county_user, django_assert_max_num_queries):
    client = client_for(leader)
    with django_assert_max_num_queries(8):
        html = client.get("/dispatch/rounds/").content.decode()
    assert "2026-10-01" in html and "印发" in html
    assert client.post(f"/dispatch/rounds/{city_round.pk}/issue/").status_code == 302
    assert DispatchRound.objects.get(pk=city_round.pk).status == "issued"
    # The city group's issued round freezes its month of progress data.
    assert period_is_frozen(period=D(2026, 10, 1))
    assert not period_is_frozen(period=D(2026, 11, 1))
    assert client_for(county_user).post(f"/dispatch/rounds/{city_round.pk}/issue/").status_code == 404


def test_notice_page_issues_and_lists(leader, tiedong, county_user, django_assert_max_num_queries):
    response = client_for(leader).post("/dispatch/notices/", {"region": tiedong.pk, "reason": "项目开工率偏低"})
    assert response.status_code == 302
    assert WarningNotice.objects.get().region == tiedong
    client = client_for(county_user)
    with django_assert_max_num_queries(8):
        html = client.get("/dispatch/notices/").content.decode()
    assert "项目开工率偏低" in html and "下发提示单" not in html
    error = client_for(leader).post("/dispatch/notices/", {"reason": "无对象"})
    assert error.status_code == 200 and "二选一" in error.content.decode()


def test_ranking_page_shows_the_red_flag(leader, tiedong, haicheng, county_user, django_assert_max_num_queries):
    from .conftest import entry

    for region, amount in ((tiedong, "900"), (haicheng, "100")):
        p = project(region=region, annual_plan=1000, stage="construction", start_type="continuing",
                    actual_start=D(2025, 1, 1))  # fmt: skip
        entry(p, D(2026, 3, 1), amount)
    assert client_for(leader).post("/dispatch/evaluations/", {"year": 2026, "quarter": 1}).status_code == 302
    client = client_for(county_user)
    with django_assert_max_num_queries(9):  # + each entry's scores and honours, + the quarter's notices
        html = client.get("/dispatch/evaluations/").content.decode()
    assert "流动红旗" in html and html.index("铁东区") < html.index("海城市")


def test_escalation_page(leader, tiedong, django_assert_max_num_queries):
    from .conftest import problem

    p = problem(project(region=tiedong), deadline=D(2026, 1, 1))
    services.problem_escalate(problem=p, user=leader, reason="需部门协调")
    client = client_for(leader)
    with django_assert_max_num_queries(8):
        html = client.get("/dispatch/escalations/").content.decode()
    assert "需部门协调" in html
