"""Dispatch demo data (registered with demo.extensions): the default 1+3+N+10 groups, report
managers and members, and the tier-1 rounds of the last two months (reports are built by the
worker when it starts, or on request in the report centre)."""

from django.contrib.auth import get_user_model

from projects.choices import Role

from . import schedules, services
from .models import DispatchGroup


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
    city = DispatchGroup.objects.get(key="city")
    first_of_month = builder.today.replace(day=1)
    for run_day in (schedules.previous_month_start(first_of_month), first_of_month):
        services.round_run(group=city, period=schedules.period_for(city.cadence, run_day), queue=False)
