"""Browser walk of the organisation of attraction on a phone (390 px) and a desktop: a county user goes
from the attraction navigation to its task force, the outreach counts and the funds; the page never
scrolls sideways (wide tables scroll inside themselves) and no script error or CSP violation shows."""

import datetime

import pytest
from playwright.sync_api import expect

from attraction import services
from attraction.choices import OrgLevel, OutreachKind
from projects.choices import Role, Stage
from tests.factories import ProjectFactory, region, user_with_role

from .test_flow import MOBILE, sign_in, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def organisation(transactional_db):
    admin = user_with_role("org_admin", Role.ADMIN)
    tiedong = region("tiedong")
    projects = [ProjectFactory(region=tiedong, stage=stage) for stage in (Stage.NEGOTIATING, Stage.SIGNED)]
    tf = services.task_force_create(user=admin, name="铁东区招商专班(端到端)", level=OrgLevel.COUNTY, region=tiedong,
                                    leader="区委书记", projects=projects)  # fmt: skip
    today = datetime.date.today()
    for i in range(3):
        services.outreach_create(user=admin, kind=OutreachKind.ONLINE, name=f"视频洽谈{i}", held_on=today,
                                 region=tiedong, task_force=tf,
                                 participants=[(OrgLevel.COUNTY, tiedong, None, "铁东区商务局")])  # fmt: skip
    services.budget_set(user=admin, year=today.year, region=tiedong, amount="500")
    user_with_role("org_county", Role.COUNTY_STAFF, region=tiedong)
    return tf


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_a_county_user_walks_its_task_force_outreach_and_funds(browser, live_server, organisation, viewport):
    phone = viewport is MOBILE
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors = watch_console(page)
    base = live_server.url
    sign_in(page, base, "org_county")
    page.goto(f"{base}/attraction/")
    page.locator("nav.attraction-nav").get_by_role("link", name="招商专班").click()
    page.get_by_role("link", name="铁东区招商专班(端到端)").click()
    expect(page.get_by_role("heading", name="铁东区招商专班(端到端)")).to_be_visible()
    figures = page.locator("#task-force-figures")
    expect(figures).to_contain_text("线索")
    assert page.locator("#task-force-events tbody tr").count() == 3
    page.locator("nav.attraction-nav").get_by_role("link", name="招商活动").click()
    online = page.locator('#outreach-monthly tr[data-kind="online"] td:last-child')
    expect(online).to_have_text("3")
    page.locator("nav.attraction-nav").get_by_role("link", name="招商经费").click()
    expect(page.locator("#fund-budgets")).to_contain_text("500.00")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    assert errors == []
    context.close()
