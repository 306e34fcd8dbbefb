"""Periodic tasks of the notifications app (registered by ops' setup_periodic_tasks)."""

PERIODIC_TASKS = [
    ("notifications: requeue unsent deliveries", "notifications.requeue_deliveries", 10),
]
