"""OCDS release packages, record packages, single releases and JSON lines, streamed with ijson."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson

from crawlers.parsers import jsonstream
from crawlers.parsers.errors import ParseError

logger = logging.getLogger(__name__)

# A release's tags name the stage it records; amendments and updates change an earlier notice.
_TAG_TYPES = (
    (
        {
            "tenderAmendment",
            "tenderUpdate",
            "tenderCancellation",
            "awardUpdate",
            "awardCancellation",
            "contractAmendment",
            "contractUpdate",
            "contractTermination",
        },
        "modification",
    ),
    ({"award", "contract", "implementation", "contractImplementation"}, "award"),
    ({"tender"}, "tender"),
    ({"planning", "planningUpdate"}, "prior-information"),
)
_NOTICE_DOCUMENT_TYPES = (
    "awardNotice",
    "contractNotice",
    "tenderNotice",
    "contractAwardNotice",
    "biddingDocuments",
)
_NUTS = re.compile(r"[A-Z]{2}[0-9A-Z]{1,3}")
# Registered OCID prefixes of the publishers we declare, so `survreg parse` names the source.
OCID_PREFIX_SOURCES = {
    "ocds-b5fd17": "contracts-finder",
    "ocds-h6vhtk": "find-a-tender",
    "ocds-kuma6s": "sell2wales",
    "ocds-r6ebe6": "public-contracts-scotland",
}
FORMATS = ("ocds",)
_CONTAINER_KEYS = ("releases", "records")


@dataclass
class Package:
    """What a package says about itself besides its releases: licence, publisher, next page."""

    uri: str | None = None
    license: str | None = None
    publisher: str | None = None
    next_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def sniff(head: bytes) -> str | None:
    """Name the OCDS shape of a document from its first bytes, or None if it is not OCDS."""
    text = head[:4096].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return None
    markers = ('"ocid"', '"releases"', '"records"', '"compiledRelease"')
    if any(m in text for m in markers) and '"TED_EXPORT' not in text:
        return "ocds"
    return None


def iter_releases(stream: IO[bytes], package: Package | None = None) -> Iterator[dict]:
    """Yield every release of a package, record package or single release, one at a time.

    Records yield their compiled release when they have one, else each full release they embed.
    Package metadata is filled into ``package`` as it streams past (``links.next`` comes last).
    """
    package = package if package is not None else Package()
    top: dict[str, Any] = {}
    builder: ijson.ObjectBuilder | None = None
    container = None
    for prefix, event, value in jsonstream.events(stream, multiple_values=True):
        if (
            builder is None
            and prefix in ("releases.item", "records.item", "item")
            and event in ("start_map",)
        ):
            builder = ijson.ObjectBuilder()
            container = prefix
        if builder is not None:
            builder.event(event, value)
            if prefix == container and event == "end_map":
                obj = builder.value
                builder = None
                yield from _unwrap(obj, container)
            continue
        if prefix == "" and event == "start_map":
            top = {}
            top_builder = ijson.ObjectBuilder()
            top_builder.event(event, value)
            top["_builder"] = top_builder
            continue
        top_builder = top.get("_builder")
        if top_builder is not None:
            if prefix.split(".", 1)[0] in _CONTAINER_KEYS and prefix not in _CONTAINER_KEYS:
                continue
            top_builder.event(event, value)
            if prefix == "" and event == "end_map":
                obj = top_builder.value
                top = {}
                _fill_package(package, obj)
                if "ocid" in obj and not any(k in obj for k in _CONTAINER_KEYS):
                    yield obj


def _unwrap(obj: dict, container: str) -> Iterator[dict]:
    if container == "records.item":
        compiled = obj.get("compiledRelease")
        if isinstance(compiled, dict):
            yield compiled
            return
        for release in _list(obj.get("releases")):
            if isinstance(release, dict) and "tag" in release:
                yield release
        return
    yield obj


def _fill_package(package: Package, obj: dict) -> None:
    package.uri = _str(obj.get("uri"))
    package.license = _str(obj.get("license"))
    publisher = obj.get("publisher")
    package.publisher = _str(publisher.get("name")) if isinstance(publisher, dict) else None
    links = obj.get("links")
    package.next_url = _str(links.get("next")) if isinstance(links, dict) else None


def parse(
    data: bytes | IO[bytes],
    url: str | None = None,
    format: str | None = None,
    source: str = "ocds",
    package: Package | None = None,
) -> Iterator[dict]:
    """Parse an OCDS document into notice items (ITEMS.md)."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    for release in iter_releases(stream, package):
        yield release_to_item(release, url=url, source=source)


def release_to_item(release: dict, url: str | None = None, source: str = "ocds") -> dict:
    """Map one OCDS release onto a notice item, keeping the publisher's own values."""
    if not isinstance(release, dict):
        raise ParseError("release is not a JSON object")
    ocid = _str(release.get("ocid"))
    if not ocid:
        raise ParseError("release has no ocid")
    if source == "ocds":
        source = OCID_PREFIX_SOURCES.get(ocid[:11].lower(), source)
    warnings: list[str] = []
    release_id = _str(release.get("id"))
    date = _str(release.get("date"))
    if not release_id:
        release_id = f"{ocid}-{date or 'undated'}"
        warnings.append(f"release of {ocid} has no id: derived {release_id!r} from its date")
        logger.warning("OCDS release of %s has no id; derived %r from its date", ocid, release_id)
    if not date:
        warnings.append("release has no date")
    # Party ids are matched as text: a list or object as an id must not cost the item.
    parties = {
        _str(p.get("id")): p
        for p in _list(release.get("parties"))
        if isinstance(p, dict) and _str(p.get("id"))
    }
    tender = _dict(release.get("tender"))
    awards = [a for a in _list(release.get("awards")) if isinstance(a, dict)]
    item = {
        "kind": "notice",
        "source": source,
        "source_id": f"{ocid}/{release_id}",
        "procedure_id": ocid,
        "url": _notice_url(release, awards, tender),
        "notice_type": _notice_type(release.get("tag")),
        "title": _first_str(
            tender.get("title"), release.get("title"), *(a.get("title") for a in awards)
        )
        or "",
        "description": _first_str(
            tender.get("description"),
            release.get("description"),
            *(a.get("description") for a in awards),
        ),
        "language": _str(release.get("language")),
        "published": date,
        "buyer": _buyer(release, parties),
        "cpv": _cpvs(tender),
        "suppliers": _suppliers(awards, parties),
        "value": _value(awards, tender),
        "technologies": [],
        "vendors": [],
        "ocds_tags": [t for t in _list(release.get("tag")) if isinstance(t, str)],
    }
    if warnings:
        item["warnings"] = warnings
    return item


def _notice_type(tags: Any) -> str:
    tags = {t for t in tags or [] if isinstance(t, str)} if isinstance(tags, list) else set()
    for names, notice_type in _TAG_TYPES:
        if tags & names:
            return notice_type
    return "other"


def _buyer(release: dict, parties: dict) -> dict:
    ref = _dict(release.get("buyer"))
    party = (
        parties.get(_str(ref.get("id")))
        or next((p for p in parties.values() if "buyer" in _list(p.get("roles"))), None)
        or next(
            (
                p
                for p in _list(release.get("parties"))
                if isinstance(p, dict) and "buyer" in _list(p.get("roles"))
            ),
            {},
        )
    )
    address = _dict(party.get("address"))
    contact = _dict(party.get("contactPoint"))
    details = _dict(party.get("details"))
    region = _str(address.get("region"))
    return {
        "name": _first_str(
            ref.get("name"), party.get("name"), _dict(party.get("identifier")).get("legalName")
        )
        or "",
        "country": _first_str(address.get("countryName"), address.get("country")),
        "city": _str(address.get("locality")),
        "region": region,
        "nuts": region if region and _NUTS.fullmatch(region) else None,
        "postal_code": _str(address.get("postalCode")),
        "contact": {
            "name": _str(contact.get("name")),
            "email": _str(contact.get("email")),
            "phone": _str(contact.get("telephone")),
            "url": _first_str(contact.get("url"), details.get("url")),
        }
        if contact or details.get("url")
        else None,
    }


def _cpvs(tender: dict) -> list[str]:
    codes: list[str] = []
    classifications = [
        tender.get("classification"),
        *_list(tender.get("additionalClassifications")),
    ]
    for item in _list(tender.get("items")):
        if isinstance(item, dict):
            classifications.append(item.get("classification"))
            classifications.extend(_list(item.get("additionalClassifications")))
    for c in classifications:
        if isinstance(c, dict) and str(c.get("scheme", "CPV")).upper().startswith("CPV"):
            code = _str(c.get("id"))
            if code and code not in codes:
                codes.append(code)
    return codes


def _suppliers(awards: list[dict], parties: dict) -> list[dict]:
    seen: dict[str, dict] = {}
    for award in awards:
        for supplier in _list(award.get("suppliers")):
            if not isinstance(supplier, dict):
                continue
            party = parties.get(_str(supplier.get("id"))) or {}
            name = _first_str(supplier.get("name"), party.get("name"))
            if name and name not in seen:
                address = _dict(party.get("address"))
                seen[name] = {"name": name, "country": _str(address.get("countryName"))}
    return list(seen.values())


def _value(awards: list[dict], tender: dict) -> dict | None:
    values = [
        _dict(a.get("value")) for a in awards if _dict(a.get("value")).get("amount") is not None
    ]
    if values:
        currencies = {_str(v.get("currency")) for v in values}
        if len(currencies) == 1:
            amounts = [v["amount"] for v in values]
            if all(isinstance(a, int | float) for a in amounts):
                return {"amount": sum(amounts), "currency": values[0].get("currency")}
            return {"amount": amounts[0], "currency": values[0].get("currency")}
    value = _dict(tender.get("value"))
    if value.get("amount") is not None:
        return {"amount": value["amount"], "currency": value.get("currency")}
    return None


def _notice_url(release: dict, awards: list[dict], tender: dict) -> str | None:
    documents = [*_list(tender.get("documents"))]
    for award in awards:
        documents.extend(_list(award.get("documents")))
    for doc in documents:
        if isinstance(doc, dict) and doc.get("documentType") in _NOTICE_DOCUMENT_TYPES:
            return _str(doc.get("url"))
    return None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    # A publisher's "array" may be anything: a number or an object there must not cost the item.
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _first_str(*values: Any) -> str | None:
    for value in values:
        text = _str(value)
        if text:
            return text
    return None
