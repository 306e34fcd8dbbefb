from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import parsing
from projects.access import can_handle_service, can_request_service
from projects.selectors import project_get
from supervision.services import can_issue

from . import selectors, services
from .choices import TaskStatus
from .forms import ConfirmForm, ContactForm, ConvertForm, FinishForm, StepForm, TaskRequestForm
from .models import AssistanceSettings


def _id(value):
    try:
        return parsing.object_id(value, field="id") if value not in (None, "") else None
    except ValidationError:
        return None


@login_required
def task_list(request):
    params = request.GET
    status = params.get("status") if params.get("status") in TaskStatus.values else None
    overdue = {"1": True, "0": False}.get(params.get("overdue"))
    project_id = _id(params.get("project"))
    project = project_get(user=request.user, pk=project_id) if project_id else None
    qs = selectors.task_list(
        user=request.user,
        status=status,
        kind=_id(params.get("kind")),
        region=_id(params.get("region")),
        overdue=overdue,
        project=project,
    )
    page = Paginator(qs, 50).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "assistance/task_list.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "filters": {
                "status": status,
                "kind": _id(params.get("kind")),
                "region": _id(params.get("region")),
                "overdue": params.get("overdue", ""),
            },
            "project": project,
            "statuses": TaskStatus.choices,
            "choices": selectors.filter_choices(),
            "query": query.urlencode(),
        },
    )


@login_required
def task_new(request, project_pk):
    project = project_get(user=request.user, pk=project_pk)
    if not can_request_service(request.user, project):
        raise Http404("项目不存在。")
    form = TaskRequestForm(
        request.POST or None,
        project=project,
        initial={"deadline_days": AssistanceSettings.current().default_deadline_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_request(user=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied:
            raise Http404("项目不存在。") from None
        else:
            messages.success(request, _("服务事项已登记,办结时限 %(d)s。") % {"d": f"{task.deadline:%Y-%m-%d}"})
            return redirect("assistance:task_detail", pk=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/task_form.html", {"form": form, "project": project}, status=status)


def _context(request, task, **forms):
    events, contacts = selectors.task_history(task=task)
    handler = can_handle_service(request.user, task)
    context = {
        "task": task,
        "events": events,
        "contacts": contacts,
        "today": timezone.localdate(),
        "handler": handler,
        "can_issue": can_issue(request.user),
    }
    if handler:
        if task.status in (TaskStatus.REQUESTED, TaskStatus.ACCEPTED):
            context["step_form"] = forms.get("step_form") or StepForm()
        if task.status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
            context["finish_form"] = forms.get("finish_form") or FinishForm()
        context["contact_form"] = forms.get("contact_form") or ContactForm()
        if task.status == TaskStatus.DONE and task.confirmed_on is None:
            context["confirm_form"] = forms.get("confirm_form") or ConfirmForm()
        if task.is_open:
            context["convert_form"] = forms.get("convert_form") or ConvertForm()
    return context


@login_required
def task_detail(request, pk):
    task = selectors.task_get(user=request.user, pk=pk)
    return render(request, "assistance/task_detail.html", _context(request, task))


def _post(request, pk, form_class, name, action, done_message):
    """One POST action on a task: the form, then the service; errors next to the fields (400)."""
    task = selectors.task_get(user=request.user, pk=pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(task, form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied:
            raise Http404(selectors.NOT_FOUND) from None
        else:
            messages.success(request, done_message)
            return redirect("assistance:task_detail", pk=task.pk)
    task = selectors.task_get(user=request.user, pk=pk)
    return render(request, "assistance/task_detail.html", _context(request, task, **{name: form}), status=400)


@login_required
@require_POST
def task_step(request, pk):
    def act(task, data):
        if data["step"] == "accept":
            services.task_accept(user=request.user, task=task, note=data["note"])
        elif data["step"] == "start":
            services.task_start(user=request.user, task=task, note=data["note"])
        else:
            try:
                services.task_refuse(user=request.user, task=task, reason=data["note"])
            except ValidationError as error:
                raise ValidationError({"note": error.message_dict.get("reason", error.messages)}) from None

    return _post(request, pk, StepForm, "step_form", act, _("已更新。"))


@login_required
@require_POST
def task_finish(request, pk):
    def act(task, data):
        services.task_finish(user=request.user, task=task, result=data["result"], done_on=data["done_on"])

    return _post(request, pk, FinishForm, "finish_form", act, _("事项已办结。"))


@login_required
@require_POST
def task_contact(request, pk):
    def act(task, data):
        services.contact_record(user=request.user, task=task, **data)

    return _post(request, pk, ContactForm, "contact_form", act, _("服务记录已保存。"))


@login_required
@require_POST
def task_confirm(request, pk):
    def act(task, data):
        services.task_confirm(user=request.user, task=task, confirmed_by=data["confirmed_by"],
                              satisfied=data["satisfied"], note=data["note"])  # fmt: skip

    return _post(request, pk, ConfirmForm, "confirm_form", act, _("企业确认已记录。"))


@login_required
@require_POST
def task_convert(request, pk):
    def act(task, data):
        if data["target"] == "problem":
            services.task_to_problem(user=request.user, task=task, problem_kind=data["problem_kind"] or "other",
                                     deadline=data["deadline"], note=data["note"])  # fmt: skip
        else:
            try:
                services.task_to_order(user=request.user, task=task, requirement=data["note"],
                                       deadline=data["deadline"])  # fmt: skip
            except PermissionDenied:
                raise ValidationError({"target": _("只有推进组领导或调度办可以下达督办单。")}) from None

    return _post(request, pk, ConvertForm, "convert_form", act, _("已转办,原事项记录保留。"))


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = default_storage.open(attachment.file, "rb")
    except FileNotFoundError:
        raise Http404("附件不存在。") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
