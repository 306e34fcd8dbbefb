import datetime
from decimal import Decimal

import pytest

from insights.selectors import summary
from investment.choices import EntryStatus
from investment.models import ProgressEntry
from projects.choices import Stage
from projects.models import Category, Department, Project, Region
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

TODAY = datetime.date(2026, 7, 1)


@pytest.fixture
def data(haicheng):
    tiedong_project = ProjectFactory(total_investment=Decimal("10000"), annual_plan=Decimal("4000"))
    tiedong_built = ProjectFactory(
        total_investment=Decimal("600"),
        annual_plan=Decimal("600"),
        stage=Stage.CONSTRUCTION,
        start_type="new",
        sector=None,
    )
    haicheng_project = ProjectFactory(
        region=haicheng,
        category=Category.objects.get(key="social"),
        department=Department.objects.get(key="fgw"),
        total_investment=Decimal("2000"),
        annual_plan=Decimal("1000"),
    )

    def entry(project, month, amount, status=EntryStatus.VERIFIED, year=2026):
        ProgressEntry.objects.create(
            project=project, period=datetime.date(year, month, 1), amount_completed=Decimal(amount), status=status
        )

    entry(tiedong_project, 1, "1000.00")
    entry(tiedong_project, 2, "500.50")
    entry(tiedong_project, 5, "8888.00", EntryStatus.SUBMITTED)  # reported, not yet verified: not a figure
    entry(tiedong_project, 3, "9999.00", EntryStatus.DRAFT)  # not reported yet
    entry(tiedong_project, 4, "7777.00", EntryStatus.RETURNED)  # rejected
    entry(tiedong_project, 12, "3333.00", year=2025)  # another year
    entry(tiedong_built, 1, "150.00")
    entry(haicheng_project, 1, "250.00")
    return tiedong_project, tiedong_built, haicheng_project


def test_city_wide_figures(data, leader):
    result = summary(user=leader, today=TODAY)
    assert result["year"] == 2026
    assert result["project_count"] == 3
    assert result["total_investment"] == Decimal("12600.00")
    assert result["year_plan"] == Decimal("5600.00")
    assert result["completed_ytd"] == Decimal("1900.50")
    assert result["completion_rate"] == Decimal("0.3394")  # 1900.50 / 5600
    # As of 1 July the figures cover the reporting month, June: time progress at its end, 181 / 365.
    assert result["year_elapsed"] == Decimal("0.4959")
    assert result["as_of"] == datetime.date(2026, 6, 30)


def test_breakdowns(data, leader):
    result = summary(user=leader, today=TODAY)
    by_region = {row["name"]: row for row in result["by_region"]}
    assert set(by_region) == {"铁东区", "海城市"}
    assert by_region["铁东区"]["project_count"] == 2
    assert by_region["铁东区"]["completed_ytd"] == Decimal("1650.50")
    assert by_region["铁东区"]["completion_rate"] == Decimal("0.3588")  # 1650.50 / 4600
    assert by_region["海城市"]["completed_ytd"] == Decimal("250.00")
    stages = [row["id"] for row in result["by_stage"]]
    assert stages == list(Stage.values)  # every stage, in order
    by_stage = {row["id"]: row for row in result["by_stage"]}
    assert by_stage["construction"]["project_count"] == 1
    assert by_stage["construction"]["completed_ytd"] == Decimal("150.00")
    assert by_stage["completed"]["project_count"] == 0 and by_stage["completed"]["completion_rate"] is None
    by_sector = {row["name"]: row for row in result["by_sector"]}
    assert by_sector["未分类"]["project_count"] == 1
    assert by_sector["菱镁"]["project_count"] == 2
    by_category = {row["name"]: row["total_investment"] for row in result["by_category"]}
    assert by_category == {"社会投资类": Decimal("2000.00"), "工业“四改”类": Decimal("10600.00")}


def test_scope_of_a_county_user(data, county_user, other_county_user):
    mine = summary(user=county_user, today=TODAY)
    assert mine["project_count"] == 2
    assert mine["completed_ytd"] == Decimal("1650.50")
    assert [row["name"] for row in mine["by_region"]] == ["铁东区"]
    theirs = summary(user=other_county_user, today=TODAY)
    assert theirs["project_count"] == 1 and theirs["completed_ytd"] == Decimal("250.00")


def test_amended_figure_counts(data, leader):
    entry = ProgressEntry.objects.get(project=data[2], period=datetime.date(2026, 1, 1))
    entry.amended_amount = Decimal("300.00")
    entry.save()
    result = summary(user=leader, today=TODAY)
    assert result["completed_ytd"] == Decimal("1950.50")  # 250 corrected to 300
    assert {r["name"]: r["completed_ytd"] for r in result["by_region"]}["海城市"] == Decimal("300.00")


def test_past_year(data, leader):
    result = summary(user=leader, year=2025, today=TODAY)
    assert result["completed_ytd"] == Decimal("3333.00")
    assert result["as_of"] == datetime.date(2025, 12, 31)


def test_user_without_scope_sees_zeros(data, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-1234-word")
    result = summary(user=nobody, today=TODAY)
    assert result["project_count"] == 0 and result["completion_rate"] is None
    assert result["by_region"] == []


def test_api(data, county_user):
    response = client_for(county_user).get("/api/v1/stats/summary/", {"year": 2026})
    assert response.status_code == 200
    body = response.json()
    assert body["project_count"] == 2
    assert body["completed_ytd"] == "1650.50"
    assert body["total_investment"] == "10600.00"
    assert isinstance(body["by_region"], list) and body["by_region"][0]["name"] == "铁东区"


def test_api_rejects_a_bad_year(county_user):
    response = client_for(county_user).get("/api/v1/stats/summary/", {"year": "abc"})
    assert response.status_code == 400 and "year" in response.json()


def test_api_needs_sign_in():
    assert client_for(None).get("/api/v1/stats/summary/").status_code == 401


@pytest.mark.parametrize("projects", [10, 300])
def test_query_count_is_fixed(leader, projects, django_assert_max_num_queries):
    region = Region.objects.get(key="tiedong")
    category = Category.objects.get(key="urban")
    made = Project.objects.bulk_create(
        Project(name=f"P{i}", region=region, category=category, total_investment=100, annual_plan=10)
        for i in range(projects)
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(project=p, period=datetime.date(2026, 1, 1), amount_completed=1, status=EntryStatus.VERIFIED)
        for p in made
    )
    # roles (1) + totals (2) + two per breakdown (8)
    with django_assert_max_num_queries(11):
        result = summary(user=leader, today=TODAY)
    assert result["completed_ytd"] == Decimal(projects)


def test_one_query_for_all_figures(data, leader, django_assert_num_queries):
    from projects.access import user_roles

    user_roles(leader)
    with django_assert_num_queries(1):
        result = summary(user=leader, today=TODAY)
    assert result["project_count"] == 3
    assert sum(row["project_count"] for row in result["by_region"]) == 3
    assert sum(row["completed_ytd"] for row in result["by_stage"]) == result["completed_ytd"] == Decimal("1900.50")


def test_department_scope_matches_a_per_project_sum(data, django_user_model):
    from projects.access import Action, project_q
    from projects.choices import Role
    from projects.models import RoleAssignment

    user = django_user_model.objects.create_user("fgw")
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT, department=Department.objects.get(key="fgw"))
    result = summary(user=user, today=TODAY)
    visible = Project.objects.filter(project_q(user, Action.VIEW))
    assert result["project_count"] == visible.count() == 1
    assert [row["name"] for row in result["by_region"]] == ["海城市"]
    assert result["completed_ytd"] == Decimal("250.00")
    assert result["by_category"][0]["total_investment"] == Decimal("2000.00")


def test_api_figures_are_cached_per_scope_and_change_with_the_data(data, county_user, other_county_user, leader):
    """The API keeps the summary per scope, year and data version: a county never gets another's
    (or the city's) cached figures, and a newly verified month shows on the next call."""
    from django.core.cache import cache

    cache.clear()
    tiedong_project, _, _ = data
    url = "/api/v1/stats/summary/"

    def completed(user):
        return client_for(user).get(url, {"year": 2026}).json()["completed_ytd"]

    assert completed(leader) == "1900.50"
    assert completed(county_user) == "1650.50"  # 铁东区 only, though the city's figures are cached
    assert completed(other_county_user) == "250.00"  # 海城市 only
    assert completed(county_user) == "1650.50"  # from the cache now
    ProgressEntry.objects.filter(project=tiedong_project, status=EntryStatus.SUBMITTED).update(
        status=EntryStatus.VERIFIED
    )
    assert completed(county_user) == "10538.50"  # + 8,888.00, verified since the figures were cached
    assert completed(leader) == "10788.50"
    assert completed(other_county_user) == "250.00"


def test_a_cached_summary_costs_one_query_for_the_data_version(data, leader, django_assert_num_queries):
    from django.core.cache import cache

    from insights.selectors import summary_cached
    from projects.access import user_roles

    cache.clear()
    user_roles(leader)
    first = summary_cached(user=leader, today=TODAY)
    with django_assert_num_queries(1):
        again = summary_cached(user=leader, today=TODAY)
    assert again == first == summary(user=leader, today=TODAY)
