"""Records/s of normalise_record on synthetic notices, for the 1M-notice rebuild estimate.

    .venv/bin/python benchmarks/bench_normalise.py [--records 20000] [--no-linkers]

Three runs: fast-path dates (ISO, compact, numeric), dateparser dates (other languages), and a
realistic mix (1 in 50 dates needs dateparser). `--no-linkers` swaps the vendor and technology
modules for no-op stubs, to time this library alone.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import types

FAST_DATES = [
    "2023-09-09+01:00",
    "2022-10-20T09:43:52+01:00",
    "20200415",
    "12.03.2024",
    "2025-01-23T16:10:39Z",
    "9 September 2023",
]
SLOW_DATES = [
    ("12. März 2024", ["de"]),
    ("3 mai 2023", ["fr"]),
    ("12 marca 2024", ["pl"]),
    ("5 de junio de 2023", ["es"]),
    ("21 settembre 2022", ["it"]),
]
CITIES = [
    ("Doncaster", "ENG"),
    ("SWINDON", "GB"),
    ("Cambridge", "US"),
    ("München", "DEU"),
    ("Paris 75001", "FR"),
    ("Warszawa", "PL"),
    ("City of Newport", "UK"),
    ("Leeds", "GBR"),
    ("Stockton-on-Tees", "United Kingdom"),
    ("Köln", "Deutschland"),
    ("Unknownville", "EL"),
]
VALUES = [
    {"amount": 31376, "currency": "GBP"},
    "1 248 710,76 PLN",
    "€2.5 million",
    "$17.3M",
    {"amount": "1.248.710,76", "currency": "EUR"},
    "GBP 45000",
    None,
]
TITLES = [
    "CCTV camera relocation",
    "Supply of body-worn video cameras",
    "Dostawa kamer monitoringu wizyjnego",
    "Videoüberwachung Bahnhof",
    "ANPR static camera support and maintenance",
    "Window replacement",
]
DESCRIPTION = (
    "The authority seeks a supplier for the installation and maintenance of {title} at sites "
    "across the district. Clarifications to procurement@example.gov.uk or to the officer, "
    "jane.doe@example.gov.uk, tel. +44 1302 736977. Hikvision or equivalent. " * 3
)


def synthetic_items(count: int, slow_every: int, seed: int = 1) -> list[dict]:
    """Notices shaped as the parsers yield them; every `slow_every`-th date needs dateparser."""
    rng = random.Random(seed)
    items = []
    for index in range(count):
        city, country = rng.choice(CITIES)
        title = rng.choice(TITLES)
        item = {
            "kind": "notice",
            "source": "synthetic",
            "source_id": f"{index}-2024",
            "procedure_id": f"proc-{index // 2}",
            "url": f"https://example.org/notice/{index}",
            "notice_type": rng.choice(["tender", "award"]),
            "title": title,
            "description": DESCRIPTION.format(title=title.lower()),
            "language": rng.choice(["EN", "ENG", "en-GB", "PL", "DEU"]),
            "published": rng.choice(FAST_DATES),
            "buyer": {
                "name": f"City of {city} Council",
                "country": country,
                "city": city,
                "nuts": rng.choice([None, "UKE31", "DE212"]),
                "contact": {
                    "name": "Jane Doe",
                    "email": "jane.doe@example.gov.uk",
                    "phone": "+44 1302 736977",
                    "url": "https://example.gov.uk",
                },
            },
            "cpv": rng.sample(["32323500-0", "35125300", "92222000-3", "45000000"], 2),
            "suppliers": [
                {"name": rng.choice(["HIKVISION UK LTD", "ACME Security Ltd"]), "country": "GB"}
            ],
            "value": rng.choice(VALUES),
        }
        if slow_every and index % slow_every == 0:
            item["published"], item["languages"] = SLOW_DATES[index % len(SLOW_DATES)]
            # A fresh day each time, so dateparser's work is not a repeat of an earlier string.
            item["published"] = f"{index % 28 + 1}{item['published'][2:]}"
        items.append(item)
    return items


def stub_linkers() -> None:
    technologies = types.ModuleType("registry.normalise.technologies")
    technologies.classify = lambda cpv, text, language=None: []
    vendors = types.ModuleType("registry.normalise.vendors")
    vendors.resolve_vendor = lambda name, context=None: None
    vendors.vendors_in_text = lambda text: []
    sys.modules["registry.normalise.technologies"] = technologies
    sys.modules["registry.normalise.vendors"] = vendors


def run(label: str, items: list[dict]) -> float:
    from registry.normalise.record import normalise_record

    started = time.perf_counter()
    for item in items:
        normalise_record(item)
    elapsed = time.perf_counter() - started
    rate = len(items) / elapsed
    print(
        f"{label:<34} {len(items):>7} records {elapsed:7.2f} s {rate:9.0f} records/s"
        f"   1M notices: {1_000_000 / rate / 60:5.1f} min"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--no-linkers", action="store_true")
    args = parser.parse_args()
    if args.no_linkers:
        stub_linkers()
    from registry.normalise.record import normalise_record

    started = time.perf_counter()
    for item in synthetic_items(20, 2):  # loads the gazetteer, rates, dateparser, vendor tables
        normalise_record(item)
    print(f"warm-up (reference data loaded once) {time.perf_counter() - started:.2f} s")
    run("fast-path dates", synthetic_items(args.records, 0))
    run("dateparser dates (every record)", synthetic_items(max(args.records // 10, 100), 1))
    run("mix: 1 in 50 dates via dateparser", synthetic_items(args.records, 50))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
