"""Development profile used by `make run`: debug on, embedded servers, demo accounts allowed."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")
os.environ.setdefault("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")  # /metrics from this machine

from .base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"  # noqa: F405
