"""A lost or shrunken crawl store never empties the registry; builds run one at a time; markers
of retired deployment ids live in the crawl store."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from crawlers.store import CrawlStore
from registry.build import build, build_lock
from registry.schedule import ScheduleReport, _build_and_publish
from tests.registry.helpers import notice, store_documents


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def survreg(data: Path, *arguments: str, **popen) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", "--data", str(data), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        **popen,
    )


def cctv(n: int, **fields) -> dict:
    return notice(f"n{n}", **{"procedure_id": f"p{n}", "title": f"CCTV cameras, lot {n}", **fields})


@pytest.fixture
def live(tmp_path) -> Path:
    """A data directory with a crawl store of 40 CCTV notices and the registry built from it."""
    data = tmp_path / "data"
    data.mkdir()
    store_documents(data / "crawl.db", extra=[cctv(n) for n in range(40)])
    report = build(data / "crawl.db", data / "registry.db", progress=False)
    assert report.deployments == 40
    return data


def deployments(registry: Path) -> int:
    return sqlite_utils.Database(registry)["deployments"].count


def not_a_database(path: Path) -> None:
    path.write_bytes(b"these bytes are no SQLite file " * 200)


def no_schema(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()


LOSSES = {
    "missing": Path.unlink,
    "zero-bytes": lambda p: p.write_bytes(b""),
    "not-a-database": not_a_database,
    "no-schema": no_schema,
}


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_lost_crawl_store_fails_the_build_in_one_line_and_leaves_the_registry(live, loss):
    crawl_db, registry_db = live / "crawl.db", live / "registry.db"
    for sidecar in live.glob("crawl.db-*"):
        sidecar.unlink()
    LOSSES[loss](crawl_db)
    before = digest(registry_db)
    result = survreg(live, "build")
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("build failed, live registry unchanged: ")
    assert str(crawl_db) in line
    assert digest(registry_db) == before
    assert deployments(registry_db) == 40
    # A missing store is not created by the build that found it missing.
    assert crawl_db.exists() == (loss != "missing")


def test_a_build_that_drops_most_deployments_refuses_to_publish_and_says_what_would_go(live):
    crawl_db, registry_db = live / "crawl.db", live / "registry.db"
    conn = sqlite3.connect(crawl_db)
    conn.execute("DELETE FROM records WHERE source_id NOT IN ('n0', 'n1')")
    conn.commit()
    conn.close()
    before = digest(registry_db)
    result = survreg(live, "build")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "build failed, live registry unchanged: would drop 38 of 40 deployments of the live "
        "registry (95%, limit 5%): d-"
    )
    assert " and 33 more; records dropped: contracts-finder 38 of 40 (95%); " in line
    assert line.endswith("publish it anyway with --allow-shrink")
    assert digest(registry_db) == before

    result = survreg(live, "build", "--allow-shrink")
    assert result.returncode == 0, result.stderr
    assert "would drop 38 of 40 deployments" in result.stderr
    db = sqlite_utils.Database(registry_db)
    assert db["deployments"].count == 2
    markers = list(db["deployment_markers"].rows)
    assert len(markers) == 38
    # The source withdrew nothing: the records went missing from the crawl store.
    assert {(m["state"], m["reason"]) for m in markers} == {
        ("unpublished", "its records are no longer published: gone from the crawl store")
    }


def test_a_small_loss_is_published(live):
    conn = sqlite3.connect(live / "crawl.db")
    conn.execute("DELETE FROM records WHERE source_id = 'n7'")
    conn.commit()
    conn.close()
    report = build(live / "crawl.db", live / "registry.db", progress=False)
    assert report.deployments == 39
    assert report.shrink is not None and len(report.shrink.dropped) == 1
    assert "would drop 1 of 40 deployments of the live registry (2%)" in report.summary()


def test_records_no_longer_judged_relevant_are_unpublished_not_withdrawn(live):
    store = CrawlStore(live / "crawl.db")
    for n in range(3):
        store.upsert(cctv(n, title="Window replacement", cpv=["45421132"]))
    store.close()
    report = build(live / "crawl.db", live / "registry.db", progress=False, allow_shrink=True)
    assert report.not_relevant == 3
    markers = list(sqlite_utils.Database(live / "registry.db")["deployment_markers"].rows)
    assert {m["state"] for m in markers} == {"unpublished"}
    assert markers[0]["reason"] == (
        "its records are no longer published: not judged about surveillance by this build, "
        "or failed to build"
    )


def test_the_scheduled_runs_build_refuses_a_large_loss_unless_allowed(live, monkeypatch):
    monkeypatch.setenv("SURVREG_DATA", str(live))
    conn = sqlite3.connect(live / "crawl.db")
    conn.execute("DELETE FROM records")
    conn.commit()
    conn.close()
    before = digest(live / "registry.db")
    report = ScheduleReport()
    _build_and_publish(report)
    assert report.failed and not report.published
    assert "would drop 40 of 40 deployments of the live registry (100%" in report.notes[-1]
    assert digest(live / "registry.db") == before
    report = ScheduleReport()
    _build_and_publish(report, allow_shrink=True)
    assert report.published, report.notes
    assert deployments(live / "registry.db") == 0


def test_markers_survive_losing_the_registry(tmp_path):
    """The crawl store keeps the published record → deployment mapping and the markers."""
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    cn = notice("cn", procedure_id="111-2020", published="2020-01-01")
    can = notice("can", procedure_id="222-2020", notice_type="award", published="2020-06-01")
    store_documents(crawl_db, extra=[cn, can])
    build(crawl_db, registry_db, progress=False)
    before = {
        r["record_id"]: r["deployment_id"]
        for r in sqlite_utils.Database(registry_db)["evidence"].rows
    }
    registry_db.unlink()
    store_documents(crawl_db, extra=[{**can, "related_notices": ["cn"]}])
    build(crawl_db, registry_db, progress=False)
    (marker,) = sqlite_utils.Database(registry_db)["deployment_markers"].rows
    assert (marker["id"], marker["state"]) == (before["contracts-finder/can"], "merged")
    assert json.loads(marker["successors"]) == [before["contracts-finder/cn"]]
    # Lost again: the marker is carried from the crawl store, not from the lost file.
    registry_db.unlink()
    build(crawl_db, registry_db, progress=False)
    (carried,) = sqlite_utils.Database(registry_db)["deployment_markers"].rows
    assert carried == marker
    store = CrawlStore(crawl_db)
    assert [m["id"] for m in store.db["deployment_markers"].rows] == [marker["id"]]
    assert store.db["published_evidence"].count == 2
    store.close()


def test_a_second_build_waits_for_the_first_and_says_so(live):
    """Two builds at once: the second used to delete the first's temporary file as a leftover,
    and the first failed with "tables missing"."""
    before = digest(live / "registry.db")
    with build_lock(live):
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "--data", str(live), "build"],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        first_line = process.stderr.readline()
        assert first_line.startswith(
            f"another build (pid {os.getpid()}) holds {live / 'build.lock'}"
        )
        assert first_line.rstrip().endswith(": waiting for it to finish")
        time.sleep(0.5)
        assert process.poll() is None, "the second build ran while the first held the lock"
        assert digest(live / "registry.db") == before
    assert process.wait(timeout=300) == 0
    assert "built " in process.stderr.read()
    assert deployments(live / "registry.db") == 40
