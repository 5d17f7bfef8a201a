"""Scheduled runs over local replays: real crawls in subprocesses, a real store and build."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawlers import paths
from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore
from registry.backup import backup, prune_archive
from registry.cli import main
from registry.crawl import crawl_command, crawl_env, run_crawl
from registry.replay import ReplayServer
from registry.schedule import LOCKED, prepare_crawl, run_scheduled
from tests.conftest import ROOT, SNAPSHOT
from tests.registry.processes import alive

CF = "contracts-finder"
SEARCH = "/Published/Notices/OCDS/Search"
CF_URL = f"https://www.contractsfinder.service.gov.uk{SEARCH}"


@pytest.fixture
def cf_snapshot(tmp_path):
    directory = tmp_path / CF
    shutil.copytree(SNAPSHOT / CF, directory)
    return directory


def scheduled(server: ReplayServer):
    return run_scheduled([CF], mirrors={CF: server.url}, allow_loopback=True)


def store_state() -> tuple[dict, int, list]:
    store = CrawlStore(paths.crawl_db())
    records = {r["source_id"]: (r["content_hash"], r["version"]) for r in store.iter_records()}
    history = store.count("record_history")
    runs = store.runs(CF)
    store.close()
    return records, history, runs


def committed_records() -> int:
    """Records a running crawl has committed to the store so far (0 before it has one)."""
    if not paths.crawl_db().exists():
        return 0
    conn = sqlite3.connect(f"file:{paths.crawl_db()}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM records").fetchone()[0]
    except sqlite3.OperationalError:  # the crawl has not created its tables yet
        return 0
    finally:
        conn.close()


def archive_files() -> set[str]:
    return {digest for digest, _ in DocumentArchive(paths.archive_dir()).documents()}


def test_second_scheduled_run_writes_nothing_and_does_not_publish(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        first = scheduled(server)
        assert not first.failed, first.text()
        assert first.published
        records, history, _ = store_state()
        documents = archive_files()
        live = os.stat(paths.registry_db())
        assert records and documents

        second = scheduled(server)
        hits = list(server.hits)
    assert not second.failed, second.text()
    assert not second.published
    assert "registry unchanged: not published" in second.text()
    records_after, history_after, runs = store_state()
    assert (records_after, history_after) == (records, 0)
    assert archive_files() == documents
    assert all(v == 1 for _, v in records_after.values())
    assert (os.stat(paths.registry_db()).st_ino, os.stat(paths.registry_db()).st_mtime_ns) == (
        live.st_ino,
        live.st_mtime_ns,
    )
    # The second run is incremental: from the first run's start, minus a day of overlap.
    since = (dt.datetime.fromisoformat(runs[0]["started"]) - dt.timedelta(days=1)).date()
    assert any(f"publishedFrom={since}T00%3A00%3A00Z" in hit for hit in hits), hits
    assert (runs[-1]["records_new"], runs[-1]["records_unchanged"]) == (0, len(records))
    # Every release is stored; the registry publishes those about surveillance.
    published = sqlite3.connect(paths.registry_db()).execute("SELECT count(*) FROM notices")
    assert 0 < published.fetchone()[0] < len(records)


def test_source_returning_500s_fails_the_run_with_a_report_and_an_alert(
    data_dir, cf_snapshot, capfd
):
    with ReplayServer(cf_snapshot) as server:
        assert not scheduled(server).failed
        server.routes.clear()
        server.add(path=SEARCH, status=500, body="upstream down")
        report = scheduled(server)
    assert report.failed
    text = report.text()
    assert f"{CF:26} FAILED" in text
    assert "no-records: run 2 yielded 0 records; last good run 1 had" in text
    # The failed page is tried again once after the downloader's retries (its window's retry).
    assert "nothing-fetched: run 2 fetched nothing: 9 requests, 1 × HTTP 404, 8 × HTTP 500" in text
    err = capfd.readouterr().err
    assert f"failed request: source={CF} url={CF_URL}?limit=100&publishedFrom=" in err
    assert "reason=HTTP 500" in err
    store = CrawlStore(paths.crawl_db())
    alerts = {(a["source"], a["kind"]) for a in store.db["alerts"].rows_where("resolved IS NULL")}
    store.close()
    assert {(CF, "no-records"), (CF, "nothing-fetched")} <= alerts
    assert main(["status"]) == 1
    out = capfd.readouterr().out
    assert f"{CF:26} BROKEN" in out
    assert f"  {CF}: no-records: run 2 yielded 0 records" in out


def test_source_returning_empty_pages_is_broken(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        assert not scheduled(server).failed
        server.routes.clear()
        server.add(path=SEARCH, body='{"releases": [], "links": {}}')
        report = scheduled(server)
    assert report.failed
    assert "no-records: run 2 yielded 0 records; last good run 1 had" in report.text()
    assert "error rate" not in report.text()


def test_source_that_changes_its_format_is_broken(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        assert not scheduled(server).failed
        # The publisher renames the release date: every record now lacks its publication date.
        for page in cf_snapshot.glob("search-page-*.json"):
            page.write_text(page.read_text("utf-8").replace('"date"', '"releaseDate"'), "utf-8")
        report = scheduled(server)
    assert report.failed
    assert "missing-fields: 100% of records missing required fields in run 2" in report.text()
    _, _, runs = store_state()
    assert runs[-1]["records_changed"] == runs[0]["records_new"] > 0
    assert runs[-1]["records_missing_date"] >= runs[-1]["records_changed"]


def test_killed_crawl_resumes_without_duplicates_or_losses(tmp_path, monkeypatch, cf_snapshot):
    monkeypatch.setenv("SURVREG_DATA", str(tmp_path / "whole"))
    with ReplayServer(cf_snapshot) as server:
        assert run_crawl(CF, {"source_url": server.url}, allow_loopback=True).returncode == 0
    whole, _, _ = store_state()

    monkeypatch.setenv("SURVREG_DATA", str(tmp_path / "killed"))
    with ReplayServer(cf_snapshot) as server:
        page_2 = next(r for r in server.routes if "cursor" in r["query"])
        page_2["delay"] = 30
        store = CrawlStore(paths.crawl_db())
        arguments, settings, mode = prepare_crawl(store, CF, {"source_url": server.url})
        store.close()
        assert mode == "fresh" and settings["JOBDIR"].endswith(f"jobs/{CF}")
        process = subprocess.Popen(
            crawl_command(
                CF,
                arguments,
                {**settings, "SURVREG_ALLOW_LOOPBACK": "True", "SURVREG_COMMIT_EVERY": "1"},
            ),
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Killed while it waits for page 2, once some of page 1's records are committed.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            any("cursor=" in h for h in server.hits) and committed_records() > 0
        ):
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        partial, _, _ = store_state()
        assert 0 < len(partial) < len(whole)

        page_2["delay"] = 0
        store = CrawlStore(paths.crawl_db())
        arguments, settings, mode = prepare_crawl(store, CF, {})
        store.close()
        assert mode == "restart" and arguments["source_url"] == server.url
        assert run_crawl(CF, arguments, settings, allow_loopback=True).returncode == 0
    resumed, history, runs = store_state()
    assert resumed == whole
    assert history == 0
    assert [r["finish_reason"] for r in runs] == ["killed", "finished"]
    assert runs[1]["records_new"] == len(whole) - len(partial)


def test_stale_lock_is_taken_over_and_a_live_one_is_respected(data_dir, cf_snapshot):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = data_dir / "scheduled.lock"
    lock.write_text(str(dead.pid))
    script = ROOT / "scripts" / "scheduled-crawl"
    with ReplayServer(cf_snapshot) as server:
        command = [str(script), CF, "--mirror", f"{CF}={server.url}", "--allow-loopback"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stderr
        assert f"stale lock of pid {dead.pid} (no longer running) taken over" in result.stderr
        assert f"{CF:26} ok" in result.stdout
        assert "published" in result.stdout

        with open(lock, "r+") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.write("4242")
            held.flush()
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=300, check=False
            )
    assert result.returncode == LOCKED
    assert "another scheduled run holds" in result.stderr and "(pid 4242)" in result.stderr
    _, _, runs = store_state()
    assert len(runs) == 1


def test_backup_is_a_consistent_copy_and_prune_keeps_cited_documents(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        assert run_crawl(CF, {"source_url": server.url}, allow_loopback=True).returncode == 0
    records, _, _ = store_state()
    copy = backup(paths.crawl_db(), data_dir)
    assert copy.parent == data_dir and copy.name.startswith("crawl-")
    conn = sqlite3.connect(copy)
    assert dict(conn.execute("SELECT source_id, content_hash FROM records")) == {
        k: h for k, (h, _) in records.items()
    }
    conn.close()

    archive = DocumentArchive(paths.archive_dir())
    orphan = archive.put(b"a listing page no record cites")
    fresh = archive.put(b"fetched today")
    old = time.time() - 40 * 86400
    for digest, path in archive.documents():
        if digest != fresh:
            os.utime(path, (old, old))
    removed = prune_archive(paths.crawl_db(), paths.archive_dir(), keep_days=30)
    assert removed == [orphan]
    store = CrawlStore(paths.crawl_db())
    cited = {r["document_sha256"] for r in store.iter_records()}
    store.close()
    for digest in cited | {fresh}:
        assert archive.get(digest)


def test_killing_the_scheduled_run_kills_its_crawl_and_the_next_run_restarts_it(
    data_dir, cf_snapshot
):
    with ReplayServer(cf_snapshot) as server:
        page_1 = next(r for r in server.routes if "cursor" not in r["query"])
        page_1["delay"] = 60
        command = [
            sys.executable,
            "-m",
            "registry.cli",
            "scheduled",
            CF,
            "--mirror",
            f"{CF}={server.url}",
            "--allow-loopback",
        ]
        supervisor = subprocess.Popen(
            command, env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while not any(SEARCH in hit for hit in server.hits) and time.monotonic() < deadline:
            time.sleep(0.1)
        crawls = [
            int(pid)
            for pid in open(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children").read().split()
        ]
        assert crawls, "the scheduled run crawls in a child process"
        supervisor.kill()
        supervisor.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in crawls):
            assert time.monotonic() < deadline, "the crawl outlived its supervisor"
            time.sleep(0.1)

        page_1["delay"] = 0
        result = subprocess.run(
            command, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database is locked" not in result.stderr
    assert f"{CF}: restart of an interrupted crawl" in result.stdout
    _, _, runs = store_state()
    assert [r["finish_reason"] for r in runs] == ["killed", "finished"]


def cache_entries() -> set[str]:
    return {p.name for p in paths.httpcache_dir().glob("*/*/*")}


def test_the_scheduled_run_prunes_http_cache_entries_no_crawl_asks_for_again(
    data_dir, cf_snapshot, capsys
):
    with ReplayServer(cf_snapshot) as server:
        for route in server.routes:
            route["headers"] = {"ETag": '"recorded"'}
        scheduled(server)
        first = cache_entries()
        assert first, "the recorded pages carry validators, so the HTTP cache keeps them"
        old = time.time() - 40 * 86400
        for meta in paths.httpcache_dir().glob("*/*/*/*"):
            os.utime(meta, (old, old))
        # The incremental run asks for other URLs (its from_date is in the query).
        report = scheduled(server)
    kept = cache_entries()
    gone = first - kept
    assert gone and f"pruned {len(gone)} HTTP cache entries older than 30 days" in report.text()
    assert kept and not kept & gone
    # The same pruning, by hand.
    for meta in paths.httpcache_dir().glob("*/*/*/*"):
        os.utime(meta, (old, old))
    assert main(["httpcache-prune", "--keep-days", "30"]) == 0
    assert cache_entries() == set()
    # A replay server's thread may still report a request whose client an earlier test killed.
    printed = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"removed {len(kept)} entries from ") for line in printed), printed
