import datetime

from attraction import selectors, services
from attraction.models import CadenceRule
from tests.factories import ProjectFactory


def test_cadence_follows_the_intervals_an_administrator_sets(county_user, tiedong):
    project = ProjectFactory(region=tiedong)
    today = datetime.date(2026, 11, 20)
    for level, days_ago in [("main_leader", 20), ("department", 5)]:
        services.follow_up_add(user=county_user, project=project, level=level, leader="张三",
                               followed_on=today - datetime.timedelta(days=days_ago), summary="推进")  # fmt: skip
    CadenceRule.objects.update_or_create(level="department", defaults={"interval_days": 3})
    status = {row["level"]: row for row in selectors.cadence_status(user=county_user, project=project, today=today)}
    assert status["main_leader"]["interval_days"] == 30 and not status["main_leader"]["overdue"]
    assert status["main_leader"]["due_on"] == datetime.date(2026, 11, 30)
    assert status["department"]["overdue"] and status["department"]["due_on"] == datetime.date(2026, 11, 18)
    assert status["leader_in_charge"]["overdue"] and status["leader_in_charge"]["last"] is None
    CadenceRule.objects.all().delete()  # defaults apply when the table is empty
    assert selectors.cadence_days() == {"main_leader": 30, "leader_in_charge": 15, "department": 7, "county": 1}
