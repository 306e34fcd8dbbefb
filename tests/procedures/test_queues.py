"""The green channel's shorter durations and queue priority, each unit's queue limited to what it owes
(across sectors, without the rest of the project), its on-time rate, and time saved against SQL."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from insights import selectors as insights_selectors
from investment import procedure_selectors as selectors
from investment import procedure_services as services
from investment.models import ProcedureItem, ProcedureSchedule
from investment.selectors import procedure_list
from projects.choices import Role
from projects.models import Department, Region
from tests.factories import ProjectFactory, user_with_role

from .helpers import project_with

D = datetime.date
SPEC = [("项目核准", 20, [], "fgw", 10), ("施工许可", 10, ["项目核准"], "zjj", 5)]


@pytest.fixture
def fgw_user():
    return user_with_role("fgw", Role.DEPARTMENT, department=Department.objects.get(key="fgw"))


def test_the_green_channel_takes_the_template_items_shorter_durations(county_user, leader):
    project = project_with(SPEC, user=county_user)
    before = ProcedureSchedule.objects.get(project=project).planned_construction_start
    with pytest.raises(PermissionDenied):
        services.procedure_green_channel_set(user=county_user, project=project, on=True, reason="自己申请")
    services.procedure_green_channel_set(user=leader, project=project, on=True, reason="市领导小组第3次会议")
    durations = dict(project.procedures.values_list("name", "duration_days"))
    assert durations == {"项目核准": 10, "施工许可": 5}
    after = ProcedureSchedule.objects.get(project=project)
    # 2 Nov 2026 + 30 working days -> 14 Dec; + 15 -> 23 Nov.
    assert (before, after.planned_construction_start) == (D(2026, 12, 14), D(2026, 11, 23))
    assert after.green_channel_by == leader
    services.procedure_green_channel_set(user=leader, project=project, on=False, reason="已开工")
    assert dict(project.procedures.values_list("name", "duration_days")) == {"项目核准": 20, "施工许可": 10}


def test_a_units_queue_holds_what_it_owes_on_every_project_green_channel_first(
    county_user, other_county_user, leader, fgw_user, django_assert_max_num_queries
):
    # Industrial projects (their sector department is 工信局), in two counties.
    plain = project_with(SPEC, user=county_user, start=D(2026, 11, 2))
    green = project_with(SPEC, user=other_county_user, start=D(2026, 11, 16), region=Region.objects.get(key="haicheng"))
    services.procedure_green_channel_set(user=leader, project=green, on=True, reason="重点项目")
    fgw = Department.objects.get(key="fgw")
    with django_assert_max_num_queries(4):  # roles, departments, the queue, what each blocks
        queue = list(selectors.procedure_queue(user=fgw_user, department=fgw))
        blocks = [[b.name for b in i.blocks] for i in queue]
    assert [(i.project_id, i.name) for i in queue] == [(green.pk, "项目核准"), (plain.pk, "项目核准")]
    assert blocks == [["施工许可"], ["施工许可"]]
    assert queue[0].green_channel is True
    # Another unit's queue is not for this one.
    with pytest.raises(Http404):
        selectors.procedure_queue(user=fgw_user, department=Department.objects.get(key="zjj"))


def test_owing_an_item_opens_the_item_and_the_public_facts_not_the_rest(county_user, fgw_user):
    project = project_with(SPEC, user=county_user)
    owed = project.procedures.get(name="项目核准")
    other = project.procedures.get(name="施工许可")
    from projects.selectors import project_get

    with pytest.raises(Http404):
        project_get(user=fgw_user, pk=project.pk)  # the project itself stays out of scope
    assert selectors.project_public_get(user=fgw_user, pk=project.pk).name == project.name
    assert selectors.procedure_item_get(user=fgw_user, pk=owed.pk) == owed
    with pytest.raises(Http404):
        selectors.procedure_item_get(user=fgw_user, pk=other.pk)
    assert list(procedure_list(user=fgw_user, project=project)) == [owed]
    unrelated = ProjectFactory()
    with pytest.raises(Http404):
        selectors.project_public_get(user=fgw_user, pk=unrelated.pk)


def test_the_on_time_rate_counts_items_done_by_their_planned_date(county_user, fgw_user):
    fgw = Department.objects.get(key="fgw")
    assert selectors.on_time_rate(department=fgw) is None
    early = project_with(SPEC, user=county_user).procedures.get(name="项目核准")
    late = project_with(SPEC, user=county_user).procedures.get(name="项目核准")
    services.procedure_item_progress(user=fgw_user, item=early, status="done", on=early.planned_date)
    services.procedure_item_progress(
        user=fgw_user, item=late, status="done", on=late.planned_date + datetime.timedelta(days=3)
    )
    assert str(selectors.on_time_rate(department=fgw)) == "0.5000"


def _sql_time_saved():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, p.region_id,
                   COALESCE(b.construction_start, s.original_construction_start)
                   - COALESCE(p.actual_start, s.forecast_construction_start)
            FROM projects_project p
            JOIN investment_procedureschedule s ON s.project_id = p.id
            LEFT JOIN investment_procedureplan b ON b.project_id = p.id AND b.is_baseline
            """
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def test_time_saved_per_project_county_and_city_matches_sql(county_user, other_county_user, admin_user):
    haicheng = Region.objects.get(key="haicheng")
    a = project_with(SPEC, user=county_user)
    services.procedure_plan_freeze(user=county_user, project=a)  # baseline start 14 Dec 2026
    a.actual_start = D(2026, 12, 1)
    a.save(update_fields=["actual_start"])
    b = project_with(SPEC, user=other_county_user, region=haicheng)
    ProcedureSchedule.objects.filter(project=b).update(original_construction_start=D(2027, 6, 30))
    c = project_with(SPEC, user=county_user)  # neither baseline nor original plan: not counted
    services.procedure_item_progress(
        user=admin_user, item=c.procedures.get(name="项目核准"), status="done", on=D(2026, 11, 20)
    )

    expected = _sql_time_saved()
    got = dict(insights_selectors.time_saved(user=admin_user).values_list("pk", "days_saved"))
    assert {pk: got[pk] for pk in expected} == {pk: days for pk, (_, days) in expected.items()}
    assert got[a.pk] == 13
    assert got[c.pk] is None

    totals = insights_selectors.time_saved_totals(user=admin_user)
    by_region = {}
    for region_id, days in expected.values():
        if days is not None:
            by_region[region_id] = by_region.get(region_id, 0) + days
    assert {r["region_id"]: r["days"] for r in totals["regions"]} == by_region
    assert totals["total"]["days"] == sum(by_region.values())
    # A county sees its own projects only.
    mine = insights_selectors.time_saved_totals(user=county_user)
    assert [r["region_id"] for r in mine["regions"]] == [a.region_id]
    assert mine["total"]["days"] == 13


def test_the_forecast_follows_the_items_done(county_user, admin_user):
    project = project_with(SPEC, user=county_user)
    permit_wait = project.procedures.get(name="项目核准")
    # Done on 13 Nov instead of 27 Nov: the permit follows (10 days from 16 Nov), start 30 Nov.
    services.procedure_item_progress(user=admin_user, item=permit_wait, status="done", on=D(2026, 11, 13))
    s = ProcedureSchedule.objects.get(project=project)
    assert (s.planned_construction_start, s.forecast_construction_start) == (D(2026, 12, 14), D(2026, 11, 30))
    assert ProcedureItem.objects.get(pk=permit_wait.pk).status == "done"


def test_the_daily_refresh_moves_the_forecast_of_open_items_to_today(county_user):
    project = project_with(SPEC, user=county_user)
    services.procedure_forecasts_refresh(today=D(2026, 11, 2))
    assert ProcedureSchedule.objects.get(project=project).forecast_construction_start == D(2026, 12, 14)
    # Nothing done by 16 Nov: 30 working days from then.
    assert services.procedure_forecasts_refresh(today=D(2026, 11, 16)) == 1
    assert ProcedureSchedule.objects.get(project=project).forecast_construction_start == D(2026, 12, 28)


def test_time_saved_and_parallel_items_are_explained_on_the_definitions_page(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/dashboard/definitions/").content.decode()
    assert "审批提速节省时间" in html and "并联办理大项数" in html
