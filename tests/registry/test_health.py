"""Source health over a real crawl store's runs, the alerts it raises, and ``survreg status``."""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

import sqlite_utils
import yaml

from crawlers import paths
from crawlers.reference import REFERENCE_DIR
from crawlers.store import CrawlStore
from registry import health as health_module
from registry.build import build
from registry.cli import main
from registry.health import copy_alerts, judge_run, record_alerts, source_health
from registry.schedule import enabled_sources
from registry.sources import load_sources
from tests.registry.helpers import notice, store_documents

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def add_run(store: CrawlStore, source: str, hours_ago: float, **figures) -> int:
    """A finished run of ``source`` that ended ``hours_ago`` before NOW."""
    run_id = store.start_run(source)
    ended = (NOW - dt.timedelta(hours=hours_ago)).isoformat()
    figures = {"finish_reason": "finished", "responses_by_status": {"200": 2}, **figures}
    store.finish_run(run_id, finished=ended, **figures)
    store.conn.execute("UPDATE crawl_runs SET started = ? WHERE id = ?", (ended, run_id))
    return run_id


@contextlib.contextmanager
def _now(when: dt.datetime):
    """``survreg status`` as if it ran at ``when`` (runs here are dated around NOW)."""
    original = health_module.source_health
    with mock.patch.object(
        health_module, "source_health", lambda store, now=None: original(store, when)
    ):
        yield


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
    store.close()


def test_a_source_never_run_is_not_run_yet_and_not_broken(data_dir, capsys):
    store = CrawlStore(paths.crawl_db())
    add_run(store, "contracts-finder", hours_ago=2, records_new=5)
    never = health_of(store, "find-a-tender")
    assert (never.state, never.problems, never.broken) == ("not run yet", [], False)
    failed = store.start_run("sell2wales")
    store.finish_run(failed, finish_reason="finished", responses_by_status={"500": 4}, errors=1)
    store.close()
    assert health_of(CrawlStore(paths.crawl_db()), "sell2wales").problems[-1] == (
        "stale",
        "never succeeded",
    )


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
    assert ("find-a-tender", "stale") not in copied
    store.close()


def test_status_exits_zero_only_when_every_source_is_healthy(data_dir, capsys):
    store = CrawlStore(paths.crawl_db())
    now = dt.datetime.now(dt.UTC)
    for source in enabled_sources():
        run_id = store.start_run(source)
        store.finish_run(
            run_id, finish_reason="finished", records_new=1, responses_by_status={"200": 1}
        )
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


def test_a_field_is_missing_only_where_the_sources_format_has_it(data_dir):
    store = CrawlStore(paths.crawl_db())
    # Dataset rows carry no publication date: an undated row is missing nothing.
    add_run(store, "atlas-of-surveillance", hours_ago=1, records_new=28, records_missing_date=28)
    assert health_of(store, "atlas-of-surveillance").problems == []
    # OCDS releases always have one: 30 of 100 undated is a missing field.
    bad = add_run(store, "contracts-finder", hours_ago=1, records_new=100, records_missing_date=30)
    assert health_of(store, "contracts-finder").problems[0] == (
        "missing-fields",
        f"30% of records missing required fields in run {bad} (was 0%)",
    )
    store.close()


def test_a_dry_run_is_recorded_as_one_and_never_changes_health(data_dir, capsys):
    store = CrawlStore(paths.crawl_db())
    for source in enabled_sources():
        add_run(store, source, hours_ago=1, records_new=3)
    good = health_of(store, "ted").last_run
    dry = store.start_run("ted", {"sample": "1"})
    store.finish_run(dry, finish_reason="finished", responses_by_status={}, errors=2)
    health = health_of(store, "ted")
    assert (health.state, health.last_run, health.last_dry_run["id"]) == ("ok", good, dry)
    # The dry run itself failed (it fetched nothing): that is the crawl's exit, not the health.
    assert [kind for kind, _ in judge_run(store, dry)] == ["nothing-fetched", "no-records"]
    store.close()
    with _now(NOW + dt.timedelta(minutes=5)):
        assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"ted: dry run {dry} at" in out and "(not judged)" in out


def test_a_run_that_fetched_nothing_is_broken(data_dir):
    store = CrawlStore(paths.crawl_db())
    run = add_run(store, "ted", hours_ago=1, responses_by_status={}, requests=2, errors=1)
    assert health_of(store, "ted").problems[0] == (
        "nothing-fetched",
        f"run {run} fetched nothing: 2 requests, no answer",
    )
    store.close()


def test_a_disabled_source_shows_as_disabled_not_broken(data_dir, tmp_path, monkeypatch, capsys):
    entries = yaml.safe_load((REFERENCE_DIR / "sources.yaml").read_text("utf-8"))
    for entry in entries:
        if entry["id"] == "dahua":
            entry["disabled"] = "its news list renders only with JavaScript"
    override = tmp_path / "reference"
    override.mkdir()
    (override / "sources.yaml").write_text(yaml.safe_dump(entries), "utf-8")
    monkeypatch.setenv("SURVREG_REFERENCE", str(override))
    load_sources.cache_clear()
    try:
        store = CrawlStore(paths.crawl_db())
        run = store.start_run("dahua")
        store.finish_run(run, finish_reason="finished", responses_by_status={"404": 3})
        dahua = health_of(store, "dahua")
        assert (dahua.state, dahua.broken) == ("disabled", False)
        assert "dahua" not in enabled_sources()
        store.close()
        main(["status"])
        out = capsys.readouterr().out
        assert f"{'dahua':26} disabled" in out
        assert "dahua: disabled: its news list renders only with JavaScript" in out
        assert main(["crawl", "dahua"]) == 2
        assert "dahua is disabled: its news list renders only with JavaScript" in (
            capsys.readouterr().err
        )
    finally:
        load_sources.cache_clear()


def test_the_registrys_sources_table_says_what_status_says(data_dir, tmp_path):
    store_documents(paths.crawl_db(), extra=[notice(f"cctv/{n}") for n in range(4)])
    store = CrawlStore(paths.crawl_db())
    now = dt.datetime.now(dt.UTC)
    add_run(store, "contracts-finder", hours_ago=0, records_new=4)
    bad = add_run(store, "contracts-finder", hours_ago=0)
    add_run(store, "ted", hours_ago=0, records_new=2)
    store.close()
    build(paths.crawl_db(), paths.registry_db(), progress=False)
    rows = {r["id"]: r for r in sqlite_utils.Database(paths.registry_db())["sources"].rows}
    store = CrawlStore(paths.crawl_db())
    status = {h.source: h for h in source_health(store, now)}
    store.close()
    for source in ("contracts-finder", "ted", "find-a-tender"):
        assert rows[source]["health"] == status[source].state.lower()
        success = status[source].last_success
        assert rows[source]["last_successful_crawl"] == (success or {}).get("finished")
    assert rows["contracts-finder"]["health"] == "broken"
    assert rows["contracts-finder"]["problems"].startswith(f"no-records: run {bad} yielded 0")
    assert rows["find-a-tender"]["health"] == "not run yet"


def test_status_of_a_malformed_crawl_store_is_one_line(data_dir, capsys):
    data_dir.mkdir(parents=True)
    paths.crawl_db().write_bytes(b"this is not a database, it is a text file\n" * 100)
    assert main(["status"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.strip() == (f"survreg status: {paths.crawl_db()}: file is not a database")


def test_status_of_a_data_directory_with_no_crawl_store_says_so(data_dir, capsys):
    # A mistyped --data printed a table of "not run yet" and nothing else.
    assert main(["status"]) == 0
    captured = capsys.readouterr()
    assert f"no crawl store at {paths.crawl_db()}" in captured.err
    assert "not run yet" in captured.out
