from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import ProjectFactory

URL = "/api/v1/auth/token/"


def test_token_for_username_and_password(county_user):
    response = APIClient().post(URL, {"username": "alice", "password": "pass-1234-word"}, format="json")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=county_user).key
    assert set(response.json()) == {"token", "expires"}  # expiry: tests/security/test_exposure_limits.py


def test_same_token_twice(county_user):
    client = APIClient()
    first = client.post(URL, {"username": "alice", "password": "pass-1234-word"}, format="json").json()
    second = client.post(URL, {"username": "alice", "password": "pass-1234-word"}).json()  # form data too
    assert first == second


def test_wrong_password_is_a_400(county_user):
    response = APIClient().post(URL, {"username": "alice", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_missing_fields_are_named(db):
    response = APIClient().post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_inactive_user_gets_no_token(county_user):
    county_user.is_active = False
    county_user.save()
    response = APIClient().post(URL, {"username": "alice", "password": "pass-1234-word"}, format="json")
    assert response.status_code == 400


def test_token_header_authenticates_and_scopes(county_user, haicheng):
    ProjectFactory(name="铁东的")
    ProjectFactory(name="海城的", region=haicheng)
    token = APIClient().post(URL, {"username": "alice", "password": "pass-1234-word"}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = client.get("/api/v1/projects/").json()
    assert [row["name"] for row in body["results"]] == ["铁东的"]


def test_no_credentials_is_a_401(db):
    response = APIClient().get("/api/v1/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/projects/").status_code == 401


def test_malformed_token_is_a_401_not_a_500(db):
    response = Client().get("/api/v1/regions/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 401


def test_malformed_session_cookie_is_no_session(db):
    client = Client()
    client.cookies["sessionid"] = "abc\x00defghijklmnop"
    assert client.get("/api/v1/regions/").status_code == 401
    assert client.get("/projects/").status_code == 302  # to the sign-in page, not a 500


def test_session_works_for_the_browser(county_user):
    client = Client()
    client.force_login(county_user)
    assert client.get("/api/v1/projects/").status_code == 200


def test_session_writes_need_the_csrf_token(county_user, tiedong):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    response = client.post("/api/v1/projects/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
