"""Aggregate figures across projects and their progress, for the caller's scope.

This app sits above projects and investment (it may read both; neither reads it), so that the
summary can join the registry with the monthly progress. Every figure is a database aggregate:
the number of queries is fixed (two per breakdown plus two for the totals) whatever the number
of projects.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from investment.choices import EntryStatus
from investment.models import ProgressEntry
from investment.selectors import effective_amount
from projects.access import Action, project_q
from projects.choices import Stage
from projects.models import Project
from projects.selectors import year_fraction_elapsed

ZERO = Decimal("0.00")
# Entries that count as reported: submitted (awaiting verification) or verified. Drafts are
# not yet reported and returned entries were rejected by the county reviewer.
REPORTED = [EntryStatus.SUBMITTED, EntryStatus.VERIFIED]
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


def _sum(field):
    return Coalesce(Sum(field), Value(ZERO), output_field=MONEY)


def _completed():
    """Completed investment as the reports count it: the amended figure where a frozen month
    was corrected, else the entry's own."""
    return _sum(effective_amount())


def _rate(completed, plan):
    """Completed / plan as a ratio with four places, or None without a plan."""
    if not plan:
        return None
    return (completed / plan).quantize(Decimal("0.0001"))


def _figures(count=0, total=ZERO, plan=ZERO, completed=ZERO):
    return {
        "project_count": count,
        "total_investment": total,
        "year_plan": plan,
        "completed_ytd": completed,
        "completion_rate": _rate(completed, plan),
    }


def summary(*, user, year=None, today=None):
    """Project count, total planned investment, this year's plan, completed year to date and the
    completion rate, with breakdowns by region, stage, sector and category, all in the user's scope.

    The year plan is the projects' current ``annual_plan`` (the plan of the current year);
    completed year to date sums the reported monthly entries (submitted or verified) of ``year``,
    with the amended figure where an entry was amended.
    """
    today = today or timezone.localdate()
    year = year or today.year
    projects = Project.objects.filter(project_q(user, Action.VIEW))
    entries = ProgressEntry.objects.filter(
        project_q(user, Action.VIEW, "project__"), period__year=year, status__in=REPORTED
    )
    totals = projects.aggregate(count=Count("id"), total=_sum("total_investment"), plan=_sum("annual_plan"))
    completed = entries.aggregate(completed=_completed())["completed"]
    result = {
        "year": year,
        "as_of": today if year == today.year else datetime.date(year, 12, 31),
        "year_elapsed": year_fraction_elapsed(today) if year == today.year else Decimal("1.0000"),
        **_figures(totals["count"], totals["total"], totals["plan"], completed),
    }
    for dimension in DIMENSIONS:
        result[f"by_{dimension.name}"] = _breakdown(dimension, projects, entries)
    return result


def _breakdown(dimension, projects, entries):
    label_fields = [dimension.label] if dimension.label else []
    rows = projects.values(dimension.key, *label_fields).annotate(
        count=Count("id"), total=_sum("total_investment"), plan=_sum("annual_plan")
    )
    rows = rows.order_by(*((dimension.order, dimension.key) if dimension.order else ()))
    path = f"project__{dimension.key}"
    done = {row[path]: row["completed"] for row in entries.values(path).annotate(completed=_completed()).order_by()}
    found = {}
    for row in rows:
        key = row[dimension.key]
        found[key] = {
            "id": key,
            "name": row[dimension.label] if dimension.label else Stage(key).label,
            **_figures(row["count"], row["total"], row["plan"], done.get(key, ZERO)),
        }
        if key is None:
            found[key]["name"] = "未分类"
    if dimension.name == "stage":
        # Every stage, in the life-cycle order, so that charts keep their axis.
        return [found.get(stage) or {"id": stage, "name": Stage(stage).label, **_figures()} for stage in Stage.values]
    return list(found.values())
