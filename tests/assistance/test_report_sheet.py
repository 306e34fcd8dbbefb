"""The 包保服务 sheet of a dispatch round's xlsx report: per county, unit and steward, then the total,
against independent SQL over the raw table (never the code's helpers)."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from assistance import services
from assistance.models import ServiceTask
from dispatch import selectors as dispatch_selectors
from dispatch import services as dispatch_services
from dispatch.models import DispatchGroup, Report
from dispatch.schedules import Period
from projects.models import Department, Region
from tests.factories import ProjectFactory, UserFactory

from .conftest import D, on

OCTOBER = Period(D(2026, 10, 1), D(2026, 10, 31))


@pytest.fixture
def groups(db):
    dispatch_services.groups_load_defaults()
    return {g.key: g for g in DispatchGroup.objects.all()}


@pytest.fixture
def scope(monkeypatch, groups, admin_user, kinds, steward):
    haicheng = Region.objects.get(key="haicheng")
    other_steward = UserFactory(username="tom", display_name="管家老汤")
    a = ProjectFactory(name="甲", steward=steward)
    b = ProjectFactory(name="乙", region=haicheng, steward=other_steward)
    c = ProjectFactory(name="丙", region=haicheng)  # no steward
    small = ProjectFactory(
        name="小", total_investment=Decimal("800"), annual_plan=Decimal("100")
    )  # below the city group's threshold
    zjj, gxj = Department.objects.get(key="zjj"), Department.objects.get(key="gxj")

    def task(project, requested_on, unit, *, finish_on=None, refuse=False, days=3):
        on(monkeypatch, requested_on)
        t = services.task_request(user=admin_user, project=project, kind=kinds["utilities"], request_text="接入",
                                  owner_unit=unit, deadline_days=days, requested_on=requested_on)  # fmt: skip
        if refuse:
            services.task_refuse(user=admin_user, task=t, reason="不属于代办范围")
        elif finish_on:
            services.task_accept(user=admin_user, task=t)
            on(monkeypatch, finish_on)
            services.task_finish(user=admin_user, task=t, result="已接入", done_on=finish_on)
        return t

    task(a, D(2026, 10, 9), zjj, finish_on=D(2026, 10, 13))  # 3 working days (Sat 10, 12, 13): on time
    task(a, D(2026, 10, 9), gxj, finish_on=D(2026, 10, 20))  # 8 working days: late (due 13 Oct)
    task(b, D(2026, 10, 12), zjj, finish_on=D(2026, 10, 15))  # 3: on time, the deadline day
    task(b, D(2026, 10, 20), gxj)  # open, due 23 Oct: overdue at the period end
    task(c, D(2026, 10, 28), gxj)  # open, due 2 Nov: not overdue at the period end
    task(c, D(2026, 10, 16), zjj, refuse=True)
    task(a, D(2026, 9, 28), zjj, finish_on=D(2026, 9, 30))  # September: not in the round
    task(small, D(2026, 10, 9), zjj, finish_on=D(2026, 10, 12))  # out of scope
    on(monkeypatch, D(2026, 11, 5))
    round, _ = dispatch_services.round_run(group=groups["city"], period=OCTOBER, queue=False)
    return round


def sql_rows(group_expr, join=""):
    """Per group: requested, done, on time, sum of working days of done tasks (counted here from the
    calendar, not the stored figure), overdue open at 31 Oct; key projects (>= 5,000 万元) of October."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {group_expr} AS name, count(*),
                   count(*) FILTER (WHERE t.status = 'done'),
                   count(*) FILTER (WHERE t.status = 'done' AND t.done_on <= t.deadline),
                   count(*) FILTER (WHERE t.status IN ('requested', 'accepted', 'in_progress') AND t.deadline < %s),
                   array_agg(t.requested_on ORDER BY t.id) FILTER (WHERE t.status = 'done'),
                   array_agg(t.done_on ORDER BY t.id) FILTER (WHERE t.status = 'done')
            FROM assistance_servicetask t
            JOIN projects_project p ON p.id = t.project_id
            JOIN projects_region r ON r.id = p.region_id
            JOIN projects_department d ON d.id = t.owner_unit_id
            LEFT JOIN accounts_user u ON u.id = p.steward_id
            {join}
            WHERE p.total_investment >= 5000 AND t.requested_on BETWEEN %s AND %s
            GROUP BY 1 ORDER BY 1""",
            [D(2026, 10, 31), D(2026, 10, 1), D(2026, 10, 31)],
        )
        return cursor.fetchall()


MAKE_UP = {D(2026, 10, 10)}  # the State Council's 2026 calendar: Saturday 10 Oct is a working day (调休)


def working_days(start, end):
    """Working days after ``start`` through ``end``: Monday-Friday plus the make-up Saturday (the test's
    dates avoid the 1-8 October holiday), written out here."""
    day, count = start, 0
    while day < end:
        day += datetime.timedelta(days=1)
        count += day.weekday() < 5 or day in MAKE_UP
    return count


def expected(rows):
    out = {}
    for name, requested, done, on_time, overdue, starts, ends in rows:
        total_days = sum(working_days(s, e) for s, e in zip(starts or [], ends or [], strict=True))
        rate = (Decimal(on_time) / Decimal(done)).quantize(Decimal("0.0001")) if done else None
        average = (Decimal(total_days) / Decimal(done)).quantize(Decimal("0.01")) if done else None
        out[name or "未指定"] = (requested, done, on_time, rate, average, overdue)
    return out


def sheet(round):
    report = Report.objects.create(kind="round", round=round, data_version=dispatch_selectors.round_data_version(round),
                                   format="xlsx")  # fmt: skip
    assert dispatch_services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    book = openpyxl.load_workbook(report.file.path, read_only=True)
    header, *rows = list(book["包保服务"].iter_rows(values_only=True))
    assert header == ("分组", "名称", "服务事项数", "已办结", "按期办结", "按期办结率", "平均办结工作日", "逾期未办结")
    found = {}
    for group, name, requested, done, on_time, rate, average, overdue in rows:
        rate = None if rate is None else Decimal(str(rate)).quantize(Decimal("0.0001"))
        average = None if average is None else Decimal(str(average)).quantize(Decimal("0.01"))
        found.setdefault(group, {})[name] = (requested, done, on_time, rate, average, overdue)
    return found


def test_the_sheet_matches_independent_sql_per_county_unit_steward_and_total(scope):
    found = sheet(scope)
    assert found["县区"] == expected(sql_rows("r.name"))
    assert found["责任单位"] == expected(sql_rows("d.name"))
    assert found["项目管家"] == expected(sql_rows("coalesce(nullif(u.display_name, ''), u.username)"))
    assert found["合计"] == expected(sql_rows("'合计'"))
    # The figures themselves, spelled out: 6 requested, 3 done, 2 on time, (3 + 8 + 3) / 3 = 4.67 days, 1 overdue.
    assert found["合计"]["合计"] == (6, 3, 2, Decimal("0.6667"), Decimal("4.67"), 1)


def test_a_change_to_a_task_makes_a_new_report_version(scope, admin_user):
    before = dispatch_selectors.round_data_version(scope)
    task = ServiceTask.objects.filter(status="requested").first()
    services.task_refuse(user=admin_user, task=task, reason="企业撤回申请")
    assert dispatch_selectors.round_data_version(scope) != before
