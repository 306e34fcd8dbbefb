"""When dispatch groups meet, and which period each meeting reviews (domain.md section 6).

A group's cadence is data on the group; ``group_schedule_sync`` keeps one django-celery-beat
``PeriodicTask`` with a ``CrontabSchedule`` in step with it, so an administrator changes a schedule
by editing the group (or the crontab in the admin) without a deploy.

Periods: a meeting reviews the period that has just ended.
- monthly (1st of the month): the previous calendar month;
- half-monthly (1st and 16th): on the 16th the 1st-15th, on the 1st the 16th-end of the previous month;
- weekly (on the group's weekday): the seven days before;
- daily: the day before.
"""

import datetime
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from common import parsing
from common.periods import DEKAD_STARTS, previous_dekad, previous_month

from .choices import Cadence

ONE_DAY = datetime.timedelta(days=1)
ROUND_TASK = "dispatch.run_scheduled_round"
# How far back a catch-up looks for missed meetings (a daily group after a long outage).
MAX_CATCH_UP_DAYS = 62


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date


def runs_on(cadence, day, weekday=1):
    """Whether a group of this cadence meets on this date."""
    if cadence == Cadence.MONTHLY:
        return day.day == 1
    if cadence == Cadence.SEMIMONTHLY:
        return day.day in (1, 16)
    if cadence == Cadence.WEEKLY:
        return day.isoweekday() == weekday
    if cadence == Cadence.DEKAD:
        return day.day in DEKAD_STARTS
    return True


def period_for(cadence, run_day):
    """The period a meeting held on ``run_day`` reviews."""
    yesterday = run_day - ONE_DAY
    if cadence == Cadence.MONTHLY:
        return Period(previous_month(run_day), yesterday)
    if cadence == Cadence.SEMIMONTHLY:
        if run_day.day >= 16:
            return Period(run_day.replace(day=1), run_day.replace(day=15))
        # Any day from the 1st to the 15th reviews the second half of the previous month.
        last_month_end = run_day.replace(day=1) - ONE_DAY
        return Period(last_month_end.replace(day=16), last_month_end)
    if cadence == Cadence.WEEKLY:
        return Period(run_day - datetime.timedelta(days=7), yesterday)
    if cadence == Cadence.DEKAD:
        return Period(*previous_dekad(run_day))
    return Period(yesterday, yesterday)


def local_now(now=None):
    from django.utils import timezone

    return timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE))


def run_days(group, *, after, now):
    """Meeting days of the group in (after, now], counting a day only once its meeting hour has passed."""
    now = local_now(now)
    day = after + ONE_DAY
    while day <= now.date():
        if runs_on(group.cadence, day, group.weekday) and (day < now.date() or now.hour >= group.run_hour):
            yield day
        day += ONE_DAY


def latest_due_period(group, *, now=None):
    """The period of the group's most recent meeting that is due at ``now`` (None if none yet)."""
    now = local_now(now)
    days = list(run_days(group, after=now.date() - datetime.timedelta(days=40), now=now))
    return period_for(group.cadence, days[-1]) if days else None


def due_periods(group, *, since, now=None):
    """Every period whose meeting fell after ``since`` and is due by ``now``, oldest first."""
    now = local_now(now)
    since = max(since, now.date() - datetime.timedelta(days=MAX_CATCH_UP_DAYS))
    return [period_for(group.cadence, day) for day in run_days(group, after=since, now=now)]


def crontab_for(group):
    """The django-celery-beat crontab fields for the group's cadence (local time)."""
    fields = {"minute": "0", "hour": str(group.run_hour), "day_of_week": "*", "day_of_month": "*"}
    if group.cadence == Cadence.MONTHLY:
        fields["day_of_month"] = "1"
    elif group.cadence == Cadence.SEMIMONTHLY:
        fields["day_of_month"] = "1,16"
    elif group.cadence == Cadence.WEEKLY:
        fields["day_of_week"] = str(group.weekday % 7)  # crontab: 0 = Sunday
    elif group.cadence == Cadence.DEKAD:
        fields["day_of_month"] = ",".join(str(d) for d in DEKAD_STARTS)
    return fields


def schedule_words(crontab):
    """A crontab as users read it: "每月1日 06:00", "每周五 08:00", "每天 09:00", "1、4、7、10月5日 07:00".
    Anything else (ranges, steps) is shown as its fields, labelled."""
    from django.utils.translation import gettext as _

    def numbers(text):
        try:
            return [parsing.integer(p, field="crontab", min_value=0) for p in text.split(",")]
        except parsing.ParseError:
            return None  # a range, a step or "*": shown as its fields

    minute, hour = numbers(crontab.minute), numbers(crontab.hour)
    days, weekdays, months = numbers(crontab.day_of_month), numbers(crontab.day_of_week), numbers(crontab.month_of_year)
    if not (minute and hour and len(minute) == len(hour) == 1):
        return _("自定义时间(分 %(m)s,时 %(h)s,日 %(d)s,月 %(mo)s,星期 %(w)s)") % {
            "m": crontab.minute, "h": crontab.hour, "d": crontab.day_of_month, "mo": crontab.month_of_year,
            "w": crontab.day_of_week,
        }  # fmt: skip
    time = f"{hour[0]:02d}:{minute[0]:02d}"
    names = [_("周日"), _("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六")]
    joiner = _("、")
    every_day = crontab.day_of_month == "*" and crontab.day_of_week == "*"
    if crontab.month_of_year == "*":
        if every_day:
            return _("每天 %(time)s") % {"time": time}
        if crontab.day_of_month == "*" and weekdays and all(0 <= d <= 7 for d in weekdays):
            return _("每%(days)s %(time)s") % {"days": joiner.join(names[d % 7] for d in weekdays), "time": time}
        if crontab.day_of_week == "*" and days:
            return _("每月%(days)s %(time)s") % {
                "days": joiner.join(_("%(n)s日") % {"n": d} for d in days),
                "time": time,
            }
    elif months and days and crontab.day_of_week == "*":
        return _("每年%(months)s的%(days)s %(time)s") % {
            "months": joiner.join(_("%(n)s月") % {"n": m} for m in months),
            "days": joiner.join(_("%(n)s日") % {"n": d} for d in days),
            "time": time,
        }
    return _("自定义时间(分 %(m)s,时 %(h)s,日 %(d)s,月 %(mo)s,星期 %(w)s)") % {
        "m": crontab.minute, "h": crontab.hour, "d": crontab.day_of_month, "mo": crontab.month_of_year,
        "w": crontab.day_of_week,
    }  # fmt: skip


def _crontab(**fields):
    schedule, _ = CrontabSchedule.objects.get_or_create(month_of_year="*", timezone=settings.TIME_ZONE, **fields)
    return schedule


@transaction.atomic
def group_schedule_sync(group):
    """Create or update the group's PeriodicTask so that it follows the group's cadence."""
    from .models import DispatchGroup

    crontab = _crontab(**crontab_for(group))
    name = f"调度:{group.name} ({group.key})"
    task = group.periodic_task
    if task is None:
        task = PeriodicTask.objects.filter(task=ROUND_TASK, kwargs=json.dumps({"group_id": group.pk})).first()
    created = task is None
    if created:
        task = PeriodicTask(task=ROUND_TASK, kwargs=json.dumps({"group_id": group.pk}))
    task.name = name
    task.crontab = crontab
    task.interval = None
    task.enabled = group.is_active
    task.save()
    if group.periodic_task_id != task.pk:
        DispatchGroup.objects.filter(pk=group.pk).update(periodic_task=task)
        group.periodic_task = task
    return created


def ensure_default_schedules():
    """One PeriodicTask per group that has none (the caller loads the default groups first with
    services.groups_load_defaults: schedules never import services, which import schedules). The app's
    system tasks are in dispatch/periodic.py. Idempotent: a schedule an administrator edited is left
    as it is. Returns how many periodic tasks were created."""
    from .models import DispatchGroup

    created = 0
    for group in DispatchGroup.objects.filter(periodic_task__isnull=True):
        created += group_schedule_sync(group)
    return created
