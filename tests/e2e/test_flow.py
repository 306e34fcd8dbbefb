"""End to end in a real browser, as the issue describes it: a county user moves a project into
construction, enters the month's progress, uploads a site photo and submits; the county reviewer
verifies; the leader sees the dashboard figures change, filters the project list, downloads exactly
what is shown, asks for a fresh dispatch report (built by a real Celery worker) and downloads it.

Screenshots for the README: UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ (conftest.SCREENSHOTS).
"""

import datetime
import io
import random
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from demo.builders import DemoBuilder
from dispatch import services as dispatch_services
from dispatch.models import DispatchGroup
from dispatch.schedules import Period
from investment.choices import EntryStatus
from investment.models import Problem, ProgressEntry
from investment.selectors import filing_month
from investment.services import counted_months_sync
from projects.choices import Role, Stage
from projects.models import Project
from tests.dispatch.conftest import celery_worker  # noqa: F401 - a real worker thread for the reports
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


def _capital_in_place(seed=5):
    """Monthly capital in place for the signed and landed projects, last year and this year."""
    from attraction.models import CapitalInPlace

    rng = random.Random(seed)
    today = timezone.localdate()
    rows = []
    for project in Project.objects.filter(stage__in=[Stage.SIGNED, Stage.LANDED, Stage.CONSTRUCTION])[:120]:
        for year, last_month in ((today.year - 1, 12), (today.year, today.month)):
            for month in range(1, last_month + 1):
                share = Decimal(str(rng.uniform(0.002, 0.02 if year == today.year else 0.016)))
                rows.append(
                    CapitalInPlace(
                        project=project,
                        month=datetime.date(year, month, 1),
                        amount=(project.total_investment * share).quantize(Decimal("0.01")),
                    )
                )
    CapitalInPlace.objects.bulk_create(rows, batch_size=2000)


def _open_problems(seed=11):
    """Open coordination problems of various ages, for the dashboard's age chart."""
    rng = random.Random(seed)
    now = timezone.now()
    projects = list(Project.objects.filter(stage=Stage.CONSTRUCTION)[:40])
    problems = Problem.objects.bulk_create(
        Problem(
            project=project,
            description="用地手续待办理",
            kind="land",
            responsible_unit="市自然资源局",
            deadline=timezone.localdate(),
        )
        for project in projects
    )
    for problem in problems:
        Problem.objects.filter(pk=problem.pk).update(created_at=now - datetime.timedelta(days=rng.randrange(0, 300)))


@pytest.fixture
def city(transactional_db):
    builder = DemoBuilder(seed=3)
    builder.projects(400, builder.leaders())
    # The builder loads with COPY and the triggers off, as seed_demo does: fill the per-scope totals once.
    counted_months_sync()
    _verified_progress()
    _open_problems()
    _capital_in_place()
    dispatch_services.groups_load_defaults()
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    dispatch_services.round_run(
        group=DispatchGroup.objects.get(key="city"),
        period=Period(last_month_end.replace(day=1), last_month_end),
        queue=False,
    )
    return {
        "reviewer": user_with_role("reviewer_e2e", Role.COUNTY_REVIEWER, region=region("tiedong")),
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


def completed_value(page):
    return Decimal(page.locator('[data-figure="completed"]').get_attribute("data-value"))


def site_photo(path):
    """A small JPEG standing in for a phone camera's photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (120, 160, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 200, 560, 420), fill=(150, 150, 150))
    draw.polygon([(80, 200), (320, 90), (560, 200)], fill=(166, 27, 27))
    image.save(path, "JPEG")
    return path


def test_county_entry_to_leader_dashboard_and_reports(browser, live_server, city, screenshots, tmp_path, celery_worker):  # noqa: F811
    base = live_server.url
    project = city["project"]
    month = filing_month().strftime("%Y-%m")  # the month the to-do pages are about
    leader_context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 1000}, accept_downloads=True
    )
    leader = leader_context.new_page()
    leader_errors = watch_console(leader)
    sign_in(leader, base, "leader_e2e")
    expect(leader).to_have_url(f"{base}/dashboard/")
    expect(leader.locator('[data-chart="region"][data-rendered="true"]')).to_be_visible()
    started_before, completed_before = started_figure(leader), completed_value(leader)

    # The county user, on a phone, lands on the county's to-do and moves the project into construction.
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

    # A step backwards without a reason is refused, with the message next to the field.
    county.get_by_label("新阶段").select_option("signed")
    county.get_by_role("button", name="确认变更").click()
    expect(county.locator("#id_reason_error")).to_contain_text("必须说明原因")
    expect(county.get_by_label("原因")).to_have_attribute("aria-invalid", "true")

    # The month's progress and a site photo, then submit.
    county.get_by_role("link", name="填报进度、上传照片").click()
    county.locator("#entry-month").fill(month)
    county.get_by_role("button", name="切换月份").click()
    entry = county.locator("#entry")
    entry.get_by_label("本月完成投资(万元)").fill("5000")
    entry.get_by_label("形象进度").fill("1#厂房主体结构完成,2#厂房基础施工")
    entry.get_by_role("button", name="保存", exact=True).click()
    expect(county.locator("#entry .notice.ok")).to_contain_text("已保存")
    county.locator("summary", has_text="上传现场照片").click()
    county.get_by_label("照片或视频").set_input_files(site_photo(tmp_path / "site.jpg"))
    county.locator("#id_caption").fill("1#厂房主体结构完成")
    county.locator("#id_taken_on").fill(timezone.localdate().isoformat())
    county.get_by_role("button", name="上传").click()
    expect(county.locator(".messages")).to_contain_text("照片已上传")
    expect(county.locator(".photo-grid img")).to_have_count(1)
    county.goto(f"{base}/progress/?region=tiedong&period={month}")
    row = county.locator("tr", has=county.get_by_role("link", name="鞍山菱镁新材料产业园(端到端)"))
    row.get_by_role("button", name="提交").click()
    expect(county.locator("tr", has_text="鞍山菱镁新材料产业园(端到端)")).to_contain_text("已提交")
    county.goto(f"{base}/projects/{project.pk}/")
    photo = county.locator(".photo-grid img")
    photo.scroll_into_view_if_needed()  # loaded lazily
    expect(photo).to_have_js_property("complete", True)
    county.evaluate("window.scrollTo(0, 0)")
    county.screenshot(path=screenshots / "mobile-project.png", full_page=True)

    # Submitted is not yet counted: the reviewer verifies.
    leader.reload()
    assert completed_value(leader) == completed_before
    reviewer_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    reviewer = reviewer_context.new_page()
    reviewer_errors = watch_console(reviewer)
    sign_in(reviewer, base, "reviewer_e2e")
    expect(reviewer.locator("#to-verify")).to_contain_text("鞍山菱镁新材料产业园(端到端)")
    reviewer.goto(f"{base}/progress/?region=tiedong&period={month}")
    row = reviewer.locator("tr", has=reviewer.get_by_role("link", name="鞍山菱镁新材料产业园(端到端)"))
    row.get_by_role("button", name="审核通过").click()
    expect(reviewer.locator("tr", has_text="鞍山菱镁新材料产业园(端到端)")).to_contain_text("已审核")

    # The leader's figures move: one more key project started, 5,000 万元 more completed.
    leader.reload()
    expect(leader.locator('[data-figure="started"] strong')).to_have_text(str(started_before + 1))
    assert completed_value(leader) == completed_before + Decimal("5000")
    expect(leader.locator(".photos img")).to_have_count(1)
    expect(leader.locator('[data-chart="trend"][data-rendered="true"]')).to_be_visible()
    # The pool cards, against the projects themselves (independent SQL).
    with connection.cursor() as cursor:
        cursor.execute("SELECT stage, count(*) FROM projects_project GROUP BY stage")
        counts = dict(cursor.fetchall())
    for stage in Stage.pools():
        expect(leader.locator(f'[data-figure="{stage}"] strong')).to_have_text(str(counts.get(stage, 0)))
    leader.screenshot(path=screenshots / "dashboard.png", full_page=True)
    leader.locator('[data-figure="started"]').click()
    expect(leader.locator('[data-figure="count"]')).to_contain_text(f"共 {started_before + 1} 个项目")

    # Project list: filter by county and stage, sort, export exactly what is shown.
    leader.goto(f"{base}/projects/")
    leader.get_by_label("县区").select_option(label="铁东区")
    leader.get_by_label("在建").check()
    leader.get_by_role("button", name="查询").click()
    expect(leader).to_have_url(re.compile(r"stage=construction"))
    leader.wait_for_load_state("networkidle")
    leader.get_by_role("link", name="计划总投资(万元)").click()  # sorts in place (htmx), URL follows
    expect(leader).to_have_url(re.compile(r"ordering=total_investment"))
    expect(leader.locator("a.sort.asc")).to_have_count(1)
    shown = int(re.search(r"共 (\d+) 个项目", leader.locator('[data-figure="count"]').inner_text()).group(1))
    assert shown > 1
    leader.screenshot(path=screenshots / "project-list.png", full_page=False)
    with leader.expect_download() as download_info:
        leader.get_by_role("link", name="导出Excel").click()
    rows = xlsx_rows(download_info.value)
    assert len(rows) == shown
    assert {r[3] for r in rows} == {"铁东区"}
    assert {r[7] for r in rows} == {"在建"}
    amounts = [r[10] for r in rows]
    assert amounts == sorted(amounts)

    # Project page: the chart shows the verified month, the photo is there; a leader cannot change stage.
    leader.goto(f"{base}/projects/{project.pk}/")
    expect(leader.locator('[data-chart="project"][data-rendered="true"]')).to_be_visible()
    expect(leader.get_by_role("heading", name="变更阶段")).to_have_count(0)
    expect(leader.locator(".photo-grid img")).to_have_count(1)
    leader.screenshot(path=screenshots / "project.png", full_page=True)

    # Report centre: ask for a fresh report of the city group, watch it build, download it.
    leader.goto(f"{base}/dispatch/reports/")
    leader.get_by_role("button", name="生成最新报告").first.click()
    expect(leader.get_by_role("link", name="下载").first).to_be_visible(timeout=60_000)
    with leader.expect_download() as download_info:
        leader.locator(".report", has_text="Excel").get_by_role("link", name="下载").first.click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(2) == b"PK"

    assert leader_errors == [], "\n".join(leader_errors)
    assert reviewer_errors == [], "\n".join(reviewer_errors)
    # The refused stage change answers 400 (form errors): the only error the county page may log.
    assert [e for e in county_errors if "status of 400" not in e] == [], "\n".join(county_errors)
    for context in (leader_context, county_context, reviewer_context):
        context.close()


def xlsx_rows(download):
    with open(download.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    return list(book.active.iter_rows(min_row=2, values_only=True))


def test_english_through_the_language_switch(page, live_server, transactional_db):
    user_with_role("leader_en", Role.LEADERSHIP)
    sign_in(page, live_server.url, "leader_en")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("link", name="Projects", exact=True)).to_be_visible()
