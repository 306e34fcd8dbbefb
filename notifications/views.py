from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.redirects import next_url

from . import selectors, services


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(user=request.user, unread_only=unread_only), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "preference": selectors.channel_preference(user=request.user),
        },
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(next_url(request, reverse("notifications:inbox")))


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_read(user=request.user)
    return redirect("notifications:inbox")


@login_required
@require_POST
def preferences(request):
    services.channel_preference_set(
        user=request.user, email=request.POST.get("email") == "on", webhook=request.POST.get("webhook") == "on"
    )
    return redirect("notifications:inbox")
