"""Serving speed on a synthetic registry of 1,000,000 notices and 100,000 deployments.

Builds the registry directly with sqlite-utils through registry/schema.py's ``create`` and
``index``, precomputes counts with ``datasette inspect``, serves it as ``survreg serve
--production`` does (immutable), and reports p50/p95 over loopback of a faceted table page, a
full-text search, a feed and a JSON page, with the ratio to the same SQL run directly in SQLite.

    .venv/bin/python benchmarks/bench_serve.py [--notices 1000000] [--deployments 100000]
"""

from __future__ import annotations

import argparse
import random
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import sqlite_utils

from registry import schema, tables_announcements, tables_datasets
from registry.serve import datasette_command, ensure_inspect_file

COUNTRIES = ["GB", "DE", "FR", "US", "NL", "SK", "PL", "ES", "IT", "SE", "CN", "IN"]
STATUSES = ["planned", "tendered", "awarded", "announced", "operational"]
TECHNOLOGIES = ["cctv", "face_recognition", "alpr", "body_worn", "drones", "video_analytics"]
VENDORS = ["hikvision", "dahua", "axis", "huawei", "motorola-solutions", "flock-safety"]
WORDS = "camera cctv upgrade city police station traffic control system recognition video".split()


def build(path: Path, notices: int, deployments: int, seed: int = 7) -> None:
    """The synthetic registry: deployments, one to many notices each, evidence and link tables."""
    rnd = random.Random(seed)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    schema.create(db)
    tables_datasets.create(db)
    tables_announcements.create(db)
    db["technologies"].insert_all({"id": t, "label": t.replace("_", " ")} for t in TECHNOLOGIES)
    db["vendors"].insert_all({"id": v, "name": v.title()} for v in VENDORS)
    cities = [(f"{c.lower()}/city-{i}", f"City {i}", c) for c in COUNTRIES for i in range(200)]
    db["places"].insert_all(
        {
            "id": i,
            "city": n,
            "country": c,
            "latitude": rnd.uniform(-60, 70),
            "longitude": rnd.uniform(-170, 170),
        }
        for i, n, c in cities
    )

    def deployment_rows():
        for d in range(deployments):
            place = cities[d % len(cities)]
            year = 2015 + d % 11
            yield {
                "id": f"d-{d:016x}",
                "title": f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {d}",
                "status": rnd.choice(STATUSES),
                "buyer_name": f"Council {d % 5000}",
                "country": place[2],
                "city": place[1],
                "place_id": place[0],
                "latitude": rnd.uniform(-60, 70),
                "longitude": rnd.uniform(-170, 170),
                "vendors": rnd.choice(VENDORS),
                "technologies": rnd.choice(TECHNOLOGIES),
                "first_evidence": f"{year}-01-01",
                "last_evidence": f"{year}-06-01",
                "evidence_count": notices // deployments,
                "year": year,
                "first_seen": f"2026-{1 + d % 11:02d}-{1 + d % 28:02d}T00:00:{d % 60:02d}+00:00",
            }

    db["deployments"].insert_all(deployment_rows(), batch_size=5000)
    db.execute("INSERT INTO deployment_vendors SELECT id, vendors FROM deployments")
    db.execute("INSERT INTO deployment_technologies SELECT id, technologies FROM deployments")

    def notice_rows():
        for n in range(notices):
            d = n % deployments
            place = cities[d % len(cities)]
            yield {
                "id": f"bench/{n}",
                "source": "bench",
                "source_id": str(n),
                "deployment_id": f"d-{d:016x}",
                "url": f"https://example.org/notice/{n}",
                "notice_type": rnd.choice(["tender", "award", "prior-information"]),
                "title": " ".join(rnd.choice(WORDS) for _ in range(5)) + f" {n}",
                "description": " ".join(rnd.choice(WORDS) for _ in range(20)),
                "published": f"{2015 + n % 11}-{1 + n % 12:02d}-01",
                "buyer_name": f"Council {d % 5000}",
                "buyer_country": place[2],
                "buyer_city": place[1],
                "place_id": place[0],
                "main_cpv": "32323500",
                "first_seen": f"2026-{1 + n % 11:02d}-{1 + n % 28:02d}T00:{n % 60:02d}:00+00:00",
                "licence": "Open Government Licence v3.0",
            }

    db["notices"].insert_all(notice_rows(), batch_size=5000)
    db.execute(
        "INSERT INTO evidence (id, deployment_id, kind, record_id, detail, title, url, date, "
        "source, link_rule, first_seen, licence) SELECT 'e:' || id, deployment_id, 'notice', id, "
        "notice_type, title, url, published, source, 'same-procedure', first_seen, licence "
        "FROM notices"
    )
    db.conn.commit()
    schema.index(db)
    tables_datasets.index(db)
    tables_announcements.index(db)
    db.execute("ANALYZE")
    db.conn.commit()
    db.close()


# Each page and the SQL behind it ("; "-separated), to compare with SQLite on its own.
CASES = {
    "faceted table page (deployments, 6 facets)": (
        "/registry/deployments?country=DE",
        "select * from deployments where country = 'DE' order by first_seen desc limit 51; "
        + "; ".join(
            f"select {c}, count(*) from deployments where country = 'DE' group by {c}"
            for c in ("country", "city", "status", "year")
        )
        + "; select technology_id, count(*) from deployment_technologies where deployment_id in "
        "(select id from deployments where country = 'DE') group by technology_id"
        "; select vendor_id, count(*) from deployment_vendors where deployment_id in "
        "(select id from deployments where country = 'DE') group by vendor_id",
    ),
    "full-text search (notices)": (
        "/registry/notices.json?_search=police+424242&_size=20",
        "select n.* from notices n join notices_fts f on f.rowid = n.rowid "
        "where notices_fts match 'police 424242' order by n.first_seen desc limit 20",
    ),
    "feed (new_deployments.atom?country=DE&technology=alpr)": (
        "/registry/new_deployments.atom?country=DE&technology=alpr",
        "select * from deployments d where d.country = 'DE' and d.id in (select deployment_id "
        "from deployment_technologies where technology_id = 'alpr') "
        "order by first_seen desc, id desc limit 100",
    ),
    "JSON page (deployments.json?status=awarded)": (
        "/registry/deployments.json?status=awarded&_size=50&_nofacet=1",
        "select * from deployments where status = 'awarded' order by first_seen desc limit 51",
    ),
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(url: str, db: Path, runs: int) -> None:
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    with httpx.Client(base_url=url, timeout=30) as client:
        print(f"{'case':58} {'p50 ms':>8} {'p95 ms':>8} {'sqlite p50':>10} {'ratio':>6}")
        for name, (path, sql) in CASES.items():
            client.get(path).raise_for_status()  # warm the page cache
            http = []
            for _ in range(runs):
                start = time.perf_counter()
                client.get(path).raise_for_status()
                http.append((time.perf_counter() - start) * 1000)
            direct = []
            for _ in range(runs):
                start = time.perf_counter()
                for statement in sql.split("; "):
                    conn.execute(statement).fetchall()
                direct.append((time.perf_counter() - start) * 1000)
            p50, p95 = percentiles(http)
            d50, _ = percentiles(direct)
            print(f"{name:58} {p50:8.1f} {p95:8.1f} {d50:10.2f} {p50 / max(d50, 0.01):6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1_000_000)
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="reuse or keep the registry at this path")
    args = parser.parse_args()
    db = args.keep or Path(tempfile.mkdtemp()) / "registry.db"
    if not db.exists():
        start = time.monotonic()
        build(db, args.notices, args.deployments)
        print(f"built {db} in {time.monotonic() - start:.0f} s")
    start = time.monotonic()
    inspect = ensure_inspect_file(db)
    print(f"datasette inspect: {time.monotonic() - start:.1f} s")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        datasette_command(db, port=port, production=True, inspect=inspect),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{url}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        measure(url, db, args.runs)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
