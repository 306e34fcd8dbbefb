from decimal import Decimal

from django import template

from common import periods
from projects.choices import Stage

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def stage_label(value):
    return Stage(value).label if value in Stage.values else ""


@register.filter
def percent(value):
    """A fraction as a percentage, "—" when there is none."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.1f}%"


@register.filter
def yoy(value, current):
    """Year-on-year change; no base last year reads "新增" when there is something this year."""
    if value is None:
        return "新增" if current else "—"
    return f"{Decimal(value) * 100:+.1f}%"


@register.filter
def yi(value):
    """万元 as 亿元."""
    return f"{Decimal(value or 0) / Decimal(10000):,.2f}"


@register.filter
def money(value):
    """万元 with thousands separators and two places (humanize's intcomma does not group for zh-hans)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.inclusion_tag("attraction/_target_summary.html", takes_context=True)
def attraction_target_summary(context):
    """Completion of this year's attraction targets in the user's scope, for dashboards:
    {% load attraction_tags %}{% attraction_target_summary %}"""
    from django.utils import timezone

    from attraction import selectors

    user = context["request"].user
    figures = selectors.region_figures(user=user, month=periods.month_start(timezone.localdate()))
    return {"total": figures["total"], "month": figures["month"]}


# --- the organisation of attraction -------------------------------------------------------------------
@register.inclusion_tag("attraction/_definition.html")
def org_definition(key):
    """A figure's definition (insights.definitions), as a disclosure (the same markup as the portal's)."""
    from insights.definitions import DEFINITIONS_BY_KEY

    return {"definition": DEFINITIONS_BY_KEY[key]}


@register.filter
def share(value):
    """A ratio through the one percent display (common.figures.percent), "—" without one."""
    from common import figures

    return "—" if value is None else figures.percent(value)
