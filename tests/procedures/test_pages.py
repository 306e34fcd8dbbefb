"""The procedure pages: a unit's queue and item page (public facts only, across sectors), the project
page's plan panel with the chart's data (user text escaped), and the actions' errors naming the field."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from investment import procedure_services as services
from investment.models import ProcedurePlan
from projects.choices import Role
from projects.models import Department
from tests.factories import user_with_role

from .helpers import project_with, template

D = datetime.date
SPEC = [("项目核准", 20, [], "fgw", 10), ("施工许可", 10, ["项目核准"], "zjj", 5)]


@pytest.fixture
def fgw_user():
    return user_with_role("fgw", Role.DEPARTMENT, department=Department.objects.get(key="fgw"))


def test_the_unit_sees_its_queue_and_the_item_but_not_the_project_page(client, county_user, fgw_user):
    project = project_with(SPEC, user=county_user, name="<b>鞍钢</b>西鞍山铁矿")
    owed = project.procedures.get(name="项目核准")
    client.force_login(fgw_user)
    page = client.get(reverse("investment:procedure-queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;b&gt;鞍钢&lt;/b&gt;西鞍山铁矿" in html and "<b>鞍钢</b>" not in html
    assert "施工许可" in html  # what it blocks
    assert client.get(reverse("investment:procedure-item", args=[owed.pk])).status_code == 200
    other = project.procedures.get(name="施工许可")
    missing = client.get(reverse("investment:procedure-item", args=[other.pk]))
    absent = client.get(reverse("investment:procedure-item", args=[999999]))
    assert missing.status_code == absent.status_code == 404
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("investment:project", args=[project.pk])).status_code == 404


def test_the_queue_page_reads_a_fixed_number_of_queries(client, county_user, fgw_user, django_assert_max_num_queries):
    for _ in range(3):
        project_with(SPEC, user=county_user)
    client.force_login(fgw_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("investment:procedure-queue")).status_code == 200
    for _ in range(3):
        project_with(SPEC, user=county_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("investment:procedure-queue")).content.decode().count("项目核准") == 6


def test_a_unit_records_a_deficiency_and_a_missing_field_is_named(client, county_user, fgw_user):
    project = project_with(SPEC, user=county_user)
    owed = project.procedures.get(name="项目核准")
    client.force_login(fgw_user)
    url = reverse("investment:procedure-item-action", args=[owed.pk, "deficiency"])
    response = client.post(url, {"missing": "环评批复", "deadline": ""}, follow=True)
    assert "补正期限" in response.content.decode()
    owed.refresh_from_db()
    assert not owed.accepted_with_deficiency
    client.post(url, {"missing": "环评批复", "deadline": "2026-12-20"})
    owed.refresh_from_db()
    assert (owed.deficiency_note, owed.deficiency_deadline) == ("环评批复", D(2026, 12, 20))


def test_the_project_page_shows_the_plan_and_the_chart_data(client, county_user, django_assert_max_num_queries):
    project = project_with(SPEC, user=county_user)
    services.procedure_plan_freeze(user=county_user, project=project)
    client.force_login(county_user)
    page = client.get(reverse("projects:detail", args=[project.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "procedure_gantt.js" in html
    data = json.loads(re.search(r'id="procedure-gantt-data" type="application/json">(.*?)</script>', html).group(1))
    assert [(r["name"], r["start"], r["finish"], r["baseline_finish"], r["critical"]) for r in data] == [
        ("项目核准", "2026-11-02", "2026-11-27", "2026-11-27", True),
        ("施工许可", "2026-11-30", "2026-12-11", "2026-12-11", True),
    ]
    assert "2026-12-14" in html  # the planned start of construction
    saved = (
        ProcedurePlan.objects.get(project=project).construction_start
        - project.procedure_schedule.forecast_construction_start
    ).days
    shown = f"提前 {saved} 天" if saved >= 0 else f"推迟 {-saved} 天"
    assert shown in html and "推迟 -" not in html


def test_county_staff_take_a_template_and_freeze_the_baseline_from_the_project_page(client, county_user):
    from tests.factories import ProjectFactory

    project = ProjectFactory()
    t = template(SPEC, name="核准类")
    client.force_login(county_user)
    url = reverse("investment:procedure-template-apply", args=[project.pk])
    client.post(url, {"template": t.pk, "start_on": ""})
    assert not project.procedures.exists()
    client.post(url, {"template": t.pk, "start_on": "2026-11-02"})
    assert project.procedures.count() == 2
    client.post(reverse("investment:procedure-plan-freeze", args=[project.pk]), {"reason": ""})
    client.post(reverse("investment:procedure-plan-freeze", args=[project.pk]), {"reason": ""})  # refused
    assert list(ProcedurePlan.objects.filter(project=project).values_list("number", "is_baseline")) == [(1, True)]


def test_the_administrator_edits_templates_in_the_admin(client, admin_user, county_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    admin_client = client
    admin_client.force_login(admin_user)
    t = template(SPEC, name="后台模板")
    project_with(SPEC, user=county_user)
    for url in (
        "/admin/investment/proceduretemplate/",
        f"/admin/investment/proceduretemplate/{t.pk}/change/",
        "/admin/investment/proceduretemplateitem/",
        f"/admin/investment/proceduretemplateitem/{t.items.first().pk}/change/",
        "/admin/investment/procedureschedule/",
        "/admin/investment/procedureplan/",
        "/admin/investment/procedurechange/",
    ):
        assert admin_client.get(url).status_code == 200, url
    permit = t.items.get(name="施工许可")
    response = admin_client.post(
        f"/admin/investment/proceduretemplateitem/{permit.pk}/change/",
        {
            "template": t.pk,
            "name": "施工许可",
            "standard_days": 8,
            "green_channel_days": 9,
            "sort_order": 1,
            "depends_on": [t.items.get(name="项目核准").pk],
        },
    )
    assert response.status_code == 200  # refused: green channel longer than the standard
    permit.refresh_from_db()
    assert permit.standard_days == 10


def test_the_time_saved_page_sums_per_county_in_a_fixed_number_of_queries(
    client, county_user, leader, django_assert_max_num_queries
):
    from investment.models import ProcedureSchedule

    for original in (D(2027, 1, 4), D(2027, 2, 1)):
        p = project_with(SPEC, user=county_user)
        ProcedureSchedule.objects.filter(project=p).update(original_construction_start=original)
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:procedure-time-saved")).content.decode()
    # Nothing started: the forecast start (from today) against each original plan.
    expected = sum(
        (s.original_construction_start - s.forecast_construction_start).days for s in ProcedureSchedule.objects.all()
    )
    assert f'<td class="num">{expected}</td>' in html and "铁东区" in html
