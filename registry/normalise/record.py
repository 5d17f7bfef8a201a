"""An item as a parser wrote it (ITEMS.md) to the public record of issue 2's contract.

Every string that reaches the record passes through `redact_text`, every contact point through
`redact_contact`; odd values become nulls, so one bad field never costs the record.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from registry.normalise.countries import to_alpha2
from registry.normalise.cpv import normalise_cpvs
from registry.normalise.dates import parse_date
from registry.normalise.languages import to_iso639_1
from registry.normalise.locality import clean_locality
from registry.normalise.memo import Memoised
from registry.normalise.money import Money, parse_money, to_eur
from registry.normalise.places import resolve_place
from registry.normalise.redact import EMAIL_REPLACEMENT, redact_contact, redact_text
from registry.normalise.technologies import classify
from registry.normalise.vendors import resolve_vendor, vendors_in_text

NOTICE_TYPES = frozenset({"tender", "award", "prior-information", "modification", "other"})
# classify() confidences at or above this make a technology; lower ones stay visible only in
# `technology_confidence`, for review.
TECHNOLOGY_THRESHOLD = 0.5
REQUIRED = ("kind", "source", "source_id")
# Source hints for the build, not facts about the notice: never published.
HINT_KEYS = frozenset({"languages", "date_order"})
CONTRACT_KEYS = frozenset(
    {"kind", "source", "source_id", "procedure_id", "url", "notice_type", "title", "description",
     "language", "published", "buyer", "cpv", "suppliers", "value", "technologies", "vendors"}
)  # fmt: skip
CONTACT_KEYS = frozenset({"contact", "contactpoint", "contact_point", "contacts"})
PHONE_KEYS = frozenset({"phone", "telephone", "tel", "fax", "mobile", "faxnumber"})
MAX_DEPTH = 16


def normalise_record(item: dict, extra_keys: Collection[str] | None = None) -> dict:
    """The public record of a parser item; raises ValueError only without kind/source/source_id.

    With ``extra_keys``, of the keys beyond the contract's only those are kept (a build reads a
    few and need not redact the rest).
    """
    if not isinstance(item, dict):
        raise ValueError(f"a record must be a dict, not {type(item).__name__}")
    for key in REQUIRED:
        if _text(item.get(key)) is None:
            raise ValueError(f"record lacks {key!r}: {_describe(item)}")

    language = to_iso639_1(item.get("language"))
    hints = item.get("languages")
    languages = hints if isinstance(hints, list | tuple) and hints else language and [language]
    date_order = item.get("date_order") if isinstance(item.get("date_order"), str) else None
    published = parse_date(item.get("published"), languages=languages, date_order=date_order)
    title = _redacted(item.get("title")) or ""
    description = _redacted(item.get("description"))
    cpv = normalise_cpvs(item.get("cpv"))
    suppliers = _memoised_suppliers(item.get("suppliers"), language)
    value, value_eur = _value(item.get("value"), published)
    text = f"{title}\n{description or ''}"
    technology_confidence = _classify(cpv, text, language)

    record = {
        key: _redact_extra(value, key)
        for key, value in item.items()
        if key not in CONTRACT_KEYS
        and key not in HINT_KEYS
        and isinstance(key, str)
        and (extra_keys is None or key in extra_keys)
    }
    notice_type = item.get("notice_type")
    record.update(
        kind=_text(item["kind"]),
        source=_text(item["source"]),
        source_id=_text(item["source_id"]),
        # An identifier, not prose: redaction could only damage it.
        procedure_id=_text(item.get("procedure_id")),
        url=_redacted(item.get("url")),
        notice_type=notice_type
        if isinstance(notice_type, str) and notice_type in NOTICE_TYPES
        else "other",
        title=title,
        description=description,
        language=language,
        published=published,
        published_raw=_redacted(item.get("published")),
        buyer=_memoised_buyer(item.get("buyer"), item.get("nuts"), language),
        cpv=cpv,
        suppliers=suppliers,
        value=value,
        value_eur=value_eur,
        technologies=[
            tech for tech, score in technology_confidence.items() if score >= TECHNOLOGY_THRESHOLD
        ],
        technology_confidence=technology_confidence,
        vendors=_vendors(suppliers, text),
    )
    if record["kind"] != "notice":  # the notice contract's defaults do not apply to other kinds
        for key in ("notice_type", "buyer", "cpv", "suppliers", "value", "value_eur"):
            if key not in item and (key != "value_eur" or "value" not in item):
                record.pop(key)
    return record


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _redacted(value: Any) -> str | None:
    text = _text(value)
    return (redact_text(text).strip() or None) if text is not None else None


def _describe(item: dict) -> str:
    keys = ", ".join(sorted(str(key) for key in item)[:12])
    return f"keys [{keys}]" if keys else "empty item"


def _buyer(raw: Any, item_nuts: Any, language: str | None = None) -> dict[str, Any]:
    buyer = raw if isinstance(raw, dict) else {}
    record = {
        key: _redact_any(value, key)
        for key, value in buyer.items()
        if isinstance(key, str) and key not in ("name", "country", "city", "nuts", "contact")
    }
    name = _redacted(buyer.get("name")) or ""
    nuts = _nuts(buyer.get("nuts")) or _nuts(item_nuts)
    # A country field, in the source's language ("Україна"): any language is read.
    country = to_alpha2(buyer.get("country"), any_language=True, language=language) or (
        to_alpha2(nuts[:2]) if nuts else None
    )
    city = clean_locality(_redacted(buyer.get("city")))
    place, matched = None, None
    region = buyer.get("region")
    if city:
        place, matched = resolve_place(city, country, nuts=nuts, region=region), "city"
    if place is None and name and country:
        # No city, or one the gazetteer lacks: the buyer's own name often carries it ("City of
        # Doncaster Council").
        place, matched = resolve_place(name, country, nuts=nuts, region=region), "buyer_name"
    record.update(
        name=name,
        country=country,
        city=place.city if place else city,
        nuts=nuts,
        place_id=place.id if place else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        place_match=matched if place else None,
        contact=redact_contact(buyer.get("contact")),
    )
    return record


def _nuts(value: Any) -> str | None:
    text = _text(value)
    if text is None or len(text) > 5:
        return None
    code = text.upper()
    return code if code[:2].isalpha() and code.isalnum() else None


def _suppliers(raw: Any, language: str | None = None) -> list[dict[str, Any]]:
    if not isinstance(raw, list | tuple):
        return []
    suppliers = []
    for supplier in raw:
        if isinstance(supplier, str):
            supplier = {"name": supplier}
        if not isinstance(supplier, dict) or not (name := _redacted(supplier.get("name"))):
            continue
        record = {
            key: _redact_any(value, key)
            for key, value in supplier.items()
            if isinstance(key, str) and key not in ("name", "country")
        }
        country = to_alpha2(supplier.get("country"), any_language=True, language=language)
        record.update(name=name, country=country)
        suppliers.append(record)
    return suppliers


def _value(raw: Any, published: str | None) -> tuple[dict[str, Any] | None, float | None]:
    if isinstance(raw, dict):
        money = _parse_money(raw.get("amount"), raw.get("currency"))
    else:
        money = _parse_money(raw)
    if money is None or money.currency is None:  # an amount in no known currency is no value
        return None, None
    return (
        {"amount": money.amount, "currency": money.currency},
        to_eur(money.amount, money.currency, published),
    )


def _parse_money(raw: Any, currency: Any = None) -> Money | None:
    # Written amounts recur ("1 248 710,76" in every lot) and are the costly ones to read;
    # numbers are read at once.
    if isinstance(raw, str) and isinstance(currency, str | None):
        return _parse_written_money(raw, currency)
    return parse_money(raw, currency)


_parse_written_money = lru_cache(maxsize=8192)(parse_money)


def _classify(cpv: list[str], text: str, language: str | None) -> dict[str, float]:
    scores: dict[str, float] = {}
    for tech, score in sorted(classify(cpv, text, language), key=lambda pair: -pair[1]):
        scores.setdefault(tech, round(float(score), 3))
    return scores


def _vendors(suppliers: list[dict[str, Any]], text: str) -> list[str]:
    found: dict[str, None] = {}
    for supplier in suppliers:
        if vendor := resolve_vendor(supplier["name"], text):
            supplier["vendor"] = vendor
            found.setdefault(vendor, None)
    for vendor in vendors_in_text(text):
        found.setdefault(vendor, None)
    return list(found)


def _redact_extra(value: Any, key: str) -> Any:
    # Strings have redact_text's own cache; lots, links and buyers' lists recur whole.
    if isinstance(value, dict | list):
        return _memoised_redact_any(value, key)
    return _redact_any(value, key)


def _redact_any(value: Any, key: str | None = None, depth: int = 0) -> Any:
    """Extra keys, redacted all the way down: contacts and phones by key, text by pattern."""
    folded = key.casefold() if isinstance(key, str) else None
    if folded in PHONE_KEYS or depth > MAX_DEPTH:
        return None
    if folded in CONTACT_KEYS:
        if isinstance(value, list):
            return [contact for entry in value if (contact := redact_contact(entry))]
        return redact_contact(value)
    if folded == "email" and isinstance(value, str):
        kept = redact_text(value)
        return None if EMAIL_REPLACEMENT in kept else kept
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        return {
            str(k): _redact_any(v, str(k), depth + 1) for k, v in value.items() if k is not None
        }
    if isinstance(value, list | tuple):
        return [_redact_any(entry, None, depth + 1) for entry in value]
    return None  # bytes, datetimes, objects: nothing a JSON record should carry raw


# Contracts Finder's buyers, a framework's suppliers and a source's lots recur across notices.
_memoised_buyer = Memoised(_buyer)
_memoised_suppliers = Memoised(_suppliers)
_memoised_redact_any = Memoised(_redact_any)
