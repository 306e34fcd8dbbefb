"""The demo city shows the meeting rituals of issue 21: rounds of every cadence with reports, the last
quarter's evaluation with its scores, honours and notices (one acknowledged, with its follow-up and
statement), and county completion rates near the time progress, two counties behind (by SQL)."""

from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dispatch.models import EvaluationEntry, EvaluationHonour, EvaluationScore, Report, WarningNotice
from dispatch.services import previous_quarter
from insights.definitions import AsOf


def test_the_demo_shows_the_competition_loop_and_every_tier():
    call_command("seed_demo", projects=400, no_accounts=True, no_progress_bar=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT g.cadence FROM dispatch_dispatchround r JOIN dispatch_dispatchgroup g ON g.id = r.group_id
               JOIN dispatch_report p ON p.round_id = r.id AND p.status = 'done'"""
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "monthly",
            "semimonthly",
            "weekly",
            "daily",
            "dekad",
        }  # dekad: the renovation programme
    year, quarter = previous_quarter(timezone.localdate())
    entries = EvaluationEntry.objects.filter(evaluation__year=year, evaluation__quarter=quarter)
    assert entries.filter(unit_kind="region").count() == 10
    assert EvaluationScore.objects.filter(entry__in=entries).values("point").distinct().count() == 6
    assert EvaluationHonour.objects.filter(entry__in=entries, kind="award", prize__gt=0).exists()
    assert entries.filter(red_flag=True).count() == 2 and entries.filter(warned=True).exists()
    followed = WarningNotice.objects.filter(evaluation__year=year, acknowledged_at__isnull=False)
    assert followed.exclude(statement="").exclude(rectification="").filter(rectification_due__isnull=False).exists()
    assert Report.objects.filter(kind="evaluation", status="done").count() == 2
    # Completion rates by SQL: counted (verified) this year through the reporting month ÷ year plan.
    period = AsOf(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.region_id, sum(p.annual_plan),
                      (SELECT coalesce(sum(e.amount_completed), 0) FROM investment_progressentry e
                       JOIN projects_project q ON q.id = e.project_id
                       WHERE q.region_id = p.region_id AND e.status = 'verified'
                         AND e.period BETWEEN %s AND %s)
               FROM projects_project p GROUP BY p.region_id""",
            [period.year_start, period.month],
        )
        shares = sorted((done / plan) / period.elapsed for _, plan, done in cursor.fetchall() if plan)
    close = [s for s in shares if Decimal("0.85") <= s <= Decimal("1.10")]
    behind = [s for s in shares if s < Decimal("0.85")]
    assert len(close) >= 7 and 1 <= len(behind) <= 3, shares
