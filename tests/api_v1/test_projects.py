import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from projects.choices import Stage
from projects.models import Category, Department, Project, Region, Sector, StageChange
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

URL = "/api/v1/projects/"


@pytest.fixture
def tiedong_project():
    return ProjectFactory(name="铁东菱镁深加工", code="2024-210302-04-01-A1B2C3", investor="鞍山恒通实业有限公司")


@pytest.fixture
def haicheng_project(haicheng):
    social = Category.objects.get(key="social")
    return ProjectFactory(
        name="海城文旅综合体",
        region=haicheng,
        category=social,
        department=Department.objects.get(key="fgw"),
        total_investment=Decimal("800.00"),
        annual_plan=Decimal("100.00"),
    )


def names(response):
    return {row["name"] for row in response.json()["results"]}


def test_list_is_paginated_with_money_as_decimal_strings(tiedong_project, haicheng_project, leader):
    response = client_for(leader).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "count_is_estimate", "next", "previous", "results"}
    assert body["count_is_estimate"] is False  # two rows: counted exactly
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["name"] == "铁东菱镁深加工")
    assert row["total_investment"] == "10000.00"
    assert row["annual_plan"] == "3000.00"
    assert row["region_name"] == "铁东区"
    assert row["key_level"] == "city"
    assert row["stage"] == "planning"


def test_page_size_and_next_link(leader):
    ProjectFactory.create_batch(3)
    body = client_for(leader).get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert "page=2" in body["next"]


def test_county_user_lists_only_its_county(tiedong_project, haicheng_project, county_user, other_county_user):
    assert names(client_for(county_user).get(URL)) == {"铁东菱镁深加工"}
    assert names(client_for(other_county_user).get(URL)) == {"海城文旅综合体"}


def test_filter_by_another_county_gives_nothing(tiedong_project, haicheng_project, county_user):
    body = client_for(county_user).get(URL, {"region": "210381"}).json()
    assert body["count"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "210302"}, {"铁东菱镁深加工"}),
        ({"region": "haicheng"}, {"海城文旅综合体"}),
        ({"key_level": "city"}, {"铁东菱镁深加工"}),
        ({"key_level": "county"}, {"铁东菱镁深加工", "海城文旅综合体"}),
        ({"min_investment": "900"}, {"铁东菱镁深加工"}),
        ({"max_investment": "900"}, {"海城文旅综合体"}),
        ({"search": "恒通"}, {"铁东菱镁深加工"}),
        ({"search": "A1B2"}, {"铁东菱镁深加工"}),
        ({"search": "文旅"}, {"海城文旅综合体"}),
        ({"stage": "planning"}, {"铁东菱镁深加工", "海城文旅综合体"}),
        ({"stage": "construction"}, set()),
    ],
)
def test_filters(tiedong_project, haicheng_project, leader, params, expected):
    response = client_for(leader).get(URL, params)
    assert response.status_code == 200
    assert names(response) == expected


def test_filter_by_region_id_category_department_sector(tiedong_project, haicheng_project, leader, haicheng):
    client = client_for(leader)
    assert names(client.get(URL, {"region": haicheng.pk})) == {"海城文旅综合体"}
    assert names(client.get(URL, {"category": Category.objects.get(key="social").pk})) == {"海城文旅综合体"}
    assert names(client.get(URL, {"department": Department.objects.get(key="gxj").pk})) == {"铁东菱镁深加工"}
    assert names(client.get(URL, {"sector": Sector.objects.get(name="菱镁").pk})) == {
        "铁东菱镁深加工",
        "海城文旅综合体",
    }


def test_ordering(tiedong_project, haicheng_project, leader):
    rows = client_for(leader).get(URL, {"ordering": "total_investment"}).json()["results"]
    assert [r["name"] for r in rows] == ["海城文旅综合体", "铁东菱镁深加工"]
    rows = client_for(leader).get(URL, {"ordering": "-total_investment"}).json()["results"]
    assert [r["name"] for r in rows] == ["铁东菱镁深加工", "海城文旅综合体"]


def test_bad_filter_value_is_a_400_naming_the_field(leader):
    response = client_for(leader).get(URL, {"sector": "99999", "min_investment": "lots"})
    assert response.status_code == 400
    assert set(response.json()) == {"sector", "min_investment"}


def _create_payload(region, **extra):
    return {
        "name": "新建钢丝绳项目",
        "region": region.pk,
        "category": Category.objects.get(key="industrial").pk,
        "sector": Sector.objects.get(name="钢丝绳").pk,
        "total_investment": "6000.50",
        "annual_plan": "1200.00",
        "code": "2025-210302-04-01-ZZ0001",
        **extra,
    }


def test_county_user_registers_a_project_in_its_county(county_user, tiedong):
    response = client_for(county_user).post(URL, _create_payload(tiedong), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total_investment"] == "6000.50"
    assert body["key_level"] == "city"
    project = Project.objects.get(pk=body["id"])
    assert project.region == tiedong
    change = StageChange.objects.get(project=project)
    assert change.changed_by == county_user and change.to_stage == Stage.PLANNING


def test_county_user_cannot_register_in_another_county(county_user, haicheng):
    response = client_for(county_user).post(URL, _create_payload(haicheng), format="json")
    assert response.status_code == 400
    assert "region" in response.json()
    assert not Project.objects.filter(name="新建钢丝绳项目").exists()


def test_readers_cannot_register(leader, tiedong):
    assert client_for(leader).post(URL, _create_payload(tiedong), format="json").status_code == 403


def test_validation_errors_are_field_to_messages(admin_user, tiedong):
    payload = _create_payload(tiedong, annual_plan="7000.00", code="not-a-code")
    response = client_for(admin_user).post(URL, payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"code", "annual_plan"}
    assert all(isinstance(messages, list) for messages in errors.values())


def test_model_rule_from_the_service_is_a_400(admin_user, tiedong):
    response = client_for(admin_user).post(URL, _create_payload(tiedong, annual_plan="7000.00"), format="json")
    assert response.status_code == 400
    assert response.json() == {"annual_plan": ["本年计划投资不能大于计划总投资。"]}


def test_duplicate_code_is_a_400(admin_user, tiedong, tiedong_project):
    response = client_for(admin_user).post(URL, _create_payload(tiedong, code=tiedong_project.code), format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_update_through_the_service(county_user, tiedong_project):
    response = client_for(county_user).patch(
        f"{URL}{tiedong_project.pk}/", {"annual_plan": "2500.00", "address": "鞍山市铁东区"}, format="json"
    )
    assert response.status_code == 200, response.json()
    tiedong_project.refresh_from_db()
    assert tiedong_project.annual_plan == Decimal("2500.00")
    assert tiedong_project.address == "鞍山市铁东区"


def test_stage_cannot_be_patched(county_user, tiedong_project):
    response = client_for(county_user).patch(f"{URL}{tiedong_project.pk}/", {"stage": "completed"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()


def test_moving_a_project_out_of_ones_county_is_refused(county_user, tiedong_project, haicheng):
    response = client_for(county_user).patch(f"{URL}{tiedong_project.pk}/", {"region": haicheng.pk}, format="json")
    assert response.status_code == 400
    tiedong_project.refresh_from_db()
    assert tiedong_project.region.key == "tiedong"


def test_other_county_project_is_404_for_read_update_and_stage(other_county_user, tiedong_project):
    client = client_for(other_county_user)
    url = f"{URL}{tiedong_project.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert client.put(url, {"name": "x"}, format="json").status_code == 404
    assert client.post(f"{url}stage/", {"to_stage": "negotiating"}, format="json").status_code == 404
    assert client.get(f"{url}stage/").status_code == 404
    tiedong_project.refresh_from_db()
    assert tiedong_project.name == "铁东菱镁深加工" and tiedong_project.stage == Stage.PLANNING


def test_reader_may_see_but_not_change(leader, tiedong_project):
    client = client_for(leader)
    url = f"{URL}{tiedong_project.pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"name": "x"}, format="json").status_code == 403
    assert client.post(f"{url}stage/", {"to_stage": "negotiating"}, format="json").status_code == 403


def test_stage_change_and_history(county_user, tiedong_project):
    client = client_for(county_user)
    url = f"{URL}{tiedong_project.pk}/stage/"
    response = client.post(url, {"to_stage": "construction", "start_type": "new"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["to_stage"] == "construction"
    tiedong_project.refresh_from_db()
    assert tiedong_project.stage == Stage.CONSTRUCTION
    assert tiedong_project.actual_start == timezone.localdate()
    history = client.get(url).json()
    assert [h["to_stage"] for h in history] == ["construction"]


def test_stage_backwards_needs_a_reason(county_user, tiedong_project):
    client = client_for(county_user)
    url = f"{URL}{tiedong_project.pk}/stage/"
    client.post(url, {"to_stage": "signed"}, format="json")
    response = client.post(url, {"to_stage": "planning"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = client.post(url, {"to_stage": "planning", "reason": "投资方撤回"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_backward"] is True


def test_unknown_id_and_non_numeric_id_are_404(leader):
    client = client_for(leader)
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.get(f"{URL}abc/").status_code == 404


def test_reference_endpoints(county_user):
    client = client_for(county_user)
    regions = client.get("/api/v1/regions/").json()
    assert len(regions) == Region.objects.count() == 10
    assert {"key": "tiedong", "division_code": "210302"}.items() <= regions[0].items()
    assert len(client.get("/api/v1/sectors/").json()) == 24
    assert {d["key"] for d in client.get("/api/v1/departments/").json()} >= {"fgw", "gxj"}
    assert len(client.get("/api/v1/categories/").json()) == 4


def _sheet_rows(response):
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_export_uses_scope_and_filters(tiedong_project, haicheng_project, county_user, leader):
    response = client_for(county_user).get(f"{URL}export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet_rows(response)
    assert rows[0][:2] == ["项目代码", "项目名称"]
    assert [r[1] for r in rows[1:]] == ["铁东菱镁深加工"]
    assert rows[1][10] == 10000  # money stays a number (the one project export's columns)
    # Same filters as the list: a county user filtering on another county gets an empty sheet.
    assert len(_sheet_rows(client_for(county_user).get(f"{URL}export/", {"region": "210381"}))) == 1
    rows = _sheet_rows(client_for(leader).get(f"{URL}export/", {"search": "文旅"}))
    assert [r[1] for r in rows[1:]] == ["海城文旅综合体"]


def test_export_neutralises_formulas(leader):
    ProjectFactory(name='=HYPERLINK("http://x")', investor="+cmd")
    rows = _sheet_rows(client_for(leader).get(f"{URL}export/"))
    assert rows[1][1].startswith("'=") and rows[1][2] == "'+cmd"


def test_export_bad_filter_is_a_json_400(leader):
    response = client_for(leader).get(f"{URL}export/", {"min_investment": "lots"})
    assert response.status_code == 400
    assert "min_investment" in response.json()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client_for(leader).get(f"{URL}export/", {"min_investment": "lots"}, HTTP_ACCEPT=xlsx)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "min_investment" in response.json()


def _bulk_projects(count):
    region = Region.objects.get(key="tiedong")
    category = Category.objects.get(key="industrial")
    sector = Sector.objects.get(name="菱镁")
    department = Department.objects.get(key="gxj")
    Project.objects.bulk_create(
        Project(
            name=f"批量项目{i}",
            region=region,
            category=category,
            sector=sector,
            department=department,
            total_investment=Decimal(1000 + i),
            annual_plan=Decimal(100),
        )
        for i in range(count)
    )


@pytest.mark.parametrize("rows", [50, 500])
def test_list_query_count_is_fixed(county_user, rows, django_assert_max_num_queries):
    _bulk_projects(rows)
    client = client_for(county_user)
    # roles (1) + thresholds (1) + count (1) + page (1), whatever the page size or table size
    with django_assert_max_num_queries(4) as captured:
        response = client.get(URL, {"page_size": rows})
    assert len(response.json()["results"]) == rows
    print(f"list of {rows} rows: {len(captured)} queries")


@pytest.mark.parametrize("rows", [50, 500])
def test_export_query_count_is_fixed(county_user, rows, django_assert_max_num_queries):
    _bulk_projects(rows)
    client = client_for(county_user)
    # + 1 for this year's completion columns (the one project export, projects.exports), at any size
    with django_assert_max_num_queries(5):
        response = client.get(f"{URL}export/", {"region": "tiedong"})
        assert len(_sheet_rows(response)) == rows + 1


def test_list_count_is_a_bare_count_over_projects_and_matches_the_rows(county_user, haicheng):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _bulk_projects(60)
    ProjectFactory(region=haicheng)  # another county: never counted
    client = client_for(county_user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(URL, {"page_size": 25, "ordering": "-total_investment"}).json()
    assert body["count"] == 60 and len(body["results"]) == 25
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1 and "JOIN" not in counts[0]
    assert client.get(URL, {"page_size": 25, "page": 3}).json()["count"] == 60
