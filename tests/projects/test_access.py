import pytest

from projects.access import Action, can, project_q
from projects.models import Category, Department, Project
from tests.factories import ProjectFactory, UserFactory


@pytest.fixture
def projects(haicheng):
    social = Category.objects.get(key="social")
    fgw = Department.objects.get(key="fgw")
    return {
        "tiedong_industrial": ProjectFactory(),
        "haicheng_social": ProjectFactory(region=haicheng, category=social, department=fgw),
    }


def _visible(user, action=Action.VIEW):
    return set(Project.objects.filter(project_q(user, action)).values_list("name", flat=True))


def test_matrix(projects, county_user, county_reviewer, leader, admin_user, department_user, special_group_user):
    t, h = projects["tiedong_industrial"].name, projects["haicheng_social"].name
    assert _visible(county_user) == {t}
    assert _visible(county_user, Action.CHANGE) == {t}
    assert _visible(county_user, Action.VERIFY) == set()
    assert _visible(county_reviewer, Action.VERIFY) == {t}
    assert _visible(county_reviewer, Action.CHANGE) == set()
    assert _visible(leader) == {t, h}
    assert _visible(leader, Action.CHANGE) == set()
    assert _visible(admin_user, Action.CHANGE) == {t, h}
    assert _visible(department_user) == {t}  # gxj leads the industrial one
    assert _visible(special_group_user) == {h}  # social category


def test_anonymous_and_inactive_see_nothing(projects, county_user):
    from django.contrib.auth.models import AnonymousUser

    assert _visible(AnonymousUser()) == set()
    county_user.is_active = False
    assert _visible(county_user) == set()


def test_user_without_roles_sees_nothing(projects):
    assert _visible(UserFactory(username="nobody")) == set()


def test_several_roles_add_up(projects, county_user, haicheng):
    from projects.choices import Role
    from projects.models import RoleAssignment

    RoleAssignment.objects.create(user=county_user, role=Role.COUNTY_REVIEWER, region=haicheng)
    county_user._role_assignments = None
    assert _visible(county_user) == {p.name for p in projects.values()}
    assert _visible(county_user, Action.CHANGE) == {projects["tiedong_industrial"].name}


def test_can_matches_the_queryset(projects, county_user):
    assert can(county_user, Action.CHANGE, projects["tiedong_industrial"])
    assert not can(county_user, Action.CHANGE, projects["haicheng_social"])
    assert not can(county_user, Action.VERIFY, projects["tiedong_industrial"])
