"""Development profile used by `make run`: embedded servers, DEBUG off unless asked for (DEBUG=true), so
that the site's own error pages show; the demo accounts come with DEMO_ACCOUNTS=true (set by `make run`)."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")
os.environ.setdefault("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")  # /metrics from this machine

from .base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"  # noqa: F405

# runserver serves no static files with DEBUG off: WhiteNoise does, straight from the finders (no
# collectstatic in development), rereading changed files.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
