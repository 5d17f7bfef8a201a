"""Amounts and currencies from any notation ("1 248 710,76 PLN", "$17.3M", "2,000万元"), and their
EUR value; currencies withdrawn from ISO 4217 (BGN, HRK, LTL, DEM, ...) are read and converted."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pycountry

from crawlers.reference import reference_path
from registry.normalise import rates

MAX_AMOUNT = 1e13  # larger than any public budget: a parsing or data-entry error
MAX_CHARS = 200

# Digits with thousands separators (space, no-break spaces, apostrophes, dots, commas) and decimals.
_NUMBER = re.compile(r"\d{1,15}(?:[ \u00a0\u202f'’.,]\d{1,15}){0,6}(?:[eE][+-]?\d{1,3}(?!\d))?")
_MULTIPLIER = re.compile(
    r"[\s-]{0,3}(thousand|tys\.?|tysięcy|k|millions?|millionen|millones|milioni|milion\w{0,3}|mln"
    r"|mio\.?|mn|m|billions?|bn|b|milliard\w{0,2}|miliard\w{0,3}|mld\.?|mrd\.?)(?![^\W\d_])"
    r"|\s{0,3}(万亿|萬億|万|萬|亿|億)",
    re.IGNORECASE,
)
# Chinese myriads: 万 is ten thousand, 亿 a hundred million (Traditional 萬, 億).
_CJK_FACTORS = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "万亿": 1e12, "萬億": 1e12}
# A number joined by a hyphen to a word is a count or a measure ("30,000-unit", "5-year").
_COMPOUND = re.compile(r"-[^\W\d_]")
_FACTORS = {
    "thousand": 1e3, "tys": 1e3, "tysięcy": 1e3, "k": 1e3,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "mld": 1e9, "mrd": 1e9,
}  # fmt: skip
# A minus sign before the number, perhaps with a symbol between ("-€5", "€ -5"), not "REF-5".
_MINUS_BEFORE = re.compile(r"(?<!\w)[-−]\s*[^\w\s]?\s*$")
_ISO_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount (never negative) and its ISO 4217 currency, None when the source gives none."""

    amount: float
    currency: str | None


def parse_money(raw: Any, currency: Any = None) -> Money | None:
    """Amount and currency of a number or a string in any common notation, or None; never raises.

    A currency written in `raw` wins over the `currency` hint (a code or symbol from the source).
    """
    hint = to_currency(currency) if currency is not None else None
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        number = _as_float(raw)
        return None if number is None else _money(number, hint)
    if not isinstance(raw, str) or len(raw) > MAX_CHARS:
        return None
    match = _NUMBER.search(raw)
    if not match:
        return None
    prefix = raw[: match.start()]
    if _MINUS_BEFORE.search(prefix):
        return None
    multiplier = _MULTIPLIER.match(raw, match.end())
    if multiplier is None and _COMPOUND.match(raw, match.end()):
        return None
    chinese = multiplier is not None and multiplier.group(2) is not None
    number = _number(match.group(0), scaled=multiplier is not None, chinese=chinese)
    if number is None:
        return None
    if multiplier:
        number *= _CJK_FACTORS[multiplier.group(2)] if chinese else _factor(multiplier.group(1))
    return _money(number, _currency_in(raw) or hint)


def to_currency(raw: Any) -> str | None:
    """ISO 4217 code for a code ("eur") or symbol ("€", "zł"), or None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if text.upper() in _iso_codes():
        return text.upper()
    return _symbols().get(text.casefold())


def to_eur(amount: Any, currency: Any, on_date: Any = None) -> float | None:
    """EUR value at the ECB reference rate of `on_date` (ISO string or date; latest if none)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        return None
    code, number = to_currency(currency), _as_float(amount)
    if code is None or number is None or not math.isfinite(number):
        return None
    if code == "EUR":
        return round(number, 2)
    day = _as_date(on_date)
    if fixed := _euro_rates().get(code):
        # Irrevocably fixed once the euro replaced the currency, and the best rate there is for
        # a date the ECB history does not cover.
        rate, adopted = fixed
        if day is None or day >= adopted or code not in rates.currencies():
            return round(number / rate, 2)
    history = rates.series(code)
    if history is None:
        return None
    # The latest rate without a date; no rate that day, no value.
    daily = history.rate(day or history.last)
    return None if daily is None else round(number / daily, 2)


def _as_float(value: int | float | Decimal) -> float | None:
    try:
        return float(value)
    except (ValueError, OverflowError):  # Decimal("sNaN"), integers beyond the float range
        return None


def _money(amount: float, currency: str | None) -> Money | None:
    if not math.isfinite(amount) or amount < 0 or amount > MAX_AMOUNT:
        return None
    return Money(amount, currency)


def _number(text: str, *, scaled: bool, chinese: bool = False) -> float | None:
    """Read separators: the last of mixed '.'/',' is the decimal mark; a lone one before exactly
    three digits is a thousands separator unless a multiplier follows ("1.250" vs "1.250M"); one
    mark repeated with two digits last is a decimal mark mistyped ("$94,968,30"). Before 万 or 亿
    a comma always groups thousands and a dot is the decimal mark, as Chinese is written."""
    text = re.sub(r"[ \u00a0\u202f'’]", "", text)
    if chinese:
        text = text.replace(",", "")
    mantissa, e, exponent = text.lower().partition("e")
    if e:  # scientific notation, as JSON serialisers write big floats ("1.5E7")
        number = _number(mantissa, scaled=True)
        return None if number is None or int(exponent) > 20 else number * 10.0 ** int(exponent)
    marks = [ch for ch in text if ch in ".,"]
    if marks and len(set(marks)) == 2:
        decimal_mark = marks[-1]
        text = text.replace("," if decimal_mark == "." else ".", "").replace(decimal_mark, ".")
        if text.count(".") > 1:
            return None
    elif len(marks) > 1:
        head, _, last = text.rpartition(marks[0])
        if len(last) == 2 and all(len(g) == 3 for g in head.split(marks[0])[1:]):
            text = f"{head.replace(marks[0], '')}.{last}"
        else:
            text = text.replace(marks[0], "")
    elif marks:
        whole, fraction = text.split(marks[0])
        is_thousands = len(fraction) == 3 and not scaled and whole.strip("0") != ""
        text = whole + fraction if is_thousands else f"{whole}.{fraction}"
    try:
        return float(Decimal(text))
    except (InvalidOperation, ValueError):
        return None


def _factor(word: str) -> float:
    word = word.casefold().rstrip(".")
    if word in _FACTORS:
        return _FACTORS[word]
    if word.startswith(("milliard", "miliard")):
        return 1e9
    return 1e6  # m, mn, mln, mio, million(s), millionen, millones, milioni, milion...


def _currency_in(text: str) -> str | None:
    """The first currency named in the text: an upper-case ISO 4217 code or a known symbol."""
    found: list[tuple[int, str]] = []
    for match in _ISO_CODE.finditer(text):
        if match.group(0) in _iso_codes():
            found.append((match.start(), match.group(0)))
            break
    if symbol := _symbol_pattern().search(text):
        found.append((symbol.start(), _symbols()[symbol.group(0).casefold()]))
    return min(found)[1] if found else None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    # pycountry lists only current ISO 4217 codes; older notices are in withdrawn ones, which the
    # ECB history (ROL, TRL, ...) and the euro conversion table (BGN, HRK, DEM, ...) know.
    current = {currency.alpha_3 for currency in pycountry.currencies}
    return frozenset(current | rates.currencies() | set(_euro_rates()))


@lru_cache(maxsize=1)
def _euro_rates() -> dict[str, tuple[float, dt.date]]:
    """Irrevocable conversion rates of the currencies the euro replaced, and from when."""
    with reference_path("euro-conversion-rates.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["currency"]: (float(row["rate"]), dt.date.fromisoformat(row["adopted"]))
            for row in csv.DictReader(handle)
        }


@lru_cache(maxsize=1)
def _symbols() -> dict[str, str]:
    with reference_path("currency-symbols.csv").open(encoding="utf-8", newline="") as handle:
        return {row["symbol"].casefold(): row["currency"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def _symbol_pattern() -> re.Pattern[str]:
    # Longest first, so "US$" beats "$"; word-like symbols only as whole words ("zl", not "zlote").
    alternatives = []
    for symbol in sorted(_symbols(), key=len, reverse=True):
        escaped = re.escape(symbol)
        # Chinese has no spaces between words: "2,000万元" ends in its currency.
        if symbol[-1].isalpha() and not _CJK.match(symbol[-1]):
            escaped = rf"(?<![^\W\d_]){escaped}(?![^\W\d_])"
        alternatives.append(escaped)
    return re.compile("|".join(alternatives), re.IGNORECASE)
