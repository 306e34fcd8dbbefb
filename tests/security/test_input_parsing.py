"""Outside text is parsed by one set of parsers (common.parsing): odd digits, far dates and
NUL bytes are refused with a 400 naming the field, never a 500 and never silently reinterpreted.

The guard at the end reads every view, API, filter, form and import module and fails on a new
``str.isdigit()`` / ``int(...)`` / ``strptime`` / ``fromisoformat`` of outside text there (a line
that converts a value already parsed says so with a ``# parsed:`` comment).
"""

import datetime
import pathlib
import re
from decimal import Decimal

import pytest

from common import parsing
from investment.excel import TEMPLATE_HEADERS, progress_import
from investment.models import ProgressEntry
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory
from tests.investment.xlsx_helpers import xlsx_bytes

ODD_DIGITS = ["²", "①", "１２", "٣", " 1 2", "+-1", "1e3", "0x10", "1_000"]


@pytest.mark.parametrize("text", [*ODD_DIGITS, "", "abc", "1\x00", "9" * 30])
def test_integers_are_ascii_digits_only(text):
    with pytest.raises(parsing.ParseError) as refused:
        parsing.integer(text, field="n")
    assert list(refused.value.message_dict) == ["n"]


def test_integers_have_ranges_and_ids_are_positive_bigints():
    assert parsing.integer("42", field="n", min_value=1, max_value=100) == 42
    for text in ("0", "101", "-5"):
        with pytest.raises(parsing.ParseError):
            parsing.integer(text, field="n", min_value=1, max_value=100)
    assert parsing.object_id(str(2**63 - 1), field="id") == 2**63 - 1
    for text in ("0", str(2**63), "-1"):
        with pytest.raises(parsing.ParseError):
            parsing.object_id(text, field="id")


@pytest.mark.parametrize("text", ["99999", "0", "1899", "2201", "２０２６"])
def test_years_out_of_range_are_refused(text):
    with pytest.raises(parsing.ParseError):
        parsing.year(text)


@pytest.mark.parametrize("text", ["2026-00", "2026-13", "0000-01", "0000-00", "9999-12", "2026-1", "２０２６-１０",
                                  "2026-02-30", "2026-10 ", "2026-10-01x", "abc", "1\x00"])  # fmt: skip
def test_months_are_real_and_in_range(text):
    if text == "2026-10 ":  # surrounding blanks are trimmed, as a form field does
        assert parsing.month(text) == datetime.date(2026, 10, 1)
        return
    with pytest.raises(parsing.ParseError) as refused:
        parsing.month(text, field="period")
    assert list(refused.value.message_dict) == ["period"]


def test_months_and_days_parse():
    assert parsing.month("2026-10") == parsing.month("2026-10-31") == datetime.date(2026, 10, 1)
    assert parsing.day("2026-02-28", field="d") == datetime.date(2026, 2, 28)
    for text in ("2026-02-29", "2026-2-1", "２０２６-０２-０１"):
        with pytest.raises(parsing.ParseError):
            parsing.day(text, field="d")


@pytest.mark.parametrize("text", ["１２", "٣", "NaN", "Infinity", "1e5", "1.2.3", "--1", "1\x00"])
def test_decimals_are_plain_ascii(text):
    with pytest.raises(parsing.ParseError):
        parsing.decimal(text, field="amount")


def test_decimals_keep_their_value_and_refuse_extra_places():
    assert parsing.decimal("1,234.50", field="amount") == Decimal("1234.50")
    assert parsing.decimal(0.1, field="amount") == Decimal("0.1")
    with pytest.raises(parsing.ParseError):
        parsing.decimal("1.234", field="amount", places=2)


def test_text_refuses_nul_and_length():
    assert parsing.text(" 好 ", field="t") == "好"
    with pytest.raises(parsing.ParseError):
        parsing.text("a\x00b", field="t")
    with pytest.raises(parsing.ParseError):
        parsing.text("x" * 11, field="t", max_length=10)


# --- through the requests named in the issue -----------------------------------------------------


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/progress/export/?period=abc", "period"),
        ("/api/v1/progress/export/?period=2026-13", "period"),
        ("/api/v1/progress/export/?period=0000-00", "period"),
        ("/api/v1/capital/?year=99999", "year"),
        ("/api/v1/capital/?year=²", "year"),
        ("/api/v1/targets/?year=１２", "year"),
        ("/api/v1/problems/?project=²", "project"),
        ("/api/v1/lights/?page_size=²", "page_size"),
        ("/api/v1/projects/?search=a%00b", "search"),
        ("/api/v1/monthly-plans/?project=1&year=99999", "year"),
    ],
)
def test_the_api_answers_400_naming_the_field(county_user, url, field):
    response = client_for(county_user).get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    ["/dashboard/problems/?min_days=1000000000", "/dashboard/problems/?max_days=²", "/attraction/capital/?year=99999",
     "/attraction/targets/?year=²", "/progress/export/?period=2026-13", "/progress/problems/?status=a%00"],
)  # fmt: skip
def test_pages_answer_400(client, leader, url):
    client.force_login(leader)
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)


def test_a_non_numeric_version_is_a_400_naming_it(county_user, tiedong):
    project = ProjectFactory(region=tiedong, stage="construction", start_type="new")
    api = client_for(county_user)
    url = f"/api/v1/projects/{project.pk}/progress/"
    assert api.post(url, {"period": "2026-10", "amount_completed": "1"}, format="json").status_code == 201
    entry = ProgressEntry.objects.get(project=project)
    for version in ("abc", "²", "1.5"):
        response = api.post(f"{url}{entry.pk}/submit/", {"version": version}, format="json")
        assert response.status_code == 400 and "version" in response.json(), (version, response.content)
    entry.refresh_from_db()
    assert entry.status == "draft"


def test_a_nul_byte_in_an_import_cell_is_refused_naming_the_row_and_column(county_user, tiedong):
    project = ProjectFactory(region=tiedong, code="2026-210302-04-01-NUL001", stage="construction", start_type="new")
    cells = dict.fromkeys(TEMPLATE_HEADERS)
    cells.update(
        {"项目代码": project.code, "填报月份": "2026-10", "本月完成投资(万元)": "5", "形象进度": "主体\x00封顶"}
    )
    bad_code = dict(cells, **{"项目代码": "2026\x00", "形象进度": ""})
    result = progress_import(user=county_user, data=xlsx_bytes([list(cells.values()), list(bad_code.values())]),
                             dry_run=False)  # fmt: skip
    errors = {(e["row"], e["column"]) for e in result.as_dict()["errors"]}
    assert (2, "形象进度") in errors and (3, "项目代码") in errors
    assert not ProgressEntry.objects.exists()


def test_fullwidth_digits_in_an_import_cell_are_refused(county_user, tiedong):
    project = ProjectFactory(region=tiedong, code="2026-210302-04-01-FW0001", stage="construction", start_type="new")
    cells = dict.fromkeys(TEMPLATE_HEADERS)
    cells.update({"项目代码": project.code, "填报月份": "２０２６-１０", "本月完成投资(万元)": "１２"})
    result = progress_import(user=county_user, data=xlsx_bytes([list(cells.values())]), dry_run=False)
    columns = {e["column"] for e in result.as_dict()["errors"]}
    assert columns == {"填报月份", "本月完成投资(万元)"}
    assert not ProgressEntry.objects.exists()


# --- the guard ------------------------------------------------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]
PARSING_SITES = ["*/views.py", "*/api/*.py", "*/filters.py", "*/forms.py", "*/excel.py", "anshan_projects/api*.py"]
FORBIDDEN = re.compile(
    r"\.isdigit\(\)|\.isdecimal\(\)|\.isnumeric\(\)|strptime\(|fromisoformat\("
    r"|\bint\((?:request|params|self\.request|raw|value|year|month|pid|key|text)\b"
    r"|Decimal\(str\("
)


def test_no_view_api_filter_form_or_import_parses_outside_text_by_itself():
    offenders = []
    for pattern in PARSING_SITES:
        for path in ROOT.glob(pattern):
            if ".venv" in path.parts or "node_modules" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if FORBIDDEN.search(line) and "# parsed:" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "parse outside text with common.parsing:\n" + "\n".join(offenders)
    assert len([p for pattern in PARSING_SITES for p in ROOT.glob(pattern)]) >= 15  # the guard reads files


def test_an_object_id_in_fullwidth_digits_names_no_object(county_user, tiedong):
    """int() reads '１２' as 12: in a path that would be a second name for the object."""
    project = ProjectFactory(region=tiedong)
    fullwidth = str(project.pk).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    api = client_for(county_user)
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    for url in (f"/api/v1/projects/{fullwidth}/", f"/api/v1/projects/{fullwidth}/progress/",
                f"/api/v1/attraction/records/{fullwidth}/", f"/projects/{fullwidth}/"):  # fmt: skip
        assert api.get(url).status_code == 404, url
