"""Following next_url, or streaming the CSV, reaches every row of every table exactly once."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections import Counter

import pytest

from tests.registry.registries import full_registry
from tests.registry.test_feeds import registry_datasette

PAGE = 7


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory):
    return full_registry(tmp_path_factory.mktemp("paging"))


@pytest.fixture(scope="module")
def datasette(registry_db):
    # A small page size, so the streamed CSV takes several pages too.
    return registry_datasette(registry_db, default_page_size=PAGE)


def get(datasette, path: str):
    response = asyncio.run(datasette.client.get(path.replace("http://localhost", "")))
    assert response.status_code == 200, (path, response.text[:500])
    return response


def tables(datasette) -> list[dict]:
    return [t for t in get(datasette, "/registry.json").json()["tables"] if not t["hidden"]]


def keys_in_db(registry_db, table: str, pks: list[str], where: str = "") -> Counter:
    columns = ", ".join(f"[{k}]" for k in pks or ["rowid"])
    with sqlite3.connect(registry_db) as conn:
        rows = conn.execute(f"select {columns} from [{table}] {where}").fetchall()
    return Counter(tuple(str(v) for v in row) for row in rows)


def row_count(datasette, table: dict) -> int:
    """The table's row count as Datasette serves it; the database page gives each count 5 ms
    and says None past that (a loaded machine), the table's own page counts within its SQL limit."""
    if table["count"] is not None:
        return table["count"]
    return get(datasette, f"/registry/{table['name']}.json?_size=0").json()[
        "filtered_table_rows_count"
    ]


def walk(datasette, path: str, pks: list[str]) -> Counter:
    """Every row reached by following next_url from ``path``, keyed by primary key."""
    seen: Counter = Counter()
    url: str | None = path
    while url:
        data = get(datasette, url).json()
        columns = data["columns"]
        for row in data["rows"]:
            record = dict(zip(columns, row, strict=True))
            seen[tuple(str(record[k]) for k in pks or ["rowid"])] += 1
        url = data["next_url"]
    return seen


def sorts(table: dict) -> list[str]:
    """The table's own order, and columns ascending and descending: all of deployments'."""
    columns = table["columns"] if table["name"] == "deployments" else table["columns"][-3:]
    return ["", *(f"&{way}={c}" for c in columns for way in ("_sort", "_sort_desc"))]


def test_the_fixture_has_ties_in_the_default_sort(registry_db):
    with sqlite3.connect(registry_db) as conn:
        count, distinct = conn.execute(
            "select count(*), count(distinct first_seen) from deployments"
        ).fetchone()
    assert count > 3 * PAGE and distinct < count / 3


def test_next_url_reaches_every_row_once_for_every_table_and_sort(datasette, registry_db):
    checked = 0
    for table in tables(datasette):
        expected = keys_in_db(registry_db, table["name"], table["primary_keys"])
        assert sum(expected.values()) == row_count(datasette, table)
        for sort in sorts(table):
            # Facets and counts do not change the order; leaving them out keeps this quick.
            path = f"/registry/{table['name']}.json?_size={PAGE}&_nofacet=1&_nocount=1{sort}"
            assert walk(datasette, path, table["primary_keys"]) == expected, path
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("country=GB", "where country = 'GB'"),
        ("status=tendered&_sort=city", "where status = 'tendered'"),
        ("year__gte=2024&_sort_desc=value_eur", "where year >= 2024"),
        (
            '_through={"table":"deployment_technologies","column":"technology_id",'
            '"value":"cctv"}&_sort_desc=first_seen',
            "where id in (select deployment_id from deployment_technologies "
            "where technology_id = 'cctv')",
        ),
        ("_search=council&_sort=title", "where buyer_name like '%council%'"),
    ],
)
def test_filtered_and_faceted_deployments_page_completely(datasette, registry_db, query, where):
    expected = keys_in_db(registry_db, "deployments", ["id"], where)
    assert sum(expected.values()) > PAGE
    assert walk(datasette, f"/registry/deployments.json?_size={PAGE}&{query}", ["id"]) == expected


def test_streamed_csv_holds_every_row_once_for_every_table(datasette, registry_db):
    for table in tables(datasette):
        pks = table["primary_keys"] or ["rowid"]
        expected = keys_in_db(registry_db, table["name"], table["primary_keys"])
        for sort in ("", f"&_sort_desc={table['columns'][-1]}"):
            text = get(datasette, f"/registry/{table['name']}.csv?_stream=on{sort}").text
            rows = list(csv.DictReader(io.StringIO(text)))
            seen = Counter(tuple(row[k] for k in pks) for row in rows)
            # CSV writes NULL as an empty cell.
            assert seen == Counter(
                tuple("" if v == "None" else v for v in key) for key in expected.elements()
            ), (table["name"], sort)


@pytest.mark.parametrize(
    "path",
    [
        "/registry/deployments?_sort=nope",
        "/registry/deployments.json?_sort_desc=nope",
        "/registry/deployments.json?_sort=id&_sort_desc=id",
    ],
)
def test_a_bad_sort_is_a_client_error(datasette, path):
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 400
