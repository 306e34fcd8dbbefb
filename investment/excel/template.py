"""The county's monthly progress template: its projects pre-filled, lists and checks built in."""

from django.core.exceptions import PermissionDenied

from common.spreadsheets import StreamingWorkbook, safe_text
from projects.access import Action

from ..selectors import may_enter_region, month_sheet, month_start
from .columns import COL_AMOUNT, TEMPLATE_HEADERS


def progress_template(*, user, region, period, target):
    """The county's monthly sheet: its projects pre-filled, lists and checks built into the sheet.

    Only for users who may enter progress in that region (an administrator anywhere, possibly an
    empty sheet); anyone else is refused (PermissionDenied, which callers answer with 404).
    """
    if not may_enter_region(user=user, region=region):
        raise PermissionDenied("无权填报该县区。")
    period = month_start(period)
    projects = month_sheet(user=user, region=region, period=period, action=Action.CHANGE)
    book = StreamingWorkbook(target)
    sheet = book.sheet(
        f"{period:%Y-%m}进度",
        TEMPLATE_HEADERS,
        money_columns={5, 6, 7},
        widths={1: 26, 2: 36, 8: 40, 9: 30, 10: 24},
    )
    ws = sheet.worksheet
    for p in projects:
        entry = p.entry
        sheet.write(
            [
                p.pk,
                p.code or "",
                p.name,
                p.region.name,
                f"{period:%Y-%m}",
                p.total_investment,
                p.before_total,
                entry.amount_completed if entry else None,
                entry.image_progress if entry else "",
                entry.next_steps if entry else "",
                entry.overrun_reason if entry else "",
                entry.get_status_display() if entry else "未填报",
            ]
        )
    last = max(sheet.row, 2)
    # A hidden list sheet feeds the project-code drop-down.
    codes = book.book.add_worksheet("项目代码表")
    for i, p in enumerate(projects):
        codes.write_string(i, 0, safe_text(p.code or ""))
    codes.hide()
    if projects:
        ws.data_validation(
            1,
            1,
            last + 200,
            1,
            {
                "validate": "list",
                "source": f"='项目代码表'!$A$1:$A${len(projects)}",
                "error_title": "项目代码",
                "error_message": "请从下拉列表中选择本县区的项目代码。",
            },
        )
    ws.data_validation(
        1, 4, last + 200, 4, {"validate": "list", "source": [f"{period:%Y-%m}"], "error_message": "填报月份不可更改。"}
    )
    ws.data_validation(
        1,
        7,
        last + 200,
        7,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": COL_AMOUNT,
            "error_message": "请输入不小于0的数字(万元)。",
            "input_title": COL_AMOUNT,
            "input_message": "单位:万元,保留两位小数。",
        },
    )
    book.close()
    return len(projects)
