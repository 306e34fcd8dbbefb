import datetime
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from common.spreadsheets import StreamingWorkbook, safe_text

pytestmark = pytest.mark.no_db


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


def test_rows_read_back_exactly_with_their_types_and_formats(tmp_path):
    """Every kind of value a report writes, read back by other readers: calamine (the one our imports
    use, which decodes OOXML's _xHHHH_ escapes as Excel does) for the text, openpyxl for the types and
    number formats."""
    path = tmp_path / "kinds.xlsx"
    awkward = [
        "A & B <c> \"d\" 'e'",  # XML specials
        "  leading and trailing  ",  # kept whole (xml:space)
        "line\nbreak\ttab",
        "bell\x07 and \x1f controls",  # not allowed in XML: written as _xHHHH_
        "literal _x0041_ stays",  # not decoded as "A" on the way back
        "<r>not rich text</r>",
        "鞍山钢铁 🏭",
    ]
    with StreamingWorkbook(str(path)) as book:
        sheet = book.sheet("种类", ["文本", "金额", "比例", "整数", "日期", "时间", "是否"],
                           money_columns={1}, percent_columns={2})  # fmt: skip
        for text in awkward:
            sheet.write([text, Decimal("98765432.10"), Decimal("0.1234"), 42, datetime.date(2026, 11, 25),
                         datetime.datetime(2026, 11, 25, 18, 30), True])  # fmt: skip
        sheet.write([None, Decimal("-0.01"), None, 0, None, None, False])
        sheet.write(["=cmd|' /C calc'!A0", float("nan"), 1.5, None, datetime.date(1900, 3, 1), None, ""])
    texts = [row[0] for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name("种类").to_python()]
    assert texts[1 : len(awkward) + 1] == awkward
    ws = openpyxl.load_workbook(path)["种类"]
    assert ws.max_row == len(awkward) + 3 and ws.max_column == 7
    for row in range(2, len(awkward) + 2):
        assert ws.cell(row, 2).value == 98765432.10 and ws.cell(row, 2).number_format == "#,##0.00"
        assert ws.cell(row, 3).value == 0.1234 and ws.cell(row, 3).number_format == "0.00%"
        assert ws.cell(row, 4).value == 42 and ws.cell(row, 4).number_format == "General"
        assert ws.cell(row, 5).value == datetime.datetime(2026, 11, 25)
        assert ws.cell(row, 6).value == datetime.datetime(2026, 11, 25, 18, 30)
        assert ws.cell(row, 5).number_format == "yyyy-mm-dd"
        assert ws.cell(row, 7).value == "是"
    last = len(awkward) + 2
    assert [ws.cell(last, c).value for c in range(1, 8)] == [None, -0.01, None, 0, None, None, "否"]
    assert ws.cell(last + 1, 1).value == "'=cmd|' /C calc'!A0"
    assert ws.cell(last + 1, 2).value == "nan" and ws.cell(last + 1, 2).data_type == "s"
    assert ws.cell(last + 1, 5).value == datetime.datetime(1900, 3, 1)
    assert ws.cell(last + 1, 7).value is None
    assert ws["A1"].font.b and ws.freeze_panes == "A2"


def test_a_sheet_holding_only_its_header_is_valid(tmp_path):
    path = tmp_path / "empty.xlsx"
    with StreamingWorkbook(str(path)) as book:
        book.sheet("空", ["项目名称", "金额"])
    ws = openpyxl.load_workbook(path)["空"]
    assert [c.value for c in ws[1]] == ["项目名称", "金额"] and ws.max_row == 1


def test_rows_beyond_a_sheets_capacity_go_on_to_a_second_sheet(tmp_path, monkeypatch):
    from common import spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_ROWS_PER_SHEET", 3)  # an xlsx sheet holds 1,048,575 data rows
    path = tmp_path / "long.xlsx"
    with StreamingWorkbook(str(path)) as book:
        sheet = book.sheet("项目", ["序号", "金额"], money_columns={1})
        for n in range(1, 6):
            sheet.write([n, Decimal(n) * 100])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["项目", "项目2"]
    assert [[c.value for c in row] for row in wb["项目"].iter_rows()] == [
        ["序号", "金额"],
        [1, 100],
        [2, 200],
        [3, 300],
    ]
    assert [[c.value for c in row] for row in wb["项目2"].iter_rows()] == [["序号", "金额"], [4, 400], [5, 500]]
    assert wb["项目2"]["B2"].number_format == "#,##0.00"


def test_rows_written_in_batches_to_interleaved_sheets_read_back_in_order(tmp_path):
    """Rows are rendered and written to the row file a batch at a time: sheets written alternately,
    more rows than a batch and a partial last batch, read back complete and in order from a deflated
    package."""
    from common import spreadsheets

    path = tmp_path / "batches.xlsx"
    n = spreadsheets.BATCH * 2 + 37
    with StreamingWorkbook(str(path)) as book:
        first = book.sheet("甲", ["序号", "名称", "金额"], money_columns={2})
        second = book.sheet("乙", ["序号", "日期"])
        for i in range(n):
            first.write([i, f"项目{i}", Decimal(i) / 4])
            if i % 3 == 0:
                second.write([i, datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 365)])
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("甲").to_python()
    assert rows[0] == ["序号", "名称", "金额"] and len(rows) == n + 1
    assert [(int(r[0]), r[1], r[2]) for r in rows[1:]] == [(i, f"项目{i}", i / 4) for i in range(n)]
    dates = book.get_sheet_by_name("乙").to_python()[1:]
    assert [int(r[0]) for r in dates] == list(range(0, n, 3))
    assert dates[-1][1] == datetime.date(2026, 1, 1) + datetime.timedelta(days=(n - 1) // 3 * 3 % 365)
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
