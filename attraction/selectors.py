"""Reads for investment attraction. Every read takes the user and is scoped through projects.access;
system reports for the mayor pass ``CITY_WIDE`` explicitly (the bulletin is a city-wide document)."""

import datetime
import hashlib
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Exists, Max, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from common.figures import growth, ratio, tenths
from common.periods import month_start, next_month, same_month_last_year
from common.writes import region_named
from insights import definitions
from projects.access import (  # noqa: F401 - re-exported
    CITY_WIDE,
    Action,
    can_use_bulletins,
    city_wide_or_project_q,
    has_role,
    is_admin,
    project_q,
    region_ids,
    region_scope_q,
)
from projects.choices import Role, Stage
from projects.models import Project, Region, StageChange

from .choices import DEFAULT_CADENCE_DAYS, DEFAULT_FUND_FLOOR, CadenceLevel, OrgLevel, OutreachKind, SpendingStatus
from .models import (
    AnnualTarget,
    AttractionRecord,
    BulletinRun,
    CadenceRule,
    CapitalInPlace,
    DevelopmentZone,
    FollowUp,
    FundBudget,
    FundRule,
    FundSpending,
    Investor,
    InvestorVisit,
    OutreachEvent,
    OutreachParticipant,
    ProjectPhase,
    SigningEvent,
    SigningEventProject,
    StartEvent,
    StartEventProject,
    TaskForce,
    TaskForceMeeting,
)

ZERO = Decimal("0.00")
POOLS = Stage.pools()


scope_q = city_wide_or_project_q


# --- periods ------------------------------------------------------------------------------
# The periods (common.periods) and the one rounding rule (common.figures): rates
# and year-on-year of the bulletin are computed exactly as every other figure (统计口径).
yoy = growth
rate = ratio


# --- regions and access ---------------------------------------------------------------------
def visible_regions(*, user):
    """Regions whose figures the user sees: all for city-wide roles, their own for county users."""
    if user is CITY_WIDE:
        return list(Region.objects.all())
    ids = region_ids(user)
    qs = Region.objects.all()
    return list(qs if ids is None else qs.filter(pk__in=sorted(ids)))


def region_get(*, user, key):
    region = region_named(visible_regions(user=user), key)
    if region is None:
        raise Http404("县区不存在。")
    return region


# --- the "四个一批" board ----------------------------------------------------------------------
def _empty_pools():
    return {stage: {"count": 0, "total": ZERO} for stage in POOLS}


def pool_board(*, user, region=None):
    """Counts and planned investment of the four pools, for the city (the user's scope) and per region.
    One query."""
    qs = Project.objects.filter(scope_q(user), stage__in=POOLS)
    if region is not None:
        qs = qs.filter(region=region)
    city = _empty_pools()
    by_region = {}
    for region_id, stage, count, total in definitions.pool_counts(qs, by=("region_id",)):
        pools = by_region.setdefault(region_id, _empty_pools())
        pools[stage] = {"count": count, "total": total}
        city[stage]["count"] += count
        city[stage]["total"] += total
    regions = [region] if region is not None else visible_regions(user=user)
    return {
        "city": city,
        "regions": [{"region": r, "pools": by_region.get(r.pk, _empty_pools())} for r in regions],
    }


def _scoped_project_ids_sql(user, region=None):
    qs = Project.objects.filter(scope_q(user))
    if region is not None:
        qs = qs.filter(region=region)
    return qs.values("id").query.sql_with_params()


def pool_durations(*, user, start, end, region=None, as_of=None):
    """How long projects stay in each pool, from consecutive stage changes (a window function, one query).

    ``exits``/``avg_days``/``median_days``: stays that ended (the project moved on) in [start, end);
    ``current``/``current_avg_days``: projects still in the pool, aged at ``as_of``.
    """
    as_of = as_of or min(end - datetime.timedelta(days=1), timezone.localdate())
    ids_sql, ids_params = _scoped_project_ids_sql(user, region)
    table = StageChange._meta.db_table
    sql = f"""
        WITH stays AS (
            SELECT sc.to_stage AS stage, sc.changed_on AS entered_on,
                   LEAD(sc.changed_on) OVER (PARTITION BY sc.project_id ORDER BY sc.changed_on, sc.id) AS left_on
            FROM {table} sc
            WHERE sc.project_id IN ({ids_sql}) AND sc.changed_on <= %s
        )
        SELECT stage,
               COUNT(*) FILTER (WHERE left_on >= %s AND left_on < %s),
               AVG(left_on - entered_on) FILTER (WHERE left_on >= %s AND left_on < %s),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY left_on - entered_on)
                   FILTER (WHERE left_on >= %s AND left_on < %s),
               COUNT(*) FILTER (WHERE left_on IS NULL OR left_on > %s),
               AVG(%s - entered_on) FILTER (WHERE left_on IS NULL OR left_on > %s)
        FROM stays WHERE stage = ANY(%s) GROUP BY stage
    """
    params = [*ids_params, as_of, start, end, start, end, start, end, as_of, as_of, as_of, list(POOLS)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    result = {}
    for stage in POOLS:
        exits, avg_days, median_days, current, current_avg = found.get(stage, (0, None, None, 0, None))
        result[stage] = {
            "exits": exits,
            "avg_days": _days(avg_days),
            "median_days": _days(median_days),
            "current": current,
            "current_avg_days": _days(current_avg),
        }
    return result


def _days(value):
    return tenths(value)


def pool_flows(*, user, month, region=None):
    """Moves between stages in one month: each transition with its count and planned investment, the
    inflow and outflow of every pool, and how long projects stayed in each pool (last 12 months)."""
    start, end = month, next_month(month)
    qs = StageChange.objects.filter(scope_q(user, "project__"), changed_on__gte=start, changed_on__lt=end)
    if region is not None:
        qs = qs.filter(project__region=region)
    transitions = list(
        qs.values("from_stage", "to_stage")
        .annotate(count=Count("project_id", distinct=True), total=Sum("project__total_investment"))
        .order_by("from_stage", "to_stage")
    )
    pools = {stage: {"inflow": 0, "outflow": 0, "inflow_total": ZERO} for stage in POOLS}
    for row in transitions:
        row["total"] = row["total"] or ZERO
        if row["to_stage"] in pools and row["from_stage"] != row["to_stage"]:
            pools[row["to_stage"]]["inflow"] += row["count"]
            pools[row["to_stage"]]["inflow_total"] += row["total"]
        if row["from_stage"] in pools:
            pools[row["from_stage"]]["outflow"] += row["count"]
    durations = pool_durations(user=user, start=start.replace(year=start.year - 1), end=end, region=region)
    for stage in POOLS:
        pools[stage].update(durations[stage])
    return {"month": month, "transitions": transitions, "pools": pools}


# --- records and follow-ups ----------------------------------------------------------------------
def attraction_projects(*, user, filters=None):
    """Projects in the four pools (or with an attraction record) in the user's scope."""
    qs = (
        Project.objects.restrict(user)
        .filter(Q(stage__in=POOLS) | Q(attraction_record__isnull=False))
        .select_related("region", "attraction_record")
        .order_by("-total_investment", "id")
    )
    if filters:
        qs = qs.filter(**filters)
    return qs


def attraction_project_get(*, user, pk, action=Action.VIEW):
    try:
        return Project.objects.restrict(user, action).select_related("region").get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404("项目不存在。") from None


def changeable_projects(*, user, limit=2000):
    """Projects the user may enter figures for (signed onwards), for the pickers of the entry forms."""
    return list(
        Project.objects.restrict(user, Action.CHANGE)
        .exclude(stage__in=[Stage.PLANNING, Stage.NEGOTIATING])
        .select_related("region")
        .order_by("region__sort_order", "name")[:limit]
    )


def event_projects(*, user, limit=2000):
    """Projects the user may add to an event: every stage (the event may move a negotiating project to
    签约, a signed one to 在建), for the event page's picker."""
    return list(
        Project.objects.restrict(user, Action.CHANGE)
        .exclude(stage__in=[Stage.COMPLETED, Stage.OPERATING])
        .select_related("region")
        .order_by("region__sort_order", "name")[:limit]
    )


def record_list(*, user):
    return AttractionRecord.objects.restrict(user).select_related("project", "project__region")


def record_for(*, user, project):
    return AttractionRecord.objects.restrict(user).filter(project=project).first()


def follow_up_list(*, user, project=None):
    qs = FollowUp.objects.restrict(user).select_related("project", "recorded_by")
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def cadence_days():
    """{level: interval in days} from the editable table, defaults where a level has no row."""
    values = dict(CadenceRule.objects.values_list("level", "interval_days"))
    for level, days in DEFAULT_CADENCE_DAYS.items():
        values.setdefault(level.value, days)
    return values


def cadence_status(*, user, project, today=None):
    """Per "四调法" level: interval, last follow-up (when, by whom), next due date and whether it is overdue."""
    today = today or timezone.localdate()
    days = cadence_days()
    latest = {}
    for follow_up in follow_up_list(user=user, project=project).order_by("level", "-followed_on", "-id"):
        latest.setdefault(follow_up.level, follow_up)
    rows = []
    for level in CadenceLevel:
        last = latest.get(level.value)
        due = (last.followed_on if last else None) and last.followed_on + datetime.timedelta(days=days[level.value])
        rows.append(
            {
                "level": level.value,
                "label": level.label,
                "interval_days": days[level.value],
                "last": last,
                "due_on": due,
                "overdue": last is None or due < today,
            }
        )
    return rows


def last_follow_ups(*, user, project_ids):
    """{project_id: {level: last date}} for a page of projects (one query)."""
    rows = (
        FollowUp.objects.restrict(user)
        .filter(project_id__in=project_ids)
        .values("project_id", "level")
        .annotate(last=Max("followed_on"))
    )
    result = {}
    for row in rows:
        result.setdefault(row["project_id"], {})[row["level"]] = row["last"]
    return result


# --- events ------------------------------------------------------------------------------------
def _event_list(model, line_model, user):
    lines = line_model.objects.filter(scope_q(user, "project__"), event=OuterRef("pk"))
    return model.objects.restrict(user).annotate(
        project_count=Coalesce(
            line_model.objects.filter(scope_q(user, "project__"), event=OuterRef("pk"))
            .values("event")
            .annotate(n=Count("id"))
            .values("n"),
            Value(0),
        ),
        amount_total=Coalesce(
            lines.values("event").annotate(s=Sum("amount")).values("s"),
            Value(ZERO),
            output_field=DecimalField(),
        ),
    )


def signing_event_list(*, user):
    """Signing events (city-wide facts) with the count and amount of their projects in the user's scope."""
    return _event_list(SigningEvent, SigningEventProject, user)


def start_event_list(*, user):
    return _event_list(StartEvent, StartEventProject, user)


def signing_event_get(*, user, pk):
    try:
        return signing_event_list(user=user).get(pk=pk)
    except (SigningEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("签约活动不存在。") from None


def start_event_get(*, user, pk):
    try:
        return start_event_list(user=user).get(pk=pk)
    except (StartEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("集中开工活动不存在。") from None


def signing_lines(*, user, event):
    return (
        SigningEventProject.objects.restrict(user).filter(event=event).select_related("project__region", "stage_change")
    )


def start_lines(*, user, event):
    return (
        StartEventProject.objects.restrict(user).filter(event=event).select_related("project__region", "stage_change")
    )


# --- capital in place ----------------------------------------------------------------------------
def capital_list(*, user):
    return CapitalInPlace.objects.restrict(user).select_related("project", "project__region", "recorded_by")


def capital_monthly(*, user, year, region=None):
    """Capital in place per month of ``year`` and the same month of last year, with YoY (one query): the
    measure ``insights.definitions.capital_months`` over the user's rows."""
    qs = CapitalInPlace.objects.filter(scope_q(user, "project__"))
    if region is not None:
        qs = qs.filter(project__region=region)
    return definitions.capital_months(qs, year=year, current=month_start(timezone.localdate()))


# --- targets, completion and the bulletin ----------------------------------------------------------
def target_list(*, user, year=None):
    qs = AnnualTarget.objects.restrict(user).select_related("region")
    return qs.filter(year=year) if year else qs


def _stage_entered(stage, start, end):
    return Exists(StageChange.objects.filter(project=OuterRef("pk"), to_stage=stage, changed_on__gte=start,
                                             changed_on__lt=end))  # fmt: skip


def _sum_if(field, q):
    return Coalesce(Sum(field, filter=q), Value(ZERO), output_field=DecimalField())


def region_figures(*, user, month, regions=None):
    """Per region, for ``month`` (its first day): projects signed and landed this month and year to date,
    capital in place this month and year to date, the same months of last year, YoY, targets, completion
    rates and the rank on capital completion. Plus the total. Four queries."""
    year = month.year
    end = next_month(month)
    year_start = datetime.date(year, 1, 1)
    last_start, last_end = datetime.date(year - 1, 1, 1), same_month_last_year(end)
    regions = regions if regions is not None else visible_regions(user=user)
    region_pks = [r.pk for r in regions]

    stage_rows = (
        Project.objects.filter(scope_q(user), region_id__in=region_pks)
        .annotate(
            s_month=_stage_entered(Stage.SIGNED, month, end),
            s_ytd=_stage_entered(Stage.SIGNED, year_start, end),
            s_last=_stage_entered(Stage.SIGNED, last_start, last_end),
            l_month=_stage_entered(Stage.LANDED, month, end),
            l_ytd=_stage_entered(Stage.LANDED, year_start, end),
            l_last=_stage_entered(Stage.LANDED, last_start, last_end),
        )
        .values("region_id")
        .annotate(
            signed_month=Count("id", filter=Q(s_month=True)),
            signed_month_amount=_sum_if("total_investment", Q(s_month=True)),
            signed_ytd=Count("id", filter=Q(s_ytd=True)),
            signed_ytd_amount=_sum_if("total_investment", Q(s_ytd=True)),
            signed_last_amount=_sum_if("total_investment", Q(s_last=True)),
            landed_month=Count("id", filter=Q(l_month=True)),
            landed_ytd=Count("id", filter=Q(l_ytd=True)),
            landed_last=Count("id", filter=Q(l_last=True)),
        )
        .order_by()
    )
    stage_by_region = {row.pop("region_id"): row for row in stage_rows}

    capital_rows = (
        CapitalInPlace.objects.filter(
            scope_q(user, "project__"), project__region_id__in=region_pks, month__gte=last_start, month__lt=end
        )
        .values("project__region_id")
        .annotate(
            capital_month=_sum_if("amount", Q(month=month)),
            capital_ytd=_sum_if("amount", Q(month__gte=year_start)),
            capital_last=_sum_if("amount", Q(month__lt=last_end)),
        )
        .order_by()
    )
    capital_by_region = {row.pop("project__region_id"): row for row in capital_rows}
    targets = {t.region_id: t for t in AnnualTarget.objects.filter(year=year, region_id__in=region_pks)}

    rows = []
    for region in regions:
        stage = stage_by_region.get(region.pk, {})
        capital = capital_by_region.get(region.pk, {})
        target = targets.get(region.pk)
        rows.append(
            _figures_row(
                region=region,
                stage=stage,
                capital=capital,
                target_signed=target.signed_amount if target else None,
                target_landed=target.landed_count if target else None,
                target_capital=target.capital_amount if target else None,
            )
        )
    _rank(rows)
    total = _total_row(rows)
    return {"month": month, "rows": rows, "total": total}


STAGE_KEYS = ["signed_month", "signed_month_amount", "signed_ytd", "signed_ytd_amount", "signed_last_amount",
              "landed_month", "landed_ytd", "landed_last"]  # fmt: skip
CAPITAL_KEYS = ["capital_month", "capital_ytd", "capital_last"]


def _figures_row(*, region, stage, capital, target_signed, target_landed, target_capital):
    row = {"region": region}
    for key in STAGE_KEYS:
        row[key] = stage.get(key, 0 if not key.endswith("amount") else ZERO)
    for key in CAPITAL_KEYS:
        row[key] = capital.get(key, ZERO)
    row.update(target_signed=target_signed, target_landed=target_landed, target_capital=target_capital)
    _derive(row)
    return row


def _derive(row):
    row["signed_yoy"] = yoy(row["signed_ytd_amount"], row["signed_last_amount"])
    row["landed_yoy"] = yoy(row["landed_ytd"], row["landed_last"])
    row["capital_yoy"] = yoy(row["capital_ytd"], row["capital_last"])
    row["signed_rate"] = rate(row["signed_ytd_amount"], row["target_signed"])
    row["landed_rate"] = rate(row["landed_ytd"], row["target_landed"])
    row["capital_rate"] = rate(row["capital_ytd"], row["target_capital"])


def _rank(rows):
    """Rank on completion of the capital target (no target: last), then on capital in place."""
    ordered = sorted(
        rows, key=lambda r: (r["capital_rate"] is None, -(r["capital_rate"] or 0), -r["capital_ytd"], r["region"].pk)
    )
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position


def _total_row(rows):
    total = {"region": None, "rank": None}
    for key in [*STAGE_KEYS, *CAPITAL_KEYS]:
        total[key] = sum((r[key] for r in rows), 0 if not (key.endswith("amount") or key in CAPITAL_KEYS) else ZERO)
    for key in ("target_signed", "target_landed", "target_capital"):
        values = [r[key] for r in rows if r[key] is not None]
        total[key] = sum(values) if values else None
    _derive(total)
    return total


def bulletin_figures(*, month):
    """The bulletin's figures: every region, city-wide (a document for the mayor), plus the month's events."""
    figures = region_figures(user=CITY_WIDE, month=month)
    end = next_month(month)
    figures["signing_events"] = list(
        signing_event_list(user=CITY_WIDE).filter(held_on__gte=month, held_on__lt=end).order_by("held_on", "id")
    )
    figures["start_events"] = list(
        start_event_list(user=CITY_WIDE).filter(held_on__gte=month, held_on__lt=end).order_by("held_on", "id")
    )
    figures["pools"] = pool_board(user=CITY_WIDE)["city"]
    figures["monthly"] = capital_monthly(user=CITY_WIDE, year=month.year)[: month.month]
    figures["capital_origin"] = capital_by_origin(user=CITY_WIDE, month=month)
    figures["overdue_follow_ups"] = overdue_follow_up_count()
    return figures


def bulletin_data_version(*, month):
    """A fingerprint of everything the bulletin for ``month`` reads (one query): same data, same version."""
    sql = f"""
        SELECT
          (SELECT concat(count(*), ':', max(updated_at), ':', sum(total_investment)) FROM {Project._meta.db_table}),
          (SELECT concat(count(*), ':', max(id), ':', max(created_at)) FROM {StageChange._meta.db_table}),
          (SELECT concat(count(*), ':', max(updated_at), ':', sum(amount)) FROM {CapitalInPlace._meta.db_table}),
          (SELECT concat(count(*), ':', max(updated_at)) FROM {AnnualTarget._meta.db_table}),
          (SELECT concat(count(*), ':', sum(amount), ':', max(id)) FROM {SigningEventProject._meta.db_table}),
          (SELECT concat(count(*), ':', sum(amount), ':', max(id)) FROM {StartEventProject._meta.db_table}),
          (SELECT concat(count(*), ':', max(id)) FROM {SigningEvent._meta.db_table}),
          (SELECT concat(count(*), ':', max(id)) FROM {StartEvent._meta.db_table}),
          (SELECT concat(count(*), ':', string_agg(name || sort_order, ',')) FROM {Region._meta.db_table})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        parts = [str(value) for value in cursor.fetchone()]
    digest = hashlib.sha256("|".join([f"{month:%Y-%m}", *parts]).encode()).hexdigest()
    return digest[:32]


def bulletin_recipients():
    """The mayor's office: the active users with the leadership role (who may read the bulletin)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, roles__role=Role.LEADERSHIP).distinct()
    return [u for u in users if can_use_bulletins(u)]


def bulletin_list(*, user):
    if not can_use_bulletins(user):
        return BulletinRun.objects.none()
    return BulletinRun.objects.select_related("requested_by")


def bulletin_get(*, user, pk):
    try:
        return bulletin_list(user=user).get(pk=pk)
    except (BulletinRun.DoesNotExist, ValueError, TypeError):
        raise Http404("月报不存在。") from None


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
# Registries owned by a place go through .restrict (projects.access.region_scope_q); the projects they
# list are cut to the user's project scope; every figure is a measure of insights.definitions.
def _year_range(year):
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def _get_or_404(qs, pk, what):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"{what}不存在。") from None


def _capital_of(path, user, year):
    """Capital in place this year of the projects reached from the outer row through ``path``."""
    first, end = _year_range(year)
    rows = CapitalInPlace.objects.filter(
        project_q(user, Action.VIEW, "project__"), month__gte=first, month__lt=end, **{path: OuterRef("pk")}
    )
    return definitions.subquery_sum(rows)


def task_force_list(*, user, year=None):
    """Task forces in the user's scope with their figures (leads, signed, landed, capital in place)."""
    year = year or timezone.localdate().year
    return (
        TaskForce.objects.restrict(user)
        .select_related("region")
        .annotate(
            **definitions.followed_counts("projects__", scope=project_q(user, Action.VIEW, "projects__")),
            capital=_capital_of("project__task_forces", user, year),
        )
        .order_by("level", "region__sort_order", "name", "pk")
    )


def task_force_get(*, user, pk, year=None):
    return _get_or_404(task_force_list(user=user, year=year), pk, "招商专班")


def task_force_projects(*, user, task_force):
    return task_force.projects.filter(project_q(user)).select_related("region").order_by("stage", "name")


def task_force_meetings(*, user, task_force):
    return TaskForceMeeting.objects.restrict(user).filter(task_force=task_force)


def zone_list(*, user, year=None):
    """Development zones in the user's scope with their projects and figures."""
    year = year or timezone.localdate().year
    scope = project_q(user, Action.VIEW, "projects__")
    return (
        DevelopmentZone.objects.restrict(user)
        .select_related("region")
        .annotate(
            **definitions.followed_counts("projects__", scope=scope),
            project_count=Count("projects", filter=scope, distinct=True),
            investment=Coalesce(
                Sum("projects__total_investment", filter=scope), Value(ZERO), output_field=DecimalField()
            ),
            capital=_capital_of("project__zones", user, year),
        )
        .order_by("sort_order", "pk")
    )


def zone_get(*, user, pk, year=None):
    return _get_or_404(zone_list(user=user, year=year), pk, "开发区")


def zone_projects(*, user, zone):
    return zone.projects.filter(project_q(user)).select_related("region").order_by("stage", "name")


def budget_get(*, user, pk):
    return _get_or_404(budget_list(user=user), pk, "预算")


def region_by_id(*, user, pk):
    """A region the user may see, by id (404 otherwise)."""
    for region in visible_regions(user=user):
        if region.pk == pk:
            return region
    raise Http404("县区不存在。")


def fund_rule():
    return FundRule.objects.order_by("pk").first()


def budget_list(*, user, year=None):
    qs = FundBudget.objects.restrict(user).select_related("region")
    qs = qs.filter(year=year) if year else qs
    approved = FundSpending.objects.filter(budget=OuterRef("pk"), status=SpendingStatus.APPROVED)
    pending = FundSpending.objects.filter(budget=OuterRef("pk"), status=SpendingStatus.SUBMITTED)
    return qs.annotate(spent=definitions.subquery_sum(approved), pending=definitions.subquery_sum(pending))


def fund_summary(*, user, year):
    """The year's budgets in scope, spent against budget, and (for city-wide users, who see every
    budget) whether the guaranteed floor is met."""
    budgets = list(budget_list(user=user, year=year))
    for budget in budgets:
        budget.share = definitions.spent_share(budget.spent, budget.amount)
    total = sum((b.amount for b in budgets), ZERO)
    spent = sum((b.spent for b in budgets), ZERO)
    rule = fund_rule()
    floor = rule.min_total_budget if rule else Decimal(DEFAULT_FUND_FLOOR).quantize(Decimal("0.01"))
    sees_all = region_ids(user) is None
    return {
        "year": year,
        "budgets": budgets,
        "total": total,
        "spent": spent,
        "share": definitions.spent_share(spent, total),
        "floor": floor,
        "floor_met": definitions.floor_met(total, floor) if sees_all else None,
    }


def spending_list(*, user, year=None):
    qs = FundSpending.objects.restrict(user).select_related("budget", "budget__region", "event", "approver")
    return qs.filter(budget__year=year) if year else qs


def spending_get(*, user, pk):
    return _get_or_404(spending_list(user=user), pk, "经费支出")


def spending_attachments(*, spending):
    return list(spending.attachments.all())


def outreach_list(*, user, year=None, kind=None):
    qs = OutreachEvent.objects.restrict(user).select_related("region", "task_force")
    if year:
        qs = qs.filter(held_on__year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def outreach_get(*, user, pk):
    return _get_or_404(outreach_list(user=user), pk, "招商活动")


def outreach_participants(*, event):
    return list(event.participants.select_related("region", "zone"))


def outreach_projects(*, user, event):
    return event.projects.filter(project_q(user)).select_related("region").order_by("name")


def outreach_spending(*, user, event):
    return FundSpending.objects.restrict(user).filter(event=event).first()


def outreach_monthly(*, user, year):
    """Events per month and kind in ``year`` (one query): {"months": [...], "rows": [{kind, label,
    counts: [12], total}]}, plus the three-level participation counts."""
    from django.db.models.functions import TruncMonth

    counts = (
        outreach_list(user=user, year=year)
        .order_by()
        .annotate(m=TruncMonth("held_on"))
        .values("kind", "m")
        .annotate(n=Count("id"))
    )
    table = {}
    for row in counts:
        table.setdefault(row["kind"], [0] * 12)[row["m"].month - 1] = row["n"]
    rows = [
        {"kind": kind, "label": label, "counts": table.get(kind, [0] * 12), "total": sum(table.get(kind, []))}
        for kind, label in OutreachKind.choices
    ]
    levels = dict(
        OutreachParticipant.objects.filter(event__in=outreach_list(user=user, year=year))
        .order_by()
        .values("level")
        .annotate(n=Count("event", distinct=True))
        .values_list("level", "n")
    )
    return {
        "year": year,
        "months": [datetime.date(year, m, 1) for m in range(1, 13)],
        "rows": rows,
        "total": sum(r["total"] for r in rows),
        "levels": [
            {"level": level, "label": label, "events": levels.get(level, 0)} for level, label in OrgLevel.choices
        ],
    }


def investor_list(*, user):
    return (
        Investor.objects.restrict(user)
        .select_related("group")
        .annotate(
            project_count=Count("projects", filter=project_q(user, Action.VIEW, "projects__"), distinct=True),
            visit_count=Count("visits", filter=region_scope_q(user, Action.VIEW, "visits__region_id"), distinct=True),
        )
        .order_by("name", "pk")
    )


def investor_get(*, user, pk):
    return _get_or_404(investor_list(user=user), pk, "投资方")


def investor_projects(*, user, investor):
    return investor.projects.filter(project_q(user)).select_related("region").order_by("name")


def visit_list(*, user, investor=None):
    qs = InvestorVisit.objects.restrict(user).select_related("investor", "region")
    return qs.filter(investor=investor) if investor is not None else qs


def visit_get(*, user, pk):
    return _get_or_404(visit_list(user=user), pk, "回访记录")


def phase_list(*, user):
    """Phase-2 projects (增资扩产) in the user's scope, with their phase 1 when the user may see it."""
    phase_one_visible = Exists(Project.objects.filter(project_q(user), pk=OuterRef("phase_one_id")))
    return (
        ProjectPhase.objects.restrict(user)
        .select_related("project", "project__region", "phase_one", "investor")
        .annotate(phase_one_visible=phase_one_visible)
    )


def reinvestment(*, user, year=None):
    """Re-investment by existing investors: count and investment of the phase-2 projects in scope
    (registered in ``year``, or all)."""
    qs = phase_list(user=user)
    if year:
        qs = qs.filter(created_at__year=year)
    return definitions.reinvestment(qs)


# --- chains, assessment, capital by origin, overdue follow-ups (helper "chains") ---------------------
def sector_kinds():
    from projects.choices import SectorKind

    return list(SectorKind)


def chain_rollup(*, user):
    """Per kind (chain / cluster / featured), every sector of that kind with its projects, planned
    investment and leads in the user's scope (insights.definitions.sector_rollup), and the kind's total.
    One query per kind plus one for the sectors."""
    from projects.models import Sector

    projects = Project.objects.filter(scope_q(user))
    sectors = list(Sector.objects.all())
    result = []
    for kind in sector_kinds():
        figures = definitions.sector_rollup(projects, kind=kind)
        rows = []
        total = {"project_count": 0, "total_investment": ZERO, "lead_count": 0, "lead_investment": ZERO}
        for sector in (s for s in sectors if s.kind == kind):
            row = figures.get(sector.pk) or {
                "project_count": 0, "total_investment": ZERO, "lead_count": 0, "lead_investment": ZERO
            }  # fmt: skip
            rows.append({"sector": sector, **row})
            for key in total:
                total[key] += row[key]
        result.append({"kind": kind, "label": kind.label, "rows": rows, "total": total})
    return result


def chain_get(*, pk):
    from projects.choices import SectorKind
    from projects.models import Sector

    try:
        return Sector.objects.get(pk=pk, kind__in=[SectorKind.CHAIN, SectorKind.CLUSTER])
    except (Sector.DoesNotExist, ValueError, TypeError):
        raise Http404("产业链不存在。") from None


def chain_map(*, user, chain, limit=200):
    """A chain's (or cluster's) map: its member sectors, the target enterprises upstream and downstream,
    and the leads and projects on it in the user's scope (largest first, at most ``limit`` each)."""
    from projects.choices import SectorKind

    from .choices import ChainPosition
    from .models import ChainTarget

    member_field = "chain" if chain.kind == SectorKind.CHAIN else "cluster"
    on_chain = Q(sector=chain) | Q(**{f"sector__{member_field}": chain})
    projects = Project.objects.filter(scope_q(user)).filter(on_chain).select_related("region", "sector")
    leads = projects.filter(definitions.leads_q()).order_by("-total_investment", "id")
    others = projects.exclude(definitions.leads_q()).order_by("-total_investment", "id")
    targets = list(ChainTarget.objects.restrict(user).filter(chain=chain).select_related("project"))
    figures = definitions.sector_rollup(Project.objects.filter(scope_q(user)), kind=chain.kind).get(chain.pk, {})
    return {
        "chain": chain,
        "members": list(getattr(chain, f"{member_field}_members").all()),
        "upstream": [t for t in targets if t.position == ChainPosition.UPSTREAM],
        "downstream": [t for t in targets if t.position == ChainPosition.DOWNSTREAM],
        "leads": list(leads[:limit]),
        "projects": list(others[:limit]),
        "figures": figures,
    }


def assessment_indicators(*, year):
    """[(measure, weight, cap)] the administrator set for ``year``, or the defaults (choices)."""
    from .choices import DEFAULT_ASSESSMENT_WEIGHTS
    from .models import AssessmentIndicator

    rows = list(AssessmentIndicator.objects.filter(year=year).values_list("measure", "weight", "cap"))
    if rows:
        return rows
    return [(m.value, Decimal(w), Decimal(c)) for m, (w, c) in DEFAULT_ASSESSMENT_WEIGHTS.items()]


def assessment_grades():
    """[(name, min_score)] from the administrator's table, or the defaults."""
    from .choices import DEFAULT_ASSESSMENT_GRADES
    from .models import AssessmentGrade

    rows = list(AssessmentGrade.objects.values_list("name", "min_score"))
    return rows or [(name, Decimal(score)) for name, score in DEFAULT_ASSESSMENT_GRADES]


def assessment(*, user, year, today=None):
    """The yearly attraction assessment of the counties and zones the user sees: each one's completion
    rates (region_figures, through December or the current month), score and grade, ranked by score."""
    today = today or timezone.localdate()
    through = min(datetime.date(year, 12, 1), month_start(today))
    figures = region_figures(user=user, month=through)
    indicators = assessment_indicators(year=year)
    grades = assessment_grades()
    rows = []
    for row in figures["rows"]:
        rates = {measure: row[measure] for measure, _, _ in indicators}
        score = definitions.assessment_score(rates, indicators)
        rows.append({**row, "score": score, "grade": definitions.assessment_grade(score, grades)})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["region"].sort_order, r["region"].pk))
    for position, row in enumerate(rows, start=1):
        row["score_rank"] = position
    return {"year": year, "through": through, "rows": rows, "indicators": indicators, "grades": grades}


def category_year_on_year(*, user, day=None):
    """Counted completed investment this year and last by project category (the user's scope)."""
    from projects.models import Category

    day = day or timezone.localdate()
    sums = definitions.category_year_on_year(Project.objects.filter(scope_q(user)), day=day)
    empty = {"ytd": ZERO, "last_ytd": ZERO, "yoy": None}
    return [{"category": c, **sums.get(c.pk, empty)} for c in Category.objects.all()]


def capital_by_origin(*, user, month):
    """Domestic and foreign capital in place January through ``month`` and last year (the user's scope)."""
    return definitions.capital_origin_year_on_year(CapitalInPlace.objects.filter(scope_q(user, "project__")),
                                                   month=month)  # fmt: skip


def overdue_follow_up_list(*, user, today=None):
    """City-wide (in the user's scope) list of (project, level) follow-ups overdue for their cadence:
    each with its project, last follow-up date, due date and days overdue, most overdue first. Two queries."""
    today = today or timezone.localdate()
    days = cadence_days()
    pairs = list(
        definitions.overdue_follow_ups(FollowUp.objects.filter(scope_q(user, "project__")), days=days, today=today)
    )
    projects = Project.objects.filter(pk__in=sorted({p["project_id"] for p in pairs})).select_related(
        "region", "department", "city_leader"
    )
    by_id = {p.pk: p for p in projects}
    labels = dict(CadenceLevel.choices)
    rows = []
    for pair in pairs:
        due = pair["last"] + datetime.timedelta(days=days[pair["level"]])
        rows.append({"project": by_id[pair["project_id"]], "level": pair["level"], "level_label": labels[pair["level"]],
                     "last": pair["last"], "due_on": due, "days_overdue": (today - due).days})  # fmt: skip
    rows.sort(key=lambda r: (-r["days_overdue"], r["project"].pk, r["level"]))
    return rows


def overdue_follow_up_count(*, user=CITY_WIDE, today=None):
    """How many (project, level) follow-ups are overdue in the user's scope (city-wide for the bulletin and
    the circulation). One query."""
    today = today or timezone.localdate()
    rows = FollowUp.objects.filter(scope_q(user, "project__"))
    return definitions.overdue_follow_ups(rows, days=cadence_days(), today=today).count()


def follow_up_owers(*, rows):
    """Who owes each overdue follow-up: main leader → the leadership role; leader in charge → the project's
    city leader (包保领导); department → the users of the project's department; county → county staff of
    its region. Returns {user: [rows]}."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    leadership = list(User.objects.filter(is_active=True, roles__role=Role.LEADERSHIP).distinct())
    department_ids = {r["project"].department_id for r in rows if r["level"] == CadenceLevel.DEPARTMENT}
    region_ids_ = {r["project"].region_id for r in rows if r["level"] == CadenceLevel.COUNTY}
    by_department, by_region = {}, {}
    for user in User.objects.filter(is_active=True, roles__role=Role.DEPARTMENT,
                                    roles__department_id__in=sorted(i for i in department_ids if i)).distinct().prefetch_related("roles"):  # fmt: skip
        for role in user.roles.all():
            if role.role == Role.DEPARTMENT:
                by_department.setdefault(role.department_id, set()).add(user)
    for user in User.objects.filter(is_active=True, roles__role=Role.COUNTY_STAFF,
                                    roles__region_id__in=sorted(region_ids_)).distinct().prefetch_related("roles"):  # fmt: skip
        for role in user.roles.all():
            if role.role == Role.COUNTY_STAFF:
                by_region.setdefault(role.region_id, set()).add(user)
    owed = {}
    for row in rows:
        project, level = row["project"], row["level"]
        if level == CadenceLevel.MAIN_LEADER:
            users = leadership
        elif level == CadenceLevel.LEADER_IN_CHARGE:
            users = [project.city_leader] if project.city_leader and project.city_leader.is_active else leadership
        elif level == CadenceLevel.DEPARTMENT:
            users = by_department.get(project.department_id, ())
        else:
            users = by_region.get(project.region_id, ())
        for user in users:
            owed.setdefault(user, []).append(row)
    return owed


def circulation_list(*, user):
    """The monthly circulations: a document for the main city leaders (the bulletin's readers)."""
    from .models import Circulation

    return Circulation.objects.all() if can_use_bulletins(user) else Circulation.objects.none()
