"""Working days: Monday to Friday, except China's statutory holidays and make-up working days (调休).

The State Council's calendar comes from the maintained package ``chinesecalendar`` (it only knows the
years already announced and raises for the others); the administrator's calendar table (``CalendarDay``)
overrides it, and is the only source for years the package does not know yet.
``add_working_days`` and ``working_days_between`` are pure; ``overrides`` loads both sources."""

import datetime

import chinese_calendar


def is_working_day(day: datetime.date, overrides: dict) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int, overrides: dict) -> datetime.date:
    """The date ``days`` working days after ``start`` (the start day itself does not count).

    ``overrides`` maps a date to True (a working day, e.g. a weekend make-up day) or False (a holiday).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date, overrides: dict) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day, overrides)
    return count


def next_working_day(day: datetime.date, overrides: dict) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, overrides):
        day += datetime.timedelta(days=1)
    return day


def statutory_exceptions(start: datetime.date, end: datetime.date) -> dict:
    """The package's exceptions to Monday-Friday between two dates, for the years it knows (no query)."""
    exceptions = {}
    for year in range(start.year, end.year + 1):
        first, last = max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))
        try:
            chinese_calendar.is_workday(first)  # raises for a year not yet announced
        except NotImplementedError:
            continue
        day = first
        while day <= last:
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                exceptions[day] = workday
            day += datetime.timedelta(days=1)
    return exceptions


def overrides(start: datetime.date, end: datetime.date) -> dict:
    """The calendar exceptions between two dates: the package's, then the administrator's on top (one query)."""
    from .models import CalendarDay

    table = dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))
    return statutory_exceptions(start, end) | table


def add_working_days_from_calendar(start: datetime.date, days: int) -> datetime.date:
    # Generous window: holidays never add more than a few weeks to a short deadline.
    window_end = start + datetime.timedelta(days=days * 3 + 45)
    return add_working_days(start, days, overrides(start, window_end))
