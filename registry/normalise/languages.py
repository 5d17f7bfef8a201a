"""Language codes as sources write them ("ENG", "eng", "EN", "en-GB", "German") to ISO 639-1."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

_PRIMARY_SUBTAG = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def to_iso639_1(raw: Any) -> str | None:
    """ISO 639-1 code for an ISO 639-1/-2 (T or B) code, a BCP 47 tag or an English name."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    return _lookup(raw.strip().casefold())


@lru_cache(maxsize=512)
def _lookup(key: str) -> str | None:
    if match := _PRIMARY_SUBTAG.match(key):
        key = match.group(1)
    return _index().get(key)


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    # pycountry's own ISO 639-3 table, read as JSON: building its 7,900 language objects and
    # their indexes costs a tenth of a second that one lookup per record never needs.
    with open(Path(pycountry.DATABASE_DIR) / "iso639-3.json", encoding="utf-8") as handle:
        entries = json.load(handle)[pycountry.languages.root_key]
    for language in entries:
        alpha_2 = language.get("alpha_2")
        if not alpha_2:
            continue
        for key in ("alpha_2", "alpha_3", "bibliographic", "name"):
            if value := language.get(key):
                index.setdefault(value.casefold(), alpha_2)
    return index
