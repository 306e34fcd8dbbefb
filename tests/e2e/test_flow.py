"""End to end in a real browser: a county user moves a project into construction, the leader sees the
dashboard figure change, filters the project list and downloads exactly what is shown.

Screenshots for the README are written to docs/screenshots/.
"""

import datetime
import io
import random
import re
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.builders import DemoBuilder
from investment.choices import EntryStatus
from investment.models import ProgressEntry
from projects.choices import Role, Stage
from projects.models import Project
from tests.factories import ProjectFactory, region, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "pass-1234-word"
MOBILE = {"width": 390, "height": 844}


def _verified_progress(seed=7):
    """A year and a half of verified monthly entries for the projects under construction."""
    rng = random.Random(seed)
    today = timezone.localdate()
    rows = []
    for project in Project.objects.filter(stage=Stage.CONSTRUCTION, annual_plan__gt=0):
        pace = Decimal(str(rng.uniform(0.3, 1.3)))
        for year, last_month in ((today.year - 1, 12), (today.year, today.month - 1)):
            for month in range(1, last_month + 1):
                amount = (project.annual_plan / 12 * pace * Decimal(str(rng.uniform(0.6, 1.4)))).quantize(
                    Decimal("0.01")
                )
                rows.append(
                    ProgressEntry(
                        project=project,
                        period=datetime.date(year, month, 1),
                        amount_completed=min(amount, project.annual_plan),
                        status=EntryStatus.VERIFIED,
                    )
                )
    ProgressEntry.objects.bulk_create(rows, batch_size=2000)


@pytest.fixture
def city(transactional_db):
    builder = DemoBuilder(seed=3)
    builder.projects(400, builder.leaders())
    _verified_progress()
    return {
        "county": user_with_role("county_e2e", Role.COUNTY_STAFF, region=region("tiedong")),
        "leader": user_with_role("leader_e2e", Role.LEADERSHIP),
        "project": ProjectFactory(
            name="鞍山菱镁新材料产业园(端到端)",
            investor="鞍山镁业科技股份有限公司",
            total_investment=Decimal("86000.00"),
            annual_plan=Decimal("24000.00"),
            stage=Stage.LANDED,
            planned_start=timezone.localdate() - datetime.timedelta(days=20),
            address="鞍山市铁东区园区路88号",
        ),
    }


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def watch_console(page):
    """Collect console errors (CSP violations show up here) to assert on."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def started_figure(page):
    return int(page.locator('[data-figure="started"] strong').inner_text())


def test_county_start_shows_on_the_leaders_dashboard(browser, live_server, city, screenshots):
    base = live_server.url
    leader_context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    leader = leader_context.new_page()
    leader_errors = watch_console(leader)
    sign_in(leader, base, "leader_e2e")
    expect(leader).to_have_url(f"{base}/dashboard/")
    expect(leader.locator('[data-chart="region"][data-rendered="true"]')).to_be_visible()
    before = started_figure(leader)

    # The county user lands on the county's to-do and moves the project into construction.
    county_context = browser.new_context(locale="zh-CN", viewport=MOBILE, is_mobile=True, has_touch=True)
    county = county_context.new_page()
    county_errors = watch_console(county)
    sign_in(county, base, "county_e2e")
    expect(county.get_by_role("heading", name="我的待办")).to_be_visible()
    county.screenshot(path=screenshots / "mobile-todo.png", full_page=True)
    county.goto(f"{base}/projects/?search=菱镁新材料")
    county.get_by_role("link", name="鞍山菱镁新材料产业园(端到端)").click()
    expect(county.get_by_role("heading", name="变更阶段")).to_be_visible()
    county.get_by_label("新阶段").select_option("construction")
    county.get_by_label("开工类型").select_option("new")
    county.get_by_role("button", name="确认变更").click()
    expect(county.locator(".messages")).to_contain_text("阶段已变更为“在建”")
    expect(county.locator('.timeline li[aria-current="step"]')).to_have_text("在建")
    county.screenshot(path=screenshots / "mobile-project.png", full_page=True)

    # A step backwards without a reason is refused, with the message next to the field.
    county.get_by_label("新阶段").select_option("signed")
    county.get_by_role("button", name="确认变更").click()
    expect(county.locator("#id_reason_error")).to_contain_text("必须说明原因")
    expect(county.get_by_label("原因")).to_have_attribute("aria-invalid", "true")

    # The leader's headline figure moves by one and links to the list behind it.
    leader.reload()
    expect(leader.locator('[data-figure="started"] strong')).to_have_text(str(before + 1))
    expect(leader.locator('[data-chart="trend"][data-rendered="true"]')).to_be_visible()
    leader.screenshot(path=screenshots / "dashboard.png", full_page=True)
    leader.locator('[data-figure="started"]').click()
    expect(leader.locator('[data-figure="count"]')).to_contain_text(f"共 {before + 1} 个项目")

    # Project list: filter by county and stage, sort, export exactly what is shown.
    leader.goto(f"{base}/projects/")
    leader.get_by_label("县区").select_option(label="铁东区")
    leader.get_by_label("在建").check()
    leader.get_by_role("button", name="查询").click()
    leader.get_by_role("link", name="计划总投资(万元)").click()
    expect(leader).to_have_url(re.compile(r"ordering=total_investment"))
    shown = int(re.search(r"共 (\d+) 个项目", leader.locator('[data-figure="count"]').inner_text()).group(1))
    assert shown > 1
    leader.screenshot(path=screenshots / "project-list.png", full_page=False)
    with leader.expect_download() as download_info:
        leader.get_by_role("link", name="导出Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == shown
    assert {r[3] for r in rows} == {"铁东区"}
    assert {r[7] for r in rows} == {"在建"}
    amounts = [r[10] for r in rows]
    assert amounts == sorted(amounts)

    # Project page with its plan-vs-completion chart.
    leader.goto(f"{base}/projects/{city['project'].pk}/")
    expect(leader.locator('[data-chart="project"][data-rendered="true"]')).to_be_visible()
    expect(leader.get_by_role("heading", name="变更阶段")).to_have_count(0)
    built = Project.objects.filter(stage=Stage.CONSTRUCTION, annual_plan__gt=0, region__key="tiedong").first()
    leader.goto(f"{base}/projects/{built.pk}/")
    expect(leader.locator('[data-chart="project"][data-rendered="true"]')).to_be_visible()
    leader.screenshot(path=screenshots / "project.png", full_page=True)

    assert leader_errors == []
    # The refused stage change answers 400 (form errors): the only error the county page may log.
    assert [e for e in county_errors if "status of 400" not in e] == []
    leader_context.close()
    county_context.close()


def test_english_through_the_language_switch(page, live_server, city):
    sign_in(page, live_server.url, "leader_e2e")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("link", name="Projects", exact=True)).to_be_visible()
