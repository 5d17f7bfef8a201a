"""Places as sources write them, resolved against the GeoNames place index (gazetteer.py).

A place is right or absent: a name that fits several towns that no clue (country, state or
region, county, the publisher's domain) tells apart resolves to nothing. Place ids are keyed on
GeoNames ids (``geonames/2650628``) or, for US counties, FIPS codes (``us-county/36001``), so
they survive gazetteer releases; the slug ids published before (``gb/doncaster``) are aliases.
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from crawlers.reference import reference_path
from registry.normalise import gazetteer
from registry.normalise.countries import fold, to_alpha2

MAX_CHARS = 200
MAX_NGRAM = 4
# Words picked out of a longer name, and names given without a region or county, must name a
# town at least this large: below it too many towns share a name with an ordinary word
# ("Council", Idaho).
NGRAM_POPULATION = 5000
# Same-named towns are told apart by size alone only when one is this many times the other.
AMBIGUITY_RATIO = 4.0
# Two gazetteer entries of one name this close are one town entered twice.
SAME_TOWN_KM = 15.0
# An entry this close to a town this many times larger is one of its districts (GeoNames lists
# Madrid's barrio of Salamanca beside the city of Salamanca): a namesake that is a town wins.
DISTRICT_KM = 8.0
DISTRICT_RATIO = 10.0
# A misspelt town ("Roanaoke Rapids") is accepted only inside its stated county, this close.
FUZZY_SCORE = 90.0
_NUTS = re.compile(r"\s*([A-Za-z]{2})([A-Za-z0-9]{0,3})\s*$")
_COUNTY_WORDS = re.compile(r"\b(?:county|parish)\b")
_TRAILING_KIND = re.compile(r"\s+(?:village|township|twp|town|city|borough|boro)$")
_SAINT = re.compile(r"\b(?:st|ste)\b")
_DOMAIN_PREFIXES = ("cityof", "townof", "villageof", "countyof", "ci", "co", "www")


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer place: stable id, name, country alpha-2, WGS84 point, admin1 code and names."""

    id: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    admin1: str
    geonames_id: int | None
    admin1_name: str | None = None
    admin2: str | None = None
    kind: str = "city"
    legacy_id: str | None = None

    @property
    def label(self) -> str:
        """What a reader needs to tell it from its namesakes: "Albany, New York, US"."""
        region = self.admin1_name or (self.admin1 if self.admin1 and self.admin1 != "00" else "")
        parts = [self.city, region if region != self.city else "", self.country]
        return ", ".join(part for part in parts if part)

    def row(self) -> dict[str, Any]:
        """The ``places`` row of the registry."""
        row = asdict(self)
        row.pop("legacy_id")
        row["label"] = self.label
        return row


def resolve_place(
    city: Any,
    country: Any = None,
    *,
    nuts: Any = None,
    region: Any = None,
    county: Any = None,
    domain: Any = None,
    counties: bool = False,
    small_towns: bool = False,
) -> Place | None:
    """The place named in `city` (a name, an address line or an organisation name), or None.

    `country` (any form `to_alpha2` reads) must hold when given; `nuts` (a NUTS code) or
    `region` (state code, name or abbreviation; admin1 name or code) must hold when they name a
    known division; `county` (a county's name) and `domain` (the publisher's host or URL) choose
    between namesakes. A trailing ", Kansas" or ", Ill." in `city` is read as its state. With
    `counties`, a US county's name ("Albany County") is that county, never its namesake town.
    With `small_towns` (the caller's evidence names the town itself, such as its own website), a
    whole name in `country` may be a town smaller than NGRAM_POPULATION.
    """
    if not isinstance(city, str) or not city.strip() or len(city) > MAX_CHARS:
        return None
    country_code = to_alpha2(country) if isinstance(country, str) else None
    admin1 = None
    if isinstance(nuts, str) and (match := _NUTS.match(nuts)):
        country_code = country_code or to_alpha2(match.group(1))
        admin1 = _nuts_admin1().get(fold(nuts.strip()[:3]))
    if isinstance(region, str) and len(region) <= MAX_CHARS:
        admin1 = _admin1_code(region, country_code) or admin1
        if admin1 and country_code is None:  # only US states are read without a country
            country_code = "US"
    if "," in city and country_code in (None, "US"):
        head, _, tail = city.rpartition(",")
        if head.strip() and (state := _admin1_code(tail, "US")):
            city, country_code, admin1 = head, "US", state
    return _resolve(
        city,
        country_code,
        admin1,
        gazetteer.county_key(county) if isinstance(county, str) and county.strip() else None,
        _domain_labels(domain),
        counties,
        small_towns and country_code is not None,
    )


def is_town_in(city: str, country: str) -> bool:
    """Whether a town of ``country`` (of NGRAM_POPULATION or more) has this name, however many
    namesakes share it: "Livingston" is a US town even where it is none in particular."""
    entries = _entries(fold(city), country, None)
    return any(e[11] >= NGRAM_POPULATION for e in entries)


def us_state_code(word: str) -> str | None:
    """The US state a word names: its code ("tx"), name or AP abbreviation, or None."""
    return _us_states().get(fold(word))


def place_by_id(place_id: Any) -> Place | None:
    """The place of an id, current (``geonames/…``, ``us-county/…``) or published before."""
    if not isinstance(place_id, str) or len(place_id) > MAX_CHARS:
        return None
    return _by_id(place_id.strip())


@lru_cache(maxsize=65536)
def _by_id(place_id: str) -> Place | None:
    row = (
        _db()
        .execute(
            f"SELECT {_COLUMNS} FROM place WHERE id = ? OR legacy_id = ? ORDER BY id = ? DESC",
            [place_id, place_id, place_id],
        )
        .fetchone()
    )
    return _place(row) if row else None


def nearest_place(
    latitude: float, longitude: float, country: str | None = None, max_km: float = 25
) -> Place | None:
    """The gazetteer town nearest to a WGS84 point within ``max_km`` (in ``country``, if given)."""
    near = _towns_within(latitude, longitude, max_km, country)
    return _place(min(near, key=lambda found: found[0])[1]) if near else None


def _towns_within(
    latitude: float,
    longitude: float,
    max_km: float,
    country: str | None = None,
    min_population: float = 0,
) -> list[tuple[float, tuple]]:
    """(distance in km, row) of every gazetteer town within ``max_km`` of a point."""
    reach_lat = max_km / 111.0
    reach_lon = max_km / max(1e-6, 111.0 * math.cos(math.radians(latitude)))
    rows = (
        _db()
        .execute(
            f"SELECT {_COLUMNS} FROM place WHERE kind = 'city' "
            "AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?"
            + (" AND country = ?" if country else "")
            + (" AND population >= ?" if min_population else ""),
            [
                latitude - reach_lat,
                latitude + reach_lat,
                longitude - reach_lon,
                longitude + reach_lon,
                *([country] if country else []),
                *([min_population] if min_population else []),
            ],
        )
        .fetchall()
    )
    found = ((_km(latitude, longitude, row[3], row[4]), row) for row in rows)
    return [(km, row) for km, row in found if km < max_km]


def place_aliases() -> dict[str, str]:
    """Every legacy slug id → its GeoNames-keyed id."""
    return dict(_db().execute("SELECT legacy_id, id FROM place WHERE legacy_id IS NOT NULL"))


_COLUMNS = (
    "id, name, country, latitude, longitude, admin1, geonames_id, admin1_name, admin2, kind, "
    "legacy_id, population"
)


def _place(row: tuple) -> Place:
    return Place(*row[:11])


@lru_cache(maxsize=65536)
def _resolve(
    city: str,
    country: str | None,
    admin1: str | None,
    county: str | None,
    domain: tuple[str, ...],
    counties: bool = False,
    small_towns: bool = False,
) -> Place | None:
    folded = fold(city)
    if country in (None, "US") and _COUNTY_WORDS.search(folded):
        # "Albany County NY SO" is the county, never the town of Albany.
        if not counties:
            return None
        return _county(gazetteer.county_key(re.sub(r"\S*\d\S*", " ", city)), admin1)
    # Words picked out of a longer name ("City of Doncaster Council") are only trusted within a
    # known country: alone, too many ordinary words are some town's name somewhere.
    for candidate, whole in _candidate_names(city, ngrams=country is not None):
        entries = _entries(candidate, country, admin1)
        if not whole or not (admin1 or county or small_towns):
            entries = [e for e in entries if e[11] >= NGRAM_POPULATION]
        if not entries:
            continue
        chosen = _choose(entries, country is not None, county, domain)
        # A name that fits several towns stops the search: a shorter part must not guess.
        return _place(chosen) if chosen else None
    if county and admin1 and country in (None, "US"):
        return _misspelt(folded, admin1, county)
    return None


def _entries(name: str, country: str | None, admin1: str | None) -> list[tuple]:
    query = (
        f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))}, n.own "
        "FROM name n JOIN place p ON p.id = n.place_id WHERE n.key = ? AND p.kind = 'city'"
    )
    params: list[Any] = [name]
    if country:
        query += " AND p.country = ?"
        params.append(country)
    if admin1:
        query += " AND p.admin1 = ?"
        params.append(admin1)
    return _db().execute(query, params).fetchall()


def _choose(
    entries: list[tuple], in_country: bool, county: str | None, domain: tuple[str, ...]
) -> tuple | None:
    pool = entries
    if in_country:  # within a country a town's own name beats another town's alternate name
        pool = [e for e in pool if e[12]] or pool
    if county:
        pool = [e for e in pool if gazetteer.county_key(e[8] or "") == county] or pool
    if domain:
        pool = [e for e in pool if _domain_supports(domain, e[1], e[5], e[2])] or pool
    # Only between towns named by their own names: an alternate name that is an ordinary word
    # ("meer", Dutch for more, of Boxmeer and of a district of Maastricht) stays ambiguous.
    if len(pool) > 1 and all(e[12] for e in pool):
        pool = [e for e in pool if not _district(e)] or pool
    # A town's own name counts as much as an alternate name of a town this many times larger:
    # "Cologne" is Köln, but "Pittsburg" is not Pittsburgh.
    weight = {e[0]: e[11] * (AMBIGUITY_RATIO if e[12] else 1.0) for e in pool}
    pool = sorted(pool, key=lambda e: (-weight[e[0]], e[0]))
    best = pool[0]
    for other in pool[1:]:
        if _km(best[3], best[4], other[3], other[4]) <= SAME_TOWN_KM:
            continue
        if weight[best[0]] < AMBIGUITY_RATIO * max(weight[other[0]], 1):
            return None
    return best


def _district(entry: tuple) -> bool:
    """Whether a gazetteer entry lies within DISTRICT_KM of a town DISTRICT_RATIO times larger."""
    latitude, longitude, population = entry[3], entry[4], entry[11] or 0
    if latitude is None or longitude is None:
        return False
    larger = max(1, population) * DISTRICT_RATIO
    return bool(_towns_within(latitude, longitude, DISTRICT_KM, entry[2], larger))


def _county(name: str, admin1: str | None) -> Place | None:
    if not name or not admin1:
        return None
    row = (
        _db()
        .execute(
            f"SELECT {_COLUMNS} FROM name n JOIN place p ON p.id = n.place_id "
            "WHERE n.key = ? AND p.kind = 'county' AND p.admin1 = ?",
            [name, admin1],
        )
        .fetchone()
    )
    return _place(row) if row else None


def _misspelt(name: str, admin1: str, county: str) -> Place | None:
    rows = (
        _db()
        .execute(
            f"SELECT {_COLUMNS} FROM place WHERE country = 'US' AND admin1 = ? AND kind = 'city' "
            "AND admin2 IS NOT NULL",
            [admin1],
        )
        .fetchall()
    )
    scored = [
        (fuzz.ratio(name, fold(row[1])), row)
        for row in rows
        if gazetteer.county_key(row[8]) == county
    ]
    good = sorted((s for s in scored if s[0] >= FUZZY_SCORE), key=lambda s: -s[0])
    if len(good) == 1 or (len(good) > 1 and good[0][0] > good[1][0]):
        return _place(good[0][1])
    return None


def _candidate_names(raw: str, *, ngrams: bool) -> list[tuple[str, bool]]:
    """(name, is it the whole name or a part): the cleaned name, its variants and parts, then
    word n-grams, longest first."""
    # Tokens with digits are postcodes, house numbers or district numbers ("Paris 75001").
    cleaned = re.sub(r"\S*\d\S*", " ", raw)
    whole = [fold(cleaned)]
    whole.extend(fold(part) for part in re.split(r"[,;/()|]", cleaned))
    variants = []
    for name in whole:
        saint = _SAINT.sub("saint", name)
        variants.extend([saint, _TRAILING_KIND.sub("", name), _TRAILING_KIND.sub("", saint)])
    names = [(name, True) for name in [*whole, *variants]]
    words = whole[0].split() if ngrams else []
    stop = _stopwords()
    for size in range(min(MAX_NGRAM, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            gram = words[start : start + size]
            if not any(word in stop for word in gram):
                names.append((" ".join(gram), False))
    seen: dict[str, bool] = {}
    for name, is_whole in names:
        if name and name not in seen:
            seen[name] = is_whole
    return list(seen.items())


def _domain_labels(domain: Any) -> tuple[str, ...]:
    """The labels of a publisher's host that can name a town ("pittks" of www.pittks.org)."""
    if not isinstance(domain, str) or not domain.strip() or len(domain) > MAX_CHARS:
        return ()
    host = urlsplit(domain).hostname if "//" in domain else domain.strip().lower()
    labels = (host or "").split(".")[:-1]
    out = []
    for label in labels:
        for prefix in _DOMAIN_PREFIXES:
            if label.startswith(prefix) and len(label) > len(prefix) + 2:
                label = label[len(prefix) :]
                break
        out.append(label)
    return tuple(label for label in out if label not in _DOMAIN_PREFIXES)


def _domain_supports(labels: tuple[str, ...], name: str, admin1: str, country: str) -> bool:
    """Whether a host names this town: pittks.org (Pittsburg, KS), ci.aurora.il.us, redmond.gov."""
    slug = fold(name).replace(" ", "")
    state = admin1.lower() if country == "US" else ""
    named_states = {label for label in labels if label.upper() in _us_codes()}
    if state and named_states and state not in named_states:
        return False
    for label in labels:
        if label in (slug, slug + state):
            return True
        # "pittks": the start of the town's name and its state code.
        if state and label.endswith(state) and len(label) - len(state) >= 4:
            if slug.startswith(label[: -len(state)]):
                return True
    return False


_km = gazetteer.km


@lru_cache(maxsize=1)
def _db() -> sqlite3.Connection:
    return gazetteer.open_index()


@lru_cache(maxsize=4096)
def _admin1_code(region: str, country: str | None) -> str | None:
    """The GeoNames admin1 code a region names, within ``country`` when known."""
    key = fold(region)
    if not key:
        return None
    if country in (None, "US") and (state := _us_states().get(key)):
        return state
    if not country:
        return None
    rows = (
        _db()
        .execute(
            "SELECT code FROM admin1 WHERE country = ? AND (code = ? OR lower(name) = ?)",
            [country, region.strip().upper(), region.strip().lower()],
        )
        .fetchall()
    )
    if len(rows) == 1:
        return str(rows[0][0])
    by_name = _admin1_names(country).get(key)
    return by_name


@lru_cache(maxsize=256)
def _admin1_names(country: str) -> dict[str, str]:
    rows = _db().execute("SELECT code, name FROM admin1 WHERE country = ?", [country])
    return {fold(name): str(code) for code, name in rows}


@lru_cache(maxsize=1)
def _us_states() -> dict[str, str]:
    """Folded US state code, name or AP abbreviation ("Ill.", "Calif.") -> its code."""
    states = {}
    for code, name in _db().execute("SELECT code, name FROM admin1 WHERE country = 'US'"):
        states[fold(code)] = code
        states[fold(name)] = code
    for row in _reference_rows("us-state-abbreviations.csv"):
        states[fold(row["abbreviation"])] = row["state"]
    return states


@lru_cache(maxsize=1)
def _us_codes() -> frozenset[str]:
    return frozenset(
        code for (code,) in _db().execute("SELECT code FROM admin1 WHERE country = 'US'")
    )


@lru_cache(maxsize=1)
def _nuts_admin1() -> dict[str, str]:
    """Folded NUTS-1 code -> GeoNames admin1 code."""
    return {fold(row["code"]): row["admin1"] for row in _reference_rows("region-admin1.csv")}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(fold(row["word"]) for row in _reference_rows("place-stopwords.csv"))


def _reference_rows(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
