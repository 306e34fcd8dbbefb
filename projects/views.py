from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors


@login_required
def home(request):
    return render(
        request,
        "projects/home.html",
        {"pools": selectors.pool_summary(user=request.user)},
    )


@login_required
def project_list(request):
    page = Paginator(selectors.project_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "projects/project_list.html", {"page": page})


@login_required
def project_detail(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    history = selectors.stage_history(user=request.user, project=project)
    return render(request, "projects/project_detail.html", {"project": project, "history": history})
