import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from investment.excel import progress_import
from investment.models import ProgressEntry
from tests.badinput.corpus import row, sheet
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls):
    """Run the calls in threads released together; each thread has its own database connection."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(10)
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_writers_of_the_same_entry_at_once_one_wins_the_other_gets_409(county_user, county_colleague, tiedong):
    project = ProjectFactory(region=tiedong, stage="construction", start_type="new", total_investment=Decimal(50000))
    url = f"/api/v1/projects/{project.pk}/progress/"
    first = APIClient()
    first.force_authenticate(county_user)
    assert first.post(url, {"period": "2026-01", "amount_completed": "1"}).status_code == 201

    def write(user, amount):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            return client.post(url, {"period": "2026-01", "amount_completed": amount, "version": 1}).status_code

        return call

    statuses = at_once(write(county_user, "222.00"), write(county_colleague, "333.00"))
    assert sorted(statuses) == [200, 409] or sorted(statuses) == [201, 409], statuses
    entry = ProgressEntry.objects.get(project=project)
    winner = "222.00" if statuses[0] != 409 else "333.00"
    assert entry.amount_completed == Decimal(winner) and entry.version == 2


def test_the_same_file_imported_twice_at_once_doubles_nothing(county_user, county_colleague, tiedong):
    projects = [ProjectFactory(region=tiedong, code=f"2026-210302-04-01-CC{i:04d}", stage="construction",
                               start_type="new", total_investment=Decimal(50000)) for i in range(40)]  # fmt: skip
    data = sheet([row(p, amount=12.5) for p in projects])

    results = at_once(
        lambda: progress_import(user=county_user, data=data, dry_run=False),
        lambda: progress_import(user=county_colleague, data=data, dry_run=False),
    )
    assert all(r.valid for r in results)
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 40), (40, 0)]
    assert ProgressEntry.objects.count() == 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM investment_progressentryevent")
        assert cursor.fetchone()[0] == 40  # one audit row per entry: nothing written twice
