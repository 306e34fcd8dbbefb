"""The dashboard as of a past date or a past year: progress figures as known at the end of that day
(insights.definitions known_at), compared with independent SQL over the entries' verification times."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from investment.models import CountedMonth, ProgressEntry
from projects.choices import Stage
from tests.factories import ProjectFactory

D = datetime.date


def at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def history(tiedong):
    """Two projects, 2025 and 2026 entries, each verified (and counted) on a known day; one correction."""
    a = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, annual_plan=Decimal("1200"))
    b = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, annual_plan=Decimal("800"))
    for project, month, amount, verified in [
        (a, D(2025, 11, 1), "300", D(2025, 12, 6)),
        (a, D(2025, 12, 1), "200", D(2026, 1, 8)),
        (a, D(2026, 8, 1), "100", D(2026, 9, 7)),
        (a, D(2026, 9, 1), "150", D(2026, 10, 9)),
        (b, D(2026, 9, 1), "60", D(2026, 10, 12)),
        (a, D(2026, 10, 1), "500", D(2026, 11, 20)),
    ]:
        entry = ProgressEntry.objects.create(
            project=project, period=month, amount_completed=Decimal(amount), status="verified"
        )
        ProgressEntry.objects.filter(pk=entry.pk).update(verified_at=at(verified))
        CountedMonth.objects.filter(project=project, period=month).update(valid_from=at(verified))
    return a, b


def sql_ytd(moment, first, last):
    """Counted completion of the verified entries known at ``moment`` for the months [first, last]."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT coalesce(sum(amount_completed), 0) FROM investment_progressentry
               WHERE status = 'verified' AND verified_at < %s AND period BETWEEN %s AND %s""",
            [moment, first, last],
        )
        return cursor.fetchone()[0]


def figure(html, name):
    match = re.search(rf'data-figure="{name}"[^>]*data-value="([^"]*)"', html)
    assert match, name
    return Decimal(match.group(1))


def test_the_dashboard_as_of_a_past_date_counts_what_was_known_then(history, client, leader):
    client.force_login(leader)
    # 2026-10-10: the reporting month is September; B's September entry was verified on the 12th.
    html = client.get("/dashboard/?as_of=2026-10-10").content.decode()
    moment = at(D(2026, 10, 11)).replace(hour=0)
    expected = sql_ytd(moment, D(2026, 1, 1), D(2026, 9, 1))
    assert expected == Decimal("250.00")
    assert figure(html, "completed") == expected
    assert 'data-as-of="2026-10-10"' in html and 'value="2026-10-10"' in html
    assert re.search(r'data-figure="completion-rate">12.50%<', html)  # 250 / 2,000
    # Today: everything, October included.
    today = client.get("/dashboard/").content.decode()
    assert figure(today, "completed") == sql_ytd(timezone.now(), D(2026, 1, 1), D(2026, 10, 1)) == Decimal("810.00")
    assert "data-as-of" not in today


def test_a_past_year_shows_that_year_as_known_at_its_end(history, client, leader):
    client.force_login(leader)
    html = client.get("/dashboard/?year=2025").content.decode()
    moment = at(D(2026, 1, 1)).replace(hour=0)
    expected = sql_ytd(moment, D(2025, 1, 1), D(2025, 12, 1))
    assert expected == Decimal("300.00")  # December's entry was verified in January
    assert figure(html, "completed") == expected
    assert 'data-as-of="2025-12-31"' in html


@pytest.mark.parametrize("query, field", [("as_of=2026-13-01", "as_of"), ("as_of=2999-01-01", "as_of"),
                                          ("year=3000", "year"), ("year=二〇二五", "year")])  # fmt: skip
def test_a_bad_or_future_date_is_a_clear_400(client, leader, query, field):
    client.force_login(leader)
    response = client.get(f"/dashboard/?{query}")
    assert response.status_code == 400
    assert field in response.content.decode()
