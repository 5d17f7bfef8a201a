"""Precision and recall of the announcement facts against expectations written by reading.

    .venv/bin/python benchmarks/announcement_accuracy.py [--set NAME] [--show]

Sets: ``development`` (tests/fixtures/articles/, the articles the tests use), ``heldout`` and
``heldout-2`` to ``heldout-10`` (benchmarks/heldout/articles*/: real articles in nine languages
kept apart from the tests, each labelled before the extraction ran on it; each set was gathered
after the one before had been scored). Places are scored as gazetteer places
(a label "Nürnberg" is the gazetteer's Nuremberg) and as countries alone; quantities as
(count, what) and again with their status (installed, planned, needed).
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
from registry.normalise.places import resolve_place  # noqa: E402

SETS = {
    "development": ROOT / "tests" / "fixtures" / "articles",
    "heldout": ROOT / "benchmarks" / "heldout" / "articles",
    "heldout-2": ROOT / "benchmarks" / "heldout" / "articles-2",
    "heldout-3": ROOT / "benchmarks" / "heldout" / "articles-3",
    "heldout-4": ROOT / "benchmarks" / "heldout" / "articles-4",
    "heldout-5": ROOT / "benchmarks" / "heldout" / "articles-5",
    "heldout-6": ROOT / "benchmarks" / "heldout" / "articles-6",
    "heldout-7": ROOT / "benchmarks" / "heldout" / "articles-7",
    "heldout-8": ROOT / "benchmarks" / "heldout" / "articles-8",
    "heldout-9": ROOT / "benchmarks" / "heldout" / "articles-9",
    "heldout-10": ROOT / "benchmarks" / "heldout" / "articles-10",
}
FIELDS = (
    "vendors",
    "places",
    "place countries",
    "technologies",
    "quantities",
    "quantity status",
    "value",
)


def place_key(city: str | None, country: str) -> tuple[str | None, str]:
    """A labelled or extracted place as (gazetteer id or folded name, country)."""
    if not city:
        return None, country
    place = resolve_place(city, country)
    if place and fold(place.city) in (fold(city), fold(place.city)) and _same(place.city, city):
        return place.id, country
    return fold(city), country


def _same(gazetteer: str, written: str) -> bool:
    place = resolve_place(written, None)
    return fold(gazetteer) == fold(written) or bool(place and fold(place.city) == fold(gazetteer))


def facts(record: dict) -> dict[str, set]:
    value = record["value"]
    return {
        "vendors": set(record["vendors"]),
        "places": {place_key(p["city"], p["country"]) for p in record["places"]},
        "place countries": {p["country"] for p in record["places"]},
        "technologies": set(record["technologies"]),
        "quantities": {(q["count"], q["of"]) for q in record["quantities"]},
        "quantity status": {(q["count"], q["of"], q["status"]) for q in record["quantities"]},
        "value": {(round(float(value["amount"]), 2), value["currency"])} if value else set(),
    }


def expected_facts(entry: dict) -> dict[str, set]:
    value = entry["value"]
    quantities = [(q[0], q[1], q[2] if len(q) > 2 else "installed") for q in entry["quantities"]]
    return {
        "vendors": set(entry["vendors"]),
        "places": {place_key(c, k) for c, k in entry["places"]},
        "place countries": {k for _, k in entry["places"]},
        "technologies": set(entry["technologies"]),
        "quantities": {(n, of) for n, of, _ in quantities},
        "quantity status": set(quantities),
        "value": {(round(float(value[0]), 2), value[1])} if value else set(),
    }


def score(directory: Path, show: bool) -> dict[str, list[int]]:
    expected = yaml.safe_load((directory / "expected.yaml").read_text("utf-8"))
    counts = {field: [0, 0, 0] for field in FIELDS}  # true positives, found, expected
    for name, entry in sorted(expected.items()):
        item = next(article.parse((directory / name).read_bytes(), format="text-article"))
        got, want = facts(normalise_announcement(item)), expected_facts(entry)
        for field in FIELDS:
            counts[field][0] += len(got[field] & want[field])
            counts[field][1] += len(got[field])
            counts[field][2] += len(want[field])
            if show and got[field] != want[field]:
                print(
                    f"{name} {field}: extra {sorted(got[field] - want[field], key=str)} "
                    f"missed {sorted(want[field] - got[field], key=str)}"
                )
    print(f"{len(expected)} articles in {directory.relative_to(ROOT)}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=sorted(SETS), default="development")
    parser.add_argument("--show", action="store_true", help="print each file's misses")
    args = parser.parse_args()
    counts = score(SETS[args.set], args.show)
    print(f"{'field':<16} {'precision':>9} {'recall':>7} {'tp/found/expected':>18}")
    total = [0, 0, 0]
    for field, (tp, found, wanted) in counts.items():
        precision = tp / found if found else 1.0
        recall = tp / wanted if wanted else 1.0
        print(f"{field:<16} {precision:>9.2f} {recall:>7.2f} {f'{tp}/{found}/{wanted}':>18}")
        if field not in ("place countries", "quantity status"):  # counted once each
            total = [t + c for t, c in zip(total, (tp, found, wanted), strict=True)]
    tp, found, wanted = total
    share = f"{tp}/{found}/{wanted}"
    print(f"{'all facts':<16} {tp / found:>9.2f} {tp / wanted:>7.2f} {share:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
