"""The organisation of attraction: task forces, zones, funds, investors and outreach. Access (a county sees
its own, city roles all, outside is 404), the phase-2 link in the figures and spending against budget,
each figure against SQL written here."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404

from attraction import selectors, services
from attraction.choices import OrgLevel, OutreachKind, SpendingStatus, VisitOutcome
from attraction.models import CapitalInPlace
from projects.choices import Stage
from tests.factories import ProjectFactory

TODAY = datetime.date.today()
YEAR = TODAY.year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture
def org(admin_user, tiedong, haicheng):
    """A city and two county task forces, a zone per county, budgets of the city and both counties."""
    p_lead = ProjectFactory(region=tiedong, stage=Stage.NEGOTIATING, total_investment=Decimal("8000"))
    p_signed = ProjectFactory(region=tiedong, stage=Stage.SIGNED, total_investment=Decimal("12000"))
    p_built = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, total_investment=Decimal("30000"))
    h_landed = ProjectFactory(region=haicheng, stage=Stage.LANDED, total_investment=Decimal("20000"))
    city_tf = services.task_force_create(user=admin_user, name="市招商专班", level=OrgLevel.CITY, leader="市长",
                                         projects=[p_lead, p_signed, p_built, h_landed])  # fmt: skip
    t_tf = services.task_force_create(user=admin_user, name="铁东区专班", level=OrgLevel.COUNTY, region=tiedong,
                                      leader="区委书记", projects=[p_lead, p_signed, p_built])  # fmt: skip
    h_tf = services.task_force_create(user=admin_user, name="海城市专班", level=OrgLevel.COUNTY, region=haicheng,
                                      leader="市委书记", projects=[h_landed])  # fmt: skip
    for project, month, amount in [(p_signed, 1, "100.10"), (p_built, 2, "200"), (p_built, 3, "50.05"),
                                   (h_landed, 2, "70")]:  # fmt: skip
        CapitalInPlace.objects.create(project=project, month=datetime.date(YEAR, month, 1), amount=Decimal(amount))
    CapitalInPlace.objects.create(project=p_built, month=datetime.date(YEAR - 1, 5, 1), amount=Decimal("999"))
    t_zone = services.zone_create(user=admin_user, name="铁东经济开发区", region=tiedong, operator="铁东开发公司",
                                  leading_industries="装备制造", projects=[p_signed, p_built])  # fmt: skip
    h_zone = services.zone_create(user=admin_user, name="海城经济开发区", region=haicheng, projects=[h_landed])
    budgets = {
        "city": services.budget_set(user=admin_user, year=YEAR, amount="6000"),
        "tiedong": services.budget_set(user=admin_user, year=YEAR, region=tiedong, amount="2500"),
        "haicheng": services.budget_set(user=admin_user, year=YEAR, region=haicheng, amount="1500"),
    }
    return {"projects": (p_lead, p_signed, p_built, h_landed), "tf": (city_tf, t_tf, h_tf), "zones": (t_zone, h_zone),
            "budgets": budgets}  # fmt: skip


def test_a_county_sees_its_own_task_forces_zones_and_budgets(org, county_user, other_county_user, leader):
    city_tf, _t_tf, h_tf = org["tf"]
    assert [tf.name for tf in selectors.task_force_list(user=county_user)] == ["铁东区专班"]
    assert [tf.name for tf in selectors.task_force_list(user=other_county_user)] == ["海城市专班"]
    assert {tf.name for tf in selectors.task_force_list(user=leader)} == {"市招商专班", "铁东区专班", "海城市专班"}
    assert [z.name for z in selectors.zone_list(user=county_user)] == ["铁东经济开发区"]
    assert len(selectors.zone_list(user=leader)) == 2
    assert [b.region_id for b in selectors.budget_list(user=county_user, year=YEAR)] == [
        org["budgets"]["tiedong"].region_id
    ]
    assert len(selectors.budget_list(user=leader, year=YEAR)) == 3
    with pytest.raises(Http404):
        selectors.task_force_get(user=county_user, pk=h_tf.pk)
    with pytest.raises(Http404):
        selectors.task_force_get(user=county_user, pk=city_tf.pk)
    with pytest.raises(Http404):
        selectors.zone_get(user=county_user, pk=org["zones"][1].pk)


def test_task_force_figures_against_sql(org, leader, county_user):
    _, t_tf, _ = org["tf"]
    got = {tf.pk: (tf.leads, tf.signed, tf.landed, tf.capital) for tf in selectors.task_force_list(user=leader)}
    expected = sql(
        """
        SELECT tf.id,
               COUNT(DISTINCT p.id) FILTER (WHERE p.stage IN ('planning', 'negotiating')),
               COUNT(DISTINCT p.id) FILTER (WHERE p.stage IN ('signed', 'landed', 'construction', 'completed', 'operating')),
               COUNT(DISTINCT p.id) FILTER (WHERE p.stage IN ('landed', 'construction', 'completed', 'operating')),
               COALESCE((SELECT SUM(c.amount) FROM attraction_capitalinplace c
                          JOIN attraction_taskforce_projects l ON l.project_id = c.project_id
                         WHERE l.taskforce_id = tf.id AND c.month >= %s AND c.month < %s), 0)
          FROM attraction_taskforce tf
          LEFT JOIN attraction_taskforce_projects tp ON tp.taskforce_id = tf.id
          LEFT JOIN projects_project p ON p.id = tp.project_id
         GROUP BY tf.id
        """,
        [datetime.date(YEAR, 1, 1), datetime.date(YEAR + 1, 1, 1)],
    )
    assert got == {row[0]: tuple(row[1:]) for row in expected}
    assert got[t_tf.pk] == (1, 2, 1, Decimal("350.15"))
    # A county's own task force: the same figures for its staff (its projects are all in the county).
    assert selectors.task_force_get(user=county_user, pk=t_tf.pk).capital == Decimal("350.15")


def test_zone_figures_against_sql(org, leader):
    got = {z.pk: (z.project_count, z.investment, z.capital) for z in selectors.zone_list(user=leader)}
    expected = sql(
        """
        SELECT z.id, COUNT(zp.project_id), COALESCE(SUM(p.total_investment), 0),
               COALESCE((SELECT SUM(c.amount) FROM attraction_capitalinplace c
                          JOIN attraction_developmentzone_projects l ON l.project_id = c.project_id
                         WHERE l.developmentzone_id = z.id AND c.month >= %s), 0)
          FROM attraction_developmentzone z
          LEFT JOIN attraction_developmentzone_projects zp ON zp.developmentzone_id = z.id
          LEFT JOIN projects_project p ON p.id = zp.project_id
         GROUP BY z.id
        """,
        [datetime.date(YEAR, 1, 1)],
    )
    assert got == {row[0]: tuple(row[1:]) for row in expected}
    assert got[org["zones"][0].pk] == (2, Decimal("42000.00"), Decimal("350.15"))


def test_a_project_lies_in_one_zone_of_its_own_county(org, admin_user):
    _, p_signed, _, h_landed = org["projects"]
    t_zone, h_zone = org["zones"]
    with pytest.raises(ValidationError) as error:
        services.zone_projects_add(user=admin_user, zone=t_zone, projects=[h_landed])
    assert "projects" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.zone_projects_add(user=admin_user, zone=h_zone, projects=[p_signed])


def test_spending_against_budget_counts_only_approved(org, county_user, county_reviewer, other_county_user,
                                                       admin_user, leader):  # fmt: skip
    budget = org["budgets"]["tiedong"]
    trip = services.outreach_create(user=county_user, kind=OutreachKind.TRIP_OUT, name="赴苏州招商", held_on=TODAY,
                                    region=budget.region)  # fmt: skip
    upload = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    s1 = services.spending_submit(user=county_user, budget=budget, spent_on=TODAY, amount="12.50", purpose="trip",
                                  description="差旅费", event=trip, attachments=[upload])  # fmt: skip
    s2 = services.spending_submit(user=county_user, budget=budget, spent_on=TODAY, amount="300", purpose="event",
                                  description="推介会")  # fmt: skip
    services.spending_submit(user=county_user, budget=budget, spent_on=TODAY, amount="40", purpose="other",
                             description="待审")  # fmt: skip
    services.spending_decide(user=county_reviewer, spending=s1, approve=True)
    services.spending_decide(user=county_reviewer, spending=s2, approve=False, note="超标准")
    with pytest.raises(ValidationError):
        services.spending_decide(user=county_reviewer, spending=s1, approve=True)
    with pytest.raises(PermissionDenied):  # another county's reviewer role is missing: no one else decides
        services.spending_decide(user=other_county_user, spending=s1, approve=True)
    # A trip's cost is one spending: a second one for the same event is refused, naming the field.
    with pytest.raises(ValidationError) as error:
        services.spending_submit(user=county_user, budget=budget, spent_on=TODAY, amount="1", purpose="trip",
                                 description="重复", event=trip)  # fmt: skip
    assert "event" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.spending_submit(user=county_user, budget=budget, spent_on=datetime.date(YEAR - 1, 6, 1),
                                 amount="1", purpose="trip", description="跨年")  # fmt: skip
    assert "spent_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.spending_attach(
            user=county_user,
            spending=s2,
            upload=SimpleUploadedFile("a.pdf", b"MZ not a pdf", content_type="application/pdf"),
        )
    assert "file" in error.value.message_dict

    summary = selectors.fund_summary(user=leader, year=YEAR)
    row = {b.pk: b for b in summary["budgets"]}[budget.pk]
    (spent,), (pending,) = (
        sql("SELECT COALESCE(SUM(amount), 0) FROM attraction_fundspending WHERE budget_id = %s AND status = %s",
            [budget.pk, status])[0]
        for status in (SpendingStatus.APPROVED, SpendingStatus.SUBMITTED)
    )  # fmt: skip
    assert (row.spent, row.pending) == (spent, pending) == (Decimal("12.50"), Decimal("40.00"))
    assert row.share == Decimal("0.0050")
    (total,) = sql("SELECT SUM(amount) FROM attraction_fundbudget WHERE year = %s", [YEAR])[0]
    assert summary["total"] == total == Decimal("10000.00")
    assert summary["floor"] == Decimal("10000.00") and summary["floor_met"] is True
    # The floor is a rule an administrator changes: raised above the budgets, it is no longer met. The
    # administrator edits the data migration's rule, or adds one if there is none (a transactional test run
    # earlier on the same xdist worker flushes the migration's row; the code then uses DEFAULT_FUND_FLOOR).
    from attraction.models import FundRule

    rule = FundRule.objects.order_by("pk").first() or FundRule(name="市县两级招商经费保底")
    rule.min_total_budget = Decimal("10000.01")
    rule.save()
    raised = selectors.fund_summary(user=leader, year=YEAR)
    assert (raised["floor"], raised["floor_met"]) == (Decimal("10000.01"), False)
    # A county sees its own spending only; the city's floor check is for city-wide users.
    assert {s.budget.region_id for s in selectors.spending_list(user=county_user)} == {budget.region_id}
    assert list(selectors.spending_list(user=other_county_user)) == []
    assert selectors.fund_summary(user=county_user, year=YEAR)["floor_met"] is None
    with pytest.raises(Http404):
        selectors.spending_get(user=other_county_user, pk=s1.pk)
    assert len(selectors.spending_attachments(spending=s1)) == 1


def test_phase_two_link_in_the_reinvestment_figures(org, admin_user, county_user, other_county_user, leader):
    p_lead, p_signed, p_built, h_landed = org["projects"]
    investor = services.investor_create(user=admin_user, name="某钢丝绳集团", kind="group", projects=[p_built])
    visit = services.visit_add(user=county_user, investor=investor, visited_on=TODAY, region=p_built.region,
                               visitors="区商务局", outcome=VisitOutcome.EXPANSION, summary="二期扩产")  # fmt: skip
    services.phase_link(user=county_user, project=p_signed, phase_one=p_built, investor=investor, visit=visit)
    services.phase_link(user=admin_user, project=h_landed, phase_one=p_built)
    with pytest.raises(PermissionDenied):  # 铁东区 staff may not declare a 海城市 project a phase 2
        services.phase_link(user=county_user, project=h_landed, phase_one=p_lead)
    with pytest.raises(ValidationError) as error:
        services.phase_link(user=county_user, project=p_built, phase_one=p_signed)
    assert "phase_one" in error.value.message_dict
    expected = sql("""SELECT COUNT(*), SUM(p.total_investment) FROM attraction_projectphase ph
                      JOIN projects_project p ON p.id = ph.project_id""")[0]  # fmt: skip
    got = selectors.reinvestment(user=leader)
    assert (got["count"], got["investment"]) == expected == (2, Decimal("32000.00"))
    county = sql(
        """SELECT COUNT(*), SUM(p.total_investment) FROM attraction_projectphase ph
                    JOIN projects_project p ON p.id = ph.project_id WHERE p.region_id = %s""",
        [p_signed.region_id],
    )[0]
    got = selectors.reinvestment(user=county_user)
    assert (got["count"], got["investment"]) == county == (1, Decimal("12000.00"))
    # The other county sees its own phase 2, but not the 铁东区 phase 1's name.
    (phase,) = selectors.phase_list(user=other_county_user)
    assert phase.project_id == h_landed.pk and phase.phase_one_visible is False
    assert [v.pk for v in selectors.visit_list(user=other_county_user)] == []
    assert [v.pk for v in selectors.visit_list(user=county_user)] == [visit.pk]


def test_outreach_counts_per_month_and_three_level_linkage(org, county_user, other_county_user, admin_user, leader,
                                                           tiedong):  # fmt: skip
    t_zone = org["zones"][0]
    day = datetime.date(YEAR, 1, 15)
    city_event = services.outreach_create(
        user=admin_user, kind=OutreachKind.ONLINE, name="云签约", held_on=day,
        participants=[(OrgLevel.CITY, None, None, "市商务局"), (OrgLevel.COUNTY, tiedong, None, "铁东区"),
                      (OrgLevel.ZONE, None, t_zone, "铁东经济开发区")],
    )  # fmt: skip
    services.outreach_create(user=admin_user, kind=OutreachKind.ONLINE, name="视频洽谈", held_on=day)
    services.outreach_create(user=county_user, kind=OutreachKind.DOOR_KNOCKING, name="敲门", held_on=day,
                             region=tiedong)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.outreach_create(user=admin_user, kind=OutreachKind.ONLINE, name="x", held_on=day,
                                 participants=[(OrgLevel.COUNTY, None, None, "无县区")])  # fmt: skip
    assert "participants[0]" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.outreach_create(user=county_user, kind=OutreachKind.ONLINE, name="市级", held_on=day)
    monthly = selectors.outreach_monthly(user=leader, year=YEAR)
    expected = dict(sql("""SELECT kind, COUNT(*) FROM attraction_outreachevent
                           WHERE EXTRACT(YEAR FROM held_on) = %s AND EXTRACT(MONTH FROM held_on) = 1 GROUP BY kind""",
                        [YEAR]))  # fmt: skip
    assert {r["kind"]: r["counts"][0] for r in monthly["rows"] if r["counts"][0]} == expected
    assert expected == {"online": 2, "door_knocking": 1}
    assert {lv["level"]: lv["events"] for lv in monthly["levels"]} == {"city": 1, "county": 1, "zone": 1}
    # 铁东区 sees the city's event it took part in and its own; 海城市 sees neither.
    assert {e.name for e in selectors.outreach_list(user=county_user)} == {"云签约", "敲门"}
    assert list(selectors.outreach_list(user=other_county_user)) == []
    with pytest.raises(Http404):
        selectors.outreach_get(user=other_county_user, pk=city_event.pk)


def test_investors_are_city_wide_their_projects_scoped(org, admin_user, county_user, other_county_user):
    p_lead, _, _, h_landed = org["projects"]
    investor = services.investor_create(user=admin_user, name="某集团", kind="group", projects=[p_lead, h_landed])
    with pytest.raises(PermissionDenied):
        services.investor_create(user=county_user, name="某公司", kind="enterprise")
    row = selectors.investor_get(user=other_county_user, pk=investor.pk)
    assert row.project_count == 1
    assert [p.pk for p in selectors.investor_projects(user=other_county_user, investor=investor)] == [h_landed.pk]
