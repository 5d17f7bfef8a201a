"""The reviewed list of sources and their licences (registry/reference/sources.yaml)."""

from __future__ import annotations

from functools import cache

import yaml

from crawlers.reference import reference_path


@cache
def load_sources() -> dict[str, dict]:
    """Source id → its name, licence and terms."""
    text = reference_path("sources.yaml").read_text("utf-8")
    return {entry["id"]: entry for entry in yaml.safe_load(text)}


def licence_of(source: str) -> str:
    """The licence a source's rows carry; unknown sources say so rather than guess."""
    entry = load_sources().get(source)
    return entry["licence"] if entry else "unknown: see the source document"
