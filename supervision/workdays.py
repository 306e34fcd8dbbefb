"""Working days: Monday to Friday, except the holidays and make-up working days (调休) an
administrator enters in the calendar table. ``add_working_days`` is pure; ``overrides`` loads the table."""

import datetime


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


def overrides(start: datetime.date, end: datetime.date) -> dict:
    """The calendar exceptions between two dates (one query)."""
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def add_working_days_from_calendar(start: datetime.date, days: int) -> datetime.date:
    # Generous window: holidays never add more than a few weeks to a short deadline.
    window_end = start + datetime.timedelta(days=days * 3 + 45)
    return add_working_days(start, days, overrides(start, window_end))
