"""Pages of the organisation registries: list and detail, scoped (outside is 404), bounded queries, zh/en."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from attraction import services
from attraction.choices import OrgLevel, OutreachKind
from projects.choices import Stage
from tests.factories import ProjectFactory

TODAY = datetime.date.today()


@pytest.fixture
def registries(admin_user, tiedong, haicheng):
    made = {}
    for key, region in (("t", tiedong), ("h", haicheng)):
        projects = [ProjectFactory(region=region, stage=Stage.SIGNED) for _ in range(3)]
        made[f"{key}_tf"] = services.task_force_create(user=admin_user, name=f"{region.name}专班", level=OrgLevel.COUNTY,
                                                       region=region, leader="书记", projects=projects)  # fmt: skip
        services.task_force_meeting_add(user=admin_user, task_force=made[f"{key}_tf"], held_on=TODAY, title="推进会")
        made[f"{key}_zone"] = services.zone_create(user=admin_user, name=f"{region.name}开发区", region=region,
                                                   projects=projects[:2])  # fmt: skip
        budget = services.budget_set(user=admin_user, year=TODAY.year, region=region, amount="500")
        event = services.outreach_create(user=admin_user, kind=OutreachKind.TRIP_OUT, name=f"{region.name}外出",
                                         held_on=TODAY, region=region, projects=projects[:1],
                                         participants=[(OrgLevel.COUNTY, region, None, "商务局")])  # fmt: skip
        made[f"{key}_event"] = event
        made[f"{key}_spending"] = services.spending_submit(user=admin_user, budget=budget, spent_on=TODAY, amount="3",
                                                           purpose="trip", description="差旅", event=event)  # fmt: skip
        investor = services.investor_create(user=admin_user, name=f"{region.name}企业", kind="enterprise",
                                            projects=projects)  # fmt: skip
        made[f"{key}_investor"] = investor
        services.visit_add(user=admin_user, investor=investor, visited_on=TODAY, region=region, visitors="局长",
                           outcome="intent", summary="<script>x</script>")  # fmt: skip
        services.phase_link(user=admin_user, project=projects[2], phase_one=projects[0], investor=investor)
    return made


PAGES = [
    ("attraction:task-forces", None), ("attraction:task-force", "t_tf"), ("attraction:zones", None),
    ("attraction:zone", "t_zone"), ("attraction:funds", None), ("attraction:spending", "t_spending"),
    ("attraction:investors", None), ("attraction:investor", "t_investor"), ("attraction:outreach", None),
    ("attraction:outreach-event", "t_event"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "key"), PAGES)
def test_every_page_renders_for_the_county_with_bounded_queries(client, county_user, registries, name, key,
                                                                django_assert_max_num_queries):  # fmt: skip
    client.force_login(county_user)
    url = reverse(name, args=[registries[key].pk] if key else [])
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "海城市专班" not in body and "海城市开发区" not in body and "海城市外出" not in body
    assert "<script>x</script>" not in body  # user text is data


@pytest.mark.parametrize(("name", "key"), [p for p in PAGES if p[1]])
def test_another_countys_row_does_not_exist(client, county_user, registries, name, key):
    client.force_login(county_user)
    other = registries[key.replace("t_", "h_")]
    if key == "t_investor":  # investors are city-wide; their projects are scoped
        response = client.get(reverse(name, args=[other.pk]))
        assert response.status_code == 200 and "测试项目" not in response.content.decode()
        return
    assert client.get(reverse(name, args=[other.pk])).status_code == 404


def test_lists_do_not_grow_queries_with_rows(client, leader, registries, admin_user, tiedong,
                                             django_assert_max_num_queries):  # fmt: skip
    client.force_login(leader)
    for i in range(15):
        services.outreach_create(user=admin_user, kind=OutreachKind.ONLINE, name=f"视频洽谈{i}", held_on=TODAY)
        services.task_force_create(user=admin_user, name=f"市专班{i}", level=OrgLevel.CITY, leader="市长")
    for name in ("attraction:task-forces", "attraction:outreach", "attraction:investors", "attraction:zones",
                 "attraction:funds"):  # fmt: skip
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name)).status_code == 200


def test_the_pages_read_in_english_and_the_navigation_links_them(client, leader, registries):
    client.force_login(leader)
    board = client.get(reverse("attraction:board")).content.decode()
    for name in ("attraction:task-forces", "attraction:zones", "attraction:funds", "attraction:investors",
                 "attraction:outreach"):  # fmt: skip
        assert reverse(name) in board
    client.cookies["django_language"] = "en"
    response = client.get(reverse("attraction:outreach"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Trips out" in body and "Task force" in body


def test_a_reviewer_approves_a_spending_on_its_page(client, county_reviewer, county_user, registries):
    spending = registries["t_spending"]
    client.force_login(county_user)
    assert client.post(reverse("attraction:spending", args=[spending.pk]), {"approve": "1"}).status_code == 404
    client.force_login(county_reviewer)
    response = client.post(reverse("attraction:spending", args=[spending.pk]), {"approve": "1", "note": "同意"})
    assert response.status_code == 302
    spending.refresh_from_db()
    assert spending.status == "approved" and spending.approver_id == county_reviewer.pk
    assert spending.amount == Decimal("3.00")


def test_a_county_user_submits_spending_with_a_voucher_on_the_funds_page(client, county_user, registries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from attraction.models import FundSpending

    client.force_login(county_user)
    page = client.get(reverse("attraction:funds")).content.decode()
    assert 'id="spending-form"' in page and "海城市" not in page
    budget = FundSpending.objects.get(pk=registries["t_spending"].pk).budget
    voucher = SimpleUploadedFile("票据.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(reverse("attraction:funds"), {"budget": budget.pk, "spent_on": TODAY.isoformat(),
                                                         "amount": "8.80", "purpose": "promotion",
                                                         "description": "宣传册", "file": voucher})  # fmt: skip
    assert response.status_code == 302
    spending = FundSpending.objects.get(description="宣传册")
    assert (spending.amount, spending.status, spending.attachments.count()) == (Decimal("8.80"), "submitted", 1)
    other = FundSpending.objects.get(pk=registries["h_spending"].pk).budget
    response = client.post(reverse("attraction:funds"), {"budget": other.pk, "spent_on": TODAY.isoformat(),
                                                         "amount": "1", "purpose": "other", "description": "越权"})  # fmt: skip
    assert response.status_code == 200 and not FundSpending.objects.filter(description="越权").exists()


def test_a_county_user_records_a_visit_and_a_leader_sees_no_form(client, county_user, leader, registries, tiedong):
    from attraction.models import InvestorVisit

    investor = registries["t_investor"]
    url = reverse("attraction:investor", args=[investor.pk])
    client.force_login(leader)
    assert 'id="visit-form"' not in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 404
    client.force_login(county_user)
    response = client.post(url, {"visited_on": TODAY.isoformat(), "region": tiedong.pk, "visitors": "区商务局",
                                 "outcome": "intent", "summary": "了解扩产需求"})  # fmt: skip
    assert response.status_code == 302
    assert InvestorVisit.objects.filter(investor=investor, summary="了解扩产需求", region=tiedong).count() == 1
