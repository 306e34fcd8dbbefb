"""Periodic tasks of the supervision app (registered by ops' setup_periodic_tasks, settings.TIME_ZONE)."""

PERIODIC_TASKS = [
    ("supervision: snapshot lights", "supervision.snapshot_lights", {"minute": "30", "hour": "1"}),
    ("supervision: mark overdue orders", "supervision.mark_overdue_orders", {"minute": "10", "hour": "0"}),
    ("supervision: reminders", "supervision.send_reminders", {"minute": "0", "hour": "9"}),
    ("supervision: overdue 容缺 items", "supervision.escalate_overdue_deficiencies", {"minute": "20", "hour": "0"}),
    ("supervision: procedure forecasts", "supervision.refresh_procedure_forecasts", {"minute": "40", "hour": "0"}),
]
