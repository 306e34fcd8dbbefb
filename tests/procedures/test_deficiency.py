"""容缺受理: what is missing and the 补正 deadline, a reminder before it, and past it the procedure light
turns red and the item escalates like a problem (once per deadline)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from investment import procedure_services as services
from investment.models import Problem
from notifications.models import Notification
from projects.choices import Role, Tier
from projects.models import Department
from supervision import services as supervision
from supervision.selectors import annotate_lights
from tests.factories import user_with_role

from .helpers import project_with

D = datetime.date


@pytest.fixture
def fgw_user():
    return user_with_role("fgw", Role.DEPARTMENT, department=Department.objects.get(key="fgw"))


@pytest.fixture
def accepted(county_user, fgw_user):
    project = project_with([("项目核准", 10, [], "fgw"), ("施工许可", 5, ["项目核准"], "zjj")], user=county_user)
    item = project.procedures.get(name="项目核准")
    services.procedure_accept_with_deficiency(
        user=fgw_user, item=item, missing="社会稳定风险评估报告", deadline=D(2026, 12, 3)
    )
    return project, item


def _lights(project, as_of):
    return annotate_lights(type(project).objects.filter(pk=project.pk), period=as_of.replace(day=1), as_of=as_of).get()


def test_acceptance_needs_what_is_missing_and_a_deadline(county_user, fgw_user):
    project = project_with([("项目核准", 10, [], "fgw")], user=county_user)
    item = project.procedures.get()
    with pytest.raises(ValidationError) as error:
        services.procedure_accept_with_deficiency(user=fgw_user, item=item, missing=" ", deadline=None)
    assert set(error.value.message_dict) == {"missing", "deadline"}
    item.refresh_from_db()
    assert not item.accepted_with_deficiency


def test_the_owing_unit_and_the_county_are_reminded_once_before_the_deadline(accepted, county_user, fgw_user):
    _, item = accepted
    # Wednesday 2 Dec, one working day ahead (the default): reminded.
    supervision.reminders_deadlines(today=D(2026, 12, 2))
    supervision.reminders_deadlines(today=D(2026, 12, 2))
    reminded = Notification.objects.filter(event_key=f"deficiency_due:{item.pk}:2026-12-03")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["alice", "fgw"]
    assert "社会稳定风险评估报告" in reminded.first().body
    # A week before: not yet.
    Notification.objects.all().delete()
    supervision.reminders_deadlines(today=D(2026, 11, 26))
    assert not Notification.objects.filter(event_key__startswith="deficiency_due").exists()


def test_past_the_deadline_the_light_turns_red_and_it_escalates_once(accepted, fgw_user):
    project, item = accepted
    before = _lights(project, D(2026, 12, 3))
    assert (before.deficiency_overdue, before.problem_overdue, before.overall) == (False, False, "none")

    escalated = supervision.deficiencies_escalate(today=D(2026, 12, 4))
    assert supervision.deficiencies_escalate(today=D(2026, 12, 4)) == []  # once per deadline
    problem = Problem.objects.get(pk__in=escalated)
    assert (problem.project_id, problem.kind, problem.tier) == (project.pk, "approvals", Tier.DEPARTMENT)
    assert problem.responsible_department.key == "fgw"
    assert "社会稳定风险评估报告" in problem.description
    assert Notification.objects.filter(event_key=f"deficiency_overdue:{item.pk}:2026-12-03").exists()

    after = _lights(project, D(2026, 12, 4))
    assert after.deficiency_overdue is True
    assert after.overall == "red"


def test_made_good_in_time_nothing_escalates_and_the_light_stays(accepted, fgw_user):
    project, item = accepted
    services.procedure_deficiency_made_good(user=fgw_user, item=item, on=D(2026, 12, 2))
    assert supervision.deficiencies_escalate(today=D(2026, 12, 10)) == []
    assert _lights(project, D(2026, 12, 10)).deficiency_overdue is False


def test_a_unit_records_only_the_items_it_owes(accepted, fgw_user):
    from django.core.exceptions import PermissionDenied

    project, _ = accepted
    permit = project.procedures.get(name="施工许可")
    with pytest.raises(PermissionDenied):
        services.procedure_item_progress(user=fgw_user, item=permit, status="done", on=D(2026, 12, 1))
    permit.refresh_from_db()
    assert permit.status == "pending"
