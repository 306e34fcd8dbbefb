"""The one place every xlsx export goes through: formula neutralisation and streaming writes.

XlsxWriter in constant_memory mode keeps memory flat however many rows are written
(engineering-notes.md: ~62 KB vs 129 MB); rows must be written in order.

XlsxWriter makes the package (workbook, styles, column widths, panes, validation, other sheets);
the data rows of a ``StreamingSheet`` are rendered here, one string per row, straight into the
worksheet's constant-memory row file. Going through XlsxWriter's per-cell API cost about 8 µs a
cell (three quarters of a dispatch report's time, bench/rows.py tier1_report); a row rendered in
one pass costs about a tenth of that. The cells are the ones XlsxWriter itself writes in
constant_memory mode (inline strings, numbers with a style index), so the file is the same.
"""

import datetime
import functools
import math
import os
import re
import shutil
import threading
import zipfile
from decimal import Decimal
from itertools import count

import xlsxwriter
import xlsxwriter.workbook
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_col_to_name

from .figures import XLSX_PERCENT_FORMAT

# OWASP ASVS 5.0 V1.2.10: cells starting with these could run as formulas in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_ROWS_PER_SHEET = 1_048_575  # 1,048,576 rows less the header
BATCH = 500  # rows rendered before one write to the row file (a few hundred KB: memory stays flat)


def safe_text(value):
    """Text that can never be read as a formula: a leading formula character gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Deflate level 1: a report's sheets are repetitive XML, which level 1 compresses about 4x faster than
# zlib's default (6) for a file about a quarter larger (measured on a report's rows: 18 MB of XML,
# 184 ms and 2.0 MB against 799 ms and 1.6 MB). At the default level, compressing was the largest
# single cost of a province report after its query.
DEFLATE_LEVEL = 1
_PACKAGING = threading.Lock()


class _ZipFile(zipfile.ZipFile):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", DEFLATE_LEVEL)
        super().__init__(*args, **kwargs)


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    def _write_optimized_sheet_data(self):
        """The row file copied into the sheet's XML as bytes: XlsxWriter copies it as text, decoding
        and encoding every row again (both files are UTF-8)."""
        if self.dim_rowmin is None or not self.internal_fh:
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.close()
        self.fh.flush()  # what the text layer holds goes first
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, self.fh.buffer, 1 << 20)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter's workbook, zipped at ``DEFLATE_LEVEL`` (XlsxWriter has no option for it: its
    packaging opens the module's ``ZipFile``, which is ours while this workbook packages)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.worksheet_class = _Worksheet

    def _store_workbook(self):
        with _PACKAGING:
            xlsxwriter.workbook.ZipFile = _ZipFile
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = zipfile.ZipFile


class StreamingWorkbook:
    """Write sheets row by row in constant memory. Numbers stay numbers, text is always text.

    with StreamingWorkbook(path_or_buffer) as book:
        sheet = book.sheet("项目", ["项目名称", "总投资(万元)"], money_columns={1})
        for row in rows: sheet.write(row)
    """

    def __init__(self, target):
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
        if isinstance(target, (str, os.PathLike)):
            # The row files go beside the target, where whoever owns it can clean up after a crash.
            options["tmpdir"] = os.path.dirname(os.path.abspath(target))
        self.book = _Workbook(target, options)
        self.header = self.book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
        self.money = self.book.add_format({"num_format": "#,##0.00"})
        self.percent = self.book.add_format({"num_format": XLSX_PERCENT_FORMAT})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.sheets = []

    def sheet(self, name, headers, *, money_columns=(), percent_columns=(), widths=None):
        sheet = StreamingSheet(self, name, headers, set(money_columns), set(percent_columns), widths or {})
        self.sheets.append(sheet)
        return sheet

    def close(self):
        for sheet in self.sheets:
            sheet.flush()
        self.book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class StreamingSheet:
    def __init__(self, workbook, name, headers, money_columns, percent_columns, widths):
        self.workbook = workbook
        self.base_name = str(name)[:28]
        self.headers = [str(header) for header in headers]  # labels may be lazy translations
        self.money_columns = money_columns
        self.percent_columns = percent_columns
        self.widths = widths
        self.columns = len(headers)
        book = workbook
        # Style index per column, as XlsxWriter assigns it (the same formats as before).
        self.styles = {
            column: f' s="{(book.percent if column in percent_columns else book.money)._get_xf_index()}"'
            for column in percent_columns | money_columns
        }
        self.date_style = f' s="{book.date._get_xf_index()}"'
        self.part = 0
        self.pending = []  # rendered rows not yet in the row file: one write per BATCH rows, not per row
        self._new_worksheet()

    def _new_worksheet(self):
        self.flush()
        self.part += 1
        title = self.base_name if self.part == 1 else f"{self.base_name}{self.part}"
        self.worksheet = self.workbook.book.add_worksheet(title)
        for column, header in enumerate(self.headers):
            self.worksheet.write_string(0, column, header, self.workbook.header)
            self.worksheet.set_column(column, column, self.widths.get(column, 14))
        self.worksheet.freeze_panes(1, 0)
        # Flush the header row to the row file: the data rows are appended to it as they come.
        self.worksheet._write_single_row(1)
        self.row = 1

    def write(self, values):
        if self.row > MAX_ROWS_PER_SHEET:
            self._new_worksheet()  # an xlsx sheet holds at most 1,048,576 rows
        self.pending.append(self.render(self.row, values))
        if len(self.pending) >= BATCH:
            self.flush()
        self.worksheet.dim_rowmax = self.worksheet.previous_row = self.row
        if len(values) > self.columns:
            self.columns = len(values)
            self.worksheet.dim_colmax = max(self.worksheet.dim_colmax or 0, len(values) - 1)
        self.row += 1

    def flush(self):
        """Append the pending rows to the worksheet's row file (before XlsxWriter reads or adds to it)."""
        if self.pending:
            self.worksheet.row_data_fh.write("".join(self.pending))
            self.pending.clear()

    def render(self, row, values):
        """One ``<row>`` as XlsxWriter writes it in constant_memory mode: numbers stay numbers,
        text is always (formula-safe) text, dates are date serials with the date style."""
        r = str(row + 1)
        cells = [f'<row r="{r}">']
        append, styles = cells.append, self.styles
        for column, name, value in zip(count(), COLUMN_NAMES, values):
            kind = type(value)  # exact types first: this loop runs for every cell of a report
            if kind is str:
                if value:
                    append(f'<c r="{name}{r}" t="inlineStr">{inline_text(value)}</c>')
            elif kind is Decimal or kind is float:
                if value.is_finite() if kind is Decimal else math.isfinite(value):
                    number = format(value, "f") if kind is Decimal else repr(value)
                    append(f'<c r="{name}{r}"{styles.get(column, "")}><v>{number}</v></c>')
                else:
                    append(f'<c r="{name}{r}" t="inlineStr">{inline_text(str(value))}</c>')
            elif value is None:
                continue
            elif kind is bool:
                append(f'<c r="{name}{r}" t="inlineStr"><is><t>{"是" if value else "否"}</t></is></c>')
            elif isinstance(value, int):
                append(f'<c r="{name}{r}"{styles.get(column, "")}><v>{value}</v></c>')
            elif isinstance(value, datetime.date):
                append(f'<c r="{name}{r}"{self.date_style}><v>{excel_serial(value)}</v></c>')
            else:
                text = str(value)
                if text:
                    append(f'<c r="{name}{r}" t="inlineStr">{inline_text(text)}</c>')
        append("</row>")
        return "".join(cells)


COLUMN_NAMES = [xl_col_to_name(column) for column in range(16_384)]
# XML 1.0 cannot hold these; OOXML writes them as _xHHHH_ (as XlsxWriter does), and a literal
# "_xHHHH_" in the text gets its underscore escaped so that it reads back unchanged.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 with Excel's 1900 leap day


@functools.lru_cache(maxsize=4096)  # county, sector, stage... repeat on every row
def inline_text(text):
    """``<is>`` for a non-empty string: formula-safe, control characters escaped, XML-escaped."""
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    if "_" in text or not text.isprintable():
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[0].isspace() or text[-1].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def excel_serial(value):
    """A date or naive/aware datetime as an Excel serial number (days since 1899-12-30)."""
    if isinstance(value, datetime.datetime):
        delta = value.replace(tzinfo=None) - EXCEL_EPOCH
        return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)
    return str(value.toordinal() - 693594)  # 693594 = date(1899, 12, 30).toordinal()
