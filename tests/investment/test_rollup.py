"""The counted-month rollup (investment.CountedMonth) against independent SQL over the entries."""

import datetime
import importlib
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from investment import selectors, services
from investment.choices import EntryStatus
from investment.models import CountedYear, ProgressEntry
from tests.factories import ProjectFactory

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)

# What counts, written here and not taken from the code: a verified entry, at its figure as amended
# by the latest approved amendment.
COUNTED_SQL = """
SELECT e.project_id, e.period, COALESCE(e.amended_amount, e.amount_completed) AS amount
FROM investment_progressentry e WHERE e.status = 'verified' ORDER BY 1, 2
"""


def independent(check_years=True):
    with connection.cursor() as cursor:
        cursor.execute(COUNTED_SQL)
        rows = cursor.fetchall()
    if not check_years:
        return rows
    # The year totals follow the month rows: checked against the same SQL at every step.
    years = {}
    for project_id, period, amount in rows:
        key = (project_id, period.year)
        total, months, last = years.get(key, (Decimal("0"), 0, period))
        years[key] = (total + amount, months + 1, max(last, period))
    stored = {
        (r.project_id, r.year): (r.amount, r.months, r.last_period)
        for year in {y for _, y in years} | set(CountedYear.objects.values_list("year", flat=True))
        for r in selectors.counted_year_rows(year=year)
    }
    assert stored == years
    return rows


def rollup(known_at=None):
    return list(
        selectors.counted_month_rows(known_at=known_at)
        .order_by("project_id", "period")
        .values_list("project_id", "period", "amount")
    )


@pytest.fixture
def project():
    return ProjectFactory(total_investment=Decimal("1000"), annual_plan=Decimal("500"))


def _verified(county_user, county_reviewer, project, period, amount):
    entry = services.progress_save(user=county_user, project=project, period=period, amount_completed=amount)
    entry = services.progress_submit(user=county_user, entry=entry)
    return services.progress_verify(user=county_reviewer, entry=entry)


def test_rollup_follows_verification_return_and_amendment(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="100")
    entry = services.progress_submit(user=county_user, entry=entry)
    assert rollup() == independent() == []  # submitted does not count yet
    entry = services.progress_verify(user=county_reviewer, entry=entry)
    assert rollup() == independent() == [(project.pk, JAN, Decimal("100.00"))]
    after_verify = timezone.now()
    entry = services.progress_return(user=county_reviewer, entry=entry, reason="金额有误")
    assert rollup() == independent() == []
    after_return = timezone.now()
    entry = services.progress_save(
        user=county_user, project=project, period=JAN, amount_completed="120", version=entry.version
    )
    entry = services.progress_verify(
        user=county_reviewer, entry=services.progress_submit(user=county_user, entry=entry)
    )
    _verified(county_user, county_reviewer, project, FEB, "30")
    assert rollup() == independent() == [(project.pk, JAN, Decimal("120.00")), (project.pk, FEB, Decimal("30.00"))]
    # As known at earlier moments: the figure of that moment, not today's.
    assert rollup(known_at=after_verify) == [(project.pk, JAN, Decimal("100.00"))]
    assert rollup(known_at=after_return) == []


def test_every_writer_is_followed_in_the_same_transaction(county_user, county_reviewer, project):
    """Queryset updates and deletes too: the trigger, not the caller, keeps the rollup."""
    entry = _verified(county_user, county_reviewer, project, JAN, "100")
    ProgressEntry.objects.filter(pk=entry.pk).update(amended_amount=Decimal("80"))
    assert rollup() == independent() == [(project.pk, JAN, Decimal("80.00"))]
    ProgressEntry.objects.filter(pk=entry.pk).update(image_progress="主体封顶")  # no figure changed
    assert selectors.counted_month_rows().filter(project=project).count() == 1
    ProgressEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.SUBMITTED)
    assert rollup() == independent() == []
    ProgressEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.VERIFIED)
    ProgressEntry.objects.create(project=project, period=FEB, amount_completed=Decimal("7"), status="verified")
    assert rollup() == independent() == [(project.pk, JAN, Decimal("80.00")), (project.pk, FEB, Decimal("7.00"))]
    ProgressEntry.objects.filter(project=project, period=FEB).delete()
    assert rollup() == independent() == [(project.pk, JAN, Decimal("80.00"))]


def test_history_rows_are_ordered_and_one_current_row_per_month(county_user, county_reviewer, project):
    entry = _verified(county_user, county_reviewer, project, JAN, "100")
    for amount in ("90", "95", "91"):
        ProgressEntry.objects.filter(pk=entry.pk).update(amended_amount=Decimal(amount))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT amount, valid_from, valid_to FROM investment_countedmonth WHERE project_id = %s"
            " ORDER BY valid_from, id",
            [project.pk],
        )
        history = cursor.fetchall()
    assert [a for a, _, _ in history] == [Decimal("100.00"), Decimal("90.00"), Decimal("95.00"), Decimal("91.00")]
    assert [t for _, _, t in history].count(None) == 1 and history[-1][2] is None
    for (_, _, closed), (_, opened, _) in itertools.pairwise(history):
        assert closed == opened  # each change closes the old row at the moment it opens the new one


def test_sync_repairs_a_load_without_triggers_and_keeps_history(county_user, county_reviewer, project):
    _verified(county_user, county_reviewer, project, JAN, "100")
    other = ProjectFactory()
    with connection.cursor() as cursor:  # what the demo seed does: a bulk load with triggers off
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO investment_progressentry (project_id, period, amount_completed, image_progress, next_steps,"
            " overrun_reason, status, version, return_reason, created_at, updated_at, verified_at)"
            " VALUES (%s, %s, 5, '', '', '', 'verified', 1, '', now(), now(), now())",
            [other.pk, JAN],
        )
        cursor.execute("UPDATE investment_progressentry SET amount_completed = 101 WHERE project_id = %s", [project.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert rollup() != independent(check_years=False)
    assert services.counted_months_sync() == (1, 2)
    assert rollup() == independent()
    assert services.counted_months_sync() == (0, 0)  # idempotent
    assert selectors.counted_month_rows().filter(project=project).count() == 1
    assert selectors.counted_month_rows(known_at=timezone.now()).count() == 2


def test_migration_backfill_rebuilds_the_amendment_history(county_user, county_reviewer, project):
    entry = _verified(county_user, county_reviewer, project, JAN, "100")
    verified_at = entry.verified_at
    services.period_freeze(period=JAN)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM investment_countedmonth")
        # An amendment recorded before the rollup existed (the entry carries its figure).
        cursor.execute(
            "INSERT INTO investment_progressamendment (entry_id, old_amount, new_amount, old_image_progress,"
            " new_image_progress, reason, created_at, status, decided_at, decision_reason)"
            " VALUES (%s, 100, 90, '', '', '更正', %s, 'approved', %s, '')",
            [entry.pk, verified_at + datetime.timedelta(hours=1), verified_at + datetime.timedelta(hours=1)],
        )
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE investment_progressentry SET amended_amount = 90 WHERE id = %s", [entry.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(importlib.import_module("investment.migrations.0005_counted_month").BACKFILL_SQL)
        cursor.execute("DELETE FROM investment_countedyear")
        cursor.execute(importlib.import_module("investment.migrations.0007_counted_year").BACKFILL_SQL)
    assert rollup() == independent() == [(project.pk, JAN, Decimal("90.00"))]
    assert rollup(known_at=verified_at + datetime.timedelta(minutes=30)) == [(project.pk, JAN, Decimal("100.00"))]
    assert rollup(known_at=verified_at - datetime.timedelta(minutes=1)) == []


def test_rows_are_scoped_by_the_access_rules(county_user, county_reviewer, other_county_user, project):
    _verified(county_user, county_reviewer, project, JAN, "100")
    assert selectors.counted_month_rows().restrict(county_user).count() == 1
    assert selectors.counted_month_rows().restrict(other_county_user).count() == 0


def test_year_to_date_rows_equal_the_month_rows_through_any_month(county_user, county_reviewer, project):
    other = ProjectFactory()
    for who, month, amount in ((project, 1, "10"), (project, 2, "20"), (project, 3, "30"), (other, 3, "7")):
        _verified(county_user, county_reviewer, who, datetime.date(2026, month, 1), amount)
    _verified(county_user, county_reviewer, project, datetime.date(2025, 12, 1), "500")  # another year
    for through, expected in ((JAN, {project.pk: Decimal("10.00")}),
                              (FEB, {project.pk: Decimal("30.00")}),
                              (datetime.date(2026, 3, 1), {project.pk: Decimal("60.00"), other.pk: Decimal("7.00")})):  # fmt: skip
        with connection.cursor() as cursor:  # independent: the entries themselves
            cursor.execute(
                "SELECT project_id, sum(COALESCE(amended_amount, amount_completed)) FROM investment_progressentry"
                " WHERE status = 'verified' AND period >= '2026-01-01' AND period <= %s GROUP BY 1",
                [through],
            )
            assert dict(cursor.fetchall()) == expected
        rows = {r.project_id: r.completed for r in selectors.counted_ytd_rows(through=through)}
        assert {k: v for k, v in rows.items() if v} == expected
