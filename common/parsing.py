"""The one set of parsers for text that arrives from outside (query, path, body, import cells).

Each turns text into a value or raises ``ParseError`` (a Django ``ValidationError`` keyed by the
field), which the API answers as 400 (``common.api.exception_handler``) and pages answer
as 400 (``ParseErrorMiddleware``). Why not ``int()``/``str.isdigit()``: ``isdigit()`` accepts ``²``
and ``①``, which ``int()`` refuses, while ``int()`` accepts fullwidth ``１２`` and Arabic-Indic ``٣``;
only ASCII digits are numbers here, and every number has a range (a database integer has one too).

These only turn text into values; period arithmetic (month ends, adding months) lives elsewhere.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

INTEGER = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
DECIMAL = re.compile(r"[+-]?[0-9]{1,16}(?:\.[0-9]{1,8})?", re.ASCII)
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?", re.ASCII)
DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
# PostgreSQL bigint (BigAutoField ids).
ID_MAX = 2**63 - 1
YEAR_MIN, YEAR_MAX = 1900, 2200
MAX_TEXT = 10_000


class ParseError(ValidationError):
    """Bad outside input, keyed by the field (and the row, for files)."""

    def __init__(self, field, message):
        super().__init__({field: [message]})
        self.field = field


def _text(value, field):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ParseError(field, _("只能给出一个值。"))
        value = value[0]
    value = str(value)
    if "\x00" in value:
        raise ParseError(field, _("含有不允许的字符。"))
    return value.strip()


def text(value, *, field, max_length=MAX_TEXT, required=False):
    """Free text: no NUL (PostgreSQL refuses it), bounded length."""
    result = _text(value, field)
    if required and not result:
        raise ParseError(field, _("不能为空。"))
    if len(result) > max_length:
        raise ParseError(field, _("过长(最多 %(n)s 个字符)。") % {"n": max_length})
    return result


def integer(value, *, field, min_value=None, max_value=None, default=None):
    """ASCII digits only, within [min_value, max_value]; ``default`` when absent or empty."""
    raw = _text(value, field)
    if raw == "":
        if default is not None:
            return default
        raise ParseError(field, _("应为整数。"))
    if not INTEGER.fullmatch(raw):
        raise ParseError(field, _("应为整数。"))
    number = int(raw)
    if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
        raise ParseError(field, _("应在 %(min)s 到 %(max)s 之间。") % {"min": min_value, "max": max_value})
    return number


def optional_integer(value, *, field, min_value=None, max_value=None):
    """``None`` when absent or empty, else as ``integer``."""
    if _text(value, field) == "":
        return None
    return integer(value, field=field, min_value=min_value, max_value=max_value)


def object_id(value, *, field):
    """A primary key: 1 .. bigint max."""
    return integer(value, field=field, min_value=1, max_value=ID_MAX)


def optional_object_id(value, *, field):
    if _text(value, field) == "":
        return None
    return object_id(value, field=field)


def year(value, *, field="year", default=None):
    return integer(value, field=field, min_value=YEAR_MIN, max_value=YEAR_MAX, default=default)


def optional_year(value, *, field="year"):
    if _text(value, field) == "":
        return None
    return year(value, field=field)


def _date(y, m, d, field, message):
    y, m, d = int(y), int(m), int(d)
    if not YEAR_MIN <= y <= YEAR_MAX:
        raise ParseError(field, message)
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise ParseError(field, message) from None


def month(value, *, field="period"):
    """'YYYY-MM' (or a full 'YYYY-MM-DD', day ignored once it is a real date) -> the month's first day.
    A date passes through as its month's first day."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    raw = _text(value, field)
    message = _("月份格式应为 YYYY-MM,如 2026-10。")
    found = MONTH.fullmatch(raw)
    if not found:
        raise ParseError(field, message)
    y, m, d = found.groups()
    if d is not None:
        _date(y, m, d, field, message)
    return _date(y, m, 1, field, message)


def optional_month(value, *, field="period"):
    if not isinstance(value, datetime.date) and _text(value, field) == "":
        return None
    return month(value, field=field)


def day(value, *, field):
    """'YYYY-MM-DD' -> a date; a date passes through."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = _text(value, field)
    message = _("日期格式应为 YYYY-MM-DD,如 2026-10-01。")
    found = DAY.fullmatch(raw)
    if not found:
        raise ParseError(field, message)
    return _date(*found.groups(), field, message)


def optional_day(value, *, field):
    if not isinstance(value, datetime.date) and _text(value, field) == "":
        return None
    return day(value, field=field)


def decimal(value, *, field, places=2, min_value=None, max_value=None):
    """A plain decimal (ASCII digits, '.', thousands commas allowed), at most ``places`` decimals."""
    if isinstance(value, bool):
        raise ParseError(field, _("应为数字。"))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raw = _text(value, field).replace(",", "")
        if not DECIMAL.fullmatch(raw):
            raise ParseError(field, _("应为数字。"))
        number = Decimal(raw)
    try:
        if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
            raise ParseError(field, _("最多 %(n)s 位小数。") % {"n": places})
    except InvalidOperation:
        raise ParseError(field, _("应为数字。")) from None
    if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
        raise ParseError(field, _("应在 %(min)s 到 %(max)s 之间。") % {"min": min_value, "max": max_value})
    return number


def choice(value, *, field, choices, default=None):
    """One of ``choices`` (an iterable of allowed strings)."""
    raw = _text(value, field)
    if raw == "" and default is not None:
        return default
    if raw not in set(choices):
        raise ParseError(field, _("不是可选的值。"))
    return raw


class ParseErrorMiddleware:
    """Pages: a ``ParseError`` raised while handling a request answers 400 naming the field.
    (The API has its own exception handler, which turns it into the usual JSON 400.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A NUL byte can reach no column (PostgreSQL refuses it in text): refuse it in any query
        # parameter here, once, whichever view or filter would read it.
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                error = ParseError(name.replace("\x00", "") or "query", _("含有不允许的字符。"))
                return self._answer(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ParseError):
            return None
        return self._answer(request, exception)

    def _answer(self, request, exception):
        if request.path.startswith("/api/"):
            return JsonResponse(exception.message_dict, status=400, json_dumps_params={"ensure_ascii": False})
        lines = [f"{escape(field)}: {escape(' '.join(messages))}" for field, messages in exception.message_dict.items()]
        body = "<!doctype html><meta charset='utf-8'><title>400</title><h1>{}</h1><p>{}</p>".format(
            escape(_("请求参数有误")), "<br>".join(lines)
        )
        return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
