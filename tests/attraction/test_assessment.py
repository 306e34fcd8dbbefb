"""The yearly attraction assessment (scores and grades with an administrator's weights, against independent
SQL), year-on-year by project category, domestic and foreign capital apart."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from attraction import selectors, services
from attraction.models import AnnualTarget, AssessmentGrade, AssessmentIndicator, CapitalInPlace
from investment.models import ProgressEntry
from projects.choices import Stage
from projects.models import Category
from tests.factories import ProjectFactory

from .conftest import d, project_with_history

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def year_data(tiedong, haicheng):
    for region, signed, landed in ((tiedong, ["50000", "30000"], ["30000"]), (haicheng, ["90000"], [])):
        for total in signed:
            steps = [(Stage.NEGOTIATING, d("2025-01-05")), (Stage.SIGNED, d("2025-03-10"))]
            if total in landed:
                steps.append((Stage.LANDED, d("2025-06-01")))
            project = project_with_history(region=region, total=total, steps=steps)
            CapitalInPlace.objects.create(project=project, month=d("2025-04-01"), amount=Decimal(total) / 4)
    AnnualTarget.objects.create(region=tiedong, year=2025, signed_amount=Decimal("100000"), landed_count=2,
                                capital_amount=Decimal("40000"))  # fmt: skip
    AnnualTarget.objects.create(region=haicheng, year=2025, signed_amount=Decimal("60000"), landed_count=1,
                                capital_amount=Decimal("30000"))  # fmt: skip


SCORE_SQL = """
    WITH signed AS (
        SELECT p.region_id, SUM(p.total_investment) AS amount FROM projects_project p
        WHERE EXISTS (SELECT 1 FROM projects_stagechange c WHERE c.project_id = p.id AND c.to_stage = 'signed'
                      AND c.changed_on >= '2025-01-01' AND c.changed_on < '2026-01-01')
        GROUP BY p.region_id),
    landed AS (
        SELECT p.region_id, COUNT(*) AS n FROM projects_project p
        WHERE EXISTS (SELECT 1 FROM projects_stagechange c WHERE c.project_id = p.id AND c.to_stage = 'landed'
                      AND c.changed_on >= '2025-01-01' AND c.changed_on < '2026-01-01')
        GROUP BY p.region_id),
    capital AS (
        SELECT p.region_id, SUM(c.amount) AS amount FROM attraction_capitalinplace c
        JOIN projects_project p ON p.id = c.project_id
        WHERE c.month >= '2025-01-01' AND c.month < '2026-01-01' GROUP BY p.region_id),
    rates AS (
        SELECT t.region_id,
               ROUND(COALESCE(s.amount, 0) / t.signed_amount, 4) AS r_signed,
               ROUND(COALESCE(l.n, 0)::numeric / t.landed_count, 4) AS r_landed,
               ROUND(COALESCE(c.amount, 0) / t.capital_amount, 4) AS r_capital
        FROM attraction_annualtarget t
        LEFT JOIN signed s ON s.region_id = t.region_id
        LEFT JOIN landed l ON l.region_id = t.region_id
        LEFT JOIN capital c ON c.region_id = t.region_id
        WHERE t.year = 2025)
    SELECT r.region_id,
           ROUND(SUM(i.weight * LEAST(CASE i.measure WHEN 'signed_rate' THEN r.r_signed
                                                     WHEN 'landed_rate' THEN r.r_landed
                                                     ELSE r.r_capital END, i.cap)) * 100 / SUM(i.weight), 2)
    FROM rates r CROSS JOIN attraction_assessmentindicator i WHERE i.year = 2025
    GROUP BY r.region_id
"""


def sql_scores():
    with connection.cursor() as cursor:
        cursor.execute(SCORE_SQL)
        return dict(cursor.fetchall())


def test_scores_and_grades_follow_the_administrators_weights(year_data, leader, tiedong, haicheng):
    for measure, weight, cap in (("signed_rate", "50", "1.2"), ("landed_rate", "20", "1"), ("capital_rate", "30", "1")):
        AssessmentIndicator.objects.create(year=2025, measure=measure, weight=Decimal(weight), cap=Decimal(cap))
    AssessmentGrade.objects.create(name="优秀", min_score=Decimal("80"))
    AssessmentGrade.objects.create(name="合格", min_score=Decimal("50"))
    AssessmentGrade.objects.create(name="待改进", min_score=Decimal("0"))
    result = selectors.assessment(user=leader, year=2025, today=TODAY)
    scores = {r["region"].pk: r["score"] for r in result["rows"] if r["region"].pk in (tiedong.pk, haicheng.pk)}
    expected = sql_scores()
    assert scores == expected
    # haicheng: signed 90000/60000 = 1.5 capped at 1.2 -> 60; no landing -> 0; capital 22500/30000 -> 22.5.
    assert expected[haicheng.pk] == Decimal("82.50")
    grades = {r["region"].pk: r["grade"] for r in result["rows"]}
    assert grades[haicheng.pk] == "优秀"
    assert grades[tiedong.pk] == (
        "优秀" if expected[tiedong.pk] >= 80 else "合格" if expected[tiedong.pk] >= 50 else "待改进"
    )
    assert result["rows"][0]["region"] == haicheng and result["rows"][0]["score_rank"] == 1

    # The administrator changes a weight: the score follows, and so does the SQL.
    AssessmentIndicator.objects.filter(year=2025, measure="landed_rate").update(weight=Decimal("80"))
    again = selectors.assessment(user=leader, year=2025, today=TODAY)
    assert {r["region"].pk: r["score"] for r in again["rows"] if r["region"].pk in expected} == sql_scores()
    assert sql_scores()[haicheng.pk] == Decimal("51.56")  # (60 + 0 + 22.5) / 160 * 100, half up
    assert {r["region"].pk: r["grade"] for r in again["rows"]}[haicheng.pk] == "合格"


def test_defaults_apply_without_rows_and_a_county_sees_only_itself(year_data, county_user, tiedong):
    result = selectors.assessment(user=county_user, year=2025, today=TODAY)
    assert [r["region"] for r in result["rows"]] == [tiedong]
    assert [m for m, _, _ in result["indicators"]] == ["signed_rate", "landed_rate", "capital_rate"]
    # tiedong: signed 80000/100000 = 0.8, landed 1/2 = 0.5, capital 20000/40000 = 0.5 -> 24 + 15 + 20 = 59.
    assert result["rows"][0]["score"] == Decimal("59.00") and result["rows"][0]["grade"] == "三档"


def test_assessment_page_and_api(client, year_data, leader, county_user, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(40):
        page = client.get("/attraction/assessment/?year=2025")
    html = page.content.decode()
    assert page.status_code == 200 and "海城市" in html and "工业“四改”类" in html
    client.cookies["django_language"] = "en"
    assert "Investment attraction assessment" in client.get("/attraction/assessment/?year=2025").content.decode()
    client.cookies["django_language"] = "zh-hans"  # the next requests switch the thread back to Chinese
    client.force_login(county_user)
    data = client.get("/api/v1/attraction/assessment/?year=2025").json()
    assert [r["region"]["key"] for r in data["rows"]] == ["tiedong"] and data["rows"][0]["score"] == "59.00"
    assert client.get("/api/v1/attraction/assessment/?year=２０２５").status_code == 400


def entry(project, period, amount):
    return ProgressEntry.objects.create(project=project, period=period, amount_completed=Decimal(amount),
                                        status="verified")  # fmt: skip


def test_year_on_year_by_category_matches_independent_sql(leader):
    industrial, urban = Category.objects.get(key="industrial"), Category.objects.get(key="urban")
    a = ProjectFactory(category=industrial, stage=Stage.CONSTRUCTION, total_investment=Decimal("900000"))
    b = ProjectFactory(category=urban, stage=Stage.CONSTRUCTION, total_investment=Decimal("900000"))
    for month, now, before in ((1, "1766.00", "1000.00"), (4, "883.00", "500.00"), (6, "999.00", "1.00")):
        entry(a, datetime.date(2026, month, 1), now)
        entry(a, datetime.date(2025, month, 1), before)
    entry(b, d("2026-02-01"), "300.00")
    entry(b, d("2025-02-01"), "400.00")
    entry(b, d("2025-11-01"), "999.00")  # after the same months of last year: not compared
    rows = {r["category"].key: r for r in selectors.category_year_on_year(user=leader, day=TODAY)}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.key,
                      SUM(e.amount_completed) FILTER (WHERE e.period BETWEEN '2026-01-01' AND '2026-05-01'),
                      SUM(e.amount_completed) FILTER (WHERE e.period BETWEEN '2025-01-01' AND '2025-05-01')
               FROM investment_progressentry e JOIN projects_project p ON p.id = e.project_id
               JOIN projects_category c ON c.id = p.category_id WHERE e.status = 'verified' GROUP BY c.key"""
        )
        expected = {key: (now, before) for key, now, before in cursor.fetchall()}
    for key, (now, before) in expected.items():
        assert (rows[key]["ytd"], rows[key]["last_ytd"]) == (now, before)
    # Reporting month May (the 15th of June): 2649 on 1500 = +76.6%.
    assert rows["industrial"]["yoy"] == Decimal("0.7660")
    assert rows["urban"]["yoy"] == Decimal("-0.2500")
    assert rows["social"]["yoy"] is None


def test_domestic_and_foreign_capital_apart(county_user, leader, tiedong, haicheng):
    mine = ProjectFactory(region=tiedong, stage=Stage.SIGNED)
    other = ProjectFactory(region=haicheng, stage=Stage.SIGNED)
    services.capital_record(user=county_user, project=mine, month=d("2026-03-01"), amount="1000", foreign_amount="250")
    services.capital_record(user=county_user, project=mine, month=d("2025-03-01"), amount="500", foreign_amount="0")
    CapitalInPlace.objects.create(project=other, month=d("2026-02-01"), amount=Decimal("800"),
                                  foreign_amount=Decimal("100"))  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.capital_record(user=county_user, project=mine, month=d("2026-04-01"), amount="10", foreign_amount="11")
    assert "foreign_amount" in error.value.message_dict
    assert not CapitalInPlace.objects.filter(month=d("2026-04-01")).exists()
    # A correction of the amount alone keeps the foreign part.
    services.capital_record(user=county_user, project=mine, month=d("2026-03-01"), amount="1200")

    def sql(region_id=None):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT SUM(c.amount - c.foreign_amount) FILTER (WHERE c.month >= '2026-01-01'),"
                " SUM(c.foreign_amount) FILTER (WHERE c.month >= '2026-01-01'),"
                " SUM(c.amount - c.foreign_amount) FILTER (WHERE c.month < '2026-01-01')"
                " FROM attraction_capitalinplace c JOIN projects_project p ON p.id = c.project_id"
                " WHERE c.month <= '2026-06-01' AND c.month >= '2025-01-01' AND c.month NOT BETWEEN '2025-07-01' AND '2025-12-31'"
                + (" AND p.region_id = %s" if region_id else ""),
                [region_id] if region_id else [],
            )
            return cursor.fetchone()

    for user, region_id in ((leader, None), (county_user, tiedong.pk)):
        origin = selectors.capital_by_origin(user=user, month=d("2026-06-01"))
        domestic, foreign, domestic_last = sql(region_id)
        assert (origin["domestic"]["ytd"], origin["foreign"]["ytd"], origin["domestic"]["last_ytd"]) == (
            domestic, foreign, domestic_last)  # fmt: skip
    assert selectors.capital_by_origin(user=county_user, month=d("2026-06-01"))["domestic"]["yoy"] == Decimal("0.9000")
