"""Traffic lights and supervision orders in a round's report (issue 11), against figures set up here:
one project per light colour, one not started past its planned start (no main light, red overall),
and orders answered on time, overdue, issued before the period or outside the scope."""

import datetime
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from projects.choices import Stage
from supervision.choices import OrderStatus, UnitKind
from supervision.models import MonthlyPlan, SupervisionOrder
from tests.factories import UserFactory

from .conftest import entry, project

D = datetime.date
OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


def building(name, completed, **kwargs):
    """Under construction, 1,000 万元 planned this year, 80% of it due by October (its monthly plan)."""
    defaults = {"total_investment": Decimal("10000"), "annual_plan": Decimal("1000"), "stage": Stage.CONSTRUCTION,
                "start_type": "continuing", "actual_start": D(2025, 3, 1), "planned_completion": None}  # fmt: skip
    p = project(name=name, **{**defaults, **kwargs})
    MonthlyPlan.objects.create(project=p, year=2026, month=10, cumulative_percent=Decimal("80"))
    entry(p, D(2026, 10, 1), completed)
    return p


def order(number, p, *, unit_region, issued_on, deadline, issued_by, **fields):
    return SupervisionOrder.objects.create(
        number=number, project=p, requirement="落实施工条件", unit_kind=UnitKind.REGION, unit_region=unit_region,
        unit_name=unit_region.name, issued_by=issued_by, issued_on=issued_on, deadline=deadline, **fields,
    )  # fmt: skip


@pytest.fixture
def scope(groups, tiedong, haicheng):
    leader = UserFactory(username="dispatcher")
    green = building("绿灯项目", "800")  # 80% done against 80%: 0 behind
    yellow = building("黄灯项目", "600", region=haicheng)  # 20 behind
    red = building("红灯项目", "300")  # 50 behind
    waiting = project(name="未开工项目", stage=Stage.LANDED, planned_start=D(2026, 6, 1), total_investment=8000,
                      annual_plan=500)  # fmt: skip
    small = building("小项目", "0", total_investment=Decimal("1000"))  # below the city group's threshold
    order("督2026-00001", green, unit_region=tiedong, issued_on=D(2026, 10, 10), deadline=D(2026, 10, 13),
          issued_by=leader, status=OrderStatus.CLOSED, first_replied_on=D(2026, 10, 12), replied_on_time=True,
          closed_on=D(2026, 10, 14))  # fmt: skip
    order("督2026-00002", red, unit_region=haicheng, issued_on=D(2026, 10, 20), deadline=D(2026, 10, 23),
          issued_by=leader, was_overdue=True, overdue_on=D(2026, 10, 24))  # fmt: skip
    order("督2026-00003", red, unit_region=tiedong, issued_on=D(2026, 9, 1), deadline=D(2026, 9, 4),
          issued_by=leader)  # before the period  # fmt: skip
    order("督2026-00004", small, unit_region=tiedong, issued_on=D(2026, 10, 5), deadline=D(2026, 10, 8),
          issued_by=leader)  # outside the scope  # fmt: skip
    round, _ = services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    return round, {"green": green, "yellow": yellow, "red": red, "waiting": waiting, "small": small}


def build(round, fmt):
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format=fmt)  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def rows(book, name):
    return list(book[name].iter_rows(values_only=True))


def test_xlsx_lists_every_project_with_its_lights_and_the_orders_per_unit(scope):
    round, _ = scope
    book = openpyxl.load_workbook(build(round, "xlsx").file.path, read_only=True)
    assert {"预警红黄绿灯", "督办单"} <= set(book.sheetnames)

    header, *lights = rows(book, "预警红黄绿灯")
    assert header[:10] == ("项目ID", "项目名称", "县区", "牵头部门", "阶段", "序时进度(%)", "年度计划完成率(%)",
                           "落后(百分点)", "序时进度灯", "综合灯")  # fmt: skip
    by_name = {row[1]: row for row in lights}
    assert set(by_name) == {"绿灯项目", "黄灯项目", "红灯项目", "未开工项目"}  # not the small one
    assert [by_name["绿灯项目"][i] for i in (5, 6, 7, 8, 9)] == [80, 80, 0, "绿灯", "绿灯"]
    assert [by_name["黄灯项目"][i] for i in (6, 7, 8, 9)] == [60, 20, "黄灯", "黄灯"]
    assert [by_name["红灯项目"][i] for i in (6, 7, 8, 9)] == [30, 50, "红灯", "红灯"]
    waiting = by_name["未开工项目"]
    assert (waiting[8], waiting[9]) == ("不亮灯", "红灯")
    assert waiting[header.index("逾期未开工")] == "是"
    assert all(by_name[n][header.index("逾期未开工")] in ("", None) for n in ("绿灯项目", "黄灯项目", "红灯项目"))

    summary = {row[0]: row[1] for row in rows(book, "汇总")[1:]}
    assert summary["绿灯项目(序时进度灯)"] == 1
    assert summary["黄灯项目(序时进度灯)"] == 1
    assert summary["红灯项目(序时进度灯)"] == 1
    assert summary["未亮灯项目"] == 1
    assert summary["综合红灯项目(含预警标志)"] == 2  # the red one and the late starter
    assert summary["本期下达督办单"] == 2  # not the September one, not the out-of-scope one
    assert summary["其中按时回复"] == 1
    assert summary["其中逾期未回复"] == 1
    assert summary["其中已销号"] == 1
    assert summary["督办单按时回复率"] == pytest.approx(0.5)

    header, *units = rows(book, "督办单")
    assert header == ("责任单位类型", "责任单位", "下达", "应回复", "按时回复", "逾期未回复", "已销号", "按时回复率")
    by_unit = {row[1]: row for row in units}
    assert by_unit["铁东区"][2:] == (1, 1, 1, 0, 1, 1)
    assert by_unit["海城市"][2:] == (1, 1, 0, 1, 0, 0)
    assert units[-1] == ("合计", None, 2, 2, 1, 1, 1, 0.5)
    round.refresh_from_db()
    assert round.summary["lights"]["light_red"] == 1 and round.summary["orders"]["issued"] == 2


def test_pdf_has_the_lights_and_orders_sections(scope, tmp_path):
    round, _ = scope
    report = build(round, "pdf")
    text = subprocess.run(["pdftotext", "-layout", report.file.path, "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "预警红黄绿灯" in text and "督办单" in text
    assert "绿灯 1 个,黄灯 1 个,红灯 1 个,未亮灯 1 个" in text.replace("\n", "")
    assert "综合红灯 2 个" in text
    assert "红灯项目(落后最多的 2 个,共 2 个)" in text
    assert "本期下达督办单 2 份,按时回复 1 份" in text and "逾期未回复 1 份,已销号 1 份" in text.replace("\n", "")
    assert "按时回复率 50.00%" in text.replace("\n", "")
    red_section = text[text.index("红灯项目(落后最多") : text.index("本期下达督办单 2 份")]
    assert "红灯项目" in red_section and "未开工项目" in red_section and "逾期未开工" in red_section
    assert "绿灯项目" not in red_section and "黄灯项目" not in red_section
    subprocess.run(["pdftoppm", "-png", "-r", "40", report.file.path, str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page-*.png"))


def test_a_new_order_in_the_period_changes_the_data_version(scope, tiedong):
    round, projects = scope
    before = selectors.round_data_version(round)
    order("督2026-00005", projects["yellow"], unit_region=tiedong, issued_on=D(2026, 10, 28),
          deadline=D(2026, 10, 30), issued_by=UserFactory(username="another"))  # fmt: skip
    assert selectors.round_data_version(round) != before
    again = selectors.round_data_version(round)
    MonthlyPlan.objects.filter(project=projects["green"]).update(cumulative_percent=Decimal("90"))
    assert selectors.round_data_version(round) != again


def test_last_years_progress_is_in_the_data_version_because_the_overrun_flag_reads_it(scope):
    round, projects = scope
    before = selectors.round_data_version(round)
    entry(projects["red"], D(2025, 6, 1), "9900")  # since-start total now above the planned total
    assert selectors.round_data_version(round) != before
    book = openpyxl.load_workbook(build(round, "xlsx").file.path, read_only=True)
    header, *lights = rows(book, "预警红黄绿灯")
    red = next(row for row in lights if row[1] == "红灯项目")
    assert red[header.index("投资超概算")] == "是"
