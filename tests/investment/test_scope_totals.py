"""The per-scope totals (investment.ScopeTotal, ScopeMonth) against independent SQL over the projects and
the entries, after every kind of write; and the figures read from them equal the per-project ones."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from insights import selectors as insights
from investment import services
from investment.models import ProgressEntry
from portal import selectors as portal
from projects.access import rollup_scope
from projects.choices import KeyLevel, Role, Stage
from projects.models import Category, Department, KeyProjectThreshold, Project, Region, RoleAssignment, Sector
from tests.factories import ProjectFactory, user_with_role

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)
DEC = datetime.date(2025, 12, 1)

# Written here, not taken from the code: a project is in the scope "all" (key 0), its region's, its
# category's and its department's (when it has one); in each it has one value per dimension. A month
# counts when its entry is verified, at the amended figure if there is one.
THRESHOLD = (
    "(SELECT coalesce((SELECT min_total_investment FROM projects_keyprojectthreshold WHERE level = 'city'), 5000))"
)
SCOPES = {"all": "0", "region": "p.region_id", "category": "p.category_id", "department": "p.department_id"}
DIMENSIONS = {
    "total": "''",
    "region": "p.region_id::text",
    "stage": "p.stage",
    "sector": "coalesce(p.sector_id::text, '')",
    "category": "p.category_id::text",
    "department": "coalesce(p.department_id::text, '')",
    "key": f"CASE WHEN p.total_investment >= {THRESHOLD} THEN '1' ELSE '0' END",
}


def independent():
    projects, months = set(), set()
    with connection.cursor() as cursor:
        for scope, key in SCOPES.items():
            for dimension, value in DIMENSIONS.items():
                cursor.execute(
                    f"SELECT {key}::bigint, {value}, count(*), sum(p.total_investment), sum(p.annual_plan)"
                    f" FROM projects_project p WHERE {key} IS NOT NULL GROUP BY 1, 2"
                )
                projects |= {(scope, k, dimension, v, n, t, a) for k, v, n, t, a in cursor.fetchall()}
                cursor.execute(
                    f"SELECT {key}::bigint, {value}, e.period, count(*),"
                    f" sum(COALESCE(e.amended_amount, e.amount_completed))"
                    f" FROM investment_progressentry e JOIN projects_project p ON p.id = e.project_id"
                    f" WHERE e.status = 'verified' AND {key} IS NOT NULL GROUP BY 1, 2, 3"
                )
                months |= {(scope, k, dimension, v, period, n, a) for k, v, period, n, a in cursor.fetchall()}
    return projects, months


def stored():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, scope_key, dimension, value, projects, total_investment, annual_plan"
            " FROM investment_scopetotal"
        )
        projects = set(cursor.fetchall())
        cursor.execute("SELECT scope, scope_key, dimension, value, period, months, amount FROM investment_scopemonth")
        months = set(cursor.fetchall())
    return projects, months


def check():
    assert stored() == independent()


def _verified(county_user, county_reviewer, project, period, amount):
    entry = services.progress_save(user=county_user, project=project, period=period, amount_completed=amount)
    entry = services.progress_submit(user=county_user, entry=entry)
    return services.progress_verify(user=county_reviewer, entry=entry)


@pytest.fixture
def projects():
    return [
        ProjectFactory(stage=Stage.CONSTRUCTION, total_investment=Decimal("8000"), annual_plan=Decimal("1000")),
        ProjectFactory(
            stage=Stage.CONSTRUCTION,
            total_investment=Decimal("900"),
            annual_plan=Decimal("300"),
            sector=None,
            department=None,
        ),
        ProjectFactory(
            stage=Stage.SIGNED, region=Region.objects.get(key="haicheng"), category=Category.objects.get(key="social")
        ),
    ]


def test_totals_follow_entries_amendments_and_deletes(county_user, county_reviewer, projects):
    first, second, _ = projects
    check()
    _verified(county_user, county_reviewer, first, JAN, "100")
    entry = _verified(county_user, county_reviewer, first, FEB, "40")
    _verified(county_user, county_reviewer, second, JAN, "7.5")
    _verified(county_user, county_reviewer, second, DEC, "3")
    check()
    ProgressEntry.objects.filter(pk=entry.pk).update(amended_amount=Decimal("45.25"))  # an approved amendment
    check()
    services.progress_return(user=county_reviewer, entry=ProgressEntry.objects.get(pk=entry.pk), reason="有误")
    check()
    ProgressEntry.objects.filter(project=second, period=JAN).delete()
    check()
    ProgressEntry.objects.create(project=second, period=FEB, amount_completed=Decimal("0"), status="verified")
    check()  # a month of zero still counts as a counted month


def test_totals_follow_project_edits_stage_changes_and_deletes(county_user, county_reviewer, projects):
    first, second, third = projects
    _verified(county_user, county_reviewer, first, JAN, "100")
    _verified(county_user, county_reviewer, second, JAN, "20")
    Project.objects.filter(pk=first.pk).update(stage=Stage.COMPLETED)  # a stage change moves its months
    check()
    Project.objects.filter(pk=first.pk).update(region=Region.objects.get(key="haicheng"), sector=None)
    check()
    Project.objects.filter(pk=second.pk).update(total_investment=Decimal("6000"))  # becomes a key project
    check()
    Project.objects.filter(pk=second.pk).update(annual_plan=Decimal("350"), department=Department.objects.first())
    check()
    Project.objects.filter(pk=third.pk).update(name="改名")  # no figure changed
    check()
    Project.objects.update(annual_plan=Decimal("1"))  # many rows in one statement
    check()
    first.delete()  # its entries and counted months go first (Django's cascade), then the project
    check()
    ProjectFactory(stage=Stage.PLANNING, sector=Sector.objects.order_by("id").last())
    check()
    Project.objects.all().delete()
    assert stored() == independent() == (set(), set())


def test_thousands_of_statements_in_one_transaction_stay_within_the_lock_table(projects):
    """A bulk update of entries writes the counted months one statement per entry (a row trigger), and
    each fires the per-statement scope trigger: that trigger must not take a new lock each time (the
    temporary tables of 0009 did, and a few thousand statements ran out of shared memory)."""
    first = projects[0]
    months = [datetime.date(2000 + i // 12, i % 12 + 1, 1) for i in range(300)]
    ProgressEntry.objects.bulk_create(
        ProgressEntry(project=first, period=m, amount_completed=Decimal("1"), status="verified") for m in months
    )
    locks = []
    with connection.cursor() as cursor:
        for step in range(1, 11):  # 3,000 counted-month statements, all in the test's one transaction
            cursor.execute("UPDATE investment_progressentry SET amount_completed = %s WHERE project_id = %s",
                           [Decimal(step), first.pk])  # fmt: skip
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()")
            locks.append(cursor.fetchone()[0])
    # Once every table was touched (the first round) the locks stay those of the same tables and their
    # indexes (a few more as an update first goes through another index), whatever the number of
    # statements after it: 2,700 more statements add at most a handful (the temporary tables: +26,400).
    assert locks[-1] - locks[1] < 20
    check()


def test_key_flag_follows_the_threshold(county_user, county_reviewer, projects):
    _verified(county_user, county_reviewer, projects[1], JAN, "20")
    check()
    KeyProjectThreshold.objects.update_or_create(level=KeyLevel.CITY, defaults={"min_total_investment": 800})
    check()
    KeyProjectThreshold.objects.filter(level=KeyLevel.CITY).delete()  # back to the default 5000
    check()


def test_rebuild_after_a_load_without_triggers(county_user, county_reviewer, projects):
    _verified(county_user, county_reviewer, projects[0], JAN, "100")
    with connection.cursor() as cursor:  # what the demo seed does: a bulk load with triggers off
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE projects_project SET annual_plan = annual_plan + 1, stage = 'landed'")
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert stored() != independent()
    services.counted_months_sync()
    check()


def test_rollup_scope_of_each_role(leader, county_user, department_user, special_group_user, tiedong):
    assert rollup_scope(leader) == ("all", [0])
    assert rollup_scope(county_user) == ("region", [tiedong.pk])
    assert rollup_scope(department_user)[0] == "department"
    assert rollup_scope(special_group_user)[0] == "category"
    RoleAssignment.objects.create(user=county_user, role=Role.SPECIAL_GROUP, category=Category.objects.first())
    county_user.refresh_from_db()
    county_user._role_assignments = None
    assert rollup_scope(county_user) is None  # a union of two fields: computed over the projects


def _per_project(monkeypatch, fn, **kwargs):
    """The same figures computed over the projects (the path for scopes the totals do not keep)."""
    monkeypatch.setattr(insights, "rollup_scope", lambda user: None)
    monkeypatch.setattr(portal, "rollup_scope", lambda user: None)
    try:
        return fn(**kwargs)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("who", ["leader", "county_user", "department_user", "special_group_user"])
def test_figures_from_the_totals_equal_the_per_project_figures(request, monkeypatch, county_user, county_reviewer,
                                                               projects, who):  # fmt: skip
    user = request.getfixturevalue(who)
    _verified(county_user, county_reviewer, projects[0], JAN, "100")
    _verified(county_user, county_reviewer, projects[1], FEB, "33.33")
    _verified(county_user, county_reviewer, projects[0], datetime.date(2025, 2, 1), "50")
    today = datetime.date(2026, 3, 15)
    for fn in (insights.summary, portal.headline, portal.completion_breakdowns, portal.monthly_trend):
        assert fn(user=user, today=today) == _per_project(monkeypatch, fn, user=user, today=today), fn.__name__
    assert insights.summary(user=user, year=2025) == _per_project(monkeypatch, insights.summary, user=user, year=2025)


def test_top_lagging_equals_the_whole_list(county_user, county_reviewer):
    plans = [Decimal(p) for p in ("900", "800", "800", "700", "600", "500", "400", "300", "200", "100", "50", "800")]
    projects = [
        ProjectFactory(stage=Stage.CONSTRUCTION, annual_plan=plan, total_investment=Decimal("20000")) for plan in plans
    ]
    for project, done in zip(projects, ("850", "0", "100", "0", "0", "10", "0", "0", "0", "0", "0", "0"), strict=True):
        if done != "0":
            _verified(county_user, county_reviewer, project, JAN, done)
    today = timezone.localdate().replace(month=12, day=1)
    leader = user_with_role("leader2", Role.LEADERSHIP)
    whole = list(portal.lagging_projects(user=leader, today=today))
    assert len(whole) >= 5
    for limit, batch in ((3, 2), (5, 1), (10, 3), (20, 100)):
        top = portal.top_lagging(user=leader, today=today, limit=limit, batch=batch)
        assert [p.pk for p in top] == [p.pk for p in whole[:limit]]
        assert [p.gap for p in top] == [p.gap for p in whole[:limit]]
