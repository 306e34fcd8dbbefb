"""Overdue tasks: the owner is reminded once per task per day; the task escalates one tier up like a
coordination problem (10 -> N -> 3 -> 1), at most one step per interval (an administrator's row)."""

import pytest

from assistance import services, tasks
from assistance.choices import TaskAction, TaskStatus
from assistance.models import AssistanceSettings, ServiceTask
from notifications.models import Notification
from projects.choices import Role, Tier
from tests.factories import user_with_role

from .conftest import D, on


@pytest.fixture
def overdue_task(county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)  # deadline 9 Oct 2026
    services.task_accept(user=owner, task=task)
    return task


def reminders(user):
    return Notification.objects.filter(recipient=user, event_key__startswith="service_task_overdue:")


def test_the_owner_is_reminded_once_a_day_however_often_the_task_runs(monkeypatch, overdue_task, owner):
    on(monkeypatch, D(2026, 10, 9))  # the deadline day itself: not overdue yet
    tasks.overdue_tasks()
    assert reminders(owner).count() == 0

    on(monkeypatch, D(2026, 10, 12))
    first = tasks.overdue_tasks()
    second = tasks.overdue_tasks()
    assert first["reminded"] == 1 and second["reminded"] == 0
    assert list(reminders(owner).values_list("event_key", flat=True)) == [
        f"service_task_overdue:{overdue_task.pk}:2026-10-12"
    ]
    overdue_task.refresh_from_db()
    assert overdue_task.overdue_on == D(2026, 10, 12)
    assert overdue_task.events.filter(action=TaskAction.OVERDUE).count() == 1

    on(monkeypatch, D(2026, 10, 13))  # the next day: one more reminder, no second "overdue" in the log
    tasks.overdue_tasks()
    tasks.overdue_tasks()
    assert reminders(owner).count() == 2
    assert overdue_task.events.filter(action=TaskAction.OVERDUE).count() == 1


def test_an_overdue_task_escalates_one_tier_per_interval(monkeypatch, overdue_task, owner):
    gxj_staff = user_with_role("gxj_staff", Role.DEPARTMENT, department=overdue_task.project.department)
    special = user_with_role("special", Role.SPECIAL_GROUP, category=overdue_task.project.category)
    on(monkeypatch, D(2026, 10, 12))
    assert tasks.overdue_tasks()["escalated"] == 1
    assert tasks.overdue_tasks()["escalated"] == 0  # same day: nothing more
    overdue_task.refresh_from_db()
    assert overdue_task.tier == Tier.DEPARTMENT
    # The department tier of the project (its sector department) is told.
    assert Notification.objects.filter(recipient=gxj_staff, event_key__startswith="service_task_escalated:").exists()

    on(monkeypatch, D(2026, 10, 18))  # six days later: within the 7-day interval
    assert tasks.overdue_tasks()["escalated"] == 0
    on(monkeypatch, D(2026, 10, 19))
    assert tasks.overdue_tasks()["escalated"] == 1
    overdue_task.refresh_from_db()
    assert overdue_task.tier == Tier.SPECIAL
    assert Notification.objects.filter(recipient=special, event_key__startswith="service_task_escalated:").exists()
    steps = list(overdue_task.events.filter(action=TaskAction.ESCALATED).values_list("on", "tier"))
    assert steps == [(D(2026, 10, 12), Tier.DEPARTMENT), (D(2026, 10, 19), Tier.SPECIAL)]


def test_the_interval_is_an_administrators_setting(monkeypatch, overdue_task):
    AssistanceSettings.objects.create(escalation_interval_days=2)
    on(monkeypatch, D(2026, 10, 12))
    tasks.overdue_tasks()
    on(monkeypatch, D(2026, 10, 14))
    tasks.overdue_tasks()
    on(monkeypatch, D(2026, 10, 16))
    tasks.overdue_tasks()
    on(monkeypatch, D(2026, 10, 30))
    tasks.overdue_tasks()  # already at the top tier: nothing more
    overdue_task.refresh_from_db()
    assert overdue_task.tier == Tier.CITY
    assert overdue_task.events.filter(action=TaskAction.ESCALATED).count() == 3


def test_done_refused_and_transferred_tasks_are_left_alone(monkeypatch, county_user, project, make_task, owner):
    done = make_task(user=county_user, project=project, owner_person=owner)
    services.task_accept(user=owner, task=done)
    on(monkeypatch, D(2026, 10, 9))
    services.task_finish(user=owner, task=done, result="已办结")
    refused = make_task(user=county_user, project=project, owner_person=owner)
    services.task_refuse(user=owner, task=refused, reason="不属于代办范围")
    on(monkeypatch, D(2026, 11, 2))
    assert tasks.overdue_tasks() == {"reminded": 0, "escalated": 0}
    assert set(ServiceTask.objects.values_list("status", flat=True)) == {TaskStatus.DONE, TaskStatus.REFUSED}


def test_without_an_owner_person_the_units_staff_are_reminded(monkeypatch, county_user, project, make_task, owner):
    make_task(user=county_user, project=project)
    on(monkeypatch, D(2026, 10, 12))
    tasks.overdue_tasks()
    assert reminders(owner).count() == 1
