"""Periodic tasks of the supervision app for django-celery-beat, created where missing (called from
dispatch's ``setup_periodic_tasks``). An administrator's edits to existing rows are kept."""

from django_celery_beat.models import CrontabSchedule, PeriodicTask

TIME_ZONE = "Asia/Shanghai"


def _crontab(minute, hour):
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute), hour=str(hour), day_of_week="*", day_of_month="*", month_of_year="*", timezone=TIME_ZONE
    )
    return schedule


def ensure_schedules():
    wanted = [
        ("supervision: snapshot lights", "supervision.snapshot_lights", _crontab(30, 1)),
        ("supervision: mark overdue orders", "supervision.mark_overdue_orders", _crontab(10, 0)),
        ("supervision: reminders", "supervision.send_reminders", _crontab(0, 9)),
        ("supervision: overdue 容缺 items", "supervision.escalate_overdue_deficiencies", _crontab(20, 0)),
        ("supervision: procedure forecasts", "supervision.refresh_procedure_forecasts", _crontab(40, 0)),
    ]
    created = 0
    for name, task, crontab in wanted:
        _, new = PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})
        created += new
    return created
