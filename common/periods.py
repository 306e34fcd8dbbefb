"""Every calendar period the product reasons in: months, half months, weeks, the share of a year elapsed
and the reporting month. The one home of these rules (统计口径: see ``insights.definitions``); nothing
else does date arithmetic on months."""

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal

ONE_DAY = datetime.timedelta(days=1)
SHARE = Decimal("0.0001")


def month_start(value) -> datetime.date:
    """The first day of the month of a date, or of a 'YYYY-MM' string (ValueError otherwise)."""
    if isinstance(value, str):
        try:
            year, month = value.strip()[:7].split("-")
            return datetime.date(int(year), int(month), 1)
        except (ValueError, TypeError):
            raise ValueError(f"月份格式应为 YYYY-MM:{value}") from None
    return value.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of the month of ``day``."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after (negative: before) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def next_month(day: datetime.date) -> datetime.date:
    return add_months(day, 1)


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before the month of ``day``."""
    return add_months(day, -1)


def months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def same_month_last_year(day: datetime.date) -> datetime.date:
    return month_start(day).replace(year=day.year - 1)


def parse_month(value, *, field="month") -> datetime.date:
    """'YYYY-MM' (or a date) -> the month's first day; a 400 naming the field otherwise (the one
    parser, ``common.parsing.month``)."""
    from . import parsing

    return parsing.month(value, field=field)


def half_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half month holding ``day``: the 1st to the 15th, or the 16th to the month's end."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), month_end(day)


def week(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The ISO week (Monday to Sunday) holding ``day``."""
    start = day - datetime.timedelta(days=day.isoweekday() - 1)
    return start, start + datetime.timedelta(days=6)


def reporting_month(as_of: datetime.date) -> datetime.date:
    """The last month whose progress is complete at ``as_of``: its own month on its last day, otherwise
    the month before (progress is entered per month, after the month)."""
    return month_start(as_of) if as_of == month_end(as_of) else previous_month(as_of)


def period_as_of(period: datetime.date, today: datetime.date) -> datetime.date:
    """The day a month's figures are judged on: its last day, or ``today`` while the month runs."""
    end = month_end(period)
    return today if period <= today < end else end


def year_fraction_elapsed(on: datetime.date) -> Decimal:
    """Share of the calendar year elapsed at the end of ``on`` (4 places, half up)."""
    start = datetime.date(on.year, 1, 1)
    days = (datetime.date(on.year + 1, 1, 1) - start).days
    return (Decimal((on - start).days + 1) / Decimal(days)).quantize(SHARE, rounding=ROUND_HALF_UP)


# --- the ten-day period 旬 (helper "chains"): 上旬 1st-10th, 中旬 11th-20th, 下旬 21st-end of month --------
DEKAD_STARTS = (1, 11, 21)


def dekad(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 旬 of ``day``: (first day, last day); the last 旬 of a month runs to its end (8 to 11 days)."""
    start = max(d for d in DEKAD_STARTS if d <= day.day)
    end = month_end(day) if start == 21 else day.replace(day=start + 9)
    return day.replace(day=start), end


def previous_dekad(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 旬 before the one ``day`` is in (a meeting on the 1st, 11th or 21st reviews it)."""
    start, _ = dekad(day)
    return dekad(start - ONE_DAY)
