import json
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "anshan_projects.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    # Nothing below is contacted: `check --deploy` without --database does not connect.
    "DATABASE_URL": "postgres://anshan:secret@127.0.0.1:9/anshan",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "ALLOWED_HOSTS": "projects.example.org",
}
PROBE = """
import json, django
from django.core.management import call_command
django.setup()
from django.conf import settings
call_command("check", deploy=True, fail_level="WARNING")
print(json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "X_FRAME_OPTIONS", "AXES_FAILURE_LIMIT", "DATA_UPLOAD_MAX_NUMBER_FILES")}))
"""


def test_check_deploy_is_clean_under_production_settings_and_cookies_are_secure():
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DEBUG", None)
    # Browser tests in the same process allow async-unsafe calls; a deployment never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["AXES_FAILURE_LIMIT"] <= 10
    assert values["DATA_UPLOAD_MAX_NUMBER_FILES"] <= 20


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("SECRET_KEY")
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "SECRET_KEY must be set in production" in done.stderr


@pytest.mark.parametrize("password", ["12345678", "password", "short1", "alice-alice"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, user=UserFactory.build(username="alice-alice"))


def test_a_strong_password_is_accepted():
    validate_password("Qm7-harbour-lantern-42", user=UserFactory.build(username="alice"))


def test_sign_in_is_locked_after_repeated_failures_even_with_the_right_password(client, db):
    UserFactory(username="alice", password="right-horse-battery")
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "alice", "password": "wrong"})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    assert client.post(url, {"username": "alice", "password": "wrong"}).status_code == 429  # the 5th locks
    locked = client.post(url, {"username": "alice", "password": "right-horse-battery"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_signs_in(client, db):
    UserFactory(username="bob", password="right-horse-battery")
    for _ in range(3):
        client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "bob", "password": "right-horse-battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_pages_carry_a_content_security_policy_without_inline_script(client, county_user):
    client.force_login(county_user)
    for url in (reverse("home"), reverse("projects:list"), reverse("login")):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_contain_no_inline_script(client, county_user):
    client.force_login(county_user)
    for url in (reverse("home"), reverse("projects:list"), reverse("login")):
        html = client.get(url).content.decode()
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (url, opening)
