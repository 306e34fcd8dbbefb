"""Property-based (hypothesis, bounded): whatever text arrives as an amount or a date, the project
service either stores exactly that value or refuses it naming the field, and writes nothing then."""

import datetime
from decimal import Decimal, InvalidOperation

import pytest
from django.core.exceptions import ValidationError
from django.utils import dateparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.models import Category, Project, Region, StageChange
from projects.services import project_create

BOUNDED = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

amount_text = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=-10, max_value=10**13, places=2).map(str),
    st.from_regex(r"\A-?\d{1,16}(\.\d{0,4})?\Z"),
    st.sampled_from(["", " ", "1,000", "１２３", "1e5", "1E400", "NaN", "-0", "0.001", "五百", "12万", "=1+1", "0x10"]),
    st.text(max_size=12),
)
date_text = st.one_of(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)).map(str),
    st.sampled_from(["2026/03/01", "01/03/2026", "2026-13-01", "2026-02-30", "2026年3月1日", "20260301", "", "昨天"]),
    st.text(max_size=12),
)


def parse_amount(text):
    """The rule: a finite number, not negative, at most two decimal places as written, below 10^12 万元."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value >= 10**12:
        return None
    return value


def parse_date(text):
    """The rule: an ISO date (Django's parser is the oracle for which spellings count as ISO)."""
    try:
        return dateparse.parse_date(text)
    except ValueError:
        return None


@pytest.fixture
def place(db):
    return {"region": Region.objects.get(key="tiedong"), "category": Category.objects.get(key="industrial")}


@BOUNDED
@given(amount=amount_text)
def test_an_amount_is_stored_exactly_or_refused_naming_the_field(place, admin_user, amount):
    before = Project.objects.count(), StageChange.objects.count()
    expected = parse_amount(amount)
    try:
        project = project_create(user=admin_user, name="金额", total_investment=amount, annual_plan="0", **place)
    except ValidationError as error:
        assert "total_investment" in error.message_dict, error.message_dict
        assert (Project.objects.count(), StageChange.objects.count()) == before
        assert expected is None, f"{amount!r} is a valid amount yet was refused"
        return
    project.refresh_from_db()
    assert expected is not None, f"{amount!r} was accepted"
    assert project.total_investment == expected


@BOUNDED
@given(start=date_text, completion=date_text)
def test_dates_are_stored_exactly_or_refused_naming_the_field(place, admin_user, start, completion):
    before = Project.objects.count()
    expected = parse_date(start), parse_date(completion)
    data = {"planned_start": start or None, "planned_completion": completion or None}
    try:
        project = project_create(user=admin_user, name="日期", total_investment="100", **place, **data)
    except ValidationError as error:
        assert set(error.message_dict) <= {"planned_start", "planned_completion"}, error.message_dict
        assert Project.objects.count() == before
        valid = all(e is not None or not raw for e, raw in zip(expected, (start, completion), strict=True))
        in_order = not (valid and all(expected) and expected[1] < expected[0])
        assert not (valid and in_order), f"{start!r}, {completion!r} are valid yet were refused"
        return
    project.refresh_from_db()
    assert project.planned_start == (expected[0] if start else None)
    assert project.planned_completion == (expected[1] if completion else None)
