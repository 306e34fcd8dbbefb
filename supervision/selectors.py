"""Reads for supervision. Lights are computed here and only here: one SQL query over the period's
data for all projects in scope (no per-project loop; each project's counted months and monthly plan
read once, in LATERAL joins: common.lateral), so lists, the dashboard, the map and dispatch reports
can filter and count by light in the database.

The rules (documented in docs/development.md, "Traffic lights"):
- Period: a month (its first day). The light is evaluated "as of" the end of the month, or today
  for the current month. Completion, the completion rate, time progress and "behind" are the measures
  of ``insights.definitions.annotate_progress`` (counted entries; 统计口径).
- Expected share (序时进度), in percent of this year's plan: the project's own monthly plan for the
  period's month when it has a plan for that year (the latest planned month up to it, 0 before the
  first), else the share of the year elapsed on the as-of date.
- Main light, for projects under construction with a year plan above zero:
  behind = expected - completion (percentage points);
  behind < yellow_behind: green; yellow_behind <= behind <= red_behind: yellow; behind > red_behind: red.
  Completed or operating projects are green; projects not yet started and projects without a year plan
  get no main light ("none"): lateness before the start is the start_overdue flag's job.
- Flags (separate warning lights): start_overdue (planned start before the as-of date, not started),
  stale (under construction, no entry in the last ``stale_periods`` periods, started before them),
  problem_overdue (an unresolved problem past its deadline), cost_overrun (since-start total above the
  planned total), time_overrun (not completed and planned completion passed, or the forecast from the
  average rate since the start lands after the planned completion), deficiency_overdue (a procedure
  item accepted with deficiencies (容缺受理) whose materials were not made good by the 补正 deadline).
- Overall light: red if the main light is red or any flag is on, else the main light.
"""

import datetime
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone

from common import parsing, periods
from common.figures import points, ratio
from common.lateral import join_aggregates
from common.periods import add_months, month_start, reporting_month
from insights import definitions
from investment.choices import ProblemStatus
from investment.models import Problem, ProgressEntry
from investment.procedure_selectors import open_deficiencies
from investment.selectors import REPORTED_STATUSES
from projects.access import addressable_q
from projects.choices import RegionKind, Stage
from projects.models import Project
from projects.selectors import project_queryset

from .choices import FLAGS, Light, OrderStatus, UnitKind
from .models import (
    LightRule,
    LightSnapshot,
    MonthlyPlan,
    OrderAttachment,
    OrderEvent,
    OrderReply,
    SupervisionOrder,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
PERCENT = DecimalField(max_digits=12, decimal_places=4)
GROUP_BY = {"region": "region", "sector": "sector", "category": "category", "department": "department"}


class DaysBetween(Func):
    """PostgreSQL ``date - date``: whole days as an integer."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def current_period(today=None) -> datetime.date:
    """The month the lights and the map show by default: the reporting month (common.periods),
    the same month every other figure of that day covers."""
    return reporting_month(today or timezone.localdate())


def year_progress(queryset, *, today=None):
    """Projects with this year's measures as of the reporting month of ``today``: the lights'
    annotations (insights.definitions.annotate_progress: ``completed_ytd``, ``completion_rate``,
    ``time_progress``, ``behind``, ``lagging``) and the gap (``expected_ytd``, ``gap``)."""
    period = definitions.reporting_period(today or timezone.localdate())
    return definitions.annotate_gap(annotate_lights(queryset, period=period.month, as_of=period.month_end))


def lagging_only(queryset):
    """Of a queryset annotated by ``year_progress``: the lagging projects (insights.definitions: 滞后)."""
    return queryset.filter(lagging=True)


def period_as_of(period: datetime.date, today=None) -> datetime.date:
    """End of the period's month, or today while the month is still running."""
    return periods.period_as_of(period, today or timezone.localdate())


def lagging_margin():
    """The lagging margin (percentage points behind time progress): the current light rule's yellow
    threshold, which ``definitions.lagging_q`` takes."""
    return LightRule.current().yellow_behind


def annotate_judged(queryset, *, period, as_of=None, known_at=None):
    """Annotate a Project queryset with the period's measures as the lights judge them
    (``insights.definitions.annotate_progress``, time progress from the project's monthly plan where it
    has one): enough for ``definitions.lagging_q`` and ``annotate_gap``, without the lights' flags (a
    much smaller query, for the dashboard's lagging walk)."""
    period = month_start(period)
    as_of = as_of or period_as_of(period)
    # The project's monthly plan of the year, read once per project (a LATERAL join, common.lateral):
    # whether it has one, and the cumulative share of the latest planned month up to the period's.
    # Time progress reads both, and the lights refer to time progress many times.
    plans = MonthlyPlan.objects.filter(project=OuterRef("pk"), year=period.year)
    latest = ArrayAgg("cumulative_percent", filter=Q(month__lte=period.month), order_by="-month")
    queryset, plan = join_aggregates(
        queryset,
        plans,
        "monthly_plan",
        planned_months=Count("pk"),
        planned_latest=Func(latest, template="(%(expressions)s)[1]", output_field=PERCENT),
    )
    qs = queryset.annotate(
        has_monthly_plan=GreaterThan(plan["planned_months"], 0), planned_percent=plan["planned_latest"]
    )
    return definitions.annotate_progress(
        qs,
        month=period,
        as_of=as_of,
        known_at=known_at,
        planned_share=ExpressionWrapper(F("planned_percent") / 100, PERCENT),
        has_plan=Q(has_monthly_plan=True),
    )


def annotate_lights(queryset, *, period, as_of=None, rule=None, known_at=None):
    """Annotate a Project queryset with the period's figures, lights and flags (see module doc). The
    figures (completion, rate, time progress, behind) are ``annotate_judged``'s; this adds the light
    thresholds and the flags."""
    period = month_start(period)
    as_of = as_of or period_as_of(period)
    rule = rule or LightRule.current()
    stale_from = add_months(period, -(rule.stale_periods - 1))

    recent = ProgressEntry.objects.filter(
        project=OuterRef("pk"), status__in=REPORTED_STATUSES, period__gte=stale_from, period__lte=period
    )
    overdue_problems = Problem.objects.filter(
        project=OuterRef("pk"), status__in=ProblemStatus.unresolved(), deadline__lt=as_of
    )
    overdue_deficiencies = open_deficiencies().filter(project=OuterRef("pk"), deficiency_deadline__lt=as_of)
    under_construction = Q(stage=Stage.CONSTRUCTION)
    measured = definitions.measured_q()
    as_of_value = Cast(Value(as_of), DateField())

    qs = annotate_judged(queryset, period=period, as_of=as_of, known_at=known_at).annotate(
        has_recent_entry=Exists(recent),
        problem_overdue=Exists(overdue_problems),
        deficiency_overdue=Exists(overdue_deficiencies),
    )
    qs = qs.annotate(
        ytd_completed=F("completed_ytd"),
        since_start_completed=F("since_start"),
        expected_percent=ExpressionWrapper(F("time_progress") * 100, PERCENT),
        completion_percent=ExpressionWrapper(F("completion_rate") * 100, PERCENT),
    )
    qs = qs.annotate(
        light=Case(
            When(measured & Q(behind__gt=rule.red_behind), then=Value(Light.RED.value)),
            When(definitions.lagging_q(rule.yellow_behind), then=Value(Light.YELLOW.value)),
            When(measured, then=Value(Light.GREEN.value)),
            When(stage__in=[Stage.COMPLETED, Stage.OPERATING], then=Value(Light.GREEN.value)),
            default=Value(Light.NONE.value),
            output_field=CharField(),
        ),
        lagging=Case(
            When(definitions.lagging_q(rule.yellow_behind), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        start_overdue=Case(
            When(
                Q(stage__in=Stage.pools(), actual_start__isnull=True, planned_start__lt=as_of),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        stale=Case(
            When(
                under_construction
                & Q(has_recent_entry=False)
                & (Q(actual_start__isnull=True) | Q(actual_start__lt=stale_from)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        cost_overrun=Case(
            When(since_start_completed__gt=F("total_investment"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        days_since_start=DaysBetween(as_of_value, F("actual_start")),
        days_to_planned=DaysBetween(F("planned_completion"), as_of_value),
    )
    # Forecast completion after the planned date, at the average rate since the start:
    # remaining / (done / days_since_start) > days_to_planned, multiplied out to avoid division.
    forecast_late = (
        Q(actual_start__isnull=False, since_start_completed__gt=0, since_start_completed__lt=F("total_investment"))
        & Q(days_since_start__gt=0)
        & Q(
            forecast_gap__gt=0,
        )
    )
    qs = qs.annotate(
        forecast_gap=ExpressionWrapper(
            (F("total_investment") - F("since_start_completed")) * F("days_since_start")
            - F("since_start_completed") * F("days_to_planned"),
            output_field=DecimalField(max_digits=30, decimal_places=2),
        )
    ).annotate(
        time_overrun=Case(
            When(
                Q(stage=Stage.CONSTRUCTION, planned_completion__isnull=False)
                & (Q(planned_completion__lt=as_of) | forecast_late),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    any_flag = Q(start_overdue=True) | Q(stale=True) | Q(problem_overdue=True) | Q(cost_overrun=True)
    any_flag |= Q(time_overrun=True) | Q(deficiency_overdue=True)
    return qs.annotate(
        overall=Case(
            When(Q(light=Light.RED) | any_flag, then=Value(Light.RED.value)),
            default=F("light"),
            output_field=CharField(),
        )
    )


def project_lights(*, user, period, filters=None, as_of=None):
    """Projects in the user's scope with the period's lights (annotations: ``light``, ``overall``,
    ``expected_percent``, ``completion_percent``, ``behind``, ``ytd_completed``,
    ``since_start_completed`` and the flags in ``choices.FLAGS``). ``filters``: ORM lookups, which
    may name the annotations, e.g. ``{"light": "red"}`` or ``{"problem_overdue": True}``."""
    qs = annotate_lights(project_queryset(user=user), period=period, as_of=as_of)
    if filters:
        qs = qs.filter(**filters)
    return qs


def light_counts(*, user, period, by="region", field="light", filters=None, as_of=None):
    """Counts per light (and of flagged projects) grouped by region, sector, category or department.

    One query. Returns a list of dicts: ``{"id", "name", "green", "yellow", "red", "none", "flagged",
    "total", <flag>: count...}``, in the grouping's display order.
    """
    if by not in GROUP_BY:
        raise ValueError(f"by must be one of {sorted(GROUP_BY)}")
    if field not in ("light", "overall"):
        raise ValueError("field must be 'light' or 'overall'")
    key = GROUP_BY[by]
    qs = annotate_lights(Project.objects.restrict(user), period=period, as_of=as_of)
    if filters:
        qs = qs.filter(**filters)
    counts = {light: Count("pk", filter=Q(**{field: light})) for light in Light.values}
    flag_counts = {flag: Count("pk", filter=Q(**{flag: True})) for flag in FLAGS}
    rows = (
        qs.order_by()
        .values(f"{key}_id", f"{key}__name", f"{key}__sort_order")
        .annotate(total=Count("pk"), **counts, **flag_counts)
        .order_by(f"{key}__sort_order", f"{key}_id")
    )
    result = []
    for row in rows:
        item = {"id": row[f"{key}_id"], "name": row[f"{key}__name"] or "未分类", "total": row["total"]}
        item.update({light: row[light] for light in Light.values})
        item.update({flag: row[flag] for flag in FLAGS})
        result.append(item)
    return result


def light_summary(*, user, period, filters=None, as_of=None):
    """Totals for one period over the user's scope: {"light_<l>": n, "overall_<l>": n, <flag>: n, "total": n}.
    One query (grouped by region, then summed: a handful of rows)."""
    summary = {"total": 0, **{f"light_{light}": 0 for light in Light.values}}
    summary.update({f"overall_{light}": 0 for light in Light.values})
    summary.update(dict.fromkeys(FLAGS, 0))
    qs = annotate_lights(Project.objects.restrict(user), period=period, as_of=as_of)
    if filters:
        qs = qs.filter(**filters)
    counts = {f"light_{light}": Count("pk", filter=Q(light=light)) for light in Light.values}
    counts.update({f"overall_{light}": Count("pk", filter=Q(overall=light)) for light in Light.values})
    counts.update({flag: Count("pk", filter=Q(**{flag: True})) for flag in FLAGS})
    for row in qs.order_by().values("region_id").annotate(total=Count("pk"), **counts):
        for key in summary:
            summary[key] += row[key]
    return summary


def light_history(*, user, project):
    return LightSnapshot.objects.restrict(user).filter(project=project).order_by("-period")


def monthly_plans(*, user, project, year):
    return MonthlyPlan.objects.restrict(user).filter(project=project, year=year).order_by("month")


# --- Orders -----------------------------------------------------------------------------------


def order_queryset(*, user):
    return SupervisionOrder.objects.restrict(user).select_related(
        "project", "project__region", "problem", "unit_region", "unit_department", "unit_contact", "issued_by"
    )


def order_list(*, user, status=None, overdue=None, project=None):
    qs = order_queryset(user=user)
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        qs = qs.filter(was_overdue=overdue)
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def order_get(*, user, pk):
    try:
        return order_queryset(user=user).get(pk=pk)
    except (SupervisionOrder.DoesNotExist, ValueError, TypeError):
        raise Http404("督办单不存在。") from None


def order_history(*, order):
    """The order's events and replies (the order was already fetched in the caller's scope)."""
    events = OrderEvent.objects.filter(order=order).select_related("actor").order_by("at", "id")
    replies = (
        OrderReply.objects.filter(order=order).select_related("author").prefetch_related("attachments")
    ).order_by("created_at", "id")
    return events, replies


def attachment_get(*, user, pk):
    """An attachment, only if its order is visible to the user."""
    visible_orders = SupervisionOrder.objects.restrict(user).values("pk")
    try:
        return OrderAttachment.objects.select_related("reply__order").get(pk=pk, reply__order__in=visible_orders)
    except (OrderAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404("附件不存在。") from None


def order_stats(*, user=None, orders=None, projects=None, start=None, end=None, today=None):
    """For a dispatch report: orders issued in [start, end] (in scope), how many were answered on
    time, are overdue, are closed, and each unit's on-time reply rate. Two queries.

    Scope: ``user`` (their visible orders), or ``projects`` (a Project queryset or ids: a dispatch
    report's scope, for tasks that run without a user), or ``orders`` (a SupervisionOrder queryset).
    """
    today = today or timezone.localdate()
    if orders is not None:
        qs = orders
    elif projects is not None:
        qs = SupervisionOrder.objects.filter(project__in=projects)
    else:
        qs = SupervisionOrder.objects.restrict(user)
    if start is not None:
        qs = qs.filter(issued_on__gte=start)
    if end is not None:
        qs = qs.filter(issued_on__lte=end)
    overdue_now = Q(status__in=OrderStatus.awaiting_reply(), deadline__lt=today)
    # Due: the deadline has passed or a reply came; those are the ones the on-time rate counts.
    due = Q(replied_on_time__isnull=False) | Q(deadline__lt=today)
    totals = qs.aggregate(
        issued=Count("pk"),
        answered_on_time=Count("pk", filter=Q(replied_on_time=True)),
        answered_late=Count("pk", filter=Q(replied_on_time=False)),
        overdue=Count("pk", filter=overdue_now),
        ever_overdue=Count("pk", filter=Q(was_overdue=True)),
        closed=Count("pk", filter=Q(status=OrderStatus.CLOSED)),
        open=Count("pk", filter=~Q(status=OrderStatus.CLOSED)),
        due=Count("pk", filter=due),
    )
    units = (
        qs.order_by()
        .values("unit_kind", "unit_name")
        .annotate(
            issued=Count("pk"),
            due=Count("pk", filter=due),
            on_time=Count("pk", filter=Q(replied_on_time=True)),
            overdue=Count("pk", filter=overdue_now),
            closed=Count("pk", filter=Q(status=OrderStatus.CLOSED)),
        )
        .order_by("unit_kind", "unit_name")
    )
    unit_rows = []
    for row in units:
        # In percentage points, by the one rounding rule (common.figures).
        rate = points(ratio(row["on_time"], row["due"]))
        unit_rows.append({**row, "unit_kind_display": UnitKind(row["unit_kind"]).label, "on_time_rate": rate})
    totals["on_time_rate"] = points(ratio(totals["answered_on_time"], totals["due"]))
    totals["units"] = unit_rows
    return totals


# --- Map ---------------------------------------------------------------------------------------


def map_data(*, user, queryset, period, metric="count"):
    """Per region: project count and planned total; points with coordinates and their light.

    ``queryset`` is the caller's filtered project queryset (already in scope). Two queries.
    """
    lit = annotate_lights(queryset, period=period)
    regions = (
        lit.order_by()
        .values("region_id", "region__name", "region__kind", "region__division_code")
        .annotate(count=Count("pk"), investment=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY))
        .order_by("region__sort_order", "region_id")
    )
    points = (
        lit.filter(longitude__isnull=False, latitude__isnull=False)
        .order_by("-total_investment", "id")
        .values("id", "name", "longitude", "latitude", "overall", "light", "total_investment", "region__name")
    )
    region_rows = [
        {
            "id": r["region_id"],
            "name": r["region__name"],
            "division_code": r["region__division_code"],
            "is_zone": r["region__kind"] == RegionKind.ZONE,
            "count": r["count"],
            "investment": r["investment"],
        }
        for r in regions
    ]
    return {"metric": metric, "period": period, "regions": region_rows, "points": list(points[:5000])}


def problems_for(*, user, project):
    """The project's unresolved problems the user may see (to attach an order to one)."""
    return Problem.objects.restrict(user).filter(project=project, status__in=ProblemStatus.unresolved())


def filtered_lights(*, user, params, period):
    """The light list of the pages and the API: the project list's filters (ProjectFilterSet) plus
    ``light``, ``overall`` and ``flag``. Returns (filterset, queryset)."""
    from projects.filters import ProjectFilterSet

    qs = project_lights(user=user, period=period)
    filterset = ProjectFilterSet(params, queryset=qs)
    qs = filterset.qs if filterset.is_valid() else qs.none()
    light = params.get("light")
    if light in Light.values:
        qs = qs.filter(light=light)
    overall = params.get("overall")
    if overall in Light.values:
        qs = qs.filter(overall=overall)
    flag = params.get("flag")
    if flag in FLAGS:
        qs = qs.filter(**{flag: True})
    return filterset, qs


def parse_period(value, default=None):
    """A 'YYYY-MM' query parameter as the month's first day; the current month when absent or invalid."""
    if value:
        try:
            return parsing.month(value)
        except parsing.ParseError:
            pass
    return default or current_period()


# One answer for "no such user" and "not one this order may be addressed to" (no oracle of usernames).
CONTACT_REFUSED = "企业联系人无效或不可用。"


def contact_by_username(username, *, project):
    """The active user of that username an order about ``project`` may be addressed to
    (``access.addressable_q``), or None alike for a missing and for an unaddressable user."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        ._default_manager.filter(addressable_q(project), username=username, is_active=True)
        .distinct()
        .first()
    )
