import io

import openpyxl
import pytest
from rest_framework.test import APIClient

from tests.factories import ProjectFactory

DANGEROUS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def hostile_projects(tiedong):
    return [ProjectFactory(region=tiedong, name=f"{text}", investor=text) for text in DANGEROUS]


@pytest.mark.parametrize("url", ["/api/v1/projects/export/?format=xlsx", "/api/v1/progress/export/?kind=projects"])
def test_exports_never_hold_a_live_formula(url, hostile_projects, county_user):
    api = APIClient()
    api.force_authenticate(county_user)
    response = api.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body))
    seen = 0
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip("'") in DANGEROUS:
                    assert cell.value.startswith("'"), (url, cell.coordinate, cell.value)
                    seen += 1
    assert seen >= len(DANGEROUS)  # the hostile names were exported, as text
