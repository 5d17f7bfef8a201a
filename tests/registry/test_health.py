"""Source health over a real crawl store's runs, the alerts it raises, and ``survreg status``."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from crawlers import paths
from crawlers.store import CrawlStore
from registry.cli import main
from registry.health import copy_alerts, record_alerts, source_health
from registry.schedule import enabled_sources

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def add_run(store: CrawlStore, source: str, hours_ago: float, **figures) -> int:
    """A finished run of ``source`` that ended ``hours_ago`` before NOW."""
    run_id = store.start_run(source)
    ended = (NOW - dt.timedelta(hours=hours_ago)).isoformat()
    figures = {"finish_reason": "finished", "responses_by_status": {"200": 2}, **figures}
    store.finish_run(run_id, finished=ended, **figures)
    store.conn.execute("UPDATE crawl_runs SET started = ? WHERE id = ?", (ended, run_id))
    return run_id


def health_of(store: CrawlStore, source: str, now: dt.datetime = NOW):
    return next(h for h in source_health(store, now) if h.source == source)


def test_healthy_then_stale_after_its_cadence(data_dir):
    store = CrawlStore(paths.crawl_db())
    add_run(store, "contracts-finder", hours_ago=2, records_new=5)
    assert health_of(store, "contracts-finder").problems == []
    later = NOW + dt.timedelta(hours=30)
    assert health_of(store, "contracts-finder", later).problems == [
        ("stale", "no successful run for 32h (cadence 24h)")
    ]
    assert health_of(store, "find-a-tender").problems == [("stale", "never succeeded")]
    store.close()


def test_a_failing_run_is_judged_against_the_last_good_one(data_dir):
    store = CrawlStore(paths.crawl_db())
    add_run(store, "ted", hours_ago=50, records_new=10)
    add_run(store, "ted", hours_ago=26, records_unchanged=10, records_missing_date=1)
    bad = add_run(store, "ted", hours_ago=1, errors=3, responses_by_status={"200": 1, "500": 12})
    health = health_of(store, "ted")
    assert health.last_success["id"] == bad - 1
    assert health.problems == [
        ("no-records", f"run {bad} yielded 0 records; last good run {bad - 1} had 10"),
        ("errors", f"error rate 75% in run {bad} (was 0%)"),
        ("stale", "no successful run for 26h (cadence 24h)"),
    ]
    store.close()


def test_an_unfinished_run_and_a_first_empty_run(data_dir):
    store = CrawlStore(paths.crawl_db())
    killed = store.start_run("sell2wales")
    add_run(store, "axis", hours_ago=1)
    assert health_of(store, "sell2wales").problems[0] == (
        "unfinished",
        f"run {killed} did not finish (still running, or killed)",
    )
    # Nothing to compare with: an empty first run is no evidence of breakage.
    assert health_of(store, "axis").problems == []
    store.close()


def test_alerts_are_raised_once_resolved_and_copied_to_the_registry(data_dir, tmp_path):
    store = CrawlStore(paths.crawl_db())
    add_run(store, "contracts-finder", hours_ago=3, records_new=4)
    bad = add_run(store, "contracts-finder", hours_ago=2)
    raised = record_alerts(store, source_health(store, NOW))
    ours = [a for a in raised if a["source"] == "contracts-finder"]
    assert [(a["kind"], a["run_id"]) for a in ours] == [("no-records", bad)]
    assert [a for a in record_alerts(store, source_health(store, NOW)) if a in ours] == []
    add_run(store, "contracts-finder", hours_ago=1, records_unchanged=4)
    record_alerts(store, source_health(store, NOW))
    rows = list(store.db["alerts"].rows_where("source = 'contracts-finder'"))
    assert [(r["kind"], r["resolved"] is not None) for r in rows] == [("no-records", True)]

    registry = sqlite_utils.Database(tmp_path / "registry.db")
    assert copy_alerts(store, registry) == store.count("alerts")
    copied = {(r["source"], r["kind"]) for r in registry["maintainer_alerts"].rows}
    assert ("contracts-finder", "no-records") in copied
    assert ("find-a-tender", "stale") in copied
    store.close()


def test_status_exits_zero_only_when_every_source_is_healthy(data_dir, capsys):
    store = CrawlStore(paths.crawl_db())
    now = dt.datetime.now(dt.UTC)
    for source in enabled_sources():
        run_id = store.start_run(source)
        store.finish_run(run_id, finish_reason="finished", records_new=1)
    store.close()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"{'contracts-finder':26} ok" in out and "BROKEN" not in out
    store = CrawlStore(paths.crawl_db())
    store.start_run("contracts-finder")
    store.close()
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert f"{'contracts-finder':26} BROKEN" in out
    assert "contracts-finder: unfinished:" in out
    assert now.isoformat()[:10] in out
