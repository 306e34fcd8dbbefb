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

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from projects.models import Project
from tests.factories import ProjectFactory

MARKER = "机密甲乙丙"
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


def leaked(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "ignore")
    if MARKER in text:
        return True
    if body[:2] == b"PK":  # xlsx: the marker would sit in the shared strings or inline in the sheets
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return any(MARKER in archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())
    if body[:4] == b"%PDF" and shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, timeout=30)
        return MARKER in out.stdout.decode("utf-8", "ignore")
    return False


@pytest.fixture
def secret_project(tiedong, county_user):
    project = ProjectFactory(region=tiedong, name=f"{MARKER}项目", investor=f"{MARKER}企业", description=MARKER)
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
            for suffix in ("", "?format=xlsx", "?export=xlsx", "?format=pdf"):
                response = client.get(url + suffix)
                visited.append((url + suffix, response.status_code))
                assert not leaked(response), f"{url + suffix} shows another county's data"
    return visited


def test_another_county_user_sees_nothing_of_a_secret_project_anywhere(client, secret_project, other_county_user):
    client.force_login(other_county_user)
    visited = visit_everything(client, secret_project)
    assert len(visited) >= 10
    detail = client.get(f"/projects/{secret_project.pk}/")
    assert detail.status_code == 404


def test_an_anonymous_visitor_sees_nothing_of_it_either(client, secret_project):
    visited = visit_everything(client, secret_project)
    public = ("/healthz", "/accounts/login/")
    opened = [url for url, status in visited if status == 200 and not url.startswith(public)]
    assert opened == []


def test_the_crawler_does_find_the_marker_for_a_user_who_may_see_it(client, secret_project, county_user):
    """Guards the test itself: the same walk, as a user of the same county, does see the project."""
    client.force_login(county_user)
    with pytest.raises(AssertionError, match="shows another county"):
        visit_everything(client, secret_project)
