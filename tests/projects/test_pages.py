import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from investment.models import Problem, ProgressEntry
from projects.choices import Stage, StartType
from projects.models import Project, StageChange
from tests.factories import ProjectFactory


def test_project_page_is_404_outside_scope(client, county_user, haicheng):
    theirs = ProjectFactory(region=haicheng)
    client.force_login(county_user)
    assert client.get(f"/projects/{theirs.pk}/").status_code == 404
    mine = ProjectFactory()
    response = client.get(f"/projects/{mine.pk}/")
    assert response.status_code == 200
    assert mine.name in response.content.decode()


def test_pages_need_sign_in(client):
    response = client.get("/projects/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_admin_project_list_renders_for_an_administrator(client, admin_user, django_assert_max_num_queries):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    ProjectFactory.create_batch(20)
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get("/admin/projects/project/")
    assert response.status_code == 200
    assert "测试项目" in response.content.decode()


def test_language_switch_offers_english(client, county_user):
    client.force_login(county_user)
    response = client.get("/projects/")
    assert 'value="en"' in response.content.decode()


def test_english_is_available(client, county_user):
    ProjectFactory()
    client.force_login(county_user)
    client.cookies["django_language"] = "en"
    body = client.get("/projects/").content.decode()
    assert "Project name" in body
    assert "Export" in body
    client.cookies["django_language"] = "zh-hans"
    assert "项目名称" in client.get("/projects/").content.decode()


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 60])
def test_list_query_count_does_not_grow_with_rows(client, leader, rows, django_assert_max_num_queries):
    ProjectFactory.create_batch(rows)
    client.force_login(leader)
    with django_assert_max_num_queries(14):
        response = client.get("/projects/?region=tiedong&stage=planning&ordering=-total_investment")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows


def test_list_shows_only_the_users_county(client, county_user, haicheng):
    ProjectFactory(name="铁东的项目")
    ProjectFactory(name="海城的项目", region=haicheng)
    client.force_login(county_user)
    body = client.get("/projects/").content.decode()
    assert "铁东的项目" in body
    assert "海城的项目" not in body


def test_list_filters_search_and_sorts(client, leader, haicheng):
    ProjectFactory(name="小项目", total_investment=Decimal("100"), annual_plan=Decimal("10"))
    ProjectFactory(name="大项目", total_investment=Decimal("90000"), annual_plan=Decimal("10"))
    ProjectFactory(
        name="海城钢丝绳项目", region=haicheng, stage=Stage.SIGNED, total_investment=Decimal("800"), annual_plan=0
    )
    client.force_login(leader)
    names = [p.name for p in client.get("/projects/?ordering=total_investment").context["page"]]
    assert names.index("小项目") < names.index("大项目")
    names = [p.name for p in client.get("/projects/?ordering=-total_investment").context["page"]]
    assert names.index("大项目") < names.index("小项目")
    assert [p.name for p in client.get("/projects/?region=haicheng").context["page"]] == ["海城钢丝绳项目"]
    assert [p.name for p in client.get("/projects/?search=钢丝绳").context["page"]] == ["海城钢丝绳项目"]
    assert [p.name for p in client.get("/projects/?stage=signed").context["page"]] == ["海城钢丝绳项目"]
    assert [p.name for p in client.get("/projects/?min_investment=50000").context["page"]] == ["大项目"]
    assert [p.name for p in client.get("/projects/?key_level=city").context["page"]] == ["大项目"]


def test_list_filters_by_start_type(client, leader):
    ProjectFactory(name="新开工", stage=Stage.CONSTRUCTION, start_type=StartType.NEW)
    ProjectFactory(name="续建", stage=Stage.CONSTRUCTION, start_type=StartType.CONTINUING)
    client.force_login(leader)
    page = client.get("/projects/?start_type=new&start_type=resumed").context["page"]
    assert [p.name for p in page] == ["新开工"]


def test_list_paginates_and_keeps_filters_in_page_links(client, leader):
    ProjectFactory.create_batch(55)
    client.force_login(leader)
    response = client.get("/projects/?region=tiedong")
    body = response.content.decode()
    assert len(response.context["page"]) == 50
    assert "?region=tiedong&amp;page=2" in body
    assert len(client.get("/projects/?region=tiedong&page=2").context["page"]) == 5


def test_export_holds_exactly_the_filtered_rows_in_order(client, leader, haicheng, django_assert_max_num_queries):
    ProjectFactory(name="=HYPERLINK(1)", total_investment=Decimal("200"), annual_plan=0)
    ProjectFactory(name="乙项目", total_investment=Decimal("300"), annual_plan=0)
    ProjectFactory(name="海城项目", region=haicheng)
    ProjectFactory.create_batch(30, region=haicheng)
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        response = client.get("/projects/export.xlsx?region=tiedong&ordering=total_investment")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][1] == "项目名称"
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)", "乙项目"]
    assert rows[2][10] == 300


def test_export_is_scoped_to_the_user(client, county_user, haicheng):
    ProjectFactory(name="海城项目", region=haicheng)
    ProjectFactory(name="铁东项目")
    client.force_login(county_user)
    response = client.get("/projects/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert [r[1] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["铁东项目"]


# --- detail, stage change, edit -------------------------------------------------------------


def _fill(project, numbers, *, author):
    """``rows`` of everything the project page shows: stage changes, entries with amendments, problems,
    photos with comments, funding, procedure items (under a template's schedule), service tasks."""
    from assistance.models import ServiceKind, ServiceTask
    from assistance.services import kinds_load_defaults
    from investment.choices import FundingKind
    from investment.models import FundingSource, PhotoComment, ProgressAmendment, SitePhoto
    from projects.models import Department

    kinds_load_defaults()  # a transactional test elsewhere may have flushed the data migration's rows
    for i in numbers:
        StageChange.objects.create(
            project=project, to_stage=Stage.PLANNING, changed_on=datetime.date(2024, 1, 1 + i), changed_by=author,
            reason=f"原因{i}",
        )  # fmt: skip
        entry = ProgressEntry.objects.create(
            project=project, period=datetime.date(2024 + i // 12, i % 12 + 1, 1), amount_completed=Decimal("10")
        )
        ProgressAmendment.objects.create(entry=entry, old_amount=Decimal("10"), new_amount=Decimal("12"),
                                         reason=f"修正{i}", created_by=author)  # fmt: skip
        Problem.objects.create(
            project=project, description=f"问题{i}", kind="land", responsible_unit="市自然资源局",
            deadline=datetime.date(2026, 1, 1),
        )  # fmt: skip
        photo = SitePhoto.objects.create(project=project, file=f"photos/p{project.pk}-{i}.jpg",
                                         content_type="image/jpeg", size=10, caption=f"照片{i}", uploaded_by=author,
                                         taken_on=datetime.date(2026, 10, 1 + i))  # fmt: skip
        PhotoComment.objects.create(photo=photo, author=author, text=f"批示{i}")
        funding_kinds = [k for k, _label in FundingKind.choices]  # one row per kind
        FundingSource.objects.get_or_create(project=project, kind=funding_kinds[i % len(funding_kinds)])
        ServiceTask.objects.create(
            project=project, kind=ServiceKind.objects.get(key="drawing_review"), request_text=f"帮办{i}",
            owner_unit=Department.objects.get(key="zjj"), requested_on=datetime.date(2026, 10, 1), deadline_days=5,
            deadline=datetime.date(2026, 10, 12), created_by=author,
        )  # fmt: skip


@pytest.mark.parametrize("role", ["leader", "county_user", "steward"])
def test_detail_page_in_at_most_eight_queries_whatever_the_rows(client, role, request, django_assert_max_num_queries):
    """The project page (issue 23: at most 8 queries, constant), as each role that sees it, from a cold
    audit cache (its two queries included), with a procedure schedule, 2 then 14 rows of every kind."""
    from django.core.cache import cache

    from projects.choices import Role
    from tests.factories import user_with_role
    from tests.procedures.helpers import project_with

    admin = user_with_role("page_admin", Role.ADMIN)
    steward = user_with_role("page_steward", Role.STEWARD)
    user = steward if role == "steward" else request.getfixturevalue(role)
    project = project_with([("立项", 5, [], "fgw"), ("规划许可", 10, ["立项"], "zrzyj")], user=admin, steward=steward)
    counts = []
    for numbers in (range(2), range(2, 14)):
        _fill(project, numbers, author=admin)
        rows = numbers.stop
        cache.clear()
        client.force_login(user)
        with django_assert_max_num_queries(8) as captured:
            response = client.get(f"/projects/{project.pk}/")
        counts.append(len(captured))
        assert response.status_code == 200
        body = response.content.decode()
        assert f"问题{rows - 1}" in body and "规划许可" in body
        assert f"全部 {rows} 项" in body
        assert f"原因{rows - 1}" in body and f"批示{0}" in body and f"修正{rows - 1}" in body
        assert f"/dashboard/projects/{project.pk}/investment.json" in body
        assert ("变更阶段" in body) == (role == "county_user")  # the county changes, the others read
    assert counts[0] == counts[1]  # more rows, not more queries


def test_county_user_changes_stage_from_the_page(client, county_user):
    project = ProjectFactory(stage=Stage.LANDED)
    client.force_login(county_user)
    assert "变更阶段" in client.get(f"/projects/{project.pk}/").content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/projects/{project.pk}/stage/", {"to_stage": "construction", "start_type": "new", "changed_on": today}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    assert project.actual_start == timezone.localdate()
    assert "阶段已变更" in client.get(f"/projects/{project.pk}/").content.decode()


def test_stage_change_errors_are_shown_next_to_the_field(client, county_user):
    project = ProjectFactory(stage=Stage.SIGNED)
    client.force_login(county_user)
    today = timezone.localdate().isoformat()
    response = client.post(f"/projects/{project.pk}/stage/", {"to_stage": "planning", "changed_on": today})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_reason_error"' in body
    assert "必须说明原因" in body
    assert 'aria-invalid="true"' in body
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_stage_change_is_404_for_readers_and_other_counties(client, leader, other_county_user):
    project = ProjectFactory(stage=Stage.SIGNED)
    data = {"to_stage": "landed", "changed_on": timezone.localdate().isoformat()}
    for user in (leader, other_county_user):
        client.force_login(user)
        assert client.post(f"/projects/{project.pk}/stage/", data).status_code == 404
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def _form_data(project, **changes):
    data = {
        "code": project.code or "",
        "name": project.name,
        "investor": project.investor,
        "description": project.description,
        "region": project.region_id,
        "sector": project.sector_id or "",
        "category": project.category_id,
        "department": project.department_id or "",
        "total_investment": project.total_investment,
        "annual_plan": project.annual_plan,
        "planned_start": "",
        "planned_completion": "",
        "address": "",
        "longitude": "",
        "latitude": "",
    }
    data.update(changes)
    return data


def test_county_user_edits_project_facts(client, county_user, django_assert_max_num_queries):
    project = ProjectFactory()
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        assert client.get(f"/projects/{project.pk}/edit/").status_code == 200
    response = client.post(f"/projects/{project.pk}/edit/", _form_data(project, name="改名后的项目"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "改名后的项目"
    assert project.events.count() >= 2  # audit trail


def test_edit_shows_model_errors_next_to_fields(client, county_user):
    project = ProjectFactory()
    client.force_login(county_user)
    response = client.post(f"/projects/{project.pk}/edit/", _form_data(project, annual_plan="20000", code="bad-code"))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_annual_plan_error"' in body
    assert "本年计划投资不能大于计划总投资" in body
    assert Project.objects.get(pk=project.pk).annual_plan == Decimal("3000.00")


def test_edit_cannot_move_a_project_out_of_scope(client, county_user, haicheng):
    project = ProjectFactory()
    client.force_login(county_user)
    response = client.post(f"/projects/{project.pk}/edit/", _form_data(project, region=haicheng.pk))
    assert response.status_code == 400
    assert Project.objects.get(pk=project.pk).region.key == "tiedong"


def test_edit_is_404_for_a_leader(client, leader):
    project = ProjectFactory()
    client.force_login(leader)
    assert client.get(f"/projects/{project.pk}/edit/").status_code == 404


def test_htmx_filter_returns_only_the_results(client, leader):
    ProjectFactory(name="甲项目")
    client.force_login(leader)
    response = client.get("/projects/?search=甲&ordering=name", headers={"HX-Request": "true", "HX-Target": "results"})
    body = response.content.decode()
    assert "甲项目" in body
    assert "<html" not in body
    assert 'id="f-ordering" value="name" hx-swap-oob="true"' in body
    assert "/projects/export.xlsx?search=" in body
    full = client.get("/projects/?search=甲").content.decode()
    assert "<html" in full
    assert "django_htmx/htmx-2.min.js" in full


def test_project_page_shows_days_gained_or_lost_against_the_planned_start(client, leader):
    early = ProjectFactory(
        stage=Stage.CONSTRUCTION, start_type=StartType.NEW,
        planned_start=datetime.date(2026, 3, 1), actual_start=datetime.date(2026, 1, 1),
    )  # fmt: skip
    late = ProjectFactory(
        stage=Stage.CONSTRUCTION, start_type=StartType.NEW,
        planned_start=datetime.date(2026, 1, 1), actual_start=datetime.date(2026, 1, 11),
    )  # fmt: skip
    client.force_login(leader)
    assert "提前 59 天" in client.get(f"/projects/{early.pk}/").content.decode()
    assert "推迟 10 天" in client.get(f"/projects/{late.pk}/").content.decode()


def test_list_page_in_six_queries_whatever_the_rows(client, leader, django_assert_max_num_queries):
    """user, roles, the page count, the unread badge, the filter choices (one query for the four
    lists), the rows (key level computed inside the query)."""
    ProjectFactory.create_batch(60)
    client.force_login(leader)
    client.get("/projects/")  # the session is now in the cache
    with django_assert_max_num_queries(6):
        response = client.get("/projects/?page=2")
    assert response.status_code == 200
    assert len(response.context["page"]) == 10


def test_list_rows_and_filter_choices_render_as_before(client, leader, haicheng):
    from projects.models import Sector

    sector = Sector.objects.order_by("-id").first()
    big = ProjectFactory(name="市重点<项目>", region=haicheng, sector=sector, total_investment=Decimal("123456.5"),
                         annual_plan=Decimal("1000"), stage=Stage.CONSTRUCTION, planned_start=datetime.date(2026, 3, 9))  # fmt: skip
    ProjectFactory(name="小项目", sector=None, total_investment=Decimal("100"), annual_plan=Decimal("10"))
    client.force_login(leader)
    body = client.get(f"/projects/?region=haicheng&sector={sector.pk}&stage=construction").content.decode()
    assert f'<a href="/projects/{big.pk}/">市重点&lt;项目&gt;</a> <span class="tag">市重点</span>' in body
    assert '<td class="num">123,456.50</td><td class="num hide-sm">1,000.00</td>' in body
    assert '<td class="hide-sm">2026-03-09</td>' in body
    assert '<span class="stage stage-construction">在建</span>' in body
    assert '<option value="haicheng" selected>' in body
    assert f'<option value="{sector.pk}" selected>{sector.name}</option>' in body
    assert 'value="construction" checked>' in body
    assert "小项目" not in body
    body = client.get("/projects/?search=小项目").content.decode()
    assert '<td class="hide-sm">—</td>' in body  # no sector, no planned start
    assert "tag" not in body.split(">小项目</a>")[1].split("</td>")[0]  # under the key thresholds


def test_filter_choices_keep_each_lists_own_order():
    from projects import selectors

    choices = selectors.filter_choices(user=None)
    assert [pk for pk, _k, _n in choices["region"]] == [r.pk for r in selectors.regions_visible(user=None)]
    assert [pk for pk, _k, _n in choices["sector"]] == [s.pk for s in selectors.sectors_all()]
    assert [pk for pk, _k, _n in choices["category"]] == [c.pk for c in selectors.categories_all()]
    assert [pk for pk, _k, _n in choices["department"]] == [d.pk for d in selectors.departments_all()]
