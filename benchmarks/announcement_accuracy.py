"""Precision and recall of the announcement facts against expectations written by reading.

    .venv/bin/python benchmarks/announcement_accuracy.py [--show]

Reads tests/fixtures/articles/*.txt and expected.yaml; places are scored twice: as (city,
country) and as country alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.parsers import article  # noqa: E402
from registry.normalise.announcement import normalise_announcement  # noqa: E402
from registry.normalise.countries import fold  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "articles"
FIELDS = ("vendors", "places", "place countries", "technologies", "quantities", "value")


def facts(record: dict) -> dict[str, set]:
    value = record["value"]
    return {
        "vendors": set(record["vendors"]),
        "places": {
            (fold(p["city"]) if p["city"] else None, p["country"]) for p in record["places"]
        },
        "place countries": {p["country"] for p in record["places"]},
        "technologies": set(record["technologies"]),
        "quantities": {(q["count"], q["of"]) for q in record["quantities"]},
        "value": {(round(float(value["amount"]), 2), value["currency"])} if value else set(),
    }


def expected_facts(entry: dict) -> dict[str, set]:
    value = entry["value"]
    return {
        "vendors": set(entry["vendors"]),
        "places": {(fold(c) if c else None, k) for c, k in entry["places"]},
        "place countries": {k for _, k in entry["places"]},
        "technologies": set(entry["technologies"]),
        "quantities": {(n, of) for n, of in entry["quantities"]},
        "value": {(round(float(value[0]), 2), value[1])} if value else set(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="print each file's misses")
    args = parser.parse_args()
    expected = yaml.safe_load((FIXTURES / "expected.yaml").read_text("utf-8"))
    counts = {field: [0, 0, 0] for field in FIELDS}  # true positives, found, expected
    for name, entry in sorted(expected.items()):
        item = next(article.parse((FIXTURES / name).read_bytes(), format="text-article"))
        got, want = facts(normalise_announcement(item)), expected_facts(entry)
        for field in FIELDS:
            counts[field][0] += len(got[field] & want[field])
            counts[field][1] += len(got[field])
            counts[field][2] += len(want[field])
            if args.show and got[field] != want[field]:
                print(
                    f"{name} {field}: extra {sorted(got[field] - want[field], key=str)} "
                    f"missed {sorted(want[field] - got[field], key=str)}"
                )
    print(f"{len(expected)} articles")
    print(f"{'field':<16} {'precision':>9} {'recall':>7} {'tp/found/expected':>18}")
    for field, (tp, found, wanted) in counts.items():
        precision = tp / found if found else 1.0
        recall = tp / wanted if wanted else 1.0
        print(f"{field:<16} {precision:>9.2f} {recall:>7.2f} {f'{tp}/{found}/{wanted}':>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
