"""CPV codes as sources write them ("32323500-0", "CPV: 32323500") to 8 digits."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from typing import Any

from crawlers.reference import reference_path

# The 8-digit code, an optional check digit, then an optional label ("32323500-0 Video...").
_CODE = re.compile(r"\s*(?:CPV\s*(?:code)?\s*[:#]?\s*)?(\d{8})(?:\s*-\s*\d)?(?!\d)", re.IGNORECASE)


def normalise_cpv(raw: Any) -> str | None:
    """The 8-digit CPV code, or None when `raw` is not a code of a real CPV division."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = f"{raw:08d}"  # JSON sources drop the leading zero of division 03 codes
    if not isinstance(raw, str) or len(raw) > 500:
        return None
    match = _CODE.match(raw)
    if not match or match.group(1)[:2] not in _divisions():
        return None
    return match.group(1)


def normalise_cpvs(raw: Any) -> list[str]:
    """Valid 8-digit codes of a list (or a single code), de-duplicated, in their first order."""
    if raw is None:
        return []
    if isinstance(raw, str | int):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return []
    return list(dict.fromkeys(code for item in raw if (code := normalise_cpv(item))))


@lru_cache(maxsize=1)
def _divisions() -> frozenset[str]:
    with reference_path("cpv-divisions.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["division"] for row in csv.DictReader(handle))
