import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import services
from dispatch.models import ProblemEscalation
from investment.models import Problem

from .conftest import problem, project

D = datetime.date


@pytest.fixture
def overdue(tiedong):
    return problem(project(region=tiedong), deadline=D(2026, 11, 1))


def tiers(p):
    return list(ProblemEscalation.objects.filter(problem=p).order_by("id").values_list("from_tier", "to_tier"))


def test_an_overdue_problem_climbs_one_tier_per_interval_up_to_the_city(overdue):
    assert len(services.problems_escalate_overdue(today=D(2026, 11, 2))) == 1
    overdue.refresh_from_db()
    assert overdue.tier == "department"
    # Same day again, and within the interval: nothing more.
    assert services.problems_escalate_overdue(today=D(2026, 11, 2)) == []
    assert services.problems_escalate_overdue(today=D(2026, 11, 8)) == []
    services.problems_escalate_overdue(today=D(2026, 11, 9))
    services.problems_escalate_overdue(today=D(2026, 11, 16))
    assert services.problems_escalate_overdue(today=D(2026, 11, 30)) == []  # at the top already
    overdue.refresh_from_db()
    assert overdue.tier == "city"
    assert tiers(overdue) == [("county", "department"), ("department", "special"), ("special", "city")]
    history = ProblemEscalation.objects.filter(problem=overdue).order_by("id")
    assert [h.escalated_on for h in history] == [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16)]
    assert all(h.deadline == D(2026, 11, 1) for h in history)


def test_problems_on_time_or_solved_do_not_escalate(tiedong):
    on_time = problem(project(region=tiedong), deadline=D(2026, 11, 2))
    solved = problem(project(region=tiedong), deadline=D(2026, 10, 1), status="solved")
    assert services.problems_escalate_overdue(today=D(2026, 11, 2)) == []
    assert Problem.objects.get(pk=on_time.pk).tier == "county"
    assert Problem.objects.get(pk=solved.pk).tier == "county"


def test_a_leader_escalates_by_hand_with_a_reason(overdue, leader):
    step = services.problem_escalate(problem=overdue, user=leader, reason="需市级协调用地指标")
    assert (step.from_tier, step.to_tier, step.reason, step.escalated_by) == (
        "county",
        "department",
        "需市级协调用地指标",
        leader,
    )


def test_the_city_tier_is_the_top(overdue, leader):
    Problem.objects.filter(pk=overdue.pk).update(tier="city")
    with pytest.raises(ValidationError) as error:
        services.problem_escalate(problem=overdue, user=leader)
    assert "tier" in error.value.message_dict


def test_a_user_of_another_county_cannot_escalate(overdue, other_county_user):
    with pytest.raises(PermissionDenied):
        services.problem_escalate(problem=overdue, user=other_county_user)
    assert tiers(overdue) == []


def test_the_periodic_task_escalates(overdue, monkeypatch):
    from django.utils import timezone

    from dispatch import tasks

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 11, 5))
    # The task body (a real worker runs it in test_worker.py's way; here: its function).
    assert tasks.escalate_overdue_problems.run() == 1
    assert tasks.escalate_overdue_problems.run() == 0
