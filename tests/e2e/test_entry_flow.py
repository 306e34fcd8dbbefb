"""The month's entry and review in a real browser (issue 17, items 1-6): a county user on a phone fills
the project page's form, saves, fixes an error without retyping, confirms an implausible amount and
submits; a concurrent edit in a second browser still gets its 409 with what changed; the reviewer on a
desktop sees the flags on the sheet, returns the entry with a reason; the filer sees the reason on the
project page and a message in the inbox.

Screenshots: UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ (conftest.SCREENSHOTS).
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from investment import services
from investment.choices import EntryStatus
from investment.models import ProgressEntry
from investment.selectors import filing_month
from notifications.choices import Kind
from notifications.models import Notification
from projects.choices import Role, Stage
from tests.factories import ProjectFactory, region, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "pass-1234-word"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
NAME = "鞍钢冷轧硅钢扩建项目(端到端)"


@pytest.fixture
def people(transactional_db):
    county = user_with_role("filer_e2e", Role.COUNTY_STAFF, region=region("tiedong"))
    colleague = user_with_role("colleague_e2e", Role.COUNTY_STAFF, region=region("tiedong"))
    reviewer = user_with_role("checker_e2e", Role.COUNTY_REVIEWER, region=region("tiedong"))
    for user in (county, colleague, reviewer):
        user.set_password(PASSWORD)
        user.save()
    project = ProjectFactory(
        name=NAME,
        code="2026-210302-04-01-E2E017",
        stage=Stage.CONSTRUCTION,
        start_type="new",
        total_investment=Decimal("145000.00"),
        annual_plan=Decimal("30000.00"),
    )
    for i in range(6):  # a few more rows on the sheet, each in its own status
        other = ProjectFactory(stage=Stage.CONSTRUCTION, total_investment=Decimal(9000 + i), annual_plan=Decimal(2000))
        if i < 3:
            entry = services.progress_save(
                user=colleague, project=other, period=filing_month(), amount_completed=Decimal(120 + i)
            )
            if i < 2:
                services.progress_submit(user=colleague, entry=entry)
    return {"county": county, "colleague": colleague, "reviewer": reviewer, "project": project}


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def watch_console(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "409" not in msg.text
            and "422" not in msg.text else None)  # fmt: skip
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_fill_fix_submit_conflict_review_return_and_read_the_reason(browser, live_server, people, screenshots):
    base = live_server.url
    project = people["project"]
    month = f"{filing_month():%Y-%m}"
    url = f"{base}/progress/project/{project.pk}/?period={month}"

    # --- the county user, on a phone --------------------------------------------------------------
    phone_context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone_errors = watch_console(phone)
    sign_in(phone, base, "filer_e2e")
    expect(phone.locator('[data-figure="unreported"]')).to_have_text("4")  # this project and three others
    phone.goto(url)
    entry = phone.locator("#entry")
    expect(entry.locator("[data-status]")).to_have_text("未填报")
    entry.get_by_label("本月完成投资(万元)").fill("2,1OO")  # a letter O typed for a zero
    entry.get_by_label("形象进度").fill("2#冷轧车间钢结构吊装完成,设备基础施工中")
    entry.get_by_label("下步计划").fill("12月完成屋面板安装")
    phone.evaluate("window.scrollTo(0, document.querySelector('#entry').offsetTop)")
    scroll_before = phone.evaluate("window.scrollY")
    entry.get_by_role("button", name="保存", exact=True).click()
    amount = phone.locator("#entry").get_by_label("本月完成投资(万元)")
    expect(amount).to_have_attribute("aria-invalid", "true")
    # Nothing typed is lost, the page did not jump to the top, the form did not collapse.
    expect(phone.locator("#entry").get_by_label("形象进度")).to_have_value("2#冷轧车间钢结构吊装完成,设备基础施工中")
    expect(phone.locator("#entry").get_by_label("下步计划")).to_have_value("12月完成屋面板安装")
    assert abs(phone.evaluate("window.scrollY") - scroll_before) < 50
    phone.screenshot(path=screenshots / "entry-error-phone.png", full_page=False)
    amount.fill("2100")
    phone.locator("#entry").get_by_role("button", name="保存", exact=True).click()
    expect(phone.locator("#entry .notice.ok")).to_contain_text("已保存为草稿")
    expect(phone.locator("#entry [data-status]")).to_have_text("草稿")
    assert ProgressEntry.objects.get(project=project).amount_completed == Decimal("2100.00")

    # A refresh shows the draft and saving it again is no conflict (the version travels with the form).
    phone.reload()
    expect(phone.locator("#entry").get_by_label("本月完成投资(万元)")).to_have_value("2100.00")
    phone.locator("#entry").get_by_label("本月完成投资(万元)").fill("99999999")
    phone.locator("#entry").get_by_label("超概算说明").fill("设备款一次性入账")
    phone.locator("#entry").get_by_role("button", name="保存", exact=True).click()
    confirm = phone.locator("#entry").get_by_label("确认金额无误")
    expect(confirm).to_be_visible()
    expect(phone.locator("#entry")).to_contain_text("超过项目计划总投资")
    phone.screenshot(path=screenshots / "entry-confirm-phone.png", full_page=False)
    assert ProgressEntry.objects.get(project=project).amount_completed == Decimal("2100.00")
    # Thought better of it: a plausible amount, no confirmation needed.
    phone.locator("#entry").get_by_label("本月完成投资(万元)").fill("2350")
    phone.locator("#entry").get_by_label("超概算说明").fill("")

    # --- meanwhile a colleague saves the same month in another browser -------------------------------
    desk_context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    desk = desk_context.new_page()
    desk_errors = watch_console(desk)
    sign_in(desk, base, "colleague_e2e")
    desk.goto(url)
    desk.locator("#entry").get_by_label("形象进度").fill("同事:设备基础完成")
    desk.locator("#entry").get_by_role("button", name="保存", exact=True).click()
    expect(desk.locator("#entry .notice.ok")).to_contain_text("已保存")
    desk.screenshot(path=screenshots / "entry-desktop.png", full_page=False)

    # The phone's save is now stale: 409, with what the colleague changed, and what was typed kept.
    with phone.expect_response(lambda r: "/save/" in r.url) as answer:
        phone.locator("#entry").get_by_role("button", name="保存并提交").click()
    assert answer.value.status == 409
    conflict = phone.locator("#entry .conflict")
    expect(conflict).to_contain_text("已被他人修改")
    expect(conflict).to_contain_text("同事:设备基础完成")
    expect(phone.locator("#entry").get_by_label("本月完成投资(万元)")).to_have_value("2350")
    conflict.scroll_into_view_if_needed()
    phone.screenshot(path=screenshots / "entry-conflict-phone.png", full_page=False)
    assert ProgressEntry.objects.get(project=project).status == EntryStatus.DRAFT
    # Having seen the difference, the filer keeps the image progress and submits deliberately.
    phone.locator("#entry").get_by_label("形象进度").fill("2#冷轧车间钢结构吊装完成,设备基础完成")
    phone.locator("#entry").get_by_role("button", name="保存并提交").click()
    expect(phone.locator("#entry [data-status]")).to_have_text("已提交")
    entry_row = ProgressEntry.objects.get(project=project)
    assert entry_row.status == EntryStatus.SUBMITTED and entry_row.amount_completed == Decimal("2350.00")
    told = Notification.objects.filter(recipient=people["reviewer"], kind=Kind.ENTRY_SUBMITTED, title__startswith=NAME)
    assert told.count() == 1

    # --- the reviewer, on a desktop ----------------------------------------------------------------------
    rev_context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    rev = rev_context.new_page()
    rev_errors = watch_console(rev)
    sign_in(rev, base, "checker_e2e")
    expect(rev.locator('[data-figure="submitted"]')).to_have_text("3")
    expect(rev.locator('[data-figure="unreported"]')).to_have_text("3")
    rev.get_by_role("link", name="待审核").first.click()
    expect(rev.locator(".chip.active")).to_contain_text("待审核")
    row = rev.locator(f"#row-{project.pk}")
    expect(row).to_contain_text("本月无现场照片")
    expect(rev.locator("tr.sheet-row")).to_have_count(3)
    rev.screenshot(path=screenshots / "review-sheet-desktop.png", full_page=True)
    scroll_before = rev.evaluate("window.scrollY")
    row.get_by_placeholder("退回原因(填报人可见)").fill("请补传本月现场照片")
    row.get_by_role("button", name="退回").click()
    expect(rev.locator(f"#row-{project.pk}")).to_contain_text("已退回")
    assert abs(rev.evaluate("window.scrollY") - scroll_before) < 50  # the row changed in place
    # Verify the two others at once.
    boxes = rev.locator("input[name='entries']")
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    rev.get_by_role("button", name="审核通过所选").click()
    expect(rev.locator(".messages")).to_contain_text("已审核通过 2 条")

    # --- the filer reads the reason and the message ----------------------------------------------------
    phone.goto(url)
    expect(phone.locator("#entry [data-status]")).to_have_text("已退回")
    expect(phone.locator("#entry .notice.returned")).to_contain_text("请补传本月现场照片")
    phone.screenshot(path=screenshots / "entry-returned-phone.png", full_page=False)
    phone.goto(f"{base}/inbox/")
    expect(phone.locator("main")).to_contain_text("进度被退回")
    expect(phone.locator("main")).to_contain_text("请补传本月现场照片")
    # The sheet on the phone: cards with labels and thousands separators, the to-do link opens the row.
    phone.goto(f"{base}/")
    phone.locator("#returned").get_by_role("link", name=NAME).click()
    card = phone.locator(f"#row-{project.pk}")
    expect(card).to_be_in_viewport()
    expect(card.locator("td.num").first).to_have_attribute("data-label", "计划总投资(万元)")  # shown by CSS
    expect(card.locator("td.num").first).to_have_text("145,000.00")
    phone.screenshot(path=screenshots / "sheet-phone.png", full_page=False)

    assert phone_errors == [] and desk_errors == [] and rev_errors == []
    for context in (phone_context, desk_context, rev_context):
        context.close()
