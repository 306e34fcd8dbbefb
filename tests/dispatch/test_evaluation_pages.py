"""The quarter's pages: the ranking with scores and honours, the notice's follow-up form (errors
name the field, outsiders get 404), the to-do, and the report centre listing the quarter's reports."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from dispatch import services
from dispatch.models import HonourRule, Report, WarningNotice
from projects.choices import Role
from tests.factories import user_with_role

from .conftest import entry, project

D = datetime.date


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def quarter(tiedong, haicheng, leader):
    services.evaluation_rules_load_defaults()
    HonourRule.objects.filter(name="二等奖").update(is_active=False)  # two counties: the second is warned
    for region, amount in ((tiedong, "900"), (haicheng, "100")):
        p = project(region=region, annual_plan=1000, stage="construction", actual_start=D(2026, 2, 1))
        entry(p, D(2026, 3, 1), amount)
    evaluation, _ = services.evaluation_run(user=leader, year=2026, quarter=1, queue=False)
    for report in services.report_request(evaluation=evaluation, enqueue=False):
        services.report_build(report_id=report.pk)
    return evaluation


def test_the_ranking_shows_scores_honours_and_prizes(quarter, county_user, django_assert_max_num_queries):
    client = client_for(county_user)
    with django_assert_max_num_queries(12):
        html = client.get("/dispatch/evaluations/").content.decode()
    assert "综合得分" in html and "一等奖" in html and "奖金 50.00 万元" in html and "看形象" in html
    assert "提示单" in html
    assert html.index("铁东区") < html.index("海城市")


def test_the_notice_reaches_the_county_to_do_and_takes_its_follow_up(quarter, other_county_user, county_user):
    notice = WarningNotice.objects.get(evaluation=quarter, region__key="haicheng")
    client = client_for(other_county_user)  # 海城市 staff
    assert f"#notice-{notice.pk}" in client.get("/").content.decode()
    bad = client.post(f"/dispatch/notices/{notice.pk}/follow-up/", {f"n{notice.pk}-rectification": "加快进度"},
                      follow=True)  # fmt: skip
    assert "整改时限" in bad.content.decode()
    notice.refresh_from_db()
    assert notice.rectification == "" and notice.acknowledged_at is None  # nothing half-written
    ok = client.post(
        f"/dispatch/notices/{notice.pk}/follow-up/",
        {f"n{notice.pk}-rectification": "加快进度", f"n{notice.pk}-rectification_due": "2027-01-31",
         f"n{notice.pk}-statement": "确保一月底追上序时进度"},
    )  # fmt: skip
    assert ok.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == other_county_user and notice.statement == "确保一月底追上序时进度"
    # Another county's user: the notice does not exist for them.
    assert client_for(county_user).post(f"/dispatch/notices/{notice.pk}/follow-up/", {}).status_code == 404
    page = client.get("/dispatch/notices/").content.decode()
    assert "确保一月底追上序时进度" in page and "2027-01-31" in page


def test_the_report_centre_lists_the_quarter_beside_the_rounds(quarter, tiedong, django_assert_max_num_queries):
    manager = user_with_role("reports", Role.REPORT_MANAGER)
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        html = client.get("/dispatch/reports/").content.decode()
    reports = Report.objects.filter(evaluation=quarter, status="done")
    assert reports.count() == 2
    for report in reports:
        assert f"/dispatch/reports/{report.pk}/download/" in html
    assert "2026年第1季度" in html
    # A county user sees no quarter reports (they are the report managers' and leaders').
    county = user_with_role("county-reports", Role.COUNTY_STAFF, region=tiedong)
    assert f"evaluation-{quarter.pk}" not in client_for(county).get("/dispatch/reports/").content.decode()
    assert Decimal(quarter.entries.get(rank=1, unit_kind="region").total_score) > 0
