"""A full rebuild of N synthetic notices: seconds, records/s and the build's peak memory.

    .venv/bin/python benchmarks/bench_build.py [--records N ...] [--workdir DIR] [--workers N]

The crawl store is filled with real parsed notices (the recorded OCDS and TED fixtures), each copied
with a new id, procedure, title, buyer city, value and date, so normalising, linking and indexing do
the work they do on real data. Each build runs in its own process; its peak RSS is the build
process's own (worker processes, with ``--workers``, are measured apart and summed).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.parsers import parse_document  # noqa: E402
from crawlers.store import CrawlStore  # noqa: E402

CITIES = ["Doncaster", "Leeds", "München", "Warszawa", "Lyon", "Cambridge", "Dundee", "Köln"]
TITLES = [
    "CCTV camera relocation",
    "Supply of body-worn video cameras",
    "Dostawa kamer monitoringu wizyjnego",
    "Videoüberwachung Bahnhof",
    "ANPR static camera support",
    "Maintenance of the town centre CCTV system",
]
DATES = ["2024-01-23", "2023-09-09T10:00:00+01:00", "12.03.2024", "20200415", "9 September 2023"]
VALUES = [
    {"amount": 31376, "currency": "GBP"},
    {"amount": "1 248 710,76", "currency": "PLN"},
    {"amount": 250000, "currency": "EUR"},
    None,
]


def templates() -> list[dict]:
    """Every notice parsed from the recorded OCDS and TED fixtures."""
    fixtures = ROOT / "tests" / "fixtures"
    found = []
    for path in sorted([*fixtures.glob("ocds/*.json"), *fixtures.glob("ted/**/*.xml")]):
        try:
            found.extend(i for i in parse_document(path.read_bytes()) if i["kind"] == "notice")
        except ValueError:
            continue
    return found


def fill(crawl_db: Path, records: int, seed: int = 1) -> None:
    """A crawl store of ``records`` notices varied from the fixture templates."""
    rng = random.Random(seed)
    bases = templates()
    store = CrawlStore(crawl_db)
    store.conn.execute("BEGIN IMMEDIATE")
    for n in range(records):
        item = copy.deepcopy(bases[n % len(bases)])
        item["source_id"] = f"synthetic-{n}"
        # Tender and award pairs share a procedure, as real notices do.
        item["procedure_id"] = f"ocds-synthetic-{n // 2}"
        item["title"] = f"{rng.choice(TITLES)} {n}"
        item["published"] = rng.choice(DATES)
        item["value"] = rng.choice(VALUES)
        buyer = dict(item.get("buyer") or {})
        buyer["city"] = rng.choice(CITIES)
        item["buyer"] = buyer
        item["document_url"] = f"https://example.org/notice/{n}"
        item["document_sha256"] = f"{n:064x}"
        store.upsert(item, now="2026-11-01T00:00:00+00:00")
        if n % 10000 == 9999:
            store.conn.execute("COMMIT")
            store.conn.execute("BEGIN IMMEDIATE")
    store.conn.execute("COMMIT")
    store.close()


BUILD = """
import resource, sys
from registry.build import build
workers = None if sys.argv[3] == "default" else int(sys.argv[3])
report = build(sys.argv[1], sys.argv[2], progress=False, workers=workers)
own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(report.notices, report.deployments, report.failed, own.ru_utime + own.ru_stime,
      children.ru_utime + children.ru_stime)
"""


class Finished(NamedTuple):
    """A benchmarked process at its end: exit status, CPU seconds, peak RSS of it and of its
    descendants (summed), in MiB."""

    returncode: int
    cpu_s: float
    peak_mib: float
    children_mib: float


def wait_with_peak(process: subprocess.Popen) -> Finished:
    """Wait for ``process``, polling the VmHWM of it and every process it starts.

    ru_maxrss from wait4 would also count the parent's memory the child had between fork and exec.
    """
    peaks: dict[int, int] = {}
    while True:
        for pid in _family(process.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
            except OSError:
                pass
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            own = peaks.get(process.pid, 0)
            cpu = usage.ru_utime + usage.ru_stime
            return Finished(process.returncode, cpu, own / 1024, (sum(peaks.values()) - own) / 1024)
        time.sleep(0.05)


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants, as /proc lists them now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(child) for child in children)
    return found


def run_build(crawl_db: Path, registry_db: Path, records: int, workers: str) -> dict:
    """One build in a subprocess: seconds, peak RSS (MiB), notices and deployments."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(crawl_db), str(registry_db), workers],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    finished = wait_with_peak(process)
    out = process.stdout.read() if process.stdout else ""
    seconds = time.monotonic() - started
    if finished.returncode != 0:
        raise RuntimeError(f"build failed with status {finished.returncode}")
    counts, cpu = out.split()[:3], out.split()[3:]
    notices, deployments, failed = (int(x) for x in counts)
    parent_cpu, workers_cpu = (float(x) for x in cpu)
    return {
        "workers": workers,
        "seconds": round(seconds, 1),
        "records_per_s": round(records / seconds),
        "peak_rss_mib": round(finished.peak_mib),
        "workers_peak_rss_mib": round(finished.children_mib),
        # CPU per record: the build process's own (its serial part) and its workers'.
        "parent_cpu_ms_per_record": round(parent_cpu * 1000 / records, 3),
        "workers_cpu_ms_per_record": round(workers_cpu * 1000 / records, 3),
        "notices": notices,
        "deployments": deployments,
        "failed": failed,
    }


def measure(records: int, workdir: Path, workers: str = "default") -> dict:
    """Fill a store of ``records`` notices (reused when present) and time a full rebuild."""
    crawl_db = workdir / f"crawl-{records}.db"
    if not crawl_db.exists():
        started = time.monotonic()
        fill(crawl_db, records)
        print(f"filled {crawl_db} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    registry_db = workdir / f"registry-{records}.db"
    registry_db.unlink(missing_ok=True)
    result = run_build(crawl_db, registry_db, records, workers)
    registry_db.unlink(missing_ok=True)
    return {"records": records, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--workers", default="default", help="normalising processes (0: none; default: the build's)"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-build-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for records in sorted(args.records):
        print(json.dumps(measure(records, workdir, args.workers)), flush=True)


if __name__ == "__main__":
    main()
