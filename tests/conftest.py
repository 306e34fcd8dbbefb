import os

import pytest

# Playwright's sync API runs an event loop in the test thread, after which Django's async-safety
# guard refuses ORM calls in that thread for the rest of the process. Tests are not a deployment
# (the check --deploy test removes this variable for its subprocess).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from projects.choices import Role
from projects.models import Category, Department, Region
from projects.services import reference_data_load
from tests.factories import user_with_role


@pytest.fixture(autouse=True)
def reference_data(db):
    reference_data_load()


@pytest.fixture
def tiedong():
    return Region.objects.get(key="tiedong")


@pytest.fixture
def haicheng():
    return Region.objects.get(key="haicheng")


@pytest.fixture
def county_user(tiedong):
    """Alice: county staff of 铁东区."""
    return user_with_role("alice", Role.COUNTY_STAFF, region=tiedong)


@pytest.fixture
def county_colleague(tiedong):
    """Bob: another county staff member of 铁东区."""
    return user_with_role("bob", Role.COUNTY_STAFF, region=tiedong)


@pytest.fixture
def other_county_user(haicheng):
    """Charlie: county staff of 海城市, who must never see 铁东区's data."""
    return user_with_role("charlie", Role.COUNTY_STAFF, region=haicheng)


@pytest.fixture
def county_reviewer(tiedong):
    return user_with_role("reviewer", Role.COUNTY_REVIEWER, region=tiedong)


@pytest.fixture
def leader():
    return user_with_role("leader", Role.LEADERSHIP)


@pytest.fixture
def admin_user():
    return user_with_role("admin", Role.ADMIN)


@pytest.fixture
def department_user():
    return user_with_role("dept", Role.DEPARTMENT, department=Department.objects.get(key="gxj"))


@pytest.fixture
def special_group_user():
    return user_with_role("social", Role.SPECIAL_GROUP, category=Category.objects.get(key="social"))


@pytest.fixture(autouse=True, scope="session")
def celery_configured_from_real_settings():
    """Load the shared Celery app's configuration once, from the real settings, before any test
    overrides REDIS_URL/CELERY_BROKER_URL (Celery copies settings when it first reads them; a test
    pointing at a stopped private Redis must not leave the app talking to it for later tests)."""
    from anshan_projects.celery import app

    assert app.conf.broker_url
    yield
