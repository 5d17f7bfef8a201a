"""Precision and recall per field and per family (OCDS, TED) of the published notice records,
on the held-out documents of benchmarks/heldout/ (no test uses them).

    .venv/bin/python benchmarks/notice_accuracy.py [--errors]

Each document goes through what `survreg parse` runs: the format is detected, the parser reads
it and the record normaliser publishes it; `surveillance` is the build's relevance decision.
A labelled value the record gets right is a true positive; a wrong or extra value a false
positive; a labelled value missed a false negative (sets count element by element). `exact` is
the share of labelled records whose field is exactly right, "none" labels included.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawlers.parsers import parse_document  # noqa: E402
from registry.normalise.record import normalise_record  # noqa: E402
from registry.relevance import plausible_notice  # noqa: E402

HELDOUT = ROOT / "benchmarks" / "heldout"
FIELDS = (
    "notice_type",
    "buyer",
    "country",
    "city",
    "cpv",
    "value",
    "published",
    "suppliers",
    "surveillance",
)
SETS = ("cpv", "suppliers")


def _fold(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def _value(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, str):
        amount, currency = value.rsplit(" ", 1)
        return f"{float(amount):.2f} {currency}"
    return f"{float(value['amount']):.2f} {value['currency']}"


def observed(item: dict, record: dict) -> dict[str, Any]:
    """The labelled fields of one published record."""
    return {
        "notice_type": record["notice_type"],
        "buyer": record["buyer"]["name"] or None,
        "country": record["buyer"]["country"],
        "city": record["buyer"]["city"],
        "cpv": record["cpv"],
        "value": record["value"],
        "published": (record["published"] or "")[:10] or None,
        "suppliers": [s["name"] for s in record["suppliers"]],
        "surveillance": plausible_notice(item),
    }


def normalised(field: str, value: Any) -> Any:
    if field in SETS:
        return {_fold(v) for v in value or []}
    if field == "value":
        return _value(value)
    if value is None or isinstance(value, bool):
        return value
    return _fold(value)


def records(doc: str) -> dict[str, tuple[dict, dict]]:
    """(item, published record) of every notice of a document, by source_id."""
    data = (HELDOUT / doc).read_bytes()
    return {item["source_id"]: (item, normalise_record(item)) for item in parse_document(data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong field")
    args = parser.parse_args()

    labels = yaml.safe_load((HELDOUT / "labels.yaml").read_text(encoding="utf-8"))
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    errors: list[str] = []
    documents: dict[str, dict] = {}
    for label in labels:
        if label["doc"] not in documents:
            documents[label["doc"]] = records(label["doc"])
        item, record = documents[label["doc"]][label["record"]]
        got = observed(item, record)
        for field in FIELDS:
            if field not in label:
                continue
            expected, actual = normalised(field, label[field]), normalised(field, got[field])
            tally = counts[(label["family"], field)]  # tp, fp, fn, exact, labelled
            tally[4] += 1
            tally[3] += expected == actual
            if field in SETS:
                tally[0] += len(expected & actual)
                tally[1] += len(actual - expected)
                tally[2] += len(expected - actual)
            elif expected == actual:
                tally[0] += expected is not None
            else:
                tally[1] += actual is not None
                tally[2] += expected is not None
            if expected != actual:
                errors.append(
                    f"{label['family']:5} {field:12} {label['record']}: "
                    f"expected {expected!r}, got {actual!r}"
                )

    families = sorted({family for family, _ in counts})
    print(f"{'family':7}{'field':14}{'labels':>7}{'precision':>11}{'recall':>8}{'exact':>8}")
    for family in families:
        totals = [0, 0, 0, 0, 0]
        for field in FIELDS:
            tp, fp, fn, exact, labelled = counts.get((family, field), [0, 0, 0, 0, 0])
            if not labelled:
                continue
            totals = [a + b for a, b in zip(totals, (tp, fp, fn, exact, labelled), strict=True)]
            print(
                f"{family:7}{field:14}{labelled:>7}{_ratio(tp, tp + fp):>11}"
                f"{_ratio(tp, tp + fn):>8}{_ratio(exact, labelled):>8}"
            )
        tp, fp, fn, exact, labelled = totals
        print(
            f"{family:7}{'ALL FIELDS':14}{labelled:>7}{_ratio(tp, tp + fp):>11}"
            f"{_ratio(tp, tp + fn):>8}{_ratio(exact, labelled):>8}\n"
        )
    if args.errors:
        print("\n".join(["errors:", *errors]))


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "-"


if __name__ == "__main__":
    main()
