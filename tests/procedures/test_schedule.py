"""The plan from dependencies and durations in working days (China's calendar), the critical path,
cycles refused with the items named, and the baseline kept when the plan changes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from investment import procedure_services as services
from investment.models import ProcedureItem, ProcedurePlan, ProcedureSchedule
from supervision.models import CalendarDay
from supervision.workdays import overrides

from .helpers import dates, project_with, template

D = datetime.date


def test_a_chain_runs_in_series_over_working_days(county_user):
    # Monday 2 Nov 2026: A takes 3 days (Mon-Wed), B the next 2 (Thu-Fri), C 1 (Monday 9 Nov).
    p = project_with([("A", 3), ("B", 2, ["A"]), ("C", 1, ["B"])], user=county_user)
    assert dates(p) == {
        "A": (D(2026, 11, 2), D(2026, 11, 4)),
        "B": (D(2026, 11, 5), D(2026, 11, 6)),
        "C": (D(2026, 11, 9), D(2026, 11, 9)),
    }
    s = ProcedureSchedule.objects.get(project=p)
    assert s.planned_construction_start == D(2026, 11, 10)
    assert s.parallel_items == 0
    assert set(p.procedures.filter(is_critical=True).values_list("name", flat=True)) == {"A", "B", "C"}


def test_a_fork_and_join_runs_the_branches_side_by_side_and_the_longer_one_is_critical(county_user):
    p = project_with(
        [("立项", 2), ("环评", 10, ["立项"]), ("能评", 4, ["立项"]), ("施工许可", 1, ["环评", "能评"])],
        user=county_user,
    )
    got = dates(p)
    assert got["环评"][0] == got["能评"][0] == D(2026, 11, 4)  # both right after 立项 (并联)
    assert got["能评"][1] == D(2026, 11, 9)
    assert got["环评"][1] == D(2026, 11, 17)
    assert got["施工许可"] == (D(2026, 11, 18), D(2026, 11, 18))  # waits for the longer branch
    critical = set(p.procedures.filter(is_critical=True).values_list("name", flat=True))
    assert critical == {"立项", "环评", "施工许可"}
    s = ProcedureSchedule.objects.get(project=p)
    assert (s.parallel_items, s.planned_construction_start) == (2, D(2026, 11, 19))


def test_sub_items_run_inside_their_item_and_hold_it_open(county_user):
    p = project_with(
        [("用地", 2), ("土地预审", 5, [], None, None, "用地"), ("规划许可", 1, ["用地"])], user=county_user
    )
    got = dates(p)
    assert got["土地预审"] == (D(2026, 11, 2), D(2026, 11, 6))
    assert got["用地"] == (D(2026, 11, 2), D(2026, 11, 6))  # done only when its sub-item is
    assert got["规划许可"][0] == D(2026, 11, 9)


def test_working_days_skip_national_day_and_count_the_make_up_saturday(county_user):
    # 2026: 1-7 Oct off, Saturday 10 Oct worked (chinesecalendar). From Wednesday 30 Sep, 4 days:
    # 30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct.
    p = project_with([("A", 4), ("B", 1, ["A"])], user=county_user, start=D(2026, 9, 30))
    assert dates(p) == {"A": (D(2026, 9, 30), D(2026, 10, 10)), "B": (D(2026, 10, 12), D(2026, 10, 12))}


def test_the_administrator_calendar_overrides_the_package_and_covers_unannounced_years():
    CalendarDay.objects.create(date=D(2026, 10, 8), is_workday=False, note="临时调整")
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    got = overrides(D(2026, 9, 1), D(2027, 1, 31))
    assert got[D(2026, 10, 10)] is True  # the package's make-up Saturday
    assert got[D(2026, 10, 1)] is False
    assert got[D(2026, 10, 8)] is False  # the table wins
    assert got[D(2027, 1, 1)] is False  # 2027 is not announced in the package: the table alone
    assert D(2027, 1, 4) not in got


def test_a_cycle_is_refused_naming_the_items_and_nothing_is_saved(county_user):
    p = project_with([("甲", 1), ("乙", 1, ["甲"]), ("丙", 1, ["乙"])], user=county_user)
    first = ProcedureItem.objects.get(project=p, name="甲")
    last = ProcedureItem.objects.get(project=p, name="丙")
    with pytest.raises(ValidationError) as error:
        services.procedure_dependencies_set(user=county_user, item=first, depends_on=[last], reason="试试")
    message = error.value.message_dict["depends_on"][0]
    assert message.startswith("前置手续形成循环")
    assert all(name in message for name in ("甲", "乙", "丙"))
    assert list(first.depends_on.all()) == []
    assert p.procedure_changes.filter(kind="replan").count() == 0


def test_a_template_with_a_cycle_is_refused_at_intake(county_user):
    from tests.factories import ProjectFactory

    t = template([("甲", 1), ("乙", 1, ["甲"])], name="环")
    t.items.get(name="甲").depends_on.add(t.items.get(name="乙"))
    p = ProjectFactory()
    with pytest.raises(ValidationError, match="甲"):
        services.procedure_template_apply(user=county_user, project=p, template=t, start_on=D(2026, 11, 2))
    assert not ProcedureItem.objects.filter(project=p).exists()
    assert not ProcedureSchedule.objects.filter(project=p).exists()


def test_freezing_makes_the_baseline_and_later_changes_are_versions_with_a_reason(county_user):
    p = project_with([("A", 3), ("B", 2, ["A"])], user=county_user)
    baseline = services.procedure_plan_freeze(user=county_user, project=p)
    assert (baseline.number, baseline.is_baseline, baseline.construction_start) == (1, True, D(2026, 11, 9))

    item_a = ProcedureItem.objects.get(project=p, name="A")
    services.procedure_item_add(
        user=county_user, project=p, reason="需补办文物勘探", name="文物勘探", duration_days=5, depends_on=[item_a]
    )
    b = ProcedureItem.objects.get(project=p, name="B")
    services.procedure_dependencies_set(
        user=county_user, item=b, depends_on=[item_a, p.procedures.get(name="文物勘探")], reason="勘探后方可"
    )
    with pytest.raises(ValidationError) as error:
        services.procedure_plan_freeze(user=county_user, project=p)
    assert "reason" in error.value.message_dict
    second = services.procedure_plan_freeze(user=county_user, project=p, reason="增加文物勘探")
    assert (second.number, second.is_baseline, second.construction_start) == (2, False, D(2026, 11, 16))

    baseline = ProcedurePlan.objects.get(pk=baseline.pk)
    assert baseline.construction_start == D(2026, 11, 9)
    assert {(line.name, line.planned_finish) for line in baseline.lines.all()} == {
        ("A", D(2026, 11, 4)),
        ("B", D(2026, 11, 6)),
    }
    kinds = list(p.procedure_changes.values_list("kind", "reason"))
    assert ("add", "需补办文物勘探") in kinds and ("baseline", "增加文物勘探") in kinds


def test_dropping_an_item_needs_a_reason_and_keeps_the_chain(county_user):
    p = project_with([("A", 3), ("B", 2, ["A"]), ("C", 1, ["B"])], user=county_user)
    b = p.procedures.get(name="B")
    with pytest.raises(ValidationError):
        services.procedure_item_drop(user=county_user, item=b, reason=" ")
    services.procedure_item_drop(user=county_user, item=b, reason="已并入环评")
    assert list(p.procedures.get(name="C").depends_on.values_list("name", flat=True)) == ["A"]
    assert dates(p)["C"] == (D(2026, 11, 5), D(2026, 11, 5))
    assert p.procedure_changes.get(kind="drop").reason == "已并入环评"


def test_only_the_project_staff_change_the_plan(county_user, other_county_user):
    p = project_with([("A", 3)], user=county_user)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.procedure_plan_freeze(user=other_county_user, project=p)
    assert not ProcedurePlan.objects.filter(project=p).exists()


def test_the_admin_form_refuses_a_dependency_that_closes_a_cycle():
    from investment.admin import ProcedureTemplateItemForm

    t = template([("甲", 1), ("乙", 1, ["甲"])], name="后台")
    first, second = t.items.get(name="甲"), t.items.get(name="乙")
    form = ProcedureTemplateItemForm(
        data={"template": t.pk, "name": "甲", "standard_days": 1, "sort_order": 0, "depends_on": [second.pk]},
        instance=first,
    )
    assert not form.is_valid()
    assert "甲" in form.errors["depends_on"][0] and "乙" in form.errors["depends_on"][0]
