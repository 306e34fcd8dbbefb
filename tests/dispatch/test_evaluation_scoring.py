"""The six-point quarterly evaluation (三比三看) with weights an administrator edited, against figures
computed here by independent SQL over the raw tables and normalised here by the documented rule."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import EvaluationEntry, EvaluationIndicator, HonourRule, WarningNotice
from investment.models import Problem, ProgressEntry, SitePhoto
from notifications.models import Notification
from projects.choices import Role
from projects.models import Region
from supervision.choices import UnitKind
from supervision.models import SupervisionOrder
from tests.factories import UserFactory, user_with_role

from .conftest import entry, problem, project

D = datetime.date
Q4 = Decimal("0.0001")
CENT = Decimal("0.01")


def local(day, hour=12):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def quarter(tiedong, haicheng):
    tiexi = Region.objects.get(key="tiexi")
    issuer = UserFactory(username="issuer")
    built = "construction"
    a = project(region=tiedong, annual_plan=1000, stage=built, actual_start=D(2025, 1, 1))
    b = project(region=tiedong, annual_plan=1000, stage=built, actual_start=D(2026, 3, 1))
    c = project(region=haicheng, annual_plan=2000, stage=built, actual_start=D(2026, 2, 1))
    d = project(region=haicheng, annual_plan=1000, stage=built, actual_start=D(2026, 5, 1))
    e = project(region=tiexi, annual_plan=1000, stage=built, actual_start=D(2025, 1, 1))
    for p, monthly in ((a, "80"), (b, "50"), (c, "50"), (d, "100"), (e, "10")):
        for month in range(1, 10):
            entry(p, D(2026, month, 1), monthly)
    # Verification times of the quarter's entries: on time is before the 11th of the month after.
    on_time = {a: True, b: False, c: True, d: True, e: False}
    for p, ok in on_time.items():
        for month in (7, 8, 9):
            when = local(D(2026, month + 1, 8 if ok else 15))
            ProgressEntry.objects.filter(project=p, period=D(2026, month, 1)).update(verified_at=when)
    ProgressEntry.objects.filter(project=d, period=D(2026, 9, 1)).update(verified_at=local(D(2026, 10, 10), 23))
    # Problems due in the quarter: 铁东 one of two solved by the deadline, 海城 one solved late.
    solved = problem(a, deadline=D(2026, 8, 1), status="solved")
    Problem.objects.filter(pk=solved.pk).update(solved_on=D(2026, 7, 30))
    problem(b, deadline=D(2026, 8, 1))
    late = problem(c, deadline=D(2026, 9, 1), status="solved")
    Problem.objects.filter(pk=late.pk).update(solved_on=D(2026, 9, 5))
    problem(c, deadline=D(2026, 11, 1))  # due after the quarter: not counted
    # Supervision orders to each county.
    for number, (p, region, replied) in enumerate(
        [(a, tiedong, True), (c, haicheng, False), (d, haicheng, None), (e, tiexi, True)], start=1
    ):
        SupervisionOrder.objects.create(
            number=f"督2026-{number:05d}", project=p, requirement="落实施工条件", unit_kind=UnitKind.REGION,
            unit_region=region, unit_name=region.name, issued_by=issuer, issued_on=D(2026, 8, 1),
            deadline=D(2026, 8, 5), replied_on_time=replied,
        )  # fmt: skip
    # Site pictures in the quarter (and one before it, not counted).
    for p, count in ((a, 3), (c, 20), (d, 6)):
        for i in range(count):
            SitePhoto.objects.create(project=p, file=f"photos/q{p.pk}-{i}.jpg", content_type="image/jpeg", size=10,
                                     caption="现场", taken_on=D(2026, 7, 1) + datetime.timedelta(days=i * 4))  # fmt: skip
    SitePhoto.objects.create(project=e, file="photos/old.jpg", content_type="image/jpeg", size=10, caption="旧",
                             taken_on=D(2026, 6, 30))  # fmt: skip
    return {"tiedong": tiedong, "haicheng": haicheng, "tiexi": tiexi}


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Q4, rounding=ROUND_HALF_UP)


def sql_values():
    """Each measure per county key, by SQL written here."""
    keys = dict(sql("SELECT id, key FROM projects_region"))

    def per_region(rows):
        return {keys[r[0]]: r[1] for r in rows}

    def rates(rows):
        return {keys[r[0]]: rate(r[1], r[2]) for r in rows}

    started = per_region(
        sql("""
        SELECT p.region_id, count(*) FILTER (
            WHERE p.stage IN ('construction', 'completed', 'operating')
              AND (p.actual_start BETWEEN '2026-01-01' AND '2026-09-30'
                   OR EXISTS (SELECT 1 FROM projects_stagechange s WHERE s.project_id = p.id
                              AND s.to_stage = 'construction' AND s.changed_on BETWEEN '2026-01-01' AND '2026-09-30'))
        )::numeric FROM projects_project p GROUP BY p.region_id""")
    )

    def completion(last_month):
        return rates(
            sql(
                """
            SELECT p.region_id,
                   coalesce((SELECT sum(e.amount_completed) FROM investment_progressentry e
                             JOIN projects_project q ON q.id = e.project_id
                             WHERE q.region_id = p.region_id AND e.status = 'verified'
                               AND e.period BETWEEN '2026-01-01' AND %s), 0),
                   sum(p.annual_plan)
            FROM projects_project p GROUP BY p.region_id""",
                [last_month],
            )
        )

    now, before = completion(D(2026, 9, 1)), completion(D(2026, 6, 1))
    verified = rates(
        sql("""
        SELECT p.region_id,
               count(*) FILTER (WHERE e.verified_at < ((e.period + interval '1 month' + interval '10 days')::timestamp
                                                        AT TIME ZONE 'Asia/Shanghai')),
               count(*)
        FROM investment_progressentry e JOIN projects_project p ON p.id = e.project_id
        WHERE e.period BETWEEN '2026-07-01' AND '2026-09-01' AND e.status <> 'draft' GROUP BY p.region_id""")
    )
    solved = rates(
        sql("""
        SELECT p.region_id, count(*) FILTER (WHERE i.solved_on <= i.deadline), count(*)
        FROM investment_problem i JOIN projects_project p ON p.id = i.project_id
        WHERE i.deadline BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY p.region_id""")
    )
    orders = rates(
        sql("""
        SELECT o.unit_region_id, count(*) FILTER (WHERE o.replied_on_time), count(*)
        FROM supervision_supervisionorder o
        WHERE o.issued_on BETWEEN '2026-07-01' AND '2026-09-30'
          AND (o.replied_on_time IS NOT NULL OR o.deadline < '2026-09-30') GROUP BY o.unit_region_id""")
    )
    # Not lagging: time progress at 30 September (273/365, 4 places) minus the rate below 10 points.
    elapsed = rate(273, 365)
    on_track = {}
    for region_id, done, plan in sql("""
        SELECT p.region_id, coalesce(sum(e.amount_completed), 0), p.annual_plan FROM projects_project p
        LEFT JOIN investment_progressentry e ON e.project_id = p.id AND e.status = 'verified'
             AND e.period BETWEEN '2026-01-01' AND '2026-09-01'
        WHERE p.stage = 'construction' AND p.annual_plan > 0 GROUP BY p.id"""):
        total, fine = on_track.get(keys[region_id], (0, 0))
        on_track[keys[region_id]] = (total + 1, fine + ((elapsed - rate(done, plan)) * 100 < 10))
    weeks = (Decimal(92) / 7).quantize(CENT, rounding=ROUND_HALF_UP)
    photos = {}
    for region_id, building, taken in sql("""
        SELECT p.region_id, count(DISTINCT p.id),
               count(s.id) FILTER (WHERE s.taken_on BETWEEN '2026-07-01' AND '2026-09-30')
        FROM projects_project p LEFT JOIN investment_sitephoto s ON s.project_id = p.id
        WHERE p.stage = 'construction' GROUP BY p.region_id"""):
        photos[keys[region_id]] = rate(taken, building * weeks)
    return {
        "started": started,
        "completion_rate": now,
        "verified_on_time": verified,
        "problems_solved": solved,
        "orders_on_time": orders,
        "on_track": {k: rate(fine, total) for k, (total, fine) in on_track.items()},
        "rate_change": {k: v - (before.get(k) or 0) for k, v in now.items()},
        "photos_per_week": photos,
    }


def share(value, values, indicator):
    """The documented rule (统计口径 "evaluation_score"), written out again."""
    if value is None:
        return Decimal(1)
    known = [v for v in values if v is not None]
    best, worst = max(known), min(known)
    if indicator.normalisation == "range":
        result = Decimal(1) if best == worst else rate(value - worst, best - worst)
    elif indicator.normalisation == "target":
        result = rate(value, indicator.target)
    else:
        result = rate(value, best) if best > 0 else Decimal(value == best)
    return min(Decimal(1), max(Decimal(0), result))


def test_six_points_with_edited_weights_equal_the_sql(quarter, leader):
    services.evaluation_rules_load_defaults()
    assert set(EvaluationIndicator.objects.values_list("point", flat=True)) == {
        "count", "progress", "quality", "indicators", "change", "appearance",
    }  # fmt: skip
    # The administrator's edits: starts weigh most, pictures count against a target of 2 a week.
    EvaluationIndicator.objects.filter(measure="started").update(weight=Decimal("40"))
    EvaluationIndicator.objects.filter(measure="completion_rate").update(weight=Decimal("12.5"))
    EvaluationIndicator.objects.filter(measure="photos_per_week").update(target=Decimal("2"), weight=Decimal("20"))
    EvaluationIndicator.objects.filter(measure="rate_change").update(normalisation="best")
    evaluation, created = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    assert created

    values = sql_values()
    indicators = list(EvaluationIndicator.objects.order_by("sort_order", "id"))
    keys = ["tiedong", "haicheng", "tiexi"]
    expected = {}
    for key in keys:
        total = Decimal("0.00")
        for indicator in indicators:
            by_unit = values[indicator.measure]
            points = (indicator.weight * share(by_unit.get(key), [by_unit.get(k) for k in keys], indicator)).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            total += points
        expected[key] = total
    entries = list(EvaluationEntry.objects.filter(evaluation=evaluation, unit_kind="region").order_by("rank"))
    # Every score row carries the SQL value of its measure.
    for e in entries:
        for score in e.scores.all():
            assert score.value == values[score.measure].get(e.region.key), (e.region.key, score.measure)
    assert {e.region.key: e.total_score for e in entries} == expected
    # 海城 leads on starts and pictures, though 铁东 has the higher completion rate.
    assert [e.region.key for e in entries] == sorted(keys, key=lambda k: -expected[k])
    assert entries[0].region.key == "haicheng"
    assert values["completion_rate"]["tiedong"] > values["completion_rate"]["haicheng"]


def test_honours_prizes_and_notices_reach_the_inbox_and_the_follow_up(quarter, leader):
    services.evaluation_rules_load_defaults()
    HonourRule.objects.filter(name="一等奖").update(prize=Decimal("80.50"))
    HonourRule.objects.filter(name="二等奖").update(place_to=2)  # three counties: the third is warned
    staff = user_with_role("tiexi-staff", Role.COUNTY_STAFF, region=quarter["tiexi"])
    evaluation, _ = services.evaluation_run(user=leader, year=2026, quarter=3, queue=False)
    entries = list(EvaluationEntry.objects.filter(evaluation=evaluation, unit_kind="region").order_by("rank"))
    first, second, last = entries
    assert first.red_flag and {(h.name, h.prize) for h in first.honours.all()} == {
        ("流动红旗", Decimal("0.00")), ("一等奖", Decimal("80.50")),
    }  # fmt: skip
    assert {(h.name, h.prize) for h in second.honours.all()} == {("二等奖", Decimal("30.00"))}
    assert last.warned and not last.honours.exists()
    notice = WarningNotice.objects.get(evaluation=evaluation, region=last.region)
    assert Notification.objects.filter(recipient=staff, event_key=f"warning_notice:{notice.pk}").count() == 1
    # The county's to-do lists it until it is acknowledged and rectified.
    assert list(selectors.open_notices(user=staff)) == [notice]
    with pytest.raises(ValidationError) as error:
        services.warning_notice_follow_up(user=staff, notice=notice, rectification="", rectification_due=None)
    assert {"rectification", "rectification_due"} <= set(error.value.message_dict)
    services.warning_notice_follow_up(
        user=staff, notice=notice, rectification="倒排工期,每周调度", rectification_due=D(2026, 12, 31),
        statement="保证四季度完成年度计划",
    )  # fmt: skip
    notice.refresh_from_db()
    assert notice.acknowledged_by == staff and notice.statement == "保证四季度完成年度计划"
    assert list(selectors.open_notices(user=staff)) == [notice]  # not yet rectified
    services.warning_notice_follow_up(
        user=staff, notice=notice, rectification="倒排工期,每周调度", rectification_due=D(2026, 12, 31),
        statement="保证四季度完成年度计划", rectified_on=D(2026, 12, 20),
    )  # fmt: skip
    assert list(selectors.open_notices(user=staff)) == []
