"""The admin site restricts the project list with the same scope as every other path."""

from django.contrib.auth.models import Permission

from tests.factories import ProjectFactory


def _staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        Permission.objects.get(codename="view_project"), Permission.objects.get(codename="change_project")
    )
    return user


def test_county_user_without_staff_flag_has_no_admin(client, county_user):
    client.force_login(county_user)
    response = client.get("/admin/projects/project/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_county_user_sees_only_its_county_in_the_admin(
    client, county_user, haicheng, django_assert_max_num_queries
):
    ProjectFactory(name="后台铁东项目")
    other = ProjectFactory(name="后台海城项目", region=haicheng)
    client.force_login(_staff(county_user))
    response = client.get("/admin/projects/project/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "后台铁东项目" in text and "后台海城项目" not in text
    # Another county's project by id: the admin treats it as missing.
    response = client.get(f"/admin/projects/project/{other.pk}/change/")
    assert response.status_code == 302
    assert "后台海城项目" not in client.get(response["Location"]).content.decode()
    response = client.get("/admin/projects/project/", {"q": "后台海城"})
    assert "后台海城项目" not in response.content.decode()
