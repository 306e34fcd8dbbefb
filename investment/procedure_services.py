"""Writes for the procedure engine (手续): a template taken at intake, items added or dropped with a
reason, the plan computed in working days, frozen versions (the first is the baseline), 容缺 deadlines,
the green channel. Views, the API, the demo and tasks call these."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from projects.access import Action, can, has_role, procedure_item_q
from projects.choices import Role, Tier
from projects.services import project_lock

from . import schedule
from .choices import ProblemKind, ProcedureChangeKind, ProcedureStatus
from .models import (
    Problem,
    ProcedureChange,
    ProcedureItem,
    ProcedurePlan,
    ProcedurePlanLine,
    ProcedureSchedule,
    ProcedureTemplate,
)
from .services import _audit


def _require_change(user, project):
    if user is not None and not can(user, Action.CHANGE, project):
        raise PermissionDenied("无权修改该项目的审批手续。")


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写原因。"})
    return reason


def working_calendar(start):
    """The working-day calendar from ``start``: statutory holidays and make-up days (chinesecalendar)
    under the administrator's calendar table, read a year at a time (one query per year)."""
    # The one working-day module lives with the calendar table in supervision; only it is imported here.
    from supervision import workdays

    years = {}

    def is_working_day(day):
        if day.year not in years:
            years[day.year] = workdays.overrides(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
        return workdays.is_working_day(day, years[day.year])

    return schedule.Calendar(start, is_working_day)


def _nodes(items, *, forecast=False):
    live = [i for i in items if i.status != ProcedureStatus.NOT_NEEDED]
    keys = {i.pk for i in live}
    deps = {}
    for link in ProcedureItem.depends_on.through.objects.filter(from_procedureitem_id__in=keys).values_list(
        "from_procedureitem_id", "to_procedureitem_id"
    ):
        if link[1] in keys:
            deps.setdefault(link[0], []).append(link[1])
    return [
        schedule.Node(
            key=i.pk,
            name=i.name,
            duration=i.duration_days,
            depends_on=tuple(deps.get(i.pk, ())),
            parent=i.parent_id,
            finished_on=i.actual_date if forecast and i.status == ProcedureStatus.DONE else None,
            started_on=i.started_on if forecast else None,
        )
        for i in live
    ]


def _replan(project_schedule, *, today=None):
    """Recompute the current plan and the forecast; store the items' planned dates and critical flags."""
    project = project_schedule.project
    items = list(ProcedureItem.objects.filter(project=project).select_for_update())
    calendar = working_calendar(project_schedule.start_on)
    plan = schedule.compute(_nodes(items), calendar)
    forecast = schedule.compute(_nodes(items, forecast=True), calendar, today=today or timezone.localdate())
    for item in items:
        slot = plan.slots.get(item.pk)
        item.planned_start = slot.start if slot else None
        item.planned_date = slot.finish if slot else item.planned_date
        item.is_critical = bool(slot and slot.critical)
    ProcedureItem.objects.bulk_update(items, ["planned_start", "planned_date", "is_critical"])
    project_schedule.planned_construction_start = plan.construction_start
    project_schedule.forecast_construction_start = forecast.construction_start
    project_schedule.parallel_items = plan.parallel_items
    project_schedule.save(
        update_fields=["planned_construction_start", "forecast_construction_start", "parallel_items", "updated_at"]
    )
    return plan


def _duration(template_item, green):
    if green and template_item.green_channel_days is not None:
        return template_item.green_channel_days
    return template_item.standard_days


@transaction.atomic
def procedure_template_apply(
    *, user, project, template, start_on, original_construction_start=None, green_channel=False, reason=""
):
    """A project takes a template at intake: its items and sub-items, units, durations and dependencies.

    Refused when the project already has procedure items (add or drop them one by one instead)."""
    _require_change(user, project)
    project_lock(project)  # two at once: the second waits, then finds the items and is refused
    if not isinstance(template, ProcedureTemplate) or not template.is_active:
        raise ValidationError({"template": "手续模板不存在或未启用。"})
    if not isinstance(start_on, datetime.date):
        raise ValidationError({"start_on": "请填写手续启动日期。"})
    if ProcedureItem.objects.filter(project=project).exists():
        raise ValidationError({"template": "该项目已有审批手续,请逐项增减。"})
    project_schedule = ProcedureSchedule(
        project=project,
        template=template,
        start_on=start_on,
        original_construction_start=original_construction_start,
        green_channel=green_channel,
        green_channel_reason="立项时纳入绿色通道" if green_channel else "",
    )
    project_schedule.full_clean(exclude=["project"])
    project_schedule.save()
    template_items = list(template.items.order_by("parent_id", "sort_order", "id").prefetch_related("depends_on"))
    created = {}
    # Items before their sub-items (a sub-item's parent has a smaller depth, not necessarily a smaller id).
    for t in sorted(template_items, key=lambda t: (t.parent_id is not None, t.sort_order, t.pk)):
        created[t.pk] = ProcedureItem(
            project=project,
            parent=created.get(t.parent_id),
            name=t.name,
            responsible_unit=t.responsible_unit or (t.department.name if t.department_id else ""),
            department_id=t.department_id,
            duration_days=_duration(t, green_channel),
            template_item=t,
            sort_order=t.sort_order,
        )
        with _audit(user):
            created[t.pk].save()
    links = ProcedureItem.depends_on.through
    links.objects.bulk_create(
        [
            links(from_procedureitem_id=created[t.pk].pk, to_procedureitem_id=created[d.pk].pk)
            for t in template_items
            for d in t.depends_on.all()
            if d.pk in created
        ]
    )
    ProcedureChange.objects.create(
        project=project,
        kind=ProcedureChangeKind.TEMPLATE,
        item_name=template.name,
        reason=(reason or "").strip() or f"套用模板“{template.name}”",
        created_by=user,
    )
    _replan(project_schedule)
    return project_schedule


def _schedule_for(project):
    try:
        return ProcedureSchedule.objects.select_for_update().select_related("project").get(project=project)
    except ProcedureSchedule.DoesNotExist:
        raise ValidationError({"template": "该项目尚未套用手续模板。"}) from None


@transaction.atomic
def procedure_item_add(
    *, user, project, reason, name, duration_days, parent=None, department=None, responsible_unit="", depends_on=()
):
    """An item the template lacks, with the reason; the plan follows (a cycle is refused, nothing saved)."""
    _require_change(user, project)
    reason = _reason(reason)
    project_schedule = _schedule_for(project)
    if parent is not None and parent.project_id != project.pk:
        raise ValidationError({"parent": "所属大项必须是同一项目的手续。"})
    if any(d.project_id != project.pk for d in depends_on):
        raise ValidationError({"depends_on": "前置手续必须是同一项目的手续。"})
    item = ProcedureItem(
        project=project,
        parent=parent,
        name=name,
        duration_days=duration_days,
        department=department,
        responsible_unit=responsible_unit or (department.name if department else ""),
        sort_order=ProcedureItem.objects.filter(project=project).count() + 1,
    )
    item.full_clean()
    with _audit(user):
        item.save()
    item.depends_on.set(depends_on)
    ProcedureChange.objects.create(
        project=project, item=item, item_name=item.name, kind=ProcedureChangeKind.ADD, reason=reason, created_by=user
    )
    _replan(project_schedule)
    return item


@transaction.atomic
def procedure_item_drop(*, user, item, reason):
    """An item the project does not need: marked 无需办理 with the reason; what waited for it now waits
    for its own predecessors, so the chain holds."""
    item = ProcedureItem.objects.select_for_update().select_related("project").get(pk=item.pk)
    _require_change(user, item.project)
    reason = _reason(reason)
    project_schedule = _schedule_for(item.project)
    predecessors = list(item.depends_on.all())
    for dependent in item.dependents.all():
        dependent.depends_on.remove(item)
        dependent.depends_on.add(*predecessors)
    item.status = ProcedureStatus.NOT_NEEDED
    item.version += 1
    with _audit(user):
        item.save(update_fields=["status", "version", "updated_at"])
    ProcedureChange.objects.create(
        project=item.project,
        item=item,
        item_name=item.name,
        kind=ProcedureChangeKind.DROP,
        reason=reason,
        created_by=user,
    )
    _replan(project_schedule)
    return item


@transaction.atomic
def procedure_dependencies_set(*, user, item, depends_on, reason):
    """Change what an item waits for (串联 or 并联), with the reason; a cycle is refused, nothing saved."""
    item = ProcedureItem.objects.select_for_update().select_related("project").get(pk=item.pk)
    _require_change(user, item.project)
    reason = _reason(reason)
    if any(d.project_id != item.project_id for d in depends_on):
        raise ValidationError({"depends_on": "前置手续必须是同一项目的手续。"})
    project_schedule = _schedule_for(item.project)
    item.depends_on.set(depends_on)
    ProcedureChange.objects.create(
        project=item.project,
        item=item,
        item_name=item.name,
        kind=ProcedureChangeKind.REPLAN,
        reason=reason,
        created_by=user,
    )
    _replan(project_schedule)
    return item


@transaction.atomic
def procedure_plan_replan(*, user, project, today=None):
    """Recompute the plan and forecast (after progress on the items, or a calendar change)."""
    if user is not None and not ProcedureItem.objects.filter(procedure_item_q(user, Action.CHANGE), project=project):
        raise PermissionDenied("无权修改该项目的审批手续。")
    return _replan(_schedule_for(project), today=today)


@transaction.atomic
def procedure_plan_freeze(*, user, project, reason=""):
    """Freeze the current plan as a version. The first is the baseline and stays as it was; a later
    version needs the reason for the change."""
    _require_change(user, project)
    project_schedule = _schedule_for(project)
    plan = _replan(project_schedule)
    number = ProcedurePlan.objects.filter(project=project).count() + 1
    reason = (reason or "").strip()
    if number > 1 and not reason:
        raise ValidationError({"reason": "基线已冻结,调整计划须填写原因。"})
    version = ProcedurePlan.objects.create(
        project=project,
        number=number,
        is_baseline=number == 1,
        reason=reason,
        construction_start=plan.construction_start,
        created_by=user,
    )
    names = dict(ProcedureItem.objects.filter(pk__in=plan.slots).values_list("pk", "name"))
    ProcedurePlanLine.objects.bulk_create(
        [
            ProcedurePlanLine(
                plan=version,
                item_id=key,
                name=names[key],
                planned_start=slot.start,
                planned_finish=slot.finish,
                is_critical=slot.critical,
            )
            for key, slot in plan.slots.items()
        ]
    )
    ProcedureChange.objects.create(
        project=project,
        kind=ProcedureChangeKind.BASELINE,
        item_name=f"V{number}",
        reason=reason or "冻结基线",
        created_by=user,
    )
    return version


@transaction.atomic
def procedure_green_channel_set(*, user, project, on, reason):
    """The leadership puts a project in the green channel (or takes it out): its template items take
    their green-channel durations, and its items come first in each unit's queue."""
    if user is not None and not has_role(user, Role.LEADERSHIP, Role.ADMIN):
        raise PermissionDenied("只有市领导可以决定绿色通道。")
    reason = _reason(reason)
    project_schedule = _schedule_for(project)
    project_schedule.green_channel = bool(on)
    project_schedule.green_channel_reason = reason if on else ""
    project_schedule.green_channel_by = user if on else None
    project_schedule.version += 1
    project_schedule.save()
    items = list(
        ProcedureItem.objects.filter(project=project, template_item__isnull=False).select_related("template_item")
    )
    for item in items:
        item.duration_days = _duration(item.template_item, project_schedule.green_channel)
    ProcedureItem.objects.bulk_update(items, ["duration_days"])
    ProcedureChange.objects.create(
        project=project, kind=ProcedureChangeKind.GREEN, item_name="绿色通道", reason=reason, created_by=user
    )
    _replan(project_schedule)
    return project_schedule


# --- progress on an item (its project's staff, or the department that owes it) -------------------


def _owed_item(user, item):
    # user None: the system (demo, tasks), as in the other services.
    scope = procedure_item_q(user, Action.CHANGE) if user is not None else Q()
    try:
        return (
            ProcedureItem.objects.filter(scope)
            .select_for_update(of=("self",))
            .select_related("project")
            .get(pk=item.pk)
        )
    except ProcedureItem.DoesNotExist:
        raise PermissionDenied("无权办理该手续。") from None


@transaction.atomic
def procedure_item_progress(*, user, item, status, on, replan=True):
    """Record that an item started or was done (on a date), then update the forecast (``replan=False``:
    the caller records a batch and replans once at the end)."""
    item = _owed_item(user, item)
    if status not in (ProcedureStatus.IN_PROGRESS, ProcedureStatus.DONE):
        raise ValidationError({"status": "只能登记办理中或已办结。"})
    if not isinstance(on, datetime.date):
        raise ValidationError({"on": "请填写日期。"})
    item.status = status
    if status == ProcedureStatus.IN_PROGRESS:
        item.started_on = on
    else:
        item.started_on = item.started_on or on
        item.actual_date = on
    item.version += 1
    item.full_clean()
    with _audit(user):
        item.save()
    project_schedule = ProcedureSchedule.objects.filter(project=item.project).select_for_update().first()
    if project_schedule and replan:
        _replan(project_schedule, today=on)
    return item


@transaction.atomic
def procedure_accept_with_deficiency(*, user, item, missing, deadline):
    """容缺受理: the unit accepts the application with materials missing, to be made good (补正) by the
    deadline; the item goes on as in progress."""
    item = _owed_item(user, item)
    missing = (missing or "").strip()
    errors = {}
    if not missing:
        errors["missing"] = "容缺受理须写明待补正的材料。"
    if not isinstance(deadline, datetime.date):
        errors["deadline"] = "容缺受理须填写补正期限。"
    if errors:
        raise ValidationError(errors)
    item.accepted_with_deficiency = True
    item.deficiency_note = missing
    item.deficiency_deadline = deadline
    item.deficiency_made_good_on = None
    item.deficiency_reminded_on = None
    item.deficiency_escalated_on = None
    if item.status == ProcedureStatus.PENDING:
        item.status = ProcedureStatus.IN_PROGRESS
        item.started_on = item.started_on or timezone.localdate()
    item.version += 1
    item.full_clean()
    with _audit(user):
        item.save()
    return item


@transaction.atomic
def procedure_deficiency_made_good(*, user, item, on):
    """The missing materials arrived (补正完成): the deadline no longer runs."""
    item = _owed_item(user, item)
    if not item.accepted_with_deficiency:
        raise ValidationError({"deficiency_made_good_on": "该手续不是容缺受理。"})
    if not isinstance(on, datetime.date):
        raise ValidationError({"deficiency_made_good_on": "请填写补正完成日期。"})
    item.deficiency_made_good_on = on
    item.version += 1
    with _audit(user):
        item.save(update_fields=["deficiency_made_good_on", "version", "updated_at"])
    return item


def procedure_deficiency_escalate(*, item_id, today, deadline):
    """An overdue 容缺 item becomes a coordination problem (审批手续) for the owing unit, one tier up
    from the county, with its own deadline; it then follows the problems' path (flag, reminders,
    dispatch). Once per 补正 deadline: the item is claimed with a conditional update, so a second
    run (or a concurrent one) creates nothing. Returns the problem, or None when there was nothing to do."""
    with transaction.atomic():
        claimed = (
            ProcedureItem.objects.filter(
                pk=item_id,
                accepted_with_deficiency=True,
                deficiency_made_good_on__isnull=True,
                deficiency_deadline__lt=today,
            )
            .exclude(status=ProcedureStatus.NOT_NEEDED)
            .filter(Q(deficiency_escalated_on__isnull=True) | Q(deficiency_escalated_on__lte=F("deficiency_deadline")))
            .update(deficiency_escalated_on=today)
        )
        if claimed != 1:
            return None
        item = ProcedureItem.objects.select_related("project", "department").get(pk=item_id)
        problem = Problem(
            project=item.project,
            description=(
                f"容缺受理补正超期:{item.name}(补正期限 {item.deficiency_deadline:%Y-%m-%d}),"
                f"待补正材料:{item.deficiency_note}"
            )[:2000],
            kind=ProblemKind.APPROVALS,
            responsible_unit=item.responsible_unit or (item.department.name if item.department_id else "项目单位"),
            responsible_department=item.department,
            deadline=deadline,
            tier=Tier.DEPARTMENT,
        )
        problem.full_clean()
        with _audit(None):
            problem.save()
        return problem


def procedure_forecasts_refresh(*, today=None):
    """Recompute the forecast of every project with open items as of today (a daily task: a forecast
    made last week assumed open items would start then). Each project in its own transaction."""
    today = today or timezone.localdate()
    pks = list(
        ProcedureSchedule.objects.filter(
            project__procedures__status__in=[ProcedureStatus.PENDING, ProcedureStatus.IN_PROGRESS]
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in pks:
        with transaction.atomic():
            project_schedule = ProcedureSchedule.objects.select_for_update().select_related("project").get(pk=pk)
            _replan(project_schedule, today=today)
    return len(pks)
