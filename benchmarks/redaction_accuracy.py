"""Precision and recall of redaction on real documents, against labels written by reading them.

    .venv/bin/python benchmarks/redaction_accuracy.py [--show]

Four measurements (tests/fixtures/labels/redaction.yaml says how the labels were made):
- free text: names, e-mails and phones in the titles, descriptions and article texts the build
  publishes; recall over labelled items, precision over the spans the redactor removed;
- contact points: names as TED publishers wrote them, through ``redact_contact``;
- phone spellings: every phone and fax number in the recorded TED and OCDS documents, bare;
- names that must stay: vendors (with aliases), buyers and suppliers of the recorded documents.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.parsers import parse_document  # noqa: E402
from registry.normalise.redact import (  # noqa: E402
    PHONE_REPLACEMENT,
    redact_contact,
    redact_text,
    redactions,
)
from registry.normalise.vendors import load_vendors  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
LABELS = FIXTURES / "labels" / "redaction.yaml"
PLACES = {"snapshot": ROOT / "registry" / "demo_snapshot"}
DOCUMENTS = [
    *sorted((FIXTURES / "ted" / "ted-legacy").glob("*.xml")),
    *sorted((FIXTURES / "ocds").glob("*.json")),
    *sorted((FIXTURES / "labels" / "docs" / "ocds").glob("*.json")),
    *sorted((ROOT / "registry" / "demo_snapshot" / "contracts-finder").glob("search-page-*.json")),
]


def document_path(name: str) -> Path:
    head, _, rest = name.partition("/")
    return PLACES[head] / rest if head in PLACES else FIXTURES / name


def published_texts(path: Path) -> list[str]:
    """The free text of a document that the build publishes: titles, descriptions, article text."""
    if path.suffix == ".txt":
        lines = path.read_text("utf-8").split("\n", 2)
        return [lines[2] if len(lines) > 2 else ""]
    texts = []
    for item in parse_document(path.read_bytes()):
        texts += [item[key] for key in ("title", "description") if isinstance(item.get(key), str)]
    return texts


def free_text(labels: list[dict], show: bool) -> dict[str, float]:
    found = relevant = removed = correct = kept = keep_total = 0
    for entry in labels:
        texts = published_texts(document_path(entry["document"]))
        personal, keep = entry.get("personal") or [], entry.get("keep") or []
        for text in texts:
            spans = redactions(text)
            occurrences = [
                (m.start(), m.end(), item)
                for item in personal
                for m in re.finditer(rf"(?<!\w){re.escape(item)}(?!\w)", text)
            ]
            covered = {
                (s, e) for s, e, _ in occurrences if any(r.start <= s and e <= r.end for r in spans)
            }
            relevant += len(occurrences)
            found += len(covered)
            for s, e, item in occurrences:
                if (s, e) not in covered and show:
                    print(f"  missed  {entry['document']}: {item!r}")
            for span in spans:
                removed += 1
                hit = any(span.start < e and s < span.end for s, e, _ in occurrences)
                correct += hit
                if not hit and show:
                    piece = text[span.start : span.end]
                    print(f"  removed {entry['document']}: {piece!r} ({span.kind})")
            redacted = redact_text(text)
            for item in keep:
                if item in text:
                    keep_total += 1
                    kept += item in redacted
                    if item not in redacted and show:
                        print(f"  lost    {entry['document']}: {item!r}")
    return {
        "labelled items": relevant,
        "recall": found / relevant if relevant else 1.0,
        "spans removed": removed,
        "precision": correct / removed if removed else 1.0,
        "kept of must-stay": kept / keep_total if keep_total else 1.0,
    }


def contacts(labels: list[dict], show: bool) -> dict[str, float]:
    persons = [c["name"] for c in labels if c["person"]]
    others = [c["name"] for c in labels if not c["person"]]
    dropped = [name for name in persons if _name_survives(name) is False]
    kept = [name for name in others if redact_contact({"name": name})]
    if show:
        for name in set(persons) - set(dropped):
            print(f"  contact kept: {name!r}")
        for name in set(others) - set(kept):
            print(f"  office dropped: {name!r}")
    return {
        "persons": len(persons),
        "person names removed": len(dropped) / len(persons),
        "offices": len(others),
        "offices kept": len(kept) / len(others),
    }


def _name_survives(name: str) -> bool:
    published = json.dumps(redact_contact({"name": name}) or {}, ensure_ascii=False)
    given = name.replace(",", " ").split()[1 if name[:1].islower() or "." in name[:5] else 0]
    return given in published


def phone_spellings(show: bool) -> dict[str, float]:
    pattern = re.compile(
        r"<(?:PHONE|FAX)>([^<]+)<|\"(?:telephone|faxNumber)\":\s*\"([^\"]+)\"|"
        r"<cbc:(?:Telephone|Telefax)>([^<]+)<"
    )
    numbers = set()
    for path in DOCUMENTS:
        text = path.read_text("utf-8", errors="replace")
        for match in pattern.finditer(text):
            number = next(g for g in match.groups() if g)
            if sum(ch.isdigit() for ch in number) >= 6:
                numbers.add(number.strip())
    recognised = [n for n in numbers if redact_text(n) == PHONE_REPLACEMENT]
    if show:
        for number in sorted(numbers - set(recognised)):
            print(f"  phone not recognised bare: {number!r}")
    return {"numbers": len(numbers), "recognised bare": len(recognised) / len(numbers)}


def names_that_stay(show: bool) -> dict[str, float]:
    names = set()
    for vendor in load_vendors():
        names.add(vendor["name"])
        names.update(vendor.get("aliases") or [])
    pattern = re.compile(r"<OFFICIALNAME>([^<]+)<|\"name\":\s*\"([^\"]{3,120})\"")
    for path in DOCUMENTS:
        for match in pattern.finditer(path.read_text("utf-8", errors="replace")):
            names.add(next(g for g in match.groups() if g).strip())
    changed = sorted(n for n in names if redact_text(n) != n)
    if show:
        for name in changed:
            print(f"  changed: {name!r} -> {redact_text(name)!r}")
    return {"names": len(names), "unchanged": 1 - len(changed) / len(names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every miss and false hit")
    args = parser.parse_args()
    labels = yaml.safe_load(LABELS.read_text("utf-8"))
    for title, result in (
        ("free text", free_text(labels["texts"], args.show)),
        ("contact points", contacts(labels["contacts"], args.show)),
        ("phone spellings", phone_spellings(args.show)),
        ("organisation, vendor and buyer names", names_that_stay(args.show)),
    ):
        figures = ", ".join(
            f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()
        )
        print(f"{title:38} {figures}")


if __name__ == "__main__":
    main()
