"""The one place every xlsx export goes through: formula neutralisation and streaming writes.

XlsxWriter in constant_memory mode keeps memory flat however many rows are written
(engineering-notes.md: ~62 KB vs 129 MB); rows must be written in order.
"""

import datetime
from decimal import Decimal

import xlsxwriter

# OWASP ASVS 5.0 V1.2.10: cells starting with these could run as formulas in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_ROWS_PER_SHEET = 1_048_575  # 1,048,576 rows less the header


def safe_text(value):
    """Text that can never be read as a formula: a leading formula character gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class StreamingWorkbook:
    """Write sheets row by row in constant memory. Numbers stay numbers, text is always text.

    with StreamingWorkbook(path_or_buffer) as book:
        sheet = book.sheet("项目", ["项目名称", "总投资(万元)"], money_columns={1})
        for row in rows: sheet.write(row)
    """

    def __init__(self, target):
        self.book = xlsxwriter.Workbook(
            target,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False},
        )
        self.header = self.book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
        self.money = self.book.add_format({"num_format": "#,##0.00"})
        self.percent = self.book.add_format({"num_format": "0.0%"})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(self, name, headers, *, money_columns=(), percent_columns=(), widths=None):
        return StreamingSheet(self, name, headers, set(money_columns), set(percent_columns), widths or {})

    def close(self):
        self.book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class StreamingSheet:
    def __init__(self, workbook, name, headers, money_columns, percent_columns, widths):
        self.workbook = workbook
        self.base_name = name[:28]
        self.headers = headers
        self.money_columns = money_columns
        self.percent_columns = percent_columns
        self.widths = widths
        self.part = 0
        self._new_worksheet()

    def _new_worksheet(self):
        self.part += 1
        title = self.base_name if self.part == 1 else f"{self.base_name}{self.part}"
        self.worksheet = self.workbook.book.add_worksheet(title)
        for column, header in enumerate(self.headers):
            self.worksheet.write_string(0, column, header, self.workbook.header)
            self.worksheet.set_column(column, column, self.widths.get(column, 14))
        self.worksheet.freeze_panes(1, 0)
        self.row = 1

    def write(self, values):
        if self.row > MAX_ROWS_PER_SHEET:
            self._new_worksheet()  # an xlsx sheet holds at most 1,048,576 rows
        ws, book = self.worksheet, self.workbook
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_string(self.row, column, "是" if value else "否")
            elif isinstance(value, (Decimal, int, float)):
                fmt = (
                    book.percent
                    if column in self.percent_columns
                    else book.money
                    if column in self.money_columns
                    else None
                )
                ws.write_number(self.row, column, float(value), fmt)
            elif isinstance(value, datetime.datetime):
                ws.write_datetime(self.row, column, value.replace(tzinfo=None), book.date)
            elif isinstance(value, datetime.date):
                ws.write_datetime(self.row, column, datetime.datetime.combine(value, datetime.time()), book.date)
            else:
                ws.write_string(self.row, column, safe_text(str(value)))
        self.row += 1
