import datetime
from decimal import Decimal

import pytest

from projects.choices import Role, Stage
from projects.models import StageChange
from tests.factories import ProjectFactory, user_with_role

STAGES = list(Stage.values)


def project_with_history(*, region, total, steps, **extra):
    """A project whose stage history is ``steps`` [(stage, date), ...] (forward), ending in the last stage."""
    project = ProjectFactory(region=region, total_investment=Decimal(total), annual_plan=Decimal("0"),
                             stage=steps[-1][0], **extra)  # fmt: skip
    previous = ""
    for stage, on in steps:
        StageChange.objects.create(project=project, from_stage=previous, to_stage=stage, changed_on=on)
        previous = stage
    return project


def d(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def manager():
    return user_with_role("manager", Role.REPORT_MANAGER)
