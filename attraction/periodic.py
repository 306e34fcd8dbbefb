"""Periodic tasks of investment attraction, registered by the ops command that reads every app's
PERIODIC_TASKS (name, task, crontab fields or every N minutes)."""

PERIODIC_TASKS = [
    ("招商引资月度通报(每月1日)", "attraction.circulation_monthly", {"minute": "0", "hour": "8", "day_of_month": "1"}),
    ("“四调法”逾期未调度提醒(每日)", "attraction.follow_up_reminders", {"minute": "30", "hour": "8"}),
]
