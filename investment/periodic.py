"""Periodic tasks of the investment app (registered in beat by the ops command that reads every
app's PERIODIC_TASKS)."""

PERIODIC_TASKS = [
    # Thursday and Friday afternoons: the week's site photos (形象调度) are due before the weekend.
    # One notice per county, user and day: a repeated run the same day sends nothing more.
    ("形象调度照片提醒", "investment.remind_site_photos", {"minute": "0", "hour": "15", "day_of_week": "4,5"}),
]
