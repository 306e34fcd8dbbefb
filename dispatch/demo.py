"""Dispatch demo data (registered with demo.extensions): the default 1+3+N+10 groups, report
managers and members, and the tier-1 rounds of the last two months with the latest one's reports."""

from django.contrib.auth import get_user_model

from anshan_projects import periods
from projects.choices import Role
from projects.models import Project

from . import schedules, services
from .models import DispatchGroup

# Larger demo sets leave the reports to the worker (asked for in the report centre).
INLINE_REPORT_LIMIT = 20_000


def seed_dispatch(builder):
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
    _renovation_group(builder, managers)
    city = DispatchGroup.objects.get(key="city")
    first_of_month = builder.today.replace(day=1)
    latest = None
    for run_day in (periods.previous_month(first_of_month), first_of_month):
        latest, _ = services.round_run(group=city, period=schedules.period_for(city.cadence, run_day), queue=False)
    if Project.objects.count() <= INLINE_REPORT_LIMIT:
        # Build the latest round's reports here, so that the report centre has files to download.
        for report in services.report_request(round=latest, enqueue=False):
            services.report_build(report_id=report.pk)


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
