"""Every scale benchmark in one command, as a markdown table.

    .venv/bin/python benchmarks/run_all.py [--quick] [--workdir DIR]

Crawl (bench_crawl: 10,000 pages, real spider against a bare one), store (bench_store: 50,000
records against bare inserts), build (bench_build: full rebuilds, as the code stands at small
sizes, and with an index on notices(deployment_id) up to 1,000,000 notices: see bench_build) and,
when another engineer's benchmarks/bench_serve.py exists, its serving figures. ``--quick`` runs
each at a tenth of its size. Targets (issue 9): crawl and store >= 0.6 of bare, memory flat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bench_build, bench_crawl  # noqa: E402


def crawl_rows(pages: int) -> list[list[str]]:
    result = bench_crawl.run(pages, concurrency=16, repeat=3)
    bare, real = result["bare"], result["real"]
    return [
        [
            f"crawl, bare no-op spider, {pages:,} pages",
            f"{bare['pages_per_s']:.0f} pages/s",
            f"peak RSS {bare['peak_rss_mib']:.0f} MiB",
            "",
        ],
        [
            f"crawl, real OCDS spider + pipelines + store, {pages:,} pages",
            f"{real['pages_per_s']:.0f} pages/s",
            f"peak RSS {real['peak_rss_mib']:.0f} MiB",
            f"{result['ratio']:.2f} of bare (target >= 0.6)",
        ],
    ]


def store_rows(records: int) -> list[list[str]]:
    # In its own process: its items would otherwise stay in this one, which the build forks.
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_store.py"), "--records"]
    result = subprocess.run(
        [*command, str(records)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    r = json.loads(result.stdout.splitlines()[-1])
    return [
        ["store, bare executemany (rows precomputed)", f"{r['bare_per_s']:,.0f} rec/s", "", ""],
        [
            "store, bare executemany (rows serialised in timing)",
            f"{r['bare_serialising_per_s']:,.0f} rec/s",
            "",
            "",
        ],
        [
            f"store, CrawlStore.upsert, {records:,} new",
            f"{r['store_new_per_s']:,.0f} rec/s",
            "",
            f"{r['ratio_new']:.2f} of bare, {r['ratio_new_to_serialising']:.2f} of serialising"
            " bare (target >= 0.6)",
        ],
        [
            f"store, CrawlStore.upsert, {records:,} unchanged (recrawl)",
            f"{r['store_unchanged_per_s']:,.0f} rec/s",
            "",
            f"{r['ratio_unchanged']:.2f} of bare",
        ],
    ]


def build_rows(sizes: list[int], workdir: Path) -> list[list[str]]:
    rows = []
    for records in sizes:
        r = bench_build.measure(records, workdir)
        rows.append(
            [
                f"build, {records:,} notices",
                f"{r['seconds']:.0f} s ({r['records_per_s']:,.0f} rec/s)",
                f"peak RSS {r['peak_rss_mib']:.0f} MiB"
                f" + workers {r['workers_peak_rss_mib']:.0f} MiB",
                f"{r['deployments']:,} deployments, {r['failed']} failed",
            ]
        )
    return rows


def serve_section(scale: int) -> str:
    """The output of another engineer's serving benchmark, when there is one."""
    script = ROOT / "benchmarks" / "bench_serve.py"
    if not script.exists():
        return "Serving: benchmarks/bench_serve.py is not there yet; no serving figures.\n"
    sizes = ["--notices", str(1_000_000 // scale), "--deployments", str(100_000 // scale)]
    result = subprocess.run(
        [sys.executable, str(script), *sizes],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    return (
        f"Serving (benchmarks/bench_serve.py {' '.join(sizes)}, exit {result.returncode}):\n\n"
        f"```\n{result.stdout}{result.stderr[-2000:] if result.returncode else ''}```\n"
    )


def table(rows: list[list[str]]) -> str:
    lines = ["| benchmark | figure | memory | note |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each benchmark at a tenth")
    parser.add_argument("--workdir", type=Path, help="where synthetic crawl stores are kept")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = crawl_rows(10_000 // scale) + store_rows(50_000 // scale)
    rows += build_rows([10_000 // scale, 100_000 // scale, 1_000_000 // scale], workdir)
    print(table(rows), flush=True)
    print(serve_section(scale), flush=True)


if __name__ == "__main__":
    main()
