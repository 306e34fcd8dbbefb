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
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from common import parsing
from common.redirects import next_url
from common.writes import region_named
from projects.access import Action, can
from projects.selectors import project_get

from . import forms, selectors, services
from .choices import EntryStatus, ProblemStatus
from .excel import export_progress, export_projects, progress_import, progress_template
from .uploads import read_limited

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_SESSION_KEY = "investment_import_file"


def _period(request):
    value = request.GET.get("period") or request.POST.get("period")
    if value:
        try:
            return parsing.month(value)
        except parsing.ParseError:
            pass
    return selectors.filing_month()


def _region(request, regions):
    key = request.GET.get("region") or request.POST.get("region")
    return region_named(regions, key) or (regions[0] if regions else None)


def _project_url(project):
    return reverse("investment:project", args=[project.pk])


STATUS_KEYS = {key for key, _ in selectors.SHEET_STATUSES}


def _sheet_context(request, region, period):
    """Who may do what on a county's sheet (the same for every row: one county)."""
    return {
        "region": region,
        "period": period,
        "frozen": selectors.period_is_frozen(period=period),
        "can_change": can(request.user, Action.CHANGE, _RegionProject(region)),
        "can_verify": can(request.user, Action.VERIFY, _RegionProject(region)),
    }


class _RegionProject:
    """Stands for any project of a region in ``can`` (county roles are keyed on the region)."""

    def __init__(self, region):
        self.region_id = region.pk if region else None
        self.category_id = self.department_id = None


def _prepare_rows(request, rows, ctx):
    for p in rows:
        if not hasattr(p, "form"):
            p.form = forms.EntryForm.for_entry(p.entry, prefix=f"p{p.pk}")
    if ctx["can_verify"]:
        selectors.add_review_context(user=request.user, rows=rows, period=ctx["period"])
    return rows


@login_required
def month(request):
    """A county's projects for a month, each with its entry form and workflow buttons; chips filter by status."""
    regions = list(selectors.regions_for_entry(user=request.user))
    region = _region(request, regions)
    period = _period(request)
    status = request.GET.get("status") if request.GET.get("status") in STATUS_KEYS else None
    ctx = _sheet_context(request, region, period)
    rows = selectors.month_sheet(user=request.user, region=region, period=period, status=status) if region else []
    _prepare_rows(request, rows, ctx)
    counts = selectors.month_status_counts(user=request.user, period=period, region=region) if region else {}
    chips = [{"key": key, "label": label, "count": counts.get(key, 0)} for key, label in selectors.SHEET_STATUSES]
    return render(
        request,
        "investment/month.html",
        {
            **ctx,
            "regions": regions,
            "rows": rows,
            "chips": chips,
            "status": status,
            "total": sum(counts.values()),
            "back_to": request.get_full_path(),  # where the row forms return without htmx
            "can_enter": region is not None and selectors.may_enter_region(user=request.user, region=region),
        },
    )


def _sheet_row(request, project, period, *, form=None, notice=None, error=None, status=200):
    """One row of the monthly sheet, for an htmx swap after an action on it."""
    ctx = _sheet_context(request, project.region, period)
    rows = selectors.month_sheet(user=request.user, region=project.region, period=period, projects=[project.pk])
    if not rows:
        raise Http404("项目不存在。")
    if form is not None:
        rows[0].form = form
    _prepare_rows(request, rows, ctx)
    return render(
        request,
        "investment/_month_row.html",
        {**ctx, "p": rows[0], "notice": notice, "row_error": error, "back_to": next_url(request, "")},
        status=status,
    )


def _entry_panel(request, project, period, *, form=None, entry=None, notice=None, conflict=None, status=200):
    """The project page's entry form for a month: its values, status and (when returned) the reason."""
    if entry is None:
        entry = selectors.entry_for_month(user=request.user, project=project, period=period)
    if form is None:
        form = forms.EntryForm.for_entry(entry)
    return {
        "project": project,
        "period": period,
        "entry": entry,
        "entry_form": form,
        "editable": entry is None or entry.status in (EntryStatus.DRAFT, EntryStatus.RETURNED),
        "month_frozen": selectors.period_is_frozen(period=period),
        "future": period > timezone.localdate().replace(day=1),
        "show_confirm": bool(form.errors.get("confirm_amount") or form["confirm_amount"].value()),
        "notice": notice,
        "conflict": conflict,
        "http_status": status,
    }


@login_required
@require_POST
def entry_save(request, project_pk):
    """Save (or save and submit) a month's entry, from the project page or a row of the sheet.

    A bad value keeps everything typed and marks the field (422); a stale version answers 409 with
    what the other save changed. With htmx only the form (or the row) is swapped."""
    project = project_get(user=request.user, pk=project_pk)
    period = _period(request)
    form = forms.EntryForm(request.POST, prefix=request.POST.get("prefix") or None)
    # A caller that names where to go back ("next": the sheet, plain forms) gets a redirect with
    # messages; the project page's form (no "next") answers in place, with htmx or without.
    back = next_url(request, _project_url(project))
    redirects = bool(request.POST.get("prefix")) or "next" in request.POST
    submit = request.POST.get("intent") == "submit"
    status, notice, conflict, entry = 200, None, None, None
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        save = services.progress_save_submit if submit else services.progress_save
        try:
            entry = save(user=request.user, project=project, period=period, version=version, **data)
            notice = f"{period:%Y-%m} " + ("已保存并提交,等待县区审核。" if submit else "已保存为草稿(尚未提交)。")
        except services.ConflictError as exc:
            status = 409
            current = exc.current
            conflict = {
                "message": str(exc),
                "changes": form.changes_since(current) if current is not None else [],
                "current": current,
            }
            if current is not None:
                form.carry_version(current.version)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
    if form.errors:
        status = 422
    if redirects:
        if request.htmx and request.POST.get("prefix"):
            if status == 200:
                return _sheet_row(request, project, period, notice=notice)
            error = conflict["message"] if conflict else None
            return _sheet_row(request, project, period, form=form, error=error, status=status)
        if conflict:
            messages.error(request, f"{project.name}:{conflict['message']}")
        elif form.errors:
            messages.error(request, f"{project.name}:" + ";".join(m for ms in form.errors.values() for m in ms))
        else:
            messages.success(request, f"{project.name} {notice}")
        return redirect(back)
    if status == 200 and not request.htmx:
        messages.success(request, notice)
        return redirect(f"{_project_url(project)}?period={period:%Y-%m}#entry")
    panel = _entry_panel(
        request, project, period, form=None if status == 200 else form, entry=entry, notice=notice,
        conflict=conflict, status=status,
    )  # fmt: skip
    if request.htmx:
        return render(request, "investment/_entry_form.html", panel, status=status)
    return _project_page(request, project, panel, status=status)


@login_required
@require_POST
def entry_action(request, pk, action):
    entry = selectors.entry_get(user=request.user, pk=pk)
    back = next_url(request, _project_url(entry.project))
    version = request.POST.get("version") or None
    error = None
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
    except services.ConflictError as exc:
        error = str(exc)
    except ValidationError as exc:
        error = ";".join(exc.messages)
    except PermissionDenied:
        raise Http404 from None
    done = {
        "submit": "已提交,等待审核。",
        "verify": "已审核通过。",
        "return": "已退回,填报人将收到退回原因。",
        "amend": "修正已提交,待县区审核人批准后计入。",
    }
    if request.htmx and request.POST.get("row"):
        return _sheet_row(
            request, entry.project, entry.period, notice=None if error else done.get(action, "操作成功。"),
            error=error, status=409 if error and "已被他人修改" in error else (422 if error else 200),
        )  # fmt: skip
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done.get(action, "操作成功。"))
    return redirect(back)


@login_required
@require_POST
def entry_verify_many(request):
    """Verify the ticked entries of the sheet: one service call each in one transaction, failures per row."""
    items = []
    for value in request.POST.getlist("entries"):
        pk, _, version = value.partition(":")
        try:
            items.append(
                (
                    parsing.object_id(pk, field="entries"),
                    parsing.integer(version, field="version", min_value=0, max_value=2**31 - 1),
                )
            )
        except parsing.ParseError:
            continue  # a tampered box is no entry of the sheet
    back = next_url(request, reverse("investment:month"))
    if not items:
        messages.error(request, "请先勾选要审核的填报。")
        return redirect(back)
    results = services.progress_verify_many(user=request.user, items=items)
    names = selectors.entry_names(user=request.user, pks=list(results))
    done = [pk for pk, problem in results.items() if problem is None]
    if done:
        messages.success(request, f"已审核通过 {len(done)} 条。")
    for pk, problem in results.items():
        if problem is not None:
            messages.error(request, f"{names.get(pk, pk)}:{problem}")
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


def _project_page(request, project, panel, status=200):
    section = selectors.project_section(user=request.user, project=project)
    procedure_parents = list(section["procedures"])
    return render(
        request,
        "investment/project.html",
        {
            **panel,
            "section": section,
            "photo_form": forms.PhotoForm(),
            "problem_form": forms.ProblemForm(),
            "procedure_form": forms.ProcedureForm(parents=procedure_parents),
            "funding_form": forms.FundingForm(),
        },
        status=status,
    )


@login_required
def project(request, pk):
    """The project's progress: the chosen month's entry form, entries with totals, photos, problems,
    procedures, funding, audit."""
    project = project_get(user=request.user, pk=pk)
    return _project_page(request, project, _entry_panel(request, project, _period(request)))


def _write(request, project, form, fn, /, **extra):
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
    return redirect(next_url(request, _project_url(photo.project) + "#photos"))


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
    period = parsing.optional_month(request.GET.get("period"))
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


# --- weekly site photos (形象调度) ------------------------------------------------------------------
@login_required
def photos_upload(request, pk):
    """Upload several site photos at once, straight from the phone camera (HEIC accepted). A bad file
    answers 400 with the form and a message naming the file; nothing of the batch is kept."""
    project = project_get(user=request.user, pk=pk)
    if not can(request.user, Action.CHANGE, project):
        raise Http404("项目不存在。")
    form = forms.PhotosForm(request.POST or None)
    status, errors = 200, []
    if request.method == "POST":
        if form.is_valid():
            try:
                photos = services.photos_upload(
                    user=request.user,
                    project=project,
                    uploads=request.FILES.getlist("files"),
                    caption=form.cleaned_data["caption"],
                    taken_on=form.cleaned_data["taken_on"],
                )
            except ValidationError as exc:
                errors = exc.messages
            except PermissionDenied:
                raise Http404("项目不存在。") from None
            else:
                messages.success(request, gettext("已上传 %(n)s 张照片。") % {"n": len(photos)})
                for photo in photos:
                    for warning in photo.warning_messages():
                        messages.warning(request, f"{photo.caption}:{warning}")
                return redirect(reverse("investment:photos-upload", args=[project.pk]))
        else:
            errors = [m for ms in form.errors.values() for m in ms]
        status = 400
    recent = selectors.photo_list(user=request.user, project=project).order_by("-created_at", "-id")[:12]
    return render(
        request,
        "investment/photos_upload.html",
        {"project": project, "form": form, "errors": errors, "recent": recent, "rule": selectors.photo_rule()},
        status=status,
    )


@login_required
@require_POST
def photo_comment_problem(request, pk):
    """A leader's comment (批示) turned into a coordination problem on the photo's project, in one step."""
    comment = selectors.photo_comment_get(user=request.user, pk=pk)
    form = forms.CommentProblemForm(request.POST)
    back = next_url(request, reverse("investment:project", args=[comment.photo.project_id]) + "#photos")
    if not form.is_valid():
        messages.error(request, ";".join(f"{form.fields[f].label}:{';'.join(e)}" for f, e in form.errors.items()))
        return redirect(back)
    try:
        problem = services.photo_comment_to_problem(user=request.user, comment=comment, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    except PermissionDenied:
        raise Http404("批示不存在。") from None
    else:
        messages.success(request, f"已转为协调问题:{problem.description[:40]}")
    return redirect(back)
