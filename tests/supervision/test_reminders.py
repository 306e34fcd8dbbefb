import datetime

from investment.choices import EntryStatus
from investment.models import Problem
from notifications.models import Notification
from projects.choices import Role
from projects.models import Department
from supervision import services
from supervision.choices import UnitKind
from supervision.models import SupervisionSettings
from tests.factories import user_with_role

from .conftest import building, entry


def test_entry_reminder_on_the_configured_day_once_per_month(
    county_user, county_colleague, other_county_user, haicheng, django_capture_on_commit_callbacks
):
    building()  # 铁东区: nothing submitted for November
    done = building(region=haicheng)
    entry(done, datetime.date(2026, 11, 1), "10", status=EntryStatus.SUBMITTED)
    settings = SupervisionSettings.current()
    settings.entry_due_day = 20
    settings.save()
    with django_capture_on_commit_callbacks(execute=False):
        assert services.reminders_entry_due(today=datetime.date(2026, 11, 19)) == 0
        assert services.reminders_entry_due(today=datetime.date(2026, 11, 20)) == 2  # alice and bob
        assert services.reminders_entry_due(today=datetime.date(2026, 11, 21)) == 0  # never twice
    note = Notification.objects.get(recipient=county_user)
    assert note.kind == "entry_due"
    assert "1 个在建项目" in note.body
    assert not Notification.objects.filter(recipient=other_county_user).exists()  # 海城市 has submitted


def test_deadline_reminders_for_orders_and_problems(
    leader, county_user, tiedong, department_user, django_capture_on_commit_callbacks
):
    project = building()
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader,
            project=project,
            requirement="x",
            unit_kind=UnitKind.REGION,
            unit_region=tiedong,
            issued_on=datetime.date(2026, 11, 26),
        )  # due Tuesday 1 December
        Problem.objects.create(
            project=project,
            description="电力增容",
            kind="utilities",
            responsible_unit="市工信局",
            responsible_department=Department.objects.get(key="gxj"),
            deadline=datetime.date(2026, 11, 30),
        )
        # Friday 27 Nov: one working day ahead reaches Monday 30 Nov (the problem), not the order.
        assert services.reminders_deadlines(today=datetime.date(2026, 11, 27)) == 1
        assert (
            services.reminders_deadlines(today=datetime.date(2026, 11, 30)) == 1
        )  # the order now; problem already told
        assert services.reminders_deadlines(today=datetime.date(2026, 11, 30)) == 0
    assert Notification.objects.get(recipient=department_user).kind == "problem_due"
    assert (
        Notification.objects.filter(recipient=county_user, kind="order_due", event_key__contains=str(order.pk)).count()
        == 1
    )


def test_reminder_tasks_run_and_are_idempotent(county_user, django_capture_on_commit_callbacks):
    from supervision import tasks

    building()
    with django_capture_on_commit_callbacks(execute=False):
        first = tasks.snapshot_lights()
        second = tasks.snapshot_lights()
        tasks.mark_overdue_orders()
        tasks.send_reminders()
    assert first == second == 1


def test_enterprise_contact_receives_and_replies(leader, django_capture_on_commit_callbacks):
    contact = user_with_role("qiye", Role.REPORT_MANAGER)
    project = building()
    # An enterprise contact is someone the project names (access.addressable_q); an administrator sets them.
    project.steward = contact
    project.save(update_fields=["steward"])
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader,
            project=project,
            requirement="提交融资材料",
            unit_kind=UnitKind.ENTERPRISE,
            unit_contact=contact,
        )
        services.order_reply(user=contact, order=order, text="已提交")
    assert order.unit_name == "qiye"
    assert Notification.objects.filter(recipient=contact, kind="order_issued").exists()
