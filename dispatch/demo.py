"""Dispatch demo data (``seed``, found by seed_demo): the default 1+3+N+10 groups, report
managers and members, and the tier-1 rounds of the last two months with the latest one's reports."""

from django.contrib.auth import get_user_model

from anshan_projects import periods
from projects.choices import Role
from projects.models import Project

from . import schedules, services
from .models import DispatchGroup

# Larger demo sets leave the reports to the worker (asked for in the report centre).
INLINE_REPORT_LIMIT = 20_000


def seed(builder):
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
    city = DispatchGroup.objects.get(key="city")
    first_of_month = builder.today.replace(day=1)
    latest = None
    for run_day in (periods.previous_month(first_of_month), first_of_month):
        latest, _ = services.round_run(group=city, period=schedules.period_for(city.cadence, run_day), queue=False)
    if Project.objects.count() <= INLINE_REPORT_LIMIT:
        # Build the latest round's reports here, so that the report centre has files to download.
        for report in services.report_request(round=latest, enqueue=False):
            services.report_build(report_id=report.pk)


seed_dispatch = seed  # the former name (other branches may still register it; seed_demo runs it once)
