"""Concurrent creations of the same natural key succeed once (the others update it or get a 4xx),
never a 500 IntegrityError. Real threads, each on its own database connection, released together
by a barrier; no sleeps.

A guard lists every unique constraint in the project: a new one must be given a concurrency test
here or a reason it cannot race, so a new instance of the class cannot slip in unseen.
"""

import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connections, models
from django.test import Client
from rest_framework.test import APIClient

from attraction.models import AnnualTarget, AttractionRecord, CapitalInPlace
from investment.models import FundingSource, ProgressEntry
from projects.models import Project
from supervision.models import MonthlyPlan
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 4
OK = {200, 201}
REFUSED = {400, 409}


def at_once(calls):
    """Run the calls in threads released together by a barrier; each has its own connection."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(10)
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def api_posts(user, method, url, body):
    def call():
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)
        return getattr(client, method)(url, body, format="json").status_code

    return [call] * WRITERS


@pytest.fixture
def project(tiedong):
    return ProjectFactory(region=tiedong, stage="construction", start_type="new", total_investment=Decimal(50000))


def test_the_same_monthly_capital_row_created_at_once(county_user, project):
    statuses = at_once(
        api_posts(
            county_user, "post", "/api/v1/capital/", {"project": project.pk, "month": "2026-10-01", "amount": "5"}
        )
    )
    assert set(statuses) <= OK, statuses  # the first creates, the others correct it: none fails
    assert statuses.count(201) == 1
    assert CapitalInPlace.objects.filter(project=project).count() == 1


def test_the_same_first_progress_entry_created_at_once(county_user, project):
    url = f"/api/v1/projects/{project.pk}/progress/"
    statuses = at_once(api_posts(county_user, "post", url, {"period": "2026-10", "amount_completed": "3"}))
    assert set(statuses) <= OK | REFUSED and statuses.count(201) + statuses.count(200) >= 1, statuses
    assert ProgressEntry.objects.filter(project=project).count() == 1


def test_the_same_funding_kind_created_at_once(county_user, project):
    body = {"project": project.pk, "kind": "central_budget", "amount_applied": "10"}
    statuses = at_once(api_posts(county_user, "post", "/api/v1/funding/", body))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 400}, statuses
    assert FundingSource.objects.filter(project=project).count() == 1


def test_the_same_monthly_plan_replaced_at_once(county_user, project):
    body = {"project": project.pk, "year": 2026, "percents": {"6": "40.00", "12": "100.00"}}
    statuses = at_once(api_posts(county_user, "put", "/api/v1/monthly-plans/", body))
    assert set(statuses) == {200}, statuses
    assert MonthlyPlan.objects.filter(project=project, year=2026).count() == 2


def test_the_same_attraction_record_created_at_once(county_user, tiedong):
    project = ProjectFactory(region=tiedong, stage="negotiating")
    body = {"project": project.pk, "lead_source": "visit"}
    statuses = at_once(api_posts(county_user, "post", "/api/v1/attraction/records/", body))
    assert set(statuses) <= OK, statuses
    assert AttractionRecord.objects.filter(project=project).count() == 1


def test_the_same_annual_target_set_at_once(admin_user, tiedong):
    body = {"region": "tiedong", "year": 2026, "signed_amount": "100", "landed_count": 3, "capital_amount": "50"}
    statuses = at_once(api_posts(admin_user, "post", "/api/v1/targets/", body))
    assert set(statuses) <= OK, statuses
    assert AnnualTarget.objects.filter(region=tiedong, year=2026).count() == 1


def test_the_same_project_code_registered_at_once(county_user, tiedong):
    from projects.models import Category

    body = {"code": "2026-210302-04-01-RACE01", "name": "并发项目", "region": tiedong.pk,
            "category": Category.objects.first().pk, "total_investment": "100"}  # fmt: skip
    statuses = at_once(api_posts(county_user, "post", "/api/v1/projects/", body))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 400}, statuses
    assert Project.objects.filter(code="2026-210302-04-01-RACE01").count() == 1


def test_the_same_capital_row_entered_on_the_page_at_once(county_user, project):
    def call():
        client = Client(raise_request_exception=False)
        client.force_login(county_user)
        body = {"project": project.pk, "month": "2026-09", "amount": "7"}
        return client.post("/attraction/capital/", body).status_code

    statuses = at_once([call] * WRITERS)
    assert set(statuses) <= {200, 302}, statuses
    assert CapitalInPlace.objects.filter(project=project).count() == 1


# Unique keys that cannot race into a 500, and why. Everything else must have a test above.
TESTED = {
    "attraction.CapitalInPlace": "test_the_same_monthly_capital_row_created_at_once",
    "investment.ProgressEntry": "test_the_same_first_progress_entry_created_at_once",
    "investment.FundingSource": "test_the_same_funding_kind_created_at_once",
    "supervision.MonthlyPlan": "test_the_same_monthly_plan_replaced_at_once",
    "attraction.AttractionRecord": "test_the_same_attraction_record_created_at_once",
    "attraction.AnnualTarget": "test_the_same_annual_target_set_at_once",
    "projects.Project": "test_the_same_project_code_registered_at_once",
}
REASONS = {
    "accounts.User": "created by administrators in the admin site (Django's own form)",
    "projects.Region": "reference data: reference_data_load's get_or_create retries the get on IntegrityError",
    "projects.Sector": "reference data (get_or_create)",
    "projects.Department": "reference data (get_or_create)",
    "projects.Category": "reference data (get_or_create)",
    "projects.KeyProjectThreshold": "reference data (get_or_create)",
    "projects.RoleAssignment": "administrators in the admin site",
    "investment.PeriodFreeze": "period_freeze: get_or_create",
    "attraction.CadenceRule": "administrators in the admin site",
    "attraction.SigningEventProject": "_line_add saves in a savepoint and answers IntegrityError as a 400",
    "attraction.StartEventProject": "_line_add saves in a savepoint and answers IntegrityError as a 400",
    "attraction.BulletinRun": "bulletin_request: get_or_create on (month, data_version)",
    "attraction.TaskForce": "administrators; _clean_save saves in a savepoint and answers IntegrityError as a 400",
    "attraction.DevelopmentZone": "administrators; _clean_save answers IntegrityError as a 400",
    "attraction.Investor": "administrators; _clean_save answers IntegrityError as a 400",
    "attraction.FundBudget": "budget_set locks the row; a concurrent first insert is a 400 (_clean_save)",
    "attraction.FundSpending": "one spending per event: _clean_save answers IntegrityError as a 400 on event",
    "attraction.ProjectPhase": "phase_link locks the row; a concurrent first insert is a 400 (_clean_save)",
    "notifications.Notification": "notify: bulk insert with ignore_conflicts (tests/notifications)",
    "notifications.WebhookEndpoint": "administrators in the admin site",
    "notifications.ChannelPreference": "update_or_create",
    "notifications.Delivery": "get_or_create, IntegrityError caught (notifications.services)",
    "supervision.CalendarDay": "administrators in the admin site",
    "supervision.LightSnapshot": "light_snapshot_take: bulk_create with update_conflicts (an upsert)",
    "supervision.SupervisionOrder": "number derived from the row's own id after insert",
    "dispatch.DispatchGroup": "reference data (get_or_create)",
    "dispatch.DispatchRound": "get_or_create, IntegrityError caught (dispatch.services)",
    "dispatch.Evaluation": "get_or_create",
    "dispatch.EvaluationEntry": "written inside evaluation_run after its get_or_create made the evaluation",
    "dispatch.Report": "get_or_create, IntegrityError caught (dispatch.services)",
    "dispatch.WarningNotice": "written inside evaluation_run only by the call whose get_or_create made the evaluation",
    "dispatch.ProblemEscalation": "escalation locks the problem row (select_for_update) first",
    "investment.ProcedureSchedule": "procedure_template_apply locks the project row first (project_lock)",
    "investment.ProcedurePlan": "procedure_plan_freeze locks the project's schedule row before numbering the version",
    "investment.ProcedureTemplate": "administrators in the admin site",
    "investment.CountedMonth": "written only by the rollup trigger, under the progress entry's row lock",
    "investment.CountedYear": "written only by the rollup trigger, under the progress entry's row lock",
    "investment.ProgressAmendment": "amendment_propose locks the entry row before looking for a pending proposal",
    "projects.PortfolioVisit": "portfolio_visit_mark: bulk_create with update_conflicts (an upsert)",
    "attraction.ChainTarget": "administrators in the admin site (the demo: bulk_create with ignore_conflicts)",
    "attraction.AssessmentIndicator": "administrators in the admin site (the demo: get_or_create)",
    "attraction.AssessmentGrade": "administrators in the admin site (the demo: get_or_create)",
    "attraction.Circulation": "circulation_deliver: get_or_create on the month (retries the get), then the row locked",
    "investment.PhysicalIndicator": "administrators in the admin site (the demo writes them once)",
    "investment.IndicatorMonth": "administrators in the admin site, inline on the indicator (the demo writes them once)",
    "dispatch.EvaluationHonour": "written only by evaluation_run inside the transaction that creates its evaluation "
    "(unique per quarter, tested): a second run finds the evaluation and writes nothing",
    "investment.ScopeTotal": "written only by the per-scope triggers, under one transaction advisory lock",
    "investment.ScopeMonth": "written only by the per-scope triggers, under one transaction advisory lock",
    "investment.ScopeStart": "written only by the start-day triggers, under the same transaction advisory lock",
    "investment.ProjectStart": "written only by the start-day triggers, under the same transaction advisory lock",
}
APPS = {"accounts", "projects", "investment", "attraction", "supervision", "dispatch", "notifications", "insights"}


def test_every_unique_natural_key_is_tested_for_concurrent_creation_or_explained():
    keyed = set()
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        unique_fields = [f for f in model._meta.fields if f.unique and not f.primary_key]
        constraints = [c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
        if unique_fields or constraints or model._meta.pk.is_relation:
            keyed.add(model._meta.label)
    unexplained = keyed - set(TESTED) - set(REASONS)
    assert unexplained == set(), f"unique keys with no concurrency test or reason: {sorted(unexplained)}"
    assert set(TESTED) <= keyed and set(REASONS) <= keyed  # no stale entries
    assert all(name in globals() for name in TESTED.values())
