"""Reads for service tasks: every one takes the user and goes through ``.restrict(user)``."""

from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import timezone

from common.figures import ratio
from insights import definitions
from projects.models import Department, Region

from .choices import TaskStatus
from .models import ServiceAttachment, ServiceKind, ServiceTask, ServiceTaskEvent

NOT_FOUND = "服务事项不存在。"


def task_queryset(*, user, action="view"):
    return ServiceTask.objects.restrict(user, action)


def task_list(*, user, status=None, kind=None, region=None, overdue=None, project=None, today=None):
    """The user's tasks, filtered; rows carry what the list shows (one query per page)."""
    today = today or timezone.localdate()
    qs = task_queryset(user=user).select_related("project", "project__region", "kind", "owner_unit", "owner_person")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind_id=kind)
    if region:
        qs = qs.filter(project__region_id=region)
    if project is not None:
        qs = qs.filter(project=project)
    if overdue is True:
        qs = qs.filter(status__in=TaskStatus.open(), deadline__lt=today)
    elif overdue is False:
        qs = qs.exclude(status__in=TaskStatus.open(), deadline__lt=today)
    return qs.order_by("-requested_on", "-id")


def task_get(*, user, pk):
    try:
        return (
            task_queryset(user=user)
            .select_related(
                "project", "project__region", "kind", "owner_unit", "owner_person", "problem", "order", "created_by"
            )
            .get(pk=pk)
        )
    except (ServiceTask.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def task_history(*, task):
    """The task's log: its events and its contacts with attachments (the task was fetched in scope)."""
    events = ServiceTaskEvent.objects.filter(task=task).select_related("actor").order_by("at", "id")
    contacts = (
        task.contacts.select_related("recorded_by").prefetch_related("attachments").order_by("contacted_on", "id")
    )
    return events, contacts


def attachment_get(*, user, pk):
    try:
        return ServiceAttachment.objects.restrict(user).get(pk=pk)
    except (ServiceAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404("附件不存在。") from None


def kinds():
    return ServiceKind.objects.filter(active=True).order_by("sort_order", "id")


def filter_choices():
    """Kinds, counties and units for the list's filters (reference data, the same for everybody)."""
    return {
        "kinds": list(ServiceKind.objects.order_by("sort_order", "id").values_list("pk", "name")),
        "regions": list(Region.objects.order_by("sort_order", "id").values_list("pk", "name")),
        "units": list(Department.objects.order_by("name").values_list("pk", "name")),
    }


def tasks_for_problem(*, user, problem):
    return task_queryset(user=user).filter(problem=problem)


def tasks_for_order(*, user, order):
    return task_queryset(user=user).filter(order=order)


def open_task_counts(user, project_ids):
    """{project id: open service tasks} for the given projects the user may see (one query); projects
    without open tasks are left out. For the steward's start page (我的包保项目)."""
    rows = (
        task_queryset(user=user)
        .filter(project_id__in=list(project_ids), status__in=TaskStatus.open())
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
    )
    return {r["project_id"]: r["n"] for r in rows}


# --- figures (insights.definitions' measures over the user's tasks) ----------------------------------
GROUPS = {
    "steward": ("project__steward_id", Coalesce(NullIf(F("project__steward__display_name"), Value("")),
                                                F("project__steward__username"))),
    "unit": ("owner_unit_id", F("owner_unit__name")),
    "region": ("project__region_id", F("project__region__name")),
}  # fmt: skip
GROUP_LABELS = {"region": "县区", "unit": "责任单位", "steward": "项目管家"}


def figure_rows(tasks, *, by, today=None):
    """Rows per steward, unit or county: requested, done, done on time, on-time rate, average working
    days to done, overdue open (``insights.definitions.service_task_counts``); and the total row."""
    today = today or timezone.localdate()
    key, label = GROUPS[by]
    grouped = list(
        definitions.service_task_counts(
            tasks.annotate(group_label=label), today=today, by=(key, "group_label")
        ).order_by("group_label")
    )
    rows = [_finish(row, name=row["group_label"] or "未指定", key=row[key]) for row in grouped]
    # Every task falls in exactly one group (a missing steward is a group too): the total is the exact
    # integer sum of the groups, without a second query.
    measures = ("requested", "done", "on_time", "working_days", "overdue")
    total = {m: sum(row[m] for row in grouped) for m in measures}
    return rows, _finish(total, name="合计", key=None)


def _finish(row, *, name, key):
    return {
        "key": key,
        "name": name,
        "requested": row["requested"],
        "done": row["done"],
        "on_time": row["on_time"],
        "on_time_rate": ratio(row["on_time"], row["done"]),
        "average_days": definitions.service_average_days(row["working_days"], row["done"]),
        "overdue": row["overdue"],
    }


def task_figures(*, user, by="region", start=None, end=None, today=None):
    """The figures of the tasks the user may see, requested between ``start`` and ``end`` (inclusive)."""
    tasks = task_queryset(user=user)
    if start is not None:
        tasks = tasks.filter(requested_on__gte=start)
    if end is not None:
        tasks = tasks.filter(requested_on__lte=end)
    return figure_rows(tasks, by=by, today=today)


def scope_tasks(projects, *, start, end):
    """Tasks on a set of projects (a dispatch group's scope, no user: the report) requested in a period."""
    return ServiceTask.objects.filter(project__in=projects, requested_on__gte=start, requested_on__lte=end)
