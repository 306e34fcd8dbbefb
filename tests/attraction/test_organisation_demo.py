import datetime
from decimal import Decimal

from django.core.management import call_command
from django.db import connection

from attraction import selectors
from attraction.models import DevelopmentZone, FundSpending, OutreachEvent, TaskForce
from projects.choices import Role
from tests.factories import user_with_role


def test_demo_shows_the_articles_organisation():
    call_command("seed_demo", projects=400, seed=3, no_accounts=True, no_progress_bar=True)
    leader = user_with_role("demo_leader_view", Role.LEADERSHIP)
    year = datetime.date.today().year
    assert TaskForce.objects.count() == 17
    assert TaskForce.objects.filter(level="city").count() == 7
    assert DevelopmentZone.objects.filter(company_run=True).count() == 10
    summary = selectors.fund_summary(user=leader, year=year)
    assert summary["total"] == Decimal("10000.00") and summary["floor_met"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM attraction_outreachevent WHERE kind = 'online' AND held_on >= %s",
                       [datetime.date(year, 1, 1)])  # fmt: skip
        (online,) = cursor.fetchone()
    assert online > 50
    monthly = selectors.outreach_monthly(user=leader, year=year)
    assert next(r["total"] for r in monthly["rows"] if r["kind"] == "online") == online
    assert all(level["events"] > 0 for level in monthly["levels"])  # 三级联动: city, county, zone took part
    reinvest = selectors.reinvestment(user=leader)
    assert reinvest["count"] >= 2 and reinvest["investment"] > 0
    # Every trip out has its cost as exactly one spending record.
    trips = OutreachEvent.objects.filter(kind="trip_out")
    assert FundSpending.objects.filter(event__in=trips).count() == trips.count() > 0
