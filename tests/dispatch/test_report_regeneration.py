"""An issued round's report, rebuilt after later months were entered and a month was amended, says the
same; what was approved since is listed in 更正, never merged."""

import datetime
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from investment import services as investment_services
from investment.models import ProgressEntry
from projects.models import Category
from tests.factories import user_with_role

from .conftest import entry, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))
# The figures sheets; 更正 is compared separately. (The lights and orders sheets are supervision's.)
FIGURE_SHEETS = ["县区排名", "按县区", "按产业", "按类别", "本期新开工", "本期竣工", "滞后项目", "项目清单"]
FIGURE_ROWS = ["项目数", "计划总投资", "本年计划投资", "本年累计完成投资", "投资完成率", "时间进度", "滞后项目"]

# Independent of the builder: this year's counted investment through October of the city group's
# projects (>= 5,000 万元), verified entries at their latest approved amendment.
YTD_SQL = """
SELECT COALESCE(sum(COALESCE((SELECT a.new_amount FROM investment_progressamendment a
                              WHERE a.entry_id = e.id AND a.status = 'approved'
                              ORDER BY a.decided_at DESC, a.id DESC LIMIT 1), e.amount_completed)), 0)
FROM investment_progressentry e JOIN projects_project p ON p.id = e.project_id
WHERE e.status = 'verified' AND p.total_investment >= 5000 AND e.period BETWEEN '2026-01-01' AND '2026-10-01'
"""


def independent_ytd():
    with connection.cursor() as cursor:
        cursor.execute(YTD_SQL)
        return cursor.fetchone()[0]


@pytest.fixture
def issued(groups, tiedong, haicheng):
    industrial, social = (Category.objects.get(key=k) for k in ("industrial", "social"))
    a = project(name="甲", region=tiedong, category=industrial, total_investment=10000, annual_plan=3000,
                stage="construction", start_type="continuing", actual_start=D(2025, 5, 1))  # fmt: skip
    b = project(name="乙", region=haicheng, category=social, total_investment=20000, annual_plan=6000,
                stage="construction", start_type="new", actual_start=D(2026, 3, 10))  # fmt: skip
    for month in range(1, 11):
        entry(a, D(2026, month, 1), "250")
        entry(b, D(2026, month, 1), "400")
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    leader = user_with_role("mayor", "leadership")
    round = services.round_issue(user=leader, round=round)  # freezes October
    return round


def build(round, fmt):
    report = Report.objects.create(
        kind="round", round=round, data_version=selectors.round_data_version(round), format=fmt
    )
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def figures(report):
    book = openpyxl.load_workbook(report.file.path, read_only=True)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row[0] in FIGURE_ROWS}
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in FIGURE_SHEETS}
    corrections = list(book["更正"].iter_rows(values_only=True))[1:]
    return summary, sheets, corrections


def pdf_text(report):
    return subprocess.run(["pdftotext", report.file.path, "-"], capture_output=True, text=True, check=True).stdout


def test_an_issued_report_rebuilt_later_says_the_same_and_lists_the_amendment(issued, tiedong):
    assert independent_ytd() == Decimal("6500.00")
    first_xlsx, first_pdf = build(issued, "xlsx"), build(issued, "pdf")
    first_summary, first_sheets, first_corrections = figures(first_xlsx)
    assert first_summary["本年累计完成投资"] == 6500 and first_corrections == []
    overview = pdf_text(first_pdf).split("二、与上轮比较")[0]
    assert "本年累计完成投资 0.65 亿元" in overview

    # Later: November is entered and verified, an October month is amended (proposed, approved),
    # another proposal waits, a project is added to the scope with an October entry of its own.
    a, b = (ProgressEntry.objects.get(project__name=n, period=D(2026, 10, 1)) for n in ("甲", "乙"))
    for e in (a, b):
        entry(e.project, D(2026, 11, 1), "300")
    staff = user_with_role("alice2", "county_staff", region=tiedong)
    reviewer = user_with_role("reviewer2", "county_reviewer", region=tiedong)
    hc_staff = user_with_role("hc_staff", "county_staff", region=b.project.region)
    amendment = investment_services.amendment_propose(user=staff, entry=a, amount_completed="50", reason="重复统计")
    investment_services.amendment_approve(user=reviewer, amendment=amendment)
    investment_services.amendment_propose(user=hc_staff, entry=b, amount_completed="1", reason="待核")  # pending
    assert independent_ytd() == Decimal("6300.00")  # today's figure moved

    again_xlsx, again_pdf = build(issued, "xlsx"), build(issued, "pdf")
    assert again_xlsx.data_version != first_xlsx.data_version  # really rebuilt, from changed data
    again_summary, again_sheets, corrections = figures(again_xlsx)
    assert again_summary == first_summary
    assert again_sheets == first_sheets
    assert pdf_text(again_pdf).split("二、与上轮比较")[0] == overview
    issued.refresh_from_db()
    assert Decimal(issued.summary["completed_ytd"]) == Decimal("6500.00")  # the round keeps its figures

    # What changed since is listed, not merged: the approved amendment only (not November, not the pending one).
    assert len(corrections) == 1
    pk, name, _region, month, old, new, delta, reason, proposer, approver, _ = corrections[0]
    assert (pk, name, month, old, new, delta, reason) == (a.project_id, "甲", "2026-10", 250, 50, -200, "重复统计")
    assert (proposer, approver) == ("alice2", "reviewer2")
    text = pdf_text(again_pdf)
    assert "更正" in text and "重复统计" in text and "此后经审核批准的修正 1 条" in text.replace("\n", "")


def test_a_round_not_yet_issued_shows_todays_figures(groups, tiedong):
    a = project(name="甲", region=tiedong, total_investment=10000, annual_plan=3000, stage="construction",
                start_type="continuing", actual_start=D(2025, 5, 1))  # fmt: skip
    entry(a, D(2026, 10, 1), "250")
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    assert figures(build(round, "xlsx"))[0]["本年累计完成投资"] == 250
    entry(a, D(2026, 9, 1), "100")
    summary, _, corrections = figures(build(round, "xlsx"))
    assert summary["本年累计完成投资"] == 350 and corrections == []
