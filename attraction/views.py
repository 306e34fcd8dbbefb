"""Pages for investment attraction: thin views over selectors (reads) and services (writes)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anshan_projects import parsing, periods
from projects.access import Action, can

from . import forms, selectors, services
from .choices import AssessmentMeasure, BulletinStatus, CadenceLevel


def _month(request, default=None):
    raw = request.GET.get("month")
    if raw:
        try:
            return periods.parse_month(raw)
        except ValidationError:
            pass
    return default or periods.previous_month(timezone.localdate())


def _region(request):
    key = request.GET.get("region")
    return selectors.region_get(user=request.user, key=key) if key else None


def _apply_errors(form, error):
    for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@login_required
def board(request):
    """The "四个一批" board: the four pools for the city and each county, and their flows in a month."""
    month = _month(request)
    region = _region(request)
    pools = selectors.pool_board(user=request.user, region=region)
    flows = selectors.pool_flows(user=request.user, month=month, region=region)
    chart = {
        "regions": [row["region"].name for row in pools["regions"]],
        "series": [
            {"name": label, "data": [row["pools"][stage]["count"] for row in pools["regions"]]}
            for stage, label in _pool_labels()
        ],
        "flows": [
            {"stage": label, "inflow": flows["pools"][stage]["inflow"], "outflow": flows["pools"][stage]["outflow"]}
            for stage, label in _pool_labels()
        ],
    }
    return render(request, "attraction/board.html", {
        "pools": pools, "flows": flows, "month": month, "region": region, "chart": chart,
        "pool_labels": _pool_labels(), "regions": selectors.visible_regions(user=request.user),
    })  # fmt: skip


def _pool_labels():
    from projects.choices import Stage

    return [(stage, Stage(stage).label) for stage in Stage.pools()]


@login_required
def record_list(request):
    page = Paginator(selectors.attraction_projects(user=request.user), 50).get_page(request.GET.get("page"))
    last = selectors.last_follow_ups(user=request.user, project_ids=[p.pk for p in page])
    rows = [{"project": p, "last": [last.get(p.pk, {}).get(level) for level in CadenceLevel.values]} for p in page]
    return render(request, "attraction/record_list.html", {"page": page, "rows": rows, "levels": CadenceLevel.labels})


@login_required
def record_detail(request, pk):
    project = selectors.attraction_project_get(user=request.user, pk=pk, action=Action.VIEW)
    record = selectors.record_for(user=request.user, project=project)
    may_change = can(request.user, Action.CHANGE, project)
    may_follow = may_change or can(request.user, Action.COMMENT, project)
    initial = (
        {f: getattr(record, f) for f in ("lead_source", "investor_region", "contacts_visited", "notes")}
        if record
        else {}
    )
    record_form = forms.RecordForm(initial=initial)
    follow_form = forms.FollowUpForm(initial={"followed_on": timezone.localdate()})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "record" and may_change:
                record_form = forms.RecordForm(request.POST)
                if record_form.is_valid():
                    services.record_save(user=request.user, project=project, **record_form.cleaned_data)
                    messages.success(request, "招商记录已保存。")
                    return redirect("attraction:record", pk=project.pk)
            elif request.POST.get("form") == "follow_up" and may_follow:
                follow_form = forms.FollowUpForm(request.POST)
                if follow_form.is_valid():
                    services.follow_up_add(user=request.user, project=project, **follow_form.cleaned_data)
                    messages.success(request, "调度记录已添加。")
                    return redirect("attraction:record", pk=project.pk)
            else:
                raise Http404
        except ValidationError as error:
            _apply_errors(record_form if request.POST.get("form") == "record" else follow_form, error)
        except PermissionDenied:
            raise Http404 from None
    return render(request, "attraction/record_detail.html", {
        "project": project, "record": record, "record_form": record_form, "follow_form": follow_form,
        "may_change": may_change, "may_follow": may_follow,
        "cadence": selectors.cadence_status(user=request.user, project=project),
        "follow_ups": selectors.follow_up_list(user=request.user, project=project)[:100],
    })  # fmt: skip


@login_required
def event_list(request):
    return render(request, "attraction/event_list.html", {
        "signing": selectors.signing_event_list(user=request.user)[:200],
        "starts": selectors.start_event_list(user=request.user)[:200],
    })  # fmt: skip


@login_required
def event_detail(request, kind, pk):
    if kind not in ("signing", "start"):
        raise Http404
    if kind == "signing":
        event = selectors.signing_event_get(user=request.user, pk=pk)
        lines, add = selectors.signing_lines(user=request.user, event=event), services.signing_line_add
    else:
        event = selectors.start_event_get(user=request.user, pk=pk)
        lines, add = selectors.start_lines(user=request.user, event=event), services.start_line_add
    projects = selectors.changeable_projects(user=request.user)
    form = forms.LineForm(projects=projects)
    if request.method == "POST":
        form = forms.LineForm(request.POST, projects=projects)
        if form.is_valid():
            try:
                project = selectors.attraction_project_get(user=request.user, pk=form.cleaned_data["project"],
                                                           action=Action.CHANGE)  # fmt: skip
                add(user=request.user, event=event, project=project, amount=form.cleaned_data["amount"])
                messages.success(request, "项目已加入活动。")
                return redirect("attraction:event", kind=kind, pk=event.pk)
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
    return render(request, "attraction/event_detail.html", {
        "event": event, "kind": kind, "lines": lines, "form": form, "may_add": bool(projects),
    })  # fmt: skip


@login_required
def capital(request):
    year = parsing.year(request.GET.get("year"), default=timezone.localdate().year)
    region = _region(request)
    monthly = selectors.capital_monthly(user=request.user, year=year, region=region)
    projects = selectors.changeable_projects(user=request.user)
    form = forms.CapitalForm(projects=projects)
    if request.method == "POST":
        form = forms.CapitalForm(request.POST, projects=projects)
        if form.is_valid():
            try:
                project = selectors.attraction_project_get(user=request.user, pk=form.cleaned_data["project"],
                                                           action=Action.CHANGE)  # fmt: skip
                _row, created = services.capital_record(user=request.user, project=project,
                                                     month=form.cleaned_data["month"],
                                                     amount=form.cleaned_data["amount"],
                                                     foreign_amount=form.cleaned_data.get("foreign_amount"))  # fmt: skip
                messages.success(request, "到位资金已填报。" if created else "到位资金已更正。")
                return redirect("attraction:capital")
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
    through = min(datetime.date(year, 12, 1), periods.month_start(timezone.localdate()))
    figures = selectors.region_figures(user=request.user, month=through) if through.year == year else None
    chart = {
        "months": [f"{m['month'].month}月" for m in monthly],
        "this_year": [None if m["amount"] is None else str(m["amount"]) for m in monthly],
        "last_year": [str(m["last_year"]) for m in monthly],
        "labels": [_("本年"), _("上年同月")],
    }
    recent = selectors.capital_list(user=request.user)[:30]
    return render(request, "attraction/capital.html", {
        "year": year, "monthly": monthly, "figures": figures, "form": form, "may_enter": bool(projects),
        "chart": chart, "recent": recent, "region": region, "through": through, "figure_rows": _ranked(figures),
    })  # fmt: skip


def _ranked(figures):
    """Region rows by rank, then the total row."""
    if figures is None:
        return []
    return [*sorted(figures["rows"], key=lambda r: r["rank"]), figures["total"]]


@login_required
def targets(request):
    today = timezone.localdate()
    year = parsing.year(request.GET.get("year"), default=today.year)
    through = min(datetime.date(year, 12, 1), periods.month_start(today))
    form = forms.TargetForm(initial={"year": year})
    is_admin = selectors.is_admin(request.user)
    if request.method == "POST":
        if not is_admin:
            raise Http404
        form = forms.TargetForm(request.POST)
        if form.is_valid():
            try:
                services.target_set(user=request.user, **form.cleaned_data)
                messages.success(request, "年度目标已保存。")
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
            except ValidationError as error:
                _apply_errors(form, error)
    figures = selectors.region_figures(user=request.user, month=through)
    chart = {
        "regions": [r["region"].name for r in figures["rows"]],
        "capital": [str(r["capital_ytd"]) for r in figures["rows"]],
        "target": [str(r["target_capital"] or 0) for r in figures["rows"]],
        "labels": [_("累计到位资金"), _("年度目标")],
    }
    return render(request, "attraction/targets.html", {
        "year": year, "through": through, "figures": figures, "form": form, "is_admin": is_admin, "chart": chart,
        "figure_rows": _ranked(figures),
    })  # fmt: skip


@login_required
def bulletin_list(request):
    if not selectors.can_use_bulletins(request.user):
        raise Http404
    form = forms.BulletinForm(initial={"month": f"{periods.previous_month(timezone.localdate()):%Y-%m}"})
    if request.method == "POST":
        form = forms.BulletinForm(request.POST)
        if form.is_valid():
            try:
                _run, queued = services.bulletin_request(user=request.user, month=form.cleaned_data["month"])
                messages.success(request, "月报已排队生成。" if queued else "当前数据的月报已存在。")
                return redirect("attraction:bulletins")
            except ValidationError as error:
                _apply_errors(form, error)
    runs = selectors.bulletin_list(user=request.user)[:100]
    return render(request, "attraction/bulletin_list.html", {"runs": runs, "form": form, "done": BulletinStatus.DONE})


@login_required
@require_POST
def bulletin_generate(request):
    return bulletin_list(request)


@login_required
def bulletin_download(request, pk, kind):
    run = selectors.bulletin_get(user=request.user, pk=pk)
    if kind not in ("xlsx", "pdf"):
        raise Http404
    field = getattr(run, kind)
    if run.status != BulletinStatus.DONE or not field:
        raise Http404("月报尚未生成。")
    return FileResponse(field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1])


# --- chains, assessment, overdue follow-ups (helper "chains") ---------------------------------------
@login_required
def chains(request):
    """The 12 chains, 4 clusters and 8 featured industries with their projects, investment and leads."""
    return render(request, "attraction/chains.html", {"kinds": selectors.chain_rollup(user=request.user)})


@login_required
def chain_map(request, pk):
    """One chain's map: upstream targets → the chain and its members → downstream targets, and its
    leads and projects."""
    chain = selectors.chain_get(pk=pk)
    return render(request, "attraction/chain_map.html", selectors.chain_map(user=request.user, chain=chain))


@login_required
def assessment(request):
    """The yearly assessment of counties and zones (score, grade), YoY by category, capital by origin."""
    today = timezone.localdate()
    year = parsing.year(request.GET.get("year"), default=today.year)
    result = selectors.assessment(user=request.user, year=year, today=today)
    origin = selectors.capital_by_origin(user=request.user, month=result["through"])
    labels = dict(AssessmentMeasure.choices)
    return render(request, "attraction/assessment.html", {
        **result,
        "indicator_rows": [{"label": labels.get(m, m), "weight": w, "cap": c} for m, w, c in result["indicators"]],
        "categories": selectors.category_year_on_year(user=request.user, day=today),
        "origin": origin,
        "overdue_count": selectors.overdue_follow_up_count(user=request.user, today=today),
        "circulations": selectors.circulation_list(user=request.user)[:12],
        "is_admin": selectors.is_admin(request.user),
    })  # fmt: skip


@login_required
def follow_ups_overdue(request):
    """City-wide list (in the user's scope) of "四调法" follow-ups overdue for their cadence."""
    rows = selectors.overdue_follow_up_list(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "attraction/follow_ups_overdue.html", {"page": page, "rows": page.object_list,
                                                                    "count": len(rows)})  # fmt: skip
