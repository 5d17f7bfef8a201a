"""A Datasette output renderer for Atom feeds that stays valid when a query returns no rows.

It reads the columns datasette-atom defines (``atom_id``, ``atom_title``, ``atom_updated``,
``atom_content``, ``atom_link``) plus ``atom_related`` (space-separated evidence URLs), but writes
content as escaped text only, links as http(s) only (a site path in ``atom_link`` is made absolute
against the request), bidi controls removed, and a feed with zero entries when nothing matches.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from lxml import etree

from registry import feeds
from registry.links import safe_link

ATOM = "http://www.w3.org/2005/Atom"
REQUIRED = {"atom_id", "atom_title", "atom_updated"}
# Characters XML 1.0 cannot carry at all; crawled text sometimes has them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Feed readers show text as is: a bidi override in a title would reverse what follows it.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def xml_text(value: Any) -> str:
    """Text XML 1.0 can carry, without bidi controls."""
    return _BIDI.sub("", _NOT_XML.sub("", "" if value is None else str(value)))


def atom_date(value: Any) -> str:
    """An RFC 3339 timestamp; values without a timezone are taken as UTC."""
    text = xml_text(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = dt.datetime(1970, 1, 1)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def http_link(value: Any, base: str | None = None) -> str | None:
    """An http(s) URL, or a site path ("/registry/...") made absolute against ``base``."""
    text = xml_text(value).strip()
    if base and text.startswith("/") and not text.startswith("//") and "\\" not in text:
        text = base.rstrip("/") + text
    return safe_link(text)


def render_feed(
    title: str, feed_id: str, self_url: str, rows: list[dict], base: str | None = None
) -> bytes:
    """Atom XML for rows carrying the atom_* columns, newest first; ``base`` resolves site paths."""

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
        element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", **attrs)
        if text is not None:
            element.text = text
        return element

    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    sub(feed, "title", xml_text(title))
    sub(feed, "id", xml_text(feed_id))
    sub(feed, "link", rel="self", href=xml_text(self_url))
    updated = [atom_date(r["atom_updated"]) for r in rows]
    sub(
        feed, "updated", max(updated) if updated else atom_date(dt.datetime.now(dt.UTC).isoformat())
    )
    sub(feed, "author").append(_named("surveillance-registry"))
    sub(feed, "generator", "surveillance-registry")
    for row in rows:
        entry = sub(feed, "entry")
        sub(entry, "id", xml_text(row["atom_id"]))
        sub(entry, "title", xml_text(row["atom_title"]) or "(untitled)")
        sub(entry, "updated", atom_date(row["atom_updated"]))
        link = http_link(row.get("atom_link"), base)
        if link:
            sub(entry, "link", rel="alternate", href=link)
        for related in dict.fromkeys(xml_text(row.get("atom_related")).split()):
            if href := http_link(related, base):
                sub(entry, "link", rel="related", href=href)
        if row.get("atom_content") is not None:
            sub(entry, "content", xml_text(row["atom_content"]), type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _named(name: str) -> etree._Element:
    element = etree.Element(f"{{{ATOM}}}name")
    element.text = name
    return element


def can_render(columns: list[str]) -> bool:
    """Whether a result has the columns a feed needs."""
    return REQUIRED.issubset(columns)


async def render(datasette, request, database, table, query_name, columns, rows, data) -> Response:
    """The Atom response for a table or canned query result."""
    if not can_render(columns):
        return Response.text(
            "This query does not return atom_id, atom_title and atom_updated", status=400
        )
    title = query_name or table or "feed"
    if query_name:
        queries = (datasette.metadata(database=database) or {}).get("queries") or {}
        title = (queries.get(query_name) or {}).get("title") or title
        db = datasette.get_database(database)
        args = {name: request.args.get(name) or "" for name in feeds.FEEDS.get(query_name, ())}
        title = (
            await feeds.title(db, query_name, await feeds.resolve(db, query_name, args)) or title
        )
    query = request.query_string
    feed_id = f"tag:surveillance-registry,2026:{request.path}" + (f"?{query}" if query else "")
    body = render_feed(
        title,
        feed_id,
        request.url,
        [dict(zip(columns, r, strict=False)) for r in rows],
        base=f"{request.scheme}://{request.host}",
    )
    return Response(
        body,
        content_type="application/atom+xml; charset=utf-8",
        headers={"Cache-Control": "max-age=300"},
    )


# Called last, so ours is the one registered for .atom even where datasette-atom is installed.
@hookimpl(trylast=True)
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render, "can_render": can_render}
