"""Reference data as data files: the reviewed YAML/CSV of registry/reference/, beside this package.

The crawl reads them as data, never as registry code (the TED query takes the taxonomy's CPV
codes); the registry reads them through ``reference_path`` too. ``SURVREG_REFERENCE`` names a
directory whose files take the place of the packaged ones of the same name, so a maintainer can
try a taxonomy or vendor change on the real crawl store with a rebuild before it ships.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "registry" / "reference"


def reference_path(name: str) -> Path:
    """The file of that name: the override's if it has one, else the packaged one."""
    override = os.environ.get("SURVREG_REFERENCE")
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    return REFERENCE_DIR / name


def read_text(name: str) -> str:
    return reference_path(name).read_text(encoding="utf-8")


@cache
def load(name: str) -> Any:
    """A YAML reference file, parsed."""
    # Imported here: a crawl loads every spider module, and most never read a reference file.
    import yaml

    # libyaml's safe loader when PyYAML has it: the same result, a fraction of the start-up.
    return yaml.load(read_text(name), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def taxonomy_cpv_codes(min_weight: float = 0.0) -> tuple[str, ...]:
    """The taxonomy's CPV codes whose weight is at least ``min_weight``, in taxonomy order."""
    codes = (
        rule["code"]
        for tech in load("taxonomy.yaml")["technologies"]
        for rule in tech.get("cpv") or []
        if rule["weight"] >= min_weight
    )
    return tuple(dict.fromkeys(codes))
