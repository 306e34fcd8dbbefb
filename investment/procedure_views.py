"""Procedure-engine pages: a unit's work queue, one item (for the unit that owes it), and the project
page's actions (take a template, freeze the plan, green channel). Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects.selectors import project_get

from . import forms
from . import procedure_selectors as selectors
from . import procedure_services as services
from .choices import ProcedureStatus


def _run(request, form, fn, **kwargs):
    """Call a service with a valid form's data; errors become messages naming the field."""
    if form.is_valid():
        try:
            fn(user=request.user, **kwargs, **form.cleaned_data)
            messages.success(request, "已保存。")
            return True
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        except PermissionDenied:
            raise Http404("手续不存在。") from None
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}:{';'.join(errs)}" if label else ";".join(errs))
    return False


@login_required
def queue(request):
    """The items a unit owes on every project, green channel first, by due date."""
    departments = selectors.queue_departments(user=request.user)
    if not departments:
        raise Http404("部门不存在。")
    chosen = request.GET.get("department")
    department = next((d for d in departments if str(d.pk) == chosen), departments[0])
    items = list(selectors.procedure_queue(user=request.user, department=department)[:200])
    return render(
        request,
        "investment/procedure_queue.html",
        {
            "departments": departments,
            "department": department,
            "items": items,
            "on_time_rate": selectors.on_time_rate(department=department),
        },
    )


@login_required
def item(request, pk):
    """One item with its project's public facts: what the owing unit needs, not the rest."""
    procedure = selectors.procedure_item_get(user=request.user, pk=pk)
    project = selectors.project_public_get(user=request.user, pk=procedure.project_id)
    return render(
        request,
        "investment/procedure_item.html",
        {
            "item": procedure,
            "project": project,
            "open": procedure.status in (ProcedureStatus.PENDING, ProcedureStatus.IN_PROGRESS),
            "progress_form": forms.ProcedureProgressForm(),
            "deficiency_form": forms.DeficiencyForm(),
            "made_good_form": forms.MadeGoodForm(),
        },
    )


@login_required
@require_POST
def item_action(request, pk, action):
    procedure = selectors.procedure_item_get(user=request.user, pk=pk)
    if action == "progress":
        _run(request, forms.ProcedureProgressForm(request.POST), services.procedure_item_progress, item=procedure)
    elif action == "deficiency":
        _run(request, forms.DeficiencyForm(request.POST), services.procedure_accept_with_deficiency, item=procedure)
    elif action == "made-good":
        _run(request, forms.MadeGoodForm(request.POST), services.procedure_deficiency_made_good, item=procedure)
    else:
        raise Http404("手续不存在。")
    return redirect(reverse("investment:procedure-item", args=[procedure.pk]))


def _back(project):
    return redirect(reverse("projects:detail", args=[project.pk]) + "#procedure-plan")


@login_required
@require_POST
def template_apply(request, pk):
    project = project_get(user=request.user, pk=pk)
    form = forms.ProcedureTemplateApplyForm(request.POST, templates=selectors.procedure_templates())
    _run(request, form, services.procedure_template_apply, project=project)
    return _back(project)


@login_required
@require_POST
def plan_freeze(request, pk):
    project = project_get(user=request.user, pk=pk)
    _run(request, forms.ReasonForm(request.POST), services.procedure_plan_freeze, project=project)
    return _back(project)


@login_required
@require_POST
def green_channel(request, pk):
    project = project_get(user=request.user, pk=pk)
    _run(request, forms.GreenChannelForm(request.POST), services.procedure_green_channel_set, project=project)
    return _back(project)
