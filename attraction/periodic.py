"""Periodic tasks of the attraction app (registered by ops' setup_periodic_tasks)."""

BULLETIN_TASK_NAME = "招商引资月报(每月1日)"

PERIODIC_TASKS = [
    # 06:00 on the 1st: the bulletin of the month just ended
    (BULLETIN_TASK_NAME, "attraction.bulletin_monthly", {"minute": "0", "hour": "6", "day_of_month": "1"}),
]
