import datetime

import pytest

from assistance import services
from assistance.models import ServiceKind
from projects.choices import Role
from projects.models import Department, Region
from tests.factories import ProjectFactory, UserFactory, user_with_role

D = datetime.date
REQUESTED_ON = D(2026, 9, 29)  # a Tuesday before the National Day holiday


def on(monkeypatch, day):
    """Freeze "today" for the services (deadlines, overdue, escalation)."""
    monkeypatch.setattr(services, "_today", lambda: day)


@pytest.fixture(autouse=True)
def kinds(reference_data):
    # A transactional test elsewhere may have flushed the data migration's rows.
    services.kinds_load_defaults()
    return {k.key: k for k in ServiceKind.objects.all()}


@pytest.fixture
def zjj():
    return Department.objects.get(key="zjj")


@pytest.fixture
def owner(zjj):
    """Dora: staff of 市住房城乡建设局, the unit owing drawing reviews."""
    return user_with_role("dora", Role.DEPARTMENT, department=zjj)


@pytest.fixture
def steward():
    """Sam: a project steward (项目管家), named on projects, with no role of his own."""
    return UserFactory(username="sam", display_name="管家小孙")


@pytest.fixture
def project(steward):
    """A 铁东区 project (sector department: 工信局) whose steward is Sam."""
    return ProjectFactory(name="铁东菱镁新材料项目", steward=steward)


@pytest.fixture
def haicheng_project(steward):
    """A 海城市 project served by the same steward."""
    return ProjectFactory(name="海城钢丝绳项目", region=Region.objects.get(key="haicheng"), steward=steward)


@pytest.fixture
def make_task(kinds, zjj):
    def make(*, user, project, kind="drawing_review", requested_on=REQUESTED_ON, deadline_days=3, **extra):
        return services.task_request(
            user=user,
            project=project,
            kind=kinds[kind],
            request_text=extra.pop("request_text", "厂房施工图申请联合审图"),
            owner_unit=extra.pop("owner_unit", zjj),
            deadline_days=deadline_days,
            requested_on=requested_on,
            **extra,
        )

    return make
