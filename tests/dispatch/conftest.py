import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import DispatchGroup
from investment.models import Problem, ProgressEntry
from tests.conftest import celery_worker, use_configured_broker  # noqa: F401 - shared by the dispatch tests
from tests.factories import ProjectFactory


@pytest.fixture
def groups(db):
    services.groups_load_defaults()
    return {g.key: g for g in DispatchGroup.objects.all()}


def entry(project, period, amount, status="verified"):
    return ProgressEntry.objects.create(project=project, period=period, amount_completed=Decimal(amount), status=status)


def problem(project, *, deadline, tier="county", unit="市自然资源局", status="open", description="用地指标未落实"):
    return Problem.objects.create(
        project=project,
        description=description,
        kind="land",
        responsible_unit=unit,
        deadline=deadline,
        tier=tier,
        status=status,
    )


def project(**kwargs):
    return ProjectFactory(**kwargs)


def at(year, month, day, hour=12):
    """An aware local datetime (Asia/Shanghai), for a frozen "now"."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour))
