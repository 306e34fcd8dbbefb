import datetime
from decimal import Decimal

import pytest

from investment.choices import EntryStatus
from investment.models import ProgressEntry
from projects.choices import Stage, StartType
from tests.factories import ProjectFactory


def building(**kwargs):
    """A project under construction since last year, with a year plan of 1,000 万元."""
    defaults = {
        "stage": Stage.CONSTRUCTION,
        "start_type": StartType.CONTINUING,
        "actual_start": datetime.date(2025, 3, 1),
        "planned_start": datetime.date(2025, 3, 1),
        "planned_completion": datetime.date(2028, 12, 31),
        "total_investment": Decimal("10000.00"),
        "annual_plan": Decimal("1000.00"),
    }
    defaults.update(kwargs)
    return ProjectFactory(**defaults)


def entry(project, period, amount, status=EntryStatus.SUBMITTED):
    return ProgressEntry.objects.create(project=project, period=period, amount_completed=Decimal(amount), status=status)


@pytest.fixture
def make_building():
    return building


@pytest.fixture
def make_entry():
    return entry
