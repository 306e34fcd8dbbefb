"""No endpoint, page, export or report shows one county's data to another county's user.

Walks every URL the project serves (pages, API, exports, reports), fills each path parameter with
the ids of a secret 铁东区 project and everything hanging off it, and looks for the secret marker in
every answer (HTML, JSON, xlsx cells, PDF text) fetched as a 海城市 user and as an anonymous visitor.
"""

import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from investment.models import Problem, ProgressEntry
from projects.models import Project
from tests.factories import ProjectFactory

MARKER = "机密甲乙丙"
INTERNAL = "内部协调丁戊己"  # only in an internal record (a coordination problem): never published anywhere
# Public disclosure (OC4IDS) publishes every project's public fields by design: there only the
# internal marker must be absent.
PUBLIC_FEEDS = ("/api/v1/open-data/",)
SKIP = re.compile(r"^(admin/|accounts/logout|i18n/|api/docs|api/schema|static/|metrics)")
PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def url_templates(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$").replace("\\.", ".").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from url_templates(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            full = prefix + route
            if "format" in full or "?" in PARAM.sub("", full):
                continue
            yield "/" + PARAM.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", full)


def secret_objects(project):
    """The secret project and every row of every model that points at it directly."""
    objects = [project]
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is Project and field.concrete:
                objects.extend(model._base_manager.filter(**{field.name: project}))
    return objects


def leaked(response, markers=(MARKER, INTERNAL)):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    texts = [body.decode("utf-8", "ignore")]
    if body[:2] == b"PK":  # xlsx: the marker would sit in the shared strings or inline in the sheets
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts += [archive.read(name).decode("utf-8", "ignore") for name in archive.namelist()]
    if body[:4] == b"%PDF" and shutil.which("pdftotext"):
        texts.append(
            subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, timeout=30).stdout.decode()
        )
    return any(marker in text for marker in markers for text in texts)


@pytest.fixture
def secret_project(tiedong, county_user):
    project = ProjectFactory(region=tiedong, name=f"{MARKER}项目", investor=f"{MARKER}企业", description=MARKER,
                             stage="construction", start_type="new", total_investment=Decimal("60000"))  # fmt: skip
    ProgressEntry.objects.create(project=project, period="2026-09-01", amount_completed=Decimal("77.77"),
                                 image_progress=MARKER, status="verified")  # fmt: skip
    Problem.objects.create(project=project, description=INTERNAL, kind="land", responsible_unit=MARKER,
                           responsible_region=tiedong, deadline="2026-12-31")  # fmt: skip
    return project


def visit_everything(client, project):
    ids = sorted({obj.pk for obj in secret_objects(project)})
    visited = []
    for template in sorted(set(url_templates())):
        if SKIP.match(template.lstrip("/")):
            continue
        names = re.findall(r"{(\w+)}", template)
        fillings = [{}] if not names else [dict.fromkeys(names, pk) for pk in ids]
        for values in fillings:
            url = template.format(**values)
            # lists and pages also in their export forms; one object's URL as it is
            for suffix in ("", "?format=xlsx", "?export=xlsx", "?format=pdf") if not names else ("",):
                response = client.get(url + suffix)
                visited.append((url + suffix, response.status_code))
                markers = (INTERNAL,) if url.startswith(PUBLIC_FEEDS) else (MARKER, INTERNAL)
                assert not leaked(response, markers), f"{url + suffix} shows another county's data"
    return visited


def test_another_county_user_sees_nothing_of_a_secret_project_anywhere(client, secret_project, other_county_user):
    client.force_login(other_county_user)
    visited = visit_everything(client, secret_project)
    assert len(visited) >= 10
    detail = client.get(f"/projects/{secret_project.pk}/")
    assert detail.status_code == 404


def test_an_anonymous_visitor_sees_nothing_of_it_either(client, secret_project):
    visited = visit_everything(client, secret_project)
    public = ("/healthz", "/accounts/login/", *PUBLIC_FEEDS)
    opened = [url for url, status in visited if status == 200 and not url.startswith(public)]
    assert opened == []


def test_the_crawler_does_find_the_marker_for_a_user_who_may_see_it(client, secret_project, county_user):
    """Guards the test itself: the same walk, as a user of the same county, does see the project."""
    client.force_login(county_user)
    with pytest.raises(AssertionError, match="shows another county"):
        visit_everything(client, secret_project)
