import pytest

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
