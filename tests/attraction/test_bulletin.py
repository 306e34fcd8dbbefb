import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from attraction import selectors, services
from attraction.choices import BulletinStatus, SigningEventKind
from attraction.models import BulletinRun
from projects.choices import Stage
from tests.factories import ProjectFactory

from .conftest import d, project_with_history

S, L = Stage.SIGNED, Stage.LANDED
MONTH = d("2026-10-01")


@pytest.fixture
def bulletin_data(admin_user, tiedong, haicheng):
    """Figures chosen so the expected bulletin can be computed by hand below."""
    t1 = ProjectFactory(region=tiedong, stage=Stage.CONSTRUCTION, start_type="new")
    h1 = ProjectFactory(region=haicheng, stage=Stage.LANDED)
    for project, month, amount in [(t1, "2025-03-01", "400"), (t1, "2025-10-01", "100"), (t1, "2026-03-01", "300"),
                                   (t1, "2026-10-01", "220"), (h1, "2026-09-01", "90"), (t1, "2025-12-01", "5000")]:  # fmt: skip
        services.capital_record(user=admin_user, project=project, month=d(month), amount=Decimal(amount))
    s1 = project_with_history(region=tiedong, total="15000", steps=[(S, d("2026-10-08"))])
    project_with_history(region=tiedong, total="9000", steps=[(S, d("2026-02-08")), (L, d("2026-10-30"))])
    project_with_history(region=tiedong, total="4000", steps=[(S, d("2025-05-08"))])
    services.target_set(user=admin_user, region=tiedong, year=2026, signed_amount="48000", landed_count=4,
                        capital_amount="1040")  # fmt: skip
    services.signing_event_create(user=admin_user, kind=SigningEventKind.CEREMONY, name="2026年重点项目集中签约仪式",
                                  held_on=d("2026-10-08"), place="鞍山", organiser="市政府",
                                  lines=[(s1, Decimal("15000"))])  # fmt: skip
    return t1, h1


def expected():
    """The bulletin's 铁东区 and 海城市 figures, computed by hand from the fixture."""
    tiedong = {
        "signed_month": 1, "signed_month_amount": Decimal("15000"), "signed_ytd": 2,
        "signed_ytd_amount": Decimal("24000"), "signed_last": Decimal("4000"), "landed_month": 1, "landed_ytd": 1,
        "capital_month": Decimal("220"), "capital_ytd": Decimal("520"), "capital_last": Decimal("500"),
    }  # fmt: skip
    tiedong["capital_yoy"] = (tiedong["capital_ytd"] - tiedong["capital_last"]) / tiedong["capital_last"]
    tiedong["signed_rate"] = tiedong["signed_ytd_amount"] / Decimal("48000")
    tiedong["capital_rate"] = tiedong["capital_ytd"] / Decimal("1040")
    haicheng = {"capital_ytd": Decimal("90"), "capital_last": Decimal("0")}
    return tiedong, haicheng


def test_bulletin_contents_match_figures_computed_by_hand(bulletin_data, manager, tmp_path):
    run, queued = services.bulletin_request(user=manager, month=MONTH)
    assert queued
    run = services.bulletin_build(run_id=run.pk)
    assert run.status == BulletinStatus.DONE and run.build_seconds is not None
    book = openpyxl.load_workbook(run.xlsx.path, read_only=True)
    assert book.sheetnames == [
        "县区排名",
        "月度到位资金",
        "签约活动",
        "集中开工",
        "四个一批",
        "内资外资与四调法",
        "统计口径",
    ]
    sheet = list(book["县区排名"].iter_rows(values_only=True))
    header, body = sheet[0], sheet[1:]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    tiedong, haicheng = expected()
    t = rows["铁东区"]
    assert t["排名"] == 1  # the only county with a capital target
    assert t["本月签约项目(个)"] == tiedong["signed_month"]
    assert Decimal(str(t["本月签约额(万元)"])) == tiedong["signed_month_amount"]
    assert t["累计签约项目(个)"] == tiedong["signed_ytd"]
    assert Decimal(str(t["累计签约额(万元)"])) == tiedong["signed_ytd_amount"]
    assert t["签约额完成率"] == pytest.approx(float(tiedong["signed_rate"]), abs=1e-4)
    assert t["签约额同比"] == pytest.approx(float((Decimal(24000) - 4000) / 4000), abs=1e-4)
    assert t["本月落地项目(个)"] == tiedong["landed_month"]
    assert Decimal(str(t["本月到位资金(万元)"])) == tiedong["capital_month"]
    assert Decimal(str(t["累计到位资金(万元)"])) == tiedong["capital_ytd"]
    assert Decimal(str(t["去年同期到位资金(万元)"])) == tiedong["capital_last"]
    assert t["到位资金同比"] == pytest.approx(float(tiedong["capital_yoy"]), abs=1e-4)
    assert t["到位资金完成率"] == pytest.approx(float(tiedong["capital_rate"]), abs=1e-4)
    h = rows["海城市"]
    assert Decimal(str(h["累计到位资金(万元)"])) == haicheng["capital_ytd"]
    assert h["到位资金同比"] == "新增"  # nothing last year: no base
    assert h["到位资金完成率"] == "—"
    total = rows["全市合计"]
    assert Decimal(str(total["累计到位资金(万元)"])) == Decimal("610")
    assert total["到位资金同比"] == pytest.approx(float((Decimal(610) - 500) / 500), abs=1e-4)
    assert len(body) == 11  # ten regions and the city
    events = list(book["签约活动"].iter_rows(values_only=True))
    assert events[1][1] == "2026年重点项目集中签约仪式" and events[1][5] == 1 and events[1][6] == 15000

    text = subprocess.run(["pdftotext", "-layout", run.pdf.path, "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "鞍山市招商引资工作月报(2026年10月)" in text
    assert "新增" in text
    assert "520.00" in text and "4.00%" in text  # 铁东区: 520 万元, +4.00% year on year (one percent display)
    assert "2026年重点项目集中签约仪式" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", run.pdf.path, str(tmp_path / "page")],
                   check=True)  # fmt: skip
    assert list(tmp_path.glob("page*.png"))


def test_request_is_idempotent_on_month_and_data_version(
    bulletin_data, manager, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first, queued = services.bulletin_request(user=manager, month=MONTH)
    assert queued and len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        again, queued = services.bulletin_request(user=manager, month=MONTH)
    assert again.pk == first.pk and not queued and callbacks == []
    services.bulletin_build(run_id=first.pk)
    assert services.bulletin_build(run_id=first.pk) is None  # already built: nothing happens
    assert BulletinRun.objects.count() == 1
    # New data, new version, new run.
    services.capital_record(user=admin_user, project=bulletin_data[0], month=d("2026-10-01"), amount="1")
    changed, queued = services.bulletin_request(user=manager, month=MONTH)
    assert queued and changed.pk != first.pk


def test_county_users_may_not_request_the_bulletin(bulletin_data, county_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.bulletin_request(user=county_user, month=MONTH)
    assert selectors.bulletin_list(user=county_user).count() == 0


def test_data_version_is_one_query(bulletin_data, django_assert_num_queries):
    with django_assert_num_queries(1):
        version = selectors.bulletin_data_version(month=MONTH)
    assert version == selectors.bulletin_data_version(month=MONTH)
    assert version != selectors.bulletin_data_version(month=d("2026-09-01"))
    assert connection.vendor == "postgresql"
