import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import selectors, services
from dispatch.models import EvaluationEntry, Report, WarningNotice
from projects.models import Department, Region

from .conftest import entry, project

D = datetime.date


@pytest.fixture
def third_quarter(tiedong, haicheng):
    tiexi = Region.objects.get(key="tiexi")
    gxj, fgw = Department.objects.get(key="gxj"), Department.objects.get(key="fgw")
    spec = [(tiedong, gxj, 1000, "80"), (haicheng, gxj, 2000, "50"), (tiexi, fgw, 1000, "10")]
    for region, department, plan, monthly in spec:
        p = project(region=region, department=department, annual_plan=plan, stage="construction",
                    start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
        for month in range(1, 10):
            entry(p, D(2026, month, 1), monthly)
        entry(p, D(2026, 10, 1), "9999")  # after the quarter: not counted


def test_quarterly_ranking_gives_the_red_flag_and_a_warning_notice(third_quarter, leader):
    evaluation, created = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    assert created and evaluation.period_end == D(2026, 9, 30)
    regions = list(EvaluationEntry.objects.filter(evaluation=evaluation, unit_kind="region").order_by("rank"))
    # 铁东 720/1000 = 72%, 海城 450/2000 = 22.5%, 铁西 90/1000 = 9%
    assert [(e.region.key, e.completion_rate) for e in regions] == [
        ("tiedong", Decimal("0.7200")),
        ("haicheng", Decimal("0.2250")),
        ("tiexi", Decimal("0.0900")),
    ]
    assert [e.red_flag for e in regions] == [True, False, False]
    assert [e.warned for e in regions] == [False, False, True]
    departments = list(EvaluationEntry.objects.filter(evaluation=evaluation, unit_kind="department").order_by("rank"))
    assert [(e.department.key, e.completed) for e in departments] == [
        ("gxj", Decimal("1170.00")),
        ("fgw", Decimal("90.00")),
    ]
    notices = WarningNotice.objects.filter(evaluation=evaluation)
    assert {(n.region_id and n.region.key) or n.department.key for n in notices} == {"tiexi", "fgw"}
    assert "排名末位" in notices.first().reason
    # Once per quarter.
    again, created = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    assert again.pk == evaluation.pk and not created
    assert WarningNotice.objects.filter(evaluation=evaluation).count() == 2


def test_the_ranking_is_a_report_like_the_others(third_quarter, leader):
    evaluation, _ = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    report = Report.objects.create(
        kind="evaluation", evaluation=evaluation, data_version=selectors.evaluation_data_version(evaluation),
        format="xlsx",
    )  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    rows = list(openpyxl.load_workbook(report.file.path, read_only=True)["县区排名"].iter_rows(values_only=True))
    assert rows[1][:2] == (1, "铁东区") and rows[1][7] == "是"
    assert rows[3][:2] == (3, "铁西区") and rows[3][8] == "是"


def test_only_leadership_runs_an_evaluation(third_quarter, county_user):
    with pytest.raises(PermissionDenied):
        services.evaluation_run(user=county_user, year=2026, quarter=3, queue=False)


def test_warning_notice_needs_a_reason_and_one_recipient(leader, tiedong):
    with pytest.raises(ValidationError) as error:
        services.warning_notice_issue(user=leader, reason=" ", region=tiedong)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.warning_notice_issue(user=leader, reason="项目推进缓慢", region=None, department=None)
    notice = services.warning_notice_issue(user=leader, reason="项目推进缓慢", region=tiedong)
    assert notice.issued_by == leader


def test_notices_are_seen_by_their_county_only(leader, tiedong, haicheng, county_user, other_county_user):
    notice = services.warning_notice_issue(user=leader, reason="开工率偏低", region=tiedong)
    assert list(selectors.notice_list(user=county_user)) == [notice]
    assert list(selectors.notice_list(user=other_county_user)) == []
    services.warning_notice_acknowledge(user=county_user, notice=notice)
    assert notice.acknowledged_at is not None
    with pytest.raises(PermissionDenied):
        services.warning_notice_acknowledge(user=other_county_user, notice=notice)


def test_previous_quarter():
    assert services.previous_quarter(D(2026, 1, 5)) == (2025, 4)
    assert services.previous_quarter(D(2026, 4, 5)) == (2026, 1)
    assert services.previous_quarter(D(2026, 12, 31)) == (2026, 3)
