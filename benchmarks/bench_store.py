"""Records/s into the crawl store as the pipeline writes them, against a bare executemany.

    .venv/bin/python benchmarks/bench_store.py [--records 50000] [--profile]

Store: CrawlStore.write in batches of SURVREG_COMMIT_EVERY (500) items, one transaction each, as
CrawlStorePipeline does; first into an empty store (all new), then the same items again (all
unchanged, a recrawl). Bare: one executemany of the very rows the store wrote into the same
table in one transaction, WAL mode; once with the rows precomputed (SQLite alone), once building
them in the timing (one json.dumps and hash per row, the least any writer of items must do).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import templates  # noqa: E402
from crawlers.store import MIGRATIONS, CrawlStore, serialised  # noqa: E402

COMMIT_EVERY = 500
NOW = "2026-11-01T00:00:00+00:00"


def items(records: int) -> list[dict]:
    """``records`` distinct notice items shaped like the recorded fixtures, with fetch keys."""
    bases = templates()
    out = []
    for n in range(records):
        item = json.loads(json.dumps(bases[n % len(bases)]))
        item["source_id"] = f"bench-{n}"
        item["title"] = f"{item.get('title') or 'CCTV'} {n}"
        item["document_url"] = f"https://example.org/notice/{n}"
        item["document_sha256"] = f"{n:064x}"
        out.append(item)
    return out


def store_pass(store: CrawlStore, batch: list[dict]) -> float:
    """Seconds to write ``batch`` as the pipeline does."""
    started = time.perf_counter()
    for start in range(0, len(batch), COMMIT_EVERY):
        store.write(batch[start : start + COMMIT_EVERY], run_id=1, now=NOW)
    return time.perf_counter() - started


def rows_of(batch: list[dict]) -> list[tuple]:
    """The records rows of a batch of new items, as the store writes them."""
    rows = []
    for i in batch:
        digest, record = serialised(i)
        rows.append(
            (
                i["source"],
                i["source_id"],
                i.get("kind", "notice"),
                digest,
                1,
                NOW,
                NOW,
                NOW,
                i.get("document_url"),
                i.get("document_sha256"),
                1,
                record,
            )
        )
    return rows


def bare_insert(path: Path, batch: list[dict], serialise_in_timing: bool) -> float:
    """Seconds for one executemany of the same rows in one transaction, WAL mode."""
    rows = None if serialise_in_timing else rows_of(batch)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):
        conn.execute(statement)
    started = time.perf_counter()
    rows = rows or rows_of(batch)
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO records VALUES ({', '.join('?' * 12)})", rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def run(records: int, profile: bool = False) -> dict:
    """Store and bare figures in records/s, and the store's ratios to the bare inserts."""
    batch = items(records)
    workdir = Path(tempfile.mkdtemp(prefix="bench-store-"))
    bare = bare_insert(workdir / "bare.db", batch, serialise_in_timing=False)
    bare_serialising = bare_insert(workdir / "bare2.db", batch, serialise_in_timing=True)
    store = CrawlStore(workdir / "crawl.db")
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    new = store_pass(store, batch)
    unchanged = store_pass(store, batch)
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(out.getvalue(), file=sys.stderr)
    assert store.count() == records
    store.close()
    return {
        "records": records,
        "store_new_per_s": records / new,
        "store_unchanged_per_s": records / unchanged,
        "bare_per_s": records / bare,
        "bare_serialising_per_s": records / bare_serialising,
        "ratio_new": bare / new,
        "ratio_unchanged": bare / unchanged,
        "ratio_new_to_serialising": bare_serialising / new,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the store passes")
    args = parser.parse_args()
    print(json.dumps(run(args.records, args.profile)))


if __name__ == "__main__":
    main()
