from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from anshan_projects import parsing
from anshan_projects.replica import replica_view
from insights import definitions
from insights import selectors as insights_selectors
from projects import selectors as project_selectors
from projects.access import has_role
from projects.choices import KeyLevel, Role, Stage
from projects.views import month_names

from . import selectors

DASHBOARD_ROLES = (Role.ADMIN, Role.LEADERSHIP, Role.SPECIAL_GROUP, Role.DEPARTMENT, Role.REPORT_MANAGER)
TODO_LIMIT = 20


def _projects_url(**params):
    query = urlencode(
        [(k, v) for k, values in params.items() for v in (values if isinstance(values, list) else [values])]
    )
    return f"{reverse('projects:list')}?{query}"


def _problems_url(bucket):
    params = {"min_days": bucket["min_days"]}
    if bucket["max_days"] is not None:
        params["max_days"] = bucket["max_days"]
    return f"{reverse('portal:problems')}?{urlencode(params)}"


def _int_param(request, name, default=None):
    # Days of age: a century is more than any problem has; beyond it, date arithmetic overflows.
    value = parsing.optional_integer(request.GET.get(name), field=name, min_value=0, max_value=36500)
    return default if value is None else value


def is_county_user(user):
    """County staff and reviewers land on their to-do; everybody else on the dashboard."""
    return (
        has_role(user, Role.COUNTY_STAFF, Role.COUNTY_REVIEWER)
        and not user.is_superuser
        and not has_role(user, *DASHBOARD_ROLES)
    )


def is_report_manager_only(user):
    """Report managers who read no projects land on the report centre."""
    return (
        has_role(user, Role.REPORT_MANAGER)
        and not user.is_superuser
        and not has_role(user, Role.ADMIN, Role.LEADERSHIP, Role.SPECIAL_GROUP, Role.DEPARTMENT)
        and not has_role(user, Role.COUNTY_STAFF, Role.COUNTY_REVIEWER)
    )


@login_required
def home(request):
    if is_report_manager_only(request.user):
        return redirect("dispatch:reports")
    if not is_county_user(request.user):
        return redirect("portal:dashboard")
    todo = selectors.county_todo(user=request.user, limit=TODO_LIMIT + 1)
    lists = {}
    for name in ("due", "drafts", "returned", "to_verify", "problems"):
        rows = list(todo[name][: TODO_LIMIT + 1])
        lists[name] = {"rows": rows[:TODO_LIMIT], "more": len(rows) > TODO_LIMIT}
    return render(
        request,
        "portal/home.html",
        {"todo": lists, "period": todo["period"], "counts": todo["counts"]},
    )


def chart_labels():
    return {
        "plan": gettext("年度计划"),
        "done": gettext("已完成"),
        "rate": gettext("完成率"),
        "count": gettext("项目数"),
        "unit": gettext("万元"),
        "months": month_names(),
        "this_year": gettext("%(year)s年") % {"year": timezone.localdate().year},
        "last_year": gettext("%(year)s年") % {"year": timezone.localdate().year - 1},
        "problems": gettext("未解决问题"),
    }


@login_required
@replica_view
def dashboard(request):
    user, today = request.user, timezone.localdate()
    cached = selectors.dashboard_figures(user=user, today=today)
    figures, trend, lagging = cached["figures"], cached["trend"], cached["lagging"]
    by_region, by_sector, by_category = cached["by_region"], cached["by_sector"], cached["by_category"]
    problems, capital, photos = cached["problems"], cached["capital"], cached["photos"]
    for bucket in problems:
        bucket["url"] = _problems_url(bucket)
    building = [Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING]
    for row in by_region:
        row["url"] = _projects_url(region=row["key"], stage=building)
    for row in by_sector:
        row["url"] = _projects_url(sector=row["id"], stage=building)
    for row in by_category:
        row["url"] = _projects_url(category=row["id"], stage=building)
    pools = [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "count": figures[f"{stage}_count"],
            "total": figures[f"{stage}_total"],
            "url": _projects_url(stage=stage),
        }
        for stage in Stage.values
    ]
    links = {
        "started": reverse("portal:started"),
        "definitions": reverse("portal:definitions"),
        "building": _projects_url(stage=building),
        "all": reverse("projects:list"),
        "lagging": reverse("portal:lagging"),
        "capital": reverse("attraction:capital"),
    }

    def chart_rows(rows):
        return [
            {
                "name": r["name"],
                "plan": str(r["plan"]),
                "done": str(r["done"]),
                "rate": str(r["rate"] or 0),
                "url": r["url"],
            }
            for r in rows
        ]

    chart_data = {
        "labels": chart_labels(),
        "region": chart_rows(by_region),
        "sector": chart_rows(by_sector),
        "category": chart_rows(by_category),
        "trend": {
            "months": trend["months"],
            "this_year": [str(v) for v in trend["this_year"]],
            "last_year": [str(v) for v in trend["last_year"]],
            "year": today.year,
        },
        "problems": [{"label": gettext(b["label"]), "count": b["count"], "url": b["url"]} for b in problems],
        "pools": [
            {"label": p["label"], "count": p["count"], "total": str(p["total"]), "url": p["url"]}
            for p in pools
            if p["stage"] in Stage.pools()
        ],
    }
    return render(
        request,
        "portal/dashboard.html",
        {
            "figures": figures,
            "pools": pools,
            "pool_cards": [p for p in pools if p["stage"] in Stage.pools()],
            "by_region": by_region,
            "by_sector": by_sector,
            "by_category": by_category,
            "lagging": lagging,
            "problems": problems,
            "capital": capital,
            "photos": photos,
            "links": links,
            "chart_data": chart_data,
            "scope": selectors.scope_label(user),
            # One aggregate, outside the dashboard cache: the procedure tables are not in its data version.
            "time_saved": insights_selectors.time_saved_totals(user=user),
            "links_time_saved": reverse("portal:procedure-time-saved"),
            "today": today,
            "stale_since": cached["computed_at"] if cached.get("stale") else None,
        },
    )


@login_required
def lagging_list(request):
    page = Paginator(selectors.lagging_projects(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "portal/lagging_list.html", {"page": page, "scope": selectors.scope_label(request.user)})


@login_required
def started_list(request):
    """The key projects started or resumed this year: the list behind the dashboard's 开复工 figure."""
    page = Paginator(selectors.started_projects(user=request.user), 50).get_page(request.GET.get("page"))
    threshold = project_selectors.key_thresholds()[KeyLevel.CITY]
    return render(
        request,
        "portal/started_list.html",
        {"page": page, "threshold": threshold, "scope": selectors.scope_label(request.user)},
    )


@login_required
def definitions_page(request):
    """统计口径说明: every measure's definition, from insights.definitions (the reports' sheet too)."""
    return render(request, "portal/definitions.html", {"definitions": definitions.DEFINITIONS})


@login_required
def project_investment(request, pk):
    """Plan vs completion of one project this year, for the chart on the project page."""
    project = project_selectors.project_get(user=request.user, pk=pk)
    data = selectors.project_investment(user=request.user, project=project)
    return JsonResponse(
        {
            "months": data["months"],
            "plan": [str(v) for v in data["plan"]],
            "done": [str(v) for v in data["done"]],
            "annual_plan": str(data["annual_plan"]),
        }
    )


@login_required
def problem_list(request):
    """Open problems by age: the list behind the dashboard's age chart."""
    min_days = _int_param(request, "min_days", 0)
    max_days = _int_param(request, "max_days")
    qs = selectors.problems_by_age(user=request.user, min_days=min_days, max_days=max_days)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("min_days", min_days), ("max_days", max_days)) if v is not None})
    return render(
        request,
        "portal/problem_list.html",
        {"page": page, "min_days": min_days, "max_days": max_days, "querystring": query, "today": timezone.localdate()},
    )


@login_required
def procedure_time_saved(request):
    """Days saved by the procedure engine per county and for the user's whole scope (the city)."""
    return render(
        request,
        "portal/procedure_time_saved.html",
        {"totals": insights_selectors.time_saved_totals(user=request.user)},
    )
