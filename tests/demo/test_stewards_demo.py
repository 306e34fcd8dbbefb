"""The demo shows 分级分类包保 and one entry per fact (issue 19): people named by the rules with a few
breaks, the demo steward and city leader serving projects, and one project taken from intake to
signing to start through events."""

from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from attraction.models import SigningEventProject, StartEventProject
from projects import selectors
from projects.models import Project, StageChange


def test_the_demo_names_people_by_the_rules_and_takes_a_project_through_the_events():
    with override_settings(DEMO_ACCOUNTS=True):
        call_command("seed_demo", projects=400, no_progress_bar=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM projects_project WHERE stage <> 'operating' AND total_investment >= 500 "
            "AND steward_id IS NULL"
        )
        assert cursor.fetchone()[0] == 3  # the breaks left to show
        cursor.execute(
            "SELECT count(DISTINCT p.region_id) FROM projects_project p JOIN accounts_user u ON u.id = p.steward_id "
            "WHERE u.username = 'steward'"
        )
        assert cursor.fetchone()[0] >= 2  # the demo steward serves several counties
    assert selectors.people_over_limit(), "one city leader above the rule's maximum"
    project = Project.objects.get(name="铁东区精密轴承智能制造项目")
    assert list(StageChange.objects.filter(project=project).order_by("id").values_list("to_stage", flat=True)) == [
        "negotiating",
        "signed",
        "construction",
    ]
    assert SigningEventProject.objects.get(project=project).stage_change.to_stage == "signed"
    start = StartEventProject.objects.get(project=project)
    assert start.stage_change.start_type == "new" and project.actual_start == start.event.held_on
    assert project.steward.username == "steward" and project.city_leader.username == "city_leader"
