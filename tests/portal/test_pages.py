import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from common.periods import year_fraction_elapsed
from investment.choices import EntryStatus, ProblemStatus
from investment.models import Problem, ProgressEntry
from projects.choices import Stage, StartType
from tests.factories import ProjectFactory


def _building(**kwargs):
    kwargs.setdefault("stage", Stage.CONSTRUCTION)
    kwargs.setdefault("start_type", StartType.NEW)
    return ProjectFactory(**kwargs)


def _entry(project, month, amount, status=EntryStatus.VERIFIED, year=None):
    year = year or timezone.localdate().year
    return ProgressEntry.objects.create(
        project=project, period=datetime.date(year, month, 1), amount_completed=Decimal(amount), status=status
    )


def _problem(project, days_old=0, status=ProblemStatus.OPEN):
    problem = Problem.objects.create(
        project=project,
        description="用地指标未落实",
        kind="land",
        responsible_unit="市自然资源局",
        deadline=timezone.localdate(),
        status=status,
    )
    Problem.objects.filter(pk=problem.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_old))
    return problem


def test_home_sends_officials_to_the_dashboard(client, leader):
    client.force_login(leader)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_home_is_the_county_to_do(client, county_user, haicheng, django_assert_max_num_queries):
    due = _building(name="待填报项目")
    done = _building(name="已填报项目")
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    ProgressEntry.objects.create(project=done, period=last_month, amount_completed=1, status=EntryStatus.DRAFT)
    ProgressEntry.objects.create(  # a draft of another month is not this month's to-do
        project=due, period=last_month.replace(year=last_month.year - 1), amount_completed=1,
        status=EntryStatus.DRAFT,
    )  # fmt: skip
    returned = ProgressEntry.objects.create(
        project=_building(name="被退回项目"), period=last_month, amount_completed=1,
        status=EntryStatus.RETURNED, return_reason="金额有误",
    )  # fmt: skip
    _problem(due)
    _building(name="海城的项目", region=haicheng)
    for _ in range(25):
        _building()
    client.force_login(county_user)
    client.get("/")  # the session is now in the cache
    # user, roles, due, drafts, returned, problems, the unread badge: the rows read only the columns
    # the page shows, and nothing more loads per row
    with django_assert_max_num_queries(
        11
    ):  # + the status counts (one query), + the site photos (rule, list), + the warning notices to do
        response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "我的待办" in body
    assert "待填报项目" in body
    assert "海城的项目" not in body
    todo = response.context["todo"]
    assert done not in todo["due"]["rows"]
    assert todo["due"]["more"] is True
    assert [e.pk for e in todo["drafts"]["rows"]] == [done.progress_entries.get().pk]
    assert [e.pk for e in todo["returned"]["rows"]] == [returned.pk]
    assert "金额有误" in body
    assert len(todo["problems"]["rows"]) == 1


def test_reviewer_sees_entries_to_verify(client, county_reviewer, django_assert_max_num_queries):
    project = _building(name="待审核项目")
    filing = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    _entry(project, filing.month, "100", status=EntryStatus.SUBMITTED, year=filing.year)
    client.force_login(county_reviewer)
    client.get("/")
    with django_assert_max_num_queries(12):  # + the status counts, + unreported projects, + notices, + site photos (2)
        response = client.get("/")
    assert [e.project.name for e in response.context["todo"]["to_verify"]["rows"]] == ["待审核项目"]
    assert "待审核项目" in response.content.decode()


def _dashboard_data(rows):
    today = timezone.localdate()
    for i in range(rows):
        project = _building(
            total_investment=Decimal("60000"),
            annual_plan=Decimal("12000"),
            start_type=StartType.RESUMED,
            actual_start=today.replace(month=1, day=10),  # 开复工: started this year
        )
        _entry(project, 1, "100")
        _entry(project, 1, "50", year=today.year - 1)
        _problem(project, days_old=i * 20)
    ProjectFactory(stage=Stage.SIGNED, total_investment=Decimal("7000"), annual_plan=0)


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_query_count_does_not_grow(client, leader, rows, django_assert_max_num_queries):
    _dashboard_data(rows)
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        response = client.get("/dashboard/")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["started_count"] == rows
    assert figures["started_total"] == Decimal("60000") * rows
    assert figures["signed_count"] == 1
    assert figures["ytd"] == Decimal("100") * rows
    assert sum(b["count"] for b in response.context["problems"]) == rows


def test_dashboard_figures_link_to_their_lists(client, leader):
    _dashboard_data(2)
    client.force_login(leader)
    response = client.get("/dashboard/")
    body = response.content.decode()
    started = response.context["links"]["started"]
    assert started in body.replace("&amp;", "&")
    listed = client.get(started).context["page"].paginator.count
    assert listed == response.context["figures"]["started_count"]
    region = response.context["by_region"][0]
    assert region["name"] == "铁东区"
    assert client.get(region["url"]).context["page"].paginator.count == 2
    assert 'id="dashboard-data"' in body
    assert "<script>" not in body  # CSP: data only, code in static files


def test_dashboard_counts_only_verified_entries_and_ranks_counties(client, leader, haicheng):
    tiedong_project = _building(annual_plan=Decimal("1000"))
    haicheng_project = _building(region=haicheng, annual_plan=Decimal("1000"))
    _entry(tiedong_project, 1, "100")
    _entry(haicheng_project, 1, "500")
    _entry(haicheng_project, 2, "400", status=EntryStatus.SUBMITTED)
    client.force_login(leader)
    response = client.get("/dashboard/")
    ranking = response.context["by_region"]
    assert [r["name"] for r in ranking[:2]] == ["海城市", "铁东区"]
    assert ranking[0]["done"] == Decimal("500")
    assert ranking[0]["rate"] == Decimal("0.5000")
    assert response.context["figures"]["ytd"] == Decimal("600")


def test_dashboard_is_scoped_for_a_county_user(client, county_user, haicheng):
    _building(region=haicheng, total_investment=Decimal("90000"), annual_plan=Decimal("100"))
    client.force_login(county_user)
    response = client.get("/dashboard/")
    assert response.context["figures"]["started_count"] == 0


def test_lagging_projects_trail_the_share_of_the_year(client, leader, django_assert_max_num_queries):
    behind = _building(name="滞后项目", annual_plan=Decimal("9000"))
    ahead = _building(name="超前项目", annual_plan=Decimal("10"))
    _entry(ahead, 1, "10")
    for _ in range(20):
        _building(annual_plan=Decimal("100"))
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        response = client.get("/dashboard/lagging/")
    names = [p.name for p in response.context["page"]]
    assert names[0] == "滞后项目"
    assert "超前项目" not in names
    assert behind.name in client.get("/dashboard/").content.decode()


def test_project_investment_json_is_cumulative_and_scoped(client, county_user, other_county_user):
    project = _building(annual_plan=Decimal("1200"))
    _entry(project, 1, "100")
    _entry(project, 2, "50", status=EntryStatus.DRAFT)
    client.force_login(county_user)
    data = client.get(f"/dashboard/projects/{project.pk}/investment.json").json()
    # The plan line is time progress (no monthly plan: the share of the year elapsed) x the year plan.
    january = Decimal("1200") * year_fraction_elapsed(datetime.date(timezone.localdate().year, 1, 31))
    assert data["plan"][0] == str(january.quantize(Decimal("0.01")))
    assert data["plan"][11] == "1200.00"
    assert data["done"][0] == "100.00"
    if len(data["done"]) > 1:
        assert data["done"][1] == "100.00"  # drafts do not count
    client.force_login(other_county_user)
    assert client.get(f"/dashboard/projects/{project.pk}/investment.json").status_code == 404


def test_navigation_shows_built_areas_and_admin_only_to_staff(client, leader, admin_user):
    client.force_login(leader)
    body = client.get("/dashboard/").content.decode()
    assert 'href="/projects/"' in body
    assert 'href="/admin/"' not in body
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert 'href="/admin/"' in client.get("/dashboard/").content.decode()


def test_dashboard_shows_capital_in_place_and_its_year_on_year_change(client, leader):
    from attraction.models import CapitalInPlace

    project = _building()
    today = timezone.localdate()
    CapitalInPlace.objects.create(project=project, month=today.replace(day=1), amount=Decimal("1300"))
    CapitalInPlace.objects.create(
        project=project, month=today.replace(day=1, year=today.year - 1), amount=Decimal("1000")
    )
    client.force_login(leader)
    response = client.get("/dashboard/")
    capital = response.context["capital"]
    assert capital["ytd"] == Decimal("1300")
    assert capital["yoy"] == Decimal("0.3")
    assert 'href="/attraction/capital/"' in response.content.decode()


def test_problem_age_buckets_link_to_their_problems(client, leader, other_county_user, django_assert_max_num_queries):
    project = _building(name="问题项目")
    _problem(project, days_old=5)
    _problem(project, days_old=45)
    _problem(project, days_old=200)
    _problem(project, days_old=200, status=ProblemStatus.SOLVED)
    client.force_login(leader)
    buckets = client.get("/dashboard/").context["problems"]
    assert [b["count"] for b in buckets] == [1, 1, 0, 1]
    with django_assert_max_num_queries(10):
        response = client.get(buckets[1]["url"])
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    assert len(client.get(buckets[3]["url"]).context["page"]) == 1
    assert len(client.get("/dashboard/problems/").context["page"]) == 3
    client.force_login(other_county_user)
    assert len(client.get("/dashboard/problems/").context["page"]) == 0


def test_dashboard_shows_recent_site_photos_in_scope(client, county_user, haicheng):
    from investment.models import SitePhoto

    mine, theirs = _building(name="铁东照片项目"), _building(name="海城照片项目", region=haicheng)
    for project in (mine, theirs):
        SitePhoto.objects.create(
            project=project, file="photos/x.jpg", thumbnail="photos/x-thumb.jpg", content_type="image/jpeg",
            size=100, caption="主体结构封顶", taken_on=timezone.localdate(),
        )  # fmt: skip
    client.force_login(county_user)
    response = client.get("/dashboard/")
    assert [p.project.name for p in response.context["photos"]] == ["铁东照片项目"]
    assert "/progress/photos/" in response.content.decode()


def test_a_report_manager_lands_on_the_report_centre(client):
    from tests.factories import Role, user_with_role

    client.force_login(user_with_role("manager", Role.REPORT_MANAGER))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dispatch/reports/"


def test_project_investment_json_query_count(client, leader, django_assert_max_num_queries):
    project = _building(annual_plan=Decimal("1200"))
    for month in range(1, timezone.localdate().month + 1):
        _entry(project, month, "10")
    client.force_login(leader)
    with django_assert_max_num_queries(6):
        response = client.get(f"/dashboard/projects/{project.pk}/investment.json")
    assert response.json()["done"][-1] == f"{10 * timezone.localdate().month}.00"


def test_dashboard_in_english(client, leader):
    _building()
    client.force_login(leader)
    client.cookies["django_language"] = "en"
    response = client.get("/dashboard/")
    body = response.content.decode()
    assert "City key-project dashboard" in body
    assert "Completion by county (ranking)" in body
    assert response.context["chart_data"]["labels"]["months"][0] == "Jan"


def test_dashboard_figures_are_cached_per_scope_until_the_data_changes(
    client, leader, county_user, haicheng, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    project = _building(region=haicheng, annual_plan=Decimal("1000"))
    _entry(project, 1, "100")
    client.force_login(leader)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("100")
    # Another user with the same scope reuses the figures: only the session, the user, the roles and the
    # data version are read, not the eleven aggregates.
    with django_assert_max_num_queries(6):
        response = client.get("/dashboard/")
    assert response.context["figures"]["ytd"] == Decimal("100")
    assert response.context["by_region"][0]["url"].startswith("/projects/?")
    # A newly verified entry changes the data version: the next request recomputes.
    entry = _entry(project, 2, "50", status=EntryStatus.SUBMITTED)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("100")
    ProgressEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.VERIFIED)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("150")
    # A county user (a different scope) never gets the city's cached figures.
    client.force_login(county_user)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("0")


def test_breakdowns_in_one_query_per_field_add_up_as_one_field_at_a_time(leader, haicheng, django_assert_num_queries):
    from portal.selectors import completion_breakdowns, completion_by
    from projects.access import user_roles

    a = _building(annual_plan=Decimal("1000"))
    b = _building(region=haicheng, annual_plan=Decimal("300"), sector=None)
    c = _building(region=haicheng, annual_plan=Decimal("200"))
    signed = ProjectFactory(
        stage=Stage.SIGNED, annual_plan=Decimal("50")
    )  # its plan counts too (统计口径: every stage)
    _entry(a, 1, "100")
    _entry(b, 1, "30")
    _entry(c, 2, "20")
    _entry(c, 3, "999", status=EntryStatus.SUBMITTED)
    user_roles(leader)
    with django_assert_num_queries(2):
        together = completion_breakdowns(user=leader)
    for field in ("region", "sector", "category"):
        assert together[field] == completion_by(user=leader, field=field)
    by_region = {row["name"]: row for row in together["region"]}
    assert by_region["海城市"]["plan"] == Decimal("500") and by_region["海城市"]["done"] == Decimal("50")
    assert by_region["海城市"]["count"] == 2 and by_region["海城市"]["rate"] == Decimal("0.1000")
    by_region_id = {row["id"]: row for row in together["region"]}
    assert by_region_id[a.region_id]["plan"] == Decimal("1000") + (
        signed.annual_plan if signed.region_id == a.region_id else 0
    )
    # the project without a sector is left out; the signed project's counts
    assert sum(row["count"] for row in together["sector"]) == 2 + (signed.sector_id is not None)


def test_dashboard_figures_cached_by_one_worker_never_reach_another_county(
    client, county_user, other_county_user, haicheng
):
    """The cache is shared by every worker: its key holds the scope, so each county gets its own."""
    from django.core.cache import cache

    cache.clear()
    _entry(_building(annual_plan=Decimal("1000")), 1, "100")  # 铁东区
    _entry(_building(region=haicheng, annual_plan=Decimal("1000")), 1, "7")
    client.force_login(county_user)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("100")
    client.force_login(other_county_user)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("7")
    client.force_login(county_user)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("100")


def test_while_one_request_computes_the_figures_the_others_see_the_last_ones(
    client, leader, django_assert_max_num_queries
):
    """A million projects take seconds to sum: one request per scope computes, the rest are not
    queued behind it (nor all computing at once) but shown the scope's last figures, marked as such."""
    from django.core.cache import cache

    from portal.selectors import dashboard_scope

    cache.clear()
    project = _building(annual_plan=Decimal("1000"))
    _entry(project, 1, "100")
    client.force_login(leader)
    assert client.get("/dashboard/").context["figures"]["ytd"] == Decimal("100")
    _entry(project, 2, "50")  # new data: the figures must be computed again...
    scope = dashboard_scope(leader)
    assert cache.add(f"{scope}:computing", 1, 60)  # ...but another request is already doing it
    with django_assert_max_num_queries(6):  # session, user, roles, data version: none of the aggregates
        response = client.get("/dashboard/")
    assert response.context["figures"]["ytd"] == Decimal("100")
    assert "数据正在更新" in response.content.decode()
    cache.delete(f"{scope}:computing")  # that request finished (or its lock expired)
    response = client.get("/dashboard/")
    assert response.context["figures"]["ytd"] == Decimal("150")
    assert "数据正在更新" not in response.content.decode()
    assert cache.get(f"{scope}:computing") is None  # the lock is given back after computing


def test_with_no_earlier_figures_a_request_computes_them_even_while_another_does(client, leader):
    import hashlib

    from django.core.cache import cache

    from portal.selectors import scope_signature

    cache.clear()
    _entry(_building(annual_plan=Decimal("1000")), 1, "100")
    scope = "portal:dashboard:" + hashlib.sha256(scope_signature(leader).encode()).hexdigest()
    cache.add(f"{scope}:computing", 1, 60)
    client.force_login(leader)
    response = client.get("/dashboard/")
    assert response.context["figures"]["ytd"] == Decimal("100")
    assert cache.get(f"{scope}:computing") == 1  # not ours: left for its holder
