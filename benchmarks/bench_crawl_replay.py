"""Crawl cost per release on a replay of Contracts Finder: our spider against a bare Scrapy spider.

    .venv/bin/python benchmarks/bench_crawl_replay.py [--pages 10] [--sizes 10,20] [--repeat 1]
        [--concurrency 64] [--profile OUT]

The replay (``contracts_finder_replay/``: the real API's paths, parameters and ``links.next``
cursors, the recorded page of 100 releases) serves ``--pages`` pages per date window. From
2022-01-01 to 2023-08-21 both spiders walk 40 windows of 15 days, newest first, each its own
chain. ``bare`` only follows ``links.next`` (Scrapy's defaults, no parsing, nothing stored);
``ours`` is ``scrapy crawl contracts-finder`` with the project's settings, parsing every page
and storing what production stores (each release as written in the crawl store, each page in the
document archive), with loopback allowed and no politeness delays. Both run as subprocesses,
one after the other, at the same concurrency; figures are whole-process wall time, CPU time
(user + system), peak RSS and records stored, and ratios of ours to bare in the same run.
``--sizes`` repeats ours at other page counts, to show whether memory grows with the number of
pages. ``--profile`` also writes a profile of one more run of ours (py-spy when installed, else
cProfile) and prints where its time goes.
"""

from __future__ import annotations

import argparse
import os
import pstats
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import wait_with_peak  # noqa: E402
from registry.crawl import LOOPBACK_SETTINGS, crawl_command  # noqa: E402

REPLAY = ROOT / "benchmarks" / "contracts_finder_replay"
RECORDING = ROOT / "registry" / "demo_snapshot" / "contracts-finder" / "search-page-1.json"
FROM, UNTIL = "2022-01-01", "2023-08-21"
RELEASES_PER_PAGE = 100


class Replay:
    """The replay server in a subprocess, serving ``pages`` pages per window."""

    def __init__(self, pages: int):
        command = [sys.executable, str(REPLAY / "replay_server.py"), "--pages", str(pages)]
        self.process = subprocess.Popen(
            [*command, "--data", str(RECORDING)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"the replay server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def measure(command: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run ``command`` to its end: wall and CPU seconds, peak RSS (VmHWM, MiB) and its log."""
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        finished = wait_with_peak(process)
        wall = time.monotonic() - started
        err.seek(0)
        log = err.read().decode("utf-8", "replace")
    if finished.returncode != 0:
        raise RuntimeError(f"{command[:6]} failed:\n{log[-3000:]}")
    return {
        "wall_s": wall,
        "cpu_s": finished.cpu_s,
        "peak_rss_mib": finished.peak_mib,
        "log": log,
    }


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def run_bare(server: Replay, concurrency: int) -> dict:
    """The bare spider with Scrapy's defaults (run outside the project, so none of its settings)."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(REPLAY / "bare_spider.py"),
        *("-a", f"base={server.url}", "-a", f"from_date={FROM}T00:00:00"),
        *("-a", f"until_date={UNTIL}T00:00:00"),
        *("-s", f"CONCURRENT_REQUESTS={concurrency}"),
        *("-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "LOG_LEVEL=INFO"),
    ]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory() as work:
        result = measure(command, env, Path(work))
    pages = stat(result.pop("log"), "bare/pages")
    return {**result, "pages": pages, "records": 0}


def ours_command(server: Replay, concurrency: int) -> list[str]:
    settings = {
        **LOOPBACK_SETTINGS,
        "LOG_LEVEL": "INFO",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
    }
    arguments = {"source_url": server.url, "from_date": FROM, "until_date": UNTIL}
    return crawl_command("contracts-finder", arguments, settings)


def run_ours(server: Replay, concurrency: int, profile: str | None = None) -> dict:
    """Our spider with production storage into a fresh data directory; ``profile`` samples it
    with py-spy (every thread, raw collapsed stacks) when py-spy is installed, else cProfile."""
    command = ours_command(server, concurrency)
    if profile and sampled():
        spy = str(Path(sys.executable).parent / "py-spy")
        command = [
            spy,
            "record",
            "--format",
            "raw",
            "--threads",
            "-r",
            "250",
            "-o",
            profile,
            "--",
            *command,
        ]
    elif profile:
        command[1:3] = ["-m", "cProfile", "-o", profile, "-m", "scrapy"]
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings", "SURVREG_DATA": data}
        result = measure(command, env, ROOT)
        log = result.pop("log")
        conn = sqlite3.connect(Path(data) / "crawl.db")
        records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        run = conn.execute("SELECT finish_reason, errors FROM crawl_runs").fetchone()
        conn.close()
        archived = sum(f.stat().st_size for f in (Path(data) / "archive").rglob("*") if f.is_file())
    pages = stat(log, "downloader/response_status_count/200")
    return {
        **result,
        "pages": pages,
        "records": records,
        "finish_reason": run[0],
        "errors": run[1],
        "archive_mib": archived / 2**20,
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median CPU time (the machine is shared: one figure per spider)."""
    return sorted(runs, key=lambda r: r["cpu_s"])[len(runs) // 2]


def line(name: str, r: dict) -> str:
    return (
        f"{name:<24} wall {r['wall_s']:6.2f} s   cpu {r['cpu_s']:6.2f} s   "
        f"peak RSS {r['peak_rss_mib']:6.1f} MiB   pages {r['pages']:5}   records {r['records']:7}"
    )


# Where a sample's time goes: the innermost frame of the first area that matches, inner first.
AREAS = (
    ("parse: OCDS parser (crawlers/parsers)", ("crawlers/parsers/", "/ijson/")),
    ("store: serialise and SQLite (crawlers/store.py)", ("crawlers/store.py",)),
    ("archive: hash, zstd, write (crawlers/archive.py)", ("crawlers/archive.py",)),
    (
        "store pipeline and validation (crawlers/pipelines.py, items.py)",
        ("crawlers/pipelines.py", "crawlers/items.py"),
    ),
    ("spider (crawlers/spiders)", ("crawlers/spiders/",)),
    ("other crawlers/ code", ("crawlers/",)),
    ("start-up: imports", ("<frozen importlib", "_find_and_load")),
    (
        "Scrapy, Twisted, asyncio (download, engine, items, signals)",
        ("scrapy/", "twisted/", "asyncio/"),
    ),
)


def sampled() -> bool:
    """Whether py-spy is installed beside this Python (``pip install py-spy``)."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) is not None


def area(stack: list[str]) -> str:
    for frame in reversed(stack):
        for name, needles in AREAS:
            if any(n in frame for n in needles):
                return name
    return "other: " + (stack[-1] if stack else "?")


def profile_summary(path: str, top: int = 15) -> None:
    """Share of samples per area and the busiest innermost frames (py-spy), or cProfile's."""
    if not sampled():
        stats = pstats.Stats(path)
        print(f"\nprofile of ours ({stats.total_tt:.1f} s inside Python):")  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(top)
        return
    areas: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in Path(path).read_text("utf-8", "replace").splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        # The first frames name the process and the thread; idle threads sit in their wait.
        stack = [f for f in stack_text.split(";") if not f.startswith(("process ", "thread ("))]
        if not stack or any(
            w in stack[-1] for w in ("wait (threading", "select (", "poll (", "_worker (")
        ):
            continue
        areas[area(stack)] += int(count)
        leaves[stack[-1]] += int(count)
    busy = sum(areas.values())
    print(f"\nprofile of ours (py-spy, {busy} busy samples at 250/s, every thread):")
    for name, count in areas.most_common():
        if count >= busy / 200:
            print(f"  {100 * count / busy:5.1f}%  {name}")
    print("busiest frames:")
    for name, count in leaves.most_common(top):
        print(f"  {100 * count / busy:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=10, help="pages per window (default 10)")
    parser.add_argument("--sizes", default="", help="more page counts for ours, e.g. 20,40")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs; median of each")
    parser.add_argument("--profile", help="write a profile of one more run of ours here")
    args = parser.parse_args()
    bares, ours = [], []
    with Replay(args.pages) as server:
        for _ in range(args.repeat):
            bares.append(run_bare(server, args.concurrency))
            ours.append(run_ours(server, args.concurrency))
        if args.profile:
            run_ours(server, args.concurrency, args.profile)
    bare, real = median_run(bares), median_run(ours)
    windows = bare["pages"] // args.pages
    print(
        f"Contracts Finder replay: {windows} windows x {args.pages} pages x "
        f"{RELEASES_PER_PAGE} releases, concurrency {args.concurrency}, "
        f"median of {args.repeat}"
    )
    print(line("bare spider", bare))
    print(line("ours (store + archive)", real))
    print(
        f"ratios ours/bare: wall {real['wall_s'] / bare['wall_s']:.2f} (target <= 1.6)   "
        f"cpu {real['cpu_s'] / bare['cpu_s']:.2f} (target <= 2.5)   "
        f"peak RSS {real['peak_rss_mib'] / bare['peak_rss_mib']:.2f}"
    )
    print(
        f"ours: run {real['finish_reason']!r} with {real['errors']} errors, "
        f"archive {real['archive_mib']:.1f} MiB"
    )
    expected = windows * args.pages * RELEASES_PER_PAGE
    if real["records"] != expected:
        print(f"WARNING: ours stored {real['records']} records, expected {expected}")
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with Replay(size) as server:
            other = run_ours(server, args.concurrency)
        print(line(f"ours, {size} pages/window", other))
    if args.profile:
        profile_summary(args.profile)


if __name__ == "__main__":
    main()
