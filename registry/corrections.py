"""The reviewed corrections file: suppress, merge, split and annotate, each with a reason and date.

``registry/reference/corrections.yaml`` is a list of entries such as::

    - action: suppress          # a takedown: the record is never written to registry.db
      record: contracts-finder/ocds-b5fd17-.../...
      reason: personal data in the description, reported by the buyer
      date: 2026-11-28
    - action: merge             # these deployments are one; the first id survives
      deployments: [d-0123456789abcdef, d-fedcba9876543210]
    - action: split             # this record is a deployment of its own
      record: ted/43489-2024
    - action: annotate          # a note shown on the deployment
      deployment: d-0123456789abcdef
      note: the contract was cancelled in 2025 (council minutes, 2025-03-02)

Every entry needs ``reason`` (annotate: ``note``) and ``date``; a malformed file fails the build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawlers.reference import reference_path

ACTIONS = {
    "suppress": ("record",),
    "merge": ("deployments",),
    "split": ("record",),
    "annotate": ("deployment", "note"),
}


class CorrectionsError(ValueError):
    """The corrections file is malformed; the build stops rather than publish without it."""


@dataclass
class Corrections:
    suppressed: dict[str, dict] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)
    splits: dict[str, dict] = field(default_factory=dict)
    notes: dict[str, list[dict]] = field(default_factory=dict)
    entries: list[dict] = field(default_factory=list)

    def merged_into(self) -> dict[str, str]:
        """Deployment id → the id it was merged into."""
        return {d: m["deployments"][0] for m in self.merges for d in m["deployments"][1:]}


def load_corrections(path: str | Path | None = None) -> Corrections:
    """Read and check the corrections file (the packaged one unless a path is given)."""
    if path is None:
        text = reference_path("corrections.yaml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    raw = yaml.safe_load(text) or []
    if not isinstance(raw, list):
        raise CorrectionsError("corrections.yaml must be a list of entries")
    corrections = Corrections()
    for number, entry in enumerate(raw, start=1):
        corrections.entries.append(_checked(entry, number))
        action = entry["action"]
        if action == "suppress":
            corrections.suppressed[entry["record"]] = entry
        elif action == "merge":
            corrections.merges.append(entry)
        elif action == "split":
            corrections.splits[entry["record"]] = entry
        else:
            corrections.notes.setdefault(entry["deployment"], []).append(entry)
    return corrections


def _checked(entry: Any, number: int) -> dict:
    if not isinstance(entry, dict) or entry.get("action") not in ACTIONS:
        raise CorrectionsError(f"entry {number}: action must be one of {', '.join(ACTIONS)}")
    for key in ACTIONS[entry["action"]]:
        if not entry.get(key):
            raise CorrectionsError(f"entry {number} ({entry['action']}): {key} is missing")
    if entry["action"] != "annotate" and not entry.get("reason"):
        raise CorrectionsError(f"entry {number} ({entry['action']}): reason is missing")
    if entry["action"] == "merge" and (
        not isinstance(entry["deployments"], list) or len(entry["deployments"]) < 2
    ):
        raise CorrectionsError(f"entry {number} (merge): name at least two deployments")
    date = entry.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = None
    if not isinstance(date, dt.date):
        raise CorrectionsError(f"entry {number} ({entry['action']}): date must be YYYY-MM-DD")
    return {**entry, "date": date.isoformat()}
