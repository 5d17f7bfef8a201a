"""Precision and recall per field against the hand-labelled set in tests/fixtures/labels/.

    .venv/bin/python benchmarks/accuracy.py [--errors] [--threshold 0.5]

Fields: vendor and technology (registry.normalise.vendors / technologies), country and city
(registry.normalise.countries / places) for records whose buyer or place is structured. Article
texts go through registry.normalise.announcement when it exists (it adds the vendor of the site
that published the page and the places named in the text); without it their country and city
labels are not scored. Scores are micro-averaged over (record, value) pairs.

    --speed   also time classify() on 500-character notice texts (calls/s)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.normalise.technologies import classify  # noqa: E402
from registry.normalise.vendors import resolve_vendor, vendors_in_text  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "labels"
FIELDS = ("vendors", "technologies", "country", "cities")

try:
    from registry.normalise.announcement import normalise_announcement
except ImportError:  # written by another engineer: fall back on the vendor/technology modules
    normalise_announcement = None  # type: ignore[assignment]
try:
    from registry.normalise.countries import to_alpha2
    from registry.normalise.places import resolve_place
except ImportError:  # another engineer's modules: score vendor/technology without them
    to_alpha2 = resolve_place = None  # type: ignore[assignment]


def _text(*parts: Any) -> str:
    return ". ".join(" ".join(str(p).split()) for p in parts if p)


def _city(name: Any, country: str | None, region: str | None = None) -> list[str]:
    if resolve_place is None or not name:
        return []
    place = resolve_place(name, country, region=region)
    return [place.city] if place else []


@cache
def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _record(doc: str, record: str | None) -> dict[str, Any]:
    """The fields a build would give the classifiers: text, cpv, suppliers, country, city."""
    path = LABELS / "docs" / doc
    if path.suffix == ".txt":  # line 1 is the page URL
        url, text = path.read_text(encoding="utf-8").split("\n", 1)
        if normalise_announcement is None:
            return {"text": text}
        return {"text": text, "announcement": normalise_announcement({"url": url, "text": text})}
    if path.suffix == ".csv":
        return _atlas(path, record)
    if path.suffix == ".xml":
        return _ted_xml(path)
    data = _json(path)
    if "notices" in data:
        return _ted_api(data, record)
    return _ocds(data, record)


def _atlas(path: Path, record: str | None) -> dict[str, Any]:
    with path.open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["AOSNUMBER"] == record)
    # Atlas of Surveillance covers US agencies only: State is a US state code.
    return {
        "text": _text(row["Technology"], row["Summary"]),
        "suppliers": [row["Vendor"]] if row["Vendor"] else [],
        "context": row["Technology"],
        "country": "US",
        "cities": _city(row["City"], "US", row["State"]),
    }


def _ocds(data: dict[str, Any], record: str | None) -> dict[str, Any]:
    releases = data.get("releases") or [data]
    release = next((r for r in releases if r.get("id") == record), releases[0])
    tender = release.get("tender") or {}
    cpv = [(tender.get("classification") or {}).get("id")]
    cpv += [(i.get("classification") or {}).get("id") for i in tender.get("items") or []]
    buyer_id = (release.get("buyer") or {}).get("id")
    address: dict[str, Any] = {}
    for party in release.get("parties") or []:
        if party.get("id") == buyer_id or "buyer" in (party.get("roles") or []):
            address = party.get("address") or {}
            break
    # Scottish and Welsh publishers give a NUTS region ("UKM83") instead of a country name.
    raw_country = address.get("countryName") or (address.get("region") or "")[:2]
    country = to_alpha2(raw_country) if to_alpha2 and raw_country else None
    return {
        "text": _text(tender.get("title"), tender.get("description")),
        "cpv": [c for c in cpv if c],
        "suppliers": [
            s.get("name") for a in release.get("awards") or [] for s in a.get("suppliers") or []
        ],
        "context": tender.get("title"),
        "country": country,
        "cities": _city(address.get("locality"), country),
    }


def _ted_api(data: dict[str, Any], record: str | None) -> dict[str, Any]:
    number, _, part = (record or "").partition("/")
    notice = next(n for n in data["notices"] if n["publication-number"] == number)
    if part.startswith("title:"):  # one language of the title alone: a keyword test
        return {"text": notice["notice-title"][part[6:]], "language": part[6:]}
    country = to_alpha2((notice.get("buyer-country") or [""])[0]) if to_alpha2 else None
    cities = [
        city
        for raw in notice.get("place-of-performance-city-lot") or []
        for name in raw.replace(" i ", ",").split(",")
        for city in _city(name.strip(), country)
    ]
    winners = [w for names in (notice.get("winner-name") or {}).values() for w in names]
    return {
        "text": _text(notice["notice-title"].get("eng"), *notice["description-proc"].values()),
        "cpv": notice.get("classification-cpv") or [],
        "suppliers": winners,
        "country": country,
        "cities": cities,
    }


def _ted_xml(path: Path) -> dict[str, Any]:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    root = root.getroot()

    def texts(xpath: str) -> list[str]:
        return [" ".join(t.split()) for t in root.xpath(xpath) if t and t.strip()]

    if root.tag.endswith("TED_EXPORT"):
        form = root.xpath("//*[local-name()='FORM_SECTION']/*[@CATEGORY='ORIGINAL']")[0]
        title = " ".join(
            form.xpath(".//*[local-name()='OBJECT_CONTRACT']/*[local-name()='TITLE']//text()")
        )
        descr = form.xpath(".//*[local-name()='SHORT_DESCR']//text()")
        cpv = [e.get("CODE") for e in form.iter("{*}CPV_CODE")]
        buyer = form.xpath(".//*[local-name()='ADDRESS_CONTRACTING_BODY']")[0]
        country = buyer.xpath("string(*[local-name()='COUNTRY']/@VALUE)")
        town = buyer.xpath("string(*[local-name()='TOWN'])")
        text = _text(title, " ".join(descr))
    else:
        project = "//*[local-name()='ProcurementProject']"
        text = _text(
            (texts(f"{project}/*[local-name()='Name']/text()") or [""])[0],
            (texts(f"{project}/*[local-name()='Description']/text()") or [""])[0],
        )
        cpv = texts("//*[local-name()='ItemClassificationCode']/text()")
        org = "//*[local-name()='Organization'][1]//*[local-name()='PostalAddress'][1]"
        country = (
            texts(f"{org}/*[local-name()='Country']/*[local-name()='IdentificationCode']/text()")
            or [""]
        )[0]
        town = (texts(f"{org}/*[local-name()='CityName']/text()") or [""])[0]
    country = to_alpha2(country) if to_alpha2 and country else None
    return {"text": text, "cpv": cpv, "country": country, "cities": _city(town, country)}


def predict(record: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Field values the normalisers give for one record."""
    if announcement := record.get("announcement"):
        confidence = announcement["technology_confidence"]
        places = announcement["places"]
        return {
            "vendors": set(announcement["vendors"]),
            "technologies": {t for t, c in confidence.items() if c >= threshold},
            "country": {p["country"] for p in places if p.get("country")},
            "cities": {p["city"] for p in places if p.get("city")},
        }
    vendors = [
        v for s in record.get("suppliers", []) if (v := resolve_vendor(s, record.get("context")))
    ]
    vendors += vendors_in_text(record["text"])
    technologies = classify(record.get("cpv", []), record["text"], record.get("language"))
    return {
        "vendors": set(vendors),
        "technologies": {t for t, confidence in technologies if confidence >= threshold},
        "country": record.get("country"),
        "cities": set(record.get("cities", [])),
    }


def _as_set(value: Any, fold: Callable[[str], str]) -> set[str]:
    if value is None:
        return set()
    values = value if isinstance(value, list | set) else [value]
    return {fold(v) for v in values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every false positive/negative")
    parser.add_argument("--threshold", type=float, default=0.5, help="technology confidence")
    parser.add_argument("--speed", action="store_true", help="time classify() too")
    args = parser.parse_args()
    if args.speed:
        speed()

    labels = yaml.safe_load((LABELS / "labels.yaml").read_text(encoding="utf-8"))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    labelled: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    for item in labels:
        record = _record(item["doc"], item.get("record"))
        predicted = predict(record, args.threshold)
        for field in FIELDS:
            if field not in item:
                continue
            has_place = "country" in record or "announcement" in record
            if field in ("country", "cities") and (to_alpha2 is None or not has_place):
                continue  # no structured place in free text: not scored
            fold = str.casefold if field == "cities" else str
            expected = _as_set(item[field], fold)
            got = _as_set(predicted[field], fold)
            labelled[field] += max(1, len(expected))
            tp = len(expected & got)
            counts[field][0] += tp
            counts[field][1] += len(got - expected)
            counts[field][2] += len(expected - got)
            if got != expected:
                where = item["doc"] + (f" [{item['record']}]" if item.get("record") else "")
                errors.append(
                    f"{field:12} {where}\n    missed {sorted(expected - got)} "
                    f"extra {sorted(got - expected)}"
                )
    print(f"{'field':14}{'labels':>8}{'precision':>11}{'recall':>9}{'tp':>6}{'fp':>5}{'fn':>5}")
    for field in FIELDS:
        tp, fp, fn = counts[field]
        if not labelled[field]:
            print(f"{field:14}{'not scored':>8}")
            continue
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(
            f"{field:14}{labelled[field]:>8}{precision:>11.3f}{recall:>9.3f}{tp:>6}{fp:>5}{fn:>5}"
        )
    if args.errors:
        print("\n".join(["", "errors:", *errors]))


def speed(calls: int = 50_000) -> None:
    """classify() calls per second on 500-character notice texts, half of them surveillance."""
    texts = [
        (
            "Supply, installation and maintenance of a CCTV system for the town centre including "
            "ANPR cameras, network video recorders and an upgrade of the control room. ",
            ["32323500"],
        ),
        (
            "Przedmiotem zamówienia jest dostawa urządzeń do rozbudowy systemu monitoringu "
            "wizyjnego wraz z montażem kamer i rejestratorów w budynkach urzędu. ",
            ["32323500"],
        ),
        (
            "The council invites tenders for grounds maintenance across parks, cemeteries and "
            "highway verges, including grass cutting, hedge trimming and litter picking. ",
            ["77310000"],
        ),
        (
            "Lieferung von Öko-Strom für die Bundesbank im Zeitraum 01/2024 bis 12/2026 als "
            "Tranchenmodell mit Herkunftsnachweisen aus erneuerbaren Energien. ",
            ["09310000"],
        ),
    ]
    samples = [((text * 5)[:500], cpv) for text, cpv in texts]
    for text, cpv in samples:
        classify(cpv, text)
    start = time.perf_counter()
    for i in range(calls):
        text, cpv = samples[i % len(samples)]
        classify(cpv, text)
    elapsed = time.perf_counter() - start
    print(
        f"classify: {calls / elapsed:,.0f} calls/s on 500-character texts "
        f"({elapsed / calls * 1e6:.1f} us/call; 1M notices in {elapsed / calls * 1e6:.0f} s)\n"
    )


if __name__ == "__main__":
    main()
