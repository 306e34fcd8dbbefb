import datetime
import tempfile
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from assistance import selectors as assistance_selectors
from common import parsing
from common.replica import replica_view
from common.spreadsheets import StreamingWorkbook
from dispatch import selectors as dispatch_selectors
from insights import definitions
from insights import selectors as insights_selectors
from investment import selectors as investment_selectors
from projects import selectors as project_selectors
from projects.access import (  # noqa: F401 - re-exported
    DASHBOARD_ROLES,
    has_role,
    is_county_user,
    is_portfolio_user,
    is_report_manager_only,
)
from projects.choices import KeyLevel, Stage
from projects.views import month_names

from . import selectors
from .forms import LaggingFilterForm, ProblemFilterForm

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


@login_required
def home(request):
    if is_report_manager_only(request.user):
        return redirect("dispatch:reports")
    if is_portfolio_user(request.user):
        return redirect("portal:my-projects")
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
        {
            "todo": lists,
            "period": todo["period"],
            "counts": todo["counts"],
            "open_notices": list(dispatch_selectors.open_notices(user=request.user)[:TODO_LIMIT]),
            **_photo_todo(request.user),
        },
    )


def _photo_todo(user):
    """The to-do's 形象调度 panel: this week's projects of the county still owing site photos."""
    from common.periods import week
    from investment import selectors as investment_selectors

    start = week(timezone.localdate())[0]
    rows = list(investment_selectors.photo_week_list(user=user, week=start, posted=False)[: TODO_LIMIT + 1])
    return {"photo_week": start, "photo_due": {"rows": rows[:TODO_LIMIT], "more": len(rows) > TODO_LIMIT}}


def chart_labels(year=None):
    year = year or timezone.localdate().year
    return {
        "plan": gettext("年度计划"),
        "done": gettext("已完成"),
        "rate": gettext("完成率"),
        "count": gettext("项目数"),
        "unit": gettext("万元"),
        "months": month_names(),
        "this_year": gettext("%(year)s年") % {"year": year},
        "last_year": gettext("%(year)s年") % {"year": year - 1},
        "problems": gettext("未解决问题"),
    }


def dashboard_as_of(request):
    """The dashboard's date (``?as_of=YYYY-MM-DD``, or a past ``?year=YYYY``: its last day) and the
    moment its progress figures are as known (the end of that day; None for today: the live figures).
    A date after today is bad input (400, naming the field)."""
    today = timezone.localdate()
    as_of = parsing.optional_day(request.GET.get("as_of"), field="as_of")
    year = parsing.optional_year(request.GET.get("year"), field="year")
    if as_of is None and year is not None:
        if year > today.year:
            raise parsing.ParseError("year", gettext("年度不能晚于今年。"))
        as_of = min(datetime.date(year, 12, 31), today)
    if as_of is None or as_of == today:
        return today, None
    if as_of > today:
        raise parsing.ParseError("as_of", gettext("截至日期不能晚于今天。"))
    moment = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
    return as_of, moment


@login_required
@replica_view
def dashboard(request):
    user = request.user
    today, known_at = dashboard_as_of(request)
    cached = selectors.dashboard_figures(user=user, today=today, known_at=known_at)
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
        "problems_overdue": f"{reverse('portal:problems')}?overdue=1",
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
        "labels": chart_labels(cached["figures"]["reporting_month"].year),
        "region": chart_rows(by_region),
        "sector": chart_rows(by_sector),
        "category": chart_rows(by_category),
        "trend": {
            "months": trend["months"],
            "this_year": [str(v) for v in trend["this_year"]],
            "last_year": [str(v) for v in trend["last_year"]],
            "year": cached["figures"]["reporting_month"].year,
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
            "problems_overdue": cached.get("problems_overdue", 0),
            "capital": capital,
            "photos": photos,
            "links": links,
            "chart_data": chart_data,
            "scope_text": selectors.scope_label(user),
            # One aggregate, outside the dashboard cache: the procedure tables are not in its data version.
            "time_saved": insights_selectors.time_saved_totals(user=user),
            "links_time_saved": reverse("portal:procedure-time-saved"),
            "today": today,
            "as_of_past": known_at is not None,
            "real_today": timezone.localdate(),
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "scope": project_selectors.scope_of(user=user),
            "stale_since": cached["computed_at"] if cached.get("stale") else None,
            # 包保服务 (帮办代办) this year, per county: two aggregates over the user's tasks, outside the cache.
            "service": dict(
                zip(
                    ("regions", "total"),
                    assistance_selectors.task_figures(user=user, by="region", start=today.replace(month=1, day=1)),
                    strict=True,
                ),
                url=reverse("assistance:tasks"),
            ),
            # A department's warning notices still to acknowledge or rectify (its to-do).
            "open_notices": list(dispatch_selectors.open_notices(user=user)[:10]),
        },
    )


def _lagging(request):
    form = LaggingFilterForm(request.GET or None, user=request.user)
    return form, selectors.lagging_projects(user=request.user, **form.filters())


@login_required
def lagging_list(request):
    form, qs = _lagging(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/lagging_list.html",
        {
            "page": page,
            "form": form,
            "querystring": query.urlencode(),
            "filtered": form.has_changed(),
            "scope": selectors.scope_label(request.user),
        },
    )


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


LAGGING_HEADERS = [
    gettext_noop("项目名称"), gettext_noop("县区"), gettext_noop("产业"), gettext_noop("项目类别"),
    gettext_noop("年度计划(万元)"), gettext_noop("应完成(万元)"), gettext_noop("已完成(万元)"),
    gettext_noop("完成率"), gettext_noop("序时进度"), gettext_noop("落后(百分点)"), gettext_noop("差额(万元)"),
]  # fmt: skip


@login_required
def lagging_export(request):
    """What the lagging list shows (same filters, same order), every row, as xlsx."""
    _form, qs = _lagging(request)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    with StreamingWorkbook(handle) as book:
        sheet = book.sheet(
            gettext("滞后项目"),
            [gettext(h) for h in LAGGING_HEADERS],
            money_columns={4, 5, 6, 10},
            percent_columns={7, 8},
            widths={0: 40},
        )
        for p in qs.iterator(chunk_size=2000):
            sheet.write(
                [
                    p.name,
                    str(p.region),
                    str(p.sector) if p.sector else "",
                    str(p.category),
                    p.annual_plan,
                    p.expected_ytd,
                    p.completed_ytd,
                    p.completion_rate,
                    p.time_progress,
                    p.behind,
                    p.gap,
                ]
            )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"lagging-{timezone.localdate():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


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


def _problems(request):
    form = ProblemFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    filters["min_days"] = _int_param(request, "min_days", 0)
    filters["max_days"] = _int_param(request, "max_days")
    return form, filters, selectors.open_problems(user=request.user, **filters)


@login_required
def problem_list(request):
    """Open problems: by age (the dashboard's buckets), past their deadline, by unit and county."""
    form, filters, qs = _problems(request)
    group_by = form.group_by()
    groups = selectors.problems_grouped(qs, by=group_by)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    group_param = "unit" if group_by == "unit" else "region"
    base = request.GET.copy()
    for name in ("page", "unit", "region"):
        base.pop(name, None)
    for group in groups:
        params = base.copy()
        params[group_param] = group["key"]
        group["url"] = f"?{params.urlencode()}"
    return render(
        request,
        "portal/problem_list.html",
        {
            "page": page,
            "form": form,
            "groups": groups,
            "group_by": group_by,
            "min_days": filters["min_days"],
            "max_days": filters["max_days"],
            "overdue": filters["overdue"],
            "querystring": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


PROBLEM_HEADERS = [
    gettext_noop("项目名称"), gettext_noop("县区"), gettext_noop("问题描述"), gettext_noop("责任单位"),
    gettext_noop("调度层级"), gettext_noop("提出日期"), gettext_noop("完成时限"), gettext_noop("超过时限(天)"),
]  # fmt: skip


@login_required
def problem_export(request):
    """What the problems list shows (same filters, same order), every row, as xlsx."""
    _form, _filters, qs = _problems(request)
    today = timezone.localdate()
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    with StreamingWorkbook(handle) as book:
        sheet = book.sheet(gettext("未解决问题"), [gettext(h) for h in PROBLEM_HEADERS], widths={0: 36, 2: 50, 3: 24})
        for p in qs.iterator(chunk_size=2000):
            late = (today - p.deadline).days
            sheet.write(
                [
                    p.project.name,
                    str(p.project.region),
                    p.description,
                    p.responsible_unit,
                    p.get_tier_display(),
                    timezone.localtime(p.created_at).date(),
                    p.deadline,
                    late if late > 0 else None,
                ]
            )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"problems-{today:%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def procedure_time_saved(request):
    """Days saved by the procedure engine per county and for the user's whole scope (the city)."""
    return render(
        request,
        "portal/procedure_time_saved.html",
        {"totals": insights_selectors.time_saved_totals(user=request.user)},
    )


PORTFOLIO_PAGE = 100


@login_required
def my_projects(request):
    """我的包保项目: the projects naming the user (steward, city or county leader), in every county, with
    their light, stage, open problems, procedures due, the filing month's entry and what changed since
    the last visit (remembered per user)."""
    from projects import services as project_services

    previous = project_services.portfolio_visit_mark(user=request.user)
    since = selectors.portfolio_since(previous)
    page = Paginator(selectors.portfolio_projects(user=request.user), PORTFOLIO_PAGE).get_page(request.GET.get("page"))
    projects = list(page.object_list)
    ids = [p.pk for p in projects]
    counts = selectors.portfolio_counts(user=request.user, project_ids=ids, since=since)
    open_tasks = assistance_selectors.open_task_counts(request.user, ids)  # 帮办代办 still open, per project
    role_labels = {"steward": gettext("项目管家"), "city_leader": gettext("市级包保领导"),
                   "county_leader": gettext("县级包保领导")}  # fmt: skip
    rows = []
    for project in projects:
        roles = [label for field, label in role_labels.items() if getattr(project, f"{field}_id") == request.user.pk]
        rows.append(
            {"project": project, "roles": roles, "open_tasks": open_tasks.get(project.pk, 0), **counts[project.pk]}
        )
    return render(
        request,
        "portal/my_projects.html",
        {"page": page, "rows": rows, "since": since, "first_visit": previous is None,
         "period": investment_selectors.filing_month()},
    )  # fmt: skip
