"""OCDS release packages, record packages, single releases and JSON lines: a page is parsed whole
with orjson, a large document streamed with ijson. The crawl stores releases as written
(``stored_record``); ``release_to_item`` maps one onto a notice, at build time and in
``survreg parse``."""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, cast

import ijson
import orjson

from crawlers.items import RELEASE_KEY, StoredJson
from crawlers.parsers import compressed, jsonstream
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
# CPV's names in classification schemes: the EU's, and Ukraine's adoption of CPV 2008 as
# ДК 021:2015 (Prozorro writes "ДК021"; Latin "DK021" appears in transliterated exports).
_CPV_SCHEMES = frozenset({"cpv", "cpv2008", "cpv2007", "дк021", "дк0212015", "dk021", "dk0212015"})
_SCHEME_NOISE = re.compile(r"[\s:._-]+")
_CPV_WITH_CHECK_DIGIT = re.compile(r"\d{8}-\d")
# Registered OCID prefixes of the publishers we declare, so `survreg parse` names the source.
OCID_PREFIX_SOURCES = {
    "ocds-b5fd17": "contracts-finder",
    "ocds-h6vhtk": "find-a-tender",
    "ocds-kuma6s": "sell2wales",
    "ocds-r6ebe6": "public-contracts-scotland",
}
FORMATS = ("ocds",)
# Keys only a record has, and keys only a package has: they tell a bare record from a package.
_RECORD_KEYS = frozenset({"ocid", "compiledRelease", "versionedRelease"})
_PACKAGE_KEYS = frozenset(
    {"uri", "publishedDate", "publisher", "version", "license", "publicationPolicy", "extensions"}
)
# Releases of an object not yet known to be a record or a package are held up to this many; a
# record has a few dozen at most, so more means a package (stream them).
MAX_HELD = 1000
# Documents up to this size are parsed whole with orjson, ten times faster than ijson's events
# through Python; larger ones (bulk files) are streamed, so memory stays bounded.
WHOLE_MAX_BYTES = 4 * 1024 * 1024


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


def iter_releases(
    stream: compressed.Readable,
    package: Package | None = None,
    whole_limit: int = WHOLE_MAX_BYTES,
) -> Iterator[dict]:
    """Yield every release of any OCDS shape, one at a time.

    Release and record packages, bare releases and records, arrays or JSON lines of any of them,
    and packages embedded in ``packages[]``. A record gives its compiled release when it has one,
    else each embedded release (linked releases, which carry only a URL, are skipped). Package
    metadata is filled into ``package`` when its object ends (``links.next`` often comes last).
    A document of at most ``whole_limit`` bytes is parsed whole with orjson; a larger one, or one
    that only the streaming parser can judge, is streamed with ijson. Both give the same releases.
    """
    yield from _releases_after(_read_up_to(stream, whole_limit + 1), stream, package, whole_limit)


def _releases_after(
    head: bytes, rest: compressed.Readable, package: Package | None, whole_limit: int
) -> Iterator[dict]:
    """``iter_releases`` of a document whose first bytes, ``head``, were read from it already
    (all of them when it has at most ``whole_limit``), the others left in ``rest``."""
    package = package if package is not None else Package()
    values = _whole_values(head) if len(head) <= whole_limit else None
    events: _Events
    if values is not None:
        events = _Walk(values)
    else:
        stream = _Prefixed(head, rest)
        events = _Stream(jsonstream.basic_events(cast(IO[bytes], stream), multiple_values=True))
    for event, _value in events:
        if event == "start_map":
            yield from _object(events, package)
        elif event == "start_array":
            yield from _array(events, package)
        else:
            raise ParseError(f"not OCDS: a top-level {event} value")


def _whole_values(data: bytes) -> list[Any] | None:
    """The JSON values of a document, one or one per line; None when the streaming parser must
    judge it: not JSON to orjson, nested deeper than MAX_DEPTH, or holding a number ijson's yajl
    refuses."""
    try:
        values = [_bounded_loads(data)]
    except orjson.JSONDecodeError:
        try:
            lines = [line for line in data.splitlines() if line.strip(_JSON_SPACE)]
            values = [_bounded_loads(line) for line in lines]
        except orjson.JSONDecodeError:
            return None
    if not values:
        return None
    # An integer yajl refuses has 19 digits or more; a run that long is rare enough in any text
    # that finding none spares walking every value of the page.
    if (_PAD is None or _LONG_DIGITS in data.translate(_DIGITS_ONLY)) and not _within_limits(
        values, jsonstream.MAX_DEPTH
    ):
        return None
    return values


_JSON_SPACE = b" \t\r\n"
# yajl reads integers of a signed 64-bit range less its minimum; orjson reads up to 2**64 - 1 as
# int and beyond as float, so a float that large may have been an integer yajl refuses.
_YAJL_INT = 2**63 - 1
_YAJL_FLOAT = float(2**63)
# Every digit as "0", every other byte as a space: a run of digits becomes a run of "0".
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * len(str(_YAJL_INT))


def _nesting_limit() -> int | None:
    """The deepest nesting orjson.loads accepts (1024 in orjson 3), found by trying; None when
    it accepts far more than any document needs."""

    def accepts(depth: int) -> bool:
        try:
            orjson.loads(b"[" * depth + b"]" * depth)
        except orjson.JSONDecodeError:
            return False
        return True

    low, high = jsonstream.MAX_DEPTH, 1 << 16
    if accepts(high) or not accepts(low):
        return None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if accepts(middle) else (low, middle)
    return low


_LIMIT = _nesting_limit()
# A document wrapped in this many single-item arrays is refused by orjson itself when it nests
# deeper than MAX_DEPTH: depth is checked inside the parse, not by walking the values after it.
_PAD = None if _LIMIT is None else _LIMIT - jsonstream.MAX_DEPTH


def _bounded_loads(data: bytes) -> Any:
    """orjson.loads of one JSON value; with a known nesting limit, JSONDecodeError for a value
    nested deeper than MAX_DEPTH."""
    if _PAD is None:
        return orjson.loads(data)
    value = orjson.loads(b"".join((b"[" * _PAD, data, b"]" * _PAD)))
    for _ in range(_PAD):
        # Anything but one value (none, or "1, 2") would not be a chain of single-item arrays.
        if type(value) is not list or len(value) != 1:
            raise orjson.JSONDecodeError("not one JSON value", "", 0)
        value = value[0]
    return value


def _within_limits(values: list[Any], max_depth: int) -> bool:
    """Whether parsed values nest at most ``max_depth`` deep and hold no number beyond yajl's.

    Checked on the parsed tree, one level at a time: a walk of every value costs a third of
    checking the bytes (escapes, strings, brackets, digit runs) did.
    """
    level: list[Any] = [values]
    for _ in range(max_depth + 1):
        below: list[Any] = []
        for container in level:
            for value in container.values() if type(container) is dict else container:
                kind = type(value)
                if kind is str:
                    continue
                if kind is dict or kind is list:
                    below.append(value)
                elif kind is int:
                    if not -_YAJL_INT <= value <= _YAJL_INT:
                        return False
                elif kind is float and not -_YAJL_FLOAT < value < _YAJL_FLOAT:
                    return False
        if not below:
            return True
        level = below
    return False


def _read_up_to(stream: compressed.Readable, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were read already: those bytes, then the rest of it."""

    def __init__(self, head: bytes, rest: compressed.Readable):
        self._head, self._rest = io.BytesIO(head), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._head.readinto(buffer)
        if count:
            return count
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Events(Protocol):
    """(event, value) pairs in ijson's names; ``build`` turns the value an event starts into a
    Python value, consuming its events."""

    def __iter__(self) -> Iterator[tuple[str, Any]]: ...

    def __next__(self) -> tuple[str, Any]: ...

    def build(self, event: str, value: Any) -> Any: ...


class _Stream:
    """ijson's events; a value is built from its events with ijson's ObjectBuilder."""

    def __init__(self, events: Iterator[tuple[str, Any]]):
        self._events = events

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self._events

    def __next__(self) -> tuple[str, Any]:
        return next(self._events)

    def build(self, event: str, value: Any) -> Any:
        if event not in ("start_map", "start_array"):
            return value
        builder = ijson.ObjectBuilder()
        builder.event(event, value)
        depth = 1
        for event, value in self._events:
            builder.event(event, value)
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    return builder.value
        raise ParseError("invalid JSON: document ends inside a value")


class _Walk:
    """The events of values parsed already, with each container as its start event's value:
    building one takes it as it is and skips its events."""

    def __init__(self, values: list[Any]):
        self._built: Any = None
        self._events = (pair for value in values for pair in self._of(value))

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self._events

    def __next__(self) -> tuple[str, Any]:
        return next(self._events)

    def build(self, event: str, value: Any) -> Any:
        if event in ("start_map", "start_array"):
            self._built = value
        return value

    def _of(self, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            yield "start_map", value
            if self._built is not value:
                for key, member in value.items():
                    yield "map_key", key
                    yield from self._of(member)
                yield "end_map", None
        elif isinstance(value, list):
            yield "start_array", value
            if self._built is not value:
                for member in value:
                    yield from self._of(member)
                yield "end_array", None
        else:
            yield _SCALAR_EVENTS.get(type(value), "number"), value
        self._built = None


_SCALAR_EVENTS: dict[type, str] = {type(None): "null", bool: "boolean", str: "string"}


def _array(events: _Events, package: Package) -> Iterator[dict]:
    """Items of a top-level array or of ``packages[]``: each a package, record or release."""
    for event, _value in events:
        if event == "end_array":
            return
        if event == "start_map":
            yield from _object(events, package)
        elif event == "start_array":
            yield from _array(events, package)


def _object(events: _Events, package: Package) -> Iterator[dict]:
    """One object whose start was read: a package streams its releases, a record or a bare
    release is decided by its keys. Releases met before the kind is known are held (boundedly)."""
    fields: dict[str, Any] = {}
    kind: str | None = None
    held: list[dict] = []
    has_releases = False
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in ("records", "packages") and event == "start_array":
            kind = "package"
            yield from held
            held.clear()
            if key == "records":
                yield from _records(events)
            else:
                yield from _array(events, package)
            continue
        if key == "releases" and event == "start_array":
            has_releases = True
            for release in _values(events):
                if not isinstance(release, dict):
                    continue
                if kind == "package":
                    yield release
                    continue
                held.append(release)
                if kind is None and len(held) > MAX_HELD:
                    kind = "package"
                    yield from held
                    held.clear()
            continue
        fields[key] = events.build(event, value)
        if kind is None and key in _RECORD_KEYS:
            kind = "record"
        elif kind is None and key in _PACKAGE_KEYS:
            kind = "package"
            yield from held
            held.clear()
    if kind is None and "ocid" in fields:
        kind = "record"
    if kind == "record":
        compiled = fields.get("compiledRelease")
        if isinstance(compiled, dict):
            yield compiled
        elif has_releases:
            yield from _embedded(held, fields.get("ocid"))
        else:
            yield fields  # a bare release
        return
    _fill_package(package, fields)
    yield from held


def _records(events: _Events) -> Iterator[dict]:
    for record in _values(events):
        if not isinstance(record, dict):
            continue
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            yield compiled
        else:
            yield from _embedded(_list(record.get("releases")), record.get("ocid"))


def _embedded(releases: list, ocid: Any) -> Iterator[dict]:
    """A record's full releases; linked releases ({url, date, tag}) are not releases to read."""
    for release in releases:
        if not isinstance(release, dict) or ("url" in release and "id" not in release):
            continue
        if "ocid" not in release and ocid is not None:
            release = {**release, "ocid": ocid}
        yield release


def _values(events: _Events) -> Iterator[Any]:
    """Each value of an array whose start was read, built one at a time."""
    for event, value in events:
        if event == "end_array":
            return
        yield events.build(event, value)


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
    whole_limit: int = WHOLE_MAX_BYTES,
) -> Iterator[dict]:
    """Parse an OCDS document, or a gzip, zip or tar of them, into notice items (ITEMS.md);
    members of at most ``whole_limit`` bytes are parsed whole, larger ones streamed."""
    for release in releases(data, package, whole_limit):
        yield release_to_item(release, url=url, source=source)


def releases(
    data: bytes | IO[bytes], package: Package | None = None, whole_limit: int = WHOLE_MAX_BYTES
) -> Iterator[dict]:
    """Every release of an OCDS document, or of each member of a gzip, zip or tar of them."""
    if isinstance(data, bytes) and compressed.container_of(data[: compressed.MAGIC_BYTES]) is None:
        # A page in memory is its own only member, read as it is: a stream over it copied it
        # into a buffer of whole_limit bytes first: a tenth of the cost of parsing a page.
        yield from _releases_after(data, io.BytesIO(), package, whole_limit)
        return
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    # Bulk files come compressed (.jsonl.gz, .zip): each member is a stream of its own.
    for member in compressed.members(stream):
        yield from iter_releases(member.stream, package, whole_limit)


# What a stored record says besides its release: the mapped item says all of it again.
_STORED_KEYS = frozenset({RELEASE_KEY, "kind", "source", "source_id", "published"})


def stored_records(
    data: bytes | IO[bytes],
    source: str,
    package: Package | None = None,
    keep: Callable[[dict], bool] | None = None,
) -> Iterator[dict]:
    """The records the crawl stores for a document's releases (``stored_record``); with
    ``keep``, only those of releases whose notice item it keeps."""
    for release in releases(data, package):
        if keep is None or keep(release_to_item(release)):
            yield stored_record(release, source)


def stored_record(release: dict, source: str = "ocds") -> dict:
    """A release as the crawl store keeps it: the release itself (JSON with sorted keys, so
    that its content hash does not depend on key order) and its source, id and date."""
    ocid, release_id, date, source = _identity(release, source)
    try:
        kept: Any = StoredJson(orjson.dumps(release, option=orjson.OPT_SORT_KEYS))
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits or lone surrogates (streamed documents only): the store's own
        # serialisation handles those.
        kept = release
    return {
        "kind": "notice",
        "source": source,
        "source_id": f"{ocid}/{release_id}",
        "published": date,
        RELEASE_KEY: kept,
    }


def stored_item(record: dict) -> dict:
    """The notice item a crawl-store record stands for: a stored release mapped by
    ``release_to_item``, with the record's fetch keys; any other record as it is."""
    release = record.get(RELEASE_KEY)
    if release is None:
        return record
    item = release_to_item(release, source=record.get("source") or "ocds")
    item.update((k, v) for k, v in record.items() if k not in _STORED_KEYS)
    return item


def _identity(release: Any, source: str) -> tuple[str, str, str | None, str]:
    """A release's ocid, id (derived from its date when it has none), date and source."""
    if not isinstance(release, dict):
        raise ParseError("release is not a JSON object")
    ocid = _str(release.get("ocid"))
    if not ocid:
        raise ParseError("release has no ocid")
    if source == "ocds":
        source = OCID_PREFIX_SOURCES.get(ocid[:11].lower(), source)
    date = _str(release.get("date"))
    release_id = _str(release.get("id")) or f"{ocid}-{date or 'undated'}"
    return ocid, release_id, date, source


def release_to_item(release: dict, url: str | None = None, source: str = "ocds") -> dict:
    """Map one OCDS 1.0 or 1.1 release onto a notice item, keeping the publisher's own values."""
    ocid, release_id, date, source = _identity(release, source)
    warnings: list[str] = []
    if not _str(release.get("id")):
        warnings.append(f"release of {ocid} has no id: derived {release_id!r} from its date")
        logger.warning("OCDS release of %s has no id; derived %r from its date", ocid, release_id)
    if not date:
        warnings.append("release has no date")
    # Party ids are matched as text: a list or object as an id must not cost the item.
    parties = {}
    for party in _list(release.get("parties")):
        if isinstance(party, dict) and (party_id := _str(party.get("id"))):
            parties[party_id] = party
    tender = _dict(release.get("tender"))
    awards = [a for a in _list(release.get("awards")) if isinstance(a, dict)]
    contracts = [c for c in _list(release.get("contracts")) if isinstance(c, dict)]
    # Award titles are often a verdict ("Учасник обраний переможцем"); a contract names its subject.
    stages = (tender, release, *contracts, *awards)
    items = [
        i
        for stage in (tender, *awards, *contracts)
        for i in _list(stage.get("items"))
        if isinstance(i, dict)
    ]
    tags = [t for t in _list(release.get("tag")) if isinstance(t, str)]
    title = next(filter(None, (_str(s.get("title")) for s in stages)), None)
    item = {
        "kind": "notice",
        "source": source,
        "source_id": f"{ocid}/{release_id}",
        "procedure_id": ocid,
        "url": _notice_url(tender, awards, contracts),
        "notice_type": _notice_type(tags, release, tender, awards, contracts),
        # A contract-only release may name its subject only in its items.
        "title": title or (_str(items[0].get("description")) if items else None) or "",
        "description": _description(title, stages, items),
        "language": _str(release.get("language")),
        "published": date,
        "buyer": _buyer(release, tender, parties),
        "cpv": _cpvs([tender, *awards, *contracts], items),
        "suppliers": _suppliers([*awards, *contracts], parties),
        "value": _value(awards, contracts, tender),
        "technologies": [],
        "vendors": [],
        "ocds_tags": tags,
    }
    if period := _period(contracts):
        item["contract_period"] = period
    if warnings:
        item["warnings"] = warnings
    return item


def _description(title: str | None, stages: tuple[dict, ...], items: list[dict]) -> str | None:
    """The first description that says more than the stages' title: tenders that repeat their
    title ("licitacion publica mediante equipos de cctv") name the subject in the contract or
    award. Else the first description, if any."""
    fold = (title or "").casefold().rstrip(". ")
    first = None
    for text in map(_str, _descriptions(stages, items)):
        if text:
            if text.casefold().rstrip(". ") != fold:
                return text
            first = first or text
    return first


def _descriptions(stages: tuple[dict, ...], items: list[dict]) -> Iterator[Any]:
    """What may describe a release, best first: tender's and release's descriptions, then the
    contracts' and awards' titles and descriptions, then the items'."""
    for stage in stages[:2]:
        yield stage.get("description")
    for stage in stages[2:]:
        yield stage.get("title")
        yield stage.get("description")
    for i in items:
        yield i.get("description")


def _notice_type(
    tags: list[str], release: dict, tender: dict, awards: list, contracts: list
) -> str:
    """The stage the tags name; the content's stage when they name none (``compiled``) or
    several, as compiled releases and some publishers' releases do."""
    named = _named_types(frozenset(tags))
    if "modification" in named:
        return "modification"
    content = (
        "award"
        if awards or contracts
        else "tender"
        if tender
        else "prior-information"
        if _dict(release.get("planning"))
        else None
    )
    if len(named) == 1:
        return named[0]
    if content and (not named or content in named):
        return content
    return named[0] if named else "other"


@functools.lru_cache(maxsize=256)
def _named_types(tags: frozenset[str]) -> tuple[str, ...]:
    # A publisher tags its releases with a handful of combinations.
    return tuple(notice_type for names, notice_type in _TAG_TYPES if tags & names)


def _buyer(release: dict, tender: dict, parties: dict) -> dict:
    ref = _dict(release.get("buyer"))
    procuring = _dict(tender.get("procuringEntity"))
    party = parties.get(_str(ref.get("id"))) or _buyer_party(release, parties)
    # OCDS 1.0 has no parties: the buyer and procuring entity are whole organisations; a 1.1
    # buyer party without an address often shares the procuring entity's.
    address = _dict(party.get("address")) or _dict(ref.get("address"))
    if not address:
        procuring_party = parties.get(_str(procuring.get("id"))) or procuring
        address = _dict(procuring_party.get("address"))
    contact = _dict(party.get("contactPoint")) or _dict(ref.get("contactPoint"))
    details = _dict(party.get("details"))
    region = _str(address.get("region"))
    return {
        "name": _str(ref.get("name"))
        or _str(party.get("name"))
        or _str(_dict(party.get("identifier")).get("legalName"))
        or _str(_dict(ref.get("identifier")).get("legalName"))
        or _str(procuring.get("name"))
        or "",
        "country": _str(address.get("countryName")) or _str(address.get("country")),
        "city": _str(address.get("locality")),
        "region": region,
        "nuts": region if region and _NUTS.fullmatch(region) else None,
        "postal_code": _str(address.get("postalCode")),
        "contact": {
            "name": _str(contact.get("name")),
            "email": _str(contact.get("email")),
            "phone": _str(contact.get("telephone")),
            "url": _str(contact.get("url")) or _str(details.get("url")),
        }
        if contact or details.get("url")
        else None,
    }


def _buyer_party(release: dict, parties: dict) -> dict:
    """The party with the buyer role, when the buyer reference names none."""
    for party in parties.values():
        if "buyer" in _list(party.get("roles")):
            return party
    for party in _list(release.get("parties")):
        if isinstance(party, dict) and "buyer" in _list(party.get("roles")):
            return party
    return {}


def _cpvs(stages: list[dict], items: list[dict]) -> list[str]:
    """CPV codes of every classification; codes of other schemes (UNSPSC, CPC, catalogues) are
    never CPV, and a classification without a scheme counts only in CPV's own form."""
    codes: list[str] = []
    for holder in (*stages, *items):
        classification = holder.get("classification")
        more = holder.get("additionalClassifications")
        for c in (classification, *more) if isinstance(more, list) else (classification,):
            if not isinstance(c, dict) or not (code := _str(c.get("id"))):
                continue
            scheme = c.get("scheme")
            if scheme is None:
                if not _CPV_WITH_CHECK_DIGIT.fullmatch(code):
                    continue
            elif not is_cpv_scheme(scheme):
                continue
            if code not in codes:
                codes.append(code)
    return codes


def is_cpv_scheme(scheme: Any) -> bool:
    """True for CPV under any of its names: "CPV", "CPV2008", and Ukraine's ДК 021:2015."""
    return isinstance(scheme, str) and _cpv_scheme_name(scheme)


@functools.lru_cache(maxsize=1024)
def _cpv_scheme_name(scheme: str) -> bool:
    # A publisher writes its one or two schemes on every classification of every release.
    return _SCHEME_NOISE.sub("", scheme).casefold() in _CPV_SCHEMES


def _suppliers(stages: list[dict], parties: dict) -> list[dict]:
    seen: dict[str, dict] = {}
    for stage in stages:
        for supplier in _list(stage.get("suppliers")):
            if not isinstance(supplier, dict):
                continue
            party = parties.get(_str(supplier.get("id"))) or {}
            name = _first_str(supplier.get("name"), party.get("name"))
            if name and name not in seen:
                # OCDS 1.0 suppliers are whole organisations, with their own address.
                address = _dict(party.get("address")) or _dict(supplier.get("address"))
                seen[name] = {"name": name, "country": _str(address.get("countryName"))}
    return list(seen.values())


def _value(awards: list[dict], contracts: list[dict], tender: dict) -> dict | None:
    for stage in (awards, contracts):
        values = [v for s in stage if isinstance(v := s.get("value"), dict) and _present(v)]
        if values:
            currencies = {_str(v.get("currency")) for v in values}
            amounts = [v["amount"] for v in values]
            if len(currencies) == 1 and all(isinstance(a, int | float) for a in amounts):
                return {"amount": sum(amounts), "currency": values[0].get("currency")}
            return {"amount": amounts[0], "currency": values[0].get("currency")}
    value = _dict(tender.get("value"))
    if _present(value):
        return {"amount": value["amount"], "currency": value.get("currency")}
    return None


def _present(value: dict) -> bool:
    """An amount that says something: publishers write 0 (or "") for a value not known yet,
    as CDMX does for pending awards."""
    amount = value.get("amount")
    if isinstance(amount, str):
        return bool(amount.strip())
    return amount is not None and amount != 0


def _period(contracts: list[dict]) -> dict | None:
    for contract in contracts:
        period = _dict(contract.get("period"))
        start, end = _str(period.get("startDate")), _str(period.get("endDate"))
        if start or end:
            return {"start": start, "end": end}
    return None


def _notice_url(tender: dict, awards: list[dict], contracts: list[dict]) -> str | None:
    documents = [*_list(tender.get("documents"))]
    for stage in (*awards, *contracts):
        documents.extend(_list(stage.get("documents")))
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
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _first_str(*values: Any) -> str | None:
    for value in values:
        text = _str(value)
        if text:
            return text
    return None
