"""Page counts that do not make the first page wait: exact up to a threshold, the planner's estimate
above it (an exact ``COUNT(*)`` reads every matching row: seconds at a million projects)."""

import json

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections


class RowCount(int):
    """A count that says whether it is the planner's estimate (``is_estimate``) or exact."""

    is_estimate = False

    def __new__(cls, value, *, is_estimate=False):
        count = super().__new__(cls, value)
        count.is_estimate = is_estimate
        return count


def planner_estimate(queryset):
    """The number of rows PostgreSQL expects the query to return (EXPLAIN: planning only, no rows
    read). For an unfiltered table this is ``pg_class.reltuples`` scaled to the table's current size."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. queryset.none(): no query to plan
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _rounded(value):
    """An estimate shown to three significant figures (1,234,567 -> 1,230,000): it is not exact."""
    if value < 1000:
        return value
    step = 10 ** (len(str(value)) - 3)
    return round(value / step) * step


def fast_count(queryset, *, exact_up_to=None):
    """The queryset's row count: exact when at most ``exact_up_to`` rows match
    (settings.LIST_EXACT_COUNT_UP_TO), else the planner's estimate, rounded and flagged ``is_estimate``.

    One query for a list within the threshold, as an exact count was: a count that stops after
    ``exact_up_to + 1`` rows (``SELECT count(*) FROM (... LIMIT n+1)``), so it never reads more than that
    many, however many match. Above it, one more: EXPLAIN, which plans and reads no rows."""
    limit = settings.LIST_EXACT_COUNT_UP_TO if exact_up_to is None else exact_up_to
    bounded = queryset.order_by()[: limit + 1].count()
    if bounded <= limit:
        return RowCount(bounded)
    # At least limit + 1 rows are known to match, whatever the planner expects.
    return RowCount(_rounded(max(planner_estimate(queryset), limit + 1)), is_estimate=True)


class _Counter:
    def __init__(self, queryset):
        self.queryset = queryset

    def count(self):
        return fast_count(self.queryset)


def counter(queryset):
    """A ``count`` for a list a Paginator pages (``rows.count = counter(filtered)``): a bound method,
    which Django's Paginator calls (a plain function it would not, falling back to ``len()``)."""
    return _Counter(queryset).count
