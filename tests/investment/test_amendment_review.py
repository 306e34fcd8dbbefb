"""Amendments of frozen months are proposed by county staff and count once the county reviewer approves."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from investment import selectors, services
from investment.models import ProgressAmendment, ProgressEntry
from notifications.models import Notification
from projects.choices import Role
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory, user_with_role

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)

# Independent of the code: a verified entry counts at the figure of its latest approved amendment
# (read from the amendments themselves, not from the entry's amended_amount), else its original.
COUNTED_SQL = """
SELECT e.project_id, e.period,
       COALESCE((SELECT a.new_amount FROM investment_progressamendment a
                 WHERE a.entry_id = e.id AND a.status = 'approved'
                 ORDER BY a.decided_at DESC, a.id DESC LIMIT 1), e.amount_completed) AS amount
FROM investment_progressentry e WHERE e.status = 'verified' ORDER BY 1, 2
"""
YTD_SQL = f"SELECT COALESCE(sum(amount), 0) FROM ({COUNTED_SQL}) c WHERE c.project_id = %s AND c.period >= %s"


def independent():
    with connection.cursor() as cursor:
        cursor.execute(COUNTED_SQL)
        return cursor.fetchall()


def independent_ytd(project):
    with connection.cursor() as cursor:
        cursor.execute(YTD_SQL, [project.pk, JAN])
        return cursor.fetchone()[0]


def rollup():
    rows = selectors.counted_month_rows().order_by("project_id", "period")
    return list(rows.values_list("project_id", "period", "amount"))


def ytd(user, project):
    return selectors.project_totals(user=user, year=2026).get(pk=project.pk).ytd_completed


def assert_consistent(user, project, expected_ytd):
    assert rollup() == independent()
    assert ytd(user, project) == independent_ytd(project) == Decimal(expected_ytd)
    year = selectors.counted_year_rows(year=2026).filter(project=project).values_list("amount", flat=True)
    assert list(year) == [Decimal(expected_ytd)]


@pytest.fixture
def project():
    return ProjectFactory(total_investment=Decimal("1000"), annual_plan=Decimal("500"), stage="construction")


@pytest.fixture
def frozen_entry(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="100")
    entry = services.progress_verify(
        user=county_reviewer, entry=services.progress_submit(user=county_user, entry=entry)
    )
    services.period_freeze(period=JAN, reason="1月调度报告印发")
    return entry


def test_pending_not_counted_approved_counted_rejected_not_counted(county_user, county_reviewer, project, frozen_entry):
    assert_consistent(county_user, project, "100.00")
    proposal = services.amendment_propose(
        user=county_user, entry=frozen_entry, amount_completed="80", reason="重复统计"
    )
    assert proposal.status == "pending"
    assert_consistent(county_user, project, "100.00")  # pending: the verified figure stays
    with pytest.raises(ValidationError) as info:  # one open proposal per month
        services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="70", reason="再改")
    assert "amount_completed" in info.value.message_dict

    rejected = services.amendment_reject(user=county_reviewer, amendment=proposal, reason="无依据")
    assert (rejected.status, rejected.decided_by, rejected.decision_reason) == ("rejected", county_reviewer, "无依据")
    assert_consistent(county_user, project, "100.00")  # rejected: not counted
    with pytest.raises(ValidationError):  # decided once
        services.amendment_approve(user=county_reviewer, amendment=rejected)

    second = services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="90", reason="发票核实")
    assert_consistent(county_user, project, "100.00")
    approved = services.amendment_approve(user=county_reviewer, amendment=second)
    assert approved.status == "approved" and approved.decided_at is not None
    assert_consistent(county_user, project, "90.00")  # approved: counted, rollup in the same transaction

    # The history keeps the original, each proposal and each decision, with who and when.
    frozen_entry.refresh_from_db()
    assert frozen_entry.amount_completed == Decimal("100.00") and frozen_entry.amended_amount == Decimal("90.00")
    history = list(ProgressAmendment.objects.filter(entry=frozen_entry).order_by("created_at", "id"))
    assert [(a.new_amount, a.status, a.created_by, a.decided_by) for a in history] == [
        (Decimal("80.00"), "rejected", county_user, county_reviewer),
        (Decimal("90.00"), "approved", county_user, county_reviewer),
    ]
    with connection.cursor() as cursor:  # and the audit trail has each state the proposal went through
        cursor.execute(
            "SELECT status FROM investment_progressamendmentevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
            [history[0].pk],
        )
        assert [s for (s,) in cursor.fetchall()] == ["pending", "rejected"]


def test_rollup_equals_independent_sql_with_other_months_around(county_user, county_reviewer, project, frozen_entry):
    other = ProjectFactory()
    feb = services.progress_save(user=county_user, project=project, period=FEB, amount_completed="40")
    services.progress_verify(user=county_reviewer, entry=services.progress_submit(user=county_user, entry=feb))
    services.progress_save(user=county_user, project=other, period=FEB, amount_completed="5")  # a draft
    proposal = services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="60", reason="更正")
    assert rollup() == independent() and len(independent()) == 2
    services.amendment_approve(user=county_reviewer, amendment=proposal)
    assert rollup() == independent() == [(project.pk, JAN, Decimal("60.00")), (project.pk, FEB, Decimal("40.00"))]


def test_staff_cannot_decide_and_nobody_decides_their_own(
    county_user, county_colleague, county_reviewer, admin_user, project, frozen_entry
):
    proposal = services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="80", reason="更正")
    for user in (county_user, county_colleague):  # staff propose, only the county's reviewer decides
        with pytest.raises(PermissionDenied):
            services.amendment_approve(user=user, amendment=proposal)
        with pytest.raises(PermissionDenied):
            services.amendment_reject(user=user, amendment=proposal, reason="x")
    services.amendment_reject(user=county_reviewer, amendment=proposal, reason="无依据")
    # An administrator holds both rights but may not approve a proposal of their own.
    own = services.amendment_propose(user=admin_user, entry=frozen_entry, amount_completed="85", reason="更正")
    with pytest.raises(PermissionDenied):
        services.amendment_approve(user=admin_user, amendment=own)
    services.amendment_approve(user=county_reviewer, amendment=own)
    assert ytd(county_user, project) == Decimal("85.00")


def test_proposal_needs_a_frozen_month_a_reason_and_a_change(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="100")
    with pytest.raises(ValidationError) as info:
        services.amendment_propose(user=county_user, entry=entry, amount_completed="90", reason="更正")
    assert "period" in info.value.message_dict  # not frozen: edit it directly
    services.period_freeze(period=JAN)
    for amount, reason, field in (("90", " ", "reason"), ("abc", "更正", "amount_completed"),
                                  ("-1", "更正", "amount_completed"), ("100", "更正", "amount_completed")):  # fmt: skip
        with pytest.raises(ValidationError) as info:
            services.amendment_propose(user=county_user, entry=entry, amount_completed=amount, reason=reason)
        assert field in info.value.message_dict
    proposal = services.amendment_propose(user=county_user, entry=entry, amount_completed="90", reason="更正")
    with pytest.raises(ValidationError) as info:
        services.amendment_reject(user=county_reviewer, amendment=proposal, reason="")
    assert "reason" in info.value.message_dict


def test_reviewer_is_told_of_a_proposal_and_proposer_of_the_decision(
    county_user, county_reviewer, other_county_user, project, frozen_entry
):
    other_reviewer = user_with_role("hc_reviewer", Role.COUNTY_REVIEWER, region=other_county_user.roles.get().region)
    proposal = services.amendment_propose(
        user=county_user, entry=frozen_entry, amount_completed="80", reason="重复统计"
    )
    told = Notification.objects.get(recipient=county_reviewer, title__contains="修正")  # not the submission's
    assert project.name in told.title and "待审核" in told.title and "重复统计" in told.body
    assert not Notification.objects.filter(recipient=other_reviewer).exists()
    services.amendment_approve(user=county_reviewer, amendment=proposal)
    told = Notification.objects.get(recipient=county_user, title__contains="修正")
    assert "已批准" in told.title and told.link.endswith(f"/progress/project/{project.pk}/#progress")


# --- API ------------------------------------------------------------------------------------------


def test_api_propose_list_pending_approve_reject(county_user, county_reviewer, project, frozen_entry):
    entries = f"/api/v1/projects/{project.pk}/progress/"
    response = client_for(county_user).post(
        f"{entries}{frozen_entry.pk}/amend/", {"amount_completed": "80", "reason": "重复统计"}, format="json"
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    pending = client_for(county_reviewer).get("/api/v1/amendments/?status=pending").json()["results"]
    assert [(a["id"], a["status"], a["period"], a["project"]) for a in pending] == [
        (pk, "pending", "2026-01", project.pk)
    ]
    response = client_for(county_reviewer).post(f"/api/v1/amendments/{pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client_for(county_reviewer).post(f"/api/v1/amendments/{pk}/reject/", {"reason": "无依据"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    listed = client_for(county_user).get(entries).json()["results"][0]
    assert listed["effective_amount"] == "100.00" and listed["pending_amendment"] is None
    response = client_for(county_reviewer).post(f"/api/v1/amendments/{pk}/approve/", format="json")
    assert response.status_code == 400  # already decided
    assert rollup() == independent()


def test_api_access_other_county_404_staff_403(
    county_user, county_colleague, other_county_user, project, frozen_entry, haicheng
):
    proposal = services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="80", reason="更正")
    other_reviewer = user_with_role("hc_reviewer", Role.COUNTY_REVIEWER, region=haicheng)
    for user in (other_county_user, other_reviewer):
        api = client_for(user)
        assert api.get(f"/api/v1/amendments/{proposal.pk}/").status_code == 404
        assert api.post(f"/api/v1/amendments/{proposal.pk}/approve/", format="json").status_code == 404
        assert api.post(f"/api/v1/amendments/{proposal.pk}/reject/", {"reason": "x"}, format="json").status_code == 404
        assert api.get("/api/v1/amendments/").json()["results"] == []
    missing = client_for(county_user).post("/api/v1/amendments/999999/approve/", format="json")
    assert missing.status_code == 404  # the same answer as for another county's
    for user in (county_user, county_colleague):  # visible, not theirs to decide
        assert client_for(user).post(f"/api/v1/amendments/{proposal.pk}/approve/", format="json").status_code == 403
    assert ytd(county_user, project) == Decimal("100.00")


def test_api_entry_list_queries_do_not_grow(county_user, county_reviewer, project, django_assert_max_num_queries):
    for month in range(1, 7):
        period = datetime.date(2025, month, 1)
        entry = services.progress_save(user=county_user, project=project, period=period, amount_completed="10")
        services.progress_verify(user=county_reviewer, entry=services.progress_submit(user=county_user, entry=entry))
        services.period_freeze(period=period)
        services.amendment_propose(user=county_user, entry=entry, amount_completed="11", reason="更正")
    api = client_for(county_user)
    with django_assert_max_num_queries(8):
        results = api.get(f"/api/v1/projects/{project.pk}/progress/").json()["results"]
    assert len(results) == 6 and all(r["pending_amendment"]["new_amount"] == "11.00" for r in results)


# --- pages ----------------------------------------------------------------------------------------


def test_pages_show_pending_and_reviewer_approves_with_htmx(
    client, county_user, county_reviewer, project, frozen_entry, django_assert_max_num_queries
):
    proposal = services.amendment_propose(
        user=county_user, entry=frozen_entry, amount_completed="80", reason="重复统计"
    )
    client.force_login(county_user)
    html = client.get(f"/progress/project/{project.pk}/").content.decode()
    assert "修正待审核" in html and "重复统计" in html and "批准修正" not in html  # staff see it, cannot decide
    html = client.get("/progress/?region=tiedong&period=2026-01").content.decode()
    assert "修正待审核" in html and "100.00 → 80.00" in html

    client.force_login(county_reviewer)
    with django_assert_max_num_queries(25):
        html = client.get(f"/progress/project/{project.pk}/").content.decode()
    assert "批准修正" in html and "驳回" in html
    response = client.post(f"/progress/amendment/{proposal.pk}/approve/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(f'<li id="amendment-{proposal.pk}"') and "已批准" in fragment
    assert "批准修正" not in fragment
    assert ytd(county_user, project) == Decimal("80.00") and rollup() == independent()


def test_page_reject_without_htmx_and_access(
    client, county_user, county_reviewer, other_county_user, project, frozen_entry
):
    proposal = services.amendment_propose(user=county_user, entry=frozen_entry, amount_completed="80", reason="更正")
    client.force_login(other_county_user)
    assert client.post(f"/progress/amendment/{proposal.pk}/approve/").status_code == 404
    client.force_login(county_user)
    assert client.post(f"/progress/amendment/{proposal.pk}/approve/").status_code == 404  # staff: not theirs
    client.force_login(county_reviewer)
    response = client.post(f"/progress/amendment/{proposal.pk}/reject/", {"reason": ""})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "pending"  # no reason: refused, nothing written
    response = client.post(f"/progress/amendment/{proposal.pk}/reject/", {"reason": "无依据"})
    assert response.status_code == 302 and response["Location"].endswith("#amendments")
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and ProgressEntry.objects.get().amended_amount is None
