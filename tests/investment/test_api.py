import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from investment import services
from investment.models import SitePhoto
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory, region

from .xlsx_helpers import row, xlsx_bytes


def jpeg_bytes(exif_date="2026:01:15 09:30:00", size=(64, 48)):
    image = Image.new("RGB", size, (200, 80, 40))
    exif = image.getexif()
    if exif_date:
        exif.get_ifd(0x8769)[36867] = exif_date
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def project():
    return ProjectFactory(code="2026-210302-04-01-API001", stage="construction", start_type="new")


def test_entries_list_create_submit_verify(county_user, county_reviewer, project, django_assert_max_num_queries):
    api = client_for(county_user)
    url = f"/api/v1/projects/{project.pk}/progress/"
    response = api.post(url, {"period": "2026-01", "amount_completed": "120.50", "image_progress": "主体封顶"})
    assert response.status_code == 201, response.content
    assert response.json()["amount_completed"] == "120.50" and response.json()["period"] == "2026-01"
    entry_id = response.json()["id"]
    for month in ("2025-10", "2025-11", "2025-12"):
        api.post(url, {"period": month, "amount_completed": "1"})
    with django_assert_max_num_queries(6):
        listing = api.get(url)
    assert listing.status_code == 200 and listing.json()["count"] == 4
    submitted = api.post(f"{url}{entry_id}/submit/", {"version": 1}, format="json")
    assert submitted.json()["status"] == "submitted"
    assert api.post(f"{url}{entry_id}/verify/", {}, format="json").status_code == 403  # staff see it, cannot verify
    verified = client_for(county_reviewer).post(f"{url}{entry_id}/verify/", {"version": 2}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"


def test_stale_version_answers_409(county_user, county_colleague, project):
    url = f"/api/v1/projects/{project.pk}/progress/"
    client_for(county_user).post(url, {"period": "2026-01", "amount_completed": "1"})
    ok = client_for(county_colleague).post(url, {"period": "2026-01", "amount_completed": "2", "version": 1})
    assert ok.status_code == 201
    stale = client_for(county_user).post(url, {"period": "2026-01", "amount_completed": "3", "version": 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]


def test_bad_input_names_the_field(county_user, project):
    url = f"/api/v1/projects/{project.pk}/progress/"
    response = client_for(county_user).post(url, {"period": "2026-01", "amount_completed": "-3"})
    assert response.status_code == 400 and "amount_completed" in response.json()


def test_other_county_gets_404_everywhere(other_county_user, county_user, project):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="1")
    api = client_for(other_county_user)
    assert api.get(f"/api/v1/projects/{project.pk}/progress/").status_code == 404
    assert api.post(f"/api/v1/projects/{project.pk}/progress/{entry.pk}/submit/").status_code == 404
    assert (
        api.post(f"/api/v1/projects/{project.pk}/progress/", {"period": "2026-01", "amount_completed": "1"}).status_code
        == 404
    )


def test_amend_after_freeze_via_api_is_proposed_then_approved(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="100")
    services.period_freeze(period="2026-01")
    url = f"/api/v1/projects/{project.pk}/progress/{entry.pk}/amend/"
    response = client_for(county_user).post(url, {"amount_completed": "80", "reason": "重复统计"}, format="json")
    body = response.json()
    assert response.status_code == 201 and body["new_amount"] == "80.00" and body["status"] == "pending"
    listed = client_for(county_user).get(f"/api/v1/projects/{project.pk}/progress/").json()["results"][0]
    assert listed["effective_amount"] == "100.00" and not listed["is_amended"]  # pending: not counted
    assert listed["pending_amendment"]["new_amount"] == "80.00"
    response = client_for(county_reviewer).post(f"/api/v1/amendments/{body['id']}/approve/", format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    listed = client_for(county_user).get(f"/api/v1/projects/{project.pk}/progress/").json()["results"][0]
    assert listed["amount_completed"] == "100.00" and listed["effective_amount"] == "80.00" and listed["is_amended"]
    assert listed["pending_amendment"] is None


def test_photo_upload_reads_exif_makes_thumbnail_and_serves_in_scope_only(
    county_user, other_county_user, leader, project
):
    api = client_for(county_user)
    upload = SimpleUploadedFile("site.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = api.post(
        "/api/v1/photos/", {"project": project.pk, "file": upload, "caption": "1号厂房"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["taken_on"] == "2026-01-15" and body["taken_on_from_exif"] is True
    photo = SitePhoto.objects.get()
    assert photo.thumbnail and "site" not in photo.file  # stored under a random name
    file_response = api.get(body["file_url"])
    assert file_response.status_code == 200 and b"".join(file_response.streaming_content)[:2] == b"\xff\xd8"
    assert api.get(body["thumbnail_url"]).status_code == 200
    assert client_for(other_county_user).get(body["file_url"]).status_code == 404
    assert client_for(other_county_user).get(body["thumbnail_url"]).status_code == 404
    comment = client_for(leader).post(f"/api/v1/photos/{photo.pk}/comments/", {"text": "加快进度"}, format="json")
    assert comment.status_code == 201
    assert (
        client_for(county_user).get(f"/api/v1/photos/?project={project.pk}").json()["results"][0]["comments"][0]["text"]
        == "加快进度"
    )


def test_photo_checks_content_not_name_and_size(county_user, project, settings):
    api = client_for(county_user)
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>" * 10, content_type="image/jpeg")
    response = api.post("/api/v1/photos/", {"project": project.pk, "file": fake, "caption": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    no_date = SimpleUploadedFile("a.jpg", jpeg_bytes(exif_date=None), content_type="image/jpeg")
    response = api.post("/api/v1/photos/", {"project": project.pk, "file": no_date, "caption": "x"}, format="multipart")
    assert response.status_code == 400 and "taken_on" in response.json()
    settings.UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("b.jpg", jpeg_bytes(size=(400, 400)), content_type="image/jpeg")
    response = api.post("/api/v1/photos/", {"project": project.pk, "file": big, "caption": "x"}, format="multipart")
    assert response.status_code == 400 and "过大" in str(response.json())


def test_video_accepted_by_magic_bytes(county_user, project):
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200
    upload = SimpleUploadedFile("clip.bin", mp4, content_type="application/octet-stream")
    response = client_for(county_user).post(
        "/api/v1/photos/",
        {"project": project.pk, "file": upload, "caption": "塔吊作业", "taken_on": "2026-01-10"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "video" and response.json()["content_type"] == "video/mp4"


def test_problems_procedures_funding_crud_scoped(
    county_user, other_county_user, project, django_assert_max_num_queries
):
    api = client_for(county_user)
    problem = api.post(
        "/api/v1/problems/",
        {
            "project": project.pk,
            "description": "用地指标不足",
            "kind": "land",
            "responsible_unit": "自然资源局",
            "deadline": "2026-03-01",
        },
        format="json",
    )
    assert problem.status_code == 201, problem.content
    pid = problem.json()["id"]
    patched = api.patch(f"/api/v1/problems/{pid}/", {"status": "in_progress", "version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert api.patch(f"/api/v1/problems/{pid}/", {"leader": "x", "version": 1}, format="json").status_code == 409
    assert client_for(other_county_user).get(f"/api/v1/problems/{pid}/").status_code == 404
    assert client_for(other_county_user).get("/api/v1/problems/").json()["count"] == 0

    item = api.post("/api/v1/procedures/", {"project": project.pk, "name": "环评批复"}, format="json")
    assert item.status_code == 201
    sub = api.post(
        "/api/v1/procedures/", {"project": project.pk, "parent": item.json()["id"], "name": "公示"}, format="json"
    )
    assert sub.status_code == 201 and sub.json()["parent"] == item.json()["id"]
    done = api.patch(f"/api/v1/procedures/{sub.json()['id']}/", {"status": "done"}, format="json")
    assert done.status_code == 400 and "actual_date" in done.json()

    funding = api.post(
        "/api/v1/funding/",
        {"project": project.pk, "kind": "special_bonds", "amount_applied": "1000.00", "amount_approved": "800"},
        format="json",
    )
    assert funding.status_code == 201 and funding.json()["amount_approved"] == "800.00"
    for i in range(3):
        ProjectFactory(code=f"2026-210302-04-01-FND00{i}")
    with django_assert_max_num_queries(5):
        assert api.get("/api/v1/funding/").status_code == 200
    with django_assert_max_num_queries(5):
        assert api.get("/api/v1/procedures/").json()["count"] == 2
    outsider = client_for(other_county_user).post(
        "/api/v1/funding/", {"project": project.pk, "kind": "ppp"}, format="json"
    )
    assert outsider.status_code == 404


def test_template_import_and_export_endpoints(county_user, project):
    api = client_for(county_user)
    template = api.get("/api/v1/progress/template/?region=tiedong&period=2026-01")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    data = xlsx_bytes([row(project, "2026-01", 33)])
    preview = api.post(
        "/api/v1/progress/import/?dry_run=1", {"file": SimpleUploadedFile("p.xlsx", data)}, format="multipart"
    )
    assert preview.status_code == 200 and preview.json()["created"] == 1 and not preview.json()["written"]
    written = api.post("/api/v1/progress/import/", {"file": SimpleUploadedFile("p.xlsx", data)}, format="multipart")
    assert written.status_code == 200 and written.json()["written"]
    bad = api.post(
        "/api/v1/progress/import/",
        {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes([row(project, "2026-01", "abc")]))},
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["row"] == 2
    export = api.get("/api/v1/progress/export/?region=tiedong")
    assert export.status_code == 200
    projects_export = api.get("/api/v1/progress/export/?kind=projects&stage=construction")
    assert projects_export.status_code == 200


def test_export_writes_formula_like_text_as_text(county_user):
    from python_calamine import CalamineWorkbook

    project = ProjectFactory(name='=HYPERLINK("http://evil")', investor="+cmd", code="2026-210302-04-01-FORM01")
    services.progress_save(
        user=county_user,
        project=project,
        period="2026-01",
        amount_completed="5",
        image_progress="-1+1",
        next_steps="@SUM(A1)",
    )
    api = client_for(county_user)
    for url in ("/api/v1/progress/export/", "/api/v1/progress/export/?kind=projects"):
        content = api.get(url).content
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet  # no formula cells at all
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        texts = {c for r in rows for c in r if isinstance(c, str)}
        assert '\'=HYPERLINK("http://evil")' in texts
    assert "'-1+1" in texts or "'+cmd" in texts


def test_dates_and_money_are_exact(county_user, project):
    services.progress_save(user=county_user, project=project, period=datetime.date(2026, 1, 9), amount_completed="0.10")
    services.progress_save(user=county_user, project=project, period="2025-12", amount_completed="0.20")
    from investment.selectors import project_totals

    assert project_totals(user=county_user, year=2026).get(pk=project.pk).since_start_completed == Decimal("0.30")
    assert region("tiedong").pk == project.region_id


def test_problem_with_responsible_department_and_project_audit_includes_project_edits(county_user, project):
    from projects.models import Department
    from projects.services import project_update

    department = Department.objects.get(key="gxj")
    response = client_for(county_user).post(
        "/api/v1/problems/",
        {"project": project.pk, "description": "设备进口报关", "kind": "other", "responsible_unit": "市工信局",
         "responsible_department": department.pk, "deadline": "2026-02-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["responsible_department"] == department.pk
    bad = client_for(county_user).post(
        "/api/v1/problems/",
        {"project": project.pk, "description": "x", "kind": "other", "responsible_unit": "u",
         "responsible_department": 999999, "deadline": "2026-02-01"},
        format="json",
    )  # fmt: skip
    assert bad.status_code == 400 and "responsible_department" in bad.json()
    project_update(project=project, user=county_user, annual_plan=Decimal("4000"))
    from investment.selectors import project_audit

    models = {e.pgh_model for e in project_audit(user=county_user, project=project)}
    assert "projects.ProjectEvent" in models and "investment.ProblemEvent" in models


def test_project_export_follows_filters_and_scope(leader, county_user):
    from python_calamine import CalamineWorkbook

    ProjectFactory(name="铁东项目", code="2026-210302-04-01-EXP001", stage="construction", start_type="new")
    ProjectFactory(name="海城项目", code="2026-210381-04-01-EXP002", region=region("haicheng"), investor="\tcmd")
    ProjectFactory(name="铁东储备", code="2026-210302-04-01-EXP003", stage="planning")

    def names(user, query):
        content = client_for(user).get(f"/api/v1/progress/export/?kind=projects&{query}").content
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        return {r[1] for r in rows[1:]}, rows

    assert names(leader, "region=haicheng")[0] == {"海城项目"}
    assert names(leader, "stage=construction")[0] == {"铁东项目"}
    assert names(county_user, "")[0] == {"铁东项目", "铁东储备"}  # never another county's
    _, rows = names(leader, "region=haicheng")
    assert rows[1][2] == "'\tcmd"  # a leading tab is written as text


def test_return_action_and_photo_list_query_count(county_user, county_reviewer, project, django_assert_max_num_queries):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="1")
    services.progress_submit(user=county_user, entry=entry)
    url = f"/api/v1/projects/{project.pk}/progress/{entry.pk}/return/"
    assert client_for(county_reviewer).post(url, {}, format="json").status_code == 400  # a reason is required
    returned = client_for(county_reviewer).post(url, {"reason": "形象进度描述不清"}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    for i in range(4):
        services.photo_upload(
            user=county_user, project=project, upload=SimpleUploadedFile("a.jpg", jpeg_bytes()), caption=f"第{i}周"
        )
    api = client_for(county_user)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/photos/").json()
    assert body["count"] == 4
