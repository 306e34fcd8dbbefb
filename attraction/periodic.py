"""Periodic tasks of investment attraction, registered by ops' setup_periodic_tasks, which reads every
app's PERIODIC_TASKS (name, task, crontab fields or every N minutes)."""

BULLETIN_TASK_NAME = "招商引资月报(每月1日)"

PERIODIC_TASKS = [
    # 06:00 on the 1st: the bulletin of the month just ended
    (BULLETIN_TASK_NAME, "attraction.bulletin_monthly", {"minute": "0", "hour": "6", "day_of_month": "1"}),
    ("招商引资月度通报(每月1日)", "attraction.circulation_monthly", {"minute": "0", "hour": "8", "day_of_month": "1"}),
    ("“四调法”逾期未调度提醒(每日)", "attraction.follow_up_reminders", {"minute": "30", "hour": "8"}),
]
