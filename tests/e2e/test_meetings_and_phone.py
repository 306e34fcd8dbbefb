"""Issue 21 in a real browser: the dashboard printed by Chromium on A4 landscape carries its charts
(page.pdf, read back with pdfinfo and pdftotext), and on a 390 px phone
every value of the month sheet and of the project's month table shows its label."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.test import Client

from investment import services
from investment.models import ProgressEntry
from investment.selectors import filing_month
from projects.choices import Role, Stage
from projects.models import Region
from tests.factories import ProjectFactory, region, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}

# Every text node with a digit inside ``root`` that no visible label names: a cell shows its
# data-label through ::before (the phone layout), a <dd> its <dt>, a form field its <label>.
UNLABELLED = """(root) => {
  const bad = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!/[0-9]/.test(text) || !visible(el)) { continue; }
    if (el.closest("a") && el.closest("td.name")) { continue; }  // the project's name and code
    if (el.closest("small.code")) { continue; }
    const dd = el.closest("dd");
    if (dd && dd.previousElementSibling && dd.previousElementSibling.tagName === "DT"
        && visible(dd.previousElementSibling)) { continue; }
    if (el.closest("label") || el.closest("option") || el.closest("summary")) { continue; }
    const td = el.closest("td");
    if (td) {
      const label = getComputedStyle(td, "::before").content;
      if (td.dataset.label && label && label !== "none" && label.includes(td.dataset.label)) { continue; }
    }
    const th = el.closest("th");
    if (th) { continue; }
    bad.push(text);
  }
  return bad;
}"""


def login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])  # fmt: skip


@pytest.fixture
def city(transactional_db):
    tiedong, haicheng = region("tiedong"), Region.objects.get(key="haicheng")
    month = filing_month()
    reviewer = user_with_role("sheet_reviewer", Role.COUNTY_REVIEWER, region=tiedong)
    staff = user_with_role("sheet_staff", Role.COUNTY_STAFF, region=tiedong)
    projects = []
    for i, where in enumerate([tiedong, tiedong, tiedong, haicheng]):
        p = ProjectFactory(name=f"现场项目{i}", region=where, stage=Stage.CONSTRUCTION,
                           total_investment=Decimal(20000 + i), annual_plan=Decimal(3000),
                           actual_start=datetime.date(2025, 3, 1))  # fmt: skip
        projects.append(p)
        for back in (3, 2, 1):
            period = (month.replace(day=1) - datetime.timedelta(days=28 * back)).replace(day=1)
            ProgressEntry.objects.create(project=p, period=period, amount_completed=Decimal(200 + i * 10),
                                         status="verified")  # fmt: skip
    entry = services.progress_save(user=staff, project=projects[0], period=month, amount_completed=Decimal("321"),
                                   image_progress="主体结构施工至3层")  # fmt: skip
    services.progress_submit(user=staff, entry=entry)
    services.progress_save(user=staff, project=projects[1], period=month, amount_completed=Decimal("45.5"))
    return {"reviewer": reviewer, "staff": staff, "projects": projects, "month": month,
            "leader": user_with_role("print_leader", Role.LEADERSHIP)}  # fmt: skip


def test_every_value_on_the_phone_month_sheet_shows_its_label(browser, live_server, city, screenshots):
    for user in (city["reviewer"], city["staff"]):
        context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        login(page, live_server, user)
        page.goto(f"{live_server.url}/progress/?region=tiedong&period={city['month']:%Y-%m}")
        rows = page.locator(".entry-table tbody tr.sheet-row")
        assert rows.count() == 3
        assert page.locator(".entry-table thead").evaluate("el => getComputedStyle(el).display") == "none"
        # The plan, the total before and the month's figure each carry their label on the card.
        card = page.locator(f"#row-{city['projects'][0].pk}")
        plan = card.locator("td.num").first
        assert plan.evaluate("el => getComputedStyle(el, '::before').content") == '"计划总投资(万元)"'
        assert "321.00" in card.inner_text() and "本月完成(万元)" in card.inner_text()
        assert page.evaluate(UNLABELLED, ".entry-table tbody") == []
        # No card is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=screenshots / f"sheet-labels-phone-{user.username}.png", full_page=True)
        # The project's month table (its own page) is cards with labels too.
        page.goto(f"{live_server.url}/progress/project/{city['projects'][0].pk}/")
        assert page.locator("#progress table.stack tbody tr").count() >= 3
        assert page.evaluate(UNLABELLED, "#progress table.stack tbody") == []
        context.close()


def test_the_dashboard_prints_on_a4_landscape_with_its_charts(browser, live_server, city, tmp_path, screenshots):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, city["leader"])
    as_of = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)  # last month's end
    page.goto(f"{live_server.url}/dashboard/?as_of={as_of:%Y-%m-%d}")
    charts = page.locator(".chart[data-chart]")
    assert charts.count() >= 4
    page.wait_for_function("() => [...document.querySelectorAll('.chart[data-chart]')]"
                           ".every(el => el.dataset.printReady === 'true')", timeout=20000)  # fmt: skip
    # Print media: the navigation and the date form are hidden; every chart is visible, sized, and
    # fits the printed width (A4 landscape, 10 mm margins: 277 mm ≈ 1047 CSS px).
    page.emulate_media(media="print")
    assert page.locator(".main-nav").evaluate("el => getComputedStyle(el).display") == "none"
    assert page.locator("form.as-of").evaluate("el => getComputedStyle(el).display") == "none"
    boxes = charts.evaluate_all("els => els.map(el => { const r = el.querySelector('svg').getBoundingClientRect();"
                                " return [r.width, r.height]; })")  # fmt: skip
    assert all(w > 100 and h > 60 for w, h in boxes), boxes
    page.set_viewport_size({"width": 1047, "height": 740})
    boxes = charts.evaluate_all("els => els.map(el => el.querySelector('svg').getBoundingClientRect().right)")
    assert max(boxes) <= 1047, boxes
    pdf = tmp_path / "dashboard.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width > height and round(width) == 842 and round(height) == 595  # A4 landscape in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    # The printed pages as images, beside the screenshots, for a reader to look at.
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf), str(screenshots / "dashboard-print")],
                   check=True)  # fmt: skip
    assert "全市重点项目驾驶舱" in text
    # The charts printed: their SVG text comes out as text, e.g. the trend chart's month labels (every
    # other month where the axis is narrow; nothing else on the page names months) and its legend.
    months = {int(m) for m in re.findall(r"(?<![0-9-])([0-9]{1,2})月", text)}
    assert len(months) >= 6 and months <= set(range(1, 13)), months
    assert f"{as_of.year}年" in text and f"{as_of.year - 1}年" in text
    assert pdf.stat().st_size > 20_000
    page.emulate_media(media="screen")
    page.screenshot(path=screenshots / "dashboard-as-of.png", full_page=False)
    assert errors == []
    context.close()
