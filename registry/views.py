"""Datasette's table, row and query views with the registry's fixes, served through its routes.

- Every page of a sorted table is in the same order. Datasette 0.65 orders the first page by the
  sort column alone and the pages after it by the sort column then the primary key, so where the
  sort column has ties (every ``first_seen`` of one build) ``next_url`` skips and repeats rows. The
  first page is asked for here as a ``_next`` page that starts before every row, so every page,
  and the streamed CSV, come out in one order: sort column, then primary key.
- A bad ``_sort`` answers 400 and a POST to anything but a writable canned query 405, not 500.
- A feed filter given by name or alias redirects to its canonical URL; an unknown one is a 400.
- A citable page (deployment, vendor, place) for an id the registry does not have answers 404.
- CSV cells that a spreadsheet would run as a formula are neutralised (OWASP's rule).
"""

from __future__ import annotations

import math
from typing import Any

from datasette.database import Database
from datasette.utils import escape_sqlite, path_with_replaced_args, tilde_decode, tilde_encode
from datasette.utils.asgi import BadRequest, Response
from datasette.views.database import DatabaseView
from datasette.views.row import RowView
from datasette.views.table import TableView

from registry import feeds

# Canned queries that are one thing's page: no row means no such thing.
CITABLE_PAGES = ("deployment", "vendor", "place", "buyer", "supplier", "document", "notice_history")
# OWASP, CSV Injection: a cell beginning with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Routes shadowing Datasette's own (plugin routes are matched first); "/-/..." stays Datasette's.
TABLE_ROUTE = r"^/(?!-/)(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$"
ROW_CSV_ROUTE = r"^/(?!-/)(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<pks>[^/]+?)\.(?P<format>csv)$"
QUERY_CSV_ROUTE = r"^/(?P<database>[^/.]+)\.(?P<format>csv)$"


def neutral_cell(value: Any) -> Any:
    """A text cell that cannot start a formula: prefixed with an apostrophe when it would."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, dict) and {"value", "label"} <= value.keys():
        return {key: neutral_cell(item) for key, item in value.items()}
    return value


class NeutralCsv:
    """A view whose CSV rows and headings are neutralised; every other format is unchanged."""

    async def data(self, request, *args, **kwargs):
        result = await super().data(request, *args, **kwargs)
        if request.url_vars.get("format") != "csv" or isinstance(result, Response):
            return result
        data = result[0]
        data["columns"] = [neutral_cell(c) for c in data.get("columns") or []]
        data["rows"] = [[neutral_cell(cell) for cell in row] for row in data.get("rows") or []]
        return result


class RegistryTableView(NeutralCsv, TableView):
    """Tables and canned queries: one order on every page, 4xx for bad requests."""

    async def data(self, request, default_labels=False, _next=None, _size=None):
        canonical = await canonical_feed_url(self.ds, request)
        if canonical:
            return Response.redirect(canonical)
        if not (_next or request.args.get("_next")):
            _next = await first_page_token(self.ds, request)
        result = await super().data(request, default_labels, _next, _size)
        page = request.url_vars.get("table")
        if page in CITABLE_PAGES and isinstance(result, tuple) and not result[0].get("rows"):
            return (*result[:3], 404)
        return result

    async def post(self, request):
        database, table = _names(self.ds, request)
        query = await self.ds.get_canned_query(database, table, request.actor)
        if not (query and query.get("write")):
            return Response.text(
                "Method not allowed: this page is read-only",
                status=405,
                headers={"Allow": "GET, HEAD"},
            )
        return await super().post(request)


class RegistryRowView(NeutralCsv, RowView):
    """A row's CSV, neutralised."""


class RegistryQueryView(NeutralCsv, DatabaseView):
    """CSV of arbitrary SQL, neutralised."""


def _names(datasette, request) -> tuple[str, str]:
    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        return "", ""
    return db.name, tilde_decode(request.url_vars["table"])


async def canonical_feed_url(datasette, request) -> str | None:
    """Where a feed whose filters name values by name or alias lives, or None when it is there.

    A filter that names nothing known is a 400 listing the valid values.
    """
    database, table = _names(datasette, request)
    if table not in feeds.FEEDS or not database:
        return None
    args = {name: request.args.get(name) or "" for name in feeds.FEEDS[table]}
    try:
        resolved = await feeds.resolve(datasette.get_database(database), table, args)
    except feeds.FilterError as error:
        raise BadRequest(str(error)) from error
    changed = {name: value for name, value in resolved.items() if args[name] != value}
    return path_with_replaced_args(request, changed) if changed else None


async def first_page_token(datasette, request) -> str | None:
    """A ``_next`` token that starts before every row of a sorted table, or None when unsorted.

    Sorted ascending (nulls first), the token is ``$null`` and a key below every key; sorted
    descending (nulls last), a value above the column's largest, so the key is never compared.
    """
    database, table = _names(datasette, request)
    if not database or await datasette.get_canned_query(database, table, request.actor):
        return None
    db: Database = datasette.get_database(database)
    if not await db.table_exists(table):
        return None
    metadata = datasette.table_metadata(database, table)
    sort, sort_desc = request.args.get("_sort"), request.args.get("_sort_desc")
    if sort and sort_desc:
        raise BadRequest("Cannot use _sort and _sort_desc at the same time")
    if not (sort or sort_desc):
        sort, sort_desc = metadata.get("sort"), metadata.get("sort_desc")
    column = sort or sort_desc
    if not column:
        return None
    pks = await db.primary_keys(table) or ["rowid"]
    sortable = set(metadata.get("sortable_columns") or await db.table_columns(table))
    if pks == ["rowid"]:
        sortable.add("rowid")
    if column not in sortable:
        raise BadRequest(f"Cannot sort table by {column}")
    below_keys = [await _below_smallest(db, table, pks[0])] + [""] * (len(pks) - 1)
    start = "$null"
    if sort_desc:
        sql = f"select max({escape_sqlite(column)}) from {escape_sqlite(table)}"
        largest = await _single(db, sql)
        if largest is not None:
            start = tilde_encode(str(_above(largest)))
    return ",".join([start, *(tilde_encode(k) for k in below_keys)])


async def _below_smallest(db: Database, table: str, key: str) -> str:
    sql = f"select min({escape_sqlite(key)}) from {escape_sqlite(table)}"
    smallest = await _single(db, sql)
    if isinstance(smallest, int):
        return str(smallest - 1)
    if isinstance(smallest, float):
        return repr(math.nextafter(smallest, -math.inf))
    # The empty string sorts before every other text and blob.
    return ""


def _above(value: Any) -> Any:
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return math.nextafter(value, math.inf)
    # A text followed by NUL sorts right after it.
    return f"{value}\x00"


async def _single(db: Database, sql: str) -> Any:
    return (await db.execute(sql)).first()[0]


def routes(datasette) -> list[tuple[str, Any]]:
    """The shadowing routes, for ``register_routes``."""
    return [
        (TABLE_ROUTE, RegistryTableView.as_view(datasette)),
        (ROW_CSV_ROUTE, RegistryRowView.as_view(datasette)),
        (QUERY_CSV_ROUTE, RegistryQueryView.as_view(datasette)),
    ]
