"""Pages under /dispatch/: groups, rounds, report centre, warning notices, quarterly ranking.
Thin: reads through selectors with the user, writes through one service each."""

import shutil
import tempfile
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common import parsing

from . import selectors, services
from .api.views import report_file_response
from .choices import ReportFormat, ReportStatus
from .forms import EvaluationForm, NoticeFollowUpForm, WarningNoticeForm
from .schedules import schedule_words
from .services import QueueUnavailable


def _group_filter(request):
    group_id = parsing.optional_object_id(request.GET.get("group"), field="group")
    return selectors.group_get(user=request.user, pk=group_id) if group_id else None


@login_required
def group_list(request):
    groups = list(selectors.group_list(user=request.user))
    for group in groups:
        task = group.periodic_task
        group.schedule_words = schedule_words(task.crontab) if task and task.crontab_id else None
    return render(request, "dispatch/group_list.html", {"groups": groups})


@login_required
def round_list(request):
    group = _group_filter(request)
    page = Paginator(selectors.round_list(user=request.user, group=group), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/round_list.html",
        {
            "page": page,
            "group": group,
            "querystring": f"group={group.pk}" if group else "",
            "can_issue": selectors.sees_everything(request.user),
        },
    )


@login_required
@require_POST
def round_issue(request, pk):
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        services.round_issue(user=request.user, round=round)
        messages.success(request, f"{round} 已印发,当期数据已锁定。")
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    return redirect("dispatch:rounds")


def _latest_by_format(round):
    latest = {}
    for report in round.reports.all():  # newest first (prefetched)
        latest.setdefault(report.format, report)
    return [latest[f] for f in services.FORMATS if f in latest], latest.get(ReportFormat.DOCX)


@login_required
def report_centre(request):
    group = _group_filter(request)
    rounds = selectors.round_list_with_reports(user=request.user, group=group)
    page = Paginator(rounds, 30).get_page(request.GET.get("page"))
    rows = [(round, *_latest_by_format(round)) for round in page]
    return render(
        request,
        "dispatch/report_centre.html",
        {
            "page": page,
            "rows": rows,
            "group": group,
            "querystring": f"group={group.pk}" if group else "",
            "groups": selectors.group_list(user=request.user),
            "busy": (ReportStatus.QUEUED, ReportStatus.RUNNING),
            # The quarters' rankings, honours and notices, beside the rounds' reports.
            "evaluation_rows": [] if group else selectors.evaluation_report_rows(user=request.user),
            "can_request_evaluation": selectors.sees_everything(request.user),
        },
    )


@login_required
@require_POST
def report_request(request, round_pk):
    round = selectors.round_get(user=request.user, pk=round_pk)
    # The Word notice (调度通报) is asked for on its own ("下载通报(Word)"); the default, xlsx and PDF.
    raw = request.POST.get("format", "")
    formats = [parsing.choice(raw, field="format", choices=[ReportFormat.DOCX])] if raw else services.FORMATS
    try:
        reports = services.report_request(user=request.user, round=round, formats=formats)
    except PermissionDenied:  # who may ask is the service's rule; outside it the round's reports do not exist
        raise Http404 from None
    except QueueUnavailable as exc:
        messages.error(request, str(exc))
    else:
        if all(r.status == ReportStatus.DONE for r in reports):
            messages.info(request, "数据未变化,已有报告即为最新。")
        else:
            messages.success(request, "已提交生成,进度见下方。")
    return redirect(f"{reverse('dispatch:reports')}?group={round.group_id}")


@login_required
def report_download(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404("报告尚未生成。")
    return report_file_response(report)


@login_required
def round_history(request, pk):
    round = selectors.round_get(user=request.user, pk=pk)
    versions = selectors.report_history(user=request.user, round=round)
    return render(request, "dispatch/report_history.html", {"round": round, "versions": versions})


@login_required
def report_zip(request):
    """A period's reports (the latest of each round and format the user may download) as one zip,
    written into a temporary file (not memory) and streamed from it."""
    month = parsing.month(request.GET.get("period"), field="period")
    chosen = selectors.period_reports(user=request.user, month=month)
    if not chosen:
        raise Http404("该月份没有已生成的报告。")
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once streamed
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for report in chosen:
                with report.file.open("rb") as source, archive.open(report.filename, "w") as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"调度报告_{month:%Y-%m}.zip", content_type="application/zip"
    )


@login_required
def notice_list(request):
    can_issue = selectors.sees_everything(request.user)
    form = WarningNoticeForm(request.POST or None) if can_issue else None
    if request.method == "POST":
        if not can_issue:
            raise Http404
        if form.is_valid():
            try:
                services.warning_notice_issue(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "提示单已下发。")
                return redirect("dispatch:notices")
    page = Paginator(selectors.notice_list(user=request.user), 50).get_page(request.GET.get("page"))
    for notice in page:
        notice.follow_up_form = NoticeFollowUpForm(
            initial={"rectification": notice.rectification, "rectification_due": notice.rectification_due,
                     "rectified_on": notice.rectified_on, "statement": notice.statement},
            prefix=f"n{notice.pk}",
        )  # fmt: skip
    return render(request, "dispatch/notice_list.html", {"page": page, "form": form})


@login_required
@require_POST
def notice_acknowledge(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    services.warning_notice_acknowledge(user=request.user, notice=notice)
    messages.success(request, "已签收。")
    return redirect("dispatch:notices")


@login_required
def evaluation_list(request):
    can_run = selectors.sees_everything(request.user)
    form = EvaluationForm(request.POST or None) if can_run else None
    if request.method == "POST":
        if not can_run:
            raise Http404
        if form.is_valid():
            try:
                evaluation, made = services.evaluation_run(user=request.user, **form.cleaned_data)
            except QueueUnavailable as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{evaluation}考评{'已生成' if made else '已存在'}。")
                return redirect(f"{request.path}?id={evaluation.pk}")
    evaluations = selectors.evaluation_list(user=request.user).prefetch_related(None)  # the links only
    chosen = parsing.optional_object_id(request.GET.get("id"), field="id")
    evaluation = selectors.evaluation_get(user=request.user, pk=chosen) if chosen else evaluations.first()
    regions = departments = notices = ()
    if evaluation is not None:
        entries = list(selectors.evaluation_entries_full(evaluation))
        regions = [e for e in entries if e.unit_kind == "region"]
        departments = [e for e in entries if e.unit_kind == "department"]
        notices = selectors.notice_list(user=request.user).filter(evaluation=evaluation)
    return render(
        request,
        "dispatch/evaluation_list.html",
        {
            "evaluations": evaluations,
            "evaluation": evaluation,
            "regions": regions,
            "departments": departments,
            "notices": notices,
            "form": form,
        },
    )


@login_required
def escalation_list(request):
    problems = Paginator(selectors.escalated_problem_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "dispatch/escalation_list.html", {"page": problems})


@login_required
@require_POST
def notice_follow_up(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    form = NoticeFollowUpForm(request.POST, prefix=f"n{notice.pk}")
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}:{';'.join(errors)}")
    else:
        try:
            services.warning_notice_follow_up(user=request.user, notice=notice, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}:{';'.join(errors)}")
        except PermissionDenied:
            raise Http404("提示单不存在。") from None
        else:
            messages.success(request, "整改情况已保存。")
    return redirect(f"{reverse('dispatch:notices')}#notice-{notice.pk}")


@login_required
@require_POST
def evaluation_report_request(request, pk):
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    if not selectors.sees_everything(request.user):
        raise Http404("考评不存在。")
    try:
        reports = services.report_request(user=request.user, evaluation=evaluation)
    except QueueUnavailable as exc:
        messages.error(request, str(exc))
    else:
        if all(r.status == ReportStatus.DONE for r in reports):
            messages.info(request, "数据未变化,已有报告即为最新。")
        else:
            messages.success(request, "已提交生成,进度见下方。")
    return redirect(f"{reverse('dispatch:reports')}#evaluation-{evaluation.pk}")
