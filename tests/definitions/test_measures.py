"""The measures of insights.definitions at their edges: 开复工 at the year boundary, the one rounding
rule at .5, the periods. Expected figures are written out here, not computed by the code's helpers."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from common import periods
from common.figures import growth, percent, ratio
from insights import definitions
from portal import selectors as portal_selectors
from projects.models import Project, StageChange
from tests.factories import ProjectFactory

D = datetime.date
TODAY = D(2026, 11, 16)


def started(**kwargs):
    return ProjectFactory(total_investment=Decimal("60000"), **kwargs)


@pytest.fixture
def boundary(db):
    """The year-boundary cases of 开复工 (started or resumed this year)."""
    cases = {
        # started last December, still building, no stage change this year: not this year's
        "started_last_december": started(stage="construction", start_type="new", actual_start=D(2025, 12, 20)),
        # a continuing (续建) project whose work resumed this March: counts
        "resumed_this_march": started(stage="construction", start_type="continuing", actual_start=D(2024, 5, 1)),
        # started and completed this year: still counts
        "started_and_completed": started(
            stage="completed", start_type="new", actual_start=D(2026, 2, 1), actual_completion=D(2026, 10, 1)
        ),
        # started on the year's first day: counts; a start after the statistics day does not (yet)
        "started_new_years_day": started(stage="construction", start_type="new", actual_start=D(2026, 1, 1)),
        "starts_after_today": started(stage="construction", start_type="new", actual_start=D(2026, 11, 20)),
        # resumed last December: last year's
        "resumed_last_december": started(stage="construction", start_type="resumed", actual_start=D(2023, 4, 1)),
        # a project that has not started is never counted, whatever its type
        "landed": started(stage="landed"),
        # below the key-project threshold: a started project, but not a key one
        "small": ProjectFactory(
            total_investment=Decimal("4000"), stage="construction", start_type="new", actual_start=D(2026, 3, 1)
        ),
    }
    StageChange.objects.create(project=cases["resumed_this_march"], from_stage="construction", to_stage="construction",
                               start_type="continuing", changed_on=D(2026, 3, 10), reason="复工")  # fmt: skip
    StageChange.objects.create(project=cases["resumed_last_december"], from_stage="landed", to_stage="construction",
                               start_type="resumed", changed_on=D(2025, 12, 28))  # fmt: skip
    return cases


def sql_started(year, through, threshold=Decimal("5000")):
    """开复工 by independent SQL: building now, and started or entered construction this year."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.name FROM projects_project p
               WHERE p.stage IN ('construction', 'completed', 'operating') AND p.total_investment >= %s
                 AND ((p.actual_start >= %s AND p.actual_start <= %s)
                      OR EXISTS (SELECT 1 FROM projects_stagechange c WHERE c.project_id = p.id
                                 AND c.to_stage = 'construction' AND c.changed_on >= %s AND c.changed_on <= %s))""",
            [threshold, D(year, 1, 1), through, D(year, 1, 1), through],
        )
        return {name for (name,) in cursor.fetchall()}


def test_started_or_resumed_this_year_at_the_year_boundary(boundary, leader):
    q = definitions.started_or_resumed_q(first=D(2026, 1, 1), last=TODAY)
    names = {p.pk: key for key, p in boundary.items()}
    counted = {names[pk] for pk in Project.objects.filter(q).values_list("pk", flat=True)}
    assert counted == {"resumed_this_march", "started_and_completed", "started_new_years_day", "small"}
    figures = portal_selectors.headline(user=leader, today=TODAY)
    key = {boundary[k].name for k in ("resumed_this_march", "started_and_completed", "started_new_years_day")}
    assert sql_started(2026, TODAY) == key
    assert figures["started_count"] == 3
    assert figures["started_total"] == Decimal("180000")
    listed = {p.name for p in portal_selectors.started_projects(user=leader, today=TODAY)}
    assert listed == key


def test_last_years_figure_counts_last_years_starts(boundary):
    q = definitions.started_or_resumed_q(first=D(2025, 1, 1), last=D(2025, 12, 31))
    names = {p.pk: key for key, p in boundary.items()}
    counted = {names[pk] for pk in Project.objects.filter(q).values_list("pk", flat=True)}
    assert counted == {"started_last_december", "resumed_last_december"}


@pytest.mark.parametrize(
    ("part", "whole", "kept", "text"),
    [
        ("1", "32", "0.0313", "3.13%"),  # 0.03125: half up, never half even (3.12%)
        ("3", "32", "0.0938", "9.38%"),  # 0.09375
        ("1", "8", "0.1250", "12.50%"),
        ("40005", "100000", "0.4001", "40.01%"),
        ("2", "3", "0.6667", "66.67%"),
        ("0", "5", "0.0000", "0.00%"),
    ],
)
def test_one_rounding_rule_at_one_half(part, whole, kept, text):
    assert ratio(Decimal(part), Decimal(whole)) == Decimal(kept)
    assert percent(ratio(Decimal(part), Decimal(whole))) == text


def test_the_database_rounds_as_python_does(db):
    """PostgreSQL's round(numeric) (the SQL measures) and ROUND_HALF_UP agree at .5."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(1::numeric / 32, 4), round(3::numeric / 32, 4), round(40005::numeric / 100000, 4)")
        assert cursor.fetchone() == (Decimal("0.0313"), Decimal("0.0938"), Decimal("0.4001"))


def test_no_base_no_rate():
    assert ratio(Decimal("5"), Decimal("0")) is None and ratio(Decimal("5"), None) is None
    assert percent(None) == "—"
    assert growth(Decimal("150"), Decimal("100")) == Decimal("0.5000")
    assert growth(Decimal("1"), Decimal("0")) is None


def test_periods():
    assert periods.reporting_month(D(2026, 11, 16)) == D(2026, 10, 1)
    assert periods.reporting_month(D(2026, 11, 30)) == D(2026, 11, 1)
    assert periods.reporting_month(D(2026, 1, 5)) == D(2025, 12, 1)
    assert periods.month_end(D(2028, 2, 3)) == D(2028, 2, 29)
    assert periods.add_months(D(2026, 1, 31), -1) == D(2025, 12, 1)
    assert periods.half_month(D(2026, 2, 20)) == (D(2026, 2, 16), D(2026, 2, 28))
    assert periods.half_month(D(2026, 2, 15)) == (D(2026, 2, 1), D(2026, 2, 15))
    assert periods.week(D(2026, 12, 3)) == (D(2026, 11, 30), D(2026, 12, 6))
    assert periods.year_fraction_elapsed(D(2026, 12, 31)) == Decimal("1.0000")
    assert periods.year_fraction_elapsed(D(2026, 6, 30)) == Decimal("0.4959")  # 181 / 365
    assert definitions.reporting_period(D(2026, 11, 16)).elapsed == Decimal("0.8329")  # 304 / 365


def test_every_definition_has_its_text_in_english(client, leader):
    """The 统计口径说明 page lists every measure, in Chinese and in English."""
    client.force_login(leader)
    chinese = client.get("/dashboard/definitions/").content.decode()
    for definition in definitions.DEFINITIONS:
        assert str(definition.name) in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/dashboard/definitions/").content.decode()
    main = english.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "Completion rate" in main and "Definitions of figures" in main
    with translation.override(settings.LANGUAGE_CODE):
        chinese_texts = [str(d.text) for d in definitions.DEFINITIONS]
    for text in chinese_texts:
        assert text in chinese and text not in main  # every text has its English
