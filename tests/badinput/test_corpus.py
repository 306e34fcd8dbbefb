"""Every bad file and request gets a clear, specific error (400, never 500), the database is
unchanged and the process keeps serving."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from investment.models import ProgressEntry, SitePhoto
from projects.models import Category
from tests.badinput.corpus import IMPORT_CORPUS, PHOTO_CORPUS, row, sheet
from tests.factories import ProjectFactory

HOSTILE = "<script>alert(1)</script>'; DROP TABLE x;--"


@pytest.fixture
def project(tiedong):
    return ProjectFactory(region=tiedong, code="2026-210302-04-01-BAD001", stage="construction", start_type="new",
                          total_investment=Decimal("50000"), annual_plan=Decimal("10000"))  # fmt: skip


@pytest.fixture
def api(county_user):
    client = APIClient()
    client.force_authenticate(county_user)
    return client


def database_state():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM investment_progressentryevent")
        events = cursor.fetchone()[0]
    figures = ProgressEntry.objects.aggregate(n=Count("id"), total=Sum("amount_completed"))
    return figures, events, SitePhoto.objects.count()


def media_files():
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file() and "progress" in p.parts)


def message_text(response):
    return json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("case", list(IMPORT_CORPUS))
def test_a_bad_progress_file_is_refused_with_a_specific_error_and_nothing_written(api, project, case):
    build, expected = IMPORT_CORPUS[case]
    ProgressEntry.objects.create(project=project, period="2026-09-01", amount_completed=Decimal("12.34"))
    before = database_state()
    data = build(project)

    response = api.post("/api/v1/progress/import/", {"file": SimpleUploadedFile("进度.xlsx", data)}, format="multipart")

    assert response.status_code == 400, (case, response.status_code, response.content[:300])
    assert expected in message_text(response), (case, message_text(response)[:300])
    assert database_state() == before
    # the process keeps serving: a good file still validates
    good = sheet([row(project)])
    again = api.post("/api/v1/progress/import/?dry_run=1", {"file": SimpleUploadedFile("ok.xlsx", good)},
                     format="multipart")  # fmt: skip
    assert again.status_code == 200 and again.json()["valid"]


@pytest.mark.parametrize("case", list(PHOTO_CORPUS))
def test_a_bad_photo_is_refused_by_content_and_nothing_is_stored(api, project, case):
    build, expected = PHOTO_CORPUS[case]
    name, data = build()
    before, files = database_state(), media_files()

    response = api.post("/api/v1/photos/", {"project": project.pk, "file": SimpleUploadedFile(name, data),
                                            "caption": "现场"}, format="multipart")  # fmt: skip

    assert response.status_code == 400, (case, response.status_code, response.content[:300])
    assert expected in message_text(response), (case, message_text(response)[:300])
    assert database_state() == before and media_files() == files


def test_hostile_names_round_trip_through_the_api_and_render_escaped(api, client, county_user, tiedong):
    admin = APIClient()
    from projects.choices import Role
    from tests.factories import user_with_role

    admin.force_authenticate(user_with_role("root", Role.ADMIN))
    created = admin.post("/api/v1/projects/", {"name": HOSTILE, "investor": "<b>x</b>", "region": tiedong.pk,
                                               "category": Category.objects.get(key="industrial").pk, "total_investment": "100.00"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content[:300]
    pk = created.json()["id"]
    assert api.get(f"/api/v1/projects/{pk}/").json()["name"] == HOSTILE
    client.force_login(county_user)
    html = client.get(f"/projects/{pk}/").content.decode()
    assert HOSTILE not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "名" * 5000, "name"),
        ("total_investment", "-1", "total_investment"),
        ("total_investment", "1e20", "total_investment"),
        ("total_investment", "NaN", "total_investment"),
        ("total_investment", "十万", "total_investment"),
        ("planned_start", "2026/13/45", "planned_start"),
        ("code", "'; DROP TABLE projects_project;--", "code"),
    ],
)
def test_bad_values_in_an_api_write_name_the_field_and_write_nothing(field, value, expected, tiedong):
    from projects.choices import Role
    from projects.models import Project
    from tests.factories import user_with_role

    admin = APIClient()
    admin.force_authenticate(user_with_role("root", Role.ADMIN))
    body = {
        "name": "正常项目",
        "region": tiedong.pk,
        "category": Category.objects.get(key="industrial").pk,
        "total_investment": "100.00",
        field: value,
    }
    before = Project.objects.count()
    response = admin.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400 and expected in response.json(), response.content[:300]
    assert Project.objects.count() == before
