import datetime
from decimal import Decimal

import openpyxl

from anshan_projects.spreadsheets import StreamingWorkbook, safe_text


def test_formula_prefixes_are_neutralised():
    for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_text(dangerous).startswith("'")
    assert safe_text("鞍山") == "鞍山"
    assert safe_text(5) == 5


def test_streaming_workbook_keeps_numbers_numbers_and_text_text(tmp_path):
    path = tmp_path / "out.xlsx"
    with StreamingWorkbook(str(path)) as book:
        sheet = book.sheet("项目", ["名称", "金额", "日期"], money_columns={1})
        sheet.write(['=HYPERLINK("http://x")', Decimal("1234.50"), datetime.date(2026, 3, 1)])
        sheet.write(["铁东区", 0, None])
    wb = openpyxl.load_workbook(path)
    ws = wb["项目"]
    assert ws["A1"].value == "名称"
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("'=")
    assert ws["B2"].value == 1234.5 and ws["B2"].data_type == "n"
    assert ws["C2"].value == datetime.datetime(2026, 3, 1)
    assert ws["B3"].value == 0
