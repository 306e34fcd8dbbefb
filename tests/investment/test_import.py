import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from investment import services
from investment.choices import EntryStatus
from investment.excel import progress_import, progress_template, read_rows
from investment.models import ProgressEntry, ProgressEntryEvent
from tests.factories import ProjectFactory, region

from .xlsx_helpers import row, xlsx_bytes

PERIOD = "2026-01"


@pytest.fixture
def projects():
    return [
        ProjectFactory(code=f"2026-210302-04-01-A1B2C{i}", stage="construction", start_type="new") for i in range(3)
    ]


def _errors(result):
    return [(e["row"], e["column"], e["message"]) for e in result.errors]


def test_valid_file_previews_without_writing_then_imports(county_user, projects):
    data = xlsx_bytes([row(p, PERIOD, 100 + i, image="主体施工") for i, p in enumerate(projects)])
    preview = progress_import(user=county_user, data=data, dry_run=True)
    assert preview.valid and preview.created == 3 and not preview.written
    assert ProgressEntry.objects.count() == 0
    result = progress_import(user=county_user, data=data, dry_run=False)
    assert result.written and result.created == 3
    entry = ProgressEntry.objects.get(project=projects[2])
    assert entry.amount_completed == Decimal("102.00") and entry.image_progress == "主体施工"
    assert entry.period == datetime.date(2026, 1, 1) and entry.status == EntryStatus.DRAFT
    # The audit keeps who imported.
    event = ProgressEntryEvent.objects.filter(pgh_obj=entry).latest("pgh_id")
    assert event.pgh_context.metadata["user"] == county_user.pk


def test_importing_the_same_file_twice_doubles_nothing(county_user, projects):
    data = xlsx_bytes([row(p, PERIOD, 50) for p in projects])
    progress_import(user=county_user, data=data, dry_run=False)
    again = progress_import(user=county_user, data=data, dry_run=False)
    assert again.unchanged == 3 and again.created == 0 and again.updated == 0
    assert ProgressEntry.objects.count() == 3
    assert all(e.version == 1 for e in ProgressEntry.objects.all())


def test_update_of_existing_entry_is_previewed_with_old_value(county_user, projects):
    services.progress_save(user=county_user, project=projects[0], period=PERIOD, amount_completed="10")
    result = progress_import(user=county_user, data=xlsx_bytes([row(projects[0], PERIOD, 12.5)]), dry_run=False)
    assert result.changes[0]["old_amount"] == "10.00" and result.changes[0]["new_amount"] == "12.50"
    entry = ProgressEntry.objects.get()
    assert entry.amount_completed == Decimal("12.50") and entry.version == 2


def test_row_errors_name_row_column_and_problem_and_nothing_is_written(county_user, projects):
    other = ProjectFactory(code="2026-210381-04-01-ZZZZZ9", region=region("haicheng"))
    rows = [
        row(projects[0], PERIOD, 10),  # row 2: fine
        row(None, PERIOD, 10, code="2026-210302-04-01-NOPE00"),  # row 3: unknown
        row(other, PERIOD, 10),  # row 4: another county's
        row(projects[1], PERIOD, "十万"),  # row 5: text in a number cell
        row(projects[2], PERIOD, -5),  # row 6: negative
        row(projects[0], PERIOD, 11),  # row 7: duplicate of row 2
    ]
    result = progress_import(user=county_user, data=xlsx_bytes(rows), dry_run=False)
    errors = _errors(result)
    # A made-up code and another county's real one get the same words (no existence oracle).
    assert (3, "项目代码", "项目代码“2026-210302-04-01-NOPE00”无效或不可用。") in errors
    assert (4, "项目代码", "项目代码“2026-210381-04-01-ZZZZZ9”无效或不可用。") in errors
    assert any(r == 5 and c == "本月完成投资(万元)" and "不是数字" in m for r, c, m in errors)
    assert any(r == 6 and c == "本月完成投资(万元)" and "负数" in m for r, c, m in errors)
    assert any(r == 7 and "与第 2 行重复" in m for r, c, m in errors)
    assert not result.written
    assert ProgressEntry.objects.count() == 0


def test_frozen_period_rows_are_refused(county_user, projects):
    services.period_freeze(period=PERIOD)
    result = progress_import(user=county_user, data=xlsx_bytes([row(projects[0], PERIOD, 10)]), dry_run=False)
    assert _errors(result)[0][:2] == (2, "填报月份") and "已冻结" in _errors(result)[0][2]
    assert ProgressEntry.objects.count() == 0


def test_overrun_without_reason_is_refused_and_accepted_with_one(county_user):
    project = ProjectFactory(code="2026-210302-04-01-OVER01", total_investment=Decimal("100"), annual_plan=0)
    services.progress_save(user=county_user, project=project, period="2025-12", amount_completed="90")
    bad = progress_import(user=county_user, data=xlsx_bytes([row(project, PERIOD, 20)]), dry_run=True)
    assert [e[1] for e in _errors(bad)] == ["超概算说明"]
    ok = progress_import(
        user=county_user, data=xlsx_bytes([row(project, PERIOD, 20, reason="钢材涨价")]), dry_run=False
    )
    assert ok.written


def test_submitted_entries_cannot_be_changed_by_import(county_user, projects):
    entry = services.progress_save(user=county_user, project=projects[0], period=PERIOD, amount_completed="10")
    services.progress_submit(user=county_user, entry=entry)
    result = progress_import(user=county_user, data=xlsx_bytes([row(projects[0], PERIOD, 20)]), dry_run=True)
    assert _errors(result)[0][1] == "状态"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet" * 10, "不是 xlsx"),
        (b"PK\x03\x04" + b"\x00" * 200, "损坏"),
        ("项目代码,月份\n".encode() * 5, "不是 xlsx"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(county_user, data, message):
    with pytest.raises(ValidationError) as info:
        progress_import(user=county_user, data=data)
    assert message in str(info.value.message_dict["file"])


def test_zip_bomb_is_refused_before_parsing(county_user, settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError) as info:
        progress_import(user=county_user, data=buffer.getvalue())
    assert "压缩炸弹" in str(info.value)


def test_too_many_zip_members_are_refused(county_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(600):
            archive.writestr(f"xl/f{i}.xml", "x")
    with pytest.raises(ValidationError) as info:
        progress_import(user=county_user, data=buffer.getvalue())
    assert "结构异常" in str(info.value)


def test_template_lists_county_projects_with_validation(county_user, projects, tiedong):
    ProjectFactory(code="2026-210381-04-01-HC0001", region=region("haicheng"), stage="construction", start_type="new")
    buffer = io.BytesIO()
    count = progress_template(user=county_user, region=tiedong, period=PERIOD, target=buffer)
    assert count == 3
    data = buffer.getvalue()
    headers, rows = read_rows(data)
    assert headers[:5] == ["项目ID", "项目代码", "项目名称", "县区", "填报月份"]
    assert {r[1] for r in rows} == {p.code for p in projects}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation" in sheet and "项目代码表" in sheet
    # The filled template imports back.
    filled = xlsx_bytes([row(p, PERIOD, 1) for p in projects])
    assert progress_import(user=county_user, data=filled, dry_run=True).created == 3


def test_ten_thousand_rows_validate_in_seconds(county_user):
    import time

    from projects.models import Project

    from .bulk import bulk_projects

    bulk_projects(10_000)
    codes = list(Project.objects.values_list("pk", "code", "name"))
    rows = [[pk, code, name, "", PERIOD, None, None, 12.34, "", "", "", ""] for pk, code, name in codes]
    data = xlsx_bytes(rows)
    started = time.perf_counter()
    result = progress_import(user=county_user, data=data, dry_run=True)
    elapsed = time.perf_counter() - started
    assert result.valid and result.created == 10_000
    assert elapsed < 20, elapsed  # about 1 s on an idle 2-core machine; generous for a loaded CI box


def test_import_query_count_does_not_grow_with_rows(county_user, django_assert_max_num_queries):
    from projects.access import user_roles

    from .bulk import bulk_projects

    projects = list(bulk_projects(60, prefix="Q"))
    user_roles(county_user)
    first = xlsx_bytes([row(p, PERIOD, 1) for p in projects])
    progress_import(user=county_user, data=first, dry_run=False)
    changed = xlsx_bytes([row(p, PERIOD, 2) for p in projects])
    with django_assert_max_num_queries(12):
        result = progress_import(user=county_user, data=changed, dry_run=False)
    assert result.updated == 60
    assert {e.amount_completed for e in ProgressEntry.objects.all()} == {Decimal("2.00")}
    assert {e.version for e in ProgressEntry.objects.all()} == {2}


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_file_double_nothing(county_user, county_colleague):
    import threading

    from django.db import connection

    projects = [ProjectFactory(code=f"2026-210302-04-01-CONC0{i}") for i in range(5)]
    data = xlsx_bytes([row(p, PERIOD, 7) for p in projects])
    barrier = threading.Barrier(2)
    results = []

    def run(user):
        try:
            barrier.wait(timeout=5)
            results.append(progress_import(user=user, data=data, dry_run=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (county_user, county_colleague)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(results) == 2 and all(r.valid for r in results)
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 5), (5, 0)]
    assert ProgressEntry.objects.count() == 5
    assert {e.version for e in ProgressEntry.objects.all()} == {1}


def test_too_large_file_and_missing_columns_are_refused(county_user, projects, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(county_user)
    data = xlsx_bytes([row(p, PERIOD, 1) for p in projects])
    settings.UPLOAD_MAX_BYTES = 1024
    response = api.post("/api/v1/progress/import/?dry_run=1", {"file": SimpleUploadedFile("p.xlsx", data)})
    assert response.status_code == 400 and "文件过大" in str(response.json()["file"])
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    wrong = xlsx_bytes([["x", "y"]], headers=["名称", "金额"])
    response = api.post("/api/v1/progress/import/?dry_run=1", {"file": SimpleUploadedFile("p.xlsx", wrong)})
    assert response.status_code == 400 and "缺少列" in str(response.json()["file"])
