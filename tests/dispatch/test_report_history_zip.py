"""Every built version of a round's report stays listed with what changed since the previous one; a
month's reports download as one zip, holding only what the user may download."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
from django.test import Client

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from investment import services as investment_services
from investment.models import ProgressEntry
from projects.choices import Role
from tests.factories import user_with_role

from .conftest import entry, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def build(round, fmt):
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format=fmt)  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def test_versions_are_listed_with_what_moved_and_the_amendments(
    groups, tiedong, haicheng, django_assert_max_num_queries
):
    a = project(name="甲<b>&", region=tiedong, total_investment=10000, annual_plan=1000, stage="construction",
                start_type="continuing", actual_start=D(2025, 5, 1))  # fmt: skip
    entry(a, D(2026, 10, 1), "250")
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    first = [build(round, "xlsx"), build(round, "pdf")]
    # October is frozen (issued elsewhere), then a correction is proposed and approved.
    leader = user_with_role("mayor", Role.LEADERSHIP)
    investment_services.period_freeze(period=D(2026, 10, 1), user=leader, reason="测试")
    staff = user_with_role("alice2", Role.COUNTY_STAFF, region=tiedong)
    reviewer = user_with_role("reviewer2", Role.COUNTY_REVIEWER, region=tiedong)
    oct_entry = ProgressEntry.objects.get(project=a, period=D(2026, 10, 1))
    amendment = investment_services.amendment_propose(user=staff, entry=oct_entry, amount_completed="50",
                                                      reason="重复统计")  # fmt: skip
    investment_services.amendment_approve(user=reviewer, amendment=amendment)
    second = build(round, "xlsx")
    assert second.data_version != first[0].data_version

    versions = selectors.report_history(user=leader, round=round)
    assert [v["data_version"] for v in versions] == [second.data_version, first[0].data_version]
    newest, oldest = versions
    assert oldest["first"] and {r.pk for r in oldest["reports"]} == {r.pk for r in first}
    moved = {m["key"]: (m["before"], m["now"], m["delta"]) for m in newest["moved"]}
    assert moved["completed_ytd"] == (Decimal("250.00"), Decimal("50.00"), Decimal("-200.00"))
    assert moved["completion_rate"] == (Decimal("0.25"), Decimal("0.05"), Decimal("-0.20"))
    assert "project_count" not in moved  # unchanged figures are not listed
    assert [x.pk for x in newest["amendments"]] == [amendment.pk]

    client = client_for(leader)
    with django_assert_max_num_queries(12):
        page = client.get(f"/dispatch/rounds/{round.pk}/history/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="report-version"') == 2
    assert "甲&lt;b&gt;&amp;" in html and "甲<b>" not in html  # user text is text
    assert f"/dispatch/reports/{second.pk}/download/" in html
    # Outside scope the round does not exist.
    other = user_with_role("hc_staff", Role.COUNTY_STAFF, region=haicheng)
    assert client_for(other).get(f"/dispatch/rounds/{round.pk}/history/").status_code == 404


def test_a_months_reports_download_as_one_zip_of_what_the_user_may_download(groups, tiedong, haicheng):
    project(name="甲", region=tiedong, total_investment=10000, stage="construction")
    project(name="乙", region=haicheng, total_investment=10000, stage="construction")
    city, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    county, _ = services.round_run(group=groups["county-haicheng"], period=Period(D(2026, 10, 30), D(2026, 10, 30)),
                                   queue=False)  # fmt: skip
    september, _ = services.round_run(group=groups["city"], period=Period(D(2026, 9, 1), D(2026, 9, 30)), queue=False)
    build(city, "xlsx")
    old_city_pdf = build(city, "pdf")
    newest_city_pdf = Report.objects.create(kind="round", round=city, data_version="newer", format="pdf")
    assert services.report_build(report_id=newest_city_pdf.pk) == "done"
    county_xlsx = build(county, "xlsx")
    build(september, "xlsx")

    leader = user_with_role("mayor", Role.LEADERSHIP)
    response = client_for(leader).get("/dispatch/reports/zip/?period=2026-10")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert names == sorted([
        f"{groups['city'].name}_20261001-20261031.xlsx", f"{groups['city'].name}_20261001-20261031.pdf",
        f"{groups['county-haicheng'].name}_20261030-20261030.xlsx",
    ])  # fmt: skip
    newest_city_pdf.refresh_from_db()
    assert archive.read(f"{groups['city'].name}_20261001-20261031.pdf") == newest_city_pdf.file.read()
    assert old_city_pdf.pk != newest_city_pdf.pk
    book = openpyxl.load_workbook(archive.open(f"{groups['county-haicheng'].name}_20261030-20261030.xlsx"))
    assert "汇总" in book.sheetnames

    # A 海城市 county user: only the county group's report (not the city group's).
    hc = user_with_role("hc_staff", Role.COUNTY_STAFF, region=haicheng)
    response = client_for(hc).get("/dispatch/reports/zip/?period=2026-10")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == [county_xlsx.filename]
    # A month without reports, and a bad month.
    assert client_for(hc).get("/dispatch/reports/zip/?period=2026-08").status_code == 404
    bad = client_for(hc).get("/dispatch/reports/zip/?period=2026-13")
    assert bad.status_code == 400 and "period" in bad.content.decode()
