"""How the pages and feeds write values for people: amounts with their currency, labels for ids."""

from __future__ import annotations

import time
import weakref
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, get_currency_symbol
from datasette.utils import escape_sqlite

UNKNOWN_DATE = "date unknown"
DATABASE = "registry"
# Tables whose rows have a profile page: a mention of one of their ids links there.
PROFILE_PAGES = {
    "deployments": "deployment",
    "vendors": "vendor",
    "suppliers": "supplier",
    "buyers": "buyer",
    "places": "place",
}


def money(amount: Any, currency: Any, eur: Any = None) -> str | None:
    """ "£400,000 (€474,080)": the amount as published, then in euros when it was not."""
    try:
        value = None if amount is None else float(amount)
        in_eur = None if eur is None else float(eur)
    except (TypeError, ValueError):
        return str(amount)
    if value is None:
        return None
    code = str(currency or "").upper()
    text = _amount(value, code)
    if in_eur is not None and code != "EUR":
        text += f" ({_amount(in_eur, 'EUR')})"
    return text


def _amount(value: float, currency: str) -> str:
    number = format_decimal(round(value), "#,##0", locale="en")
    if not currency:
        return number
    symbol = get_currency_symbol(currency, locale="en")
    # Letters (SEK, CA$) need a space before the number; signs (£, €, $) do not.
    return f"{symbol} {number}" if symbol[-1:].isalpha() else f"{symbol}{number}"


def date_range(first: Any, last: Any) -> str:
    """ "2024-01-05 to 2024-03-01", one date when they are the same, "date unknown" for none."""
    dates = [d for d in (first, last) if d]
    if not dates:
        return UNKNOWN_DATE
    return dates[0] if len(set(dates)) == 1 else f"{dates[0]} to {dates[-1]}"


def profile_url(table: str, key: Any, database: str = DATABASE) -> str | None:
    """The page of a deployment, vendor, supplier, buyer or place (``/registry/vendor?id=…``)."""
    page = PROFILE_PAGES.get(table)
    if page is None or key is None or key == "":
        return None
    return f"/{database}/{page}?" + urlencode({"id": str(key)})


def place_url(key: Any) -> str | None:
    return profile_url("places", key)


# Per Datasette and database file version: which columns list ids, and each table's labels.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# How long a file's version is trusted before it is read again: a table page asks for labels
# once per cell, and one stat of the file each time was a tenth of the page's time.
VERSION_SECONDS = 1.0
_versions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _version(datasette, database: str) -> int | None:
    """The database file's mtime, not Datasette's hash of an immutable file (which reads it all)."""
    seen = _versions.setdefault(datasette, {})
    now = time.monotonic()
    checked = seen.get(database)
    if checked is None or now - checked[0] > VERSION_SECONDS:
        checked = (now, datasette.get_database(database).mtime_ns)
        seen[database] = checked
    return checked[1]


async def cached(datasette, database: str, key: Any, compute) -> Any:
    db = datasette.get_database(database)
    version = _version(datasette, database)
    entries = _cache.setdefault(datasette, {})
    found = entries.get((database, key))
    if found is None or found[0] != version:
        found = (version, await compute(db))
        entries[(database, key)] = found
    return found[1]


async def id_list_columns(datasette, database: str) -> dict[tuple[str, str], str]:
    """``{(table, column): other_table}`` for columns holding space-separated ids of another table.

    Found through link tables, never listed: ``deployment_vendors`` with foreign keys
    ``deployment_id`` → deployments and ``vendor_id`` → vendors says that ``deployments.vendors``
    lists vendor ids. A new multi-valued column with its link table is labelled with no change here.
    """

    async def compute(db) -> dict[tuple[str, str], str]:
        found = {}
        tables = set(await db.table_names())
        for link in tables:
            keys = await db.foreign_keys_for_table(link)
            for ours in keys:
                kind = ours["column"].removesuffix("_id")
                column = link.removeprefix(f"{kind}_")
                if column == link or ours["other_table"] not in tables:
                    continue
                if column not in await db.table_columns(ours["other_table"]):
                    continue
                for other in keys:
                    if other is not ours and other["other_table"] in tables:
                        found[(ours["other_table"], column)] = other["other_table"]
        return found

    return await cached(datasette, database, "id_lists", compute)


async def labels(datasette, database: str, table: str) -> dict[str, str]:
    """Every id of ``table`` with its label (the table's label column), as text."""

    async def compute(db) -> dict[str, str]:
        label = datasette.table_metadata(database, table).get("label_column")
        label = label or await db.label_column_for_table(table)
        pks = await db.primary_keys(table)
        if not label or len(pks) != 1:
            return {}
        sql = f"select {escape_sqlite(pks[0])}, {escape_sqlite(label)} from {escape_sqlite(table)}"
        return {str(k): str(v) for k, v in (await db.execute(sql)).rows if v is not None}

    return await cached(datasette, database, ("labels", table), compute)


async def labelled_ids(datasette, database: str, table: str, column: str, value: Any) -> list:
    """``[(id, label, other_table)]`` for a cell of an id-list column; [] for any other cell."""
    other = (await id_list_columns(datasette, database)).get((table, column))
    if other is None or not isinstance(value, str):
        return []
    names = await labels(datasette, database, other)
    return [(v, names.get(v, v), other) for v in value.split()]


def facet_label(name: Any) -> str:
    """A facet's heading: "deployment_technologies.technology_id" is "technology"."""
    column = str(name).rpartition(".")[2]
    return column.removesuffix("_id").replace("_", " ")


def map_points(rows: Any, key: str = "deployment_id") -> list[dict]:
    """The places of a page's deployment rows, once each with how many deployments are there."""
    places: dict[str, dict] = {}
    seen: set[tuple[str, Any]] = set()
    for row in rows or []:
        place, lat, lon = row["place_id"], row["latitude"], row["longitude"]
        if not place or lat is None or lon is None or (place, row[key]) in seen:
            continue
        seen.add((place, row[key]))
        label = row["place_label"] or place
        point = places.setdefault(
            place, {"lat": lat, "lon": lon, "label": label, "url": place_url(place), "count": 0}
        )
        point["count"] += 1
    return list(places.values())
