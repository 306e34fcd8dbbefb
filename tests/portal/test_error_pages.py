"""The site's own error pages: a project outside the user's scope reads exactly like one that does not
exist, the debug page never shows, and the 500 page renders without the database or a signed-in user."""

import os
import re
import subprocess
import sys

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views import defaults

from tests.factories import ProjectFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _main(html):
    return html.split('<main id="content">', 1)[1].split("</main>", 1)[0]


def test_another_countys_project_is_the_sites_404_with_the_same_words_as_a_made_up_id(client, county_user, haicheng):
    theirs = ProjectFactory(name="海城市保密项目", region=haicheng)
    client.force_login(county_user)
    outside = client.get(f"/projects/{theirs.pk}/")
    missing = client.get("/projects/987654321/")
    assert outside.status_code == missing.status_code == 404
    outside_html, missing_html = outside.content.decode(), missing.content.decode()
    assert "页面不存在" in outside_html and 'class="site-header"' in outside_html and "main-nav" in outside_html
    assert 'href="/"' in outside_html  # a way back
    assert "海城市保密项目" not in outside_html and "项目不存在" not in outside_html
    assert _main(outside_html) == _main(missing_html)
    # The whole page differs only by the path in the language switcher and the CSRF token.
    normalise = lambda html, pk: TOKEN.sub("", html).replace(f"/projects/{pk}/", "/projects/ID/")  # noqa: E731
    assert normalise(outside_html, theirs.pk) == normalise(missing_html, 987654321)


def test_a_page_that_does_not_exist_is_the_sites_404_not_the_debug_page(client, county_user, settings):
    client.force_login(county_user)
    html = client.get("/no/such/page/").content.decode()
    assert "页面不存在" in html and "URLconf" not in html and "Using the URLconf" not in html
    assert "api/v1/" not in html  # no URL patterns listed


def test_the_403_page_has_the_header_and_a_way_back(rf, county_user):
    request = rf.get("/projects/")
    request.user = county_user
    response = defaults.permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403 and "无权访问" in html and 'class="site-header"' in html and 'href="/"' in html


def test_the_500_page_renders_without_the_database_or_a_request(django_db_blocker):
    with django_db_blocker.block():
        response = defaults.server_error(RequestFactory().get("/"))
        html = render_to_string("500.html")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body and 'href="/"' in body and "Traceback" not in body
    assert "系统出错" in html and "csrfmiddlewaretoken" not in html


def test_the_development_settings_keep_debug_off_unless_asked():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DEMO_ACCOUNTS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    # Not contacted: only the settings are read.
    env.update(
        DJANGO_SETTINGS_MODULE="anshan_projects.settings.local",
        DATABASE_URL="postgres://anshan:secret@127.0.0.1:9/anshan",
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    probe = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.DEMO_ACCOUNTS)"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["False", "False"]
