"""The city-wide list of "四调法" follow-ups overdue for their cadence (against independent SQL), the
reminders to whoever owes one (once per user and day) and the count in the monthly bulletin."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from attraction import selectors, services
from attraction.models import CadenceRule, FollowUp
from notifications.models import Notification
from projects.choices import Role, Stage
from tests.factories import ProjectFactory, user_with_role

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def follow_ups(tiedong, haicheng):
    boss = user_with_role("vice_mayor", Role.LEADERSHIP)
    p1 = ProjectFactory(region=tiedong, stage=Stage.NEGOTIATING, name="甲项目", city_leader=boss)
    p2 = ProjectFactory(region=haicheng, stage=Stage.SIGNED, name="乙项目")
    p3 = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, name="丙项目")
    for project, level, days in [
        (p1, "county", 3), (p1, "department", 5), (p1, "main_leader", 40), (p1, "leader_in_charge", 10),
        (p1, "leader_in_charge", 20), (p2, "county", 0), (p2, "department", 8), (p3, "county", 10),
    ]:  # fmt: skip
        FollowUp.objects.create(project=project, level=level, leader="某领导", followed_on=ago(days), summary="推进")
    return p1, p2, p3


OVERDUE_SQL = """
    SELECT f.project_id, f.level, MAX(f.followed_on)
    FROM attraction_followup f JOIN projects_project p ON p.id = f.project_id
    LEFT JOIN attraction_cadencerule r ON r.level = f.level
    WHERE p.stage IN ('planning', 'negotiating', 'signed', 'landed') {scope}
    GROUP BY f.project_id, f.level, r.interval_days
    HAVING MAX(f.followed_on) < %s::date - COALESCE(r.interval_days, CASE f.level WHEN 'main_leader' THEN 30
        WHEN 'leader_in_charge' THEN 15 WHEN 'department' THEN 7 ELSE 1 END)
"""


def sql_overdue(region_id=None):
    with connection.cursor() as cursor:
        scope = "AND p.region_id = %s" if region_id else ""
        cursor.execute(OVERDUE_SQL.format(scope=scope), ([region_id] if region_id else []) + [TODAY])
        return sorted(cursor.fetchall())


def as_rows(rows):
    return sorted((r["project"].pk, r["level"], r["last"]) for r in rows)


def test_the_overdue_list_matches_independent_sql(follow_ups, leader, county_user, tiedong):
    p1, p2, _ = follow_ups
    rows = selectors.overdue_follow_up_list(user=leader, today=TODAY)
    assert as_rows(rows) == sql_overdue()
    assert as_rows(rows) == sorted([(p1.pk, "county", ago(3)), (p1.pk, "main_leader", ago(40)),
                                    (p2.pk, "department", ago(8))])  # fmt: skip
    assert rows[0]["level"] == "main_leader" and rows[0]["days_overdue"] == 10  # most overdue first
    assert as_rows(selectors.overdue_follow_up_list(user=county_user, today=TODAY)) == sql_overdue(tiedong.pk)
    assert selectors.overdue_follow_up_count(user=county_user, today=TODAY) == len(sql_overdue(tiedong.pk)) == 2
    # The administrator lengthens the county interval: the 3-day-old follow-up is no longer overdue.
    CadenceRule.objects.update_or_create(level="county", defaults={"interval_days": 5})
    assert as_rows(selectors.overdue_follow_up_list(user=leader, today=TODAY)) == sql_overdue()
    assert (p1.pk, "county", ago(3)) not in sql_overdue()
    assert selectors.overdue_follow_up_count(today=TODAY) == len(sql_overdue())


def test_reminders_reach_whoever_owes_one_once_a_day(follow_ups, county_user, other_county_user, department_user,
                                                     leader):  # fmt: skip
    services.follow_up_reminders_send(today=TODAY)
    services.follow_up_reminders_send(today=TODAY)  # the same day again: nothing new
    notes = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    # county level -> tiedong's staff; main leader -> the leadership role; department -> gxj's users.
    assert set(notes) == {"alice", "leader", "vice_mayor", "dept"}
    assert "甲项目" in notes["alice"].body and "乙项目" not in notes["alice"].body
    assert "乙项目" in notes["dept"].body and "1 项" in notes["dept"].title
    assert Notification.objects.count() == 4
    services.follow_up_reminders_send(today=TODAY + datetime.timedelta(days=1))
    assert Notification.objects.filter(recipient=county_user).count() == 2


def test_the_count_is_in_the_bulletin(follow_ups):
    figures = selectors.bulletin_figures(month=selectors.month_start(TODAY))
    assert figures["overdue_follow_ups"] == len(sql_overdue()) == 3


def test_the_overdue_page_in_scope(client, follow_ups, county_user, django_assert_max_num_queries):
    client.force_login(county_user)
    with django_assert_max_num_queries(20):
        page = client.get("/attraction/follow-ups/overdue/")
    html = page.content.decode()
    assert page.status_code == 200 and "甲项目" in html and "乙项目" not in html and "丙项目" not in html
    data = client.get("/api/v1/attraction/follow-ups-overdue/").json()
    assert sorted(r["level"] for r in data) == ["county", "main_leader"]
