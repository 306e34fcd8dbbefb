"""Runs every cell of access_matrix.MATRIX as its own test (see that module to add rows)."""

import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import transaction
from django.test import Client

from projects.choices import Role
from projects.models import Category, Department, Region
from tests.factories import ProjectFactory, user_with_role

from .access_matrix import PAYLOADS, ROLES, parse

ROWS = parse()
NAMES = {"T": "矩阵铁东项目", "H": "矩阵海城项目"}
REGIONS = {"T": "铁东区", "H": "海城市"}


@pytest.fixture
def world(haicheng, tiedong):
    admin = user_with_role("m_admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    users = {
        "anon": None,
        "admin": admin,
        "leader": user_with_role("m_leader", Role.LEADERSHIP),
        "group": user_with_role("m_group", Role.SPECIAL_GROUP, category=Category.objects.get(key="social")),
        "dept": user_with_role("m_dept", Role.DEPARTMENT, department=Department.objects.get(key="gxj")),
        "county": user_with_role("m_county", Role.COUNTY_STAFF, region=tiedong),
        "reviewer": user_with_role("m_reviewer", Role.COUNTY_REVIEWER, region=tiedong),
        "manager": user_with_role("m_manager", Role.REPORT_MANAGER),
    }
    t = ProjectFactory(name=NAMES["T"])  # 铁东区, industrial, 工信局, 10,000 万元
    h = ProjectFactory(
        name=NAMES["H"],
        region=haicheng,
        category=Category.objects.get(key="social"),
        department=Department.objects.get(key="fgw"),
        total_investment=Decimal("800.00"),
        annual_plan=Decimal("200.00"),
    )
    places = {"T": t.pk, "H": h.pk, "T_region": tiedong.pk, "H_region": Region.objects.get(key="haicheng").pk}
    return SimpleNamespace(users=users, places=places, T=t, H=h)


def body_text(response):
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    return content.decode("utf-8", errors="replace")


def _call(world, method, path, payload, role):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    kwargs = {}
    if payload:
        kwargs = {"data": PAYLOADS[payload](world), "content_type": "application/json"}
    return getattr(client, method.lower())(path.format(**world.places), **kwargs)


def _check(world, method, path, payload, markers, role, status, shows):
    """The difference from the expectation, or None."""
    with transaction.atomic():
        response = _call(world, method, path, payload, role)
        transaction.set_rollback(True)
    if response.status_code != status:
        return f"{role}: expected {status}, got {response.status_code}: {body_text(response)[:200]}"
    if shows is not None:
        text = body_text(response)
        labels = REGIONS if markers == "regions" else NAMES
        seen = {key for key, label in labels.items() if label in text}
        if seen != shows:
            return f"{role}: expected to see {sorted(shows) or '-'}, saw {sorted(seen) or '-'}"
    return None


@pytest.mark.parametrize(
    ("method", "path", "payload", "markers", "cells"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_access(world, method, path, payload, markers, cells):
    problems = [_check(world, method, path, payload, markers, *cell) for cell in cells]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_matrix_covers_every_role():
    assert ROLES == ["anon", "admin", "leader", "group", "dept", "county", "reviewer", "manager"]
    assert all(len(row[-1]) == len(ROLES) for row in ROWS)


def test_a_wrong_expectation_is_reported(world):
    """The runner itself: a cell that does not hold is reported with the role and the status."""
    problem = _check(world, "GET", "/api/v1/projects/{H}/", None, "projects", "county", 200, None)
    assert problem is not None and problem.startswith("county: expected 200, got 404")
    problem = _check(world, "GET", "/api/v1/projects/", None, "projects", "county", 200, {"T", "H"})
    assert problem == "county: expected to see ['H', 'T'], saw ['T']"
