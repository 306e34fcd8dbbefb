import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from investment import services
from investment.models import ProgressEntry
from tests.factories import ProjectFactory

from .test_api import jpeg_bytes
from .xlsx_helpers import row, xlsx_bytes


@pytest.fixture
def project():
    return ProjectFactory(code="2026-210302-04-01-PAGE01", stage="construction", start_type="new")


def test_month_page_lists_county_projects_with_forms(client, county_user, project, django_assert_max_num_queries):
    for i in range(5):
        ProjectFactory(stage="construction", start_type="new", code=f"2026-210302-04-01-PAGE1{i}")
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        response = client.get("/progress/?region=tiedong&period=2026-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "月度进度填报" in html and project.name in html and html.count('class="entry-form"') == 6


def test_entry_saved_from_page_and_stale_save_gets_conflict_message(client, county_user, county_colleague, project):
    client.force_login(county_user)
    data = {"period": "2026-01", "prefix": "", "amount_completed": "12.5", "image_progress": "基础施工", "version": "0"}
    response = client.post(f"/progress/entry/{project.pk}/save/", data, follow=True)
    assert response.status_code == 200 and "已保存" in response.content.decode()
    assert ProgressEntry.objects.get().amount_completed == Decimal("12.50")
    services.progress_save(user=county_colleague, project=project, period="2026-01", amount_completed="13", version=1)
    response = client.post(f"/progress/entry/{project.pk}/save/", {**data, "version": "1"}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert ProgressEntry.objects.get().amount_completed == Decimal("13.00")


def test_project_progress_page_shows_everything(
    client, county_user, county_reviewer, project, django_assert_max_num_queries
):
    services.progress_save(user=county_user, project=project, period="2025-12", amount_completed="10")
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="20")
    services.period_freeze(period="2026-01")
    amendment = services.amendment_propose(user=county_user, entry=entry, amount_completed="25", reason="漏报设备款")
    services.amendment_approve(user=county_reviewer, amendment=amendment)
    services.photo_upload(
        user=county_user,
        project=project,
        upload=SimpleUploadedFile("a.jpg", jpeg_bytes()),
        caption="厂房封顶",
    )
    services.problem_create(
        user=county_user,
        project=project,
        description="电力接入滞后",
        kind="utilities",
        responsible_unit="供电公司",
        deadline=datetime.date(2026, 1, 20),
    )
    services.procedure_create(
        user=county_user,
        project=project,
        name="施工许可证",
        status="done",
        planned_date=datetime.date(2026, 3, 1),
        actual_date=datetime.date(2026, 1, 1),
    )
    services.funding_create(user=county_user, project=project, kind="special_bonds", amount_applied="500")
    client.force_login(county_user)
    with django_assert_max_num_queries(20):
        response = client.get(f"/progress/project/{project.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "已修正",
        "漏报设备款",
        "厂房封顶",
        "电力接入滞后",
        "施工许可证",
        "较计划提前 59 天",
        "(提前 59 天)",
        "地方政府专项债",
        "修改记录",
    ):
        assert text in html, text
    assert "+59" not in html  # days saved read as words, not a signed number
    assert "35.00" in html  # since-start with the amended figure
    assert "月度进度修改" in html and "修正后本月完成投资(万元):— → 25" in html


def test_other_county_gets_404_on_pages_and_files(client, county_user, other_county_user, project):
    photo = services.photo_upload(
        user=county_user, project=project, upload=SimpleUploadedFile("a.jpg", jpeg_bytes()), caption="x"
    )
    client.force_login(other_county_user)
    assert client.get(f"/progress/project/{project.pk}/").status_code == 404
    assert client.get(f"/progress/photos/{photo.pk}/file/").status_code == 404
    assert client.get(f"/progress/photos/{photo.pk}/thumbnail/").status_code == 404
    client.force_login(county_user)
    assert client.get(f"/progress/photos/{photo.pk}/thumbnail/").status_code == 200


def test_import_preview_then_confirm(client, county_user, project):
    client.force_login(county_user)
    data = xlsx_bytes([row(project, "2026-01", 44)])
    preview = client.post("/progress/import/", {"file": SimpleUploadedFile("p.xlsx", data)})
    assert preview.status_code == 200 and "确认导入" in preview.content.decode()
    assert ProgressEntry.objects.count() == 0
    confirmed = client.post("/progress/import/", {"confirm": "1"}, follow=True)
    assert "导入完成" in confirmed.content.decode()
    assert ProgressEntry.objects.get().amount_completed == Decimal("44.00")


def test_import_page_shows_row_errors_and_refuses_non_xlsx(client, county_user, project):
    client.force_login(county_user)
    bad = client.post(
        "/progress/import/", {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes([row(project, "2026-01", -1)]))}
    )
    html = bad.content.decode()
    assert "负数" in html and "确认导入" not in html
    junk = client.post("/progress/import/", {"file": SimpleUploadedFile("p.xlsx", b"hello, world" * 50)})
    assert "不是 xlsx" in junk.content.decode()


def test_template_and_export_downloads(client, county_user, project):
    client.force_login(county_user)
    template = client.get("/progress/template/?region=tiedong&period=2026-01")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert client.get("/progress/export/?kind=projects&stage=construction").status_code == 200


def test_progress_section_tag_renders_for_project_page(rf, county_user, project):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = county_user
    services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="8")
    html = Template("{% load investment_tags %}{% progress_section project %}").render(
        Context({"project": project, "request": request})
    )
    assert "月度进度" in html and "8.00" in html


def test_problem_list_page_flags_overdue_and_is_scoped(
    client, county_user, other_county_user, project, django_assert_max_num_queries
):
    for i in range(4):
        services.problem_create(
            user=county_user, project=project, description=f"问题{i}", kind="land", responsible_unit="自然资源局",
            deadline=datetime.date(2020, 1, 1 + i),
        )  # fmt: skip
    client.force_login(county_user)
    with django_assert_max_num_queries(10):
        response = client.get("/progress/problems/?overdue=1&status=open")
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<mark>超期</mark>") == 4
    client.force_login(other_county_user)
    assert "问题0" not in client.get("/progress/problems/").content.decode()


def test_failed_photo_save_leaves_no_file(county_user, project, settings, monkeypatch, tmp_path):
    import os

    from investment.models import SitePhoto

    def boom(self, *args, **kwargs):
        raise RuntimeError("database down")

    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(SitePhoto, "save", boom)
    with pytest.raises(RuntimeError):
        services.photo_upload(
            user=county_user, project=project, upload=SimpleUploadedFile("a.jpg", jpeg_bytes()), caption="x"
        )
    stored = [f for _, _, files in os.walk(settings.MEDIA_ROOT) for f in files]
    assert stored == []
    monkeypatch.undo()
    services.photo_upload(
        user=county_user, project=project, upload=SimpleUploadedFile("a.jpg", jpeg_bytes()), caption="x"
    )
    assert len([f for _, _, files in os.walk(tmp_path) for f in files]) == 2  # the photo and its thumbnail


def test_month_page_shows_verify_only_to_reviewers(client, county_user, county_reviewer, leader, project):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="5")
    services.progress_submit(user=county_user, entry=entry)
    client.force_login(county_reviewer)
    assert "审核通过" in client.get("/progress/?region=tiedong&period=2026-01").content.decode()
    client.force_login(county_user)
    html = client.get("/progress/?region=tiedong&period=2026-01").content.decode()
    assert "审核通过" not in html and "已提交" in html
    client.force_login(leader)
    html = client.get("/progress/?region=tiedong&period=2026-01").content.decode()
    assert "entry-form" not in html and "5.00" in html
