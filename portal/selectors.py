"""Reads for the home page and the city dashboard. Every figure is computed in the user's scope.

Investment figures count verified progress entries only (what a county reviewer has accepted),
at their effective amount (the amended figure where a frozen month was corrected). Each function
runs a fixed number of queries, however many projects there are.
"""

import datetime
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, DecimalField, Exists, Func, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from attraction import selectors as attraction_selectors
from investment import selectors as investment_selectors
from investment.choices import EntryStatus, ProblemStatus
from investment.models import ProgressEntry
from projects import selectors as project_selectors
from projects.access import Action
from projects.choices import KeyLevel, Stage, StartType
from projects.models import Project, Region, localized_name

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# Open problems by age (days since raised): label, lower bound, upper bound (None: open-ended).
PROBLEM_AGE_BUCKETS = [
    (gettext_noop("30天内"), 0, 30),
    (gettext_noop("31-90天"), 31, 90),
    (gettext_noop("91-180天"), 91, 180),
    (gettext_noop("180天以上"), 181, None),
]


def _money_sum(field, **filter_kwargs):
    return Coalesce(Sum(field, filter=Q(**filter_kwargs) if filter_kwargs else None), Value(ZERO), output_field=MONEY)


_rate = project_selectors.completion_rate


def verified_entries(*, user):
    """Entries whose amounts count (investment.selectors.counted_q: the one rule)."""
    return investment_selectors.entry_queryset(user=user).filter(investment_selectors.counted_q())


def amount():
    """The figure reports use for an entry: amended amount if any, else the original."""
    return investment_selectors.effective_amount()


def headline(*, user, today=None):
    """The article's headline figures, in the user's scope (two queries)."""
    today = today or timezone.localdate()
    thresholds = project_selectors.key_thresholds()
    city = thresholds[KeyLevel.CITY]
    started = Q(stage=Stage.CONSTRUCTION, start_type__in=[StartType.NEW, StartType.RESUMED], total_investment__gte=city)
    aggregates = {
        "started_count": Count("id", filter=started),
        "started_total": Coalesce(Sum("total_investment", filter=started), Value(ZERO), output_field=MONEY),
        "annual_plan": _money_sum("annual_plan", stage__in=[Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING]),
        "project_count": Count("id"),
    }
    for stage in Stage.values:
        aggregates[f"{stage}_count"] = Count("id", filter=Q(stage=stage))
        aggregates[f"{stage}_total"] = _money_sum("total_investment", stage=stage)
    figures = Project.objects.restrict(user).aggregate(**aggregates)
    year = today.year
    this_month = today.replace(day=1)
    last_year_same = this_month.replace(year=year - 1)
    done = verified_entries(user=user).aggregate(
        ytd=_money_sum(amount(), period__year=year),
        last_ytd=_money_sum(amount(), period__gte=datetime.date(year - 1, 1, 1), period__lte=last_year_same),
    )
    figures.update(done)
    figures["city_threshold"] = city
    figures["completion_rate"] = _rate(done["ytd"], figures["annual_plan"])
    figures["time_elapsed"] = project_selectors.year_fraction_elapsed(today)
    figures["yoy"] = _rate(done["ytd"] - done["last_ytd"], done["last_ytd"])
    return figures


BREAKDOWN_FIELDS = ("region", "sector", "category")


def completion_by(*, user, field, today=None):
    """Annual plan vs verified completion this year, grouped by a project field (region, sector, category).

    Returns rows sorted by completion rate, best first: {id, name, key, plan, done, rate, count}.
    Two queries (``completion_breakdowns`` gives all three fields in the same two).
    """
    return completion_breakdowns(user=user, today=today, fields=(field,))[field]


def completion_breakdowns(*, user, today=None, fields=BREAKDOWN_FIELDS):
    """``completion_by`` for several fields at once, in two queries whatever their number: plans and
    counts grouped by every combination of the fields, verified completion likewise, then added up per
    field here (exact Decimal sums; at most regions x sectors x categories groups)."""
    today = today or timezone.localdate()
    building = [Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING]
    columns = []
    for field in fields:
        columns += [field, f"{field}__name", f"{field}__name_en", f"{field}__sort_order"]
        if field in ("region", "category"):
            columns.append(f"{field}__key")
    plans = (
        Project.objects.restrict(user)
        .filter(stage__in=building)
        .values(*columns)
        .annotate(plan=Sum("annual_plan"), count=Count("id"))
        .order_by()
    )
    done_rows = (
        verified_entries(user=user)
        .filter(period__year=today.year)
        .values_list(*(f"project__{field}" for field in fields))
        .annotate(done=Sum(amount()))
        .order_by()
    )
    done = {field: {} for field in fields}
    for *keys, total in done_rows:
        for field, ident in zip(fields, keys, strict=True):
            if ident is not None:
                done[field][ident] = done[field].get(ident, ZERO) + total
    groups = {field: {} for field in fields}
    for row in plans:
        for field in fields:
            ident = row[field]
            if ident is None:
                continue
            group = groups[field].get(ident)
            if group is None:
                group = groups[field][ident] = {
                    "id": ident,
                    "name": localized_name(row[f"{field}__name"], row[f"{field}__name_en"]),
                    "key": row.get(f"{field}__key") or ident,
                    "plan": ZERO,
                    "count": 0,
                    "sort_order": row[f"{field}__sort_order"],
                }
            group["plan"] += row["plan"] or ZERO
            group["count"] += row["count"]
    result = {}
    for field in fields:
        rows = []
        for group in groups[field].values():
            completed = done[field].get(group["id"], ZERO)
            plan = group["plan"]
            rows.append(
                {
                    "id": group["id"],
                    "name": group["name"],
                    "key": group["key"],
                    "plan": plan,
                    "done": completed,
                    "rate": _rate(completed, plan),
                    "count": group["count"],
                    "sort_order": group["sort_order"],
                }
            )
        rows.sort(key=lambda r: (-(r["rate"] or Decimal(-1)), r["sort_order"], r["id"]))
        result[field] = rows
    return result


def monthly_trend(*, user, today=None):
    """Verified completed investment per month, this year and last year (one query)."""
    today = today or timezone.localdate()
    year = today.year
    rows = (
        verified_entries(user=user)
        .filter(period__gte=datetime.date(year - 1, 1, 1), period__lt=datetime.date(year + 1, 1, 1))
        .values_list("period")
        .annotate(total=Sum(amount()))
        .order_by()
    )
    this_year, last_year = [ZERO] * 12, [ZERO] * 12
    for period, total in rows:
        (this_year if period.year == year else last_year)[period.month - 1] = total
    # This year runs to the reporting month (the previous one): the current month is still being entered.
    return {"months": list(range(1, 13)), "this_year": this_year[: max(today.month - 1, 1)], "last_year": last_year}


LAGGING_ORDERINGS = {"-gap": ("-gap", "id"), "gap": ("gap", "id")}


def lagging_projects(*, user, today=None, region=None, sector=None, category=None, light=None, ordering="-gap"):
    """Projects under construction whose verified completion this year trails the share of the year elapsed.

    Annotated with ``done`` (this year), ``expected`` (annual plan x share elapsed) and ``gap``
    (investment.selectors.annotate_year_progress); worst gap first unless ``ordering`` is "gap".
    Optional filters: a region, sector or category (instances or ids) and a light of the current
    period (supervision's main light: "green", "yellow", "red")."""
    today = today or timezone.localdate()
    qs = investment_selectors.lagging_filter(
        investment_selectors.annotate_year_progress(project_selectors.project_queryset(user=user), today=today)
    )
    for field, value in (("region", region), ("sector", sector), ("category", category)):
        if value is not None:
            qs = qs.filter(**{field: value})
    if light:
        from supervision import selectors as supervision_selectors

        qs = supervision_selectors.annotate_lights(qs, period=supervision_selectors.current_period()).filter(
            light=light
        )
    return qs.order_by(*LAGGING_ORDERINGS.get(ordering, LAGGING_ORDERINGS["-gap"]))


def open_problems_by_age(*, user, today=None):
    """Unresolved problems counted by age in days since they were raised (one query)."""
    today = today or timezone.localdate()
    now = timezone.now()
    aggregates = {}
    for index, (_, low, high) in enumerate(PROBLEM_AGE_BUCKETS):
        q = Q(created_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - datetime.timedelta(days=high + 1))
        aggregates[f"b{index}"] = Count("id", filter=q)
    counts = (
        investment_selectors.problem_list(user=user, status=ProblemStatus.unresolved())
        .order_by()
        .aggregate(**aggregates)
    )
    return [
        {"label": label, "count": counts[f"b{index}"], "min_days": low, "max_days": high}
        for index, (label, low, high) in enumerate(PROBLEM_AGE_BUCKETS)
    ]


def open_problems_overdue(*, user, today=None):
    """Unresolved problems past their deadline: the bucket beside the age buckets (one query)."""
    today = today or timezone.localdate()
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
    """What a county user has to do: entries due for last month, drafts, returned entries, open problems,
    and (for reviewers) submitted entries waiting for verification. Five queries.

    With ``limit`` (the page reads at most that many rows of each list) the due list reads only the first
    ``limit`` projects of each region (index project_region_stage_invest, in order), then orders those:
    the same first ``limit`` rows as the whole list, without sorting every project under construction of
    the county (national bench: 48,000 projects anti-joined with 360,000 entries, 0.4 s)."""
    today = today or timezone.localdate()
    period = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    entered = ProgressEntry.objects.filter(project=OuterRef("pk"), period=period)
    # Each list reads only the columns the to-do page shows (not every project column, description
    # included, for each of up to 21 rows of five lists); anything else still loads on access.
    due = (
        project_selectors.project_queryset(user=user, action=Action.CHANGE, thresholds_in_query=True)
        .filter(stage=Stage.CONSTRUCTION)
        .exclude(Exists(entered))
    )
    if limit is not None:
        first_of_region = (
            Project.objects.restrict(user, Action.CHANGE)
            .filter(region=OuterRef("pk"), stage=Stage.CONSTRUCTION)
            .exclude(Exists(entered))
            .order_by("-total_investment", "id")
            .values("pk")[:limit]
        )
        ids = Region.objects.annotate(ids=Func(ArraySubquery(first_of_region), function="unnest")).values("ids")
        due = due.filter(pk__in=ids)
    due = (
        due.select_related(None)
        .select_related("region")
        .only("id", "name", "total_investment", "stage", "region__id", "region__name", "region__name_en", "region__key")
        .order_by("region__sort_order", "-total_investment", "id")
    )
    entry_fields = ("id", "period", "status", "amount_completed", "return_reason", "project__id", "project__name",
                    "project__region__id", "project__region__key", "project__region__name",
                    "project__region__name_en")  # fmt: skip
    entries = ProgressEntry.objects.restrict(user).select_related("project", "project__region").only(*entry_fields)
    return {
        "period": period,
        "due": due,
        "drafts": entries.filter(status=EntryStatus.DRAFT).order_by("-period", "id"),
        "returned": entries.filter(status=EntryStatus.RETURNED).order_by("-period", "id"),
        "to_verify": ProgressEntry.objects.restrict(user, Action.VERIFY)
        .filter(status=EntryStatus.SUBMITTED)
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
    rows = dict(
        ProgressEntry.objects.restrict(user)
        .filter(investment_selectors.counted_q(), project=project, period__year=today.year)
        .annotate(effective=amount())
        .values_list("period__month", "effective")
    )
    monthly_plan = (project.annual_plan / 12).quantize(Decimal("0.01"))
    done, plan, cumulative, cumulative_plan = [], [], ZERO, ZERO
    for month in range(1, 13):
        cumulative_plan += monthly_plan
        plan.append(min(cumulative_plan, project.annual_plan) if month < 12 else project.annual_plan)
        if month <= today.month:
            cumulative += rows.get(month, ZERO)
            done.append(cumulative)
    return {"months": list(range(1, 13)), "plan": plan, "done": done, "annual_plan": project.annual_plan}


def problems_by_age(*, user, min_days=0, max_days=None):
    """Unresolved problems raised between ``min_days`` and ``max_days`` days ago, oldest first."""
    return open_problems(user=user, min_days=min_days, max_days=max_days)


def recent_photos(*, user, limit=8):
    """The latest site photos in scope (images only), newest first."""
    return list(
        investment_selectors.photo_list(user=user)
        .filter(kind="image")
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


def dashboard_figures(*, user, today=None):
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
    key = f"{scope}:" + hashlib.sha256(f"{today.isoformat()}|{data_version()}".encode()).hexdigest()
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
            "figures": headline(user=user, today=today),
            **{f"by_{field}": rows for field, rows in completion_breakdowns(user=user, today=today).items()},
            "trend": monthly_trend(user=user, today=today),
            "lagging": list(lagging_projects(user=user, today=today)[:10]),
            "problems": open_problems_by_age(user=user, today=today),
            "problems_overdue": open_problems_overdue(user=user, today=today),
            "capital": capital_in_place(user=user, today=today),
            "photos": recent_photos(user=user),
            "computed_at": timezone.now(),
            "stale": False,
        }
        cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
        cache.set(f"{scope}:last", figures, DASHBOARD_LAST_SECONDS)
    finally:
        if computing:
            cache.delete(f"{scope}:computing")
    return figures  # the cache hands out a fresh copy (pickled), so callers may add to it
