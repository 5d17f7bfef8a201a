"""What an item must carry before it is stored, and the batch that carries a page's records
(the shapes are in ITEMS.md)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("notice", "announcement", "dataset_row", "vulnerability")
# The key under which a stored record keeps an OCDS release as its publisher wrote it; the build
# maps it onto a notice (crawlers/parsers/ocds.py ``stored_item``).
RELEASE_KEY = "ocds_release"


class StoredJson(bytes):
    """JSON text that the crawl store writes into a record as it is, never parsed again."""

    __slots__ = ()


NOTICE_TYPES = ("tender", "award", "prior-information", "modification", "other")


@dataclass
class RecordBatch:
    """The records of one document, passed through Scrapy as one item.

    Scrapy's machinery costs about as much per item (spider middlewares, pipelines, signals,
    the log formatter) as parsing a release does, so a page of 100 releases pays it once.
    The pipelines take each record as they would a record item of its own.
    """

    records: list[dict]


def records_of(item: dict | RecordBatch) -> list[dict]:
    """The records an item carries: a batch's, or the item itself."""
    return item.records if isinstance(item, RecordBatch) else [item]


def item_problems(item: dict) -> list[str]:
    """Reasons an item cannot be stored; empty when it can."""
    problems = []
    if item.get("kind") not in KINDS:
        problems.append(f"unknown kind {item.get('kind')!r}")
    for key in ("source", "source_id"):
        if not isinstance(item.get(key), str) or not item.get(key):
            problems.append(f"no {key}")
    # A stored OCDS release is mapped onto a notice by the build (ocds.stored_item).
    if item.get("kind") == "notice" and RELEASE_KEY not in item:
        if item.get("notice_type") not in NOTICE_TYPES:
            problems.append(f"unknown notice_type {item.get('notice_type')!r}")
        if not isinstance(item.get("title"), str):
            problems.append("no title")
    return problems


def missing_date(item: dict) -> bool:
    """True when the item has no publication date (stored, but counted)."""
    return not item.get("published")
