import datetime
from decimal import Decimal

from investment import selectors, services
from investment.models import PeriodFreeze, ProgressEntry
from projects.access import user_roles
from tests.factories import ProjectFactory, region


def _entry(project, period, amount, **kw):
    return ProgressEntry.objects.create(project=project, period=period, amount_completed=Decimal(amount), **kw)


def test_period_freeze_is_idempotent_and_visible(admin_user):
    assert not selectors.period_is_frozen(period=datetime.date(2026, 3, 1))
    first = services.period_freeze(period=datetime.date(2026, 3, 17), user=admin_user, reason="3月调度报告印发")
    second = services.period_freeze(period="2026-03", user=None)
    assert first.pk == second.pk
    assert PeriodFreeze.objects.count() == 1
    assert selectors.period_is_frozen(period=datetime.date(2026, 3, 1))
    assert not selectors.period_is_frozen(period=datetime.date(2026, 4, 1))


def test_project_totals_in_one_query(county_user, other_county_user, django_assert_num_queries):
    a = ProjectFactory(total_investment=Decimal("100"), annual_plan=Decimal("50"))
    b = ProjectFactory(total_investment=Decimal("1000"), annual_plan=Decimal("50"))
    other = ProjectFactory(region=region("haicheng"))
    _entry(a, datetime.date(2025, 12, 1), "30.00")
    _entry(a, datetime.date(2026, 1, 1), "40.00")
    _entry(a, datetime.date(2026, 2, 1), "50.50", amended_amount=Decimal("45.50"))
    _entry(b, datetime.date(2026, 2, 1), "7.25")
    _entry(other, datetime.date(2026, 2, 1), "99")
    user_roles(county_user)  # cached on the user object for the request
    with django_assert_num_queries(1):
        rows = {
            r["id"]: r
            for r in selectors.project_totals(user=county_user, year=2026).values(
                "id", "ytd_completed", "since_start_completed", "has_amendment", "overrun"
            )
        }
    assert set(rows) == {a.pk, b.pk}
    assert rows[a.pk]["ytd_completed"] == Decimal("85.50")
    assert rows[a.pk]["since_start_completed"] == Decimal("115.50")
    assert rows[a.pk]["has_amendment"] is True
    assert rows[a.pk]["overrun"] is True
    assert rows[b.pk]["ytd_completed"] == Decimal("7.25") and rows[b.pk]["overrun"] is False
    as_of = selectors.project_totals(user=county_user, year=2026, as_of=datetime.date(2026, 1, 31)).get(pk=a.pk)
    assert as_of.ytd_completed == Decimal("40.00") and as_of.since_start_completed == Decimal("70.00")
    assert selectors.project_totals(user=other_county_user, year=2026).get().pk == other.pk
