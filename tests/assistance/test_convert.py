"""A task turns into a coordination problem or a supervision order in one step, keeping its history:
links both ways, the log in the problem's text, the task's own deadline stops."""

import pytest
from django.core.exceptions import ValidationError

from assistance import services, tasks
from assistance.choices import ContactKind, TaskAction, TaskStatus
from investment.models import Problem
from projects.choices import Tier
from supervision.choices import UnitKind
from supervision.models import SupervisionOrder

from .conftest import D, on


@pytest.fixture
def late_task(monkeypatch, county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)
    services.task_accept(user=owner, task=task)
    on(monkeypatch, D(2026, 10, 8))
    services.contact_record(user=owner, task=task, kind=ContactKind.MEETING, contacted_on=D(2026, 10, 8),
                            participants="住建局、企业", settled="图纸需补充消防专篇")  # fmt: skip
    on(monkeypatch, D(2026, 10, 12))
    tasks.overdue_tasks()  # escalated to the department tier
    return task


def test_a_task_becomes_a_problem_with_its_history(monkeypatch, late_task, owner):
    problem = services.task_to_problem(user=owner, task=late_task, problem_kind="approvals", deadline=D(2026, 10, 30))
    late_task.refresh_from_db()
    assert late_task.status == TaskStatus.TRANSFERRED
    assert late_task.problem_id == problem.pk
    assert list(problem.service_tasks.all()) == [late_task]
    assert (problem.project_id, problem.kind, problem.deadline) == (late_task.project_id, "approvals", D(2026, 10, 30))
    assert problem.responsible_department_id == late_task.owner_unit_id
    assert problem.tier == Tier.DEPARTMENT  # where the task had escalated to
    assert f"帮办代办事项 #{late_task.pk}" in problem.description
    assert "图纸需补充消防专篇" in problem.description  # the contact log goes with it
    # The task's log stays, with the step.
    assert late_task.events.filter(action=TaskAction.TO_PROBLEM).count() == 1
    assert late_task.contacts.count() == 1
    # The problem escalates from now on; the task no longer reminds anybody.
    on(monkeypatch, D(2026, 10, 20))
    assert tasks.overdue_tasks() == {"reminded": 0, "escalated": 0}
    # Once turned, it cannot turn again.
    with pytest.raises(ValidationError):
        services.task_to_problem(user=owner, task=late_task)
    assert Problem.objects.count() == 1


def test_a_task_becomes_a_supervision_order_for_its_unit(late_task, leader):
    order = services.task_to_order(user=leader, task=late_task, requirement="限期完成审图")
    late_task.refresh_from_db()
    assert late_task.order_id == order.pk and late_task.status == TaskStatus.TRANSFERRED
    assert (order.unit_kind, order.unit_department_id, order.tier) == (
        UnitKind.DEPARTMENT, late_task.owner_unit_id, Tier.DEPARTMENT
    )  # fmt: skip
    assert list(order.service_tasks.all()) == [late_task]


def test_an_order_needs_someone_who_may_issue_orders(late_task, county_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.task_to_order(user=county_user, task=late_task)
    late_task.refresh_from_db()
    assert late_task.status == TaskStatus.ACCEPTED and SupervisionOrder.objects.count() == 0


def test_the_order_page_links_back_to_the_task(client, late_task, leader):
    order = services.task_to_order(user=leader, task=late_task)
    client.force_login(leader)
    page = client.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert f"/assistance/{late_task.pk}/" in page
