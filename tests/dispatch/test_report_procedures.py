"""The 审批手续 sheet and PDF section of a round's report, against SQL written here."""

import datetime
import subprocess

import openpyxl
from django.db import connection

from dispatch import selectors, services
from dispatch.models import Report
from dispatch.schedules import Period
from investment import procedure_services
from investment.models import ProcedureItem, ProcedureSchedule
from tests.procedures.helpers import project_with

D = datetime.date
NOVEMBER = Period(D(2026, 11, 1), D(2026, 11, 30))
SPEC = [("项目核准", 20, [], "fgw", 10), ("施工许可", 10, ["项目核准"], "zjj", 5), ("环评", 5, [], None)]


def _build(round, fmt):
    report = Report.objects.create(
        kind="round", round=round, data_version=selectors.round_data_version(round), format=fmt
    )
    assert services.report_build(report_id=report.pk) == "done"
    report.refresh_from_db()
    return report


def _sql_rows(min_total):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, r.name,
                   (SELECT COUNT(*) FROM investment_procedureitem i WHERE i.project_id = p.id AND i.status <> 'not_needed'),
                   (SELECT COUNT(*) FROM investment_procedureitem i WHERE i.project_id = p.id AND i.status = 'done'),
                   s.parallel_items,
                   (SELECT COUNT(*) FROM investment_procedureitem i WHERE i.project_id = p.id
                      AND i.status <> 'not_needed' AND i.accepted_with_deficiency
                      AND i.deficiency_made_good_on IS NULL AND i.deficiency_deadline IS NOT NULL),
                   (SELECT COUNT(*) FROM investment_procedureitem i WHERE i.project_id = p.id
                      AND i.status <> 'not_needed' AND i.accepted_with_deficiency
                      AND i.deficiency_made_good_on IS NULL AND i.deficiency_deadline < %s),
                   COALESCE(b.construction_start, s.original_construction_start),
                   COALESCE(p.actual_start, s.forecast_construction_start),
                   COALESCE(b.construction_start, s.original_construction_start)
                   - COALESCE(p.actual_start, s.forecast_construction_start)
            FROM projects_project p
            JOIN projects_region r ON r.id = p.region_id
            JOIN investment_procedureschedule s ON s.project_id = p.id
            LEFT JOIN investment_procedureplan b ON b.project_id = p.id AND b.is_baseline
            WHERE p.total_investment >= %s
            """,
            [NOVEMBER.end, min_total],
        )
        return {row[0]: list(row[1:]) for row in cursor.fetchall()}


def test_the_procedures_sheet_and_section_match_sql(
    groups, admin_user, county_user, other_county_user, tiedong, haicheng
):
    a = project_with(SPEC, user=county_user, region=tiedong, total_investment=10000, name="甲矿")
    procedure_services.procedure_plan_freeze(user=county_user, project=a)
    a.actual_start = D(2026, 12, 1)
    a.save(update_fields=["actual_start"])
    late, open_ = a.procedures.get(name="项目核准"), a.procedures.get(name="环评")
    ProcedureItem.objects.filter(pk=late.pk).update(
        accepted_with_deficiency=True, deficiency_note="缺节能报告", deficiency_deadline=D(2026, 11, 20)
    )
    ProcedureItem.objects.filter(pk=open_.pk).update(
        accepted_with_deficiency=True, deficiency_note="缺水保方案", deficiency_deadline=D(2026, 12, 20)
    )
    procedure_services.procedure_item_progress(user=admin_user, item=late, status="done", on=D(2026, 11, 20))
    b = project_with(SPEC, user=other_county_user, region=haicheng, total_investment=20000, name="乙园")
    ProcedureSchedule.objects.filter(project=b).update(original_construction_start=D(2027, 6, 30))
    c = project_with(
        SPEC, user=county_user, region=tiedong, total_investment=100, annual_plan=50, name="丙小"
    )  # below the scope

    city = groups["city"]
    expected = _sql_rows(city.min_total_investment)
    assert set(expected) == {a.pk, b.pk} and c.pk not in expected
    round, _ = services.round_run(group=city, period=NOVEMBER, queue=False)
    book = openpyxl.load_workbook(_build(round, "xlsx").file.path, read_only=True)
    rows = list(book["审批手续"].iter_rows(values_only=True))
    assert rows[0][0] == "项目ID" and rows[0][-1] == "节省时间(天)"
    got = {}
    for row in rows[1:]:
        if not row or row[0] is None:
            break
        got[row[0]] = [row[2], *row[3:8], *(v.date() if v else None for v in row[8:10]), row[10]]
    assert got == expected
    assert expected[a.pk][5] == 1 and expected[a.pk][4] == 2  # one 补正 overdue, two open

    # Totals per county, then the whole scope.
    start = next(i for i, r in enumerate(rows) if r and r[0] == "县区合计")
    totals = {r[1]: list(r[2:9]) for r in rows[start + 1 :]}
    per_region = {}
    for name, items, done, parallel, open_count, overdue, _ref, _act, days in expected.values():
        t = per_region.setdefault(name, [0] * 7)
        for index, value in enumerate((1, items, done, parallel or 0, open_count, overdue, days or 0)):
            t[index] += value
    city_total = [sum(t[i] for t in per_region.values()) for i in range(7)]
    assert totals == {**per_region, "合计": city_total}

    pdf = _build(round, "pdf")
    text = subprocess.run(["pdftotext", pdf.file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "审批手续" in text and f"合计节省 {city_total[6]} 天" in text
