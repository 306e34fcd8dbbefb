"""Report contents against figures computed independently here (not by the builder)."""

import datetime
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import DispatchRound, Report
from dispatch.schedules import Period
from investment.models import Problem
from projects.models import Category, Region, StageChange

from .conftest import entry, problem, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


@pytest.fixture
def october(groups, tiedong, haicheng):
    """Four projects of 5,000 万元 or more (in the city group's scope) and one below."""
    industrial, social, urban = (Category.objects.get(key=k) for k in ("industrial", "social", "urban"))
    a = project(name="甲", region=tiedong, category=industrial, total_investment=10000, annual_plan=3000,
                stage="construction", start_type="continuing", actual_start=D(2025, 5, 1))  # fmt: skip
    b = project(name="乙", region=haicheng, category=social, total_investment=20000, annual_plan=6000,
                stage="construction", start_type="new", actual_start=D(2026, 10, 10))  # fmt: skip
    c = project(name="丙", region=tiedong, category=urban, total_investment=8000, annual_plan=2000,
                stage="construction", start_type="continuing", actual_start=D(2025, 3, 1))  # fmt: skip
    d = project(name="丁", region=haicheng, category=industrial, total_investment=6000, annual_plan=1000,
                stage="completed", start_type="new", actual_start=D(2025, 1, 1), actual_completion=D(2026, 10, 20))  # fmt: skip
    e = project(name="戊", region=tiedong, total_investment=4000, annual_plan=1000, stage="construction",
                start_type="new", actual_start=D(2026, 2, 1))  # fmt: skip
    for month in range(1, 11):
        entry(a, D(2026, month, 1), "250")
        entry(d, D(2026, month, 1), "100")
        entry(e, D(2026, month, 1), "100")
        if month <= 8:
            entry(c, D(2026, month, 1), "150")
    entry(a, D(2025, 12, 1), "777")  # last year: not in the year-to-date figure
    entry(b, D(2026, 10, 1), "500", status="verified")
    entry(b, D(2026, 9, 1), "999", status="draft")  # a draft does not count
    StageChange.objects.create(project=b, from_stage="landed", to_stage="construction", start_type="new",
                               changed_on=D(2026, 10, 10))  # fmt: skip
    overdue = problem(a, deadline=D(2026, 10, 15), unit="市自然资源局")
    Problem.objects.filter(pk=overdue.pk).update(created_at=timezone.make_aware(datetime.datetime(2026, 9, 1)))
    problem(a, deadline=D(2026, 12, 1), unit="市自然资源局", status="solved")
    problem(e, deadline=D(2026, 10, 1), unit="铁东区人民政府")  # outside the city group's scope
    previous, _ = services.round_run(group=groups["city"], period=Period(D(2026, 9, 1), D(2026, 9, 30)), queue=False)
    DispatchRound.objects.filter(pk=previous.pk).update(
        summary={
            "project_count": 3,
            "total_investment": "24000.00",
            "completed_ytd": "4000.00",
            "new_starts": 0,
            "completions": 0,
            "lagging": 1,
            "open_problems": 2,
        }
    )
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    return round


def build(round, fmt):
    version = selectors.round_data_version(round)
    report = Report.objects.create(kind="round", round=round, data_version=version, format=fmt)
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def sheet(book, name):
    return list(book[name].iter_rows(values_only=True))


def test_round_collects_the_projects_in_its_groups_scope(october, groups):
    assert october.project_count == 4
    county = services.round_run(group=groups["county-tiedong"], period=OCTOBER, queue=False)[0]
    assert county.project_count == 3  # 甲, 丙 and 戊 (>= 500 万元 in 铁东区)


def test_xlsx_report_figures(october):
    report = build(october, "xlsx")
    assert report.status == "done" and report.progress == 100 and report.size > 0
    book = openpyxl.load_workbook(report.file.path, read_only=True)
    assert book.sheetnames[:3] == ["汇总", "与上轮比较", "县区排名"]
    assert {
        "按县区",
        "按产业",
        "按类别",
        "本期新开工",
        "本期竣工",
        "滞后项目",
        "未解决问题",
        "阶段变化",
        "项目清单",
    } <= set(book.sheetnames)
    summary = {row[0]: row[1] for row in sheet(book, "汇总")[1:]}
    elapsed = Decimal(304) / Decimal(365)  # 1 January to 31 October 2026
    assert summary["项目数"] == 4
    assert summary["计划总投资"] == 44000
    assert summary["本年计划投资"] == 12000
    assert summary["本年累计完成投资"] == 2500 + 500 + 1200 + 1000
    assert summary["投资完成率"] == pytest.approx(5200 / 12000, abs=1e-4)
    assert summary["时间进度"] == pytest.approx(float(elapsed), abs=1e-4)
    assert summary["本期新开工项目"] == 1
    assert summary["本期竣工项目"] == 1
    assert summary["滞后项目"] == 2
    assert summary["未解决问题"] == 1
    assert summary["其中逾期问题"] == 1
    assert isinstance(summary["计划总投资"], (int, float))  # numbers stay numbers

    lagging = {row[1]: row[9] for row in sheet(book, "滞后项目")[1:]}
    assert set(lagging) == {"乙", "丙"}
    # 滞后 as insights.definitions: behind time progress by at least the light rule's yellow margin
    assert lagging["乙"].startswith("落后序时进度 ") and "连续未报进度" not in lagging["乙"]
    assert lagging["丙"].startswith("落后序时进度 ") and lagging["丙"].endswith(";连续未报进度")
    assert [row[1] for row in sheet(book, "本期新开工")[1:]] == ["乙"]
    assert [row[1] for row in sheet(book, "本期竣工")[1:]] == ["丁"]

    ranking = sheet(book, "县区排名")[1:]
    assert [(r[0], r[1], r[2]) for r in ranking] == [(1, "铁东区", 2), (2, "海城市", 2)]
    assert ranking[0][6] == pytest.approx(3700 / 5000, abs=1e-4)
    assert ranking[1][6] == pytest.approx(1500 / 7000, abs=1e-4)
    categories = {r[0]: r[4] for r in sheet(book, "按类别")[1:]}
    assert categories == {"工业“四改”类": 3500, "社会投资类": 500, "城建类": 1200}

    problems = sheet(book, "未解决问题")[1:]
    assert len(problems) == 1
    unit, name, *_, age, overdue = problems[0]
    assert (unit, name, age, overdue) == ("市自然资源局", "甲", 60, 16)
    assert sheet(book, "问题按责任单位")[1][:3] == ("市自然资源局", 1, 1)

    compare = {row[0]: row[1:] for row in sheet(book, "与上轮比较")[1:]}
    assert compare["项目数"] == (4, 3, 1)
    assert compare["本年累计完成投资(万元)"] == (5200, 4000, 1200)
    assert compare["期间阶段变化(次)"][0] == 1
    assert len(sheet(book, "项目清单")) == 5
    october.refresh_from_db()
    assert october.summary["completed_ytd"] == "5200.00"


def test_pdf_report_has_chinese_text_tables_and_a_chart(october, tmp_path):
    report = build(october, "pdf")
    data = Path(report.file.path).read_bytes()
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", report.file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "市项目工作领导小组调度报告" in text
    assert "县区排名" in text and "铁东区" in text and "海城市" in text
    assert "43.33%" in text  # 5,200 / 12,000: the one percent display, 2 places
    assert "各县区本年计划与累计完成投资" in text  # the chart's title
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", report.file.path, str(tmp_path / "page")],
                   check=True)  # fmt: skip
    assert (tmp_path / "page-1.png").stat().st_size > 5000


def test_an_unchanged_round_keeps_its_report_and_a_change_makes_a_new_version(october):
    first = services.report_request(round=october, formats=["xlsx"])[0]
    again = services.report_request(round=october, formats=["xlsx"])[0]
    assert first.pk == again.pk
    Region.objects.all()  # no-op read
    entry(project(total_investment=9000, annual_plan=100, region=Region.objects.get(key="tiexi")), D(2026, 10, 1), "1")
    changed = services.report_request(round=october, formats=["xlsx"])[0]
    assert changed.pk != first.pk and changed.data_version != first.data_version


def test_an_amended_month_counts_with_its_amended_figure(october):
    from investment.models import ProgressEntry

    ProgressEntry.objects.filter(project__name="甲", period=D(2026, 10, 1)).update(amended_amount=Decimal("50"))
    report = build(october, "xlsx")
    summary = {row[0]: row[1] for row in sheet(openpyxl.load_workbook(report.file.path, read_only=True), "汇总")[1:]}
    assert summary["本年累计完成投资"] == 5200 - 250 + 50


def test_problems_are_listed_as_they_stood_at_the_end_of_the_period(october):
    from projects.models import Project

    late = problem(Project.objects.get(name="乙"), deadline=D(2026, 12, 1), unit="市发展改革委")  # raised after October
    solved_later = problem(Project.objects.get(name="丙"), deadline=D(2026, 10, 20), unit="市住房城乡建设局",
                           status="solved")  # fmt: skip
    Problem.objects.filter(pk=solved_later.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 10, 1)), solved_on=D(2026, 11, 3)
    )
    report = build(october, "xlsx")
    units = [row[0] for row in sheet(openpyxl.load_workbook(report.file.path, read_only=True), "未解决问题")[1:]]
    assert sorted(units) == ["市住房城乡建设局", "市自然资源局"]
    assert late.responsible_unit not in units


def test_a_report_lifts_the_statement_timeout_only_while_it_builds(october, monkeypatch):
    from django.db import connection

    def timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    seen = []
    real = services.reports.build_round_report

    def spy(*args, **kwargs):
        seen.append(timeout())
        return real(*args, **kwargs)

    monkeypatch.setattr(services.reports, "build_round_report", spy)
    build(october, "xlsx")
    assert seen == ["15min"] and timeout() == before
