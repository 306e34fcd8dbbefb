import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attraction import selectors, services
from projects.choices import Stage
from projects.models import Region
from tests.factories import ProjectFactory

from .conftest import d, project_with_history

S, L = Stage.SIGNED, Stage.LANDED


def capital(user, project, month, amount):
    services.capital_record(user=user, project=project, month=d(month), amount=Decimal(amount))


@pytest.fixture
def figures_data(admin_user, tiedong, haicheng):
    """铁东区 has capital in both years; 海城市 only this year (no base last year)."""
    t1 = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, start_type="new")
    t2 = ProjectFactory(region=tiedong, stage=Stage.LANDED)
    h1 = ProjectFactory(region=haicheng, stage=Stage.LANDED)
    for month, amount in [("2025-01-01", "100"), ("2025-06-01", "200.50"), ("2025-10-01", "300"),
                          ("2025-11-01", "999")]:  # fmt: skip
        capital(admin_user, t1, month, amount)
    capital(admin_user, t2, "2025-03-01", "50")
    for month, amount in [("2026-02-01", "400"), ("2026-10-01", "250.25")]:
        capital(admin_user, t1, month, amount)
    capital(admin_user, t2, "2026-10-01", "100")
    capital(admin_user, h1, "2026-05-01", "80")
    capital(admin_user, h1, "2026-11-01", "70")  # after the bulletin month: not counted
    return t1, t2, h1


def test_capital_yoy_against_the_same_months_of_last_year(leader, figures_data):
    rows = selectors.capital_monthly(user=leader, year=2026)
    october = rows[9]
    assert october["amount"] == Decimal("350.25")
    assert october["last_year"] == Decimal("300.00")
    assert october["yoy"] == ((Decimal("350.25") - 300) / 300).quantize(Decimal("0.0001"))
    # Jan-Oct this year vs Jan-Oct last year: 830.25 vs 650.50 (November last year is not in the base).
    assert october["ytd"] == Decimal("830.25")
    assert october["ytd_last_year"] == Decimal("650.50")
    assert rows[4]["yoy"] is None  # May: nothing last year, no base
    assert rows[4]["amount"] == Decimal("80.00")


def test_region_figures_with_a_county_that_had_nothing_last_year(leader, figures_data, tiedong, haicheng):
    figures = selectors.region_figures(user=leader, month=d("2026-10-01"))
    rows = {r["region"].key: r for r in figures["rows"]}
    tie, hai = rows["tiedong"], rows["haicheng"]
    assert tie["capital_month"] == Decimal("350.25")
    assert tie["capital_ytd"] == Decimal("750.25")
    assert tie["capital_last"] == Decimal("650.50")
    assert tie["capital_yoy"] == ((Decimal("750.25") - Decimal("650.50")) / Decimal("650.50")).quantize(
        Decimal("0.0001")
    )
    assert hai["capital_ytd"] == Decimal("80.00")
    assert hai["capital_last"] == Decimal("0.00")
    assert hai["capital_yoy"] is None  # no base: shown as 新增, never a division by zero
    assert rows["taian"]["capital_yoy"] is None and rows["taian"]["capital_ytd"] == 0
    assert figures["total"]["capital_ytd"] == Decimal("830.25")
    assert figures["total"]["capital_yoy"] == ((Decimal("830.25") - Decimal("650.50")) / Decimal("650.50")).quantize(
        Decimal("0.0001")
    )


def test_yoy_helper():
    assert selectors.yoy(Decimal("130"), Decimal("100")) == Decimal("0.3000")
    assert selectors.yoy(Decimal("5"), Decimal("0")) is None
    assert selectors.yoy(Decimal("0"), None) is None
    assert selectors.yoy(Decimal("0"), Decimal("4")) == Decimal("-1.0000")


def test_targets_give_completion_rates_and_rank(admin_user, leader, figures_data, tiedong, haicheng):
    services.target_set(user=admin_user, region=tiedong, year=2026, signed_amount="100000", landed_count=10,
                        capital_amount="1500")  # fmt: skip
    services.target_set(user=admin_user, region=haicheng, year=2026, signed_amount="50000", landed_count=4,
                        capital_amount="100")  # fmt: skip
    project_with_history(region=haicheng, total="20000", steps=[(S, d("2026-03-03")), (L, d("2026-10-10"))])
    project_with_history(region=haicheng, total="5000", steps=[(S, d("2025-04-03"))])
    figures = selectors.region_figures(user=leader, month=d("2026-10-01"))
    rows = {r["region"].key: r for r in figures["rows"]}
    assert rows["tiedong"]["capital_rate"] == (Decimal("750.25") / 1500).quantize(Decimal("0.0001"))
    assert rows["haicheng"]["capital_rate"] == Decimal("0.8000")
    assert rows["haicheng"]["rank"] == 1 and rows["tiedong"]["rank"] == 2
    assert rows["haicheng"]["signed_ytd"] == 1
    assert rows["haicheng"]["signed_ytd_amount"] == Decimal("20000.00")
    assert rows["haicheng"]["signed_rate"] == Decimal("0.4000")
    assert rows["haicheng"]["signed_yoy"] == Decimal("3.0000")  # 20000 vs 5000
    assert rows["haicheng"]["landed_month"] == 1
    assert rows["haicheng"]["landed_rate"] == Decimal("0.2500")
    assert rows["haicheng"]["landed_yoy"] is None
    assert rows["taian"]["capital_rate"] is None and rows["taian"]["rank"] > 2


def test_target_and_capital_rules(admin_user, county_user, other_county_user, tiedong):
    project = ProjectFactory(region=tiedong)
    with pytest.raises(ValidationError) as error:
        services.capital_record(user=county_user, project=project, month=d("2026-10-01"), amount="-1")
    assert "amount" in error.value.message_dict
    future = (datetime.date.today().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    with pytest.raises(ValidationError) as error:
        services.capital_record(user=county_user, project=project, month=future, amount="1")
    assert "month" in error.value.message_dict
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.capital_record(user=other_county_user, project=project, month=d("2026-10-01"), amount="1")
    with pytest.raises(PermissionDenied):
        services.target_set(user=county_user, region=tiedong, year=2026, signed_amount="1", landed_count=1,
                            capital_amount="1")  # fmt: skip
    row, created = services.capital_record(user=county_user, project=project, month=d("2026-10-15"), amount="12.5")
    assert created and row.month == d("2026-10-01")
    row, created = services.capital_record(user=county_user, project=project, month=d("2026-10-01"), amount="13")
    assert not created and row.amount == Decimal("13.00")
    assert Region.objects.count() == 10
