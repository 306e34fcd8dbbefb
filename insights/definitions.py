"""统计口径: every measure the product shows, defined once, with the text users read.

Each measure is a small function returning an ORM expression, a Q or an aggregate over a project
queryset the caller has already scoped (all projects, key projects, a dispatch group's scope, a county,
a user's access scope): the scope is the caller's queryset, the measure is the same everywhere.
Dashboard, stats API, dispatch reports and evaluation, bulletin, lights and map, lists and exports all
read their figures here; none computes a rate, a plan or a lag of its own.

The pure parts live below the apps: periods in ``anshan_projects.periods``, rounding, rates, the
percent format and the problem-age buckets in ``anshan_projects.figures``. The text of every measure is
``DEFINITIONS`` at the end of this module: the 统计口径说明 page, the 统计口径 sheet of every xlsx report
and the tooltips on the pages are generated from it.

Layers: this module reads projects and investment only, so every app above it (attraction,
supervision, dispatch, portal) may import it. Two measures use data of higher apps, which pass it in:
time progress from a project's monthly plan (``supervision.selectors.annotate_lights`` passes its
MonthlyPlan subquery to ``annotate_progress``), and capital in place (``capital_months``, over the
scoped rows ``attraction.selectors.capital_monthly`` passes; rates by ``anshan_projects.figures``).
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
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy as _

from anshan_projects.figures import PROBLEM_AGE_BUCKETS, ratio
from anshan_projects.periods import month_end, previous_month, reporting_month, year_fraction_elapsed
from investment import selectors as investment_selectors
from investment.models import ProcedurePlan
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
    else:
        ytd = completed(first=year_start, last=month, known_at=known_at)
    return (
        queryset.annotate(
            year_plan=year_plan(),
            completed_ytd=ytd,
            since_start=completed(first=None, last=month, known_at=known_at),
            recent=completed(first=previous_month(month), last=month, known_at=known_at),
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
    from anshan_projects.figures import growth

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


def scope_year_on_year(scope, *, day):
    """``year_on_year`` of a scope from the per-scope totals (one query): {"ytd", "last_ytd", "yoy"}."""
    from anshan_projects.figures import growth

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
    from anshan_projects.figures import growth

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
    qs = annotate_time_saved(queryset).filter(days_saved__isnull=False)
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
]
DEFINITIONS_BY_KEY = {d.key: d for d in DEFINITIONS}


def definition_rows():
    """[(name, text)] of every measure, in the active language (the 统计口径 sheet and page)."""
    return [(str(d.name), str(d.text)) for d in DEFINITIONS]


def write_definitions_sheet(book):
    """The 统计口径 sheet of an xlsx report (a StreamingWorkbook), generated from DEFINITIONS."""
    sheet = book.sheet(str(_("统计口径")), [str(_("指标")), str(_("口径"))], widths={0: 18, 1: 100})
    for name, text in definition_rows():
        sheet.write([name, text])
