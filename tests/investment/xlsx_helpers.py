import io

import xlsxwriter

from investment.excel import TEMPLATE_HEADERS


def progress_workbook(rows, headers=TEMPLATE_HEADERS):
    """An open in-memory workbook holding a progress sheet ("进度"): (buffer, book, sheet), so that a
    caller may add to it (a formula, merged cells) before ``book.close()``."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("进度")
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, float(value))
    return buffer, book, sheet


def xlsx_bytes(rows, headers=TEMPLATE_HEADERS):
    buffer, book, _ = progress_workbook(rows, headers)
    book.close()
    return buffer.getvalue()


def row(project, period, amount, image="", next_steps="", reason="", code=None):
    """A row in template column order."""
    return [
        project.pk if project else None,
        code if code is not None else (project.code or ""),
        project.name if project else "",
        "",
        period,
        None,
        None,
        amount,
        image,
        next_steps,
        reason,
        "",
    ]
