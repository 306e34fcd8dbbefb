from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.selectors import project_get

from . import selectors, services
from .choices import FLAGS, Light, OrderStatus
from .forms import LightFilterForm, OrderIssueForm, OrderReplyForm, OrderReviewForm, ProjectPageFilterForm


def _form_errors(form, error):
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def light_list(request):
    period = selectors.parse_period(request.GET.get("period"))
    filterset, qs = selectors.filtered_lights(user=request.user, params=request.GET, period=period)
    page = Paginator(qs.order_by("-behind", "-total_investment", "id"), 50).get_page(request.GET.get("page"))
    summary = selectors.light_summary(user=request.user, period=period)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/light_list.html",
        {
            "page": page,
            "period": period,
            "form": LightFilterForm(request.GET or None, user=request.user, initial={"period": f"{period:%Y-%m}"}),
            "filter_errors": filterset.errors,
            "summary": summary,
            "flags": FLAGS,
            "query": query.urlencode(),
        },
    )


@login_required
def project_light_history(request, pk):
    project = project_get(user=request.user, pk=pk)
    period = selectors.current_period()
    current = selectors.project_lights(user=request.user, period=period, filters={"pk": project.pk}).first()
    return render(
        request,
        "supervision/project_lights.html",
        {
            "project": project,
            "current": current,
            "history": selectors.light_history(user=request.user, project=project),
            "orders": selectors.order_list(user=request.user, project=project),
            "flags": FLAGS,
            "can_issue": services.can_issue(request.user),
        },
    )


@login_required
def project_map(request):
    period = selectors.parse_period(request.GET.get("period"))
    form = ProjectPageFilterForm(request.GET or None, user=request.user)
    query = request.GET.urlencode()
    config = {
        "data_url": f"{reverse('project-map')}?{query}",
        "geojson_url": static("vendor/geo/liao2_ning2_an1_shan1.geojson"),
        "labels": {
            "count": _("项目数"),
            "investment": _("计划总投资(万元)"),
            "projects": _("项目"),
            "light": {value: str(label) for value, label in Light.choices},
            "yi": _("亿元"),
            "wan": _("万元"),
            "failed": _("地图加载失败:"),
        },
    }
    return render(
        request,
        "supervision/map.html",
        {"form": form, "period": period, "query": query, "map_config": config},
    )


@login_required
def order_list(request):
    status = request.GET.get("status") or None
    if status not in OrderStatus.values:
        status = None
    overdue = True if request.GET.get("overdue") == "1" else None
    page = Paginator(selectors.order_list(user=request.user, status=status, overdue=overdue), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/order_list.html",
        {"page": page, "status": status, "overdue": overdue, "statuses": OrderStatus.choices},
    )


@login_required
def order_new(request, project_pk):
    project = project_get(user=request.user, pk=project_pk)
    if not services.can_issue(request.user):
        raise Http404("无权下达督办单。")
    problems = list(selectors.problems_for(user=request.user, project=project))
    form = OrderIssueForm(
        request.POST or None, problems=problems, project=project, initial={"problem": request.GET.get("problem")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                user=request.user,
                project=project,
                requirement=data["requirement"],
                unit_kind=data["unit_kind"],
                unit_region=data["unit_region"],
                unit_department=data["unit_department"],
                unit_contact=data["unit_contact"],
                problem=data["problem"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied:
            raise Http404("无权下达督办单。") from None
        else:
            messages.success(request, f"督办单 {order.number} 已下达。")
            return redirect("supervision:order_detail", pk=order.pk)
    return render(request, "supervision/order_form.html", {"form": form, "project": project})


def _detail_context(request, order, reply_form=None, review_form=None):
    events, replies = selectors.order_history(order=order)
    can_reply = order.status in OrderStatus.awaiting_reply() and services.can_reply(request.user, order)
    can_review = order.status == OrderStatus.REPLIED and services.can_review(request.user, order)
    return {
        "order": order,
        "events": events,
        "replies": replies,
        "reply_form": reply_form or (OrderReplyForm() if can_reply else None),
        "review_form": review_form or (OrderReviewForm() if can_review else None),
    }


@login_required
def order_detail(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    return render(request, "supervision/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_reply(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    form = OrderReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.order_reply(
                user=request.user,
                order=order,
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "回复已提交。")
            return redirect("supervision:order_detail", pk=order.pk)
    return render(
        request, "supervision/order_detail.html", _detail_context(request, order, reply_form=form), status=400
    )


@login_required
@require_POST
def order_review(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    form = OrderReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.order_accept(user=request.user, order=order, note=data["note"])
                messages.success(request, "督办单已销号。")
            else:
                services.order_send_back(user=request.user, order=order, note=data["note"], deadline=data["deadline"])
                messages.success(request, "已退回重办。")
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return redirect("supervision:order_detail", pk=order.pk)
    return render(
        request, "supervision/order_detail.html", _detail_context(request, order, review_form=form), status=400
    )


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = default_storage.open(attachment.file, "rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在。") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


# --- a site-photo comment (批示) turned into a supervision order -------------------------------------
@login_required
@require_POST
def photo_comment_order(request, pk):
    """One step from the gallery: the comment becomes an order to the project's county or a department."""
    from common import parsing
    from common.redirects import next_url
    from investment import selectors as investment_selectors
    from projects.selectors import departments_all

    from .choices import UnitKind

    comment = investment_selectors.photo_comment_get(user=request.user, pk=pk)
    back = next_url(request, reverse("portal:photo-gallery"))
    unit = request.POST.get("unit", "region")
    kwargs = {"unit_kind": UnitKind.REGION, "unit_region": comment.photo.project.region}
    if unit != "region":
        try:
            department = departments_all().filter(pk=parsing.object_id(unit, field="unit")).first()
        except parsing.ParseError:
            department = None
        if department is None:
            messages.error(request, _("责任单位:请选择责任部门。"))
            return redirect(back)
        kwargs = {"unit_kind": UnitKind.DEPARTMENT, "unit_department": department}
    deadline = None
    if request.POST.get("deadline"):
        try:
            deadline = parsing.day(request.POST["deadline"], field="deadline")
        except parsing.ParseError as exc:
            messages.error(request, f"{_('回复时限')}:{';'.join(exc.messages)}")
            return redirect(back)
    try:
        order = services.order_from_photo_comment(user=request.user, comment=comment, deadline=deadline, **kwargs)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    except PermissionDenied as exc:
        # The comment is in the user's scope (else 404 above): say why no order was issued.
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已下达督办单 %(number)s。") % {"number": order.number})
    return redirect(back)
