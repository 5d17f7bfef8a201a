"""One entry point for dates: raw source strings to ISO `YYYY-MM-DD`.

ISO, compact, RFC 2822 and common numeric or English forms take a regex fast path; dateparser
(about 1 ms a call) only sees the rest, capped in length and restricted to the source's languages.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

MAX_DATEPARSER_CHARS = 64
# Procurement and news dates outside this window are typos or placeholders ("0001-01-01").
MIN_YEAR, MAX_YEAR = 1900, 2100
DATE_ORDERS = frozenset({"DMY", "MDY", "YMD", "YDM", "DYM", "MYD"})

_ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s]|[+-]\d{2}:?\d{2}\s*$|Z\s*$)")
_COMPACT = re.compile(r"\s*(\d{4})(\d{2})(\d{2})(?:$|T\d|\s)")
_YEAR_FIRST = re.compile(r"\s*(\d{4})[./](\d{1,2})[./](\d{1,2})\.?(?:$|[T\s])")
# 12.03.2024, 12/03/2024, 12-03-2024, 12.03.24, optionally followed by a time.
_NUMERIC = re.compile(r"\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?(?:$|[T\s,])")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"([A-Za-z]{3,9})\.?"
_WEEKDAY = r"(?:[A-Za-z]{3,9},?\s+)?"
_DAY_MONTH_YEAR = re.compile(
    rf"\s*{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})(?:$|[T\s,])",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"\s*{_WEEKDAY}{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?:$|[T\s,])",
    re.IGNORECASE,
)
_RFC2822_HINT = re.compile(r"\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d")


def parse_date(
    raw: Any, *, languages: Iterable[str] | None = None, date_order: str | None = None
) -> str | None:
    """ISO `YYYY-MM-DD` for a raw date as the source wrote it, or None; never raises.

    The date is the one printed (offsets are not applied); numeric forms are day-first unless
    `date_order` (e.g. "MDY") says otherwise; `languages` (ISO 639-1) steer dateparser.
    """
    if isinstance(raw, dt.datetime | dt.date):
        return _checked(raw.year, raw.month, raw.day)
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        return None
    order = date_order.upper() if isinstance(date_order, str) else "DMY"
    if order not in DATE_ORDERS:
        order = "DMY"
    found = _fast_path(raw, order)
    if found is not None:
        return found or None
    text = raw.strip()
    if not text or len(text) > MAX_DATEPARSER_CHARS:
        return None
    return _dateparser(text, _language_key(languages), order)


def _fast_path(raw: str, order: str) -> str | None:
    """The date, "" for a recognised but impossible date, None to fall through to dateparser."""
    if match := _ISO.match(raw) or _YEAR_FIRST.match(raw):
        return _checked(*map(int, match.groups())) or ""
    if match := _COMPACT.match(raw):
        return _checked(*map(int, match.groups())) or ""
    if match := _NUMERIC.match(raw):
        first, _, second, year = match.groups()
        day, month = (second, first) if order.index("M") < order.index("D") else (first, second)
        return _checked(_full_year(year), int(month), int(day)) or ""
    if match := _DAY_MONTH_YEAR.match(raw):
        day, month_name, year = match.groups()
        if month := _MONTHS.get(month_name.lower()):
            return _checked(int(year), month, int(day)) or ""
    if match := _MONTH_DAY_YEAR.match(raw):
        month_name, day, year = match.groups()
        if month := _MONTHS.get(month_name.lower()):
            return _checked(int(year), month, int(day)) or ""
    if _RFC2822_HINT.match(raw) and (parts := email.utils.parsedate_tz(raw)):
        return _checked(*parts[:3]) or ""
    return None


def _full_year(year: str) -> int:
    # Two-digit years: 00-69 are this century, 70-99 the last (the POSIX strptime pivot).
    value = int(year)
    if len(year) == 4:
        return value
    return value + (2000 if value < 70 else 1900)


def _checked(year: int, month: int, day: int) -> str | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _language_key(languages: Any) -> tuple[str, ...] | None:
    from registry.normalise.languages import to_iso639_1

    if isinstance(languages, str):
        languages = [languages]
    if not isinstance(languages, list | tuple | set | frozenset):
        return None
    codes = tuple(dict.fromkeys(code for lang in languages if (code := to_iso639_1(lang))))
    return codes or None


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...] | None, order: str):
    from dateparser.date import DateDataParser

    settings = {
        "DATE_ORDER": order,
        "PREFER_LOCALE_DATE_ORDER": False,
        # A date missing its day or year would be completed from today: not reproducible.
        "REQUIRE_PARTS": ["day", "month", "year"],
        # No relative dates ("yesterday") and no epoch timestamps: builds must not depend on today.
        "PARSERS": ["custom-formats", "absolute-time"],
    }
    try:
        return DateDataParser(languages=list(languages) if languages else None, settings=settings)
    except ValueError:  # a language dateparser does not know
        return DateDataParser(settings=settings)


def _dateparser(text: str, languages: tuple[str, ...] | None, order: str) -> str | None:
    try:
        parsed = _parser(languages, order).get_date_data(text).date_obj
    except Exception:  # dateparser raises assorted errors on odd input; a bad date is just absent
        if languages is None:
            return None
        try:
            parsed = _parser(None, order).get_date_data(text).date_obj
        except Exception:
            return None
    if parsed is None:
        return None
    return _checked(parsed.year, parsed.month, parsed.day)
