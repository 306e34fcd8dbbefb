from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from attraction import selectors
from attraction.models import AnnualTarget, AttractionRecord, FollowUp, SigningEvent, SigningEventProject


def test_demo_reproduces_the_articles_attraction_figures():
    call_command("seed_demo", projects=400, seed=3, no_accounts=True, no_progress_bar=True)
    month = selectors.month_start(timezone.localdate())
    total = selectors.region_figures(user=selectors.CITY_WIDE, month=month)["total"]
    # Domestic capital in place Jan to date: 423.08 亿元, +30% on the same months of last year; the demo's
    # foreign capital (18.65 亿元, also +30%) comes on top of it (independent SQL).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(amount - foreign_amount), SUM(foreign_amount) FROM attraction_capitalinplace"
            " WHERE month >= %s AND month <= %s",
            [month.replace(month=1), month],
        )
        domestic, foreign = cursor.fetchone()
    assert domestic == Decimal("4230800.00") and foreign == Decimal("186500.00")
    assert total["capital_ytd"] == domestic + foreign
    assert total["capital_yoy"] == Decimal("0.3000")
    origin = selectors.capital_by_origin(user=selectors.CITY_WIDE, month=month)
    assert origin["domestic"]["ytd"] == Decimal("4230800.00") and origin["domestic"]["yoy"] == Decimal("0.3000")
    rows = {r["region"].key: r for r in selectors.region_figures(user=selectors.CITY_WIDE, month=month)["rows"]}
    assert rows["fengjingqu"]["capital_last"] == 0 and rows["fengjingqu"]["capital_yoy"] is None
    provincial = SigningEventProject.objects.filter(event__notes="省级招商活动").aggregate(
        n=Count("id"), s=Sum("amount")
    )
    assert provincial["s"] == Decimal("6073200.00")
    assert 0 < provincial["n"] <= 60
    names = set(SigningEvent.objects.values_list("name", flat=True))
    assert {"菱镁产业推介会", "辽洽会", "长三角招商引资促进周"} <= names
    assert AnnualTarget.objects.filter(year=month.year).count() == 10
    assert AttractionRecord.objects.exists() and FollowUp.objects.exists()
