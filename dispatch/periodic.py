"""Periodic system tasks of the dispatch app (registered by ops' setup_periodic_tasks). The groups'
own meeting schedules follow their cadence: dispatch.schedules.group_schedule_sync."""

PERIODIC_TASKS = [
    ("调度:逾期问题升级", "dispatch.escalate_overdue_problems", {"minute": "30", "hour": "1"}),
    ("调度:补跑漏调度轮次", "dispatch.catch_up_rounds", 60),
    (
        "调度:季度考评",
        "dispatch.run_quarterly_evaluation",
        {"minute": "0", "hour": "7", "day_of_month": "5", "month_of_year": "1,4,7,10"},
    ),
]
