from tests.factories import ProjectFactory


def test_project_page_is_404_outside_scope(client, county_user, haicheng):
    theirs = ProjectFactory(region=haicheng)
    client.force_login(county_user)
    assert client.get(f"/projects/{theirs.pk}/").status_code == 404
    mine = ProjectFactory()
    response = client.get(f"/projects/{mine.pk}/")
    assert response.status_code == 200
    assert mine.name in response.content.decode()


def test_pages_need_sign_in(client):
    response = client.get("/projects/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_admin_project_list_renders_for_an_administrator(client, admin_user, django_assert_max_num_queries):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    ProjectFactory.create_batch(20)
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get("/admin/projects/project/")
    assert response.status_code == 200
    assert "测试项目" in response.content.decode()


def test_language_switch_offers_english(client, county_user):
    client.force_login(county_user)
    response = client.get("/")
    assert 'value="en"' in response.content.decode()


def test_english_is_available(client, county_user):
    client.force_login(county_user)
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert "Overview" in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "项目总览" in client.get("/").content.decode()
