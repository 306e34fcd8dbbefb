import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from investment import selectors, services
from investment.choices import EntryStatus, ProblemStatus, ProcedureStatus
from investment.models import ProgressAmendment, ProgressEntry
from tests.factories import ProjectFactory, region

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def project():
    return ProjectFactory(total_investment=Decimal("1000"), annual_plan=Decimal("500"))


def test_entry_lifecycle_draft_submitted_verified(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="12.30")
    assert entry.status == EntryStatus.DRAFT and entry.version == 1
    entry = services.progress_submit(user=county_user, entry=entry, version=1)
    assert entry.status == EntryStatus.SUBMITTED and entry.submitted_at
    with pytest.raises(ValidationError):
        services.progress_save(user=county_user, project=project, period=JAN, amount_completed="1", version=2)
    with pytest.raises(PermissionDenied):  # staff enter, the county group verifies
        services.progress_verify(user=county_user, entry=entry)
    entry = services.progress_return(user=county_reviewer, entry=entry, reason="金额有误")
    assert entry.status == EntryStatus.RETURNED and entry.return_reason == "金额有误"
    entry = services.progress_save(
        user=county_user, project=project, period=JAN, amount_completed="13", version=entry.version
    )
    assert entry.status == EntryStatus.DRAFT
    entry = services.progress_submit(user=county_user, entry=entry)
    entry = services.progress_verify(user=county_reviewer, entry=entry)
    assert entry.status == EntryStatus.VERIFIED and entry.verified_by == county_reviewer


def test_other_county_cannot_enter_progress(other_county_user, project):
    with pytest.raises(PermissionDenied):
        services.progress_save(user=other_county_user, project=project, period=JAN, amount_completed="1")


def test_negative_amount_and_future_month_are_refused(county_user, project):
    with pytest.raises(ValidationError) as info:
        services.progress_save(user=county_user, project=project, period=JAN, amount_completed="-1")
    assert "amount_completed" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.progress_save(user=county_user, project=project, period="2999-01", amount_completed="1")
    assert "period" in info.value.message_dict


def test_overrun_needs_a_reason_and_is_flagged(county_user, project):
    services.progress_save(user=county_user, project=project, period="2025-12", amount_completed="900")
    with pytest.raises(ValidationError) as info:
        services.progress_save(user=county_user, project=project, period=JAN, amount_completed="200")
    assert "overrun_reason" in info.value.message_dict
    services.progress_save(
        user=county_user, project=project, period=JAN, amount_completed="200", overrun_reason="设计变更增加投资"
    )
    row = selectors.project_totals(user=county_user, year=2026).get(pk=project.pk)
    assert row.since_start_completed == Decimal("1100.00") and row.overrun is True


def test_stale_version_is_a_conflict(county_user, county_colleague, project):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="10")
    services.progress_save(user=county_colleague, project=project, period=JAN, amount_completed="11", version=1)
    with pytest.raises(services.ConflictError):
        services.progress_save(user=county_user, project=project, period=JAN, amount_completed="12", version=1)
    assert ProgressEntry.objects.get(pk=entry.pk).amount_completed == Decimal("11.00")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_one_wins_the_other_gets_a_conflict(county_user, county_colleague):
    project = ProjectFactory()
    services.progress_save(user=county_user, project=project, period=JAN, amount_completed="10")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, amount):
        try:
            barrier.wait(timeout=5)
            services.progress_save(user=user, project=project, period=JAN, amount_completed=amount, version=1)
            outcomes.append("saved")
        except services.ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u, a)) for u, a in ((county_user, "20"), (county_colleague, "30"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["conflict", "saved"]
    entry = ProgressEntry.objects.get(project=project, period=JAN)
    assert entry.version == 2 and entry.amount_completed in (Decimal("20.00"), Decimal("30.00"))


def test_frozen_period_changes_only_by_amendment_kept_beside_original(county_user, county_reviewer, project):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="100")
    entry = services.progress_verify(
        user=county_reviewer, entry=services.progress_submit(user=county_user, entry=entry)
    )
    with pytest.raises(ValidationError):
        services.progress_amend(user=county_user, entry=entry, amount_completed="90", reason="笔误")  # not frozen yet
    services.period_freeze(period=JAN, reason="1月调度报告印发")
    with pytest.raises(ValidationError) as info:
        services.progress_save(user=county_user, project=project, period=JAN, amount_completed="90")
    assert "已冻结" in str(info.value)
    with pytest.raises(ValidationError):
        services.progress_return(user=county_reviewer, entry=entry, reason="改")
    with pytest.raises(ValidationError) as info:
        services.progress_amend(user=county_user, entry=entry, amount_completed="90", reason=" ")
    assert "reason" in info.value.message_dict
    amendment = services.amendment_propose(user=county_user, entry=entry, amount_completed="90", reason="统计口径更正")
    entry.refresh_from_db()
    assert amendment.status == "pending" and entry.amended_amount is None  # counts only once approved
    services.amendment_approve(user=county_reviewer, amendment=amendment)
    entry.refresh_from_db()
    assert entry.amount_completed == Decimal("100.00")  # the original stays
    assert entry.amended_amount == Decimal("90.00") and entry.is_amended
    amendment.refresh_from_db()
    assert (amendment.old_amount, amendment.new_amount, amendment.created_by, amendment.decided_by) == (
        Decimal("100.00"),
        Decimal("90.00"),
        county_user,
        county_reviewer,
    )
    second = services.amendment_propose(user=county_user, entry=entry, amount_completed="95", reason="再次核实")
    assert second.old_amount == Decimal("90.00")
    services.amendment_approve(user=county_reviewer, amendment=second)
    assert ProgressAmendment.objects.filter(entry=entry).count() == 2
    row = selectors.project_totals(user=county_user, year=2026).get(pk=project.pk)
    assert row.ytd_completed == Decimal("95.00") and row.has_amendment is True


def test_problem_create_update_and_resolution_required(county_user, other_county_user, project):
    problem = services.problem_create(
        user=county_user,
        project=project,
        description="施工用电未接入",
        kind="utilities",
        responsible_unit="国网鞍山供电公司",
        leader="王副区长",
        deadline=datetime.date(2026, 2, 1),
    )
    assert problem.status == ProblemStatus.OPEN and problem.raised_by == county_user
    with pytest.raises(ValidationError) as info:
        services.problem_update(user=county_user, problem=problem, status=ProblemStatus.SOLVED, version=1)
    assert "resolution" in info.value.message_dict
    problem = services.problem_update(
        user=county_user, problem=problem, status=ProblemStatus.SOLVED, resolution="已送电", version=1
    )
    assert problem.solved_on is not None and problem.version == 2
    with pytest.raises(services.ConflictError):
        services.problem_update(user=county_user, problem=problem, leader="李", version=1)
    with pytest.raises(PermissionDenied):
        services.problem_update(user=other_county_user, problem=problem, leader="李")
    with pytest.raises(ValidationError) as info:
        services.problem_create(
            user=county_user, project=project, description="x", kind="bogus", responsible_unit="u", deadline=JAN
        )
    assert "kind" in info.value.message_dict


def test_procedure_checklist_share_done_and_days_saved(county_user, project):
    item = services.procedure_create(
        user=county_user, project=project, name="用地预审与选址意见书", responsible_unit="自然资源局"
    )
    sub = services.procedure_create(
        user=county_user,
        project=project,
        parent=item,
        name="压覆矿产资源评估",
        planned_date=datetime.date(2026, 6, 30),
        status=ProcedureStatus.DONE,
        actual_date=datetime.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError) as info:
        services.procedure_create(user=county_user, project=project, parent=sub, name="孙项")
    assert "parent" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.procedure_create(user=county_user, project=project, name="环评", status=ProcedureStatus.DONE)
    assert "actual_date" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.procedure_create(user=county_user, project=project, name="能评", accepted_with_deficiency=True)
    assert "deficiency_note" in info.value.message_dict
    services.procedure_create(
        user=county_user,
        project=project,
        name="施工许可",
        accepted_with_deficiency=True,
        deficiency_note="消防设计审查意见后补",
        planned_date=datetime.date(2026, 8, 1),
    )
    summary = selectors.procedure_summary(items=list(selectors.procedure_list(user=county_user, project=project)))
    assert summary["total"] == 3 and summary["done"] == 1
    assert summary["share_done"] == Decimal("0.3333")
    assert summary["days_saved"] == 121 and summary["deficiencies"] == 1 and not summary["finished"]
    assert sub.days_saved == 121


def test_funding_sources(county_user, project):
    funding = services.funding_create(
        user=county_user, project=project, kind="special_bonds", amount_applied="5000", amount_approved="3000"
    )
    funding = services.funding_update(user=county_user, funding=funding, amount_in_place="2000", version=1)
    assert funding.amount_in_place == Decimal("2000") and funding.version == 2
    with pytest.raises(ValidationError):
        services.funding_create(user=county_user, project=project, kind="special_bonds")  # one row per kind
    with pytest.raises(ValidationError) as info:
        services.funding_create(user=county_user, project=project, kind="ppp", amount_applied="-1")
    assert "amount_applied" in info.value.message_dict
    totals = {r["kind"]: r for r in selectors.funding_totals(user=county_user)}
    assert totals["special_bonds"]["in_place"] == Decimal("2000.00")


def test_audit_keeps_who_when_old_and_new_values(county_user, project, admin_user):
    entry = services.progress_save(user=county_user, project=project, period=JAN, amount_completed="10")
    services.progress_save(user=county_user, project=project, period=JAN, amount_completed="15", version=1)
    services.problem_create(
        user=county_user,
        project=project,
        description="拆迁",
        kind="demolition",
        responsible_unit="区征收办",
        deadline=JAN,
    )
    services.funding_create(user=county_user, project=project, kind="own_funds", amount_applied="1")
    services.procedure_create(user=county_user, project=project, name="规划许可")
    events = list(selectors.project_audit(user=county_user, project=project))
    models = {e.pgh_model for e in events}
    assert {"investment.ProgressEntryEvent", "investment.ProblemEvent", "investment.FundingSourceEvent"} <= models
    assert "investment.ProcedureItemEvent" in models
    update = next(e for e in events if e.pgh_model == "investment.ProgressEntryEvent" and e.pgh_label == "update")
    assert [Decimal(str(v)) for v in update.pgh_diff["amount_completed"]] == [Decimal("10"), Decimal("15")]
    assert update.pgh_context["user"] == county_user.pk
    assert int(update.pgh_obj_id) == entry.pk


def test_audit_outside_scope_is_404(other_county_user, project):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.project_audit(user=other_county_user, project=project)


def test_month_sheet_lists_county_projects_with_entries(county_user, project, django_assert_max_num_queries):
    ProjectFactory(region=region("haicheng"), stage="construction", start_type="new")
    project.stage, project.start_type = "construction", "new"
    project.save()
    services.progress_save(user=county_user, project=project, period="2025-12", amount_completed="7")
    services.progress_save(user=county_user, project=project, period=JAN, amount_completed="3")
    with django_assert_max_num_queries(4):
        sheet = selectors.month_sheet(user=county_user, region=region("tiedong"), period=JAN)
    assert [p.pk for p in sheet] == [project.pk]
    assert sheet[0].entry.amount_completed == Decimal("3.00") and sheet[0].before_total == Decimal("7.00")


def test_cached_audit_shows_a_new_event_at_once_and_checks_scope_every_time(
    county_user, other_county_user, project, django_assert_max_num_queries
):
    from django.http import Http404

    services.progress_save(user=county_user, project=project, period=JAN, amount_completed="10")
    first = selectors.project_audit_cached(user=county_user, project=project)
    assert [e.pgh_slug for e in first] == [
        e.pgh_slug for e in selectors.project_audit(user=county_user, project=project)
    ]
    with django_assert_max_num_queries(2):  # the scope check and the audit version, not the aggregate
        assert len(selectors.project_audit_cached(user=county_user, project=project)) == len(first)
    services.problem_create(user=county_user, project=project, description="拆迁", kind="demolition",
                            responsible_unit="区征收办", deadline=JAN)  # fmt: skip
    models = {e.pgh_model for e in selectors.project_audit_cached(user=county_user, project=project)}
    assert "investment.ProblemEvent" in models
    with pytest.raises(Http404):
        selectors.project_audit_cached(user=other_county_user, project=project)
