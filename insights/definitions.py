"""统计口径: every measure the product shows, defined once, with the text users read.

Each measure is a small function returning an ORM expression, a Q or an aggregate over a project
queryset the caller has already scoped (all projects, key projects, a dispatch group's scope, a county,
a user's access scope): the scope is the caller's queryset, the measure is the same everywhere.
Dashboard, stats API, dispatch reports and evaluation, bulletin, lights and map, lists and exports all
read their figures here; none computes a rate, a plan or a lag of its own.

The pure parts live below the apps: periods in ``common.periods``, rounding, rates, the
percent format and the problem-age buckets in ``common.figures``. The text of every measure is
``DEFINITIONS``, one list in this module: the 统计口径说明 page, the 统计口径 sheet of every xlsx report
and the tooltips on the pages are generated from it.

Layers: this module reads projects and investment only, so every app above it (attraction,
supervision, dispatch, portal) may import it. Two measures use data of higher apps, which pass it in:
time progress from a project's monthly plan (``supervision.selectors.annotate_lights`` passes its
MonthlyPlan subquery to ``annotate_progress``), and capital in place (``capital_months``, over the
scoped rows ``attraction.selectors.capital_monthly`` passes; rates by ``common.figures``).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.figures import PROBLEM_AGE_BUCKETS, hundredths, ratio
from common.lateral import join_aggregates
from common.periods import month_end, next_month, previous_month, reporting_month, year_fraction_elapsed
from investment import selectors as investment_selectors
from investment.choices import EntryStatus
from investment.models import Problem, ProcedurePlan, ProgressEntry, SitePhoto
from projects.choices import KeyLevel, Stage
from projects.models import StageChange

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
RATIO = DecimalField(max_digits=12, decimal_places=4)
BUILDING = (Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING)


# --- which entries count ------------------------------------------------------------------------
# One row per counted project-month (project_id, period, amount): investment's rollup, maintained in
# the same transaction as a verification or an approved amendment. Every measure reads it, never the
# raw entries; ``known_at`` gives the figures as they were known at a moment (a frozen round).
counted_month_rows = investment_selectors.counted_month_rows
# Today's figures from January through a month, one row per project (the same figures as summing the
# month rows, read from investment's year totals: what whole-city figures computed fresh read).
counted_ytd_rows = investment_selectors.counted_ytd_rows


def completed(*, first, last, known_at=None, project=None):
    """Counted investment (万元) of one project (``project``: an OuterRef to its id) from the month
    ``first`` through the month ``last`` (both month starts, inclusive); zero without entries."""
    project = OuterRef("pk") if project is None else project
    if known_at is None and first == datetime.date(last.year, 1, 1):  # today's year to date: one row
        total = counted_ytd_rows(through=last).filter(project_id=project).values("completed")[:1]
        return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)
    rows = counted_month_rows(known_at=known_at).filter(project_id=project, period__lte=last)
    if first is not None:
        rows = rows.filter(period__gte=first)
    total = rows.values("project_id").annotate(total=Sum("amount")).values("total")[:1]
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


# --- the period a figure covers --------------------------------------------------------------
@dataclass(frozen=True)
class AsOf:
    """A figure "as of" a day covers the reporting month: January through the last month whose
    progress is complete on that day; time progress is judged at that month's end."""

    day: datetime.date

    @property
    def month(self):
        return reporting_month(self.day)

    @property
    def year(self):
        return self.month.year

    @property
    def year_start(self):
        return datetime.date(self.year, 1, 1)

    @property
    def month_end(self):
        return month_end(self.month)

    @property
    def last_year_month(self):
        return self.month.replace(year=self.year - 1)

    @property
    def elapsed(self):
        """Share of the year elapsed at the end of the reporting month."""
        return year_fraction_elapsed(self.month_end)


def reporting_period(day):
    """The period a figure as of ``day`` covers (an ``AsOf``)."""
    return day if isinstance(day, AsOf) else AsOf(day)


# --- year plan, completion, rate ------------------------------------------------------------------
def year_plan(prefix=""):
    """The year plan of a project: its 本年计划投资, whatever its stage (see DEFINITIONS)."""
    return F(f"{prefix}annual_plan")


def rate_sql(part, whole):
    """The one rounding rule in SQL: ``part / whole`` to 4 places (PostgreSQL's round(numeric) rounds
    half away from zero, as ROUND_HALF_UP does), NULL without a base."""
    return Case(
        When(**{f"{whole}__gt": 0}, then=Round(ExpressionWrapper(F(part) / F(whole), RATIO), 4)),
        default=Value(None),
        output_field=RATIO,
    )


def annotate_progress(queryset, *, month, as_of=None, known_at=None, planned_share=None, has_plan=None):
    """Annotate a project queryset with the measures of one project for ``month`` (a month start),
    judged on ``as_of`` (default: the month's last day):

    ``year_plan``; ``completed_ytd`` (counted, January through ``month``); ``since_start`` (counted,
    every month through ``month``); ``recent`` (``month`` and the one before); ``completion_rate``
    (ratio, 4 places, half up); ``time_progress`` (ratio: where the project has a monthly plan for the
    year, ``has_plan``, the plan's cumulative share ``planned_share`` for the month, both supervision's
    expressions; else the share of the year elapsed on ``as_of``); ``behind`` (percentage points:
    time progress minus completion rate; NULL without a completion rate)."""
    as_of = as_of or month_end(month)
    year_start = datetime.date(month.year, 1, 1)
    elapsed = year_fraction_elapsed(as_of) if as_of.year == month.year else Decimal("1.0000")
    progress = Value(elapsed, output_field=RATIO)
    if planned_share is not None:
        progress = Case(When(has_plan, then=Coalesce(planned_share, Value(Decimal("0")))), default=progress)
    if known_at is None:
        # Today's year to date from the project's year-total row, joined (not a subquery): the measures
        # below refer to it many times, and each reference to a subquery would repeat it per project.
        queryset = queryset.alias(
            _counted_year=FilteredRelation("counted_years", condition=Q(counted_years__year=month.year))
        )
        after = (
            counted_month_rows()
            .filter(project_id=OuterRef("pk"), period__gt=month, period__lt=datetime.date(month.year + 1, 1, 1))
            .values("project_id")
            .annotate(total=Sum("amount"))
            .values("total")[:1]
        )
        ytd = Case(
            When(_counted_year__last_period__gt=month,
                 then=F("_counted_year__amount") - Coalesce(Subquery(after, output_field=MONEY), Value(ZERO))),
            default=Coalesce(F("_counted_year__amount"), Value(ZERO)),
            output_field=MONEY,
        )  # fmt: skip
    # The project's sums over its counted months through ``month``, computed once per project (a
    # LATERAL join): the lights refer to ``since_start`` about eight times, and each reference to a
    # correlated subquery would be evaluated again (common.lateral).
    months = counted_month_rows(known_at=known_at).filter(project_id=OuterRef("pk"), period__lte=month)
    queryset, sums = join_aggregates(
        queryset,
        months,
        "counted_sums",
        since_start=Sum("amount"),
        recent=Sum("amount", filter=Q(period__gte=previous_month(month))),
        year_to_date=Sum("amount", filter=Q(period__gte=year_start)),
    )
    if known_at is not None:
        ytd = Coalesce(sums["year_to_date"], Value(ZERO), output_field=MONEY)
    return (
        queryset.annotate(
            year_plan=year_plan(),
            completed_ytd=ytd,
            since_start=Coalesce(sums["since_start"], Value(ZERO), output_field=MONEY),
            recent=Coalesce(sums["recent"], Value(ZERO), output_field=MONEY),
            time_progress=ExpressionWrapper(progress, output_field=RATIO),
        )
        .annotate(completion_rate=rate_sql("completed_ytd", "annual_plan"))
        .annotate(
            behind=Case(
                When(
                    completion_rate__isnull=False,
                    then=ExpressionWrapper((F("time_progress") - F("completion_rate")) * 100, RATIO),
                ),
                default=Value(None),
                output_field=RATIO,
            )
        )
    )


def time_progress_share(month, plans):
    """Time progress (ratio) of one project for ``month``, in Python, by the rule ``annotate_progress``
    applies in SQL: ``plans`` {month number: cumulative percent} of the project's monthly plan for the
    year (the latest planned month up to ``month``, 0 before the first); without a plan, the share of
    the year elapsed at the month's end."""
    if plans:
        known = [m for m in plans if m <= month.month]
        return (Decimal(plans[max(known)]) / 100).quantize(Decimal("0.0001")) if known else Decimal("0")
    return year_fraction_elapsed(month_end(month))


def totals(queryset, *, day, known_at=None, group_by=()):
    """Project count, total investment, year plan and counted completion of a scoped project queryset,
    as of ``day``; with ``group_by`` (project fields) one row per group. Each row gets
    ``completion_rate`` (``ratio``). Two queries whatever the number of projects: the projects grouped,
    and the counted months of the same projects grouped the same way."""
    period = reporting_period(day)
    plans = (
        queryset.order_by()
        .values(*group_by)
        .annotate(
            project_count=Count("id"),
            total_investment=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY),
            year_plan=Coalesce(Sum(year_plan()), Value(ZERO), output_field=MONEY),
        )
    )
    if known_at is None:  # today's figures: one row per project (the year totals)
        done = counted_ytd_rows(through=period.month).filter(project_id__in=queryset.order_by().values("pk"))
        amount = "completed"
    else:
        done = counted_month_rows(known_at=known_at).filter(
            project_id__in=queryset.order_by().values("pk"), period__gte=period.year_start, period__lte=period.month
        )
        amount = "amount"
    done = (
        done.values(*(f"project__{field}" for field in group_by))
        .annotate(total=Sum(amount))
        .values_list(*(f"project__{field}" for field in group_by), "total")
    )
    completed_by_group = {tuple(row[:-1]): row[-1] for row in done}
    result = []
    for row in plans:
        row["completed_ytd"] = completed_by_group.get(tuple(row[field] for field in group_by), ZERO)
        row["completion_rate"] = ratio(row["completed_ytd"], row["year_plan"])
        result.append(row)
    if not group_by and not result:
        result = [{"project_count": 0, "total_investment": ZERO, "year_plan": ZERO, "completed_ytd": ZERO,
                   "completion_rate": None}]  # fmt: skip
    return result


def fold(rows, field, extra=()):
    """Add up ``totals`` rows grouped by several fields into rows per ``field`` (exact Decimal sums),
    each with its ``completion_rate``; ``extra`` fields are carried (they depend on ``field``)."""
    groups = {}
    for row in rows:
        key = row[field]
        group = groups.get(key)
        if group is None:
            group = groups[key] = {field: key, **{name: row[name] for name in extra}, "project_count": 0,
                                   "total_investment": ZERO, "year_plan": ZERO, "completed_ytd": ZERO}  # fmt: skip
        for name in ("project_count", "total_investment", "year_plan", "completed_ytd"):
            group[name] += row[name]
    for group in groups.values():
        group["completion_rate"] = ratio(group["completed_ytd"], group["year_plan"])
    return list(groups.values())


def year_on_year(queryset, *, day, known_at=None):
    """Counted completion January through the reporting month, the same months last year, and the
    year-on-year growth (ratio): {"ytd", "last_ytd", "yoy"}."""
    from common.figures import growth

    period = reporting_period(day)
    last_start = period.year_start.replace(year=period.year - 1)
    if known_at is None:  # today's figures: the year totals of both years, one row per project each
        projects = queryset.order_by().values("pk")
        sums = {
            key: counted_ytd_rows(through=month)
            .filter(project_id__in=projects)
            .aggregate(total=Coalesce(Sum("completed"), Value(ZERO), output_field=MONEY))["total"]
            for key, month in (("ytd", period.month), ("last_ytd", period.last_year_month))
        }
        return {**sums, "yoy": growth(sums["ytd"], sums["last_ytd"])}
    rows = counted_month_rows(known_at=known_at).filter(
        project_id__in=queryset.order_by().values("pk"), period__gte=last_start, period__lte=period.month
    )
    sums = rows.aggregate(
        ytd=Coalesce(Sum("amount", filter=Q(period__gte=period.year_start)), Value(ZERO), output_field=MONEY),
        last_ytd=Coalesce(Sum("amount", filter=Q(period__lte=period.last_year_month)), Value(ZERO), output_field=MONEY),
    )
    return {**sums, "yoy": growth(sums["ytd"], sums["last_ytd"])}


# --- the same figures from the per-scope totals ----------------------------------------------------
# For a scope the totals keep (``projects.access.rollup_scope``: everything, counties, special groups,
# departments), today's figures read a few rows per dimension instead of every project: the same
# measures (the year plan of every project, counted months January through the reporting month).
def scope_figures(scope, *, day, dimensions):
    """{dimension: {value: {project_count, total_investment, year_plan, completed_ytd, completion_rate}}}
    for ``scope`` as of ``day`` (values as the totals keep them: ids as text, stage codes, "" for none;
    "total" has the one value ""). One query whatever the number of projects."""
    period = reporting_period(day)
    result = {dimension: {} for dimension in dimensions}
    for dimension, value, count, total, plan, done in investment_selectors.scope_total_rows(
        scope=scope, dimensions=dimensions, first=period.year_start, last=period.month
    ):
        result[dimension][value] = {"project_count": count, "total_investment": total, "year_plan": plan,
                                    "completed_ytd": done, "completion_rate": ratio(done, plan)}  # fmt: skip
    return result


def scope_started(scope, *, first, last):
    """``started_or_resumed_q(first=first, last=last)`` among the key projects of ``scope``, from the
    per-scope start days (one query): (count, total investment). ``first`` is the first day of
    ``last``'s year (the start days count a project once per year, on its first day of that year)."""
    if first != datetime.date(last.year, 1, 1):
        raise ValueError("scope_started counts from the first day of a year")
    return investment_selectors.scope_start_totals(scope=scope, first=first, last=last)


def scope_year_on_year(scope, *, day):
    """``year_on_year`` of a scope from the per-scope totals (one query): {"ytd", "last_ytd", "yoy"}."""
    from common.figures import growth

    period = reporting_period(day)
    sums = {"ytd": ZERO, "last_ytd": ZERO}
    for _dimension, _value, month, amount in investment_selectors.scope_month_rows(
        scope=scope, dimensions=["total"], first=period.year_start.replace(year=period.year - 1),
        last=period.month, by_period=True,
    ):  # fmt: skip
        if month >= period.year_start:
            sums["ytd"] += amount
        elif month <= period.last_year_month:
            sums["last_ytd"] += amount
    return {**sums, "yoy": growth(sums["ytd"], sums["last_ytd"])}


def scope_monthly(scope, *, first, last):
    """Counted investment per month of a scope from ``first`` through ``last`` (one query): {period: 万元}."""
    return {
        month: amount
        for _dimension, _value, month, amount in investment_selectors.scope_month_rows(
            scope=scope, dimensions=["total"], first=first, last=last, by_period=True
        )
    }


# --- lagging ---------------------------------------------------------------------------------
def measured_q():
    """Projects whose progress is judged: under construction with a year plan above zero."""
    return Q(stage=Stage.CONSTRUCTION, annual_plan__gt=0)


def lagging_q(margin):
    """Lagging (滞后): measured, and ``behind`` (time progress minus completion rate) at least
    ``margin`` percentage points: supervision's LightRule.yellow_behind, the yellow and red lights."""
    return measured_q() & Q(behind__gte=margin)


def annotate_gap(queryset):
    """On a queryset annotated by ``annotate_progress`` (the lights are): ``expected_ytd`` (万元: year
    plan × time progress, 2 places half up) and ``gap`` (expected minus completed; above zero: behind)."""
    return queryset.annotate(
        expected_ytd=ExpressionWrapper(Round(F("annual_plan") * F("time_progress"), 2), MONEY)
    ).annotate(gap=ExpressionWrapper(F("expected_ytd") - F("completed_ytd"), MONEY))


# --- starts, completions, 开复工 ---------------------------------------------------------------
def started_or_resumed_q(*, first, last):
    """开复工 in [first, last]: now building (in construction, completed or in operation) and either
    actually started in the period, or entered construction in the period (a stage change to 在建 of
    any start type: 新开工, 续建 resuming work, 复工)."""
    entered = StageChange.objects.filter(
        project=OuterRef("pk"), to_stage=Stage.CONSTRUCTION, changed_on__gte=first, changed_on__lte=last
    )
    return Q(stage__in=BUILDING) & (Q(actual_start__gte=first, actual_start__lte=last) | Exists(entered))


def new_starts_q(*, first, last):
    """New starts in a period: actual start date in the period, now building."""
    return Q(stage__in=BUILDING, actual_start__gte=first, actual_start__lte=last)


def completions_q(*, first, last):
    """Completions in a period: actual completion date in the period."""
    return Q(actual_completion__gte=first, actual_completion__lte=last)


def key_projects_q(thresholds):
    """Key projects (重点项目): total investment at least the city-level threshold (an editable row)."""
    return Q(total_investment__gte=thresholds[KeyLevel.CITY])


# --- pools -------------------------------------------------------------------------------------
def pool_counts(queryset, *, by=()):
    """Count and planned total investment per stage (the four pools and beyond) of a scoped queryset:
    rows of (*by, stage, count, total)."""
    return (
        queryset.order_by()
        .values(*by, "stage")
        .annotate(count=Count("id"), total=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY))
        .values_list(*by, "stage", "count", "total")
    )


# --- capital in place (招商引资 实际到位资金) ------------------------------------------------------
def capital_months(rows, *, year, current):
    """Capital in place (see DEFINITIONS "capital") per month of ``year`` and the same month of last
    year, with the year-on-year growth, month by month and cumulated (one query). ``rows``: the caller's
    scoped queryset of attraction's monthly capital rows (``month``, ``amount`` in 万元), which this
    module cannot import; months after ``current`` (a month start) are still to come: no figures."""
    from common.figures import growth

    rows = rows.filter(month__gte=datetime.date(year - 1, 1, 1), month__lt=datetime.date(year + 1, 1, 1))
    sums = {row["month"]: row["total"] for row in rows.order_by().values("month").annotate(total=Sum("amount"))}
    result = []
    ytd = ytd_last = ZERO
    for m in range(1, 13):
        this, last = datetime.date(year, m, 1), datetime.date(year - 1, m, 1)
        amount, base = sums.get(this, ZERO), sums.get(last, ZERO)
        if this > current:  # months still to come: nothing to compare yet
            result.append({"month": this, "amount": None, "last_year": base, "yoy": None, "ytd": None,
                           "ytd_last_year": None, "ytd_yoy": None})  # fmt: skip
            continue
        ytd += amount
        ytd_last += base
        result.append({"month": this, "amount": amount, "last_year": base, "yoy": growth(amount, base), "ytd": ytd,
                       "ytd_last_year": ytd_last, "ytd_yoy": growth(ytd, ytd_last)})  # fmt: skip
    return result


# --- problems ----------------------------------------------------------------------------------
def problem_age_counts(problems, *, now):
    """Unresolved problems per age bucket (whole days since raised at ``now``, an aware datetime),
    one query: [{label, count, min_days, max_days}]."""
    aggregates = {}
    for index, (_label, low, high) in enumerate(PROBLEM_AGE_BUCKETS):
        q = Q(created_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - datetime.timedelta(days=high + 1))
        aggregates[f"b{index}"] = Count("id", filter=q)
    counts = problems.order_by().aggregate(**aggregates)
    return [
        {"label": label, "count": counts[f"b{index}"], "min_days": low, "max_days": high}
        for index, (label, low, high) in enumerate(PROBLEM_AGE_BUCKETS)
    ]


# --- time saved by the procedure engine (审批提速) -------------------------------------------------
def _days_between(later, earlier):
    # date - date is a whole number of days in PostgreSQL.
    return Func(later, earlier, template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField())


def time_saved_reference(prefix=""):
    """The start of construction time saved is measured from: the baseline's (the first frozen plan's)
    planned start, else the original plan's (an expression on Project, or through ``prefix``)."""
    baseline = ProcedurePlan.objects.filter(project=OuterRef(f"{prefix}pk"), is_baseline=True).values(
        "construction_start"
    )[:1]
    return Coalesce(
        Subquery(baseline, output_field=DateField()), F(f"{prefix}procedure_schedule__original_construction_start")
    )


def time_saved_actual(prefix=""):
    """The start time saved is measured to: the actual start, else the forecast from the procedures."""
    return Coalesce(F(f"{prefix}actual_start"), F(f"{prefix}procedure_schedule__forecast_construction_start"))


def time_saved_days(prefix=""):
    """Days saved (see DEFINITIONS "time_saved"), an expression on Project (or through ``prefix``):
    ``time_saved_reference`` minus ``time_saved_actual``; None when either date is missing."""
    return _days_between(time_saved_reference(prefix), time_saved_actual(prefix))


def parallel_items(prefix=""):
    """Items done in parallel (see DEFINITIONS "parallel_items"): top-level items of the current plan
    whose time overlaps another's, kept on the project's schedule by the engine."""
    return F(f"{prefix}procedure_schedule__parallel_items")


def annotate_time_saved(queryset):
    """A scoped project queryset annotated with ``days_saved`` and ``parallel_items``."""
    return queryset.annotate(days_saved=time_saved_days(), parallel_items=parallel_items())


def time_saved_totals(queryset):
    """Days saved and items done in parallel of a scoped project queryset, summed per county and for the
    whole scope (projects whose days saved cannot be computed are not counted)."""
    # Only projects under the procedure engine have either date (a frozen baseline comes with the
    # schedule): the inner join starts from the few schedules, not from every project in scope.
    qs = annotate_time_saved(queryset.filter(procedure_schedule__isnull=False)).filter(days_saved__isnull=False)
    rows = list(
        qs.order_by()
        .values("region_id", "region__name")
        .annotate(days=Sum("days_saved"), projects=Count("pk"), parallel=Sum("parallel_items"))
        .order_by("region__name")
    )
    total = {
        "days": sum(r["days"] for r in rows),
        "projects": sum(r["projects"] for r in rows),
        "parallel": sum(r["parallel"] or 0 for r in rows),
    }
    return {"regions": rows, "total": total}


# --- service tasks (帮办代办): measures over the tasks queryset the caller passes ------------------
# The tasks live in the assistance app (above this module): the caller scopes them (a user's tasks, a
# dispatch group's projects, a period); the rules are here. Field names are the assistance model's.
SERVICE_OPEN = ("requested", "accepted", "in_progress")


def service_task_counts(tasks, *, today, by=()):
    """服务事项数 (requested: every task of the queryset), 已办结, 按期办结 (done on or before its
    deadline), the working days of the done tasks summed (for the average) and 逾期未办结 (open with the
    deadline before ``today``). Grouped by ``by`` (a values queryset), or one dict for the whole set."""
    done = Q(status="done")
    measures = {
        "requested": Count("pk"),
        "done": Count("pk", filter=done),
        "on_time": Count("pk", filter=done & Q(done_on__lte=F("deadline"))),
        "working_days": Coalesce(Sum("working_days_taken", filter=done), Value(0)),
        "overdue": Count("pk", filter=Q(status__in=SERVICE_OPEN, deadline__lt=today)),
    }
    if by:
        return tasks.order_by().values(*by).annotate(**measures)
    return tasks.aggregate(**measures)


def service_average_days(working_days, done):
    """平均办结工作日: working days to done summed over done tasks ÷ their number, 2 places half up."""
    if not done:
        return None
    return hundredths(Decimal(working_days) / Decimal(done))


# --- the quarterly evaluation (三比三看) ---------------------------------------------------------
@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: its first and last day, its last month, the previous quarter's end in the
    same year (None for the first quarter: the year's figures start from zero) and its weeks."""

    year: int
    quarter: int

    @property
    def first(self):
        return datetime.date(self.year, self.quarter * 3 - 2, 1)

    @property
    def month(self):
        return datetime.date(self.year, self.quarter * 3, 1)

    @property
    def last(self):
        return month_end(self.month)

    @property
    def previous_last(self):
        return None if self.quarter == 1 else month_end(datetime.date(self.year, self.quarter * 3 - 3, 1))

    @property
    def weeks(self):
        """Weeks in the quarter (days ÷ 7, 2 places): the base of the weekly photo figure."""
        return (Decimal((self.last - self.first).days + 1) / 7).quantize(Decimal("0.01"))

    def months(self):
        return [datetime.date(self.year, m, 1) for m in range(self.quarter * 3 - 2, self.quarter * 3 + 1)]


def _by_unit(queryset, by, **aggregates):
    return {row.pop(by): row for row in queryset.order_by().values(by).annotate(**aggregates) if row[by] is not None}


def unit_started(projects, *, quarter, by):
    """开复工 ("started") from January 1 through the quarter's end, per unit (``by``: a project field)."""
    started = started_or_resumed_q(first=datetime.date(quarter.year, 1, 1), last=quarter.last)
    rows = _by_unit(projects, by, n=Count("id", filter=started))
    return {key: Decimal(row["n"]) for key, row in rows.items()}


def unit_completion_rates(projects, *, day, by):
    """投资完成率 per unit as of ``day`` (``totals`` grouped by ``by``)."""
    return {row[by]: row["completion_rate"] for row in totals(projects, day=day, group_by=[by]) if row[by] is not None}


def unit_rate_change(projects, *, quarter, by):
    """The completion rate at the quarter's end minus the rate at the previous quarter's end (the same
    year; zero before the first quarter), per unit; None without a year plan."""
    now = unit_completion_rates(projects, day=quarter.last, by=by)
    before = unit_completion_rates(projects, day=quarter.previous_last, by=by) if quarter.previous_last else {}
    return {key: None if rate is None else rate - (before.get(key) or Decimal("0")) for key, rate in now.items()}


def unit_verified_on_time(projects, *, quarter, by, day):
    """Entries of the quarter's months (filed: not drafts) verified by the end of day ``day`` of the
    month after, ÷ those entries, per unit (ratio)."""
    on_time = Q(pk__in=[])
    for month in quarter.months():
        by_day = datetime.datetime.combine(next_month(month) + datetime.timedelta(days=day), datetime.time())
        on_time |= Q(period=month, verified_at__lt=timezone.make_aware(by_day))
    entries = ProgressEntry.objects.filter(
        project__in=projects.order_by().values("pk"), period__gte=quarter.first, period__lte=quarter.month
    ).exclude(status=EntryStatus.DRAFT)
    rows = _by_unit(entries, f"project__{by}", n=Count("id"), ok=Count("id", filter=on_time))
    return {key: ratio(row["ok"], row["n"]) for key, row in rows.items()}


def unit_problems_solved(projects, *, quarter, by):
    """Problems whose deadline falls in the quarter solved by their deadline ÷ those problems, per unit."""
    problems = Problem.objects.filter(
        project__in=projects.order_by().values("pk"), deadline__gte=quarter.first, deadline__lte=quarter.last
    )
    solved = Q(solved_on__isnull=False, solved_on__lte=F("deadline"))
    rows = _by_unit(problems, f"project__{by}", n=Count("id"), ok=Count("id", filter=solved))
    return {key: ratio(row["ok"], row["n"]) for key, row in rows.items()}


def unit_orders_on_time(orders, *, quarter, by):
    """Supervision orders (supervision's queryset, passed by the caller) issued in the quarter and due
    by its end (answered, or past the deadline) answered on time ÷ those orders, per responsible unit
    (``by``: the order's field naming the county or department that must answer)."""
    orders = orders.filter(issued_on__gte=quarter.first, issued_on__lte=quarter.last).filter(
        Q(replied_on_time__isnull=False) | Q(deadline__lt=quarter.last)
    )
    rows = _by_unit(orders, by, n=Count("id"), ok=Count("id", filter=Q(replied_on_time=True)))
    return {key: ratio(row["ok"], row["n"]) for key, row in rows.items()}


def on_track_share(measured, not_lagging):
    """Projects under construction not lagging ÷ projects under construction (ratio; None without any)."""
    return ratio(not_lagging, measured) if measured else None


def unit_photos_per_week(projects, *, quarter, by):
    """Site photos taken in the quarter on projects under construction ÷ (those projects × the
    quarter's weeks), per unit (photos per project per week, 4 places)."""
    building = projects.filter(stage=Stage.CONSTRUCTION)
    counts = {key: row["n"] for key, row in _by_unit(building, by, n=Count("id")).items()}
    photos = SitePhoto.objects.filter(
        project__in=building.order_by().values("pk"), taken_on__gte=quarter.first, taken_on__lte=quarter.last
    )
    taken = {key: row["n"] for key, row in _by_unit(photos, f"project__{by}", n=Count("id")).items()}
    return {key: ratio(taken.get(key, 0), n * quarter.weeks) for key, n in counts.items()}


def indicator_share(value, *, values, direction, normalisation, target=None):
    """The share (0-1, 4 places) of an indicator's weight a unit earns, from its ``value`` and every
    ranked unit's ``values``: "best" value ÷ the best unit's (lower is better: best ÷ value); "range"
    (value − worst) ÷ (best − worst); "target" value ÷ target, at most 1 (lower: target ÷ value).
    A unit without a value (nothing to judge: no orders due, no problems due) earns the full share."""
    one, zero = Decimal("1"), Decimal("0")
    if value is None:
        return one
    known = [v for v in values if v is not None] or [value]
    lower = direction == "lower"
    best, worst = (min(known), max(known)) if lower else (max(known), min(known))
    if normalisation == "range":
        if best == worst:
            return one
        share = ratio(value - worst, best - worst)
    elif normalisation == "target":
        share = (one if value <= target else ratio(target, value)) if lower else ratio(value, target)
    elif lower:
        share = one if value <= 0 else ratio(best, value)
    else:
        share = ratio(value, best) if best > 0 else (one if value == best else zero)
    return max(zero, min(one, share))


def indicator_points(share, weight):
    """Points on one indicator: weight × share, 2 places half up."""
    return hundredths(Decimal(weight) * share)


# The measures an evaluation indicator may score (dispatch.choices.EvaluationMeasure has the same keys).
EVALUATION_MEASURES = (
    "started",
    "completion_rate",
    "verified_on_time",
    "problems_solved",
    "orders_on_time",
    "on_track",
    "rate_change",
    "photos_per_week",
)


# --- the organisation of attraction (task forces, zones, phase 2, funds, outreach) ---------------------
# The registries live in attraction (above this module): the caller passes the path from its rows to
# their projects, or the rows to sum; the rules and the text are here.
LEAD_STAGES = (Stage.PLANNING, Stage.NEGOTIATING)
SIGNED_OR_LATER = (Stage.SIGNED, Stage.LANDED, *BUILDING)
LANDED_OR_LATER = (Stage.LANDED, *BUILDING)


def followed_counts(prefix, scope=None):
    """Aggregates over a registry's rows (a task force, a zone) whose projects are reached through
    ``prefix`` (e.g. ``"projects__"``): leads (谋划/洽谈), signed (签约及以后), landed (落地及以后), each
    project once; ``scope`` a Q on the same path (the user's access scope)."""
    scope = Q() if scope is None else scope

    def count(stages):
        return Count(f"{prefix}id", filter=scope & Q(**{f"{prefix}stage__in": stages}), distinct=True)

    return {"leads": count(LEAD_STAGES), "signed": count(SIGNED_OR_LATER), "landed": count(LANDED_OR_LATER)}


def subquery_sum(rows, field="amount"):
    """The sum of ``field`` over ``rows`` (a queryset already filtered on an OuterRef), zero when none:
    capital in place of a task force's or a zone's projects, a budget's approved spending."""
    total = rows.order_by().annotate(one=Value(1)).values("one").annotate(total=Sum(field)).values("total")[:1]
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def reinvestment(phases, prefix="project__"):
    """Re-investment by existing investors (增资扩产): count and planned total investment of the phase-2
    projects among ``phases`` (rows linking a phase 2, reached through ``prefix``, to its phase 1)."""
    return phases.order_by().aggregate(
        count=Count(f"{prefix}id", distinct=True),
        investment=Coalesce(Sum(f"{prefix}total_investment"), Value(ZERO), output_field=MONEY),
    )


def spent_share(spent, budget):
    """Approved spending ÷ budget (the one rounding rule); None without a budget."""
    return ratio(spent, budget)


def floor_met(total_budget, floor):
    """Whether the year's budgets of city and counties together reach the guaranteed floor."""
    return floor is not None and total_budget >= floor


# --- the text users read -----------------------------------------------------------------------
@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    text: str


DEFINITIONS = [
    Definition(
        "counted",
        _("计入统计的投资"),
        _(
            "仅计入县区审核通过(已审核)的月度进度;已提交未审核、草稿、退回的不计入。"
            "冻结月份经修正并经县区审核人批准的,按修正后数额计入,修正前的数额保留在历史中。"
        ),
    ),
    Definition(
        "period",
        _("统计期"),
        _(
            "某日的数字截至报告月份:该日为月末时为当月,否则为上月(月度进度在月后填报)。"
            "本年累计为1月至报告月份;序时进度按报告月份的月末计算。"
        ),
    ),
    Definition(
        "year_plan",
        _("本年计划投资"),
        _(
            "范围内全部项目(各阶段)的本年计划投资之和。年初下达的计划覆盖全部入库项目,"
            "尚未开工项目的计划同样是要完成的任务,不计入会抬高完成率,因此各页面、接口和报告统一按全部项目计。"
        ),
    ),
    Definition("completed_ytd", _("本年累计完成投资"), _("范围内项目1月至报告月份计入统计的月度完成投资之和(万元)。")),
    Definition(
        "completion_rate",
        _("投资完成率"),
        _(
            "本年累计完成投资 ÷ 本年计划投资。比值保留4位小数、四舍五入(0.5进位),以百分数显示2位小数,"
            "如 1/32 显示为 3.13%。无计划时不显示。"
        ),
    ),
    Definition(
        "gap",
        _("序时差额"),
        _(
            "按序时进度应完成的投资(本年计划投资 × 序时进度,保留2位小数)减去本年累计完成投资(万元);"
            "大于零为落后于序时进度的金额。"
        ),
    ),
    Definition(
        "yoy",
        _("同比增长"),
        _("(本年1月至报告月份累计 − 上年同期累计)÷ 上年同期累计,舍入规则同完成率;上年同期为零时不计算。"),
    ),
    Definition(
        "time_progress",
        _("序时进度"),
        _(
            "项目有本年月度计划的,取报告月份(或之前最近一个计划月份)的累计计划比例;"
            "否则取报告月份月末时本年已过天数占全年天数的比例。"
        ),
    ),
    Definition(
        "lagging",
        _("滞后项目"),
        _(
            "在建且本年计划大于零的项目中,序时进度减投资完成率(百分点)不低于亮灯规则的黄灯阈值的项目"
            "(即亮黄灯或红灯的项目);阈值由管理员在“亮灯规则”中维护。"
        ),
    ),
    Definition(
        "started",
        _("开复工项目"),
        _(
            "本年1月1日至统计日期间实际开工,或有进入“在建”阶段的阶段变更(新开工、续建恢复施工、复工)的项目,"
            "且现处在建、竣工或投产阶段;本年开工并已竣工的仍计入,上年开工、本年无开复工记录的续建项目不计入。"
        ),
    ),
    Definition("new_starts", _("新开工项目"), _("实际开工日期在统计期内、现处在建、竣工或投产阶段的项目。")),
    Definition("completions", _("竣工项目"), _("实际竣工日期在统计期内的项目。")),
    Definition(
        "problem_age",
        _("问题历时"),
        _("未解决问题自提出之日起的天数,分为30天内、31-90天、91-180天、180天以上四档。"),
    ),
    Definition(
        "time_saved",
        _("审批提速节省时间"),
        _(
            "单位为天:项目手续计划基线(首次冻结的计划)的计划开工日期——无基线时取原计划开工日期——"
            "减去实际开工日期;尚未开工的,减去按手续实际办理进度预测的开工日期。正数为提前,负数为推迟;"
            "两个日期缺一则不计。县区、全市数为范围内各项目之和。"
        ),
    ),
    Definition(
        "parallel_items",
        _("并联办理大项数"),
        _("项目当前手续计划中与其他大项办理时间重叠的大项个数;县区、全市数为范围内计入节省时间的各项目之和。"),
    ),
    Definition("pools", _("四个一批项目库"), _("谋划、洽谈、签约、落地四个阶段的项目数及其计划总投资之和。")),
    Definition(
        "capital",
        _("实际到位资金"),
        _("招商项目按月登记的实际到位资金之和;同比为与上年同期累计比较,完成率为累计 ÷ 年度目标,舍入规则同完成率。"),
    ),
    Definition(
        "scope",
        _("统计范围"),
        _(
            "每个数字注明其范围:全部项目(您的权限范围内)、重点项目(计划总投资不低于市级重点项目标准,"
            "默认5000万元,由管理员维护)、调度组范围、某县区。"
        ),
    ),
    Definition(
        "service_tasks",
        _("服务事项数"),
        _(
            "范围内项目上企业提出、登记在帮办代办中的服务事项数(统计期内的申请日期),含已办结、办理中、不予受理和已转协调问题或督办的事项。"
        ),
    ),
    Definition(
        "service_on_time",
        _("按期办结"),
        _(
            "服务事项中办结日期不晚于办结时限的事项数;办结时限为申请日期后的办理时限个工作日"
            "(节假日、调休按工作日历)。按期办结率 = 按期办结 ÷ 已办结,舍入规则同完成率。"
        ),
    ),
    Definition(
        "service_avg_days",
        _("平均办结工作日"),
        _("已办结服务事项自申请日次日起至办结日的工作日数之和 ÷ 已办结事项数,保留2位小数、四舍五入。"),
    ),
    Definition(
        "photo_owed",
        _("形象调度应报项目"),
        _(
            "符合形象调度规则(默认:在建且计划总投资不低于5000万元,由管理员维护)的项目,"
            "每周(周一至周日)须上传规则规定张数的现场照片。"
        ),
    ),
    Definition(
        "photo_posted",
        _("形象调度已报项目"),
        _("应报项目中本周上传的现场照片不少于规则张数的项目;张数不足或未上传的为未报项目。"),
    ),
    Definition(
        "photo_rate",
        _("形象调度完成率"),
        _("已报项目数 ÷ 应报项目数,舍入规则同完成率;没有应报项目时不计算。"),
    ),
    Definition(
        "verified_on_time",
        _("进度按时审核率"),
        _(
            "季度内各月已提交(草稿除外)的月度进度中,在次月规定日(考评指标的口径参数,默认10日)当日或之前审核通过的条数 ÷ 这些进度的条数。"
        ),
    ),
    Definition(
        "problems_solved",
        _("问题按期解决率"),
        _("完成时限在季度内的协调问题中,在时限当日或之前解决的个数 ÷ 这些问题的个数。"),
    ),
    Definition(
        "orders_on_time",
        _("督办单按时回复率"),
        _(
            "责任单位为该县区或部门、季度内下达、到季度末已回复或已过回复时限的督办单中,按时回复的张数 ÷ 这些督办单的张数。"
        ),
    ),
    Definition(
        "on_track",
        _("在建项目不滞后占比"),
        _("季度末月在建且本年计划大于零的项目中,不属于滞后项目的个数 ÷ 这些项目的个数。"),
    ),
    Definition(
        "rate_change",
        _("完成率较上季度提高"),
        _("季度末投资完成率减上季度末投资完成率(同一年度;第一季度减零),以百分点计。"),
    ),
    Definition(
        "photos_per_week",
        _("在建项目周均现场照片数"),
        _("季度内拍摄的在建项目现场照片张数 ÷(在建项目个数 × 季度周数,季度天数 ÷ 7),保留4位小数。"),
    ),
    Definition(
        "evaluation_score",
        _("季度考评得分"),
        _(
            "“三比三看”各项指标得分之和。每项指标的计算口径、方向、折算方法和权重由管理员在“考评指标”中维护:"
            "与最优单位相比为本单位值 ÷ 最优值;线性折算为(本单位值 − 最差值)÷(最优值 − 最差值);"
            "与目标值相比为本单位值 ÷ 目标值,最高为1;越低越好的指标取倒数比较。折算比例保留4位小数,"
            "乘以权重后保留2位小数(四舍五入);无可考评数据的指标得满分。得分相同的按投资完成率排名。"
        ),
    ),
    Definition(
        "task_force_figures",
        _("招商专班线索、签约、落地"),
        _(
            "专班跟踪的项目中:线索为处在谋划、洽谈阶段的项目数;签约为处在签约及以后阶段的项目数;"
            "落地为处在落地及以后阶段的项目数;每个项目只计一次;到位资金为这些项目本年实际到位资金之和。"
        ),
    ),
    Definition(
        "zone_figures",
        _("开发区项目与到位资金"),
        _(
            "登记在开发区内的项目数、计划总投资之和,线索、签约、落地口径同招商专班,到位资金为区内项目本年实际到位资金之和。"
        ),
    ),
    Definition(
        "reinvestment",
        _("增资扩产(二期)项目"),
        _("登记为某一期项目二期(现有投资方增资扩产,“老树发新芽”)的项目个数及其计划总投资之和(万元)。"),
    ),
    Definition(
        "fund_spent",
        _("招商经费支出进度"),
        _("已批准的专项资金支出之和 ÷ 当年预算,舍入规则同完成率;待审批、已退回的支出不计入。"),
    ),
    Definition(
        "fund_floor",
        _("招商经费保底"),
        _("当年市本级与各县区招商经费预算之和不低于保底额度(默认1亿元,由管理员在“招商经费保底规则”中维护)。"),
    ),
    Definition(
        "outreach_counts",
        _("招商活动次数"),
        _("按活动日期所在月份统计的走出去、请进来、敲门招商、推介会、网上洽谈(视频洽谈、云签约)次数。"),
    ),
    # --- the steward's start page (我的包保项目) and 分级分类包保 -------------------------------------
    Definition("open_problems", _("未解决问题"), _("项目上状态为待解决或解决中的协调问题个数。")),
    Definition(
        "procedures_due",
        _("本月到期手续"),
        _("未办结(未启动或办理中)且计划办结日期不晚于本月最后一天的审批手续个数(含大项与子项,含已逾期的)。"),
    ),
    Definition(
        "changes_since_visit",
        _("上次访问以来的变化"),
        _("上次打开“我的包保项目”以来记录的阶段变更、新提出的问题和月度填报状态变化;首次访问显示最近30天。"),
    ),
    Definition(
        "assignment_breaks",
        _("违反包保规则"),
        _(
            "按管理员维护的包保规则:规则覆盖(投产前、满足总投资和重点级别条件)的项目缺少该角色人员,"
            "或某人在规则覆盖的项目中包保的项目数超过规则的上限。"
        ),
    ),
    Definition(
        "sector_rollup",
        _("产业链/集群/特色产业汇总"),
        _(
            "项目所属产业为该产业链(集群、特色产业)本身,或所属产业归属该产业链(集群)的项目:"
            "项目数、计划总投资之和、线索数;特色产业只计所属产业为该特色产业的项目。归属关系由管理员在“产业”中维护。"
        ),
    ),
    Definition("leads", _("招商线索"), _("处在谋划、洽谈两个项目库(尚未签约)的项目。")),
    Definition(
        "category_yoy",
        _("分类别投资同比"),
        _("各项目类别(社会投资类、城建类、工业“四改”类等)计入统计的本年累计完成投资与上年同期比较,规则同“同比增长”。"),
    ),
    Definition(
        "capital_origin",
        _("实际到位内资/外资"),
        _("实际到位资金中按月登记的“其中外资”为外资,其余为内资;同比为本年1月至统计月份与上年同期比较。"),
    ),
    Definition(
        "assessment_score",
        _("招商考核得分"),
        _(
            "各考核指标(签约额、落地项目、到位资金的年度目标完成率)按管理员设置的封顶值截取后乘以权重,"
            "求和后除以权重之和再乘以100,保留2位小数(四舍五入);无目标的指标按0计。"
        ),
    ),
    Definition(
        "assessment_grade",
        _("招商考核档次"),
        _("得分达到某档次最低得分的最高档次(如一档、二档、三档);档次及分数线由管理员设置。"),
    ),
    Definition(
        "overdue_follow_ups",
        _("逾期未调度"),
        _(
            "处在谋划、洽谈、签约、落地阶段的项目,某一“四调法”层级最近一次调度距今超过该层级的间隔天数"
            "(管理员设置,默认主要领导30天、分管领导15天、主管部门7天、县区1天)的项目与层级。"
        ),
    ),
    Definition(
        "physical_indicators",
        _("实物量指标"),
        _(
            "项目登记的实物工作量(如改造小区个数、楼栋数、惠及户数、管网公里数),按指标名称和单位汇总:计划总量、"
            "截至统计月份的累计计划量与累计完成量;完成率 = 累计完成量 ÷ 计划总量,序时完成率 = 累计完成量 ÷ 累计计划量。"
        ),
    ),
]
DEFINITIONS_BY_KEY = {d.key: d for d in DEFINITIONS}


def unresolved_problem_q(prefix=""):
    """Problems that count as open (definition "open_problems")."""
    from investment.choices import ProblemStatus

    return Q(**{f"{prefix}status__in": ProblemStatus.unresolved()})


def procedure_due_q(month_end, prefix=""):
    """Procedure items due by the end of the month, overdue ones included (definition "procedures_due")."""
    from investment.choices import ProcedureStatus

    return Q(
        **{
            f"{prefix}status__in": [ProcedureStatus.PENDING, ProcedureStatus.IN_PROGRESS],
            f"{prefix}planned_date__lte": month_end,
        }
    )


def definition_rows():
    """[(name, text)] of every measure, in the active language (the 统计口径 sheet and page)."""
    return [(str(d.name), str(d.text)) for d in DEFINITIONS]


def write_definitions_sheet(book):
    """The 统计口径 sheet of an xlsx report (a StreamingWorkbook), generated from DEFINITIONS."""
    sheet = book.sheet(str(_("统计口径")), [str(_("指标")), str(_("口径"))], widths={0: 18, 1: 100})
    for name, text in definition_rows():
        sheet.write([name, text])


# --- weekly site photos (形象调度) ----------------------------------------------------------------
def photo_week_counts(projects, *, week, rule=None):
    """Per county: projects owing site photos in the week starting ``week``, those posted (at least
    the rule's number), those missing, and the rate (photo_owed / photo_posted / photo_rate), one
    query: [{region_id, owed, posted, missing, rate}] in the order of the counties."""
    rule = rule or investment_selectors.photo_rule()
    rows = (
        investment_selectors.photo_week_projects(projects, week=week, rule=rule)
        .order_by()
        .values("region_id", "region__sort_order")
        .annotate(owed=Count("id"), posted=Count("id", filter=Q(week_posted=True)))
        .order_by("region__sort_order", "region_id")
    )
    return [
        {
            "region_id": r["region_id"],
            "owed": r["owed"],
            "posted": r["posted"],
            "missing": r["owed"] - r["posted"],
            "rate": ratio(r["posted"], r["owed"]),
        }
        for r in rows
    ]


# --- chains, assessment, capital by origin, follow-ups (helper "chains") ---------------------------
def sector_key(kind, prefix=""):
    """The id of the sector of ``kind`` (chain / cluster / featured) a project counts under: its own
    sector when that is of the kind, else (chains and clusters) the chain or cluster its sector belongs to."""
    from projects.choices import SectorKind

    own = When(**{f"{prefix}sector__kind": kind}, then=F(f"{prefix}sector_id"))
    parent = {SectorKind.CHAIN: f"{prefix}sector__chain_id", SectorKind.CLUSTER: f"{prefix}sector__cluster_id"}
    default = F(parent[kind]) if kind in parent else Value(None)
    return Case(own, default=default, output_field=IntegerField())


def leads_q(prefix=""):
    """Leads (招商线索): projects in the planning and negotiating pools (谋划、洽谈), not yet signed."""
    return Q(**{f"{prefix}stage__in": [Stage.PLANNING, Stage.NEGOTIATING]})


def sector_rollup(queryset, *, kind):
    """Per sector of ``kind`` (rows keyed ``sector``): projects, their planned total investment, leads
    and the leads' planned investment, over a scoped project queryset. One query."""
    rows = (
        queryset.order_by()
        .annotate(rollup_sector=sector_key(kind))
        .filter(rollup_sector__isnull=False)
        .values("rollup_sector")
        .annotate(
            project_count=Count("id"),
            planned=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY),
            lead_count=Count("id", filter=leads_q()),
            lead_investment=Coalesce(Sum("total_investment", filter=leads_q()), Value(ZERO), output_field=MONEY),
        )
    )
    return {
        row["rollup_sector"]: {"project_count": row["project_count"], "total_investment": row["planned"],
                               "lead_count": row["lead_count"], "lead_investment": row["lead_investment"]}
        for row in rows
    }  # fmt: skip


def category_year_on_year(queryset, *, day):
    """Counted completion January through the reporting month per project category, the same months
    last year and the growth: {category_id: {"ytd", "last_ytd", "yoy"}}. Two queries."""
    from common.figures import growth

    period = reporting_period(day)
    projects = queryset.order_by().values("pk")
    sums = {}
    for key, month in (("ytd", period.month), ("last_ytd", period.last_year_month)):
        rows = (
            counted_ytd_rows(through=month)
            .filter(project_id__in=projects)
            .values("project__category_id")
            .annotate(total=Sum("completed"))
            .values_list("project__category_id", "total")
        )
        for category_id, total in rows:
            sums.setdefault(category_id, {"ytd": ZERO, "last_ytd": ZERO})[key] = total or ZERO
    for row in sums.values():
        row["yoy"] = growth(row["ytd"], row["last_ytd"])
    return sums


def capital_by_origin(capital_rows, *, first, last):
    """Capital in place (attraction.CapitalInPlace rows the caller scoped) from the month ``first``
    through ``last`` split into domestic (内资 = amount − of which foreign) and foreign (外资)."""
    rows = capital_rows.filter(month__gte=first, month__lte=last).order_by()
    sums = rows.aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY),
        foreign=Coalesce(Sum("foreign_amount"), Value(ZERO), output_field=MONEY),
    )
    return {"domestic": sums["total"] - sums["foreign"], "foreign": sums["foreign"], "total": sums["total"]}


def capital_origin_year_on_year(capital_rows, *, month):
    """Domestic and foreign capital January through ``month`` (a month start), the same months last
    year and their growth: {"domestic": {"ytd", "last_ytd", "yoy"}, "foreign": {...}, "total": {...}}."""
    from common.figures import growth
    from common.periods import same_month_last_year

    now = capital_by_origin(capital_rows, first=datetime.date(month.year, 1, 1), last=month)
    last_month = same_month_last_year(month)
    before = capital_by_origin(capital_rows, first=datetime.date(last_month.year, 1, 1), last=last_month)
    return {
        key: {"ytd": now[key], "last_ytd": before[key], "yoy": growth(now[key], before[key])}
        for key in ("domestic", "foreign", "total")
    }


def assessment_score(rates, indicators):
    """The assessment score (0-100) of one county or zone: each indicator's completion rate (None counts
    as 0) capped at the indicator's ``cap``, weighted, divided by the sum of the weights, × 100, to 2
    places half up. ``rates``: {measure: ratio}; ``indicators``: [(measure, weight, cap)]."""
    from common.figures import hundredths

    weights = sum((Decimal(w) for _, w, _ in indicators), Decimal("0"))
    if not weights:
        return None
    points = sum((Decimal(w) * min(Decimal(rates.get(m) or 0), Decimal(cap)) for m, w, cap in indicators), Decimal("0"))
    return hundredths(points * 100 / weights)


def assessment_grade(score, grades):
    """The highest grade whose minimum the score reaches; ``grades``: [(name, min_score)]; None below all."""
    if score is None:
        return None
    for name, minimum in sorted(grades, key=lambda g: Decimal(g[1]), reverse=True):
        if score >= Decimal(minimum):
            return name
    return None


def overdue_follow_ups(follow_ups, *, days, today):
    """(project, level) pairs of a scoped attraction.FollowUp queryset whose last follow-up is older than
    the level's interval (``days``: {level: interval}) on ``today``: rows with ``project_id``, ``level``,
    ``last`` (date). Only projects still in the four pools before construction (谋划、洽谈、签约、落地)."""
    overdue = Q()
    for level, interval in days.items():
        overdue |= Q(level=level, last__lt=today - datetime.timedelta(days=interval))
    return (
        follow_ups.filter(project__stage__in=Stage.pools())
        .order_by()
        .values("project_id", "level")
        .annotate(last=Max("followed_on"))
        .filter(overdue)
    )


# --- physical indicators (helper "chains") ---------------------------------------------------------
def indicator_rows(projects, *, month):
    """Physical indicators of a scoped project queryset, added up per (name, unit): planned total, plan and
    completion from the first month through ``month`` (a month start), completion rates against the
    total and against the plan to date (``ratio``). Today's figures (indicators keep no history)."""
    from investment.models import IndicatorMonth, PhysicalIndicator

    def through(field):
        rows = (IndicatorMonth.objects.filter(indicator=OuterRef("pk"), month__lte=month).order_by().values("indicator")
                .annotate(total=Sum(field)).values("total"))  # fmt: skip
        return Coalesce(Subquery(rows[:1], output_field=MONEY), Value(ZERO), output_field=MONEY)

    indicators = (
        PhysicalIndicator.objects.filter(project__in=projects.order_by().values("pk"))
        .annotate(planned_to_date=through("planned"), completed_to_date=through("completed"))
        .order_by("sort_order", "name", "unit")
        .values_list("name", "unit", "planned_total", "planned_to_date", "completed_to_date", "project_id")
    )
    groups = {}
    for name, unit, total, planned, completed, project_id in indicators:
        group = groups.setdefault((name, unit), {"name": name, "unit": unit, "planned_total": ZERO,
                                                 "planned_to_date": ZERO, "completed_to_date": ZERO, "projects": set()})  # fmt: skip
        group["planned_total"] += total
        group["planned_to_date"] += planned
        group["completed_to_date"] += completed
        group["projects"].add(project_id)
    rows = []
    for group in groups.values():
        group["project_count"] = len(group.pop("projects"))
        group["rate"] = ratio(group["completed_to_date"], group["planned_total"])
        group["plan_rate"] = ratio(group["completed_to_date"], group["planned_to_date"])
        rows.append(group)
    return rows
