"""Reads for the home page and the city dashboard. Every figure is computed in the user's scope,
by the measures of ``insights.definitions`` (统计口径: which entries count, the year plan, the rate
and its rounding, lagging, 开复工, problem ages). Each function runs a fixed number of queries,
however many projects there are.
"""

import datetime
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, DecimalField, Exists, Func, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from attraction import selectors as attraction_selectors
from common import figures
from common.figures import ratio
from common.periods import month_end
from insights import definitions
from investment import selectors as investment_selectors
from investment.choices import EntryStatus, ProblemStatus
from investment.models import ProgressEntry
from projects import selectors as project_selectors
from projects.access import Action, project_q, rollup_scope
from projects.choices import KeyLevel, Stage
from projects.models import Category, Project, Region, Sector, localized_name
from supervision import selectors as supervision_selectors

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
PROBLEM_AGE_BUCKETS = figures.PROBLEM_AGE_BUCKETS


def headline(*, user, today=None, known_at=None):
    """The article's headline figures, in the user's scope: every measure from insights.definitions
    (统计口径), as of the reporting month of ``today`` (progress as known at ``known_at``). Three queries."""
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    thresholds = project_selectors.key_thresholds()
    city = thresholds[KeyLevel.CITY]
    scoped = Project.objects.restrict(user)
    started = definitions.started_or_resumed_q(first=period.year_start, last=today) & definitions.key_projects_q(
        thresholds
    )
    scope = rollup_scope(user) if known_at is None else None  # a past as-of date reads the month rows
    if scope is not None:  # the per-scope totals: a few rows instead of every project in scope
        result = scoped.filter(started).aggregate(
            started_count=Count("id"),
            started_total=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY),
        )
        figures = definitions.scope_figures(scope, day=period, dimensions=["total", "stage"])
        total = figures["total"].get("", {})
        result["annual_plan"] = total.get("year_plan", ZERO)
        result["project_count"] = total.get("project_count", 0)
        for stage in Stage.values:
            row = figures["stage"].get(stage, {})
            result[f"{stage}_count"] = row.get("project_count", 0)
            result[f"{stage}_total"] = row.get("total_investment", ZERO)
        done = definitions.scope_year_on_year(scope, day=period)
    else:
        aggregates = {
            "started_count": Count("id", filter=started),
            "started_total": Coalesce(Sum("total_investment", filter=started), Value(ZERO), output_field=MONEY),
            "annual_plan": Coalesce(Sum(definitions.year_plan()), Value(ZERO), output_field=MONEY),
            "project_count": Count("id"),
        }
        for stage in Stage.values:
            aggregates[f"{stage}_count"] = Count("id", filter=Q(stage=stage))
            aggregates[f"{stage}_total"] = Coalesce(
                Sum("total_investment", filter=Q(stage=stage)), Value(ZERO), output_field=MONEY
            )
        result = scoped.aggregate(**aggregates)
        done = definitions.year_on_year(scoped, day=today, known_at=known_at)
    result.update(ytd=done["ytd"], last_ytd=done["last_ytd"], yoy=done["yoy"])
    result["city_threshold"] = city
    result["completion_rate"] = ratio(done["ytd"], result["annual_plan"])
    result["time_elapsed"] = period.elapsed
    result["reporting_month"] = period.month
    return result


BREAKDOWN_FIELDS = ("region", "sector", "category")


def completion_by(*, user, field, today=None):
    """Year plan vs counted completion this year, grouped by a project field (region, sector, category).

    Returns rows sorted by completion rate, best first: {id, name, key, plan, done, rate, count}.
    Two queries (``completion_breakdowns`` gives all three fields in the same two)."""
    return completion_breakdowns(user=user, today=today, fields=(field,))[field]


def completion_breakdowns(*, user, today=None, fields=BREAKDOWN_FIELDS, known_at=None):
    """``completion_by`` for several fields at once, in two queries whatever their number:
    ``insights.definitions.totals`` grouped by every combination of the fields (the year plan and
    completion of every project in scope, whatever its stage), then folded per field."""
    today = today or timezone.localdate()
    scope = rollup_scope(user) if known_at is None else None
    if scope is not None:
        return _rollup_breakdowns(scope, today=today, fields=fields)
    columns = {}
    for field in fields:
        columns[field] = [f"{field}__name", f"{field}__name_en", f"{field}__sort_order"]
        if field in ("region", "category"):
            columns[field].append(f"{field}__key")
    group_by = [name for field in fields for name in (field, *columns[field])]
    rows = definitions.totals(Project.objects.restrict(user), day=today, group_by=group_by, known_at=known_at)
    result = {}
    for field in fields:
        folded = []
        for row in definitions.fold(rows, field, extra=columns[field]):
            if row[field] is None:
                continue
            folded.append(
                {
                    "id": row[field],
                    "name": localized_name(row[f"{field}__name"], row[f"{field}__name_en"]),
                    "key": row.get(f"{field}__key") or row[field],
                    "plan": row["year_plan"],
                    "done": row["completed_ytd"],
                    "rate": row["completion_rate"],
                    "count": row["project_count"],
                    "sort_order": row[f"{field}__sort_order"],
                }
            )
        folded.sort(key=lambda r: (-(r["rate"] or Decimal(-1)), r["sort_order"], r["id"]))
        result[field] = folded
    return result


_REFERENCE_MODELS = {"region": Region, "sector": Sector, "category": Category}


def _rollup_breakdowns(scope, *, today, fields):
    """``completion_breakdowns`` from the per-scope totals (``definitions.scope_figures``): the same rows
    and order, from a few rows per field and the reference rows' names: two queries."""
    figures = definitions.scope_figures(scope, day=today, dimensions=list(fields))
    # The reference rows' names, the three tables in one query.
    columns = ("id", "name", "name_en", "sort_order", "key")
    parts = [
        _REFERENCE_MODELS[field]
        .objects.annotate(field=Value(field), **({"key": Value("")} if field == "sector" else {}))
        .values_list("field", *columns)
        .order_by()
        for field in fields
    ]
    names = {}
    for field, *values in parts[0].union(*parts[1:], all=True):
        names[(field, values[0])] = dict(zip(columns, values, strict=True))
    result = {}
    for field in fields:
        rows = []
        for value, figure in figures[field].items():
            if value == "":  # no sector: not a bar of its own (as the grouped query)
                continue
            ref = names[(field, int(value))]
            rows.append(
                {
                    "id": ref["id"],
                    "name": localized_name(ref["name"], ref["name_en"]),
                    "key": ref.get("key") or ref["id"],
                    "plan": figure["year_plan"],
                    "done": figure["completed_ytd"],
                    "rate": figure["completion_rate"],
                    "count": figure["project_count"],
                    "sort_order": ref["sort_order"],
                }
            )
        rows.sort(key=lambda r: (-(r["rate"] or Decimal(-1)), r["sort_order"], r["id"]))
        result[field] = rows
    return result


def monthly_trend(*, user, today=None, known_at=None):
    """Counted investment per month, this year through the reporting month and last year (one query)."""
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    year = period.year
    scope = rollup_scope(user) if known_at is None else None
    if scope is not None:
        rows = definitions.scope_monthly(scope, first=datetime.date(year - 1, 1, 1), last=period.month).items()
    else:
        rows = (
            definitions.counted_month_rows(known_at=known_at)
            .filter(
                project_id__in=Project.objects.restrict(user).order_by().values("pk"),
                period__gte=datetime.date(year - 1, 1, 1),
                period__lte=period.month,
            )
            .values("period")
            .annotate(total=Sum("amount"))
            .values_list("period", "total")
        )
    this_year, last_year = [ZERO] * 12, [ZERO] * 12
    for month, total in rows:
        (this_year if month.year == year else last_year)[month.month - 1] = total
    # This year runs to the reporting month: later months are still being entered.
    return {"months": list(range(1, 13)), "this_year": this_year[: period.month.month], "last_year": last_year}


LAGGING_ORDERINGS = {"-gap": ("-gap", "-behind", "id"), "gap": ("gap", "behind", "id")}


def lagging_projects(
    *, user, today=None, region=None, sector=None, category=None, light=None, ordering="-gap", known_at=None
):
    """Lagging projects (insights.definitions: 滞后, the lights' rule), as of the reporting month of
    ``today``, annotated with the measures of ``annotate_progress`` and the gap (``annotate_gap``);
    the largest gap first unless ``ordering`` is "gap". Optional filters: a region, sector or category
    (instances or ids) and the project's main light ("yellow", "red")."""
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    # The key level from the thresholds table inside this query: the dashboard's headline has read the
    # thresholds already, and top_lagging calls this once per batch (a separate read each time otherwise).
    qs = project_selectors.project_queryset(user=user, thresholds_in_query=True)
    for field, value in (("region", region), ("sector", sector), ("category", category)):
        if value is not None:
            qs = qs.filter(**{field: value})
    qs = supervision_selectors.annotate_lights(
        qs, period=period.month, as_of=period.month_end, known_at=known_at
    ).filter(lagging=True)
    if light:
        qs = qs.filter(light=light)
    qs = definitions.annotate_gap(qs)
    return qs.order_by(*LAGGING_ORDERINGS.get(ordering, LAGGING_ORDERINGS["-gap"]))


def top_lagging(*, user, today=None, limit=10, batch=100, known_at=None):
    """``lagging_projects(user=user, today=today)[:limit]`` (the same projects in the same order: the
    largest gap first), without judging every project in scope: a project's gap is at most its year
    plan (time progress is at most 100%, completion at least zero), so measured projects are walked by
    year plan, largest first (index project_stage_plan), in growing batches, each judged by
    ``lagging_projects``' rule (``supervision.selectors.annotate_judged``, ``definitions.lagging_q``); the walk stops once the ``limit``-th gap found exceeds the year plan of
    every project not yet judged."""
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    walk = Project.objects.restrict(user).filter(definitions.measured_q()).order_by("-annual_plan", "id")
    # Each batch is judged by lagging_projects' rule and measures, without the lights' flags, which the
    # list shows but this walk does not: a query a quarter the size, compiled in a tenth of the time.
    margin = supervision_selectors.lagging_margin()
    judge = definitions.annotate_gap(
        supervision_selectors.annotate_judged(
            project_selectors.project_queryset(user=user, thresholds_in_query=True),
            period=period.month,
            as_of=period.month_end,
            known_at=known_at,
        ).filter(definitions.lagging_q(margin))
    )
    found, after = [], None
    while True:
        page = (
            walk
            if after is None
            else walk.filter(Q(annual_plan__lt=after[0]) | Q(annual_plan=after[0], id__gt=after[1]))
        )
        rows = list(page.values_list("annual_plan", "pk")[:batch])
        if not rows:
            break
        judged = judge.filter(pk__in=[pk for _, pk in rows])
        found = sorted([*found, *judged], key=lambda p: (-p.gap, -p.behind, p.pk))[:limit]
        after = rows[-1]
        if len(rows) < batch or (len(found) == limit and found[-1].gap > after[0]):
            break
        batch = min(batch * 4, 20_000)
    return found


def started_projects(*, user, today=None):
    """Key projects started or resumed this year (开复工, insights.definitions), largest first: the list
    behind the dashboard's headline figure."""
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    started = definitions.started_or_resumed_q(first=period.year_start, last=today)
    key = definitions.key_projects_q(project_selectors.key_thresholds())
    return project_selectors.project_queryset(user=user).filter(started & key).order_by("-total_investment", "id")


def scope_label(user):
    """The scope a user's figures cover, in words (every figure names it)."""
    return _("全部项目") if not project_q(user, Action.VIEW) else _("您权限范围内的项目")


def open_problems_by_age(*, user, today=None, known_at=None):
    """Unresolved problems counted by age in days since they were raised (one query); with
    ``known_at`` (a past moment), the problems open then, aged at that moment."""
    if known_at is not None:
        return definitions.problem_age_counts(problems_open_at(user=user, moment=known_at), now=known_at)
    problems = investment_selectors.problem_list(user=user, status=ProblemStatus.unresolved())
    return definitions.problem_age_counts(problems, now=timezone.now())


def problems_open_at(*, user, moment):
    """Problems in scope open at a past ``moment``: raised by then, not solved by then."""
    day = timezone.localtime(moment).date()
    return (
        investment_selectors.problem_list(user=user)
        .filter(created_at__lt=moment)
        .filter(Q(status__in=ProblemStatus.unresolved()) | Q(solved_on__gte=day))
    )


def open_problems_overdue(*, user, today=None, known_at=None):
    """Unresolved problems past their deadline: the bucket beside the age buckets (one query)."""
    today = today or timezone.localdate()
    if known_at is not None:
        return problems_open_at(user=user, moment=known_at).filter(deadline__lt=today).count()
    return open_problems(user=user, today=today, overdue=True).count()


OVERDUE_LABEL = gettext_noop("超过完成时限")
PROBLEM_GROUPS = {
    "unit": ("responsible_unit", "responsible_unit"),
    "region": ("project__region__key", "project__region__name"),
}


def open_problems(*, user, today=None, min_days=0, max_days=None, overdue=False, region=None, unit=None):
    """Unresolved problems in scope: raised between ``min_days`` and ``max_days`` days ago, past their
    deadline (``overdue``), of a county (a Region) or a responsible unit (its name); oldest first."""
    today = today or timezone.localdate()
    now = timezone.now()
    qs = investment_selectors.problem_list(user=user, status=ProblemStatus.unresolved()).filter(
        created_at__lte=now - datetime.timedelta(days=min_days)
    )
    if max_days is not None:
        qs = qs.filter(created_at__gt=now - datetime.timedelta(days=max_days + 1))
    if overdue:
        qs = qs.filter(deadline__lt=today)
    if region is not None:
        qs = qs.filter(project__region=region)
    if unit:
        qs = qs.filter(responsible_unit=unit)
    return qs.select_related("project__region").order_by("created_at", "id")


def problems_grouped(queryset, *, by, today=None):
    """Counts of a problem queryset per responsible unit or county (one query): rows of
    {"key", "name", "count", "overdue"}, most problems first."""
    today = today or timezone.localdate()
    key, name = PROBLEM_GROUPS[by]
    english = "project__region__name_en" if by == "region" else None
    rows = (
        queryset.order_by()
        .values(*dict.fromkeys(f for f in (key, name, english) if f))
        .annotate(count=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
        .order_by("-count", name)
    )
    return [
        {
            "key": row[key],
            "name": localized_name(row[name], row[english]) if english else row[name],
            "count": row["count"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def problem_units(*, user):
    """The responsible units named by unresolved problems in scope, for the filter (one query)."""
    return list(
        investment_selectors.problem_list(user=user, status=ProblemStatus.unresolved())
        .order_by("responsible_unit")
        .values_list("responsible_unit", flat=True)
        .distinct()
    )


def county_todo(*, user, today=None, limit=None):
    """What a county user has to do in the filing month (investment.selectors.filing_month): the
    projects not yet reported, drafts, returned entries, (for reviewers) entries waiting for
    verification, and open problems. ``counts`` are the monthly sheet's own (month_status_counts):
    the cards and the sheet's chips are one figure.

    With ``limit`` (the page reads at most that many rows of each list) the due list reads only the first
    ``limit`` projects of each region (index project_region_stage_invest, in order), then orders those:
    the same first ``limit`` rows as the whole list, without sorting every reporting project of the
    county (national bench: 48,000 projects anti-joined with 360,000 entries, 0.4 s)."""
    period = investment_selectors.filing_month(today)
    entered = ProgressEntry.objects.filter(project=OuterRef("pk"), period=period)
    stages = investment_selectors.REPORTING_STAGES
    # Each list reads only the columns the to-do page shows (not every project column, description
    # included, for each of up to 21 rows of five lists); anything else still loads on access.
    due = (
        project_selectors.project_queryset(user=user, action=Action.VIEW, thresholds_in_query=True)
        .filter(stage__in=stages)
        .exclude(Exists(entered))
    )
    if limit is not None:
        # Per region and per reporting stage, so that each subquery reads the index in its order.
        chosen = Q(pk__in=[])
        for stage in stages:
            first_of_region = (
                Project.objects.restrict(user, Action.VIEW)
                .filter(region=OuterRef("pk"), stage=stage)
                .exclude(Exists(entered))
                .order_by("-total_investment", "id")
                .values("pk")[:limit]
            )
            chosen |= Q(
                pk__in=Region.objects.annotate(ids=Func(ArraySubquery(first_of_region), function="unnest")).values(
                    "ids"
                )
            )
        due = due.filter(chosen)
    due = (
        due.select_related(None)
        .select_related("region")
        .only("id", "name", "total_investment", "stage", "region__id", "region__name", "region__name_en", "region__key")
        .order_by("region__sort_order", "-total_investment", "id")
    )
    entry_fields = ("id", "period", "status", "amount_completed", "return_reason", "project__id", "project__name",
                    "project__region__id", "project__region__key", "project__region__name",
                    "project__region__name_en")  # fmt: skip
    entries = (
        ProgressEntry.objects.restrict(user)
        .filter(period=period, project__stage__in=stages)
        .select_related("project", "project__region")
        .only(*entry_fields)
    )
    return {
        "period": period,
        "counts": investment_selectors.month_status_counts(user=user, period=period),
        "due": due,
        "drafts": entries.filter(status=EntryStatus.DRAFT).order_by("-period", "id"),
        "returned": entries.filter(status=EntryStatus.RETURNED).order_by("-period", "id"),
        "to_verify": ProgressEntry.objects.restrict(user, Action.VERIFY)
        .filter(status=EntryStatus.SUBMITTED, period=period, project__stage__in=stages)
        .select_related("project", "project__region")
        .only(*entry_fields)
        .order_by("period", "id"),
        "problems": investment_selectors.problem_list(user=user, status=ProblemStatus.unresolved())
        .select_related(None)
        .select_related("project")
        .only("id", "description", "deadline", "status", "project__id", "project__name")
        .order_by("deadline", "id"),
    }


def project_investment(*, user, project, today=None):
    """Plan vs completion for one project, per month this year (one query after the project)."""
    today = today or timezone.localdate()
    rows = {
        period.month: amount
        for period, amount in definitions.counted_month_rows()
        .filter(project_id=project.pk, period__year=today.year)
        .values_list("period", "amount")
    }
    # The plan line is time progress (序时进度, insights.definitions) times the year plan.
    plans = dict(
        supervision_selectors.monthly_plans(user=user, project=project, year=today.year).values_list(
            "month", "cumulative_percent"
        )
    )
    done, plan, cumulative = [], [], ZERO
    for month in range(1, 13):
        share = definitions.time_progress_share(datetime.date(today.year, month, 1), plans)
        plan.append(figures.hundredths(project.annual_plan * share))
        if month <= today.month:
            cumulative += rows.get(month, ZERO)
            done.append(cumulative)
    return {"months": list(range(1, 13)), "plan": plan, "done": done, "annual_plan": project.annual_plan}


def problems_by_age(*, user, min_days=0, max_days=None):
    """Unresolved problems raised between ``min_days`` and ``max_days`` days ago, oldest first."""
    return open_problems(user=user, min_days=min_days, max_days=max_days)


def recent_photos(*, user, limit=8, today=None):
    """The latest site photos in scope (images only) taken by ``today``, newest first."""
    return list(
        investment_selectors.photo_list(user=user)
        .filter(kind="image", taken_on__lte=today or timezone.localdate())
        .select_related("project__region")
        .order_by("-taken_on", "-id")[:limit]
    )


def capital_in_place(*, user, today=None):
    """Domestic capital actually in place this year to date and its year-on-year change."""
    today = today or timezone.localdate()
    rows = attraction_selectors.capital_monthly(user=user, year=today.year)
    row = rows[today.month - 1]
    return {"ytd": row["ytd"], "ytd_last_year": row["ytd_last_year"], "yoy": row["ytd_yoy"]}


# --- the dashboard's figures, cached per scope and data version ----------------------------------
DASHBOARD_CACHE_SECONDS = 60
_VERSION_TABLES = [
    "projects.ProjectEvent",
    "investment.ProgressEntryEvent",
    "investment.ProgressAmendmentEvent",
    "investment.ProblemEvent",
    "investment.SitePhotoEvent",
    "attraction.CapitalInPlaceEvent",
]


def data_version():
    """The state of the data the dashboard reads: projects, progress entries, amendments, problems,
    photos and capital in place, plus the thresholds (``projects.selectors.audit_version``). Deletions
    show within ``DASHBOARD_CACHE_SECONDS``."""
    return project_selectors.audit_version(*_VERSION_TABLES)


scope_signature = project_selectors.scope_signature


# While one request computes a scope's figures (seconds at a million projects), others in that scope
# are shown the last figures computed for it instead of computing them all at once.
DASHBOARD_COMPUTE_SECONDS = 300  # the lock's lifetime, should its holder die
DASHBOARD_LAST_SECONDS = 24 * 3600


def dashboard_scope(user):
    """The cache key part of a user's dashboard: the scope, and the language (the figures carry the
    reference rows' names in it: name or name_en)."""
    import hashlib

    from django.utils.translation import get_language

    return "portal:dashboard:" + hashlib.sha256(f"{scope_signature(user)}|{get_language()}".encode()).hexdigest()


def dashboard_figures(*, user, today=None, known_at=None):
    """Everything the leader dashboard shows, computed once per scope and data version and kept for
    at most ``DASHBOARD_CACHE_SECONDS`` (Django's cache), so that many users opening the dashboard at
    once do not each recompute it. One query when cached (the data version).

    Only one request per scope computes at a time (a lock in the cache); meanwhile the others get the
    scope's last computed figures, marked ``stale`` with their ``computed_at``. With no earlier figures
    (or no cache at all: Redis down) a request computes them itself."""
    import hashlib

    from django.core.cache import cache

    today = today or timezone.localdate()
    scope = dashboard_scope(user)
    key = f"{scope}:" + hashlib.sha256(f"{today.isoformat()}|{known_at}|{data_version()}".encode()).hexdigest()
    figures = cache.get(key)
    if figures is not None:
        return figures
    computing = cache.add(f"{scope}:computing", 1, DASHBOARD_COMPUTE_SECONDS)
    if not computing:
        last = cache.get(f"{scope}:last")
        if last is not None:
            return {**last, "stale": True}
    try:
        figures = {
            "figures": headline(user=user, today=today, known_at=known_at),
            **{
                f"by_{field}": rows
                for field, rows in completion_breakdowns(user=user, today=today, known_at=known_at).items()
            },
            "trend": monthly_trend(user=user, today=today, known_at=known_at),
            "lagging": top_lagging(user=user, today=today, limit=10, known_at=known_at),
            "problems": open_problems_by_age(user=user, today=today, known_at=known_at),
            "problems_overdue": open_problems_overdue(user=user, today=today, known_at=known_at),
            "capital": capital_in_place(user=user, today=today),
            "photos": recent_photos(user=user, today=today),
            "computed_at": timezone.now(),
            "stale": False,
        }
        cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
        cache.set(f"{scope}:last", figures, DASHBOARD_LAST_SECONDS)
    finally:
        if computing:
            cache.delete(f"{scope}:computing")
    return figures  # the cache hands out a fresh copy (pickled), so callers may add to it


# --- weekly site photos (形象调度) ------------------------------------------------------------------
def photo_weeks(today=None, count=12):
    """The Mondays of the last ``count`` weeks, this week first (common.periods.week)."""
    from common.periods import week

    today = today or timezone.localdate()
    return [week(today - datetime.timedelta(days=7 * back))[0] for back in range(count)]


def photo_week_overview(*, user, week, region=None):
    """Per county of the user's scope: owing, posted, missing and the rate (insights.definitions
    photo_week_counts), with the county, and the owing projects (missing first). Two queries."""
    rule = investment_selectors.photo_rule()
    projects = Project.objects.restrict(user)
    if region is not None:
        projects = projects.filter(region=region)
    rows = definitions.photo_week_counts(projects, week=week, rule=rule)
    regions = {r.pk: r for r in Region.objects.filter(pk__in=[row["region_id"] for row in rows])}
    for row in rows:
        row["region"] = regions.get(row["region_id"])
    total_owed = sum(r["owed"] for r in rows)
    total_posted = sum(r["posted"] for r in rows)
    return {
        "rule": rule,
        "rows": rows,
        "total": {
            "owed": total_owed,
            "posted": total_posted,
            "missing": total_owed - total_posted,
            "rate": figures.ratio(total_posted, total_owed),
        },
        "projects": investment_selectors.photo_week_list(user=user, week=week, rule=rule, region=region),
    }


def photo_gallery(*, user, week=None, region=None, group=None, light=None, sector=None, today=None):
    """The leaders' gallery: photos in scope, newest first, narrowed by week, county, dispatch group
    (its scope rule), the project's light (序时进度灯 of the reporting month) and sector."""
    projects = None
    if group is not None:
        projects = Project.objects.filter(group.scope_q())
    if light:
        lit = supervision_selectors.project_lights(
            user=user, period=supervision_selectors.current_period(today), filters={"light": light}
        ).values("pk")
        projects = lit if projects is None else projects.filter(pk__in=lit)
    return investment_selectors.gallery_photos(user=user, week=week, region=region, sector=sector, projects=projects)


# --- 我的包保项目: the start page of stewards and leaders in charge -----------------------------------
PORTFOLIO_FIELDS = ("steward", "city_leader", "county_leader")
FIRST_VISIT_DAYS = 30  # a first visit shows the last 30 days (definition "changes_since_visit")


def portfolio_projects(*, user, today=None):
    """The projects naming the user as steward, city or county leader (in every county), in the user's
    scope, with the reporting month's light (supervision), largest first (one query)."""
    named = Q(steward=user) | Q(city_leader=user) | Q(county_leader=user)
    period = supervision_selectors.current_period(today)
    qs = project_selectors.project_queryset(user=user).filter(named)
    return supervision_selectors.annotate_lights(qs, period=period).order_by("-total_investment", "id")


def portfolio_counts(*, user, project_ids, since, today=None):
    """The extra figures of each project on the start page, in ONE place (a fixed number of queries,
    whatever the number of projects): {project id: {"open_problems", "procedures_due", "entry_status",
    "entry_status_label", "changes": [text, ...]}}. Definitions: "open_problems", "procedures_due",
    "changes_since_visit" (insights.definitions); the entry is the filing month's
    (investment.selectors.filing_month). Other apps' per-project counts join here (a dict per project)."""
    from investment.choices import EntryStatus
    from investment.models import Problem, ProcedureItem
    from projects.models import StageChange

    today = today or timezone.localdate()
    ids = sorted(set(project_ids))
    result = {
        pk: {"open_problems": 0, "procedures_due": 0, "entry_status": None, "entry_status_label": "", "changes": []}
        for pk in ids
    }
    if not ids:
        return result
    problems = (
        Problem.objects.restrict(user)
        .filter(definitions.unresolved_problem_q(), project_id__in=ids)
        .order_by()
        .values("project_id")
        .annotate(n=Count("id"))
    )
    for row in problems:
        result[row["project_id"]]["open_problems"] = row["n"]
    due = (
        ProcedureItem.objects.restrict(user)
        .filter(definitions.procedure_due_q(month_end(today)), project_id__in=ids)
        .order_by()
        .values("project_id")
        .annotate(n=Count("id"))
    )
    for row in due:
        result[row["project_id"]]["procedures_due"] = row["n"]
    labels = dict(EntryStatus.choices)
    period = investment_selectors.filing_month(today)
    entries = ProgressEntry.objects.restrict(user).filter(project_id__in=ids, period=period)
    for pk, status, updated in entries.values_list("project_id", "status", "updated_at"):
        result[pk]["entry_status"] = status
        result[pk]["entry_status_label"] = str(labels.get(status, status))
        if updated > since:
            result[pk]["changes"].append(
                _("%(month)s填报:%(status)s") % {"month": f"{period:%Y-%m}", "status": labels.get(status, status)}
            )
    changes = (
        StageChange.objects.restrict(user)
        .filter(project_id__in=ids, created_at__gt=since)
        .order_by("created_at", "id")
        .values_list("project_id", "to_stage", "changed_on")
    )
    stages = dict(Stage.choices)
    for pk, to_stage, on in changes:
        result[pk]["changes"].append(_("阶段变更为%(stage)s(%(on)s)") % {"stage": stages[to_stage], "on": on})
    raised = (
        Problem.objects.restrict(user)
        .filter(project_id__in=ids, created_at__gt=since)
        .order_by()
        .values("project_id")
        .annotate(n=Count("id"))
    )
    for row in raised:
        result[row["project_id"]]["changes"].append(_("新提出问题 %(n)s 个") % {"n": row["n"]})
    return result


def portfolio_since(previous, now=None):
    """Since when the page reports changes: the previous visit, or FIRST_VISIT_DAYS back on a first one."""
    now = now or timezone.now()
    return previous or now - datetime.timedelta(days=FIRST_VISIT_DAYS)
