"""Citations of the registry's pages: the text to paste and CSL-JSON for reference managers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

PUBLISHER = "Surveillance registry"
# Canned query → what it is a page of, and the column naming the thing cited.
CITABLE = {
    "deployment": ("deployment", "title"),
    "vendor": ("vendor", "name"),
    "supplier": ("supplier", "name"),
    "buyer": ("buyer", "name"),
    "place": ("place", "place"),
}
CSL_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def page_url(base: str, database: str, page: str, key: str) -> str:
    return f"{base}/{database}/{page}?" + urlencode({"id": key})


def citation_text(kind: str, key: str, retrieved: dt.date, url: str) -> str:
    """ "Surveillance registry, deployment d-…, retrieved 2026-01-05, https://…" """
    return f"{PUBLISHER}, {kind} {key}, retrieved {retrieved.isoformat()}, {url}"


def csl_item(
    kind: str, key: str, title: str, url: str, retrieved: dt.date, issued: Any = None
) -> dict[str, Any]:
    """One CSL-JSON item (a dataset entry of the registry)."""
    item: dict[str, Any] = {
        "id": f"surveillance-registry-{kind}-{key}",
        "type": "dataset",
        "title": title,
        "container-title": PUBLISHER,
        "publisher": PUBLISHER,
        "number": key,
        "genre": kind,
        "URL": url,
        "accessed": {"date-parts": [[retrieved.year, retrieved.month, retrieved.day]]},
    }
    parts = _date_parts(issued)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    return item


def _date_parts(value: Any) -> list[int] | None:
    try:
        date = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return [date.year, date.month, date.day]


def can_render(query_name) -> bool:
    return query_name in CITABLE


async def render(request, database, query_name, columns, rows) -> Response:
    """``/registry/deployment.csl?id=d-…``: the page's CSL-JSON, as a download."""
    if query_name not in CITABLE or not rows:
        return Response.text("Nothing to cite: no such page", status=404)
    kind, title_column = CITABLE[query_name]
    key = request.args.get("id") or ""
    first = dict(zip(columns, rows[0], strict=False))
    # The request's scheme and host are the public URL's when one is configured (plugins.py).
    url = page_url(f"{request.scheme}://{request.host}", database, query_name, key)
    item = csl_item(
        kind, key, str(first.get(title_column) or key), url, today(), first.get("first_seen")
    )
    filename = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in key) or kind
    return Response(
        json.dumps([item], ensure_ascii=False, indent=2),
        content_type=CSL_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.csl.json"'},
    )
