"""No hostile value in a path or query parameter makes any page or API route answer 5xx.

Walks every URL pattern the project serves (pages and API). Path parameters are filled with the ids
of a real project and everything hanging off it (so the view gets past its 404) and, for the
parameters a converter lets through as text, with each hostile value. Query parameters: the names
each view can read (read from its module's source and its filterset, plus the API's shared ones):
all of them at once with every hostile value, and (on lists and pages, as a county user) each name
on its own with the values of each class, so that one refused parameter cannot hide another.
A new view, parameter or converter is walked without editing this file.
"""

import inspect
import logging
import re
import time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from investment.models import Problem, ProgressEntry
from tests.factories import ProjectFactory
from tests.security.test_no_leak import SKIP, secret_objects, url_templates

HOSTILE = [
    "²",  # str.isdigit() says yes, int() says no
    "①",
    "１２",  # fullwidth: int() accepts, we must not
    "٣",  # Arabic-Indic
    "99999999999999999999999999",
    "1000000000",
    "-1",
    "0",
    "",
    "1\x00",
    "9999-12",
    "0000-00",
    "2026-13",
    "abc",
    "x" * 3000,
]
# Each name on its own gets these (the classes of fault); all names at once get every value above.
SINGLE = ["²", "１２", "99999999999999999999999999"]
API_SHARED = {"page", "page_size", "format"}
NAME_IN_SOURCE = re.compile(r"""(?:GET|query_params|params)(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")


def params_for(url):
    """Query parameter names the view behind this URL may read."""
    match = resolve(url.split("?")[0])
    func = match.func
    view = getattr(func, "cls", None) or getattr(func, "view_class", None)
    names = set(API_SHARED) if url.startswith("/api/") else set()
    try:
        names |= set(NAME_IN_SOURCE.findall(inspect.getsource(inspect.getmodule(view or func))))
    except (TypeError, OSError):
        pass
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None:
        names |= set(filterset.base_filters)
    for attr in ("filterset_fields", "search_fields", "ordering_fields"):
        if isinstance(getattr(view, attr, None), (list, tuple, dict)):
            names |= set(getattr(view, attr))
    return sorted(names)


@pytest.fixture
def target(tiedong):
    project = ProjectFactory(region=tiedong, stage="construction", start_type="new", total_investment=Decimal("60000"))
    ProgressEntry.objects.create(project=project, period="2026-09-01", amount_completed=Decimal("7"), status="verified")
    Problem.objects.create(project=project, description="问题", kind="land", responsible_unit="铁东区",
                           responsible_region=tiedong, deadline="2026-12-31")  # fmt: skip
    return project


def crawl(client, project, singles=SINGLE):
    ids = sorted({obj.pk for obj in secret_objects(project)})
    failures, count = [], 0

    def get(url, query=None):
        nonlocal count
        count += 1
        response = client.get(url, query or {})
        if response.status_code >= 500 and not (url == "/healthz" and response.status_code == 503):
            failures.append((response.status_code, url, query))

    for template in sorted(set(url_templates())):
        if SKIP.match(template.lstrip("/")) or template.startswith("/api/v1/.*"):
            continue
        names = re.findall(r"{(\w+)}", template)
        urls = [template] if not names else [template.format(**dict.fromkeys(names, pk)) for pk in ids[:1]]
        # Text path parameters (str converters, the nested API's project_pk) get the hostile values too.
        for value in HOSTILE:
            if names and value and "/" not in value:
                candidate = template.format(**dict.fromkeys(names, value.replace("\x00", "%00")))
                try:
                    resolve(candidate)
                except Resolver404:  # an int converter refused it: nothing to call
                    continue
                get(candidate)
        for url in urls:
            if client.get(url).status_code == 405:  # POST-only: a GET reads no parameters
                continue
            get(url)
            params = params_for(url)
            for value in HOSTILE:
                get(url, dict.fromkeys(params, value))
            # Each name on its own only where no path parameter is given (lists and pages, where the
            # query parameters are read); one object's URL gets the all-at-once pass.
            for value in singles if not names else ():
                for name in params:
                    get(url, {name: value})
    return failures, count


@pytest.mark.parametrize("who", ["county_user", "leader"])
def test_no_route_answers_5xx_to_hostile_parameters(who, request, target):
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(who))
    logging.disable(logging.WARNING)  # thousands of expected 4xx lines would drown the report
    request.addfinalizer(lambda: logging.disable(logging.NOTSET))
    started = time.monotonic()
    # The county user gets every name on its own too; the leader (who sees every county) the
    # all-at-once pass, which is where the city-wide pages differ.
    failures, count = crawl(client, target, singles=SINGLE if who == "county_user" else ())
    elapsed = time.monotonic() - started
    print(f"fuzz as {who}: {count} requests in {elapsed:.1f} s")
    for failure in failures:
        print("5xx:", failure)
    assert count > 1000
    assert failures == [], f"{len(failures)} answers were 5xx, first: {failures[:20]}"
