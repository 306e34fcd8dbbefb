"""List counts: exact up to settings.LIST_EXACT_COUNT_UP_TO matching rows, the planner's estimate above
it (said so on the page and in the API), so that the first page of a million rows never waits for a
COUNT(*)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import Stage
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

ROWS = 12


@pytest.fixture
def projects():
    for i in range(ROWS):
        ProjectFactory(stage=Stage.CONSTRUCTION if i % 3 == 0 else Stage.PLANNING, start_type="new")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE projects_project")  # the planner's statistics for these rows


def _reltuples():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'projects_project'")
        return cursor.fetchone()[0]


def _planned_rows(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]


def _counted(queries):
    """The COUNTs of projects that ran (the page's other counts, e.g. unread notifications, aside)."""
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "projects_project" in q["sql"]]


def _bounded(queries, limit):
    """Only counts that stop after ``limit`` rows ran (never one reading every matching row)."""
    counts = _counted(queries)
    return len(counts) == 1 and f"LIMIT {limit}" in counts[0]


def test_above_the_threshold_the_page_shows_the_estimate_without_counting(client, leader, projects, settings):
    settings.LIST_EXACT_COUNT_UP_TO = ROWS - 3
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/")
    assert _reltuples() == ROWS
    assert response.context["page"].paginator.count == ROWS
    assert response.context["page"].paginator.count.is_estimate
    assert f"约 {ROWS} 个项目" in response.content.decode()
    assert _bounded(queries, ROWS - 2)


def test_a_filtered_list_above_the_threshold_shows_the_planners_estimate(client, leader, projects, settings):
    settings.LIST_EXACT_COUNT_UP_TO = 0  # the planner's estimate of 4 rows is then above it
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/?stage=construction")
    expected = _planned_rows("SELECT id FROM projects_project WHERE stage = 'construction'")
    assert response.context["page"].paginator.count == expected
    assert f"约 {expected} 个项目" in response.content.decode()
    assert _bounded(queries, 1)


def test_at_or_below_the_threshold_the_page_counts_exactly(client, leader, projects, settings):
    settings.LIST_EXACT_COUNT_UP_TO = ROWS
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/?stage=construction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM projects_project WHERE stage = 'construction'")
        exact = cursor.fetchone()[0]
    assert exact == ROWS // 3
    assert response.context["page"].paginator.count == exact
    assert not response.context["page"].paginator.count.is_estimate
    body = response.content.decode()
    assert f"共 {exact} 个项目" in body and "约" not in body.split('data-figure="count">')[1][:20]
    assert _bounded(queries, ROWS + 1)


def test_a_large_estimate_is_rounded_and_grouped(client, leader, projects, settings):
    from common.counting import _rounded

    assert _rounded(1_234_567) == 1_230_000
    assert _rounded(999) == 999
    assert _rounded(1_000_000) == 1_000_000


def test_the_api_says_when_its_count_is_an_estimate(leader, projects, settings):
    settings.LIST_EXACT_COUNT_UP_TO = ROWS - 3
    with CaptureQueriesContext(connection) as queries:
        data = client_for(leader).get("/api/v1/projects/").json()
    assert (data["count"], data["count_is_estimate"]) == (_reltuples(), True)
    assert len(data["results"]) == ROWS
    assert _bounded(queries, ROWS - 2)

    settings.LIST_EXACT_COUNT_UP_TO = ROWS
    data = client_for(leader).get("/api/v1/projects/", {"stage": "construction"}).json()
    assert (data["count"], data["count_is_estimate"]) == (ROWS // 3, False)


def test_the_schema_documents_count_is_estimate(leader):
    schema = client_for(leader).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    page = schema["components"]["schemas"]["PaginatedProjectListList"]
    assert page["properties"]["count_is_estimate"]["type"] == "boolean"
    assert "估算" in page["properties"]["count"]["description"]
