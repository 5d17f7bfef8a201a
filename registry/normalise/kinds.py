"""The normaliser of each kind of record, imported only when a record of that kind needs it.

Reading an announcement costs its extractors' imports (places in text, quantities, nine
languages); one notice, parsed from the command line, need not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

# Any other kind, or none, is read as a notice: normalise_record says what is missing.
NORMALISERS = {
    "announcement": ("registry.normalise.announcement", "normalise_announcement"),
    "dataset_row": ("registry.normalise.dataset_row", "normalise_dataset_row"),
    "vulnerability": ("registry.normalise.vulnerability", "normalise_vulnerability"),
}
NOTICE = ("registry.normalise.record", "normalise_record")


def normaliser(kind: Any) -> Callable[[dict], dict]:
    """The function that normalises an item of ``kind``."""
    return _normaliser(kind if isinstance(kind, str) else None)


@cache
def _normaliser(kind: str | None) -> Callable[[dict], dict]:
    module, name = NORMALISERS.get(kind or "", NOTICE)
    function: Callable[[dict], dict] = getattr(import_module(module), name)
    return function
