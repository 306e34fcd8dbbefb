"""Periodic tasks of operations (registered by setup_periodic_tasks)."""

PERIODIC_TASKS = [
    # /healthz reports a worker as alive while this runs every minute
    ("worker heartbeat", "anshan.heartbeat", 1),
]
