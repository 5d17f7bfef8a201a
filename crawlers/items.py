"""What an item must carry before it is stored (the shapes are in ITEMS.md)."""

from __future__ import annotations

KINDS = ("notice", "announcement", "dataset_row", "vulnerability")
NOTICE_TYPES = ("tender", "award", "prior-information", "modification", "other")


def item_problems(item: dict) -> list[str]:
    """Reasons an item cannot be stored; empty when it can."""
    problems = []
    if item.get("kind") not in KINDS:
        problems.append(f"unknown kind {item.get('kind')!r}")
    for key in ("source", "source_id"):
        if not isinstance(item.get(key), str) or not item.get(key):
            problems.append(f"no {key}")
    if item.get("kind") == "notice":
        if item.get("notice_type") not in NOTICE_TYPES:
            problems.append(f"unknown notice_type {item.get('notice_type')!r}")
        if not isinstance(item.get("title"), str):
            problems.append("no title")
    return problems


def missing_date(item: dict) -> bool:
    """True when the item has no publication date (stored, but counted)."""
    return not item.get("published")
