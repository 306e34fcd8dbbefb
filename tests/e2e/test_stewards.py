"""Browser walks (issue 19) on a 390 px phone and a desktop: a steward signs in and lands on 我的包保项目
with projects of two counties; county staff register a project through the intake form, first meeting
the duplicate check, then confirming."""

import re

import pytest
from playwright.sync_api import expect

from projects.choices import Role, Stage
from projects.models import Project
from tests.factories import ProjectFactory, region, user_with_role

from .test_flow import MOBILE, sign_in

pytestmark = [pytest.mark.browser]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def people(transactional_db):
    steward = user_with_role("steward_e2e", Role.STEWARD)
    ProjectFactory(region=region("tiedong"), steward=steward, name="铁东管家项目(端到端)", stage=Stage.SIGNED)
    ProjectFactory(region=region("haicheng"), steward=steward, name="海城管家项目(端到端)", stage=Stage.NEGOTIATING)
    ProjectFactory(region=region("tiedong"), name="鞍山新材料产业园", investor="鞍山恒通实业有限公司")
    return {"steward": steward, "county": user_with_role("county_e2e", Role.COUNTY_STAFF, region=region("tiedong"))}


def _context(browser, viewport):
    phone = viewport is MOBILE
    return browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_a_steward_lands_on_their_projects(browser, live_server, people, screenshots, viewport):
    page = _context(browser, viewport).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "steward_e2e")
    expect(page).to_have_url(re.compile(r"/dashboard/my-projects/$"))
    expect(page.get_by_role("heading", name="我的包保项目")).to_be_visible()
    table = page.locator("#my-projects")
    expect(table).to_contain_text("铁东管家项目(端到端)")
    expect(table).to_contain_text("海城管家项目(端到端)")
    expect(table).not_to_contain_text("鞍山新材料产业园")
    expect(table.locator("thead")).to_contain_text("未解决问题")
    assert _no_horizontal_scroll(page)
    suffix = "phone" if viewport is MOBILE else "desktop"
    page.screenshot(path=screenshots / f"my-projects-{suffix}.png", full_page=viewport is not MOBILE)
    assert errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_county_staff_register_a_project_after_the_duplicate_check(browser, live_server, people, screenshots,
                                                                   viewport):  # fmt: skip
    page = _context(browser, viewport).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "county_e2e")
    page.goto(f"{live_server.url}/projects/")
    page.get_by_role("link", name="登记新项目").click()
    expect(page.get_by_role("heading", name="项目登记(谋划入库)")).to_be_visible()
    form = page.locator("#intake-form")
    form.get_by_label("项目名称").fill("鞍山新材料产业园")
    form.get_by_label("投资主体/企业").fill("鞍山恒通实业有限公司")
    form.get_by_label("县区").select_option(label="铁东区")
    form.get_by_label("项目类别").select_option(index=1)
    form.get_by_label("计划总投资(万元)").fill("12000.5")
    form.get_by_label("项目代码").fill("2025-210381-04-01-A1B2C3")
    form.get_by_role("button", name="登记入库").click()
    # The code's region part is not the county's: the message sits by the field.
    expect(page.locator(".field-error").first).to_contain_text("210302")
    form = page.locator("#intake-form")
    form.get_by_label("项目代码").fill("2025-210302-04-01-A1B2C3")
    form.get_by_role("button", name="登记入库").click()
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_contain_text("同一县区同名项目")
    assert _no_horizontal_scroll(page)
    suffix = "phone" if viewport is MOBILE else "desktop"
    page.screenshot(path=screenshots / f"intake-duplicates-{suffix}.png", full_page=viewport is not MOBILE)
    page.locator("#intake-form").get_by_label("确认不重复").check()
    page.locator("#intake-form").get_by_role("button", name="登记入库").click()
    expect(page.locator("h1")).to_contain_text("鞍山新材料产业园")
    assert Project.objects.filter(name="鞍山新材料产业园", code="2025-210302-04-01-A1B2C3").count() == 1
    assert errors == []
