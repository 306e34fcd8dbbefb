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

from common import parsing, periods
from projects.access import Action, can, may_act_in_region

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


def _event_and_lines(request, kind, pk):
    if kind not in ("signing", "start"):
        raise Http404
    if kind == "signing":
        event = selectors.signing_event_get(user=request.user, pk=pk)
        return event, selectors.signing_lines(user=request.user, event=event), services.signing_line_add
    event = selectors.start_event_get(user=request.user, pk=pk)
    return event, selectors.start_lines(user=request.user, event=event), services.start_line_add


@login_required
def event_detail(request, kind, pk):
    """An event and its projects. Adding a project whose stage the event moves (签约, 在建) takes a
    confirmation step: the user chooses to record the stage change with the event's date, or not."""
    from projects.choices import Stage

    event, lines, add = _event_and_lines(request, kind, pk)
    projects = selectors.event_projects(user=request.user)
    form = forms.LineForm(projects=projects, kind=kind)
    confirm = None
    if request.method == "POST":
        form = forms.LineForm(request.POST, projects=projects, kind=kind)
        if form.is_valid():
            try:
                project = selectors.attraction_project_get(user=request.user, pk=form.cleaned_data["project"],
                                                           action=Action.CHANGE)  # fmt: skip
                target = services.event_stage_target(kind, project)
                decision = form.cleaned_data["decision"]
                if target and not decision:
                    confirm = {"project": project, "from": project.get_stage_display(), "to": Stage(target).label}
                else:
                    extra = {"move_stage": bool(target) and decision == "move"}
                    if kind == "start":
                        extra["start_type"] = form.cleaned_data.get("start_type", "")
                    add(user=request.user, event=event, project=project, amount=form.cleaned_data["amount"], **extra)
                    if extra["move_stage"]:
                        messages.success(
                            request, _("项目已加入活动,阶段已变更为“%(stage)s”。") % {"stage": Stage(target).label}
                        )
                    else:
                        messages.success(request, _("项目已加入活动。"))
                    return redirect("attraction:event", kind=kind, pk=event.pk)
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
    rows = [{"line": line, "may_remove": can(request.user, Action.CHANGE, line.project)} for line in lines]
    return render(request, "attraction/event_detail.html", {
        "event": event, "kind": kind, "rows": rows, "form": form, "may_add": bool(projects), "confirm": confirm,
    })  # fmt: skip


@login_required
def event_line_remove(request, kind, pk, line_pk):
    """Take a project off an event; when the line moved its stage, ask whether to undo that, with a reason."""
    event, lines, _add = _event_and_lines(request, kind, pk)
    line = lines.select_related("stage_change", "event").filter(pk=line_pk).first()
    if line is None or not can(request.user, Action.CHANGE, line.project):
        raise Http404
    form = forms.LineRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_line_remove(user=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("项目已移出活动。"))
            return redirect("attraction:event", kind=kind, pk=event.pk)
    return render(request, "attraction/line_remove.html", {"event": event, "kind": kind, "line": line, "form": form},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


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


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
def _year(request):
    try:
        return parsing.optional_year(request.GET.get("year")) or timezone.localdate().year
    except (ValidationError, parsing.ParseError):
        return timezone.localdate().year


@login_required
def task_force_list(request):
    year = _year(request)
    return render(request, "attraction/task_force_list.html",
                  {"task_forces": selectors.task_force_list(user=request.user, year=year), "year": year})  # fmt: skip


@login_required
def task_force_detail(request, pk):
    year = _year(request)
    task_force = selectors.task_force_get(user=request.user, pk=pk, year=year)
    form = forms.MeetingForm(initial={"held_on": timezone.localdate()})
    may_record = may_act_in_region(request.user, Action.CHANGE, task_force.region_id)
    if request.method == "POST":
        if not may_record:
            raise Http404
        form = forms.MeetingForm(request.POST)
        if form.is_valid():
            try:
                services.task_force_meeting_add(user=request.user, task_force=task_force, **form.cleaned_data)
                messages.success(request, _("会议已记录。"))
                return redirect("attraction:task-force", pk=task_force.pk)
            except ValidationError as error:
                _apply_errors(form, error)
    return render(request, "attraction/task_force_detail.html", {
        "tf": task_force, "year": year, "form": form, "may_record": may_record,
        "members": list(task_force.members.all()), "sectors": list(task_force.sectors.all()),
        "projects": selectors.task_force_projects(user=request.user, task_force=task_force)[:300],
        "meetings": selectors.task_force_meetings(user=request.user, task_force=task_force)[:100],
        "events": selectors.outreach_list(user=request.user).filter(task_force=task_force)[:100],
    })  # fmt: skip


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
def zone_list(request):
    year = _year(request)
    return render(request, "attraction/zone_list.html",
                  {"zones": selectors.zone_list(user=request.user, year=year), "year": year})  # fmt: skip


@login_required
def zone_detail(request, pk):
    year = _year(request)
    zone = selectors.zone_get(user=request.user, pk=pk, year=year)
    return render(request, "attraction/zone_detail.html", {
        "zone": zone, "year": year, "sectors": list(zone.sectors.all()),
        "projects": selectors.zone_projects(user=request.user, zone=zone)[:300],
    })  # fmt: skip


@login_required
def fund_overview(request):
    year = _year(request)
    summary = selectors.fund_summary(user=request.user, year=year)
    mine = [b for b in summary["budgets"] if may_act_in_region(request.user, Action.CHANGE, b.region_id)]
    form = forms.SpendingForm(budgets=mine, initial={"spent_on": timezone.localdate()})
    if request.method == "POST":
        if not mine:
            raise Http404
        form = forms.SpendingForm(request.POST, request.FILES, budgets=mine)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file")
            try:
                spending = services.spending_submit(user=request.user, attachments=[upload] if upload else [], **data)
                messages.success(request, _("支出已提交审批。"))
                return redirect("attraction:spending", pk=spending.pk)
            except ValidationError as error:
                _apply_errors(form, error)
    return render(request, "attraction/fund_overview.html", {
        "summary": summary, "year": year, "form": form if mine else None,
        "spendings": selectors.spending_list(user=request.user, year=year)[:300],
    })  # fmt: skip


@login_required
def spending_detail(request, pk):
    spending = selectors.spending_get(user=request.user, pk=pk)
    may_decide = spending.status == "submitted" and may_act_in_region(
        request.user, Action.VERIFY, spending.budget.region_id
    )
    form = forms.DecisionForm()
    if request.method == "POST":
        if not may_decide:
            raise Http404
        form = forms.DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.spending_decide(user=request.user, spending=spending, **form.cleaned_data)
                messages.success(request, _("审批已保存。"))
                return redirect("attraction:spending", pk=spending.pk)
            except ValidationError as error:
                _apply_errors(form, error)
    return render(request, "attraction/spending_detail.html", {
        "spending": spending, "attachments": selectors.spending_attachments(spending=spending),
        "form": form, "may_decide": may_decide,
    })  # fmt: skip


@login_required
def spending_attachment(request, pk, attachment_pk):
    spending = selectors.spending_get(user=request.user, pk=pk)
    attachment = next((a for a in selectors.spending_attachments(spending=spending) if a.pk == attachment_pk), None)
    if attachment is None:
        raise Http404("附件不存在。")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def investor_list(request):
    phases = selectors.phase_list(user=request.user)
    return render(request, "attraction/investor_list.html", {
        "investors": selectors.investor_list(user=request.user)[:500],
        "reinvestment": selectors.reinvestment(user=request.user), "phases": phases[:200],
    })  # fmt: skip


@login_required
def investor_detail(request, pk):
    investor = selectors.investor_get(user=request.user, pk=pk)
    # Regions the user may record a visit for (a city-wide recorder also records city-level visits).
    region_choices = [r for r in selectors.visible_regions(user=request.user)
                      if may_act_in_region(request.user, Action.CHANGE, r.pk)]  # fmt: skip
    may_record = bool(region_choices)
    form = forms.VisitForm(regions=region_choices, initial={"visited_on": timezone.localdate()})
    if request.method == "POST":
        if not may_record:
            raise Http404
        form = forms.VisitForm(request.POST, regions=region_choices)
        if form.is_valid():
            try:
                services.visit_add(user=request.user, investor=investor, **form.cleaned_data)
                messages.success(request, _("回访已记录。"))
                return redirect("attraction:investor", pk=investor.pk)
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied:
                form.add_error("region", _("您只能记录本县区的回访。"))
    return render(request, "attraction/investor_detail.html", {
        "investor": investor, "form": form, "may_record": may_record,
        "projects": selectors.investor_projects(user=request.user, investor=investor)[:300],
        "visits": selectors.visit_list(user=request.user, investor=investor)[:200],
        "phases": selectors.phase_list(user=request.user).filter(investor=investor),
    })  # fmt: skip


@login_required
def outreach_list(request):
    from .choices import OutreachKind

    year = _year(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in OutreachKind.values else None
    page = Paginator(selectors.outreach_list(user=request.user, year=year, kind=kind), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "attraction/outreach_list.html", {
        "page": page, "year": year, "kind": kind, "kinds": OutreachKind.choices,
        "monthly": selectors.outreach_monthly(user=request.user, year=year),
    })  # fmt: skip


@login_required
def outreach_detail(request, pk):
    event = selectors.outreach_get(user=request.user, pk=pk)
    return render(request, "attraction/outreach_detail.html", {
        "event": event, "participants": selectors.outreach_participants(event=event),
        "projects": selectors.outreach_projects(user=request.user, event=event),
        "spending": selectors.outreach_spending(user=request.user, event=event),
    })  # fmt: skip


@login_required
def follow_ups_overdue(request):
    """City-wide list (in the user's scope) of "四调法" follow-ups overdue for their cadence."""
    rows = selectors.overdue_follow_up_list(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "attraction/follow_ups_overdue.html", {"page": page, "rows": page.object_list,
                                                                    "count": len(rows)})  # fmt: skip
