import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_celery_beat.models import PeriodicTask

from projects.choices import Role, Tier
from supervision import services
from supervision.choices import UnitKind
from supervision.models import LightSnapshot, MonthlyPlan, SupervisionOrder
from supervision.selectors import current_period
from tests.factories import ProjectFactory, user_with_role

from .conftest import building

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def red_project(**kwargs):
    project = building(**kwargs)
    MonthlyPlan.objects.create(
        project=project, year=current_period().year, month=current_period().month, cumulative_percent=Decimal("90")
    )
    return project


def test_light_list_filters_by_light_in_scope(client, county_user, haicheng, django_assert_max_num_queries):
    reds = [red_project() for _ in range(15)]
    green = building()
    MonthlyPlan.objects.create(project=green, year=current_period().year, month=1, cumulative_percent=Decimal("0"))
    theirs = red_project(region=haicheng)
    client.force_login(county_user)
    # Session, user, roles, thresholds, rule x2, count, summary, page, filter form choices: fixed.
    with django_assert_max_num_queries(13):
        response = client.get("/supervision/?light=red")
    body = response.content.decode()
    assert response.status_code == 200
    assert all(p.name in body for p in reds)
    assert green.name not in body
    assert theirs.name not in body


def test_light_api_list_and_counts(client, leader, haicheng, django_assert_max_num_queries):
    for _ in range(12):
        red_project()
    red_project(region=haicheng)
    client.force_login(leader)
    with django_assert_max_num_queries(8):  # session, user, roles, region, thresholds, rule, count, page
        data = client.get("/api/v1/lights/?light=red&region=210302").json()
    assert data["count"] == 12
    row = data["results"][0]
    assert row["light"] == "red"
    assert row["expected_percent"] == "90.00"
    assert isinstance(row["annual_plan"], str)
    counts = {r["name"]: r for r in client.get("/api/v1/lights/counts/?by=region").json()}
    assert counts["铁东区"]["red"] == 12
    assert counts["海城市"]["red"] == 1
    assert client.get("/api/v1/lights/counts/?by=nothing").status_code == 400


def test_project_light_history_page(client, county_user, haicheng):
    project = red_project()
    services.light_snapshot_take(period=datetime.date(2026, 9, 1))
    services.light_snapshot_take(period=datetime.date(2026, 10, 1))
    services.light_snapshot_take(period=datetime.date(2026, 10, 1))  # idempotent
    assert LightSnapshot.objects.filter(project=project).count() == 2
    client.force_login(county_user)
    response = client.get(f"/supervision/projects/{project.pk}/lights/")
    assert response.status_code == 200
    assert "2026-10" in response.content.decode()
    theirs = ProjectFactory(region=haicheng)
    assert client.get(f"/supervision/projects/{theirs.pk}/lights/").status_code == 404


def test_order_api_lifecycle_and_scope(
    client, leader, county_user, other_county_user, tiedong, django_capture_on_commit_callbacks
):
    project = red_project()
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/supervision-orders/",
            {"project": project.pk, "requirement": "一周内复工", "unit_kind": "region", "unit_region": tiedong.pk},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    assert response.json()["tier"] == Tier.CITY
    missing = client.post(
        "/api/v1/supervision-orders/", {"project": project.pk, "unit_kind": "region"}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert "requirement" in missing.json()

    client.force_login(other_county_user)
    assert client.get(f"/api/v1/supervision-orders/{order_id}/").status_code == 404
    client.force_login(county_user)
    upload = SimpleUploadedFile("复工照片.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        replied = client.post(
            f"/api/v1/supervision-orders/{order_id}/reply/", {"text": "已复工", "attachments": [upload]}
        )
    assert replied.status_code == 200, replied.content
    attachment_url = replied.json()["replies"][0]["attachments"][0]["url"]
    assert client.get(attachment_url).status_code == 200
    client.force_login(other_county_user)
    assert client.get(attachment_url).status_code == 404

    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(
            f"/api/v1/supervision-orders/{order_id}/accept/", {"note": "同意"}, content_type="application/json"
        )
    assert closed.json()["status"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == ["issued", "replied", "accepted"]


def test_order_list_api_has_a_fixed_query_count(
    client, leader, tiedong, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    project = red_project()
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(20):
            services.order_issue(
                user=leader, project=project, requirement="x", unit_kind=UnitKind.REGION, unit_region=tiedong
            )
    client.force_login(leader)
    with django_assert_max_num_queries(5):  # session, user, roles, count, page
        data = client.get("/api/v1/supervision-orders/").json()
    assert data["count"] == 20
    with django_assert_max_num_queries(8):
        page = client.get("/supervision/orders/")
    assert page.content.decode().count("督2026-") + page.content.decode().count(f"督{project.created_at.year}-") >= 20


def test_order_pages_issue_reply_and_review(client, leader, county_user, tiedong, django_capture_on_commit_callbacks):
    project = red_project()
    client.force_login(county_user)
    assert client.get(f"/supervision/orders/new/{project.pk}/").status_code == 404  # county staff do not issue
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/supervision/orders/new/{project.pk}/",
            {"requirement": "落实施工许可", "unit_kind": "region", "unit_region": tiedong.pk},
        )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302
    client.force_login(county_user)
    page = client.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert "回复督办单" in page
    with django_capture_on_commit_callbacks(execute=True):
        bad = client.post(
            f"/supervision/orders/{order.pk}/reply/",
            {"text": "见附件", "attachments": [SimpleUploadedFile("a.pdf", b"not a pdf")]},
        )
    assert bad.status_code == 400
    assert "类型不支持" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/supervision/orders/{order.pk}/reply/", {"text": "已办理"})
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/supervision/orders/{order.pk}/review/", {"decision": "send_back", "note": "材料不全"})
    order.refresh_from_db()
    assert order.status == "returned"
    detail = client.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert "材料不全" in detail


def test_department_users_see_orders_addressed_to_them(
    leader, department_user, haicheng, django_capture_on_commit_callbacks
):
    from projects.models import Department
    from supervision.selectors import order_list

    # A project outside the department's lead field, addressed to the department.
    project = ProjectFactory(region=haicheng, department=Department.objects.get(key="fgw"))
    with django_capture_on_commit_callbacks(execute=False):
        order = services.order_issue(
            user=leader,
            project=project,
            requirement="x",
            unit_kind=UnitKind.DEPARTMENT,
            unit_department=Department.objects.get(key="gxj"),
        )
    assert list(order_list(user=department_user)) == [order]
    assert services.can_reply(department_user, order)


def test_map_page_and_api(client, county_user, leader, tiedong, django_assert_max_num_queries):
    red_project(longitude=Decimal("122.99"), latitude=Decimal("41.10"))
    building(longitude=Decimal("123.00"), latitude=Decimal("41.09"), total_investment=Decimal("20000"))
    ProjectFactory(region=__import__("projects.models", fromlist=["Region"]).Region.objects.get(key="gaoxin"))
    client.force_login(leader)
    page = client.get("/supervision/map/?stage=construction")
    assert page.status_code == 200
    body = page.content.decode()
    assert "map-config" in body and "<script>" not in body  # data through json_script, code from static files
    with django_assert_max_num_queries(7):  # session, user, roles, thresholds, rule, regions, points
        data = client.get("/api/v1/map/?metric=investment").json()
    regions = {r["name"]: r for r in data["regions"]}
    assert regions["铁东区"]["count"] == 2
    assert regions["铁东区"]["investment"] == "30000.00"
    assert regions["高新区"]["is_zone"] is True
    assert "region=" in regions["铁东区"]["list_url"]
    assert len(data["points"]) == 2
    assert {p["overall"] for p in data["points"]} <= {"red", "green", "yellow", "none"}
    filtered = client.get("/api/v1/map/?stage=planning").json()
    assert filtered["points"] == []
    client.force_login(
        user_with_role(
            "hc",
            Role.COUNTY_STAFF,
            region=__import__("projects.models", fromlist=["Region"]).Region.objects.get(key="haicheng"),
        )
    )
    assert client.get("/api/v1/map/").json()["points"] == []


def test_schedules_are_created_once():
    from common.periodic import ensure
    from supervision.periodic import PERIODIC_TASKS

    assert ensure(PERIODIC_TASKS) == 5
    assert ensure(PERIODIC_TASKS) == 0
    # in the project's time zone (settings), not a zone written in the app
    assert {t.crontab.timezone.key for t in PeriodicTask.objects.filter(task__startswith="supervision.")} == {
        "Asia/Shanghai"
    }


def test_monthly_plan_api_replaces_the_plan_and_checks_it(client, county_user, other_county_user, leader):
    project = building()
    client.force_login(county_user)
    url = "/api/v1/monthly-plans/"
    body = {"project": project.pk, "year": 2026, "percents": {"3": "10", "6": "45.5", "12": "100"}}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["percents"] == {"3": "10.00", "6": "45.50", "12": "100.00"}
    going_down = {**body, "percents": {"3": "50", "6": "40"}}
    refused = client.put(url, going_down, content_type="application/json")
    assert refused.status_code == 400
    assert "percents" in refused.json()
    assert client.get(f"{url}?project={project.pk}&year=2026").json()["percents"]["6"] == "45.50"
    client.force_login(leader)  # may see, may not change
    assert client.put(url, body, content_type="application/json").status_code == 404
    client.force_login(other_county_user)
    assert client.get(f"{url}?project={project.pk}&year=2026").status_code == 404
