"""Legistar Web API answers (``/matters``, ``/matters/{id}/histories``, ``/attachments``,
``/relations``, ``/events/{id}``) as council-matter ``notice`` items.

A matter is one item: its title, type and status, every action taken on it (the histories,
duplicates of one action at one meeting dropped) and its last decisive action (one with a
passed flag), with the meeting where it was taken. Values stay as Legistar wrote them; the build
reads the outcome (approved, rejected, suspended, ...) from the action and the title.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from crawlers.parsers.errors import ParseError

FORMATS = ("legistar-json",)
PAGE_SIZE = 1000  # the Web API answers at most 1,000 rows per request
_MONEY = re.compile(r"(?:US)?\$\s?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\$\s?\d+(?:\.\d{2})?")


def sniff(head: bytes) -> str | None:
    """``legistar-json`` for an array of Legistar rows (``Matter…``/``Event…`` keys)."""
    text = head.lstrip()[:2000]
    if text.startswith(b"[") and re.search(rb'"(Matter|Event)[A-Za-z]*Id"\s*:', text):
        return "legistar-json"
    return None


def rows(data: bytes, what: str) -> list[dict[str, Any]]:
    """The rows of one answer; ParseError for an error page, an error object or no answer."""
    text = data.strip()
    if not text:
        raise ParseError(f"empty answer where Legistar {what} were expected")
    try:
        answer = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not a Legistar answer for {what}: {_describe(text)}") from exc
    if isinstance(answer, dict):
        if "Message" in answer:  # ASP.NET Web API's error shape
            raise ParseError(f"Legistar error for {what}: {str(answer['Message'])[:200]}")
        answer = [answer]  # a single resource (/events/{id})
    if not isinstance(answer, list) or not all(isinstance(row, dict) for row in answer):
        raise ParseError(f"not a Legistar answer for {what}: a JSON {type(answer).__name__}")
    return answer


def _describe(text: bytes) -> str:
    title = re.search(rb"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        return f"an HTML page titled {title.group(1).decode('utf-8', 'replace').strip()[:80]!r}"
    return f"{text[:40].decode('utf-8', 'replace')!r}…"


def histories(rows_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions taken on a matter, oldest first; one per action, body and meeting."""
    seen: set[tuple] = set()
    actions = []
    for row in sorted(rows_, key=lambda r: (str(r.get("MatterHistoryActionDate") or ""),
                                             r.get("MatterHistoryId") or 0)):  # fmt: skip
        key = (
            row.get("MatterHistoryEventId"),
            row.get("MatterHistoryActionName"),
            row.get("MatterHistoryActionBodyName"),
            row.get("MatterHistoryActionDate"),
        )
        if key in seen:
            continue
        seen.add(key)
        actions.append(
            {
                "id": row.get("MatterHistoryId"),
                "date": row.get("MatterHistoryActionDate"),
                "action": row.get("MatterHistoryActionName"),
                "body": row.get("MatterHistoryActionBodyName"),
                "passed": row.get("MatterHistoryPassedFlagName"),
                "passed_flag": row.get("MatterHistoryPassedFlag"),
                "event_id": row.get("MatterHistoryEventId"),
                "tally": row.get("MatterHistoryTally"),
            }
        )
    return actions


def decision(actions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last action with a vote result (passed or failed): the council's decision."""
    decided = [a for a in actions if a.get("passed_flag") is not None]
    return decided[-1] if decided else None


def meeting(event: dict[str, Any]) -> dict[str, Any]:
    """The meeting a decision was taken at, with its agenda and minutes documents."""
    return {
        "id": event.get("EventId"),
        "date": event.get("EventDate"),
        "body": event.get("EventBodyName"),
        "agenda_url": event.get("EventAgendaFile"),
        "minutes_url": event.get("EventMinutesFile"),
        "page_url": event.get("EventInSiteURL"),
    }


def matter_item(
    matter: dict[str, Any],
    client: dict[str, Any],
    actions: list[dict[str, Any]],
    *,
    related: list[int] | None = None,
    event: dict[str, Any] | None = None,
) -> dict:
    """The notice item of one matter of one Legistar client (``client`` from reference data)."""
    matter_id = matter.get("MatterId")
    if matter_id is None:
        raise ParseError("Legistar matter without MatterId")
    name = client["client"]
    title = matter.get("MatterTitle") or matter.get("MatterName") or ""
    decided = decision(actions)
    amounts = _MONEY.findall(title)
    return {
        "kind": "notice",
        "source": "legistar",
        "source_id": matter_source_id(name, matter_id),
        "procedure_id": f"{name}/{matter_id}",
        "url": matter_url(client, matter),
        # A matter before the council is a plan; once voted, the build reads the outcome.
        "notice_type": "other" if decided else "prior-information",
        "title": title,
        "description": matter.get("MatterName") if matter.get("MatterName") != title else None,
        "language": "en",
        "published": (decided or {}).get("date")
        or matter.get("MatterPassedDate")
        or matter.get("MatterAgendaDate")
        or matter.get("MatterIntroDate"),
        "buyer": {
            "name": client.get("buyer"),
            "country": client.get("country"),
            "city": client.get("city"),
            "region": client.get("region"),
        },
        "cpv": [],
        "suppliers": [],
        "value": {"amount": amounts[0], "currency": None} if len(set(amounts)) == 1 else None,
        "technologies": [],
        "vendors": [],
        "related_notices": [matter_source_id(name, other) for other in related or []],
        "matter": {
            "file": matter.get("MatterFile"),
            "type": matter.get("MatterTypeName"),
            "status": matter.get("MatterStatusName"),
            "body": matter.get("MatterBodyName"),
            "intro_date": matter.get("MatterIntroDate"),
            "agenda_date": matter.get("MatterAgendaDate"),
            "passed_date": matter.get("MatterPassedDate"),
            "last_modified": matter.get("MatterLastModifiedUtc"),
        },
        "histories": actions,
        "decision": {**decided, "meeting": meeting(event) if event else None} if decided else None,
    }


def matter_source_id(client: str, matter_id: Any) -> str:
    return f"{client}/matter/{matter_id}"


def matter_url(client: dict[str, Any], matter: dict[str, Any]) -> str:
    """The matter's public page on the client's Legistar site."""
    host = client.get("site") or f"{client['client']}.legistar.com"
    return (
        f"https://{host}/LegislationDetail.aspx?ID={matter.get('MatterId')}"
        f"&GUID={matter.get('MatterGuid') or ''}"
    )


def attachments(rows_: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The attachments of a matter that are documents on the web (their hyperlink)."""
    for row in rows_:
        link = row.get("MatterAttachmentHyperlink")
        if isinstance(link, str) and link.lower().startswith(("http://", "https://")):
            yield {
                "id": row.get("MatterAttachmentId"),
                "name": row.get("MatterAttachmentName"),
                "url": link,
                "last_modified": row.get("MatterAttachmentLastModifiedUtc"),
            }


def related(rows_: list[dict[str, Any]]) -> list[int]:
    """Ids of the matters a matter is related to (its "related files")."""
    return [r["MatterRelationMatterId"] for r in rows_ if r.get("MatterRelationMatterId")]


def parse(data: bytes, url: str | None = None, format: str = "legistar-json") -> Iterator[dict]:
    """``survreg parse`` of a saved ``/matters`` answer: one item per matter, without histories."""
    client = {"client": _client_of(url) or "legistar", "country": "US"}
    for matter in rows(data, "matters"):
        if "MatterId" in matter:
            yield matter_item(matter, client, [])


def _client_of(url: str | None) -> str | None:
    match = re.search(r"webapi\.legistar\.com/v1/([^/?#]+)", url or "")
    return match.group(1) if match else None
