"""The investment API follows the projects API's conventions: outside view scope 404, visible but not
changeable 403 with a message, always JSON (bad paths and bad uploads too), no floats in figures."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from investment import services
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

from .xlsx_helpers import row, xlsx_bytes

IMPORT = "/api/v1/progress/import/"


def assert_json(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


@pytest.fixture
def project():
    return ProjectFactory(code="2026-210302-04-01-CNV001", stage="construction", start_type="new")


# --- the monthly template: for those who may enter the region's progress ------------------------------


def template_rows(response):
    assert response.status_code == 200, response.content[:300]
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()


def test_administrator_gets_the_template_of_a_county_without_projects(admin_user, project):
    response = client_for(admin_user).get("/api/v1/progress/template/?region=haicheng&period=2026-01")
    rows = template_rows(response)
    assert rows[0][1] == "项目代码" and len(rows) == 1  # headers only: 海城市 has no projects


def test_county_staff_get_their_own_template_only(county_user, project):
    rows = template_rows(client_for(county_user).get("/api/v1/progress/template/?region=tiedong&period=2026-01"))
    assert [r[1] for r in rows[1:]] == [project.code]
    other = client_for(county_user).get("/api/v1/progress/template/?region=haicheng&period=2026-01")
    assert assert_json(other, 404)


def test_readers_who_cannot_enter_progress_get_404_for_the_template(leader, county_reviewer, project):
    for user in (leader, county_reviewer):
        response = client_for(user).get("/api/v1/progress/template/?region=tiedong&period=2026-01")
        assert_json(response, 404)


def test_template_page_follows_the_same_rule(client, leader, admin_user, project):
    client.force_login(leader)
    assert client.get("/progress/template/?region=tiedong&period=2026-01").status_code == 404
    page = client.get("/progress/?region=tiedong&period=2026-01")
    assert page.status_code == 200 and "下载Excel模板" not in page.content.decode()
    client.force_login(admin_user)
    assert client.get("/progress/template/?region=haicheng&period=2026-01").status_code == 200
    assert "下载Excel模板" in client.get("/progress/?region=haicheng&period=2026-01").content.decode()


# --- paths: a project id that is not a number is a JSON 404 -------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/projects/abc/progress/"),
        ("post", "/api/v1/projects/abc/progress/"),
        ("get", "/api/v1/projects/abc/progress/1/"),
        ("post", "/api/v1/projects/abc/progress/1/submit/"),
        ("get", "/api/v1/projects/{pk}/progress/abc/"),
        ("get", "/api/v1/photos/abc/"),
        ("get", "/api/v1/problems/abc/"),
        ("patch", "/api/v1/procedures/abc/"),
        ("get", "/api/v1/funding/abc/"),
    ],
)
def test_a_non_numeric_id_answers_json_404(county_user, project, method, path):
    response = getattr(client_for(county_user), method)(path.format(pk=project.pk), {}, format="json")
    assert "detail" in assert_json(response, 404)


# --- 403 for a visible record the caller may not change, 404 outside view scope ------------------------


def test_writes_on_a_visible_project_without_the_right_answer_403(
    leader, department_user, county_user, county_reviewer, project
):
    entries = f"/api/v1/projects/{project.pk}/progress/"
    body = assert_json(client_for(leader).post(entries, {"period": "2026-01", "amount_completed": "1"}), 403)
    assert body["detail"] == "无权修改该项目的进度数据。"
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="1")
    services.progress_submit(user=county_user, entry=entry)
    body = assert_json(client_for(county_user).post(f"{entries}{entry.pk}/verify/", {}, format="json"), 403)
    assert body["detail"] == "无权审核该项目的进度。"
    assert_json(client_for(department_user).post(f"{entries}{entry.pk}/amend/", {}, format="json"), 403)
    assert_json(client_for(county_reviewer).post(f"{entries}{entry.pk}/submit/", {}, format="json"), 403)

    problem = services.problem_create(
        user=county_user,
        project=project,
        description="用地指标不足",
        kind="land",
        responsible_unit="自然资源局",
        deadline="2026-03-01",
    )
    assert_json(client_for(department_user).patch(f"/api/v1/problems/{problem.pk}/", {"leader": "x"}), 403)
    funding = {"project": project.pk, "kind": "ppp", "amount_applied": "1"}
    assert_json(client_for(leader).post("/api/v1/funding/", funding, format="json"), 403)
    photo = {"project": project.pk, "caption": "x", "file": SimpleUploadedFile("a.jpg", b"x")}
    assert_json(client_for(leader).post("/api/v1/photos/", photo, format="multipart"), 403)
    assert client_for(county_user).get(f"/api/v1/problems/{problem.pk}/").json()["leader"] == ""  # nothing written


def test_writes_outside_view_scope_still_answer_404(other_county_user, special_group_user, county_user, project):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="1")
    entries = f"/api/v1/projects/{project.pk}/progress/"
    for user in (other_county_user, special_group_user):  # 海城市 staff; the social-investment group
        api = client_for(user)
        assert_json(api.post(entries, {"period": "2026-01", "amount_completed": "1"}), 404)
        assert_json(api.post(f"{entries}{entry.pk}/verify/", {}, format="json"), 404)
        assert_json(api.post(f"{entries}{entry.pk}/return/", {}, format="json"), 404)  # 404 before 400
        assert_json(api.post("/api/v1/funding/", {"project": project.pk, "kind": "ppp"}, format="json"), 404)


# --- the import: JSON errors whatever arrives, timing as a decimal ------------------------------------


def test_import_reports_seconds_as_a_decimal_string(county_user, project):
    upload = SimpleUploadedFile("p.xlsx", xlsx_bytes([row(project, "2026-01", 3)]))
    body = assert_json(client_for(county_user).post(f"{IMPORT}?dry_run=1", {"file": upload}, format="multipart"), 200)
    assert isinstance(body["seconds"], str) and re.fullmatch(r"\d+\.\d{3}", body["seconds"])


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"project,amount\n1,2\n", "不是 xlsx"),  # a CSV renamed .xlsx
        (b"%PDF-1.7\n" + b"x" * 100, "不是 xlsx"),
        (b"", "空文件"),  # DRF's own message for an empty file
        (_zip({"a.txt": b"hello"}), "缺少工作簿"),  # a zip that is no workbook
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"not xml"}), "无法解析"),
        (b"PK\x03\x04" + b"\x00" * 200, "损坏"),
    ],
    # Named ids: the zips hold their build time, so ids made from the bytes differed between the two
    # xdist workers' collections when the clock ticked in between (collection error).
    ids=["csv", "pdf", "empty", "zip-without-workbook", "unparsable-workbook", "broken-zip"],
)
def test_import_answers_json_400_for_a_file_that_is_not_a_workbook(county_user, content, message):
    upload = SimpleUploadedFile("p.xlsx", content)
    body = assert_json(client_for(county_user).post(IMPORT, {"file": upload}, format="multipart"), 400)
    assert message in str(body["file"])


def test_import_answers_json_400_without_a_file(county_user):
    api = client_for(county_user)
    assert "file" in assert_json(api.post(IMPORT, {}, format="multipart"), 400)
    assert "file" in assert_json(api.post(IMPORT, {"other": "x"}, format="multipart"), 400)
    empty = api.generic("POST", IMPORT, b"", content_type="multipart/form-data; boundary=xyz")
    assert "file" in assert_json(empty, 400)
    assert "file" in assert_json(api.post(IMPORT, b"", content_type="application/octet-stream"), 400)
    assert_json(api.post(IMPORT, b"PK\x03\x04", content_type="application/octet-stream"), 415)  # multipart only


def test_schema_documents_both_import_error_shapes_and_a_decimal_duration(client, county_user):
    client.force_login(county_user)  # the schema is for signed-in users
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    refused = schema["paths"]["/api/v1/progress/import/"]["post"]["responses"]["400"]
    ref = refused["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    shapes = {r["$ref"].rsplit("/", 1)[1] for r in schema["components"]["schemas"][ref]["oneOf"]}
    assert shapes == {"ImportResult", "FileError"}
    seconds = schema["components"]["schemas"]["ImportResult"]["properties"]["seconds"]
    assert seconds["type"] == "string" and seconds["format"] == "decimal"
