"""The password hash's work factor is a setting; hashes made with another count still verify and are
re-made with the configured one at the next sign-in."""

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from anshan_projects.settings import base

pytestmark = pytest.mark.no_db

OURS = ["anshan_projects.hashers.PBKDF2PasswordHasher"]


def test_the_site_hashes_with_the_configured_pbkdf2_count():
    assert base.PASSWORD_HASHERS[0] == OURS[0]
    assert base.PASSWORD_PBKDF2_ITERATIONS >= 600_000  # OWASP's floor for PBKDF2-HMAC-SHA256
    with override_settings(PASSWORD_HASHERS=OURS, PASSWORD_PBKDF2_ITERATIONS=1200):
        assert make_password("right-horse-battery").startswith("pbkdf2_sha256$1200$")


def test_a_hash_with_another_count_verifies_and_is_upgraded():
    with override_settings(PASSWORD_HASHERS=OURS, PASSWORD_PBKDF2_ITERATIONS=3000):
        old = make_password("right-horse-battery")
    saved = []
    with override_settings(PASSWORD_HASHERS=OURS, PASSWORD_PBKDF2_ITERATIONS=1200):
        assert check_password("right-horse-battery", old, setter=saved.append)
        assert not check_password("wrong", old)
    assert saved == ["right-horse-battery"]
