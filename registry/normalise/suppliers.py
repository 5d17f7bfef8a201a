"""Supplier names as notices write them, folded to one key per firm and resolved to a vendor.

"RELIANCE HIGH-TECH LIMITED", "Reliance High Tech Ltd." and "reliance hightech ltd" are one
supplier (case, punctuation, spacing and the legal forms of vendors.yaml's ``legal_suffixes``
folded); a supplier that is a known vendor carries its vendor id.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from crawlers.reference import load
from registry.normalise.vendors import resolve_vendor

MAX_CHARS = 300
_NON_WORD = re.compile(r"[\W_]+")
_TRADING_AS = re.compile(r"\s+(?:t/a|trading as)\s+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def supplier_key(name: str) -> str | None:
    """The folded core of a firm's name ("reliancehightech"): its id, or None for no name."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_CHARS:
        return None
    # "WCL UK Ltd t/a Everything ICT": the firm is the one that trades under the other name.
    name = _TRADING_AS.split(name)[0]
    text = unicodedata.normalize("NFKD", name.casefold().replace("&", " and "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    tokens = _NON_WORD.sub(" ", text).split()
    changed = True
    while changed:
        changed = False
        for suffix in _suffixes():
            if len(tokens) > len(suffix) and tuple(tokens[-len(suffix) :]) == suffix:
                tokens, changed = tokens[: -len(suffix)], True
                break
    return "".join(tokens) or None


def supplier_vendor(name: str, context: str | None = None) -> str | None:
    """The known vendor a supplier is, if it is one."""
    return resolve_vendor(name, context)


@cache
def _suffixes() -> tuple[tuple[str, ...], ...]:
    forms = load("vendors.yaml")["legal_suffixes"]
    items = {tuple(_NON_WORD.sub(" ", form.casefold()).split()) for form in forms}
    return tuple(sorted((s for s in items if s), key=len, reverse=True))
