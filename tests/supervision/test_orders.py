"""The supervision order (督办单) lifecycle: issue, deadline in working days, reply, close or send back,
overdue and escalation one tier up, and the statistics a dispatch report shows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.models import Notification
from projects.choices import Role, Tier
from projects.models import Department
from supervision import services, workdays
from supervision.choices import OrderAction, OrderStatus, UnitKind
from supervision.models import CalendarDay, SupervisionOrder
from supervision.selectors import order_stats
from tests.factories import ProjectFactory, user_with_role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOLIDAYS = [datetime.date(2026, 10, d) for d in (1, 2, 5, 6, 7)]  # National Day on weekdays
MAKE_UP = [datetime.date(2026, 9, 27), datetime.date(2026, 10, 10)]  # weekend make-up working days (调休)


@pytest.fixture
def national_day():
    for day in HOLIDAYS:
        CalendarDay.objects.create(date=day, is_workday=False, note="国庆节")
    for day in MAKE_UP:
        CalendarDay.objects.create(date=day, is_workday=True, note="调休上班")


def on(monkeypatch, day):
    monkeypatch.setattr(services, "_today", lambda: day)


def test_adding_working_days_skips_the_weekend():
    # Thursday + 3 working days: Friday, Monday, Tuesday.
    assert workdays.add_working_days(datetime.date(2026, 11, 26), 3, {}) == datetime.date(2026, 12, 1)
    # Friday + 1: Monday.
    assert workdays.add_working_days(datetime.date(2026, 11, 27), 1, {}) == datetime.date(2026, 11, 30)
    assert workdays.add_working_days(datetime.date(2026, 11, 27), 0, {}) == datetime.date(2026, 11, 27)


def test_adding_working_days_skips_holidays_and_counts_make_up_days():
    overrides = dict.fromkeys(HOLIDAYS, False) | dict.fromkeys(MAKE_UP, True)
    # Wednesday 30 Sep + 3: 1-7 Oct off, Thu 8, Fri 9, and the make-up Saturday 10 Oct.
    assert workdays.add_working_days(datetime.date(2026, 9, 30), 3, overrides) == datetime.date(2026, 10, 10)
    # Friday 25 Sep + 1: the make-up Sunday 27 Sep.
    assert workdays.add_working_days(datetime.date(2026, 9, 25), 1, overrides) == datetime.date(2026, 9, 27)


def test_an_order_gets_three_working_days_by_default_from_the_calendar(leader, tiedong, national_day):
    project = ProjectFactory()
    order = services.order_issue(
        user=leader,
        project=project,
        requirement="本周内落实施工用电",
        unit_kind=UnitKind.REGION,
        unit_region=tiedong,
        issued_on=datetime.date(2026, 9, 30),
    )
    assert order.deadline == datetime.date(2026, 10, 10)
    assert order.tier == Tier.CITY  # issued by the leadership group
    assert order.number == f"督2026-{order.pk:05d}"
    assert order.unit_name == "铁东区"


def test_the_full_lifecycle_keeps_its_history(
    monkeypatch, leader, county_user, tiedong, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    on(monkeypatch, datetime.date(2026, 11, 26))
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader, project=project, requirement="协调征地", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
    assert order.issued_on == datetime.date(2026, 11, 26)
    assert order.deadline == datetime.date(2026, 12, 1)  # across the weekend
    assert Notification.objects.filter(recipient=county_user, event_key=f"order_issued:{order.pk}").exists()

    on(monkeypatch, datetime.date(2026, 11, 30))
    upload = SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=False):
        reply = services.order_reply(user=county_user, order=order, text="已召开协调会", attachments=[upload])
    order.refresh_from_db()
    assert order.status == OrderStatus.REPLIED
    assert order.replied_on_time is True
    assert reply.attachments.get().content_type == "application/pdf"
    assert Notification.objects.filter(recipient=leader, kind="order_replied").count() == 1

    with django_capture_on_commit_callbacks(execute=False):
        services.order_send_back(user=leader, order=order, note="请附征地协议")
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED
    assert order.deadline == datetime.date(2026, 12, 3)

    on(monkeypatch, datetime.date(2026, 12, 2))
    with django_capture_on_commit_callbacks(execute=False):
        services.order_reply(user=county_user, order=order, text="协议已签订")
        services.order_accept(user=leader, order=order, note="同意销号")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert order.closed_on == datetime.date(2026, 12, 2)
    actions = list(order.history.values_list("action", "actor__username"))
    assert actions == [
        (OrderAction.ISSUED, "leader"),
        (OrderAction.REPLIED, "alice"),
        (OrderAction.SENT_BACK, "leader"),
        (OrderAction.REPLIED, "alice"),
        (OrderAction.ACCEPTED, "leader"),
    ]


def test_only_the_unit_replies_and_only_the_issuer_closes(
    leader, county_user, county_colleague, other_county_user, tiedong, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader, project=project, requirement="x", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
        with pytest.raises(PermissionDenied):
            services.order_reply(user=other_county_user, order=order, text="不是我们")
        with pytest.raises(PermissionDenied):
            services.order_issue(
                user=county_user, project=project, requirement="x", unit_kind=UnitKind.REGION, unit_region=tiedong
            )
        services.order_reply(user=county_colleague, order=order, text="已办")
        with pytest.raises(PermissionDenied):
            services.order_accept(user=county_user, order=order)
        with pytest.raises(ValidationError) as error:
            services.order_send_back(user=leader, order=order, note="  ")
    assert "note" in error.value.message_dict


def test_an_attachment_is_checked_by_its_content(leader, county_user, tiedong, django_capture_on_commit_callbacks):
    project = ProjectFactory()
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader, project=project, requirement="x", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
        fake = SimpleUploadedFile("报告.pdf", b"#!/bin/sh\necho hi\n", content_type="application/pdf")
        with pytest.raises(ValidationError) as error:
            services.order_reply(user=county_user, order=order, text="见附件", attachments=[fake])
    assert "attachments" in error.value.message_dict
    assert "报告.pdf" in error.value.message_dict["attachments"][0]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED  # nothing half-written
    assert not order.replies.exists()


def test_an_unanswered_order_turns_overdue_and_escalates_once(admin_user, tiedong, django_capture_on_commit_callbacks):
    project = ProjectFactory()
    dept_user = user_with_role("gxj_staff", Role.DEPARTMENT, department=Department.objects.get(key="gxj"))
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=admin_user,
            project=project,
            requirement="x",
            unit_kind=UnitKind.REGION,
            unit_region=tiedong,
            issued_on=datetime.date(2026, 11, 26),
        )
    assert (order.tier, order.deadline) == (Tier.COUNTY, datetime.date(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=False):
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 1)) == []  # due today: not yet late
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 2)) == [order.pk]
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 3)) == []  # idempotent
    order.refresh_from_db()
    assert order.was_overdue is True
    assert order.tier == Tier.DEPARTMENT
    assert list(order.history.values_list("action", flat=True)) == ["issued", "overdue", "escalated"]
    # The next tier (the project's lead department) is told.
    assert Notification.objects.filter(recipient=dept_user, kind="order_overdue").count() == 1


def test_order_statistics_per_unit(
    monkeypatch, leader, county_user, tiedong, haicheng, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    user_with_role("hc_staff", Role.COUNTY_STAFF, region=haicheng)
    on(monkeypatch, datetime.date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=False):
        answered = services.order_issue(
            user=leader, project=project, requirement="a", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
        late = services.order_issue(
            user=leader, project=project, requirement="b", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
        # An order goes to the project's own county (access.responsible_region_allowed).
        ignored = services.order_issue(
            user=leader,
            project=ProjectFactory(region=haicheng),
            requirement="c",
            unit_kind=UnitKind.REGION,
            unit_region=haicheng,
        )
        services.order_reply(user=county_user, order=answered, text="ok")
        services.order_accept(user=leader, order=answered)
        on(monkeypatch, datetime.date(2026, 11, 20))
        services.order_reply(user=county_user, order=late, text="late")
        services.orders_mark_overdue(today=datetime.date(2026, 11, 20))
    stats = order_stats(user=leader, today=datetime.date(2026, 11, 20))
    assert stats["issued"] == 3
    assert stats["answered_on_time"] == 1
    assert stats["closed"] == 1
    assert stats["overdue"] == 1  # the one never answered
    units = {row["unit_name"]: row for row in stats["units"]}
    assert units["铁东区"]["on_time_rate"] == 50
    assert units["海城市"]["on_time_rate"] == 0
    assert SupervisionOrder.objects.get(pk=ignored.pk).was_overdue is True


def test_a_missed_new_deadline_after_a_send_back_escalates_again(
    monkeypatch, admin_user, county_user, tiedong, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    on(monkeypatch, datetime.date(2026, 11, 26))
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=admin_user, project=project, requirement="x", unit_kind=UnitKind.REGION, unit_region=tiedong
        )
        services.orders_mark_overdue(today=datetime.date(2026, 12, 2))  # county -> department
        on(monkeypatch, datetime.date(2026, 12, 2))
        services.order_reply(user=county_user, order=order, text="晚了")
        services.order_send_back(user=admin_user, order=order, note="不完整")  # new deadline Monday 7 Dec
        order.refresh_from_db()
        assert order.deadline == datetime.date(2026, 12, 7)
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 7)) == []
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 8)) == [order.pk]
        assert services.orders_mark_overdue(today=datetime.date(2026, 12, 9)) == []
    order.refresh_from_db()
    assert order.tier == Tier.SPECIAL
    assert order.replied_on_time is False


def test_order_statistics_for_a_report_scope_without_a_user(
    leader, tiedong, haicheng, django_capture_on_commit_callbacks
):
    from projects.models import Project

    mine = ProjectFactory()
    theirs = ProjectFactory(region=haicheng)
    with django_capture_on_commit_callbacks(execute=False):
        for project in (mine, theirs, theirs):
            services.order_issue(
                user=leader,
                project=project,
                requirement="x",
                unit_kind=UnitKind.REGION,
                unit_region=project.region,
                issued_on=datetime.date(2026, 11, 2),
            )
    stats = order_stats(projects=Project.objects.filter(region=haicheng), today=datetime.date(2026, 11, 3))
    assert stats["issued"] == 2
    assert stats["overdue"] == 0
    assert [u["unit_name"] for u in stats["units"]] == ["海城市"]
