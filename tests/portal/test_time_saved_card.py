"""The dashboard's 审批提速 card: days saved and items in parallel per county and in total, against SQL."""

import datetime
import re

from django.db import connection

from investment import procedure_services as services
from investment.models import ProcedureSchedule
from projects.models import Region
from tests.procedures.helpers import project_with

D = datetime.date
SPEC = [("项目核准", 20, [], "fgw", 10), ("施工许可", 10, ["项目核准"], "zjj", 5), ("环评", 5, [], None)]


def _sql_per_region():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT region_id, SUM(days), SUM(COALESCE(parallel, 0)) FROM (
                SELECT p.region_id,
                       COALESCE(b.construction_start, s.original_construction_start)
                       - COALESCE(p.actual_start, s.forecast_construction_start) AS days,
                       s.parallel_items AS parallel
                FROM projects_project p
                JOIN investment_procedureschedule s ON s.project_id = p.id
                LEFT JOIN investment_procedureplan b ON b.project_id = p.id AND b.is_baseline
            ) t WHERE days IS NOT NULL GROUP BY region_id
            """
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def test_the_dashboard_card_shows_days_saved_per_county_and_in_total(
    client, county_user, other_county_user, leader, django_assert_max_num_queries
):
    a = project_with(SPEC, user=county_user)
    services.procedure_plan_freeze(user=county_user, project=a)
    a.actual_start = D(2026, 12, 1)
    a.save(update_fields=["actual_start"])
    b = project_with(SPEC, user=other_county_user, region=Region.objects.get(key="haicheng"))
    ProcedureSchedule.objects.filter(project=b).update(original_construction_start=D(2027, 6, 30))
    project_with(SPEC, user=county_user)  # no baseline, no original plan: not counted

    expected = _sql_per_region()
    assert len(expected) == 2
    client.force_login(leader)
    with django_assert_max_num_queries(22):
        html = client.get("/dashboard/").content.decode()
    card = html[html.index('id="time-saved"') :]
    card = card[: card.index("</section>")]
    total = sum(days for days, _ in expected.values())
    assert f'<strong data-figure="time-saved-total">{total}</strong>' in card
    parallel = sum(p for _, p in expected.values())
    assert f'<span data-figure="time-saved-parallel">{parallel}</span>' in card
    for region_id, (days, par) in expected.items():
        row = re.search(rf'<tr data-region="{region_id}">(.*?)</tr>', card).group(1)
        assert f'<td class="num">{days}</td><td class="num">{par}</td>' in row
    assert 'data-definition="time_saved"' in card and 'data-definition="parallel_items"' in card
