"""Navigation and small display helpers shared by every page."""

import functools

from django import template
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from common import figures, formats
from insights.definitions import DEFINITIONS_BY_KEY
from projects.access import has_role

register = template.Library()

# (label, path, staff only). An area appears once its app serves a page at that path.
NAV = [
    (_("首页"), "/", False),
    (_("驾驶舱"), "/dashboard/", False),
    (_("项目库"), "/projects/", False),
    (_("进度填报"), "/progress/", False),
    (_("手续工作台"), "/progress/procedures/queue/", False),
    (_("招商引资"), "/attraction/", False),
    (_("预警督办"), "/supervision/", False),
    (_("调度"), "/dispatch/", False),
    (_("报表中心"), "/dispatch/reports/", False),
    (_("统计口径"), "/dashboard/definitions/", False),
    (_("消息"), "/inbox/", False),
    (_("帮办代办"), "/assistance/", False),
    (_("系统管理"), "/admin/", True),
    (_("形象调度"), "/dashboard/photos/", False),
    (_("我的包保项目"), "/dashboard/my-projects/", False),
]
# Areas shown only to holders of these roles (administrators see them too).
NAV_ROLES = {"/dashboard/my-projects/": ("steward", "city_leader", "county_leader")}


@functools.cache
def _served(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def main_nav(context):
    request = context["request"]
    user = request.user
    current = request.path
    items = []
    for label, path, staff_only in NAV:
        if (staff_only and not user.is_staff) or not _served(path):
            continue
        if path in NAV_ROLES and not has_role(user, *NAV_ROLES[path]):
            continue
        items.append(
            {"label": label, "path": path, "badge": context.get("unread_notifications") if path == "/inbox/" else None}
        )
    # The longest matching prefix is the current area.
    active = max((i["path"] for i in items if current.startswith(i["path"])), key=len, default=None)
    for item in items:
        item["active"] = item["path"] == active
    return {"items": items}


@register.filter
def yi(value):
    """万元 -> 亿元 with two places, for large totals (Decimal, never float)."""
    if value in (None, ""):
        return "—"
    return f"{figures.yi(value):,}"


register.filter("wan", formats.wan)  # 万元 with thousands separators and two places


@register.inclusion_tag("portal/_definition.html")
def definition(key, scope=None):
    """A figure's definition (insights.definitions), as a disclosure that works by touch and keyboard."""
    return {"definition": DEFINITIONS_BY_KEY[key], "scope": scope}


# A rate (a ratio) as the one percent display of every surface (common.figures.percent).
register.filter("percent", figures.percent)


@register.simple_tag(takes_context=True)
def project_time_saved(context, project):
    """(days saved, days late) of a project (insights.definitions "time_saved"), for the procedure panel
    of investment, which sits below insights and so cannot read the measure itself."""
    from insights.selectors import project_time_saved as measure

    return measure(user=context["request"].user, project=project)
