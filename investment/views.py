"""Progress pages: thin views over investment.selectors (reads) and investment.services (writes)."""

import io
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from anshan_projects import periods
from projects.access import Action, can
from projects.selectors import project_get

from . import forms, selectors, services
from .choices import ProblemStatus
from .excel import export_progress, export_projects, progress_import, progress_template
from .uploads import read_limited

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_SESSION_KEY = "investment_import_file"


def _period(request):
    value = request.GET.get("period") or request.POST.get("period")
    if value:
        try:
            return periods.month_start(value)
        except ValueError:
            pass
    return services.months_back(timezone.localdate().replace(day=1), 1)


def _region(request, regions):
    key = request.GET.get("region") or request.POST.get("region")
    for r in regions:
        if key in (r.key, str(r.pk)):
            return r
    return regions[0] if regions else None


def _project_url(project):
    return reverse("investment:project", args=[project.pk])


@login_required
def month(request):
    """A county's projects for a month, each with its entry form and workflow buttons."""
    regions = list(selectors.regions_for_entry(user=request.user))
    region = _region(request, regions)
    period = _period(request)
    rows = selectors.month_sheet(user=request.user, region=region, period=period) if region else []
    frozen = selectors.period_is_frozen(period=period)
    can_change = bool(rows) and can(request.user, Action.CHANGE, rows[0])
    can_verify = bool(rows) and can(request.user, Action.VERIFY, rows[0])
    for p in rows:
        e = p.entry
        p.form = forms.EntryForm(
            initial={
                "amount_completed": e.amount_completed if e else None,
                "image_progress": e.image_progress if e else "",
                "next_steps": e.next_steps if e else "",
                "overrun_reason": e.overrun_reason if e else "",
                "version": e.version if e else 0,
            },
            prefix=f"p{p.pk}",
        )
    return render(
        request,
        "investment/month.html",
        {
            "regions": regions,
            "region": region,
            "period": period,
            "rows": rows,
            "frozen": frozen,
            "can_change": can_change,
            "can_verify": can_verify,
            "can_enter": region is not None and selectors.may_enter_region(user=request.user, region=region),
        },
    )


@login_required
@require_POST
def entry_save(request, project_pk):
    project = project_get(user=request.user, pk=project_pk)
    period = _period(request)
    form = forms.EntryForm(request.POST, prefix=request.POST.get("prefix") or None)
    back = request.POST.get("next") or _project_url(project)
    if not back.startswith("/"):
        back = _project_url(project)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.progress_save(user=request.user, project=project, period=period, version=version, **data)
            messages.success(request, f"{project.name} {period:%Y-%m} 已保存。")
        except services.ConflictError as exc:
            messages.error(request, f"{project.name}:{exc}")
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
    if form.errors:
        messages.error(request, f"{project.name}:" + ";".join(m for ms in form.errors.values() for m in ms))
    return redirect(back)


@login_required
@require_POST
def entry_action(request, pk, action):
    entry = selectors.entry_get(user=request.user, pk=pk)
    back = request.POST.get("next") or _project_url(entry.project)
    if not back.startswith("/"):
        back = _project_url(entry.project)
    version = request.POST.get("version") or None
    try:
        if action == "submit":
            services.progress_submit(user=request.user, entry=entry, version=version)
        elif action == "verify":
            services.progress_verify(user=request.user, entry=entry, version=version)
        elif action == "return":
            services.progress_return(
                user=request.user, entry=entry, reason=request.POST.get("reason", ""), version=version
            )
        elif action == "amend":
            services.amendment_propose(
                user=request.user,
                entry=entry,
                amount_completed=request.POST.get("amount_completed", ""),
                reason=request.POST.get("reason", ""),
                version=version,
            )
        else:
            raise Http404
        messages.success(request, "修正已提交,待县区审核人批准后计入。" if action == "amend" else "操作成功。")
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    return redirect(back)


@login_required
@require_POST
def amendment_decide(request, pk, action):
    """The county reviewer approves or rejects a proposed amendment (htmx: the amendment's item comes
    back in place; without htmx, back to the project page)."""
    amendment = selectors.amendment_get(user=request.user, pk=pk)  # outside view scope: 404
    error = ""
    try:
        if action == "approve":
            amendment = services.amendment_approve(user=request.user, amendment=amendment)
        elif action == "reject":
            amendment = services.amendment_reject(
                user=request.user, amendment=amendment, reason=request.POST.get("reason", "")
            )
        else:
            raise Http404
        done = "修正已批准,已计入统计。" if action == "approve" else "修正已驳回。"
    except ValidationError as exc:
        error = done = ";".join(exc.messages)
    except PermissionDenied:
        raise Http404 from None
    project = amendment.entry.project
    if request.htmx:
        amendment = selectors.amendment_get(user=request.user, pk=pk)
        section = {"can_verify": can(request.user, Action.VERIFY, project)}
        return render(request, "investment/_amendment.html", {"a": amendment, "section": section, "error": error})
    (messages.error if error else messages.success)(request, done)
    return redirect(_project_url(project) + "#amendments")


@login_required
def project(request, pk):
    """The project's progress: entries with totals, photos, problems, procedures, funding, audit."""
    project = project_get(user=request.user, pk=pk)
    section = selectors.project_section(user=request.user, project=project)
    procedure_parents = list(section["procedures"])
    return render(
        request,
        "investment/project.html",
        {
            "section": section,
            "project": project,
            "entry_form": forms.EntryForm(),
            "photo_form": forms.PhotoForm(),
            "problem_form": forms.ProblemForm(),
            "procedure_form": forms.ProcedureForm(parents=procedure_parents),
            "funding_form": forms.FundingForm(),
            "period": _period(request),
        },
    )


def _write(request, project, form, fn, **extra):
    """Run a service for a validated page form; errors go back as messages naming the field."""
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            fn(user=request.user, **extra, **data)
            messages.success(request, "已保存。")
            return True
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            return False
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}:{';'.join(errs)}" if label else ";".join(errs))
    return False


@login_required
@require_POST
def photo_create(request, pk):
    project = project_get(user=request.user, pk=pk)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.photo_upload(
                user=request.user,
                project=project,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                taken_on=form.cleaned_data["taken_on"],
            )
            messages.success(request, "照片已上传。")
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
        except PermissionDenied:
            raise Http404 from None
    else:
        messages.error(request, ";".join(m for ms in form.errors.values() for m in ms))
    return redirect(_project_url(project) + "#photos")


@login_required
def photo_file(request, pk, thumb=False):
    photo = selectors.photo_get(user=request.user, pk=pk)
    path = photo.thumbnail if thumb and photo.thumbnail else photo.file
    content_type = "image/jpeg" if thumb and photo.thumbnail else photo.content_type
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def photo_comment(request, pk):
    photo = selectors.photo_get(user=request.user, pk=pk)
    form = forms.CommentForm(request.POST)
    _write(request, photo.project, form, services.photo_comment_create, photo=photo)
    return redirect(_project_url(photo.project) + "#photos")


@login_required
@require_POST
def problem_create(request, pk):
    project = project_get(user=request.user, pk=pk)
    _write(request, project, forms.ProblemForm(request.POST), services.problem_create, project=project)
    return redirect(_project_url(project) + "#problems")


@login_required
def problem_edit(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.ProblemForm(request.POST)
        ok = _write(
            request,
            problem.project,
            form,
            services.problem_update,
            problem=problem,
            version=request.POST.get("version"),
        )
        if ok:
            return redirect(_project_url(problem.project) + "#problems")
    else:
        form = forms.ProblemForm(
            initial={f: getattr(problem, f) for f in forms.ProblemForm.base_fields if hasattr(problem, f)}
        )
    return render(request, "investment/edit.html", {"form": form, "object": problem, "title": "修改问题"})


@login_required
@require_POST
def procedure_create(request, pk):
    project = project_get(user=request.user, pk=pk)
    parents = [i for i in selectors.procedure_list(user=request.user, project=project) if i.parent_id is None]
    form = forms.ProcedureForm(request.POST, parents=parents)
    if form.is_valid() and form.cleaned_data.get("parent"):
        form.cleaned_data["parent"] = selectors.procedure_get(user=request.user, pk=form.cleaned_data["parent"])
    _write(request, project, form, services.procedure_create, project=project)
    return redirect(_project_url(project) + "#procedures")


@login_required
def procedure_edit(request, pk):
    item = selectors.procedure_get(user=request.user, pk=pk)
    parents = [
        i
        for i in selectors.procedure_list(user=request.user, project=item.project)
        if i.parent_id is None and i.pk != item.pk
    ]
    if request.method == "POST":
        form = forms.ProcedureForm(request.POST, parents=parents)
        if form.is_valid() and form.cleaned_data.get("parent"):
            form.cleaned_data["parent"] = selectors.procedure_get(user=request.user, pk=form.cleaned_data["parent"])
        if _write(
            request, item.project, form, services.procedure_update, item=item, version=request.POST.get("version")
        ):
            return redirect(_project_url(item.project) + "#procedures")
    else:
        initial = {f: getattr(item, f) for f in forms.ProcedureForm.base_fields if hasattr(item, f)}
        initial["parent"] = item.parent_id
        form = forms.ProcedureForm(initial=initial, parents=parents)
    return render(request, "investment/edit.html", {"form": form, "object": item, "title": "修改手续"})


@login_required
@require_POST
def funding_create(request, pk):
    project = project_get(user=request.user, pk=pk)
    _write(request, project, forms.FundingForm(request.POST), services.funding_create, project=project)
    return redirect(_project_url(project) + "#funding")


@login_required
def funding_edit(request, pk):
    funding = selectors.funding_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.FundingForm(request.POST)
        if _write(
            request,
            funding.project,
            form,
            services.funding_update,
            funding=funding,
            version=request.POST.get("version"),
        ):
            return redirect(_project_url(funding.project) + "#funding")
    else:
        form = forms.FundingForm(initial={f: getattr(funding, f) for f in forms.FundingForm.base_fields})
    return render(request, "investment/edit.html", {"form": form, "object": funding, "title": "修改资金来源"})


def _xlsx(buffer, filename):
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def template_download(request):
    regions = list(selectors.regions_for_entry(user=request.user))
    region = _region(request, regions)
    if region is None:
        raise Http404
    period = _period(request)
    buffer = io.BytesIO()
    try:
        progress_template(user=request.user, region=region, period=period, target=buffer)
    except PermissionDenied:
        raise Http404 from None
    return _xlsx(buffer, f"progress-{region.key}-{period:%Y-%m}.xlsx")


@login_required
def export(request):
    buffer = io.BytesIO()
    if request.GET.get("kind") == "projects":
        export_projects(user=request.user, target=buffer, params=request.GET)
        return _xlsx(buffer, "projects.xlsx")
    regions = list(selectors.regions_for_entry(user=request.user))
    region = _region(request, regions) if request.GET.get("region") else None
    period = periods.month_start(request.GET["period"]) if request.GET.get("period") else None
    export_progress(user=request.user, target=buffer, region=region, period=period)
    return _xlsx(buffer, "progress.xlsx")


@login_required
def import_upload(request):
    """Step 1: upload and preview (nothing written). Step 2: confirm writes the same file, all or nothing."""
    result = None
    form = forms.ImportForm()
    if request.method == "POST" and "confirm" in request.POST:
        path = request.session.get(IMPORT_SESSION_KEY)
        if not path or not default_storage.exists(path):
            messages.error(request, "预览已过期,请重新上传。")
            return redirect("investment:import")
        with default_storage.open(path, "rb") as f:
            data = f.read()
        try:
            result = progress_import(user=request.user, data=data, dry_run=False)
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
            return redirect("investment:import")
        if result.written or result.valid:
            default_storage.delete(path)
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request, f"导入完成:新增 {result.created} 条,更新 {result.updated} 条,未变 {result.unchanged} 条。"
            )
            return redirect("investment:month")
    elif request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                data = read_limited(form.cleaned_data["file"])
                result = progress_import(user=request.user, data=data, dry_run=True)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                if result.valid and result.changes:
                    old = request.session.get(IMPORT_SESSION_KEY)
                    if old:
                        default_storage.delete(old)
                    request.session[IMPORT_SESSION_KEY] = default_storage.save(
                        f"progress/imports/{secrets.token_hex(16)}.xlsx", ContentFile(data)
                    )
    return render(request, "investment/import.html", {"form": form, "result": result})


@login_required
def problem_list(request):
    """Problems in the user's scope, filterable by status and county; overdue ones flagged."""
    statuses = request.GET.getlist("status") or None
    qs = selectors.problem_list(user=request.user, status=statuses).select_related("project__region")
    regions = list(selectors.regions_for_entry(user=request.user))
    region = _region(request, regions) if request.GET.get("region") else None
    if region is not None:
        qs = qs.filter(project__region=region)
    if request.GET.get("overdue"):
        qs = qs.filter(deadline__lt=timezone.localdate(), status__in=ProblemStatus.unresolved())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "investment/problem_list.html",
        {
            "page": page,
            "regions": regions,
            "region": region,
            "statuses": ProblemStatus.choices,
            "selected": statuses or [],
            "today": timezone.localdate(),
        },
    )
