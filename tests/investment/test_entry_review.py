"""Issue 17, items 1-6: entering and reviewing the month (project page form, errors in place, the
entry rules, the sheet's chips and rows, the reviewer's view and bulk verify, the messages)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from investment import selectors, services
from investment.choices import EntryStatus
from investment.excel import COL_AMOUNT, COL_CONFIRM, TEMPLATE_HEADERS, progress_import
from investment.models import EntryLimits, ProgressEntry
from notifications.choices import Channel, Kind
from notifications.models import Delivery, Notification
from projects.choices import Role
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory, user_with_role

from .test_api import jpeg_bytes
from .xlsx_helpers import row, xlsx_bytes

HTMX = {"HTTP_HX_REQUEST": "true"}


def filing():
    return selectors.filing_month()


@pytest.fixture
def project():
    return ProjectFactory(
        code="2026-210302-04-01-FLOW01",
        stage="construction",
        start_type="new",
        total_investment=Decimal("145000"),
        annual_plan=Decimal("30000"),
    )


def _page(client, project, period=None):
    period = period or filing()
    return client.get(f"/progress/project/{project.pk}/?period={period:%Y-%m}")


def _version_in(html):
    return re.search(r'name="version" value="(\d+)"', html).group(1)


# --- 1. the project page's form ---------------------------------------------------------------


def test_project_page_opens_with_the_months_draft_and_its_version(client, county_user, project):
    services.progress_save(user=county_user, project=project, period=filing(), amount_completed="321.5",
                           image_progress="主体封顶")  # fmt: skip
    client.force_login(county_user)
    html = _page(client, project).content.decode()
    assert 'value="321.50"' in html and "主体封顶" in html
    assert 'data-status="draft"' in html and _version_in(html) == "1"
    assert "保存并提交" in html


def test_saving_an_existing_draft_after_a_refresh_is_no_conflict(client, county_user, project):
    services.progress_save(user=county_user, project=project, period=filing(), amount_completed="10")
    client.force_login(county_user)
    version = _version_in(_page(client, project).content.decode())
    data = {"period": f"{filing():%Y-%m}", "amount_completed": "12", "version": version, "intent": "save"}
    response = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    assert response.status_code == 200, response.content.decode()
    assert "已保存为草稿" in response.content.decode() and "已被他人修改" not in response.content.decode()
    entry = ProgressEntry.objects.get()
    assert entry.amount_completed == Decimal("12.00") and entry.version == 2
    assert _version_in(response.content.decode()) == "2"  # the swapped form carries the new version


def test_save_and_submit_from_the_project_page(client, county_user, project):
    client.force_login(county_user)
    data = {"period": f"{filing():%Y-%m}", "amount_completed": "50", "version": "0", "intent": "submit"}
    response = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    assert response.status_code == 200
    entry = ProgressEntry.objects.get()
    assert entry.status == EntryStatus.SUBMITTED and entry.submitted_by == county_user
    assert 'data-status="submitted"' in response.content.decode()
    assert 'value="submit"' not in response.content.decode()  # submitted: shown, no longer editable


def test_a_true_concurrent_edit_answers_409_with_what_changed(client, county_user, county_colleague, project):
    services.progress_save(user=county_user, project=project, period=filing(), amount_completed="10")
    client.force_login(county_user)
    version = _version_in(_page(client, project).content.decode())
    services.progress_save(user=county_colleague, project=project, period=filing(), amount_completed="77",
                           image_progress="同事写的", version=1)  # fmt: skip
    data = {"period": f"{filing():%Y-%m}", "amount_completed": "12", "image_progress": "我写的",
            "version": version, "intent": "save"}  # fmt: skip
    response = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    assert "已被他人修改" in html and "77.00" in html and "同事写的" in html and "我写的" in html
    assert ProgressEntry.objects.get().amount_completed == Decimal("77.00")  # nothing overwritten
    # The form keeps what was typed and now carries the stored version: saving again is deliberate.
    assert _version_in(html) == "2"
    again = client.post(f"/progress/entry/{project.pk}/save/", {**data, "version": "2"}, **HTMX)
    assert again.status_code == 200 and ProgressEntry.objects.get().image_progress == "我写的"


def test_returned_entry_shows_the_reviewers_reason_on_the_project_page(client, county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="10")
    entry = services.progress_submit(user=county_user, entry=entry)
    services.progress_return(user=county_reviewer, entry=entry, reason="请补充现场照片")
    client.force_login(county_user)
    html = _page(client, project).content.decode()
    assert 'data-status="returned"' in html and "请补充现场照片" in html and "保存并提交" in html


# --- 2. a validation error keeps what was typed -----------------------------------------------


def test_a_bad_amount_keeps_the_typed_text_and_marks_the_field(client, county_user, project):
    client.force_login(county_user)
    data = {"period": f"{filing():%Y-%m}", "amount_completed": "12,3x", "image_progress": "钢结构吊装完成",
            "next_steps": "外墙施工", "version": "0", "intent": "save"}  # fmt: skip
    response = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<section class="panel entry-panel" id="entry"')  # only the form
    assert "钢结构吊装完成" in html and "外墙施工" in html and 'value="12,3x"' in html
    assert re.search(r'name="amount_completed"[^>]*aria-invalid="true"', html)
    assert ProgressEntry.objects.count() == 0
    # Without htmx the whole page comes back with the same form, nothing lost.
    page = client.post(f"/progress/entry/{project.pk}/save/", data)
    assert page.status_code == 422 and "钢结构吊装完成" in page.content.decode()


# --- 3. implausible amounts: one rule for the page, the API and the import ----------------------


def test_implausible_amount_needs_confirmation_and_is_flagged(county_user, project):
    with pytest.raises(services.ValidationError) as info:
        services.progress_save(user=county_user, project=project, period=filing(), amount_completed="99999999",
                               overrun_reason="随便写")  # fmt: skip
    assert "超过项目计划总投资 145,000.00 万元" in info.value.message_dict["confirm_amount"][0]
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="99999999",
                                   overrun_reason="设备款一次性入账", confirm_amount=True)  # fmt: skip
    assert "超过项目计划总投资" in entry.amount_flag


def test_the_year_plan_factor_is_data(county_user, project):
    # 70,000 is below the total (145,000) but above twice the year plan (30,000 x 2).
    with pytest.raises(services.ValidationError) as info:
        services.progress_save(user=county_user, project=project, period=filing(), amount_completed="70000")
    assert "本年计划投资 30,000.00 万元的 2 倍" in info.value.message_dict["confirm_amount"][0]
    limits = EntryLimits.current()
    limits.year_plan_factor = Decimal("3")
    limits.save()
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="70000")
    assert entry.amount_flag == ""


def test_the_api_applies_the_same_rule(county_user, project):
    url = f"/api/v1/projects/{project.pk}/progress/"
    api = client_for(county_user)
    refused = api.post(url, {"period": f"{filing():%Y-%m}", "amount_completed": "200000", "overrun_reason": "x"})
    assert refused.status_code == 400 and "超过项目计划总投资" in refused.json()["confirm_amount"][0]
    ok = api.post(url, {"period": f"{filing():%Y-%m}", "amount_completed": "200000", "overrun_reason": "x",
                        "confirm_amount": True}, format="json")  # fmt: skip
    assert ok.status_code == 201 and "超过项目计划总投资" in ok.json()["amount_flag"]


def test_the_import_applies_the_same_rule(county_user, project):
    period = f"{filing():%Y-%m}"
    refused = progress_import(
        user=county_user, data=xlsx_bytes([row(project, period, 200000, reason="x")]), dry_run=True
    )
    assert [(e["row"], e["column"]) for e in refused.errors] == [(2, COL_AMOUNT)]
    assert COL_CONFIRM in refused.errors[0]["message"]
    headers = [*TEMPLATE_HEADERS, COL_CONFIRM]
    done = progress_import(
        user=county_user, data=xlsx_bytes([[*row(project, period, 200000, reason="x"), "是"]], headers), dry_run=False
    )
    assert done.written and "超过项目计划总投资" in ProgressEntry.objects.get().amount_flag


def test_the_page_shows_the_confirmation_step_and_then_saves(client, county_user, project):
    client.force_login(county_user)
    data = {"period": f"{filing():%Y-%m}", "amount_completed": "99999999", "overrun_reason": "一次入账",
            "version": "0", "intent": "save"}  # fmt: skip
    first = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    html = first.content.decode()
    assert first.status_code == 422 and 'name="confirm_amount"' in html and "金额异常" in html
    second = client.post(f"/progress/entry/{project.pk}/save/", {**data, "confirm_amount": "on"}, **HTMX)
    assert second.status_code == 200 and ProgressEntry.objects.get().amount_flag


# --- 4. the sheet: chips = home cards = SQL; rows in place; to-do links open their row ------------


def _sheet_fixture(county_user, county_reviewer):
    period = filing()
    projects = [
        ProjectFactory(stage="construction", total_investment=Decimal(1000 + i), annual_plan=0) for i in range(9)
    ]
    ProjectFactory(stage="landed", total_investment=Decimal("800"), annual_plan=0)  # reports too, not entered
    ProjectFactory(stage="signed")  # does not report
    other = ProjectFactory(stage="construction", region=selectors.Region.objects.get(key="haicheng"))
    services.progress_save(user=None, project=other, period=period, amount_completed="1")
    for p in projects[:2]:
        services.progress_save(user=county_user, project=p, period=period, amount_completed="5")
    for p in projects[2:4]:
        e = services.progress_save(user=county_user, project=p, period=period, amount_completed="5")
        services.progress_submit(user=county_user, entry=e)
    e = services.progress_submit(
        user=county_user,
        entry=services.progress_save(user=county_user, project=projects[4], period=period, amount_completed="5"),
    )
    services.progress_return(user=county_reviewer, entry=e, reason="不对")
    e = services.progress_submit(
        user=county_user,
        entry=services.progress_save(user=county_user, project=projects[5], period=period, amount_completed="5"),
    )
    services.progress_verify(user=county_reviewer, entry=e)
    # a draft of the month after the filing month is not this month's
    services.progress_save(user=county_user, project=projects[6], period=timezone.localdate().replace(day=1),
                           amount_completed="5")  # fmt: skip
    return projects


SQL_COUNTS = """
SELECT COALESCE(e.status, 'unreported') AS status, count(*)
FROM projects_project p
JOIN projects_region r ON r.id = p.region_id
LEFT JOIN investment_progressentry e ON e.project_id = p.id AND e.period = %s
WHERE r.key = 'tiedong' AND p.stage IN ('landed', 'construction', 'completed', 'operating')
GROUP BY 1
"""


def test_home_cards_and_sheet_chips_are_the_same_counts_as_sql(client, county_user, county_reviewer):
    _sheet_fixture(county_user, county_reviewer)
    with connection.cursor() as cursor:
        cursor.execute(SQL_COUNTS, [filing()])
        expected = dict(cursor.fetchall())
    expected = {k: expected.get(k, 0) for k in ("unreported", "draft", "returned", "submitted", "verified")}
    assert expected == {"unreported": 4, "draft": 2, "returned": 1, "submitted": 2, "verified": 1}
    for user in (county_user, county_reviewer):
        client.force_login(user)
        home = client.get("/").content.decode()
        sheet = client.get(f"/progress/?region=tiedong&period={filing():%Y-%m}").content.decode()
        for key, n in expected.items():
            assert f'data-figure="{key}">{n}<' in home, (user, key)
            assert f'data-chip="{key}">{n}<' in sheet, (user, key)


def test_home_lists_drafts_of_the_filing_month_only_and_links_to_the_row(client, county_user, county_reviewer):
    projects = _sheet_fixture(county_user, county_reviewer)
    client.force_login(county_user)
    response = client.get("/")
    drafts = response.context["todo"]["drafts"]["rows"]
    assert {e.project_id for e in drafts} == {projects[0].pk, projects[1].pk}
    assert f"#row-{projects[0].pk}" in response.content.decode()


def test_status_chip_filters_the_sheet(client, county_user, county_reviewer, django_assert_max_num_queries):
    projects = _sheet_fixture(county_user, county_reviewer)
    client.force_login(county_reviewer)
    client.get("/progress/")
    with django_assert_max_num_queries(14):
        response = client.get(f"/progress/?region=tiedong&period={filing():%Y-%m}&status=submitted")
    ids = [p.pk for p in response.context["rows"]]
    assert sorted(ids) == sorted(p.pk for p in projects[2:4])
    assert response.content.decode().count('class="sheet-row') == 2


def test_the_sheet_query_count_does_not_grow_with_rows(
    client, county_reviewer, county_user, django_assert_max_num_queries
):
    for _ in range(30):
        p = ProjectFactory(stage="construction")
        e = services.progress_save(user=county_user, project=p, period=filing(), amount_completed="3")
        services.progress_submit(user=county_user, entry=e)
    client.force_login(county_reviewer)
    client.get("/progress/")
    with django_assert_max_num_queries(14):
        response = client.get(f"/progress/?region=tiedong&period={filing():%Y-%m}")
    assert len(response.context["rows"]) == 30


def test_a_row_action_swaps_only_its_row(client, county_user, county_reviewer, project):
    entry = services.progress_submit(
        user=county_user,
        entry=services.progress_save(user=county_user, project=project, period=filing(), amount_completed="5"),
    )
    client.force_login(county_reviewer)
    response = client.post(f"/progress/entry/{entry.pk}/verify/", {"version": entry.version, "row": "1"}, **HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 200
    assert html.startswith(f'<tr id="row-{project.pk}"') and html.endswith("</tr>") and "已审核通过" in html
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VERIFIED


def test_a_row_save_with_an_error_keeps_the_row_and_the_typed_text(client, county_user, project):
    client.force_login(county_user)
    data = {"period": f"{filing():%Y-%m}", "prefix": f"p{project.pk}", f"p{project.pk}-amount_completed": "abc",
            f"p{project.pk}-image_progress": "桩基完成", f"p{project.pk}-version": "0"}  # fmt: skip
    response = client.post(f"/progress/entry/{project.pk}/save/", data, **HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 422 and html.startswith(f'<tr id="row-{project.pk}"') and "桩基完成" in html


def test_phone_cards_label_every_value_with_thousands_separators(client, county_reviewer, county_user):
    p = ProjectFactory(stage="construction", total_investment=Decimal("145000"), annual_plan=Decimal("30000"))
    e = services.progress_save(user=county_user, project=p, period=filing(), amount_completed="12345.6")
    services.progress_submit(user=county_user, entry=e)
    client.force_login(county_reviewer)
    html = client.get(f"/progress/?region=tiedong&period={filing():%Y-%m}").content.decode()
    row_html = html[html.index(f'id="row-{p.pk}"') :]
    row_html = row_html[: row_html.index("</tr>")]
    cells = re.findall(r"<td[^>]*>", row_html)
    assert cells and all("data-label=" in c for c in cells)
    assert 'data-label="计划总投资(万元)"' in row_html and "145,000.00" in row_html and "12,345.60" in row_html


# --- 5. the reviewer -----------------------------------------------------------------------------


def test_reviewer_sees_photos_previous_months_and_flags(client, county_user, county_reviewer):
    p = ProjectFactory(stage="construction", total_investment=Decimal("1000"), annual_plan=Decimal("600"))
    before = services.months_back(filing(), 1)
    services.progress_save(user=county_user, project=p, period=before, amount_completed="950")
    flagged = ProjectFactory(stage="construction", total_investment=Decimal("1000"), annual_plan=Decimal("100"))
    e = services.progress_save(user=county_user, project=p, period=filing(), amount_completed="1300",
                               overrun_reason="增加设备", confirm_amount=True)  # fmt: skip
    services.progress_submit(user=county_user, entry=e)
    e2 = services.progress_save(user=county_user, project=flagged, period=filing(), amount_completed="10")
    services.progress_submit(user=county_user, entry=e2)
    services.photo_upload(user=county_user, project=flagged, upload=SimpleUploadedFile("a.jpg", jpeg_bytes(exif_date=None)),
                          caption="本月现场", taken_on=filing() + datetime.timedelta(days=3))  # fmt: skip
    client.force_login(county_reviewer)
    response = client.get(f"/progress/?region=tiedong&period={filing():%Y-%m}")
    rows = {r.pk: r for r in response.context["rows"]}
    assert rows[p.pk].flags == ["implausible", "no_photo", "overrun"]
    assert [x.period for x in rows[p.pk].previous_entries] == [before]
    assert rows[flagged.pk].flags == [] and len(rows[flagged.pk].month_photos) == 1
    html = response.content.decode()
    assert "金额异常" in html and "本月无现场照片" in html and "超概算" in html
    assert f"/progress/photos/{rows[flagged.pk].month_photos[0].pk}/thumbnail/" in html


def test_verify_several_at_once_reports_failures_per_row(
    client, county_user, county_reviewer, django_assert_max_num_queries
):
    entries = []
    for _ in range(3):
        p = ProjectFactory(stage="construction")
        e = services.progress_save(user=county_user, project=p, period=filing(), amount_completed="3")
        entries.append(services.progress_submit(user=county_user, entry=e))
    stale = entries[1]
    client.force_login(county_reviewer)
    data = {"entries": [f"{e.pk}:{e.version}" for e in entries[:1] + entries[2:]] + [f"{stale.pk}:{stale.version - 1}"]}
    response = client.post("/progress/entry/verify/", data, follow=True)
    html = response.content.decode()
    assert "已审核通过 2 条" in html
    assert f"{stale.project.name} {filing():%Y-%m}:该记录已被他人修改" in html
    statuses = dict(ProgressEntry.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in entries] == ["verified", "submitted", "verified"]


def test_county_staff_cannot_verify_in_bulk(client, county_user):
    p = ProjectFactory(stage="construction")
    e = services.progress_submit(
        user=county_user,
        entry=services.progress_save(user=county_user, project=p, period=filing(), amount_completed="3"),
    )
    client.force_login(county_user)
    response = client.post("/progress/entry/verify/", {"entries": [f"{e.pk}:{e.version}"]}, follow=True)
    assert "无权审核" in response.content.decode()
    e.refresh_from_db()
    assert e.status == EntryStatus.SUBMITTED


# --- 6. messages ----------------------------------------------------------------------------------


def test_submission_tells_the_reviewers_once_and_queues_after_commit(
    county_user, county_reviewer, project, django_capture_on_commit_callbacks
):
    county_reviewer.email = "reviewer@example.cn"
    county_reviewer.save()
    other = user_with_role("reviewer2", Role.COUNTY_REVIEWER, region=project.region)
    user_with_role("far", Role.COUNTY_REVIEWER, region=selectors.Region.objects.get(key="haicheng"))
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="5")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entry = services.progress_submit(user=county_user, entry=entry)
    inbox = Notification.objects.filter(kind=Kind.ENTRY_SUBMITTED)
    assert sorted(n.recipient.username for n in inbox) == sorted([county_reviewer.username, other.username])
    assert inbox.first().link.endswith(f"status=submitted#row-{project.pk}")  # opens the entry's row
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1  # only one reviewer has an address
    assert len(callbacks) == 1  # the delivery is queued on commit, not inside the transaction
    # The same event told again creates nothing new.
    services.signals.entry_status_changed.send(sender=ProgressEntry, entry=entry, user=county_user)
    assert inbox.count() == 2 and Delivery.objects.count() == 1


def test_return_tells_the_filer_with_the_reason_and_verify_tells_them_too(
    client, county_user, county_reviewer, project
):
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="5")
    entry = services.progress_submit(user=county_user, entry=entry)
    entry = services.progress_return(user=county_reviewer, entry=entry, reason="照片与形象进度不符")
    returned = Notification.objects.get(recipient=county_user, kind=Kind.ENTRY_RETURNED)
    assert "照片与形象进度不符" in returned.body and f"period={filing():%Y-%m}" in returned.link
    entry = services.progress_submit(user=county_user, entry=entry)
    services.progress_verify(user=county_reviewer, entry=entry)
    assert Notification.objects.filter(recipient=county_user, kind=Kind.ENTRY_VERIFIED).count() == 1
    assert Notification.objects.filter(recipient=county_reviewer, kind=Kind.ENTRY_SUBMITTED).count() == 2
    client.force_login(county_user)
    assert "照片与形象进度不符" in client.get("/inbox/").content.decode()


def test_a_rolled_back_submission_tells_nobody(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=filing(), amount_completed="5")
    with pytest.raises(RuntimeError), services.transaction.atomic():
        services.progress_submit(user=county_user, entry=entry)
        raise RuntimeError
    assert Notification.objects.count() == 0
