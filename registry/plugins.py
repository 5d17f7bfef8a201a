"""Datasette plugin: home page, feeds page, OPML, robots, link-table facets, labels and profile
links in cells, citations, inert bidi, on-site redirects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    tilde_encode,
)
from datasette.utils.asgi import Response
from lxml import etree
from markupsafe import Markup, escape

from registry import citation, display, feeds, home, search, tables_buyers

DATABASE = "registry"
# The plugin's configuration in metadata.yml: plugins.survreg.public_url (from SURVREG_PUBLIC_URL).
PLUGIN = "survreg"
# On every response: no MIME sniffing, and no page may be framed by another site.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
)
FEEDS = {
    "new_deployments": "New deployments",
    "new_evidence": "New evidence",
    "new_notices": "New procurement notices",
    "new_status_changes": "Deployments that changed status (filter status=cancelled, ...)",
    "new_vendor_vulnerabilities": "New exploited vulnerabilities of deployed vendors",
}
FILTERS = ("country", "city", "vendor", "technology")
# Bidi embedding, override and isolate controls: one in a title can make "gnp.exe" read "exe.png".
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Pages are for search engines; query strings, exports and arbitrary SQL are not, except the
# citable pages, whose only parameter is the id.
ROBOTS = """\
User-agent: *
Allow: /$
Allow: /registry/deployment?id=
Allow: /registry/vendor?id=
Allow: /registry/place?id=
Allow: /registry/buyer?id=
Allow: /registry/supplier?id=
Allow: /registry/document?id=
Disallow: /*?
Disallow: /*.json
Disallow: /*.csv
Disallow: /*.atom
Disallow: /registry.db
Disallow: /-/
Allow: /
"""
ASSETS = Path(__file__).resolve().parent / "assets"
# Map tiles: OpenStreetMap's, as in any web map, unless plugins.survreg.tile_url names another.
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def inert(value: Any) -> str:
    """Text with bidi controls shown as visible code points instead of acting on the layout."""
    text = "" if value is None else str(value)
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def http_url(value: Any) -> str | None:
    """The value if it is an http(s) URL, else None: the only links a page may carry."""
    text = "" if value is None else str(value).strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def json_list(value: Any) -> list:
    """A JSON list column as a list; anything else as an empty list."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []


def base_url(request) -> str:
    """Scheme and host for absolute links: the public URL when one is configured (see
    ``asgi_wrapper``), else the request's own, and then every response varies on Host."""
    return f"{request.scheme}://{request.host}"


def feed_url(request, feed: str, **filters: str) -> str:
    """Absolute URL of a feed with the given filters."""
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"{base_url(request)}/{DATABASE}/{feed}.atom" + (f"?{query}" if query else "")


async def _choices(datasette) -> dict[str, list[dict]]:
    db = datasette.get_database(DATABASE)
    queries = {
        "technology": "select id as value, coalesce(label, id) as label from technologies "
        "order by label",
        "vendor": "select id as value, coalesce(name, id) as label from vendors order by name",
        "country": "select distinct country as value, country as label from deployments "
        "where country is not null order by country",
        "city": "select id as value, coalesce(label, city, id) as label from places "
        "where id in (select place_id from deployments) order by label",
    }
    return {name: [dict(r) for r in (await db.execute(sql)).rows] for name, sql in queries.items()}


async def feeds_page(datasette, request) -> Response:
    """A page listing every feed, its filters and a form that builds a filtered feed URL."""
    choices = await _choices(datasette)
    db = datasette.get_database(DATABASE)
    technologies = [
        {
            **t,
            "url": feed_url(request, "new_deployments", technology=t["value"]),
            "title": await feeds.title(db, "new_deployments", {"technology": t["value"]}),
        }
        for t in choices["technology"]
    ]
    return Response.html(
        await datasette.render_template(
            "feeds.html",
            {
                "feeds": [
                    {"name": name, "title": title, "url": feed_url(request, name)}
                    for name, title in FEEDS.items()
                ],
                "choices": choices,
                "technologies": technologies,
                "database": DATABASE,
            },
            request=request,
        )
    )


async def opml(datasette, request) -> Response:
    """OPML 2.0 bundling one new-deployments feed per technology."""
    choices = await _choices(datasette)
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = "Surveillance registry: new deployments by technology"
    body = etree.SubElement(root, "body")
    group = etree.SubElement(body, "outline", text="New deployments by technology")
    db = datasette.get_database(DATABASE)
    for technology in choices["technology"]:
        filters = {"technology": technology["value"]}
        title = inert(await feeds.title(db, "new_deployments", filters))
        etree.SubElement(
            group,
            "outline",
            type="rss",
            version="ATOM1",
            text=title,
            title=title,
            xmlUrl=feed_url(request, "new_deployments", technology=technology["value"]),
            htmlUrl=f"{base_url(request)}/{DATABASE}/new_deployments?"
            + urlencode({"technology": technology["value"]}),
        )
    body_bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return Response(
        body_bytes,
        content_type="text/x-opml; charset=utf-8",
        headers={"Cache-Control": "max-age=3600"},
    )


async def databases_json(datasette) -> Response:
    """Datasette's list of databases, without where their files are on the server."""
    return Response.json(
        [
            {
                "name": db.name,
                "route": db.route,
                "size": db.size,
                "is_mutable": db.is_mutable,
                "is_memory": db.is_memory,
                "hash": db.hash,
            }
            for name, db in datasette.databases.items()
            if name != "_internal"
        ]
    )


async def robots_txt() -> Response:
    return Response.text(ROBOTS, headers={"Cache-Control": "max-age=86400"})


def _asset(name: str, content_type: str):
    body = (ASSETS / name).read_bytes()

    async def serve() -> Response:
        return Response(body, content_type=content_type, headers={"Cache-Control": "max-age=3600"})

    return serve


class LinkFacet(Facet):
    """A facet through a link table: ``{"link": "deployment_technologies.technology_id"}``.

    Counts rows of the table by a multi-valued field kept in a link table (fast on its index),
    labels values through the link table's foreign key, and filters with Datasette's ``_through``.
    """

    type = "link"

    async def facet_results(self):
        results, timed_out = [], []
        db = self.ds.get_database(self.database)
        size = self.get_facet_size()
        selected = {
            (t.get("table"), t.get("column"), str(t.get("value")))
            for t in _throughs(self.request.args.getlist("_through"))
        }
        for source_and_config in self.get_configs():
            name = source_and_config["config"].get("simple") or ""
            link_table, _, column = name.partition(".")
            keys = {fk["column"]: fk for fk in await db.foreign_keys_for_table(link_table)}
            ours = next((fk for fk in keys.values() if fk["other_table"] == self.table), None)
            if ours is None or column not in keys:
                continue
            sql = (
                f"select x.{escape_sqlite(column)} as value, count(*) as count "
                f"from {escape_sqlite(link_table)} x where x.{escape_sqlite(ours['column'])} in "
                f"(select {escape_sqlite(ours['other_column'])} from ({self.sql})) "
                f"group by value order by count desc, value limit {size + 1}"
            )
            try:
                rows = (
                    await self.ds.execute(
                        self.database,
                        sql,
                        self.params,
                        truncate=False,
                        custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                    )
                ).rows
            except QueryInterrupted:
                timed_out.append(name)
                continue
            labels = await self.ds.expand_foreign_keys(
                self.database, link_table, column, [r["value"] for r in rows[:size]]
            )
            values = []
            for row in rows[:size]:
                through = {"table": link_table, "column": column, "value": row["value"]}
                is_selected = (link_table, column, str(row["value"])) in selected
                argument = json.dumps(through, separators=(",", ":"))
                path = (
                    _without_through(self.request, link_table, column, str(row["value"]))
                    if is_selected
                    else path_with_added_args(self.request, {"_through": argument})
                )
                values.append(
                    {
                        "value": row["value"],
                        "label": labels.get((column, row["value"])) or row["value"],
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, path),
                        "selected": is_selected,
                    }
                )
            results.append(
                {
                    "name": name,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_facet_link": name})
                    ),
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out


def _throughs(arguments: list[str]) -> list[dict]:
    parsed = []
    for argument in arguments:
        try:
            value = json.loads(argument)
        except ValueError:
            continue
        if isinstance(value, dict):
            parsed.append(value)
    return parsed


def _without_through(request, table: str, column: str, value: str) -> str:
    target = (table, column, value)
    keep = [
        (key, argument)
        for key, argument in parse_qsl(request.query_string, keep_blank_values=True)
        if key != "_through"
        or not any(
            (t.get("table"), t.get("column"), str(t.get("value"))) == target
            for t in _throughs([argument])
        )
    ]
    return request.path + ("?" + urlencode(keep) if keep else "")


@hookimpl
def register_facet_classes():
    return [LinkFacet]


@hookimpl
def register_routes(datasette):
    # Datasette loads plugins while importing its views: ours import them only once it has.
    from registry import views

    return [
        (r"^/$", home.home),
        (r"^/feeds$", feeds_page),
        (r"^/feeds\.opml$", opml),
        (r"^/robots\.txt$", robots_txt),
        (r"^/-/databases(\.json)?$", databases_json),
        (r"^/-/survreg\.css$", _asset("survreg.css", "text/css; charset=utf-8")),
        (r"^/-/survreg-map\.js$", _asset("survreg-map.js", "text/javascript; charset=utf-8")),
        *views.routes(datasette),
    ]


# After Datasette's own, so table search (which calls escape_fts) gets the same expression.
@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("search_match", 1, search.match_expression, deterministic=True)
    conn.create_function("escape_fts", 1, search.match_expression, deterministic=True)
    conn.create_function("tilde_encode", 1, _tilde, deterministic=True)
    conn.create_function("money", 2, display.money, deterministic=True)
    conn.create_function("money", 3, display.money, deterministic=True)
    conn.create_function("date_range", 2, display.date_range, deterministic=True)


def _tilde(value: Any) -> str | None:
    return None if value is None else tilde_encode(str(value))


@hookimpl
def extra_css_urls(datasette):
    return ["/-/survreg.css"]


@hookimpl
def extra_js_urls(datasette):
    return [{"url": "/-/survreg-map.js", "module": True}]


@hookimpl
def extra_template_vars(datasette, request):
    config = datasette.plugin_config(PLUGIN) or {}
    return {
        "map_tiles": {
            "url": config.get("tile_url") or TILES,
            "attribution": config.get("tile_attribution") or TILES_ATTRIBUTION,
        },
        "site_url": base_url(request) if request is not None else "",
    }


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "csl", "render": citation.render, "can_render": citation.can_render}


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["inert"] = inert
    env.filters["http_url"] = http_url
    env.filters["from_json_list"] = json_list
    env.filters["urlquote"] = lambda value: quote(str(value), safe="")
    env.filters["money"] = display.money
    env.filters["date_range"] = display.date_range
    env.filters["facet_label"] = display.facet_label
    env.filters["tilde"] = _tilde
    env.filters["map_points"] = display.map_points
    env.globals["profile_url"] = display.profile_url
    # The citation a page shows is the one its CSL-JSON download gives (registry/citation.py).
    env.globals["citation_url"] = citation.page_url
    env.globals["citation_text"] = lambda kind, key, url: citation.citation_text(
        kind, key, citation.today(), url
    )

    async def labelled(database: str, table: str, column: str, value: Any) -> list:
        return await display.labelled_ids(datasette, database, table, column, value)

    env.globals["labelled_ids"] = labelled


# Cells naming a thing that has a profile page: (table, column) → the page and the key's column.
NAME_LINKS = {
    ("deployments", "title"): ("deployments", "id"),
    ("vendors", "name"): ("vendors", "id"),
    ("suppliers", "name"): ("suppliers", "id"),
    ("buyers", "name"): ("buyers", "id"),
    ("places", "label"): ("places", "id"),
}
# Buyer names, with the column of the buyer's country (buyer ids are country and folded name).
BUYER_NAMES = {("deployments", "buyer_name"): "country", ("notices", "buyer_name"): "buyer_country"}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    # Names link to their profile pages, id lists get their labels, text carrying bidi controls
    # is made inert; Datasette renders everything else.
    if table and (link := _profile_link(row, value, column, table)) is not None:
        return link
    if isinstance(value, str) and table:
        return _id_list_or_inert(value, column, table, database, datasette)
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        return _inert_markup(value)
    if isinstance(value, dict) and table:
        return _foreign_key(value, column, table, database, datasette)
    return None


def _cell(row, column: str) -> Any:
    try:
        return row[column]
    except (IndexError, KeyError):
        return None


def _profile_link(row, value: Any, column: str, table: str) -> Markup | None:
    if not isinstance(value, str) or not value:
        return None
    if (table, column) in NAME_LINKS:
        other, key_column = NAME_LINKS[(table, column)]
        url = display.profile_url(other, _cell(row, key_column))
    elif (table, column) in BUYER_NAMES:
        url = display.profile_url(
            "buyers", tables_buyers.buyer_key(value, _cell(row, BUYER_NAMES[(table, column)]))
        )
    else:
        return None
    if url is None:
        return None
    return Markup('<a href="{}">{}</a>').format(url, inert(value))


def _inert_markup(value: str) -> Markup:
    return Markup('<span class="hostile-text">{}</span>').format(escape(inert(value)))


async def _id_list_or_inert(value: str, column: str, table: str, database: str, datasette):
    ids = await display.labelled_ids(datasette, database, table, column, value)
    if ids:
        return Markup(", ").join(
            Markup('<a href="{}" title="{}">{}</a>').format(
                display.profile_url(other, key, database)
                or datasette.urls.row(database, other, tilde_encode(key)),
                key,
                inert(label),
            )
            for key, label, other in ids
        )
    return _inert_markup(value) if BIDI_CONTROLS.search(value) else None


async def _foreign_key(value: dict, column: str, table: str, database: str, datasette):
    """An expanded foreign key linked to its profile page (or row), its label made inert;
    None leaves a key of a table without a profile page, with a plain label, to Datasette."""
    keys = await datasette.get_database(database).foreign_keys_for_table(table)
    other = next((fk["other_table"] for fk in keys if fk["column"] == column), None)
    label = str(value.get("label") or "")
    profile = display.profile_url(other, value.get("value"), database) if other else None
    if other is None or (profile is None and not BIDI_CONTROLS.search(label)):
        return None
    return Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(
        profile or datasette.urls.row(database, other, tilde_encode(str(value["value"]))),
        inert(label or value["value"]),
        value["value"],
    )


def _off_site(location: str) -> bool:
    # Browsers read "\" as "/" in URLs, so "/\evil.example" is the scheme-relative "//evil.example".
    normalised = location.replace("\\", "/").lstrip("\t\n\r ")
    return not normalised.startswith("/") or normalised.startswith("//")


def public_url(datasette) -> str | None:
    """The configured public base URL (scheme and host), or None; a malformed one is an error."""
    value = (datasette.plugin_config(PLUGIN) or {}).get("public_url")
    if not value:
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise ValueError(f"public_url must be http(s)://host[:port], not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _at_public_url(scope: dict, url: str) -> dict:
    """The request as if it came to the public URL: Datasette and we build links from its host."""
    parts = urlsplit(url)
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
    headers.append((b"host", parts.netloc.encode()))
    return {**scope, "scheme": parts.scheme, "headers": headers}


def _guard_response(message: dict, vary_host: bool) -> dict:
    headers = list(message.get("headers", []))
    if 300 <= message["status"] < 400:
        kept = [
            (k, v)
            for k, v in headers
            if k.lower() != b"location" or not _off_site(v.decode("latin-1"))
        ]
        if len(kept) != len(headers):
            # A redirect that would leave the site becomes a plain 404.
            message = {**message, "status": 404}
        headers = kept
    names = {k.lower() for k, _ in headers}
    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
    if vary_host:
        # Links are built from the request's Host: a shared cache must keep one copy per host.
        vary = [v.decode("latin-1") for k, v in headers if k.lower() == b"vary"]
        headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
        headers.append((b"vary", ", ".join([*vary, "Host"]).encode("latin-1")))
    return {**message, "headers": headers}


@hookimpl
def asgi_wrapper(datasette):
    public = public_url(datasette)

    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if public:
                scope = _at_public_url(scope, public)

            async def send_guarded(message):
                if message["type"] == "http.response.start":
                    message = _guard_response(message, vary_host=not public)
                await send(message)

            return await app(scope, receive, send_guarded)

        return guarded

    return wrap
