"""The demo shows the chains, the assessment and the circulation with the article's figures: industrial
"four transformations" investment +76.6% (independent SQL), domestic capital 423.08 亿元 +30%."""

from decimal import Decimal

import openpyxl
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from attraction import selectors
from attraction.models import AssessmentIndicator, ChainTarget, Circulation
from common.periods import previous_month, reporting_month
from dispatch.models import DispatchGroup, Report


def test_demo_reproduces_industrial_growth_and_shows_the_chain_mechanisms():
    call_command("seed_demo", projects=400, seed=3, no_accounts=True, no_progress_bar=True)
    today = timezone.localdate()
    month = reporting_month(today)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT SUM(e.amount_completed) FILTER (WHERE e.period BETWEEN %s AND %s),
                      SUM(e.amount_completed) FILTER (WHERE e.period BETWEEN %s AND %s)
               FROM investment_progressentry e JOIN projects_project p ON p.id = e.project_id
               JOIN projects_category c ON c.id = p.category_id
               WHERE c.key = 'industrial' AND e.status = 'verified'""",
            [month.replace(month=1), month, month.replace(year=month.year - 1, month=1),
             month.replace(year=month.year - 1)],
        )  # fmt: skip
        now, before = cursor.fetchone()
    assert ((now - before) / before).quantize(Decimal("0.0001")) == Decimal("0.7660")
    rows = {r["category"].key: r for r in selectors.category_year_on_year(user=selectors.CITY_WIDE, day=today)}
    assert rows["industrial"]["yoy"] == Decimal("0.7660")
    assert (rows["industrial"]["ytd"], rows["industrial"]["last_ytd"]) == (now, before)
    assert ChainTarget.objects.filter(position="upstream").exists()
    assert ChainTarget.objects.filter(position="downstream", project__isnull=False).exists()
    assert AssessmentIndicator.objects.filter(year=today.year).count() == 3
    circulation = Circulation.objects.get(month=previous_month(today))
    assert circulation.delivered_at is not None and "实际到位内资" in circulation.body
    # The renovation programme: 121 communities, 2,800 buildings, 179,100 households (the article).
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, SUM(planned_total) FROM investment_physicalindicator GROUP BY name")
        totals = dict(cursor.fetchall())
    assert (totals["改造老旧小区"], totals["改造楼栋"], totals["惠及居民户数"]) == (121, 2800, 179100)
    group = DispatchGroup.objects.get(key="programme-renovation")
    assert group.cadence == "dekad" and group.rounds.exists()
    report = Report.objects.filter(round__group=group, format="xlsx", status="done").get()
    rows = list(openpyxl.load_workbook(report.file.path, read_only=True)["实物量指标"].iter_rows(values_only=True))
    assert {r[0]: Decimal(str(r[3])) for r in rows[1:]}["惠及居民户数"] == Decimal("179100")
