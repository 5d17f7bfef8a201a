"""The facts of an ``announcement`` item: vendors, places, technologies, quantities, money, dates.

Everything is read from the article's own text with the shared normalisers (vendors, gazetteer,
taxonomy, money, dates); the reference lists this module adds are in registry/reference/
(dollar-countries.csv, yuan-countries.csv, vendor-domains.csv, language-words.csv); places are
read by article_places, counts by quantities.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from crawlers.reference import reference_path
from registry.normalise.article_places import extract_places
from registry.normalise.countries import fold
from registry.normalise.dates import parse_date
from registry.normalise.languages import to_iso639_1
from registry.normalise.money import parse_money
from registry.normalise.quantities import (
    chinese_number,
    extract_quantities,
    is_approximate,
    number_words_pattern,
    trailing_count,
)
from registry.normalise.redact import redact_text
from registry.normalise.technologies import classify
from registry.normalise.vendors import load_vendors, vendors_in_text
from registry.relevance import without_boilerplate

SNIPPET_CHARS = 280
TOTAL_REACH = 40  # characters between "coût total" and its amount ("… s'élèvera à 642 000 €")
ROUNDING = 0.1  # how far "presque 90 000 €" may lie from the exact 87 947 € it rounds
MAX_TEXT = 100_000  # facts come from the first 100 kB; longer "articles" are listings or dumps
# An announcement that counts cameras is about video surveillance even when it says only
# "Kameras" or "câmeras" (weak words alone), unless another camera technology is what it counts.
CAMERA_COUNT_CONFIDENCE = 0.6
_OTHER_CAMERA_TECHNOLOGIES = frozenset(
    {"alpr", "face_recognition", "traffic_enforcement", "body_worn", "drones"}
)
# An amount as written in any of our languages: "$2.5 million", "125 240€", "85.525,89 euro",
# "Rund 85 Millionen Euro", "1,5 mln zł"; parse_money reads the phrase.
# Swiss German groups thousands with an apostrophe ("35'000 Franken").
_AMOUNT = r"(?:\d{1,3}(?:[,.\u00a0\u202f '’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
_SCALE = (
    r"(?:million|billion|thousand|bn|mn|m|k|Mio\.?|Mrd\.?|Millionen|Milliarden|Tausend|"
    r"millions?|milliards?|millones|mil\s+millones|milioni|miliardi|mila|milhões|milhão|mil|"
    r"miljoen|miljard|milion(?:y|ów)?|mln|mld|tys\.?|mille|duizend|tysięcy|tysiące)"
)
_CURRENCY_AFTER = (
    r"(?:€|euros?|EUR|£|pounds|dollars|USD|GBP|AUD|CNY|yuan|rupees|zł|złotych|PLN|CHF|"
    r"Franken|francs|reais|BRL|pesos|MXN)"
)
# French writes whether an amount is before or after tax right after it ("75 000€ht", "12 000 €
# TTC"): part of the amount, not of the next word.
_TAX_NOTE = re.compile(r"\s?(?:ht|h\.t\.|ttc|t\.t\.c\.)(?!\w)", re.IGNORECASE)
_MONEY = re.compile(
    rf"(?:(?:US|A|AU|C|CA|NZ|HK|S|R)?\$|£|€|¥|₹|(?<![A-Za-z])(?:USD|EUR|GBP|AUD|CAD|CNY|RMB|INR|"
    rf"PKR|KES|JPY|CHF|PLN|BRL)\s?)\s?{_AMOUNT}(?:\s?{_SCALE}(?!\w))?"
    rf"|{_AMOUNT}\s?(?:{_SCALE}\s?)?(?:(?:de|di|of)\s|d['’])?{_CURRENCY_AFTER}"
    rf"(?:{_TAX_NOTE.pattern})?(?!\w)",
    re.IGNORECASE,
)
# A return or cost per unit of money ("$26 for every dollar spent", "7 euros por cada euro"):
# a ratio, not what the deployment cost.
_PER_UNIT_SPENT = re.compile(
    r"\s*(?:for (?:every|each)|per|por cada|pour chaque|par|für jeden|pro|per ogni|voor elke"
    r"|(?:za|na) każd\w*)\s+(?:[^\W\d_]+\s+)?"
    r"(?:dollars?|euros?|pounds?|yuan|francs?|franken|reais|real|złot\w*|zł|\$|€|£)(?!\w)",
    re.IGNORECASE,
)
# "2273萬元", "530多万元", "两千多万元", "6,200萬元", "五亿八千万元" (580 million), "二點四四億元"
# (244 million): yuan, and the Taiwan dollar in Taiwan.
_CJK_NUMBER = (
    r"(?:\d[\d,.]*|[零〇一二两兩三四五六七八九十百千]+(?:[點点][零〇一二两兩三四五六七八九]+)?)"
)
_CJK_MONEY = re.compile(
    rf"(?P<n>{_CJK_NUMBER}(?:[多余餘]?[万萬亿億]{_CJK_NUMBER}?)*[多余餘]?)(?:元|人民币|人民幣)"
)
# "100 millones de pesos": the peso of the story's country (Mexico's when it names none).
_PESOS = re.compile(r"(?i:pesos)(?!\w)")
_BARE_DOLLAR = re.compile(r"^\$")
_ASIDE = re.compile(r"\([^()]*\)")
# Half and one and a half million in words, read as digits before amounts are found: "een half
# miljoen euro", "un millón y medio de euros", "anderthalb Millionen Franken".
_MILLIONS = (
    r"(?P<scale>million(?:s|en)?|millón|millones|milione|milioni|miljoen|milhão|milhões|"
    r"milion(?:y|ów)?)"
)
# Thousands in words: "cinco mil euros", "dieci mila euro", "duemila euro" (one word).
_THOUSANDS = r"(?P<thousands>mil|mila|thousand|tausend|mille|duizend|tysięcy|tysiące)"
_SCALE_WORD = re.compile(rf"(?:{_MILLIONS}|{_THOUSANDS})(?!\w)", re.IGNORECASE)
_HALF_MILLION = re.compile(
    rf"(?<!\w)(?:(?:een|ein|eine|a|un|una|uno|um|meio)\s+)?(?:half|halve|halbe|medio|mezzo|"
    rf"demi|meio)\s+{_MILLIONS}(?!\w)",
    re.IGNORECASE,
)
_MILLION_AND_A_HALF = (
    re.compile(
        rf"(?<!\w)(?:un|one|uno|um|een|ein)\s+{_MILLIONS}\s+(?:y|et|e|and|en)\s+(?:a\s+)?"
        r"(?:medio|demi|mezzo|half|meio)(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(rf"(?<!\w)(?:anderthalb|eineinhalb|anderhalf)\s+{_MILLIONS}(?!\w)", re.IGNORECASE),
)
# Chinese quotes a programme's name inside it ("“天眼”工程", "「雪亮」工程"): read without them.
_CJK_QUOTES = re.compile(r"(?<=[\u4e00-\u9fff])[“”「」『』\"]|[“”「」『』\"](?=[\u4e00-\u9fff])")
_DATE_PHRASE = re.compile(
    r"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+(?:night,?\s+|morning,?\s+)?)?"
    r"(?:(?P<md>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?(?:,?\s+(?P<y1>\d{4}))?)"
    r"|(?P<dm>\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
    r"(?:,?\s+(?P<y2>\d{4}))?)"
    r"|(?:in\s+)(?P<my>(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+\d{4}))"
)


def normalise_announcement(item: dict) -> dict:
    """The issue's announcement record (plus ``snippet``, ``event_date``, ``place ids``)."""
    text, title, language, body, reading = read_article(item)
    url = item.get("url") or item.get("document_url")
    published = credible_date(item.get("published"))
    vendors = extract_vendors(body, url, item.get("vendor"))
    places = extract_places(body, url, _home_countries(vendors), reading)
    record: dict[str, Any] = {
        "kind": "announcement",
        "source": item.get("source") or "article",
        "source_id": item.get("source_id"),
        "url": url,
        "title": redact_text(title) or None,
        "published": published,
        "language": language,
        "site_name": redact_text(item.get("site_name")) or None,
        "vendors": vendors,
        "places": places,
        "technologies": [],
        "technology_confidence": {},
        "quantities": extract_quantities(body, reading),
        "value": extract_value(body, places),
        "event_date": event_date(text, published),
        "snippet": snippet(
            without_boilerplate(item.get("description")) or without_boilerplate(text)
        ),
        "text": text or None,
    }
    for tech, confidence in classify([], _CJK_QUOTES.sub("", body), language):
        record["technologies"].append(tech)
        record["technology_confidence"][tech] = confidence
    techs = set(record["technologies"])
    counts_cameras = any(q["of"] == "cameras" for q in record["quantities"])
    if counts_cameras and "cctv" not in techs and not techs & _OTHER_CAMERA_TECHNOLOGIES:
        record["technologies"].append("cctv")
        record["technology_confidence"]["cctv"] = CAMERA_COUNT_CONFIDENCE
    return record


class Article(NamedTuple):
    """An article item as its facts are read: its text, title and stated language, the body
    (title and text) the facts come from, and the language that body is read in."""

    text: str
    title: str
    language: str | None
    body: str
    reading: str | None


def read_article(item: dict) -> Article:
    """``item``'s text and title, and the language they are read in: the article's own, or the
    one its text uses."""
    text = (item.get("text") or "")[:MAX_TEXT]
    title = item.get("title") or ""
    language = to_iso639_1(item.get("language")) if item.get("language") else None
    body = text if title and text.startswith(title) else f"{title}\n{text}"
    return Article(text, title, language, body, language or text_language(body))


def credible_date(raw: Any) -> str | None:
    """A publication date, unless it lies after tomorrow: then it is a placeholder or a typo."""
    day = parse_date(raw) if raw else None
    if day and day > (dt.date.today() + dt.timedelta(days=1)).isoformat():
        return None
    return day


def event_key(record: dict) -> str:
    """Vendor + place + technology + month: two outlets telling one story share this key."""
    vendor = min(record.get("vendors") or ["-"])
    places = record.get("places") or []
    # City name, not place id: one outlet naming the state must not split the story in two.
    first = places[0] if places else {}
    place = "/".join(filter(None, (first.get("country"), fold(first.get("city") or "")))) or "-"
    techs = record.get("technologies") or ["-"]
    month = (record.get("event_date") or record.get("published") or "-")[:7]
    return f"{vendor}|{place}|{techs[0]}|{month}"


def snippet(text: str | None) -> str | None:
    """A short quotation (whole words, redacted): all of an article the public registry shows."""
    if not text:
        return None
    # Redacted before it is flattened and cut: names are found by line, and never cut in half.
    flat = " ".join(redact_text(text[: SNIPPET_CHARS * 4]).split())
    if len(flat) > SNIPPET_CHARS:
        flat = flat[:SNIPPET_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return flat or None


def extract_vendors(text: str, url: str | None, declared: str | None = None) -> list[str]:
    """Vendors named in the text, plus the vendor whose own site or newsroom published it."""
    found = vendors_in_text(text)
    owner = declared or _site_vendor(url)
    if owner and owner not in found:
        found.insert(0, owner)
    return found


def _home_countries(vendors: list[str]) -> tuple[str, ...]:
    homes = {v["id"]: v.get("country") for v in load_vendors()}
    return tuple(dict.fromkeys(c for v in vendors if (c := homes.get(v))))


def _site_vendor(url: str | None) -> str | None:
    host = (urlsplit(url).hostname or "") if url else ""
    for domain, vendor in _vendor_domains().items():
        if host == domain or host.endswith("." + domain):
            return vendor
    return None


def extract_value(text: str, places: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first amount of money the article states (its total when it says which), with a bare
    '$', 'pesos' or '元' read by its country."""
    countries = [p["country"] for p in places if p.get("country")]
    for pattern in _MILLION_AND_A_HALF:
        text = pattern.sub("1.5 million", text)
    text = _HALF_MILLION.sub("0.5 million", text)
    # "quatro milhões de euros", "um milhão de euros", "drei Millionen Euro": the count in digits.
    if _SCALE_WORD.search(text):  # the number-word pattern is compiled only when needed
        text = _millions_in_words().sub(_millions_in_digits, text)
    found = [(m.start(), m) for m in _MONEY.finditer(text)]
    if _cjk(text):
        found.extend((m.start(), m) for m in _CJK_MONEY.finditer(text))
    # An amount stated as the whole cost comes first: "une subvention de 512 000 euros … le coût
    # total s'élèvera à 642 000 euros".
    totals = [m.end() for m in _total_words().finditer(text)]
    ranked = sorted(
        (
            (0 if any(_states_total(text, end, start) for end in totals) else 1, start, match)
            for start, match in found
        ),
        key=lambda entry: entry[:2],
    )
    amounts = [
        (value, match)
        for *_, match in ranked
        if (value := _amount(text, match, countries)) is not None
    ]
    if not amounts:
        return None
    value, match = amounts[0]
    # A rounded amount stated exactly later is the exact one: "presque 90 000 € … l'investissement
    # coûte ici 87 947 €".
    if is_approximate(text, match.start(), match.end(), None):
        return next((other for other, _ in amounts[1:] if _restates(value, other)), value)
    return value


def _amount(text: str, match: re.Match[str], countries: list[str]) -> dict[str, Any] | None:
    """The amount a money match states, with a bare '$', 'pesos' or '元' read by its country."""
    if match.re is _CJK_MONEY:
        amount = chinese_number(re.sub("[多余餘]", "", match.group("n")))
        if not amount:
            return None
        yuan = next((_yuan()[c] for c in countries if c in _yuan()), "CNY")
        return {"amount": float(amount), "currency": yuan}
    if _PER_UNIT_SPENT.match(text, match.end()):
        return None
    phrase = _TAX_NOTE.sub("", match.group()).strip()
    money = parse_money(_english_scale(phrase))
    if money is None or not money.amount:
        return None
    currency = money.currency
    if _BARE_DOLLAR.match(phrase):
        currency = next((_dollars()[c] for c in countries if c in _dollars()), currency)
    elif currency is None and _PESOS.search(phrase):
        currency = next((_pesos()[c] for c in countries if c in _pesos()), "MXN")
    return {"amount": money.amount, "currency": currency}


def _restates(rounded: dict[str, Any], exact: dict[str, Any]) -> bool:
    """``exact`` is ``rounded`` as stated to the unit: same currency, within ROUNDING of it."""
    near = abs(exact["amount"] - rounded["amount"]) <= ROUNDING * rounded["amount"]
    return exact["currency"] == rounded["currency"] and near and exact != rounded


def _states_total(text: str, cue_end: int, start: int) -> bool:
    """The amount at ``start`` is what the total cue ending at ``cue_end`` states: near after
    it, in its clause ("of the total cost; the city's share is $33,442" states a share)."""
    # A bracket is an aside: "le coût global (achat, installation, formation) sera de 75 000 €".
    gap = _ASIDE.sub("", text[cue_end:start]) if start >= cue_end else "-" * (TOTAL_REACH + 1)
    return len(gap) <= TOTAL_REACH and not re.search(r"[;.!?]", gap)


@cache
def _total_words() -> re.Pattern[str]:
    words = sorted((r["words"] for r in _reference_rows("money-total-words.csv")), key=len)
    return re.compile("|".join(re.escape(w) for w in reversed(words)), re.IGNORECASE)


@cache
def _millions_in_words() -> re.Pattern[str]:
    words = number_words_pattern()
    return re.compile(
        rf"(?<!\w)(?P<n>{words})(?:\s+{_MILLIONS}|\s*{_THOUSANDS})(?!\w)", re.IGNORECASE
    )


def _millions_in_digits(match: re.Match[str]) -> str:
    # "entre dos y tres millones": the number next to the scale word is what it scales.
    offset, count = trailing_count(match.group("n"))
    scale = match.group("scale") or match.group("thousands")
    return f"{match.group()[:offset]}{count} {scale}" if count else match.group()


def _english_scale(phrase: str) -> str:
    """The phrase with its scale word in English ("3,8 milhões de euros" → "3,8 million euros")."""
    for word, english in _scale_words():
        phrase = re.sub(rf"(?<=[\d\s]){re.escape(word)}(?!\w)", f" {english}", phrase)
    return re.sub(r"\s+(?:de|di)\s+", " ", phrase)


def text_language(text: str) -> str | None:
    """The language whose frequent words the text uses most (zh for Chinese script), or None."""
    if len(re.findall(r"[\u4e00-\u9fff]", text[:5000])) > 20:
        return "zh"
    words = re.findall(r"[^\W\d_]+", text[:5000].casefold())
    scores: dict[str, int] = {}
    markers = _language_words()
    for word in words:
        for language in markers.get(word, ()):
            scores[language] = scores.get(language, 0) + 1
    if not scores:
        return None
    best = max(scores, key=lambda language: scores[language])
    return best if scores[best] >= 3 else None


def event_date(text: str, published: str | None) -> str | None:
    """The first full date in the body when it is not the publication date (ISO, or YYYY-MM)."""
    for match in _DATE_PHRASE.finditer(text):
        if match.group("my"):
            found = (parse_date(f"1 {match.group('my')}") or "")[:7] or None
        else:
            phrase = match.group("md") or match.group("dm")
            year = match.group("y1") or match.group("y2")
            if not year:
                if not published:
                    continue
                phrase = f"{phrase} {published[:4]}"
            found = parse_date(phrase)
            if found and not year and published:
                found = _nearest_year(phrase[:-5], published) or found
        if found and (not published or not published.startswith(found)):
            return found
    return None


def _nearest_year(day_month: str, published: str) -> str | None:
    """A year-less date ("by August 14") in the year that puts it nearest the publication."""
    reference = dt.date.fromisoformat(published[:10]) if len(published) >= 10 else None
    if reference is None:
        return None
    dates = [
        day
        for year in (reference.year - 1, reference.year, reference.year + 1)
        if (day := parse_date(f"{day_month} {year}"))
    ]
    return min(dates, key=lambda d: abs((dt.date.fromisoformat(d) - reference).days), default=None)


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _reference_rows(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _language_words() -> dict[str, tuple[str, ...]]:
    words: dict[str, tuple[str, ...]] = {}
    for row in _reference_rows("language-words.csv"):
        words[row["word"]] = (*words.get(row["word"], ()), row["language"])
    return words


@cache
def _scale_words() -> tuple[tuple[str, str], ...]:
    rows = _reference_rows("money-scale-words.csv")
    return tuple(
        sorted(((r["word"], r["english"]) for r in rows), key=lambda r: len(r[0]), reverse=True)
    )


@cache
def _yuan() -> dict[str, str]:
    return {row["country"]: row["currency"] for row in _reference_rows("yuan-countries.csv")}


@cache
def _pesos() -> dict[str, str]:
    return {row["country"]: row["currency"] for row in _reference_rows("peso-countries.csv")}


@cache
def _dollars() -> dict[str, str]:
    return {row["country"]: row["currency"] for row in _reference_rows("dollar-countries.csv")}


@cache
def _vendor_domains() -> dict[str, str]:
    return {row["domain"]: row["vendor"] for row in _reference_rows("vendor-domains.csv")}
