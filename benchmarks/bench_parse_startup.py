"""End-to-end time of ``survreg parse`` on one small document, each call a fresh process.

    .venv/bin/python benchmarks/bench_parse_startup.py [--runs 5] [--rebuild-index]

With ``--rebuild-index`` the place index is built first (as ``scripts/bootstrap`` does at
install time), so the first run is the first call after a fresh install. Prints, per document,
the first call's and the median wall time and the median CPU time (user + system) of the child;
on a shared machine the CPU time is the steadier figure. The target is under 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVREG = Path(sys.executable).with_name("survreg")
DOCUMENTS = (
    (
        "OCDS release (GBP award)",
        "ocds/uk-contractsfinder_release_cctv-camera-relocation_doncaster.json",
    ),
    (
        "OCDS release (body-worn, DVSA)",
        "ocds/uk-contractsfinder_release_body-worn-video-cameras-dvsa.json",
    ),
    ("article text (pittks.org)", "articles/pittks_police_flock-alpr-media-release-2024.txt"),
)
TARGET_S = 1.0


def _run(path: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(SURVREG), "parse", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild-index", action="store_true")
    args = parser.parse_args()
    if args.rebuild_index:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "registry.normalise.gazetteer", "index"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        print(f"place index built in {time.perf_counter() - start:.1f} s (install time)")
    print(f"{'document':34} {'first s':>8} {'median s':>9} {'cpu s':>7}  target {TARGET_S} s")
    for label, name in DOCUMENTS:
        path = ROOT / "tests" / "fixtures" / name
        runs = [_run(path) for _ in range(max(1, args.runs))]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"{label:34} {walls[0]:8.2f} {statistics.median(walls):9.2f} "
            f"{statistics.median(cpus):7.2f}"
        )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
