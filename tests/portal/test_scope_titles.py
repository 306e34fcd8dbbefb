"""A scoped user's dashboard says whose it is, and a filter that the user's scope empties says so."""

from django.core.cache import cache

from projects.models import Department
from tests.factories import ProjectFactory


def test_the_city_dashboard_is_the_citys(client, leader):
    ProjectFactory()
    client.force_login(leader)
    body = client.get("/dashboard/").content.decode()
    assert "全市重点项目驾驶舱" in body and "· 项目驾驶舱" not in body


def test_a_department_users_dashboard_names_the_department_and_its_count(client, department_user):
    gxj = Department.objects.get(key="gxj")
    cache.clear()  # the dashboard's figures are cached per scope and data version
    ProjectFactory.create_batch(3, department=gxj)
    ProjectFactory(department=Department.objects.exclude(key="gxj").first())
    client.force_login(department_user)
    body = client.get("/dashboard/").content.decode()
    assert f"<h1>{gxj.name} · 项目驾驶舱</h1>" in body
    assert "全市重点项目驾驶舱" not in body
    assert f"仅含{gxj.name}权限范围内的 3 个项目" in body


def test_a_county_filter_outside_the_scope_says_so_instead_of_zero(client, county_user, haicheng):
    ProjectFactory(name="铁东项目")
    ProjectFactory(name="海城项目", region=haicheng)
    client.force_login(county_user)
    body = client.get("/projects/?region=haicheng").content.decode()
    assert "共 0 个项目" not in body
    assert "海城市不在您的权限范围(铁东区)内" in body and "海城项目" not in body
    empty = client.get("/projects/?search=没有这个名字").content.decode()
    assert "您的权限范围(铁东区)内没有符合条件的项目" in empty
    assert "共 1 个项目" in client.get("/projects/").content.decode()


def test_a_leaders_empty_filter_is_still_a_count(client, leader):
    client.force_login(leader)
    assert "共 0 个项目" in client.get("/projects/?search=没有这个名字").content.decode()
