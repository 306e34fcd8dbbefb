"""Reads for the procedure engine: a project's plan and its chart, each unit's work queue, open 容缺
items. (Time saved is a measure of insights.definitions, read by the layers above.)"""

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
)
from django.http import Http404

from common.figures import ratio
from projects.access import Action, department_ids, has_role, project_public_q
from projects.choices import Role
from projects.models import Department, Project

from .choices import ProcedureStatus
from .models import ProcedureChange, ProcedureItem, ProcedurePlan, ProcedurePlanLine, ProcedureSchedule

OPEN_STATUSES = [ProcedureStatus.PENDING, ProcedureStatus.IN_PROGRESS]


def open_deficiencies():
    """Items accepted with deficiencies (容缺受理) whose materials are not yet made good (no user scope:
    for the lights' subquery and the periodic reminders, which decide their own recipients)."""
    return ProcedureItem.objects.filter(
        accepted_with_deficiency=True, deficiency_made_good_on__isnull=True, deficiency_deadline__isnull=False
    ).exclude(status=ProcedureStatus.NOT_NEEDED)


# --- a project's plan -------------------------------------------------------------------------


def procedure_schedule_for(*, user, project):
    return ProcedureSchedule.objects.restrict(user).filter(project=project).select_related("template").first()


def procedure_plan_view(*, user, project, with_templates=False):
    """What the project page shows of the engine: the schedule, the chart's rows (current plan, baseline,
    actual), the versions and the change log, and the time saved, read in one statement (common.batch).
    Returns (the view or None without a schedule, the active templates as a read queryset when
    ``with_templates`` else None)."""
    from common.batch import as_queryset, fetch_together, set_related

    template_qs = procedure_templates()
    plans_qs = ProcedurePlan.objects.restrict(user).filter(project=project)
    schedules, items, plans, baseline_lines, changes, templates = fetch_together(
        ProcedureSchedule.objects.restrict(user).filter(project=project).select_related("template")[:1],
        ProcedureItem.objects.restrict(user)
        .filter(project=project)
        .exclude(status=ProcedureStatus.NOT_NEEDED)
        .select_related("department")
        .order_by("parent_id", "planned_start", "sort_order", "id"),
        plans_qs.order_by("number"),
        ProcedurePlanLine.objects.filter(plan__in=plans_qs.filter(is_baseline=True).values("pk")),
        ProcedureChange.objects.restrict(user).filter(project=project).select_related("created_by"),
        template_qs if with_templates else template_qs.none(),
    )
    templates = as_queryset(template_qs, templates) if with_templates else None
    if not schedules:
        return None, templates
    project_schedule = schedules[0]
    set_related([project_schedule, *items, *plans, *changes], "project", project)
    baseline = next((p for p in plans if p.is_baseline), None)
    baseline_lines = {line.item_id: line for line in baseline_lines if baseline and line.plan_id == baseline.pk}
    rows = []
    tops = [i for i in items if i.parent_id is None]
    subs = {}
    for i in items:
        if i.parent_id is not None:
            subs.setdefault(i.parent_id, []).append(i)
    for top in tops:
        for i in [top, *subs.get(top.pk, [])]:
            line = baseline_lines.get(i.pk)
            rows.append(
                {
                    "name": i.name,
                    "sub": i.parent_id is not None,
                    "unit": i.responsible_unit,
                    "start": _iso(i.planned_start),
                    "finish": _iso(i.planned_date),
                    "baseline_start": _iso(line.planned_start) if line else None,
                    "baseline_finish": _iso(line.planned_finish) if line else None,
                    "actual_start": _iso(i.started_on),
                    "actual_finish": _iso(i.actual_date),
                    "critical": i.is_critical,
                    "status": i.get_status_display(),
                    "deficiency": i.deficiency_note if i.accepted_with_deficiency else "",
                    "deficiency_deadline": _iso(i.deficiency_deadline),
                }
            )
    return {
        "schedule": project_schedule,
        "rows": rows,
        "plans": plans,
        "baseline": baseline,
        "changes": changes,
        "critical": [i.name for i in tops if i.is_critical],
        "open_deficiencies": [i for i in items if i.accepted_with_deficiency and not i.deficiency_made_good_on],
    }, templates


def _iso(day):
    return day.isoformat() if day else None


# --- each unit's work queue ----------------------------------------------------------------------


def queue_departments(*, user):
    """The departments whose queue the user may open: its own; all of them for leadership and admins."""
    if has_role(user, Role.ADMIN, Role.LEADERSHIP):
        return list(Department.objects.all())
    return list(Department.objects.filter(pk__in=department_ids(user)))


def procedure_queue(*, user, department):
    """The items ``department`` owes on every project, open first by due date; green-channel projects
    first (绿色通道); each with what it blocks. Only the project's public facts are loaded."""
    if department not in queue_departments(user=user):
        raise Http404("部门不存在。")
    green = ProcedureSchedule.objects.filter(project=OuterRef("project_id"), green_channel=True)
    dependents = Prefetch(
        "dependents",
        queryset=ProcedureItem.objects.exclude(status=ProcedureStatus.NOT_NEEDED).only("id", "name"),
        to_attr="blocks",
    )
    return (
        ProcedureItem.objects.restrict(user)
        .filter(department=department, status__in=OPEN_STATUSES)
        .annotate(green_channel=Exists(green, output_field=BooleanField()))
        .select_related("project__region")
        .only(
            "id",
            "name",
            "status",
            "planned_start",
            "planned_date",
            "accepted_with_deficiency",
            "deficiency_note",
            "deficiency_deadline",
            "deficiency_made_good_on",
            "is_critical",
            "department_id",
            "project__id",
            "project__name",
            "project__code",
            "project__investor",
            "project__stage",
            "project__region__name",
        )
        .prefetch_related(dependents)
        .order_by("-green_channel", F("planned_date").asc(nulls_last=True), "id")
    )


def on_time_rate(*, department):
    """Share of the department's finished items done by their planned date (None when none is finished)."""
    row = ProcedureItem.objects.filter(
        department=department, status=ProcedureStatus.DONE, planned_date__isnull=False
    ).aggregate(done=Count("pk"), on_time=Count("pk", filter=Q(actual_date__lte=F("planned_date"))))
    if not row["done"]:
        return None
    return ratio(row["on_time"], row["done"])


def procedure_item_get(*, user, pk, action=Action.VIEW):
    """One item the user may see (its project's scope, or owed by its department): 404 otherwise."""
    try:
        return ProcedureItem.objects.restrict(user, action).select_related("project__region", "department").get(pk=pk)
    except (ProcedureItem.DoesNotExist, ValueError, TypeError):
        raise Http404("手续不存在。") from None


def project_public_get(*, user, pk):
    """A project's public facts for a user who may see it or owes one of its items (404 otherwise)."""
    try:
        return (
            Project.objects.filter(project_public_q(user))
            .select_related("region")
            .only("id", "name", "code", "investor", "stage", "region__name")
            .distinct()
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404("项目不存在。") from None


def procedure_templates():
    """Active templates (reference data, the same for everyone)."""
    from .models import ProcedureTemplate

    return ProcedureTemplate.objects.filter(is_active=True)


def procedure_plan_items(*, user, project):
    """A project's procedure plan for the API: items in scope with planned and actual dates, critical
    flag and the ids they wait for (two queries)."""
    return (
        ProcedureItem.objects.restrict(user)
        .filter(project=project)
        .exclude(status=ProcedureStatus.NOT_NEEDED)
        .select_related("department")
        .prefetch_related(Prefetch("depends_on", queryset=ProcedureItem.objects.only("id"), to_attr="waits_for"))
        .order_by("parent_id", "planned_start", "sort_order", "id")
    )


def queue_department_get(*, user, pk):
    """A department whose queue the user may open (404 otherwise, the same words as a missing one)."""
    found = next((d for d in queue_departments(user=user) if str(d.pk) == str(pk)), None)
    if found is None:
        raise Http404("部门不存在。")
    return found
