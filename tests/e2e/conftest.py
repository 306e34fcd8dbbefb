"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here; Debian's `chromium` package (scripts/system-deps.sh)
is launched by path, headless. Playwright's sync API runs an event loop in the test thread, so
Django's async-safety check is relaxed for the test process only.
"""

import os
import pathlib
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# The README's screenshots are refreshed on request (UPDATE_SCREENSHOTS=1 make test); an ordinary run
# writes its own under tests/artifacts/ so that a test run never changes the working tree.
_ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    _ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else _ROOT / "tests" / "artifacts" / "screenshots"
)


@pytest.fixture(scope="package", autouse=True)
def allow_sync_django_under_playwright():
    """Playwright's sync API keeps an event loop in the test thread; Django refuses ORM calls there
    unless told otherwise. Only for this package's tests: the variable must not leak into later tests
    (`check --deploy` rightly fails when it is set)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _NoMediaHandler:
    """Stands in for Django's live-server media handler: media is never served by URL here
    (MEDIA_URL is None, downloads go through views that check access), so pass every request on."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        return self.application(environ, start_response)


@pytest.fixture(scope="session")
def live_server(request):
    from django.test import testcases
    from pytest_django.live_server_helper import LiveServer

    original = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = _NoMediaHandler
    try:
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
    finally:
        testcases._MediaFilesHandler = original
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1366, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
