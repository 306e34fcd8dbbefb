"""No view follows a ``next`` off the site.

The views that follow a ``next`` are found, not listed: every view of the URLconf whose source reads
``"next"`` (or calls the one helper, ``common.redirects.next_url``), plus Django's own sign-in,
sign-out and language views. Each is posted hostile targets with its path filled from real objects
the user may act on; every redirect it answers must stay on the site. A static check keeps any
other ``next`` read from skipping the helper.
"""

import inspect
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.http import url_has_allowed_host_and_scheme

from common.redirects import next_url
from investment.models import PhotoComment, ProgressEntry, SitePhoto
from notifications import services as notification_services
from notifications.models import Notification
from tests.factories import ProjectFactory

ROOT = Path(__file__).resolve().parent.parent.parent
HOSTILE = [
    "//evil.example/x",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example/x",
    "http:evil.example",
    "///evil.example/x",
    " //evil.example",
    "javascript:alert(1)",
    "https://testserver@evil.example/",
]
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
NEXT_READ = re.compile(r"""["']next["']|next_url\(""")
DJANGO_VIEWS = ("django.contrib.auth.views", "django.views.i18n")


def patterns(entries=None, prefix=""):
    for entry in entries if entries is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route, entry.callback


def view_source(callback):
    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    try:
        return inspect.getsource(view), view.__module__
    except (OSError, TypeError):
        return "", getattr(view, "__module__", "")


def views_following_next():
    found = {}
    for route, callback in patterns():
        source, module = view_source(callback)
        if NEXT_READ.search(source) or module.startswith(DJANGO_VIEWS):
            found[route] = callback
    return found


@pytest.fixture
def objects(county_user, tiedong):
    project = ProjectFactory(region=tiedong, stage="construction", start_type="new", total_investment=Decimal("9000"))
    entry = ProgressEntry.objects.create(project=project, period=date(2026, 10, 1), amount_completed=Decimal("1"))
    notification_services.notify(recipients=[county_user], kind="other", event_key="redirect:1", title="提醒")
    # A site photo and a comment on it (the gallery's comment and conversion views follow next).
    photo = SitePhoto.objects.create(project=project, file="x.jpg", content_type="image/jpeg", size=1, caption="照片",
                                     taken_on=date(2026, 10, 1))  # fmt: skip
    comment = PhotoComment.objects.create(photo=photo, author=county_user, text="批示")
    ids = [project.pk, entry.pk, Notification.objects.get(recipient=county_user).pk, photo.pk, comment.pk]
    return {"int": ids, "str": ["submit"]}


def fillings(route, objects):
    params = PARAM.findall(route)
    if not params:
        yield route
        return
    # one object per converter kind at a time: every id of the pool in every parameter
    for index in range(max(len(objects[kind or "str"]) for kind, _ in params)):
        values = {name: objects[kind or "str"][index % len(objects[kind or "str"])] for kind, name in params}
        yield PARAM.sub(lambda m, values=values: str(values[m.group(2)]), route)


def off_site(location):
    return not url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})


def test_the_walk_finds_the_views_that_follow_next():
    routes = set(views_following_next())
    # the cases the review found and the ones Django ships: a walk that missed them would prove nothing
    assert {"/progress/entry/<int:project_pk>/save/", "/progress/entry/<int:pk>/<str:action>/",
            "/inbox/<int:pk>/read/", "/accounts/login/", "/i18n/setlang/"} <= routes  # fmt: skip


def test_no_view_follows_a_next_off_the_site(client, county_user, objects):
    client.force_login(county_user)
    redirected = set()
    for route in sorted(views_following_next()):
        for url in fillings(route, objects):
            for target in HOSTILE:
                for method in (client.post, client.get):
                    # the fields each kind of view needs to act (and so to redirect): sign-in, language
                    data = {"next": target, "language": "en", "username": county_user.username,
                            "password": "pass-1234-word"}  # fmt: skip
                    response = method(url, data)
                    if 300 <= response.status_code < 400:
                        location = response["Location"]
                        assert not off_site(location), f"{method.__name__} {url} next={target!r} -> {location}"
                        redirected.add(route)
                client.force_login(county_user)  # sign-out views sign out
    # every view found did answer with a redirect at least once, so its target check was exercised
    assert redirected == set(views_following_next()), set(views_following_next()) - redirected


def test_an_on_site_next_is_still_followed(client, county_user, objects):
    client.force_login(county_user)
    notification = Notification.objects.get(recipient=county_user)
    response = client.post(f"/inbox/{notification.pk}/read/", {"next": "/projects/?page=2"})
    assert response.status_code == 302 and response["Location"] == "/projects/?page=2"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_helper_refuses_hostile_targets(rf, target):
    assert next_url(rf.post("/", {"next": target}), "/fallback/") == "/fallback/"
    assert next_url(rf.get("/", {"next": target}), "/fallback/") == "/fallback/"


def test_over_https_an_http_target_on_the_same_host_is_refused(rf):
    request = rf.post("/", {"next": "http://testserver/projects/"}, secure=True)
    assert next_url(request, "/fallback/") == "/fallback/"
    assert next_url(rf.post("/", {"next": "/projects/"}, secure=True), "/fallback/") == "/projects/"


def test_no_code_reads_a_next_without_the_helper():
    offenders = []
    skip = {".venv", "node_modules", "var", "tests", "bench"}
    for path in ROOT.rglob("*.py"):
        if skip.intersection(path.relative_to(ROOT).parts) or path == ROOT / "common" / "redirects.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""(GET|POST|data|query_params)(\.get\(|\[)\s*["']next["']""", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_hostile_targets_are_off_site_by_djangos_check():
    """Guards the list: each hostile value is one Django's check refuses (so a pass above means something)."""
    assert all(off_site(target) for target in HOSTILE)
    assert urlsplit("//evil.example/x").netloc == "evil.example"
