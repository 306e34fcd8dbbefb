"""Periodic tasks of the assistance app (registered by the one ops command that reads every app's
PERIODIC_TASKS; see the BRIEF conventions)."""

PERIODIC_TASKS = [
    ("帮办代办:逾期提醒与提级", "assistance.overdue_tasks", {"minute": "15", "hour": "8"}),
]
