"""Browser walks of the leaders' lists and the rough edges (issue 17, items 7-12), on a phone (390 px)
and a desktop: the leader filters and exports the lagging list of one county and the problems of one
unit; a county user opening another county's project gets the site's 404; an English session shows no
Chinese label outside user data. Screenshots: UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/."""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.builders import DemoBuilder
from investment.models import Problem
from investment.services import counted_months_sync
from projects.choices import Role, Stage
from projects.models import Project
from tests.factories import ProjectFactory, region, user_with_role

from .test_flow import MOBILE, _open_problems, _verified_progress, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1366, "height": 900}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
UNIT = "市住房城乡建设局"


@pytest.fixture
def city(transactional_db):
    builder = DemoBuilder(seed=5)
    builder.projects(160, builder.leaders())
    counted_months_sync()  # the builder loads with the triggers off: the per-scope totals once
    _verified_progress()
    _open_problems()
    today = timezone.localdate()
    # Problems of another unit, some past their deadline.
    for index, project in enumerate(Project.objects.filter(stage=Stage.CONSTRUCTION).order_by("id")[:12]):
        Problem.objects.create(
            project=project, description="施工许可待办理", kind="procedures", responsible_unit=UNIT,
            deadline=today - datetime.timedelta(days=index * 3 - 10),
        )  # fmt: skip
    return {
        "leader": user_with_role("leader_lists", Role.LEADERSHIP),
        "county": user_with_role("county_lists", Role.COUNTY_STAFF, region=region("tiedong")),
        "theirs": ProjectFactory(name="海城市的项目(端到端)", region=region("haicheng")),
    }


def _xlsx(download):
    with open(download.path(), "rb") as handle:
        return list(
            openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).active.iter_rows(values_only=True)
        )


def _column(page, table, index):
    return [cell.strip() for cell in page.locator(f"{table} tbody tr td:nth-child({index})").all_inner_texts()]


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_the_leader_filters_and_exports_the_lagging_list_of_one_county_and_the_problems_of_one_unit(
    browser, live_server, city, screenshots, viewport
):
    phone = viewport is MOBILE
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone,
                                  accept_downloads=True)  # fmt: skip
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    sign_in(page, base, "leader_lists")
    suffix = "phone" if phone else "desktop"

    page.goto(f"{base}/dashboard/lagging/")
    page.get_by_label("县区").select_option(label="铁东区")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"region=tiedong"))
    regions = _column(page, "table.data", 2)
    assert regions and set(regions) == {"铁东区"}
    names = _column(page, "table.data", 1)
    page.screenshot(path=screenshots / f"lagging-{suffix}.png", full_page=not phone)
    with page.expect_download() as download:
        page.locator("#lagging-export").click()
    rows = _xlsx(download.value)
    assert rows[0][0] == "项目名称" and rows[0][10] == "差额(万元)"
    assert [r[0] for r in rows[1:]][: len(names)] == names and {r[1] for r in rows[1:]} == {"铁东区"}
    gaps = [r[10] for r in rows[1:]]
    assert gaps == sorted(gaps, reverse=True)

    page.goto(f"{base}/dashboard/problems/")
    page.get_by_label("责任单位").select_option(UNIT)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#problem-groups tbody tr")).to_have_count(1)
    expect(page.locator("#problem-groups")).to_contain_text(UNIT)
    listed = Problem.objects.filter(responsible_unit=UNIT).count()
    expect(page.locator("#problem-count")).to_contain_text(f"共 {listed} 个")
    overdue = Problem.objects.filter(responsible_unit=UNIT, deadline__lt=timezone.localdate()).count()
    expect(page.locator("#problem-groups tbody td").nth(2)).to_have_text(str(overdue))
    page.screenshot(path=screenshots / f"problems-{suffix}.png", full_page=not phone)
    with page.expect_download() as download:
        page.locator("#problems-export").click()
    rows = _xlsx(download.value)
    assert len(rows) - 1 == listed and {r[3] for r in rows[1:]} == {UNIT}
    assert sum(1 for r in rows[1:] if r[7]) == overdue
    assert errors == []
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_a_county_user_opening_another_countys_project_gets_the_sites_404(
    browser, live_server, city, screenshots, viewport
):
    phone = viewport is MOBILE
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "county_lists")
    response = page.goto(f"{base}/projects/{city['theirs'].pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator(".site-header .brand")).to_be_visible()
    expect(page.locator("nav.main-nav")).to_be_visible()
    assert "海城市的项目" not in page.content() and "Traceback" not in page.content()
    theirs = page.locator("main").inner_text()
    page.screenshot(path=screenshots / f"not-found-{'phone' if phone else 'desktop'}.png", full_page=True)
    assert page.goto(f"{base}/projects/987654321/").status == 404
    assert page.locator("main").inner_text() == theirs
    page.get_by_role("link", name="返回首页").click()
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    context.close()


def _user_text():
    texts = set()
    for name, investor, address in Project.objects.values_list("name", "investor", "address"):
        texts |= {name, investor, address}
    for description, unit in Problem.objects.values_list("description", "responsible_unit"):
        texts |= {description, unit}
    return sorted((t for t in texts if t), key=len, reverse=True)


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_an_english_session_shows_no_chinese_label_outside_user_data(browser, live_server, city, screenshots, viewport):
    phone = viewport is MOBILE
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "leader_lists")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("link", name="Projects", exact=True)).to_be_visible()
    user_text = _user_text()
    suffix = "phone" if phone else "desktop"
    left = {}
    for path, shot in (
        ("/dashboard/", None),  # its charts need the npm packages: the other e2e test shoots it
        ("/projects/?lagging=true", None),
        ("/dashboard/lagging/?region=tiedong", "lagging"),
        ("/dashboard/problems/?group=region", "problems"),
        ("/supervision/", None),
        ("/projects/987654321/", None),
    ):
        page.goto(f"{base}{path}")
        text = page.locator("body").inner_text()
        # The language menu names each language in itself; the emblem is a Chinese character on purpose.
        for value in [*user_text, "简体中文", "鞍"]:
            text = text.replace(value, " ")
        found = sorted(set(CJK.findall(text)))
        if found:
            left[path] = found
        if shot:
            page.screenshot(path=screenshots / f"{shot}-en-{suffix}.png", full_page=not phone)
    assert left == {}
    context.close()
