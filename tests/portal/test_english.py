"""English is complete on the main pages: once project names, investors and other text users typed
are taken out, no Chinese remains; the Chinese pages' filter forms carry no English labels."""

import datetime
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from investment.choices import EntryStatus, ProblemStatus
from investment.models import Problem, ProgressEntry
from projects.choices import Stage, StartType
from projects.models import Project, Region
from tests.factories import ProjectFactory

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
TAG = re.compile(r"<[^>]+>")


def _user_text():
    """Every string users typed that pages show: project names, investors, addresses, problems."""
    texts = set()
    for name, investor, address in Project.objects.values_list("name", "investor", "address"):
        texts |= {name, investor, address}
    for description, unit, leader in Problem.objects.values_list("description", "responsible_unit", "leader"):
        texts |= {description, unit, leader, description[:77]}
    from dispatch.models import DispatchGroup

    # Dispatch groups are named by administrators (free text, as a project's name).
    for name, leader, unit in DispatchGroup.objects.values_list("name", "leader", "lead_unit"):
        texts |= {name, leader, unit}
    return sorted((t for t in texts if t), key=len, reverse=True)


def chinese_left(html, user_text):
    """CJK runs left in the page's text and its attributes once user text is removed."""
    html = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", html, flags=re.S)
    # Marked as Chinese on purpose: the language menu's "简体中文" and the emblem.
    html = re.sub(r'<(option|span)[^>]* lang="zh-hans"[^>]*>[^<]*</\1>', "", html)
    text = html_lib.unescape(html)
    for value in user_text:
        text = text.replace(value, " ")
    return sorted(set(CJK.findall(text)))


@pytest.fixture
def data(haicheng):
    today = timezone.localdate()
    for index in range(6):
        project = ProjectFactory(
            name=f"测试项目{index}",
            stage=Stage.CONSTRUCTION,
            start_type=StartType.NEW,
            annual_plan=Decimal("1200"),
            planned_start=today - datetime.timedelta(days=200),
            actual_start=today - datetime.timedelta(days=180),
            region=haicheng if index == 5 else Region.objects.get(key="tiedong"),
        )
        entry = ProgressEntry.objects.create(
            project=project, period=datetime.date(today.year, 3, 1), amount_completed=Decimal("50"),
            status=EntryStatus.SUBMITTED,
        )  # fmt: skip
        entry.status, entry.amount_completed = EntryStatus.VERIFIED, Decimal("60")
        entry.save()  # an update in the change log: field names and status labels
        Problem.objects.create(
            project=project, description="用地指标未落实", kind="land", responsible_unit="市自然资源局",
            deadline=today - datetime.timedelta(days=index), status=ProblemStatus.OPEN,
        )  # fmt: skip
    ProjectFactory(name="谋划中的项目", stage=Stage.PLANNING)
    return Project.objects.order_by("id").first()


def _english(client):
    client.cookies["django_language"] = "en"


PAGES = [
    "/dashboard/",
    "/projects/",
    "/projects/?lagging=true",
    "/dashboard/lagging/",
    "/dashboard/problems/",
    "/dashboard/problems/?group=region",
    "/supervision/",
    "/supervision/map/",
    "/supervision/orders/",
    "/dispatch/",
    "/no/such/page/",
]


def test_an_english_session_shows_no_chinese_outside_user_data(client, leader, data):
    from dispatch.schedules import ensure_default_schedules

    ensure_default_schedules()  # the groups page shows each group's schedule
    _english(client)
    client.force_login(leader)
    user_text = _user_text()
    pages = [*PAGES, f"/projects/{data.pk}/", f"/progress/project/{data.pk}/"]
    left = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        found = chinese_left(response.content.decode(), user_text)
        if found:
            left[url] = found
    assert left == {}


def test_an_english_county_home_shows_no_chinese_outside_user_data(client, county_user, data):
    _english(client)
    client.force_login(county_user)
    assert chinese_left(client.get("/").content.decode(), _user_text()) == []


ENGLISH_LABEL = re.compile(r">\s*([A-Za-z][A-Za-z ()]{2,})\s*<")


def test_the_chinese_filter_forms_carry_no_english_labels(client, leader, data):
    client.force_login(leader)
    for url in ("/projects/", "/dashboard/lagging/", "/dashboard/problems/", "/supervision/", "/supervision/map/"):
        html = client.get(url).content.decode()
        form = html.split('role="search"', 1)[1].split("</form>", 1)[0]
        words = [w for w in ENGLISH_LABEL.findall(form) if w.strip() not in ("Excel",)]
        assert words == [], (url, words)
        assert "descending" not in form and ">Id<" not in form and "ISO 8601" not in form and "区划代码" not in form
