"""The ten-day period 旬 (1st, 11th, 21st): its periods, the schedule of a group on that cadence, and a
programme group's physical indicators in its report (against independent SQL)."""

import datetime
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django_celery_beat.models import CrontabSchedule

from common.periods import dekad, previous_dekad
from dispatch import schedules, selectors, services
from dispatch.choices import Cadence
from dispatch.models import DispatchGroup, Report
from investment.models import IndicatorMonth, PhysicalIndicator
from projects.choices import Tier
from projects.models import Category, Department

from .conftest import project

D = datetime.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 2, 1), (D(2026, 2, 1), D(2026, 2, 10))),
        (D(2026, 2, 10), (D(2026, 2, 1), D(2026, 2, 10))),
        (D(2026, 2, 11), (D(2026, 2, 11), D(2026, 2, 20))),
        (D(2026, 2, 28), (D(2026, 2, 21), D(2026, 2, 28))),  # 8 days
        (D(2024, 2, 29), (D(2024, 2, 21), D(2024, 2, 29))),
        (D(2026, 12, 31), (D(2026, 12, 21), D(2026, 12, 31))),  # 11 days
    ],
)
def test_dekads(day, expected):
    assert dekad(day) == expected


def test_previous_dekad_crosses_months_and_years():
    assert previous_dekad(D(2026, 3, 1)) == (D(2026, 2, 21), D(2026, 2, 28))
    assert previous_dekad(D(2026, 1, 5)) == (D(2025, 12, 21), D(2025, 12, 31))
    assert previous_dekad(D(2026, 3, 21)) == (D(2026, 3, 11), D(2026, 3, 20))


@pytest.mark.django_db
def test_a_group_on_the_dekad_cadence_meets_on_the_1st_11th_21st():
    group = DispatchGroup.objects.create(key="reno", name="老旧小区改造工作专班", tier=Tier.DEPARTMENT,
                                         cadence=Cadence.DEKAD, run_hour=8)  # fmt: skip
    days = [d for d in (D(2026, 3, 1) + datetime.timedelta(days=n) for n in range(31))
            if schedules.runs_on(group.cadence, d)]  # fmt: skip
    assert days == [D(2026, 3, 1), D(2026, 3, 11), D(2026, 3, 21)]
    assert schedules.period_for(group.cadence, D(2026, 3, 11)) == schedules.Period(D(2026, 3, 1), D(2026, 3, 10))
    assert schedules.period_for(group.cadence, D(2026, 3, 1)) == schedules.Period(D(2026, 2, 21), D(2026, 2, 28))
    assert schedules.crontab_for(group)["day_of_month"] == "1,11,21"
    schedules.group_schedule_sync(group)
    group.refresh_from_db()
    crontab = CrontabSchedule.objects.get(pk=group.periodic_task.crontab_id)
    assert (crontab.day_of_month, crontab.hour) == ("1,11,21", "8")
    assert schedules.schedule_words(crontab) == "每月1日、11日、21日 08:00"


@pytest.fixture
def programme(tiedong, haicheng):
    urban, zjj = Category.objects.get(key="urban"), Department.objects.get(key="zjj")
    group = DispatchGroup.objects.create(key="reno", name="老旧小区改造工作专班", tier=Tier.DEPARTMENT,
                                         cadence=Cadence.DEKAD, category=urban, department=zjj)  # fmt: skip
    a = project(name="铁东老旧小区", region=tiedong, category=urban, department=zjj, stage="construction")
    b = project(name="海城老旧小区", region=haicheng, category=urban, department=zjj, stage="construction")
    outside = project(name="工业项目", region=tiedong, stage="construction")  # not in the group's scope
    for p, communities, households in ((a, 70, "100000"), (b, 51, "79100"), (outside, 99, "5")):
        for name, unit, total in (
            ("改造老旧小区", "community", communities),
            ("惠及居民户数", "household", households),
        ):
            indicator = PhysicalIndicator.objects.create(project=p, name=name, unit=unit, planned_total=Decimal(total))
            for month, share in ((D(2026, 9, 1), "0.3"), (D(2026, 10, 1), "0.4"), (D(2026, 11, 1), "0.3")):
                planned = (Decimal(total) * Decimal(share)).quantize(Decimal("0.01"))
                IndicatorMonth.objects.create(indicator=indicator, month=month, planned=planned,
                                              completed=(planned * Decimal("0.9")).quantize(Decimal("0.01")))  # fmt: skip
    return group


INDICATOR_SQL = """
    SELECT i.name, SUM(i.planned_total),
           SUM((SELECT COALESCE(SUM(m.planned), 0) FROM investment_indicatormonth m
                WHERE m.indicator_id = i.id AND m.month <= %s)),
           SUM((SELECT COALESCE(SUM(m.completed), 0) FROM investment_indicatormonth m
                WHERE m.indicator_id = i.id AND m.month <= %s))
    FROM investment_physicalindicator i JOIN projects_project p ON p.id = i.project_id
    JOIN projects_category c ON c.id = p.category_id JOIN projects_department d ON d.id = p.department_id
    WHERE c.key = 'urban' AND d.key = 'zjj' GROUP BY i.name ORDER BY i.name
"""


@pytest.mark.django_db
def test_the_programmes_indicators_are_in_its_report(programme):
    # The round of 21-31 October reviews the reporting month October (plans of September and October).
    round, _ = services.round_run(group=programme, period=schedules.Period(D(2026, 10, 21), D(2026, 10, 31)),
                                  queue=False)  # fmt: skip
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format="xlsx")  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    book = openpyxl.load_workbook(report.file.path, read_only=True)
    rows = list(book["实物量指标"].iter_rows(values_only=True))
    assert rows[0][:6] == ("指标", "单位", "项目数(个)", "计划总量", "累计计划量", "累计完成量")
    with connection.cursor() as cursor:
        cursor.execute(INDICATOR_SQL, [D(2026, 10, 1), D(2026, 10, 1)])
        expected = {name: (total, planned, done) for name, total, planned, done in cursor.fetchall()}
    got = {r[0]: (Decimal(str(r[3])), Decimal(str(r[4])), Decimal(str(r[5]))) for r in rows[1:]}
    assert got == expected
    assert expected["改造老旧小区"] == (Decimal("121.00"), Decimal("84.70"), Decimal("76.23"))
    households = next(r for r in rows[1:] if r[0] == "惠及居民户数")
    assert households[1] == "户" and households[2] == 2
    assert Decimal(str(households[6])) == (Decimal("0.9") * Decimal("0.7")).quantize(Decimal("0.0001"))


@pytest.mark.django_db
def test_the_pdf_report_has_the_indicators(programme):
    round, _ = services.round_run(group=programme, period=schedules.Period(D(2026, 10, 21), D(2026, 10, 31)),
                                  queue=False)  # fmt: skip
    report = Report.objects.create(kind="round", round=round, data_version=selectors.round_data_version(round),
                                   format="pdf")  # fmt: skip
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    text = subprocess.run(["pdftotext", report.file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "实物量指标" in text and "改造老旧小区" in text
