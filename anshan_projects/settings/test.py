"""Test profile: real PostgreSQL and Redis (embedded unless the URLs are set), fast hashing."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="anshan-media-")
AXES_ENABLED = True
# The suite makes thousands of API calls from one address and a few users: the throttle tests set
# their own rates (tests/security/test_exposure_limits.py).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "1000000/min", "user": "1000000/min"}  # noqa: F405
WHITENOISE_USE_FINDERS = True  # no collectstatic before the tests
STATIC_ROOT = tempfile.mkdtemp(prefix="anshan-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# pytest-xdist runs two test processes against one Redis: give each its own database number so
# that a Celery worker started by one process never takes a task queued by the other.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw"):
    REDIS_URL = redis_url_with_db(REDIS_URL, 1 + int(_xdist_worker[2:]))  # noqa: F405
    CELERY_BROKER_URL = celery_broker_url(REDIS_URL)  # noqa: F405

# The cache outlives a test run's database (sequences, and so the dashboard's data version, start
# again at 1 in a new test database): each test process keys its entries apart from every other run,
# in a database number of its own (cache.clear() empties only that one).
CACHES["default"]["LOCATION"] = redis_url_with_db(  # noqa: F405
    REDIS_URL,
    CACHE_REDIS_DB - (int(_xdist_worker[2:]) if _xdist_worker.startswith("gw") else 0),  # noqa: F405
)
CACHES["default"]["KEY_PREFIX"] = f"anshan-test:{os.getpid()}:{_xdist_worker or 'main'}"  # noqa: F405
