"""User text in chart tooltips is text, not HTML, in a real browser: a project named with tags is
shown on the project map, its tooltip is opened, and no element of the name's making appears (the
name shows literally). tests/security/test_chart_tooltips.py checks every tooltip formatter statically."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from projects.choices import Role, Stage, StartType
from projects.models import Region
from tests.factories import ProjectFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = '<a id="injected-link" href="https://evil.example/login">登录已过期</a><img id="injected-img" src="x">'

SHOW_TOOLTIP = """(name) => {
  const chart = echarts.getInstanceByDom(document.getElementById("project-map"));
  const series = chart.getOption().series;
  for (let s = 0; s < series.length; s++) {
    const index = (series[s].data || []).findIndex((d) => d.name === name);
    if (index >= 0) { chart.dispatchAction({ type: "showTip", seriesIndex: s, dataIndex: index }); return s; }
  }
  return -1;
}"""


@pytest.fixture
def hostile_map(transactional_db):
    region = Region.objects.get(key="tiedong")
    ProjectFactory(
        name=HOSTILE, region=region, stage=Stage.CONSTRUCTION, start_type=StartType.NEW,
        actual_start=datetime.date(2025, 5, 1), total_investment=Decimal("12000"), annual_plan=Decimal("2000"),
        longitude=Decimal("122.990000"), latitude=Decimal("41.090000"),
    )  # fmt: skip
    return user_with_role("tooltip_leader", Role.LEADERSHIP)


def test_a_project_named_with_tags_shows_as_text_in_the_map_tooltip(hostile_map, live_server, page):
    client = Client()
    client.force_login(hostile_map)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/supervision/map/")
    page.wait_for_selector("#project-map[data-ready='true']", timeout=20000)
    assert page.evaluate(SHOW_TOOLTIP, HOSTILE) >= 1  # a scatter series holds the point
    tooltip = page.locator("#project-map > div").filter(has_text="登录已过期")
    tooltip.first.wait_for(state="visible", timeout=5000)
    assert page.locator("#injected-link, #injected-img").count() == 0
    assert page.locator("a[href^='https://evil.example']").count() == 0
    assert HOSTILE in tooltip.first.inner_text()  # the name, shown literally
    assert errors == []
