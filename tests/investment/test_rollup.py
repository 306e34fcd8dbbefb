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
from investment.models import ProgressEntry
from tests.factories import ProjectFactory

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)

# What counts, written here and not taken from the code: a verified entry, at its figure as amended
# by the latest approved amendment.
COUNTED_SQL = """
SELECT e.project_id, e.period, COALESCE(e.amended_amount, e.amount_completed) AS amount
FROM investment_progressentry e WHERE e.status = 'verified' ORDER BY 1, 2
"""


def independent():
    with connection.cursor() as cursor:
        cursor.execute(COUNTED_SQL)
        return cursor.fetchall()


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
    assert rollup() != independent()
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
            " new_image_progress, reason, created_at) VALUES (%s, 100, 90, '', '', '更正', %s)",
            [entry.pk, verified_at + datetime.timedelta(hours=1)],
        )
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE investment_progressentry SET amended_amount = 90 WHERE id = %s", [entry.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(importlib.import_module("investment.migrations.0005_counted_month").BACKFILL_SQL)
    assert rollup() == independent() == [(project.pk, JAN, Decimal("90.00"))]
    assert rollup(known_at=verified_at + datetime.timedelta(minutes=30)) == [(project.pk, JAN, Decimal("100.00"))]
    assert rollup(known_at=verified_at - datetime.timedelta(minutes=1)) == []


def test_rows_are_scoped_by_the_access_rules(county_user, county_reviewer, other_county_user, project):
    _verified(county_user, county_reviewer, project, JAN, "100")
    assert selectors.counted_month_rows().restrict(county_user).count() == 1
    assert selectors.counted_month_rows().restrict(other_county_user).count() == 0
