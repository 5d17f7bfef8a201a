"""Time the hostile inputs whose work the tests bound by counting
(tests/hardening/test_documents.py, tests/registry/test_serve.py): deep JSON, 10,000-character
dates, XML entity tricks, and a runaway SQL query next to an ordinary request.

    .venv/bin/python benchmarks/bench_hostile.py [--repeat 5]

Prints, per case, the median wall time of one parse (or, for the query, how long the runaway ran
before the time limit stopped it and how long the ordinary request took meanwhile). The targets
the tests once asserted with a clock: deep JSON refused in under 1 s, a long date in under
0.1 s, an entity payload in under 2 s; the runaway stopped within its limit's reach (1.5 s) while
the other request is answered in well under it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.parsers import parse_document  # noqa: E402
from crawlers.parsers.errors import ParseError  # noqa: E402
from registry.normalise.dates import parse_date  # noqa: E402
from registry.normalise.money import parse_money  # noqa: E402
from registry.normalise.record import normalise_record  # noqa: E402
from tests.conftest import FIXTURES  # noqa: E402
from tests.hardening.test_documents import (  # noqa: E402
    DEEP,
    LONG_DATES,
    XML_FIXTURES,
    _root_and_title,
    hostile,
    payloads,
)
from tests.registry.helpers import notice  # noqa: E402
from tests.registry.test_feeds import build_registry, registry_datasette  # noqa: E402


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refused(data: bytes, fmt: str | None = None) -> Callable[[], object]:
    def parse() -> object:
        try:
            return list(parse_document(data, format=fmt))
        except ParseError:
            return []

    return parse


def runaway_query(limit_ms: int = 1500) -> tuple[float, float, int]:
    """Seconds the runaway ran, seconds the ordinary request took, the runaway's status."""
    with tempfile.TemporaryDirectory() as directory:
        db = build_registry(Path(directory))
        datasette = registry_datasette(db, sql_time_limit_ms=limit_ms, num_sql_threads=3)
        runaway = (
            "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
        )

        async def scenario() -> tuple[float, float, int]:
            start = time.perf_counter()
            slow = asyncio.create_task(
                datasette.client.get("/registry.json", params={"sql": runaway})
            )
            await asyncio.sleep(0.2)
            asked = time.perf_counter()
            await datasette.client.get("/registry/deployments.json?_size=1")
            quick = time.perf_counter() - asked
            response = await slow
            return time.perf_counter() - start, quick, response.status_code

        # Datasette prints the interrupted query's traceback; the table is what this prints.
        with contextlib.redirect_stdout(io.StringIO()):
            return asyncio.run(scenario())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    normalise_record(notice("warm/1"))  # gazetteer and vendor tables loaded once, not timed

    print("case | median s | target s")
    print("---|---|---")
    for case, data in sorted(DEEP.items()):
        fmt = "osm-overpass-json" if case.startswith("osm") else case.removesuffix("-objects")
        print(f"deep JSON, {case} | {median_seconds(refused(data, fmt), args.repeat):.4f} | 1")
    for case, raw in sorted(LONG_DATES.items()):

        def normalise(raw: str = raw) -> object:
            parse_date(raw)
            parse_date(raw, languages=["de", "fr"], date_order="MDY")
            parse_money(raw)
            return normalise_record(notice("long/1", published=raw, value={"amount": raw}))

        print(f"10,000-character date, {case} | {median_seconds(normalise, args.repeat):.4f} | 0.1")
    for fmt, path in sorted(XML_FIXTURES.items()):
        clean = (FIXTURES / path).read_bytes()
        root, title = _root_and_title(clean)
        for attack, (dtd, reference) in sorted(payloads("http://127.0.0.1:9", Path()).items()):
            data = hostile(clean, root, dtd, reference, title)
            seconds = median_seconds(refused(data, fmt), args.repeat)
            print(f"XML {attack}, {fmt} | {seconds:.4f} | 2")
    ran, quick, status = runaway_query()
    print(f"runaway query (limit 1.5 s) stopped with HTTP {status} | {ran:.2f} | 1.5 to 10")
    print(f"ordinary request while the runaway runs | {quick:.3f} | 1.0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
