"""Aggregate figures across projects and their progress, for the caller's scope.

This app sits above projects and investment (it may read both; neither reads it), so that the
summary can join the registry with the monthly progress. Every figure is a database aggregate,
all of them in one query (GROUPING SETS) whatever the number of projects.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DecimalField
from django.utils import timezone

from common.figures import ratio
from investment.models import ScopeMonth, ScopeTotal
from projects.access import Action, project_q, rollup_scope
from projects.choices import Stage
from projects.models import Category, Project, Region, Sector
from projects.selectors import audit_version, scope_signature

from . import definitions

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass(frozen=True)
class Dimension:
    name: str  # key in the result: by_<name>
    key: str  # project field grouped on
    label: str | None  # field holding the display name (None: the stage's choice label)
    order: str | None


DIMENSIONS = [
    Dimension("region", "region_id", "region__name", "region__sort_order"),
    Dimension("stage", "stage", None, None),
    Dimension("sector", "sector_id", "sector__name", "sector__sort_order"),
    Dimension("category", "category_id", "category__name", "category__sort_order"),
]


def _figures(count=0, total=ZERO, plan=ZERO, completed=ZERO):
    return {
        "project_count": count,
        "total_investment": total,
        "year_plan": plan,
        "completed_ytd": completed,
        "completion_rate": ratio(completed, plan),
    }


def summary(*, user, year=None, today=None):
    """Project count, total planned investment, this year's plan, completed year to date and the
    completion rate, with breakdowns by region, stage, sector and category, all in the user's scope.

    Every figure is the measure of ``insights.definitions`` (统计口径): the year plan of every project
    in scope, whatever its stage; completed year to date counts January through the reporting month
    of ``today`` (the whole year for a past year), by ``definitions.counted_month_rows``.

    One query: the totals and the four breakdowns are the grouping sets of one ``GROUP BY GROUPING
    SETS`` over the projects in scope, each joined to its completed amount (pre-aggregated per
    project). The scope is the SQL Django compiles for ``project_q``, so access has one definition.
    """
    today = today or timezone.localdate()
    period = definitions.reporting_period(today)
    year = year or period.year
    if year != period.year:  # a past (or coming) year: its whole year
        period = definitions.reporting_period(datetime.date(year, 12, 31))
    result = {"year": year, "as_of": period.month_end, "year_elapsed": period.elapsed}
    groups = {dimension.name: [] for dimension in DIMENSIONS}
    totals = _figures()
    scope = rollup_scope(user)
    rows = _grouped_rows(user, period) if scope is None else _rollup_rows(scope, period)
    for row in rows:
        grouping, key, name, order, count, total, plan, completed = row
        figures = _figures(count, total, plan, completed)
        if grouping == GROUPING_TOTAL:
            totals = figures
            continue
        dimension = GROUPING_DIMENSION[grouping]
        if key is None:
            name = "未分类"
        elif dimension.label is None:
            name = Stage(key).label
        groups[dimension.name].append((order, key, {"id": key, "name": name, **figures}))
    result.update(totals)
    for dimension in DIMENSIONS:
        rows = groups[dimension.name]
        if dimension.name == "stage":
            # Every stage, in the life-cycle order, so that charts keep their axis.
            found = {key: row for _, key, row in rows}
            result["by_stage"] = [
                found.get(stage) or {"id": stage, "name": Stage(stage).label, **_figures()} for stage in Stage.values
            ]
        else:
            # As the registry orders them (sort order, then id); the unclassified last.
            rows.sort(key=lambda r: (r[1] is None, r[0] is None, r[0] or 0, r[1] or 0))
            result[f"by_{dimension.name}"] = [row for _, _, row in rows]
    return result


# The summary reads every project in scope and this year's progress (393 ms of bare SQL at 100,000
# projects): kept per scope, year, day and data version, at most this long (deletions are not audited).
SUMMARY_CACHE_SECONDS = 60
_SUMMARY_VERSION = ("projects.ProjectEvent", "investment.ProgressEntryEvent", "investment.ProgressAmendmentEvent")


def summary_cached(*, user, year=None, today=None):
    """``summary``, computed once per scope, year, day and data version (any insert or update of a
    project, a progress entry or an amendment, or a threshold change, shows at once)."""
    import hashlib

    from django.core.cache import cache

    today = today or timezone.localdate()
    raw = f"{scope_signature(user)}|{year}|{today.isoformat()}|{audit_version(*_SUMMARY_VERSION)}"
    key = "insights:summary:" + hashlib.sha256(raw.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = summary(user=user, year=year, today=today)
        cache.set(key, data, SUMMARY_CACHE_SECONDS)
    return data


# GROUPING(p.region_id, p.stage, p.sector_id, p.category_id): a bit is 1 where the column is not grouped.
GROUPING_TOTAL = 0b1111
GROUPING_DIMENSION = {0b0111: DIMENSIONS[0], 0b1011: DIMENSIONS[1], 0b1101: DIMENSIONS[2], 0b1110: DIMENSIONS[3]}

SUMMARY_SQL = """
WITH done AS ({done})
SELECT GROUPING(p.region_id, p.stage, p.sector_id, p.category_id) AS grouping,
       CASE GROUPING(p.region_id, p.stage, p.sector_id, p.category_id)
            WHEN 7 THEN p.region_id::text WHEN 11 THEN p.stage WHEN 13 THEN p.sector_id::text
            WHEN 14 THEN p.category_id::text END AS key,
       CASE GROUPING(p.region_id, p.stage, p.sector_id, p.category_id)
            WHEN 7 THEN r.name WHEN 13 THEN s.name WHEN 14 THEN c.name END AS name,
       CASE GROUPING(p.region_id, p.stage, p.sector_id, p.category_id)
            WHEN 7 THEN r.sort_order WHEN 13 THEN s.sort_order WHEN 14 THEN c.sort_order END AS sort_order,
       count(*) AS project_count,
       coalesce(sum(p.total_investment), 0.00) AS total_investment,
       coalesce(sum(p.annual_plan), 0.00) AS year_plan,
       coalesce(sum(done.completed), 0.00) AS completed
FROM {projects} p
LEFT JOIN {regions} r ON r.id = p.region_id
LEFT JOIN {sectors} s ON s.id = p.sector_id
LEFT JOIN {categories} c ON c.id = p.category_id
LEFT JOIN done ON done.project_id = p.id
{where}
GROUP BY GROUPING SETS ((), (p.region_id, r.name, r.sort_order), (p.stage),
                        (p.sector_id, s.name, s.sort_order), (p.category_id, c.name, c.sort_order))
"""


_ROLLUP_GROUPINGS = {"total": GROUPING_TOTAL, "region": 0b0111, "stage": 0b1011, "sector": 0b1101, "category": 0b1110}


ROLLUP_SQL = """
SELECT t.dimension, t.value, t.projects, t.total, t.plan, coalesce(m.amount, 0.00),
       coalesce(r.name, s.name, c.name), coalesce(r.sort_order, s.sort_order, c.sort_order)
FROM (SELECT dimension, value, sum(projects) AS projects, sum(total_investment) AS total, sum(annual_plan) AS plan
      FROM {totals} WHERE scope = %(scope)s AND scope_key = ANY(%(keys)s) AND dimension = ANY(%(dimensions)s)
      GROUP BY 1, 2) t
LEFT JOIN (SELECT dimension, value, sum(amount) AS amount FROM {months}
           WHERE scope = %(scope)s AND scope_key = ANY(%(keys)s) AND dimension = ANY(%(dimensions)s)
             AND period >= %(first)s AND period <= %(last)s GROUP BY 1, 2) m
       ON m.dimension = t.dimension AND m.value = t.value
LEFT JOIN {regions} r ON t.dimension = 'region' AND r.id::text = t.value
LEFT JOIN {sectors} s ON t.dimension = 'sector' AND s.id::text = t.value
LEFT JOIN {categories} c ON t.dimension = 'category' AND c.id::text = t.value
"""


def _rollup_rows(scope, period):
    """``_grouped_rows`` from the per-scope totals (investment.ScopeTotal and ScopeMonth, by the measures
    of ``definitions.scope_figures``): the same rows from a few rows per dimension instead of every
    project in scope, names included, in one query."""
    kind, keys = scope
    sql = ROLLUP_SQL.format(
        totals=ScopeTotal._meta.db_table,
        months=ScopeMonth._meta.db_table,
        regions=Region._meta.db_table,
        sectors=Sector._meta.db_table,
        categories=Category._meta.db_table,
    )
    params = {"scope": kind, "keys": list(keys), "dimensions": list(_ROLLUP_GROUPINGS), "first": period.year_start,
              "last": period.month}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for dimension, value, count, total, plan, completed, name, order in rows:
        key = None
        if dimension == "stage":
            key = value
        elif dimension != "total" and value != "":
            key = int(value)
        result.append((_ROLLUP_GROUPINGS[dimension], key, name, order, count, total, plan, completed))
    return result


def _grouped_rows(user, period):
    """The summary's rows: (grouping, key, name, sort order, count, total, plan, completed)."""
    scope = project_q(user, Action.VIEW)
    scoped = Project.objects.filter(scope).order_by().values("id")
    # Completed per project, by the one rule for which entries count and at which figure.
    done = (
        definitions.counted_ytd_rows(through=period.month)
        .filter(project_id__in=scoped)
        .values("project_id", "completed")
    )
    try:
        scoped_sql, scoped_params = scoped.query.sql_with_params()
        done_sql, done_params = done.query.sql_with_params()
    except EmptyResultSet:  # no scope at all: nothing to add up
        return []
    # The whole registry in scope (Q() from project_q): no filter at all rather than "id IN (every id)".
    where, where_params = ("", []) if not scope else (f"WHERE p.id IN ({scoped_sql})", list(scoped_params))
    sql = SUMMARY_SQL.format(
        done=done_sql,
        where=where,
        projects=Project._meta.db_table,
        regions=Region._meta.db_table,
        sectors=Sector._meta.db_table,
        categories=Category._meta.db_table,
    )
    params = [*done_params, *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for grouping, key, name, order, count, total, plan, completed in rows:
        if key is not None and grouping != 0b1011:  # ids come back as text (stage codes are text)
            key = int(key)
        result.append((grouping, key, name, order, count, total, plan, completed))
    return result


# --- time saved by the procedure engine (审批提速) ---------------------------------------------------
def time_saved(*, user, projects=None):
    """Projects in the user's scope (narrowed by ``projects``) with ``days_saved`` and ``parallel_items``."""
    qs = Project.objects.restrict(user)
    if projects is not None:
        qs = qs.filter(pk__in=projects.values("pk"))
    return definitions.annotate_time_saved(qs)


def time_saved_totals(*, user):
    """Days saved and items done in parallel per county and for the user's whole scope (the city)."""
    return definitions.time_saved_totals(Project.objects.restrict(user))


def project_time_saved(*, user, project):
    """(days saved, days late) of one project in the user's scope: one is None, or both without dates."""
    days = time_saved(user=user).filter(pk=project.pk).values_list("days_saved", flat=True).first()
    if days is None:
        return None, None
    return (days, None) if days >= 0 else (None, -days)
