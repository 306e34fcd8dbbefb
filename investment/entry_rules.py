"""The rules a monthly progress entry obeys, whoever enters it, in one place.

Callers: the page and the API (``services.progress_save``, the amendments), the Excel import's
validation (``excel.importer.validate_progress_rows``) and the import's upsert, whose ``WHERE`` is
built from ``EDITABLE`` below (a second guard, not the only one). Rules that need the database take
many rows at once (one query), so the import checks 50,000 rows with the same functions as one save.

Each rule answers with its message (or a set / a dict of messages), the caller decides the field or
the spreadsheet column it names.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from common.formats import wan

from .choices import EntryStatus
from .models import EntryLimits, PeriodFreeze
from .selectors import month_start

# A save or an import may change an entry in these states; submitted and verified ones are locked
# until a reviewer returns them (or, once frozen, corrected by an amendment).
EDITABLE = (EntryStatus.DRAFT, EntryStatus.RETURNED)
LOCKED = (EntryStatus.SUBMITTED, EntryStatus.VERIFIED)

CONFIRM_FIELD = "confirm_amount"
MAX_AMOUNT = Decimal("1e12")


# --- the month ----------------------------------------------------------------------------------


def current_month(today=None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


def future_month_error(period, *, this_month=None):
    """Nobody reports a month that has not begun."""
    if period > (this_month or current_month()):
        return "不能填报未来月份。"
    return None


def frozen_months(periods) -> set:
    """Of ``periods``, the frozen ones (their dispatch report was issued): one query for any number."""
    periods = {month_start(p) for p in periods}
    if not periods:
        return set()
    return set(PeriodFreeze.objects.filter(period__in=periods).values_list("period", flat=True))


FROZEN_MESSAGES = {
    "save": "{period:%Y-%m} 已冻结(调度报告已印发),如需更正请提交修正并说明原因。",
    "import": "{period:%Y-%m} 已冻结(调度报告已印发),不能导入;请在系统中提交修正。",
    "transition": "{period:%Y-%m} 已冻结。",
}


def frozen_error(period, *, frozen, via="save"):
    """A frozen month changes only through a reviewed amendment. ``frozen``: from frozen_months."""
    if month_start(period) in frozen:
        return FROZEN_MESSAGES[via].format(period=period)
    return None


def check_month_open(period, *, via="save"):
    """One month, for one save: ValidationError on ``period`` when it is in the future or frozen."""
    message = future_month_error(period) or frozen_error(period, frozen=frozen_months([period]), via=via)
    if message:
        raise ValidationError({"period": message})


# --- the entry's state ----------------------------------------------------------------------------


LOCKED_MESSAGES = {
    "save": "该月进度{status},不能修改;如需修改请先退回。",
    "import": "该月进度{status},不能通过导入修改。",
}


def locked_error(entry, *, via="save"):
    """A submitted or verified entry is not changed by its filer (a reviewer returns it first)."""
    if entry is not None and entry.status in LOCKED:
        return LOCKED_MESSAGES[via].format(status=entry.get_status_display())
    return None


def editable_sql(column):
    """The same rule as SQL, for the import's upsert (``column IN ('draft', 'returned')``)."""
    return f"{column} IN ({', '.join(repr(str(s)) for s in EDITABLE)})"


# --- the amount -----------------------------------------------------------------------------------


def amount_error(amount):
    """An amount in 万元 is a finite number, not negative, below a trillion."""
    if not amount.is_finite():
        return "应为数字。"
    if amount < 0:
        return "金额不能为负数。"
    if amount >= MAX_AMOUNT:
        return "金额过大。"
    return None


def amount_rules(*, project, amount, overrun_reason, since_start_other, confirmed, limits=None):
    """The rules every month's amount obeys against the project's plan.

    Returns ``(errors, flag)``: ``errors`` maps a field to its message (empty: acceptable); ``flag`` is
    the text that tells the reviewer why a confirmed amount is unusual ("" when it is not).
    - since start above the planned total needs an overrun note (``overrun_reason``);
    - a month beyond the planned total, or beyond ``EntryLimits.year_plan_factor`` times the year plan,
      needs the filer's explicit confirmation (``confirm_amount``) and is flagged.
    Pure (no queries, given ``limits``): an import checks 10,000 rows with the same code.
    """
    limits = limits or EntryLimits.current()
    errors = {}
    total = since_start_other + amount
    if total > project.total_investment and not (overrun_reason or "").strip():
        errors["overrun_reason"] = (
            f"累计完成投资 {wan(total)} 万元超过计划总投资 {wan(project.total_investment)} 万元,请填写超概算说明。"
        )
    reasons = []
    if amount > project.total_investment:
        reasons.append(f"本月 {wan(amount)} 万元超过项目计划总投资 {wan(project.total_investment)} 万元")
    elif project.annual_plan and amount > project.annual_plan * limits.year_plan_factor:
        reasons.append(
            f"本月 {wan(amount)} 万元超过本年计划投资 {wan(project.annual_plan)} 万元的 "
            f"{limits.year_plan_factor.normalize():f} 倍"
        )
    flag = ";".join(reasons)
    if flag and not confirmed:
        errors[CONFIRM_FIELD] = f"金额异常:{flag}。请核对;确认无误请勾选“确认金额无误”后再保存(将提示审核人核实)。"
    return errors, flag
