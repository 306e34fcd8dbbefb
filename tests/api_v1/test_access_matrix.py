"""Runs every cell of access_matrix.MATRIX as its own test (see that module to add rows)."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client

from projects.choices import Role
from projects.models import Category, Department, Region
from tests.factories import ProjectFactory, user_with_role

from .access_matrix import PAYLOADS, ROLES, parse

ROWS = parse()
NAMES = {"T": "矩阵铁东项目", "H": "矩阵海城项目"}
# What shows that the 铁东区 (T) or 海城市 (H) record is in a response, per %markers of a row.
MARKERS = {
    "projects": NAMES,
    "regions": {"T": "铁东区", "H": "海城市"},
    "groups": {"T": "铁东区推进组", "H": "海城市推进组"},
    "progress": {"T": "矩阵铁东形象进度", "H": "矩阵海城形象进度"},
    "problems": {"T": "矩阵铁东问题", "H": "矩阵海城问题"},
    "photos": {"T": "矩阵铁东照片", "H": "矩阵海城照片"},
    "procedures": {"T": "矩阵铁东手续", "H": "矩阵海城手续"},
    "funding": {"T": "矩阵铁东资金", "H": "矩阵海城资金"},
    "files": {"T": "MATRIX-T-FILE", "H": "MATRIX-H-FILE"},
    "services": {"T": "矩阵铁东服务", "H": "矩阵海城服务"},
}


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
    building = {"stage": "construction", "start_type": "new", "actual_start": datetime.date(2026, 3, 1)}
    t = ProjectFactory(name=NAMES["T"], **building)  # 铁东区, industrial, 工信局, 10,000 万元
    h = ProjectFactory(
        name=NAMES["H"],
        **building,
        region=haicheng,
        category=Category.objects.get(key="social"),
        department=Department.objects.get(key="fgw"),
        total_investment=Decimal("800.00"),
        annual_plan=Decimal("200.00"),
    )
    places = {"T": t.pk, "H": h.pk, "T_region": tiedong.pk, "H_region": Region.objects.get(key="haicheng").pk}
    for key, project in (("T", t), ("H", h)):
        places.update(_records(key, project, users))
    return SimpleNamespace(users=users, places=places, T=t, H=h)


def _records(key, project, users):
    """A progress entry, problem, photo, procedure, funding source, dispatch round and report of the
    project (the H problem is assigned to the department user's bureau)."""
    from dispatch import services as dispatch_services
    from dispatch.models import DispatchGroup, DispatchRound, Report
    from investment.models import FundingSource, Problem, ProcedureItem, ProgressEntry, SitePhoto

    marks = {name: labels[key] for name, labels in MARKERS.items()}
    period = datetime.date(2026, 10, 1)
    entry = ProgressEntry.objects.create(
        project=project, period=period, amount_completed=Decimal("10"), status="submitted",
        image_progress=marks["progress"],
    )  # fmt: skip
    problem = Problem.objects.create(
        project=project, description=marks["problems"], kind="land", responsible_unit="矩阵责任单位",
        responsible_department=Department.objects.get(key="gxj") if key == "H" else None,
        deadline=datetime.date(2026, 12, 31),
    )  # fmt: skip
    path = default_storage.save(f"photos/matrix-{key}.jpg", ContentFile(marks["files"].encode()))
    photo = SitePhoto.objects.create(
        project=project, file=path, content_type="image/jpeg", size=13, caption=marks["photos"],
        taken_on=period, uploaded_by=users["admin"],
    )  # fmt: skip
    procedure = ProcedureItem.objects.create(project=project, name=marks["procedures"])
    funding = FundingSource.objects.create(project=project, kind="bank_loans", note=marks["funding"])
    dispatch_services.groups_load_defaults()
    group = DispatchGroup.objects.get(key=f"county-{project.region.key}")
    if key == "T":
        group.report_managers.add(users["manager"])
    round_ = DispatchRound.objects.create(group=group, period_start=period, period_end=datetime.date(2026, 10, 31))
    report = Report.objects.create(
        kind="round", round=round_, data_version="v1", format="pdf", status="done",
        file=ContentFile(b"%PDF-1.4 " + marks["files"].encode(), name=f"matrix-{key}.pdf"),
    )  # fmt: skip
    from assistance.models import ServiceKind, ServiceTask
    from assistance.services import kinds_load_defaults

    kinds_load_defaults()
    service = ServiceTask.objects.create(
        project=project, kind=ServiceKind.objects.get(key="drawing_review"), request_text=marks["services"],
        owner_unit=Department.objects.get(key="zjj"), requested_on=period, deadline_days=5,
        deadline=datetime.date(2026, 10, 12), created_by=users["admin"],
    )  # fmt: skip
    return {
        f"{key}_service": service.pk,
        f"{key}_entry": entry.pk,
        f"{key}_problem": problem.pk,
        f"{key}_photo": photo.pk,
        f"{key}_procedure": procedure.pk,
        f"{key}_funding": funding.pk,
        f"{key}_group": group.pk,
        f"{key}_round": round_.pk,
        f"{key}_report": report.pk,
    }


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
        labels = MARKERS[markers]
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
