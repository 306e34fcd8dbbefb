from decimal import Decimal

import pytest
from django.http import Http404

from common import periods
from projects import selectors
from projects.choices import KeyLevel
from projects.models import KeyProjectThreshold
from tests.factories import ProjectFactory


@pytest.mark.parametrize(
    ("amount", "level"),
    [("4999.99", "county"), ("499.99", ""), ("500.00", "county"), ("5000.00", "city"), ("229000.00", "city")],
)
def test_key_level_follows_the_thresholds_at_their_boundaries(leader, amount, level):
    project = ProjectFactory(total_investment=Decimal(amount), annual_plan=Decimal("0"))
    assert selectors.project_get(user=leader, pk=project.pk).key_level == level
    assert project.key_level(selectors.key_thresholds()) == level


def test_an_administrator_can_change_the_threshold(leader):
    project = ProjectFactory(total_investment=Decimal("3000"), annual_plan=Decimal("0"))
    assert selectors.project_get(user=leader, pk=project.pk).key_level == KeyLevel.COUNTY
    KeyProjectThreshold.objects.filter(level=KeyLevel.CITY).update(min_total_investment=Decimal("3000"))
    assert selectors.project_get(user=leader, pk=project.pk).key_level == KeyLevel.CITY


def test_key_level_filter(leader):
    ProjectFactory(total_investment=Decimal("6000"), annual_plan=Decimal("0"))
    ProjectFactory(total_investment=Decimal("600"), annual_plan=Decimal("0"))
    ProjectFactory(total_investment=Decimal("60"), annual_plan=Decimal("0"))
    thresholds = selectors.key_thresholds()
    qs = selectors.project_list(user=leader)
    assert qs.filter(selectors.key_level_q(KeyLevel.CITY, thresholds)).count() == 1
    assert qs.filter(selectors.key_level_q(KeyLevel.COUNTY, thresholds)).count() == 2


def test_list_is_scoped_to_the_county(county_user, other_county_user, haicheng):
    mine = ProjectFactory()
    theirs = ProjectFactory(region=haicheng)
    assert list(selectors.project_list(user=county_user)) == [mine]
    assert list(selectors.project_list(user=other_county_user)) == [theirs]
    with pytest.raises(Http404):
        selectors.project_get(user=county_user, pk=theirs.pk)


def test_list_query_count_does_not_grow_with_rows(leader, django_assert_max_num_queries):
    ProjectFactory.create_batch(30)
    with django_assert_max_num_queries(3):
        rows = list(selectors.project_list(user=leader))
        _ = [(p.region.name, p.category.name, p.sector.name, p.department.name) for p in rows]
    assert len(rows) == 30


def test_year_fraction_elapsed():
    import datetime

    assert periods.year_fraction_elapsed(datetime.date(2026, 12, 31)) == Decimal("1.0000")
    assert periods.year_fraction_elapsed(datetime.date(2026, 7, 2)) == Decimal("0.5014")
