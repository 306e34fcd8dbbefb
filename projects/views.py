import datetime
import json
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import parsing
from common.counting import counter
from common.formats import wan
from common.replica import replica_view

from . import selectors, services
from .access import Action, can
from .choices import KeyLevel, Stage, StartType
from .exports import write_projects
from .forms import ProjectForm, ProjectPageFilterSet, StageChangeForm
from .models import localized_name

PAGE_SIZE = 50
SORTABLE = [
    ("name", "项目名称"),
    ("total_investment", "计划总投资(万元)"),
    ("annual_plan", "本年计划投资(万元)"),
    ("planned_start", "计划开工日期"),
    ("updated_at", "更新时间"),
]


def month_names():
    """Axis labels for the twelve months: 1月..12月 in Chinese, Jan..Dec otherwise."""
    if get_language().startswith("zh"):
        return [f"{m}月" for m in range(1, 13)]
    return [date_format(datetime.date(2000, m, 1), "M") for m in range(1, 13)]


def _filtered(request, *, thresholds_in_query=False):
    filterset = ProjectPageFilterSet(
        request.GET or None,
        queryset=selectors.project_list(user=request.user, thresholds_in_query=thresholds_in_query),
    )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    if not request.GET.get("ordering"):
        qs = qs.order_by("-total_investment", "id")
    return filterset, qs


def _querystring(request, drop=("page",)):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


# What a list row shows, read with ``.values()`` (no model instance, no description text per row).
LIST_ROW_VALUES = ["id", "name", "key_level", "region__name", "sector__name", "category__name", "stage",
                   "total_investment", "annual_plan", "planned_start", "region__name_en", "sector__name_en",
                   "category__name_en"]  # fmt: skip


class ListRow(dict):
    """A list row: a dict for the template (its fastest lookup), attributes for Python callers."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _list_rows(values):
    """Display-ready rows: every per-row formatting (link, labels, money, dates) done here in one pass
    rather than by template tags and filters cell by cell."""
    from django.urls import reverse

    placeholder = 2147483647
    detail = reverse("projects:detail", args=[placeholder]).split(str(placeholder))
    stages = {value: str(label) for value, label in Stage.choices}
    key_tags = {KeyLevel.CITY.value: (_("市重点"), "tag"), KeyLevel.COUNTY.value: (_("县重点"), "tag muted")}
    rows = []
    for v in values:
        key_label, key_class = key_tags.get(v["key_level"], ("", ""))
        rows.append(
            ListRow(
                pk=v["id"],
                name=v["name"],
                url=f"{detail[0]}{v['id']}{detail[1]}",
                key_level=v["key_level"],
                key_label=key_label,
                key_class=key_class,
                region=localized_name(v["region__name"], v["region__name_en"]),
                sector=localized_name(v["sector__name"], v["sector__name_en"]) or "—",
                category=localized_name(v["category__name"], v["category__name_en"]),
                stage=v["stage"],
                stage_label=stages.get(v["stage"], v["stage"]),
                total_investment=wan(v["total_investment"]),
                annual_plan=wan(v["annual_plan"]),
                planned_start=v["planned_start"].isoformat() if v["planned_start"] else "—",
            )
        )
    return rows


def _scope_note(request, selected):
    """Why a list is empty when the user's scope is what empties it: a county, department or category
    chosen outside the scope is named (it is reference data, not project data); otherwise the scope."""
    scope = selectors.scope_of(user=request.user)
    if scope["city"]:
        return None
    fields = {"region_id": ("region", "key"), "department_id": ("department", "pk"), "category_id": ("category", "pk")}
    if len(scope["keys"]) == 1 and next(iter(scope["keys"])) in fields:
        ((field, ids),) = scope["keys"].items()
        param, lookup = fields[field]
        if selected.get(param):
            choices = selectors.filter_choices(user=request.user)[param]
            for pk, key, name in choices:
                if str(key if lookup == "key" else pk) == selected[param] and pk not in ids:
                    return _("%(name)s不在您的权限范围(%(scope)s)内,没有可显示的项目。") % {
                        "name": name,
                        "scope": scope["label"],
                    }
    return _("您的权限范围(%(scope)s)内没有符合条件的项目。") % {"scope": scope["label"]}


@login_required
@replica_view
def project_list(request):
    filterset, qs = _filtered(request, thresholds_in_query=True)
    rows = qs.values(*LIST_ROW_VALUES)
    # The page count without the joins the row columns need (as the API list); the planner's estimate
    # above settings.LIST_EXACT_COUNT_UP_TO, so that the first page never waits for a COUNT(*).
    rows.count = counter(qs)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _list_rows(page.object_list)
    current = request.GET.get("ordering", "")
    base = _querystring(request, drop=("page", "ordering"))
    sort_links = {}
    for key, _label in SORTABLE:
        target = f"-{key}" if current == key else key
        sort_links[key] = {
            "url": f"?{base + '&' if base else ''}ordering={target}",
            "state": "asc" if current == key else "desc" if current == f"-{key}" else "",
        }
    data = filterset.data if filterset.is_bound else {}
    partial = bool(request.htmx) and request.htmx.target == "results" and not request.htmx.history_restore_request
    selected = {
        "region": data.get("region", ""),
        "sector": data.get("sector", ""),
        "category": data.get("category", ""),
        "department": data.get("department", ""),
        "stage": data.getlist("stage") if hasattr(data, "getlist") else [],
        "start_type": data.getlist("start_type") if hasattr(data, "getlist") else [],
        "key_level": data.get("key_level", ""),
        "min_investment": data.get("min_investment", ""),
        "max_investment": data.get("max_investment", ""),
        "search": data.get("search", ""),
        "lagging": data.get("lagging", "") in ("true", "True", "1", "on"),
    }
    context = {
        "page": page,
        "scope_note": _scope_note(request, selected) if not page.paginator.count else None,
        "filterset": filterset,
        "selected": selected,
        "sort_links": sort_links,
        "querystring": _querystring(request),
        "export_query": _querystring(request),
    }
    if not partial:  # the filter form's choices: only the full page shows them
        from .access import may_assign, may_register_somewhere

        context["may_register"] = may_register_somewhere(request.user)
        context["may_assign"] = any(may_assign(request.user, f) for f in ("city_leader", "county_leader", "steward"))
        choices = selectors.filter_choices(user=request.user)
        context["options"] = {
            "region": [(key, name, key == selected["region"]) for _pk, key, name in choices["region"]],
            **{
                field: [(str(pk), name, str(pk) == selected[field]) for pk, _key, name in choices[field]]
                for field in ("sector", "category", "department")
            },
            "key_level": [(v, label, v == selected["key_level"]) for v, label in KeyLevel.choices],
            "stage": [(v, label, v in selected["stage"]) for v, label in Stage.choices],
            "start_type": [(v, label, v in selected["start_type"]) for v, label in StartType.choices],
        }
    return render(request, "projects/_project_results.html" if partial else "projects/project_list.html", context)


@login_required
@replica_view
def project_export(request):
    """The filtered list as xlsx: the same filters and order as the page, every row (not one page)."""
    _filterset, qs = _filtered(request)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_projects(handle, qs)  # the one project export (its columns: projects.exports)
    handle.seek(0)
    name = f"projects-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _detail_context(request, project, *, stage_form=None, people_form=None, history=None, candidates=None):
    from .forms import PeopleForm

    may_change = can(request.user, Action.CHANGE, project)
    people_form = people_form or PeopleForm(project=project, user=request.user, candidates=candidates)
    days_vs_plan = (
        (project.planned_start - project.actual_start).days if project.planned_start and project.actual_start else None
    )
    if history is None:
        history = list(selectors.stage_history(user=request.user, project=project))
    reached = {c.to_stage for c in history}
    timeline = [
        {
            "stage": value,
            "label": label,
            "state": "current"
            if value == project.stage
            else "done"
            if Stage.rank(value) < Stage.rank(project.stage)
            else "todo",
            "reached": value in reached,
        }
        for value, label in Stage.choices
    ]
    return {
        "project": project,
        "history": history,
        "timeline": timeline,
        "may_change": may_change,
        "stage_form": stage_form or (StageChangeForm(project=project) if may_change else None),
        "people": selectors.people_named(project=project),
        "people_form": people_form if people_form.fields else None,
        "chart_labels": json.dumps(
            {"plan": _("累计计划"), "done": _("累计完成(已审核)"), "unit": _("万元"), "months": month_names()},
            ensure_ascii=False,
        ),
        "key_label": dict(KeyLevel.choices).get(project.key_level, ""),
        # Days the actual start came before (+) or after (-) the planned start.
        "days_vs_plan": days_vs_plan,
        "days_vs_plan_abs": abs(days_vs_plan) if days_vs_plan is not None else None,
    }


@login_required
def project_detail(request, pk):
    project, history, candidates = selectors.project_page(user=request.user, pk=pk)
    return render(
        request,
        "projects/project_detail.html",
        _detail_context(request, project, history=history, candidates=candidates),
    )


@login_required
@require_POST
def project_stage_change(request, pk):
    project = selectors.project_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = StageChangeForm(request.POST, project=project)
    if form.is_valid():
        try:
            change = services.project_stage_change(project=project, user=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("阶段已变更为“%(stage)s”。") % {"stage": change.get_to_stage_display()})
            return redirect("projects:detail", pk=project.pk)
    messages.error(request, _("阶段未变更,请按提示修改。"))
    return render(
        request, "projects/project_detail.html", _detail_context(request, project, stage_form=form), status=400
    )


@login_required
def project_edit(request, pk):
    project = selectors.project_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = ProjectForm(request.POST or None, instance=project)
    form.fields["region"].queryset = selectors.regions_visible(user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_values()
        if not changes:
            messages.info(request, _("没有修改。"))
            return redirect("projects:detail", pk=project.pk)
        try:
            services.project_update(project=project, user=request.user, **changes)
        except PermissionDenied:
            form.add_error("region", _("不能把项目移到您无权管理的县区。"))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("项目信息已保存。"))
            return redirect("projects:detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_form.html", {"project": project, "form": form}, status=status)


# --- 谋划入库: registering a project on the web -----------------------------------------------------
@login_required
def project_new(request):
    from .access import may_register_somewhere
    from .forms import ProjectIntakeForm

    if not may_register_somewhere(request.user):
        raise Http404
    form = ProjectIntakeForm(request.POST or None, user=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                user=request.user,
                stage=form.cleaned_data["stage"],
                confirm_duplicates=bool(form.cleaned_data.get("confirm_duplicates")),
                **form.service_data(),
            )
        except services.DuplicateSuspected as suspected:
            duplicates = suspected.duplicates
            form.show_confirmation()
            form.add_service_errors(suspected)
        except PermissionDenied:
            form.add_error("region", _("您无权在该县区(或为该牵头部门)登记项目。"))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("项目“%(name)s”已登记入库。") % {"name": project.name})
            return redirect("projects:detail", pk=project.pk)
    if request.method == "POST":
        messages.error(request, _("项目未登记,请按提示修改。"))
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_new.html", {"form": form, "duplicates": duplicates}, status=status)


# --- 分级分类包保: the people of a project, rule breaks and bulk assignment -----------------------------
@login_required
@require_POST
def project_people(request, pk):
    from .forms import PeopleForm

    project = selectors.project_get(user=request.user, pk=pk)
    form = PeopleForm(request.POST, project=project, user=request.user)
    if not form.fields:
        raise Http404
    if form.is_valid():
        try:
            services.project_update(project=project, user=request.user, **form.people())
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("包保人员已保存。"))
            return redirect("projects:detail", pk=project.pk)
    messages.error(request, _("包保人员未保存,请按提示修改。"))
    return render(
        request, "projects/project_detail.html", _detail_context(request, project, people_form=form), status=400
    )


def _posted_ids(request):
    ids = []
    for raw in request.POST.getlist("projects"):
        try:
            ids.append(parsing.integer(raw, field="projects", min_value=1, max_value=2**31 - 1))
        except parsing.ParseError:
            continue
    return ids


@login_required
def assignments(request):
    """Projects that break a rule (no one where a rule needs someone), people over a rule's maximum,
    and bulk assignment of the selected projects."""
    from .access import may_assign
    from .choices import PeopleField
    from .forms import BulkAssignForm

    if not any(may_assign(request.user, f) for f in PeopleField.values):
        raise Http404
    missing = request.GET.get("missing", "")
    field = missing if missing in PeopleField.values else None
    breaks = selectors.assignment_breaks(user=request.user, field=field)
    page = Paginator(breaks, PAGE_SIZE).get_page(request.GET.get("page"))
    form = BulkAssignForm(user=request.user)
    if request.method == "POST":
        chosen = selectors.project_list(user=request.user).filter(pk__in=_posted_ids(request))
        form = BulkAssignForm(request.POST, user=request.user, project_choices=chosen.values_list("pk", "name"))
        if form.is_valid():
            person = None
            if form.cleaned_data["person"]:
                person = selectors.people_all().filter(pk=form.cleaned_data["person"]).first()
            try:
                count = services.project_people_assign(
                    user=request.user,
                    projects=list(chosen.filter(pk__in=form.cleaned_data["projects"])),
                    field=form.cleaned_data["field"],
                    person=person,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("已为 %(n)s 个项目设置包保人员。") % {"n": count})
                return redirect(request.get_full_path())
        messages.error(request, _("未设置,请按提示修改。"))
    context = {
        "page": page,
        "form": form,
        "over": selectors.people_over_limit(),
        "rules": selectors.assignment_rules(),
        "missing": missing,
        "fields": PeopleField.choices,
        "querystring": _querystring(request),
    }
    return render(request, "projects/assignments.html", context, status=400 if request.method == "POST" else 200)
