"""Fail closed: a web server or worker started without DJANGO_SETTINGS_MODULE must not come up in
development mode (DEBUG on, a fixed key, any host). wsgi.py, asgi.py and celery.py default to the
production profile, which refuses to start without its secrets."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parent.parent.parent
# Whatever a developer's or the test run's environment holds that would name or fill the settings.
STRIPPED = ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")
ENTRY_POINTS = {
    "wsgi": "import anshan_projects.wsgi as m; app = m.application",
    "asgi": "import anshan_projects.asgi as m; app = m.application",
    "celery": "from anshan_projects.celery import app; import django; django.setup()",
}
REPORT = """
import json, os
from django.conf import settings
print(json.dumps({"module": os.environ["DJANGO_SETTINGS_MODULE"], "DEBUG": settings.DEBUG,
                  "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": settings.ALLOWED_HOSTS}))
"""


def bare_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in STRIPPED and key != "PYTEST_XDIST_WORKER"}
    return {**env, **extra}


def run(code, env):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_entry_point_without_a_settings_module_refuses_to_start_without_secrets(entry):
    done = run(ENTRY_POINTS[entry] + "\n" + REPORT, bare_env())
    assert done.returncode != 0, done.stdout
    assert "must be set in production" in done.stderr
    assert "dev-only-insecure-key" not in done.stdout


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_entry_point_without_a_settings_module_runs_the_production_profile(entry):
    key = secrets.token_urlsafe(50)
    env = bare_env(
        SECRET_KEY=key,
        DATABASE_URL="postgres://anshan:secret@127.0.0.1:9/anshan",  # never contacted
        REDIS_URL="redis://127.0.0.1:9/0",
        ALLOWED_HOSTS="projects.example.org",
    )
    done = run(ENTRY_POINTS[entry] + "\n" + REPORT, env)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values == {
        "module": "anshan_projects.settings.production",
        "DEBUG": False,
        "SECRET_KEY": key,
        "ALLOWED_HOSTS": ["projects.example.org"],
    }


def test_the_development_servers_name_their_profile():
    """`make run` and its Procfile name the local profile; they do not rely on a default."""
    makefile = (ROOT / "Makefile").read_text()
    assert "DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(VENV)/bin/honcho" in makefile
    for line in (ROOT / "Procfile").read_text().splitlines():
        if "celery" in line:
            assert "DJANGO_SETTINGS_MODULE=" in line, line
