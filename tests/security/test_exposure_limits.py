"""Exposure and limits: /metrics and the API schema are not public; the open-data feed discloses
what the administrator's policy says, in cached pages; request bodies are bounded on every path
(DRF's parsers included); API tokens expire and are renewed by signing in again; the API is
throttled; sign-in lockout behind a reverse proxy is keyed on the client, not on the proxy."""

import datetime
import json
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from projects.choices import Stage
from projects.models import OpenDataPolicy, Project
from tests.factories import ProjectFactory, UserFactory

BIG = 6 * 1024 * 1024  # above DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB)


@pytest.fixture(autouse=True)
def open_data_policy(reference_data):
    """The row migration 0003 makes, with its defaults: a transactional test run earlier on the same
    xdist worker (--dist loadfile) flushes it, and these tests read and edit that row."""
    OpenDataPolicy.objects.get_or_create(pk=1)


# --- /metrics -------------------------------------------------------------------------------------
def test_metrics_are_closed_without_a_token_or_an_allowed_network(client, settings):
    assert settings.METRICS_TOKEN == "" and settings.METRICS_ALLOWED_NETWORKS == []  # the defaults
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_with_the_bearer_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Token s3cret-scraper").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper")
    assert response.status_code == 200 and b"django_http_requests" in response.content


def test_metrics_from_an_allowed_network_by_peer_address_only(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.8.0.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.8.0.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.9.0.7").status_code == 403
    # a forwarded header is the client's to write: never trusted for this
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.8.0.7").status_code == 403


def test_the_url_conf_serves_metrics_only_through_the_guard():
    def callbacks(entries, prefix=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from callbacks(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    from django_prometheus import exports

    served = [
        route for route, callback in callbacks(get_resolver().url_patterns) if callback is exports.ExportToDjangoView
    ]
    assert served == []


# --- schema and documentation --------------------------------------------------------------------------
def test_the_schema_and_swagger_are_for_signed_in_users(client, county_user):
    assert client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    token = Token.objects.create(user=county_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/schema/").status_code == 200
    client.force_login(county_user)
    assert client.get("/api/docs/").status_code == 200


# --- the open-data feed ------------------------------------------------------------------------------------
FEED = "/api/v1/open-data/projects/"


def public_project(name, stage, **extra):
    return ProjectFactory(name=name, stage=stage, total_investment=Decimal("9000"), annual_plan=Decimal("100"),
                          start_type="new" if stage == Stage.CONSTRUCTION else "", **extra)  # fmt: skip


def titles(package):
    return {p["title"] for p in package["projects"]}


def test_by_default_only_landed_and_later_projects_are_published(client, db):
    for stage in Stage.values:
        public_project(f"公开-{stage}", stage)
    published = titles(client.get(FEED).json())
    # independent of the code's stage list: the stages the policy names, written out here
    assert published == {"公开-landed", "公开-construction", "公开-completed", "公开-operating"}
    assert OpenDataPolicy.objects.get().earliest_stage == Stage.LANDED  # the row the migration made


def test_the_administrator_sets_the_disclosure_policy(client, db):
    client.force_login(UserFactory(username="site_admin", is_staff=True, is_superuser=True))
    admin_client = client
    for stage in (Stage.NEGOTIATING, Stage.SIGNED, Stage.CONSTRUCTION):
        public_project(f"策略-{stage}", stage)
    policy = OpenDataPolicy.objects.get()
    change = reverse("admin:projects_opendatapolicy_change", args=[policy.pk])
    response = admin_client.post(change, {"earliest_stage": Stage.SIGNED, "page_size": 200})
    assert response.status_code == 302
    assert titles(admin_client.get(FEED).json()) == {"策略-signed", "策略-construction"}
    assert admin_client.get(reverse("admin:projects_opendatapolicy_add")).status_code == 403  # one row only


def test_the_feed_is_paged_and_every_project_is_on_exactly_one_page(client, db):
    OpenDataPolicy.objects.update(page_size=2)
    names = {f"分页{i}" for i in range(5)}
    for name in names:
        public_project(name, Stage.CONSTRUCTION)
    seen, url, pages = [], FEED, 0
    while url:
        package = client.get(url).json()
        assert len(package["projects"]) <= 2
        seen += [p["title"] for p in package["projects"]]
        url = package.get("links", {}).get("next")
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(names)
    third = client.get(FEED + "?page=3").json()
    assert third["links"] == {"prev": "http://testserver/api/v1/open-data/projects/?page=2"}


@pytest.mark.parametrize(("page", "status"), [("0", 400), ("-1", 400), ("abc", 400), ("٣", 400), ("99", 404)])
def test_a_bad_page_is_a_4xx_naming_the_page(client, db, page, status):
    public_project("页码", Stage.CONSTRUCTION)
    response = client.get(FEED, {"page": page})
    assert response.status_code == status
    if status == 400:
        assert "page" in response.json()


def test_a_page_comes_from_the_cache_until_a_published_project_changes(client, db, django_assert_max_num_queries):
    cache.clear()
    project = public_project("缓存前", Stage.CONSTRUCTION)
    first = client.get(FEED).json()
    with django_assert_max_num_queries(3):  # policy, thresholds, the state aggregate: no rows read
        assert client.get(FEED).json() == first
    Project.objects.filter(pk=project.pk).update(name="缓存后", updated_at=timezone.now())
    assert titles(client.get(FEED).json()) == {"缓存后"}


# --- request bodies ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["/api/v1/projects/", "/api/v1/auth/token/", "/api/v1/monthly-plans/", "/api/v1/no-such-route/"],
)
def test_a_6_mb_json_body_is_refused_on_every_api_path(county_user, url):
    body = json.dumps({"name": "x" * BIG})
    api = APIClient()
    api.force_authenticate(county_user)
    response = api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 413
    assert "上限" in response.json()["detail"]


def test_a_6_mb_form_body_is_refused_on_a_page(client, county_user):
    client.force_login(county_user)
    response = client.generic(
        "POST", reverse("login"), "username=" + "x" * BIG, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_a_body_under_the_limit_is_parsed(county_user):
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": county_user.username, "password": "pass-1234-word"},
                        format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["token"]


# --- token expiry -------------------------------------------------------------------------------------------
def test_an_expired_token_is_a_401_and_signing_in_again_renews_it(county_user, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 24
    token = Token.objects.create(user=county_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/regions/").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(hours=24, seconds=1))
    expired = api.get("/api/v1/regions/")
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]
    assert "/api/v1/auth/token/" in expired.json()["detail"]  # says how to renew
    renewed = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": county_user.username, "password": "pass-1234-word"}, format="json")
        .json()
    )
    assert renewed["token"] != token.key
    assert datetime.datetime.fromisoformat(renewed["expires"]) > timezone.now() + datetime.timedelta(hours=23)
    api.credentials(HTTP_AUTHORIZATION=f"Token {renewed['token']}")
    assert api.get("/api/v1/regions/").status_code == 200


def test_a_token_within_its_lifetime_is_kept_when_signing_in_again(county_user):
    first = APIClient().post("/api/v1/auth/token/", {"username": county_user.username, "password": "pass-1234-word"})
    second = APIClient().post("/api/v1/auth/token/", {"username": county_user.username, "password": "pass-1234-word"})
    assert first.json()["token"] == second.json()["token"]


# --- throttling ------------------------------------------------------------------------------------------
def rates(anon, user):
    framework = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}
    return override_settings(REST_FRAMEWORK=framework)


def test_the_api_is_throttled_per_user(county_user, other_county_user):
    for user in (county_user, other_county_user):
        cache.delete(f"throttle_user_{user.pk}")
    with rates("1000/min", "3/min"):
        api = APIClient()
        api.force_authenticate(county_user)
        assert [api.get("/api/v1/regions/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert int(api.get("/api/v1/regions/")["Retry-After"]) > 0
        other = APIClient()
        other.force_authenticate(other_county_user)
        assert other.get("/api/v1/regions/").status_code == 200  # another user has their own budget


def test_anonymous_calls_are_throttled_per_client_address(db):
    address = "198.51.100.23"
    cache.delete(f"throttle_anon_{address}")
    cache.delete("throttle_anon_198.51.100.24")
    with rates("2/min", "1000/min"):
        api = APIClient(REMOTE_ADDR=address)
        assert [api.get(FEED).status_code for _ in range(3)] == [200, 200, 429]
        assert APIClient(REMOTE_ADDR="198.51.100.24").get(FEED).status_code == 200


def test_every_api_view_is_throttled():
    """No view opts out with throttle_classes = [] (a walk over the URLconf)."""
    unthrottled = []

    def walk(entries, prefix=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "cls", None)
                if view is not None and prefix.startswith("api/v1/"):
                    classes = getattr(view, "throttle_classes", None)
                    if not classes:
                        unthrottled.append(prefix + str(entry.pattern))

    walk(get_resolver().url_patterns)
    assert unthrottled == []


# --- sign-in lockout behind a reverse proxy --------------------------------------------------------------------
BEHIND_ONE_PROXY = {
    "AXES_IPWARE_PROXY_COUNT": 0,  # README: one proxy that sets X-Forwarded-For to the client's address
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
}
PROXY = "10.0.0.2"


def sign_in(client, client_ip, password):
    return client.post(reverse("login"), {"username": "proxied", "password": password}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=client_ip)  # fmt: skip


def test_behind_a_proxy_the_lockout_is_keyed_on_the_client_not_the_proxy(client, db):
    UserFactory(username="proxied", password="right-horse-battery")
    with override_settings(**BEHIND_ONE_PROXY):
        for _ in range(5):
            sign_in(client, "203.0.113.10", "wrong")
        assert sign_in(client, "203.0.113.10", "right-horse-battery").status_code == 429  # the attacker
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.10"}
        other = sign_in(client.__class__(), "203.0.113.77", "right-horse-battery")  # a colleague, same proxy
        assert other.status_code == 302


def test_a_client_cannot_choose_its_address_by_adding_to_the_header(client, db):
    UserFactory(username="proxied", password="right-horse-battery")
    with override_settings(**BEHIND_ONE_PROXY):
        for index in range(5):  # a new made-up address each time, before the real one
            sign_in(client, f"192.0.2.{index}, 203.0.113.10", "wrong")
        assert sign_in(client, "192.0.2.99, 203.0.113.10", "right-horse-battery").status_code == 429
    assert not AccessAttempt.objects.filter(ip_address__startswith="192.0.2.").exists()


def test_without_the_proxy_setting_the_forwarded_header_is_ignored(client, db, settings):
    assert settings.AXES_IPWARE_META_PRECEDENCE_ORDER == ("REMOTE_ADDR",)  # the default
    UserFactory(username="proxied", password="right-horse-battery")
    sign_in(client, "203.0.113.10", "wrong")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
