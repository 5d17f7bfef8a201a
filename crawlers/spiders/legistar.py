"""US city councils through the Legistar Web API: surveillance matters, their votes, attachments.

For each client (``-a client=NAME``, else every city of registry/reference/legistar-clients.csv)
the spider asks ``/matters`` for titles naming a vendor or a technology (OData ``substringof``
on ``MatterTitle``, the words from vendors.yaml and taxonomy.yaml), 1,000 at a time
(``$top``/``$skip``), changed since ``from_date`` (``MatterLastModifiedUtc``). Each matter is
stored with its histories (the votes), its related matters and the meeting of its decision;
each attachment is fetched and read as a PDF, evidence at its own URL.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.parsers import legistar, pdf
from crawlers.parsers.errors import ParseError
from crawlers.reference import load, reference_path
from crawlers.spiders.base import SourceSpider

logger = logging.getLogger(__name__)
API = "https://webapi.legistar.com/v1"
CLIENTS = "legistar-clients.csv"
# IIS, which serves the Web API, refuses query strings over 2,048 characters: the title words
# are asked in several filters, each under this length.
MAX_FILTER = 1500
MIN_TERM = 3


def load_clients() -> dict[str, dict[str, str]]:
    """The Legistar clients of reference data, by client name."""
    with reference_path(CLIENTS).open(encoding="utf-8", newline="") as handle:
        return {row["client"]: row for row in csv.DictReader(handle)}


def title_terms() -> list[str]:
    """Vendor names and aliases and English technology keywords, as OData substrings."""
    terms: dict[str, None] = {}
    for vendor in load("vendors.yaml")["vendors"]:
        for name in [
            vendor["name"],
            *(vendor.get("aliases") or []),
            *(vendor.get("ambiguous") or []),
        ]:
            terms.setdefault(str(name), None)
    for technology in load("taxonomy.yaml")["technologies"]:
        keywords = technology.get("keywords") or {}
        for word in [*(keywords.get("any") or []), *(keywords.get("en") or [])]:
            terms.setdefault(str(word).rstrip("*"), None)
    return [t for t in terms if len(t) >= MIN_TERM and t.isascii()]


def title_filters(terms: list[str]) -> list[str]:
    """``substringof('term',MatterTitle) or …`` clauses, grouped under the length limit."""
    filters: list[str] = []
    current: list[str] = []
    for term in terms:
        clause = "substringof('{}',MatterTitle)".format(term.replace("'", "''"))
        if current and len(quote(" or ".join([*current, clause]))) > MAX_FILTER:
            filters.append(" or ".join(current))
            current = []
        current.append(clause)
    if current:
        filters.append(" or ".join(current))
    return filters


class LegistarSpider(SourceSpider):
    """Legistar Web API of US city councils; the councils' public records."""

    name = "legistar"

    def __init__(self, *args: Any, client: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        known = load_clients()
        names = [c.strip() for c in (client or "").split(",") if c.strip()] or list(known)
        self.clients = {n: known.get(n) or {"client": n, "country": "US"} for n in names}

    async def start(self):
        for name in self.clients:
            for title_filter in title_filters(title_terms()):
                yield self.matters_request(name, title_filter, 0)

    def matters_request(self, client: str, title_filter: str, skip: int) -> scrapy.Request:
        condition = f"({title_filter})"
        if self.from_date:
            condition += f" and MatterLastModifiedUtc ge datetime'{self.from_date.isoformat()}'"
        if self.until_date:
            condition += f" and MatterLastModifiedUtc lt datetime'{self.until_date.isoformat()}'"
        query = urlencode(
            {"$filter": condition, "$top": legistar.PAGE_SIZE, "$skip": skip}, quote_via=quote
        )
        return self.request(
            f"{API}/{client}/matters?{query}",
            callback=self.parse_matters,
            cb_kwargs={"client": client, "title_filter": title_filter, "skip": skip},
        )

    def parse_matters(
        self, response: Response, client: str, title_filter: str, skip: int
    ) -> Iterator[scrapy.Request]:
        try:
            matters = legistar.rows(response.body, "matters")
        except ParseError as exc:
            self.document_failed(self.real_url(response), str(exc))
            return
        for matter in matters:
            if self.sample_reached:
                return
            matter_id = matter.get("MatterId")
            if matter_id is None:
                continue
            base = f"{API}/{client}/matters/{matter_id}"
            context = {"client": client, "matter": matter}
            yield self.request(f"{base}/relations", callback=self.parse_relations,
                               errback=self.relations_failed, cb_kwargs=context)  # fmt: skip
            yield self.request(f"{base}/attachments", callback=self.parse_attachments,
                               cb_kwargs=context)  # fmt: skip
        if len(matters) >= legistar.PAGE_SIZE:
            yield self.matters_request(client, title_filter, skip + legistar.PAGE_SIZE)

    def parse_relations(self, response: Response, client: str, matter: dict) -> Iterator[Any]:
        try:
            related = legistar.related(legistar.rows(response.body, "matter relations"))
        except ParseError as exc:
            self.document_failed(self.real_url(response), str(exc))
            related = []
        yield self.histories_request(client, matter, related)

    def relations_failed(self, failure: Failure) -> Iterator[Any]:
        """A client without the relations endpoint still has its matters' votes read."""
        request = failure.request  # type: ignore[attr-defined]
        yield self.histories_request(request.cb_kwargs["client"], request.cb_kwargs["matter"], [])

    def histories_request(self, client: str, matter: dict, related: list[int]) -> scrapy.Request:
        return self.request(
            f"{API}/{client}/matters/{matter['MatterId']}/histories",
            callback=self.parse_histories,
            cb_kwargs={"client": client, "matter": matter, "related": related},
        )

    def parse_histories(
        self, response: Response, client: str, matter: dict, related: list[int]
    ) -> Iterator[Any]:
        try:
            actions = legistar.histories(legistar.rows(response.body, "matter histories"))
        except ParseError as exc:
            self.document_failed(self.real_url(response), str(exc))
            actions = []
        decided = legistar.decision(actions)
        if decided and decided.get("event_id"):
            yield self.request(
                f"{API}/{client}/events/{decided['event_id']}",
                callback=self.parse_event,
                errback=self.event_failed,
                cb_kwargs={"client": client, "matter": matter, "related": related,
                           "actions": actions, "histories": response},
            )  # fmt: skip
            return
        yield from self.matter_records(response, client, matter, actions, related, None)

    def parse_event(
        self,
        response: Response,
        client: str,
        matter: dict,
        related: list[int],
        actions: list[dict],
        histories: Response,
    ) -> Iterator[dict]:
        try:
            event = legistar.rows(response.body, "event")[0]
        except (ParseError, IndexError) as exc:
            self.document_failed(self.real_url(response), str(exc) or "no event")
            event = None
        yield from self.matter_records(histories, client, matter, actions, related, event)

    def event_failed(self, failure: Failure) -> Iterator[dict]:
        """Without its meeting the matter is stored all the same."""
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield from self.matter_records(
            kwargs["histories"],
            kwargs["client"],
            kwargs["matter"],
            kwargs["actions"],
            kwargs["related"],
            None,
        )

    def matter_records(
        self,
        response: Response,
        client: str,
        matter: dict,
        actions: list[dict],
        related: list[int],
        event: dict | None,
    ) -> Iterator[dict]:
        item = legistar.matter_item(
            matter, self.clients[client], actions, related=related, event=event
        )
        yield from self.records_from(response, [item])

    def parse_attachments(self, response: Response, client: str, matter: dict) -> Iterator[Any]:
        try:
            documents = list(legistar.attachments(legistar.rows(response.body, "attachments")))
        except ParseError as exc:
            self.document_failed(self.real_url(response), str(exc))
            return
        if not documents:
            logger.info("no attachments: source=%s matter=%s/%s", self.name, client,
                        matter.get("MatterId"))  # fmt: skip
        for document in documents:
            yield self.request(
                document["url"],
                callback=self.parse_attachment,
                cb_kwargs={"client": client, "matter": matter, "document": document},
            )

    def parse_attachment(
        self, response: Response, client: str, matter: dict, document: dict
    ) -> Iterator[dict]:
        details = self.clients[client]
        hints = {
            "title": document["name"],
            "procedure_id": f"{client}/{matter['MatterId']}",
            "buyer": {
                "name": details.get("buyer"),
                "country": details.get("country"),
                "city": details.get("city"),
                "region": details.get("region"),
            },
            "published": matter.get("MatterPassedDate") or matter.get("MatterIntroDate"),
            "language": "en",
            "document_type": "council attachment",
            "date_order": "MDY",
        }
        items = pdf.parse(
            response.body,
            url=document["url"],
            source=self.name,
            source_id=f"{client}/attachment/{document['id']}",
            hints=hints,
        )
        yield from self.records_from(response, items)
