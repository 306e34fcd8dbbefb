"""Pages of the weekly site photos (形象调度): the week's status per county (who has posted, who has
not) and the leaders' gallery with comments (批示) that turn into problems or supervision orders."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from common import parsing
from common.periods import week as week_of
from dispatch import selectors as dispatch_selectors
from investment.choices import ProblemKind
from projects import selectors as project_selectors
from projects.access import Action, can
from supervision.services import can_issue

from . import selectors
from .forms import PhotoGalleryForm

GALLERY_PAGE = 24
WEEK_PAGE = 50


def _week(request):
    """The Monday of the week asked for (?week=YYYY-MM-DD, any day of it), else this week's."""
    raw = request.GET.get("week")
    if raw:
        try:
            return week_of(parsing.day(raw, field="week"))[0]
        except parsing.ParseError:
            pass
    return week_of(timezone.localdate())[0]


@login_required
def photo_week(request):
    """形象调度周况: per county, the projects owing photos this week, those posted and those not, and
    the list (missing first) with a way to upload for those the user may fill in."""
    import datetime

    week = _week(request)
    region = None
    if request.GET.get("region"):
        region = project_selectors.regions_visible(user=request.user).filter(key=request.GET["region"]).first()
    overview = selectors.photo_week_overview(user=request.user, week=week, region=region)
    page = Paginator(overview["projects"], WEEK_PAGE).get_page(request.GET.get("page"))
    for project in page:
        project.can_upload = can(request.user, Action.CHANGE, project)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/photo_week.html",
        {
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "previous": week - datetime.timedelta(days=7),
            "following": week + datetime.timedelta(days=7) if week < week_of(timezone.localdate())[0] else None,
            "region": region,
            "overview": overview,
            "page": page,
            "querystring": query.urlencode(),
            "scope": selectors.scope_label(request.user),
        },
    )


@login_required
def photo_gallery(request):
    """The weekly gallery for leaders: newest first, by week, county, dispatch group, light and sector;
    thumbnails; comments; a comment turned into a problem or an order in one step."""
    weeks = selectors.photo_weeks()
    groups = dispatch_selectors.group_list(user=request.user)
    form = PhotoGalleryForm(request.GET or None, user=request.user, weeks=weeks, groups=groups)
    filters = form.filters()
    if filters.get("week"):
        filters["week"] = parsing.day(filters["week"], field="week")
    photos = selectors.photo_gallery(user=request.user, **filters)
    page = Paginator(photos, GALLERY_PAGE).get_page(request.GET.get("page"))
    issuer = can_issue(request.user)
    for photo in page:
        photo.can_comment = can(request.user, Action.COMMENT, photo.project) or can(
            request.user, Action.CHANGE, photo.project
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/photo_gallery.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "can_issue": issuer,
            "departments": list(project_selectors.departments_all()) if issuer else [],
            "problem_kinds": ProblemKind.choices,
            "today": timezone.localdate(),
            "back": request.get_full_path(),
            "scope": selectors.scope_label(request.user),
        },
    )
