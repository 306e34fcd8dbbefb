import datetime
import json

import pytest
from django_celery_beat.models import PeriodicTask

from dispatch import schedules, services
from dispatch.choices import Cadence
from dispatch.models import DispatchGroup, DispatchRound
from dispatch.schedules import Period, period_for

from .conftest import at

D = datetime.date


def test_monthly_meeting_reviews_the_previous_month():
    assert period_for(Cadence.MONTHLY, D(2026, 3, 1)) == Period(D(2026, 2, 1), D(2026, 2, 28))
    assert period_for(Cadence.MONTHLY, D(2026, 1, 1)) == Period(D(2025, 12, 1), D(2025, 12, 31))


def test_half_month_meetings_review_each_half_including_short_and_leap_months():
    assert period_for(Cadence.SEMIMONTHLY, D(2026, 3, 16)) == Period(D(2026, 3, 1), D(2026, 3, 15))
    assert period_for(Cadence.SEMIMONTHLY, D(2026, 3, 1)) == Period(D(2026, 2, 16), D(2026, 2, 28))
    assert period_for(Cadence.SEMIMONTHLY, D(2028, 3, 1)) == Period(D(2028, 2, 16), D(2028, 2, 29))
    assert period_for(Cadence.SEMIMONTHLY, D(2026, 1, 1)) == Period(D(2025, 12, 16), D(2025, 12, 31))


def test_weekly_and_daily_meetings():
    assert period_for(Cadence.WEEKLY, D(2026, 11, 23)) == Period(D(2026, 11, 16), D(2026, 11, 22))
    assert period_for(Cadence.DAILY, D(2026, 11, 25)) == Period(D(2026, 11, 24), D(2026, 11, 24))


def test_half_month_group_meets_on_the_1st_and_16th_only_after_its_hour(groups):
    group = groups["special-social"]
    days = list(schedules.run_days(group, after=D(2026, 10, 31), now=at(2026, 12, 1, 5)))
    assert days == [D(2026, 11, 1), D(2026, 11, 16)]  # 1 December's meeting is at 06:00, not yet
    days = list(schedules.run_days(group, after=D(2026, 10, 31), now=at(2026, 12, 1, 6)))
    assert days[-1] == D(2026, 12, 1)


def test_latest_due_period_follows_the_cadence(groups):
    now = at(2026, 11, 25, 9)  # a Wednesday
    assert schedules.latest_due_period(groups["city"], now=now) == Period(D(2026, 10, 1), D(2026, 10, 31))
    assert schedules.latest_due_period(groups["special-urban"], now=now) == Period(D(2026, 11, 1), D(2026, 11, 15))
    assert schedules.latest_due_period(groups["dept-gxj"], now=now) == Period(D(2026, 11, 16), D(2026, 11, 22))
    assert schedules.latest_due_period(groups["county-tiedong"], now=now) == Period(D(2026, 11, 24), D(2026, 11, 24))


def test_default_groups_match_the_1_3_n_10_system(groups):
    tiers = [g.tier for g in groups.values()]
    assert tiers.count("city") == 1
    assert tiers.count("special") == 3
    assert tiers.count("department") == 12
    assert tiers.count("county") == 10
    assert groups["city"].min_total_investment == 5000
    assert groups["county-haicheng"].min_total_investment == 500
    assert groups["county-haicheng"].cadence == Cadence.DAILY


def test_ensure_default_schedules_creates_one_crontab_per_group_and_is_idempotent(groups):
    created = schedules.ensure_default_schedules()
    assert created == len(groups)
    assert schedules.ensure_default_schedules() == 0
    city = DispatchGroup.objects.get(key="city")
    task = city.periodic_task
    assert task.task == schedules.ROUND_TASK
    assert json.loads(task.kwargs) == {"group_id": city.pk}
    assert (task.crontab.day_of_month, task.crontab.hour, task.crontab.minute) == ("1", "6", "0")
    special = DispatchGroup.objects.get(key="special-urban").periodic_task.crontab
    assert special.day_of_month == "1,16"
    weekly = DispatchGroup.objects.get(key="dept-fgw").periodic_task.crontab
    assert (weekly.day_of_week, weekly.day_of_month) == ("1", "*")
    daily = DispatchGroup.objects.get(key="county-tiedong").periodic_task.crontab
    assert (daily.day_of_week, daily.day_of_month) == ("*", "*")
    # the app's system tasks are its PERIODIC_TASKS (dispatch/periodic.py), not the groups' sync
    assert PeriodicTask.objects.filter(task="dispatch.escalate_overdue_problems").count() == 0
    from common.periodic import ensure
    from dispatch.periodic import PERIODIC_TASKS

    assert ensure(PERIODIC_TASKS) == len(PERIODIC_TASKS)
    assert PeriodicTask.objects.filter(task="dispatch.escalate_overdue_problems").count() == 1


def test_editing_a_cadence_updates_the_beat_schedule_without_a_deploy(groups, admin_user):
    schedules.ensure_default_schedules()
    group = DispatchGroup.objects.get(key="county-tiedong")
    services.group_update(user=admin_user, group=group, cadence=Cadence.WEEKLY, weekday=5, run_hour=8)
    task = PeriodicTask.objects.get(pk=group.periodic_task_id)
    assert (task.crontab.day_of_week, task.crontab.hour) == ("5", "8")
    services.group_update(user=admin_user, group=group, is_active=False)
    assert not PeriodicTask.objects.get(pk=group.periodic_task_id).enabled
    assert PeriodicTask.objects.filter(task=schedules.ROUND_TASK).count() == len(groups)


def test_a_county_user_cannot_edit_a_group(groups, county_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.group_update(user=county_user, group=groups["city"], cadence=Cadence.DAILY)


def _backdate(group, when):
    DispatchGroup.objects.filter(pk=group.pk).update(created_at=when)
    group.refresh_from_db()


def test_the_scheduled_task_runs_the_due_round_once(groups):
    city = groups["city"]
    first = services.run_scheduled_round(group_id=city.pk, now=at(2026, 11, 1, 6))
    again = services.run_scheduled_round(group_id=city.pk, now=at(2026, 11, 1, 7))
    assert first.pk == again.pk
    assert (first.period_start, first.period_end) == (D(2026, 10, 1), D(2026, 10, 31))
    assert DispatchRound.objects.filter(group=city).count() == 1


def test_catch_up_runs_each_missed_round_exactly_once(groups):
    """The system was down from 12 to 17 November: the half-month round of the 16th and the daily
    rounds of 13-17 November are run once when it comes back, and a second catch-up does nothing."""
    DispatchGroup.objects.exclude(key__in=["special-social", "county-tiedong"]).update(is_active=False)
    social, tiedong = groups["special-social"], groups["county-tiedong"]
    for group in (social, tiedong):
        _backdate(group, at(2026, 10, 1))
    services.round_run(group=social, period=Period(D(2026, 10, 16), D(2026, 10, 31)), queue=False)
    services.round_run(group=tiedong, period=Period(D(2026, 11, 11), D(2026, 11, 11)), queue=False)

    made = services.rounds_catch_up(now=at(2026, 11, 17, 9))
    periods = sorted((r.group.key, r.period_start) for r in made)
    assert periods == [
        ("county-tiedong", D(2026, 11, 12)),
        ("county-tiedong", D(2026, 11, 13)),
        ("county-tiedong", D(2026, 11, 14)),
        ("county-tiedong", D(2026, 11, 15)),
        ("county-tiedong", D(2026, 11, 16)),
        ("special-social", D(2026, 11, 1)),
    ]
    assert services.rounds_catch_up(now=at(2026, 11, 17, 9)) == []
    # The beat firing late for the same meeting finds the round already there.
    assert services.run_scheduled_round(group_id=social.pk, now=at(2026, 11, 17, 9)).period_start == D(2026, 11, 1)
    assert DispatchRound.objects.filter(group=social).count() == 2
    assert DispatchRound.objects.filter(group=tiedong).count() == 6


def test_catch_up_of_a_new_group_starts_from_its_creation(groups):
    DispatchGroup.objects.exclude(key="city").update(is_active=False)
    _backdate(groups["city"], at(2026, 9, 20))
    made = services.rounds_catch_up(now=at(2026, 11, 17, 9))
    assert [(r.period_start, r.period_end) for r in made] == [
        (D(2026, 9, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 10, 31)),
    ]


def test_schedules_read_as_words(groups, client, leader):
    from django_celery_beat.models import CrontabSchedule

    from dispatch.schedules import ensure_default_schedules, schedule_words

    def words(**fields):
        return schedule_words(
            CrontabSchedule(**{"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **fields})
        )

    assert words(minute="0", hour="6", day_of_month="1") == "每月1日 06:00"
    assert words(minute="0", hour="6", day_of_month="1,16") == "每月1日、16日 06:00"
    assert words(minute="0", hour="8", day_of_week="5") == "每周五 08:00"
    assert words(minute="30", hour="9") == "每天 09:30"
    assert (
        words(minute="0", hour="7", day_of_month="5", month_of_year="1,4,7,10") == "每年1月、4月、7月、10月的5日 07:00"
    )
    assert words(minute="*/15", hour="*").startswith("自定义时间(分 */15")
    ensure_default_schedules()
    client.force_login(leader)
    body = client.get("/dispatch/").content.decode()
    assert "每月1日 06:00" in body and "(m/h/dM/MY/d)" not in body and "Asia/Shanghai" not in body


@pytest.mark.parametrize(
    ("run_day", "start", "end"),
    [
        (datetime.date(2026, 3, 1), datetime.date(2026, 2, 16), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 9), datetime.date(2026, 2, 16), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 15), datetime.date(2026, 2, 16), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 16), datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)),
        (datetime.date(2026, 3, 31), datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)),
    ],
)
def test_half_month_period_of_any_day_is_the_last_half_that_ended(run_day, start, end):
    period = period_for(Cadence.SEMIMONTHLY, run_day)
    assert (period.start, period.end) == (start, end)
    assert period.start <= period.end < run_day
