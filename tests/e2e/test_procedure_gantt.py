"""The project page's procedure chart in a real browser: the Gantt is drawn from the plan, and an item
named with tags shows as text in its tooltip (echarts.format.encodeHTML), no page error."""

import datetime

import pytest
from django.test import Client

from investment import procedure_services as services
from projects.choices import Role
from projects.models import Region
from tests.factories import user_with_role
from tests.procedures.helpers import project_with

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = '<img id="injected-img" src="x">环评'

SHOW_TOOLTIP = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="procedure-gantt"]'));
  chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: 1 });
  return chart.getOption().series[0].data.length;
}"""


def test_the_procedure_chart_draws_the_plan_and_escapes_item_names(transactional_db, live_server, page):
    staff = user_with_role("gantt_staff", Role.COUNTY_STAFF, region=Region.objects.get(key="tiedong"))
    project = project_with(
        [("立项", 5), (HOSTILE, 10, ["立项"], "sthjj"), ("施工许可", 3, [HOSTILE])],
        user=staff,
        start=datetime.date(2026, 11, 2),
    )
    services.procedure_plan_freeze(user=staff, project=project)
    client = Client()
    client.force_login(staff)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.wait_for_selector('[data-chart="procedure-gantt"][data-rendered="true"]', timeout=20000)
    assert page.evaluate(SHOW_TOOLTIP) == 3
    tooltip = page.locator('[data-chart="procedure-gantt"] > div').filter(has_text="环评")
    tooltip.first.wait_for(state="visible", timeout=5000)
    assert HOSTILE in tooltip.first.inner_text()
    assert page.locator("#injected-img").count() == 0
    assert errors == []
