"""Chinese names in both scripts: the reference lists write them in Simplified script."""

from __future__ import annotations

import csv
import itertools
from functools import cache

from crawlers.reference import reference_path

MAX_FORMS = 8
SAMPLE = 3000  # Traditional spellings of one name, each character's forms combined


def simplified(text: str) -> str:
    """``text`` with the Traditional characters of cn-traditional-characters.csv in Simplified
    script (one character for one, so offsets are kept): "綏江縣" is 绥江县."""
    return text.translate(_simplified_table())


def in_traditional_script(text: str) -> bool:
    """Whether the text's first SAMPLE characters use more Traditional-only characters (縣, 區,
    華) than Simplified-only ones (县, 区, 华): Taiwan's and Hong Kong's script."""
    table = _simplified_table()
    sample = text[:SAMPLE]
    traditional = sum(1 for char in sample if ord(char) in table)
    simple = sum(1 for char in sample if char in _simplified_only())
    return traditional > simple


def traditional_forms(name: str) -> list[str]:
    """The Traditional spellings of a Simplified ``name`` ("华为": 華為, 爲 is a variant of 為)."""
    # Each character's Traditional forms come before itself: the wholly Traditional form first.
    options = [(*_traditional_table().get(char, ()), char) for char in name]
    forms = ("".join(chars) for chars in itertools.product(*options))
    return [form for form in itertools.islice(forms, MAX_FORMS) if form != name]


@cache
def _simplified_table() -> dict[int, str]:
    path = reference_path("cn-traditional-characters.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {ord(r["traditional"]): r["simplified"] for r in csv.DictReader(handle)}


@cache
def _simplified_only() -> frozenset[str]:
    table = _simplified_table()
    return frozenset(char for char in table.values() if ord(char) not in table)


@cache
def _traditional_table() -> dict[str, tuple[str, ...]]:
    forms: dict[str, tuple[str, ...]] = {}
    for traditional, simple in _simplified_table().items():
        forms[simple] = (*forms.get(simple, ()), chr(traditional))
    return forms
