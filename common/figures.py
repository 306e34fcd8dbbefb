"""The pure rules behind every figure: the one rounding rule, rates, year-on-year, the one percent
format and the problem-age buckets. The measures themselves (what is counted, over which projects)
are in ``insights.definitions``; these are the parts every layer may use, including attraction's
bulletin and the PDF/xlsx writers."""

from decimal import ROUND_HALF_UP, Decimal

# A rate is a ratio kept to 4 places, rounded half up (1/32 = 0.03125 -> 0.0313), and shown as a
# percentage with 2 places (3.13%): the shown figure is the kept one, never rounded twice.
RATE_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")
XLSX_PERCENT_FORMAT = "0.00%"


def ratio(part, whole):
    """``part / whole`` to 4 places, half up; None without a base (no plan, nothing last year)."""
    if whole is None or Decimal(whole) == 0 or part is None:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def growth(current, base):
    """Year-on-year change ``(current - base) / base`` by the same rule; None when ``base`` is nothing."""
    if base is None or Decimal(base) == 0 or current is None:
        return None
    return ratio(Decimal(current) - Decimal(base), base)


def points(value):
    """A ratio as percentage points with 2 places (0.0313 -> 3.13), half up."""
    if value is None:
        return None
    return hundredths(Decimal(value) * 100)


def hundredths(value):
    """A value already in percentage points (or 万元) to 2 places, half up; None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def tenths(value):
    """An average (days, for instance) to 1 place, half up; None stays None."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(value):
    """The one display of a rate: '3.13%' (2 places), '—' when there is none."""
    if value is None or value == "":
        return "—"
    return f"{points(value)}%"


# Open problems by age in whole days since raised: (label, first day, last day or None). One set for
# the dashboard, the reports and the lists.
PROBLEM_AGE_BUCKETS = (
    ("30天内", 0, 30),
    ("31-90天", 31, 90),
    ("91-180天", 91, 180),
    ("180天以上", 181, None),
)


def age_bucket(days):
    """The index in ``PROBLEM_AGE_BUCKETS`` of an age in days."""
    for index, (_, low, high) in enumerate(PROBLEM_AGE_BUCKETS):
        if days >= low and (high is None or days <= high):
            return index
    return 0


def yi(value):
    """万元 -> 亿元 for headline figures: 2 places, half up (the one rounding rule)."""
    return (Decimal(value) / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
