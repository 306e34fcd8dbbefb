"""Dispatch demo data (``seed``, found by seed_demo): the default 1+3+N+10 groups, report
managers and members; completion rates near what real cities report (most counties close to the time
progress, two behind); rounds of every tier (monthly, half-monthly, weekly, daily) with their reports;
and the last quarter's 三比三看 evaluation with its scores, honours, warning notices (one acknowledged,
with its rectification and the statement at the meeting) and its report."""

import datetime
import logging
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from common import periods
from common.bulkcopy import bulk_load
from insights import definitions
from investment.services import scope_totals_rebuild
from projects.choices import Role
from projects.models import Project

from . import schedules, services
from .choices import Cadence, ReportFormat
from .models import DispatchGroup, WarningNotice

log = logging.getLogger(__name__)

# Larger demo sets leave the reports to the worker (asked for in the report centre).
INLINE_REPORT_LIMIT = 20_000
BEHIND = 2  # counties clearly behind the time progress


def _realistic_rates(builder):
    """Scale each county's year plans so that its completion rate lands near the time progress
    (0.94-1.04 of it), two counties behind (0.72-0.82): the demo's entries follow each project's
    total, not its year plan, which left every county far behind. Plans only go down (never above a
    project's total)."""
    elapsed = definitions.AsOf(builder.today).elapsed
    with builder.timed("totals"):
        rows = definitions.totals(Project.objects.all(), day=builder.today, group_by=["region"])
    rng = builder.rng
    keys = sorted(row["region"] for row in rows if row["region"] is not None and row["completion_rate"])
    behind = set(rng.sample(keys, min(BEHIND, len(keys))))
    factors = {}
    # In region order: one draw per region, so the GROUP BY's row order must not decide who gets which.
    for row in sorted(rows, key=lambda row: (row["region"] is None, row["region"] or 0)):
        region, rate = row["region"], row["completion_rate"]
        if region is None or not rate:
            continue
        low, high = (0.72, 0.82) if region in behind else (0.94, 1.04)
        target = elapsed * Decimal(str(round(rng.uniform(low, high), 3)))
        factor = (rate / target).quantize(Decimal("0.000001"))
        if factor < 1:
            factors[region] = factor
    with transaction.atomic(), connection.cursor() as cursor:
        # Seeded rows are not user edits: the projects' audit triggers stay quiet for this transaction.
        cursor.execute(
            "SELECT array_agg(tgname) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [Project._meta.db_table],
        )
        names = cursor.fetchone()[0] or []
        cursor.execute(  # added to what the caller may already quiet (seed_demo quiets every audit trigger)
            "SELECT set_config('pgtrigger.ignore', ("
            " SELECT array_agg(DISTINCT n)::text FROM unnest("
            "   COALESCE(NULLIF(current_setting('pgtrigger.ignore', true), '')::text[], '{}') || %s::text[]) AS n"
            "), true)",
            [names],
        )
        if not factors:
            return
        # One statement for every county, loaded in bulk (no per-row trigger; the per-scope totals rebuilt
        # once after): each UPDATE of the projects rewrites their rows and all their indexes.
        table = Project._meta.db_table
        with builder.timed("update"), bulk_load(cursor, [table]):
            cursor.execute(
                f"UPDATE {table} p SET annual_plan = ROUND(p.annual_plan * f.factor, 2) "
                "FROM unnest(%s::bigint[], %s::numeric[]) AS f(region_id, factor) WHERE p.region_id = f.region_id",
                [list(factors), list(factors.values())],
            )
        with builder.timed("scope_totals_rebuild"):
            scope_totals_rebuild()


def _tier_rounds(builder):
    """The latest round of one group of each cadence (the city's two months are run below)."""
    rounds = []
    for cadence in (Cadence.SEMIMONTHLY, Cadence.WEEKLY, Cadence.DAILY):
        group = DispatchGroup.objects.filter(cadence=cadence, is_active=True).order_by("sort_order", "id").first()
        if group is not None:
            today = builder.today
            # The group's latest scheduled meeting day (the 1st or 16th, its weekday, today).
            run_day = {
                Cadence.SEMIMONTHLY: today.replace(day=16 if today.day >= 16 else 1),
                Cadence.WEEKLY: today - datetime.timedelta(days=(today.isoweekday() - group.weekday) % 7),
            }.get(cadence, today)
            period = schedules.period_for(cadence, run_day)
            rounds.append(services.round_run(group=group, period=period, queue=False)[0])
    return rounds


def _evaluation(builder, leader):
    """The last quarter's evaluation; the first notice acknowledged with its follow-up and statement."""
    services.evaluation_rules_load_defaults()
    year, quarter = services.previous_quarter(builder.today)
    evaluation, _ = services.evaluation_run(year=year, quarter=quarter, user=leader, queue=False)
    notice = WarningNotice.objects.filter(evaluation=evaluation, region__isnull=False).order_by("id").first()
    if notice is not None:
        staff = (
            get_user_model()
            .objects.filter(roles__role=Role.COUNTY_STAFF, roles__region=notice.region_id, is_active=True)
            .first()
        )
        follow_up = {
            "rectification": "倒排工期、挂图作战:每周调度在建项目,协调解决用地和资金问题,"
            "力争下季度投资完成率达到序时进度。",
            "rectification_due": periods.month_end(periods.add_months(evaluation.period_end.replace(day=1), 3)),
            "statement": f"{notice.recipient}表态:深刻查找差距,压实包保责任,确保年底前完成全年投资计划。",
        }
        if staff is not None:
            services.warning_notice_follow_up(user=staff, notice=notice, **follow_up)
        else:  # demo without sign-in accounts: the same figures, recorded as seeded
            WarningNotice.objects.filter(pk=notice.pk).update(acknowledged_at=timezone.now(), **follow_up)
    return evaluation


def seed(builder):
    started = time.monotonic()
    services.groups_load_defaults()
    users = get_user_model().objects
    managers = list(users.filter(roles__role=Role.REPORT_MANAGER).distinct())
    for group in DispatchGroup.objects.all():
        if managers:
            group.report_managers.add(*managers)
        if group.category_id:
            group.members.add(*users.filter(roles__role=Role.SPECIAL_GROUP, roles__category=group.category_id))
        if group.department_id:
            group.members.add(*users.filter(roles__role=Role.DEPARTMENT, roles__department=group.department_id))
    with builder.timed("renovation_group"):
        _renovation_group(builder, managers)
    with builder.timed("realistic_rates"):
        _realistic_rates(builder)
    city = DispatchGroup.objects.get(key="city")
    first_of_month = builder.today.replace(day=1)
    latest = None
    with builder.timed("city_rounds"):
        for run_day in (periods.previous_month(first_of_month), first_of_month):
            latest, _ = services.round_run(group=city, period=schedules.period_for(city.cadence, run_day), queue=False)
    with builder.timed("tier_rounds"):
        tiers = _tier_rounds(builder)
    leader = users.filter(roles__role=Role.LEADERSHIP, is_active=True).first()
    with builder.timed("evaluation"):
        evaluation = _evaluation(builder, leader)
    if Project.objects.count() <= INLINE_REPORT_LIMIT:
        # Build the reports here, so that the report centre has files to download: the city's latest
        # round (xlsx, PDF), one round of each other tier (xlsx) and the quarter's ranking (xlsx, PDF).
        for report in services.report_request(round=latest, enqueue=False):
            services.report_build(report_id=report.pk)
        for round in tiers:
            for report in services.report_request(round=round, formats=[ReportFormat.XLSX], enqueue=False):
                services.report_build(report_id=report.pk)
        for report in services.report_request(evaluation=evaluation, enqueue=False):
            services.report_build(report_id=report.pk)
    plans = Project.objects.aggregate(plan=Sum("annual_plan"))["plan"]
    log.info("dispatch demo: year plans %s 万元, %d tier rounds, evaluation %s, %.1f s", plans, len(tiers),
             evaluation, time.monotonic() - started)  # fmt: skip


def _renovation_group(builder, managers):
    """The old-community renovation programme (老旧小区改造), dispatched every 旬 (1st, 11th, 21st) by the
    housing bureau's task force; its reports carry the programme's physical indicators. The latest 旬's
    round and reports are built here."""
    from decimal import Decimal

    from projects.choices import Tier
    from projects.models import Category, Department

    from .choices import Cadence, ReportFormat

    group, created = DispatchGroup.objects.get_or_create(
        key="programme-renovation",
        defaults={"name": "老旧小区改造工作专班", "tier": Tier.DEPARTMENT, "leader": "分管副市长",
                  "lead_unit": "市住房城乡建设局", "cadence": Cadence.DEKAD, "min_total_investment": Decimal("0"),
                  "category": Category.objects.filter(key="urban").first(),
                  "department": Department.objects.filter(key="zjj").first(), "sort_order": 90},
    )  # fmt: skip
    if not created:
        return
    if managers:
        group.report_managers.add(*managers)
    period = schedules.latest_due_period(group, now=schedules.local_now().replace(
        year=builder.today.year, month=builder.today.month, day=builder.today.day, hour=23))  # fmt: skip
    if period is None or Project.objects.count() > INLINE_REPORT_LIMIT:
        return
    round, _ = services.round_run(group=group, period=period, queue=False)
    # The xlsx only (its 实物量指标 sheet): the PDF is asked for in the report centre, keeping seed_demo fast.
    for report in services.report_request(round=round, formats=(ReportFormat.XLSX,), enqueue=False):
        services.report_build(report_id=report.pk)
