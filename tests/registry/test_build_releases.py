"""A crawl store that keeps OCDS releases as their publishers wrote them builds the registry that
one holding the mapped notice items (as crawls stored them before) builds, row for row."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from crawlers.parsers import ocds
from crawlers.store import CrawlStore
from registry.build import build
from tests.conftest import FIXTURES, SNAPSHOT
from tests.registry.test_build_parallel import _tables

DOCUMENTS = [
    *sorted((FIXTURES / "ocds").glob("*.json")),
    SNAPSHOT / "contracts-finder" / "search-page-1.json",
]
EARLIER, LATER = "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"


def _releases() -> list[tuple[str, dict]]:
    """Each release of the fixtures with the URL of its document."""
    found = []
    for path in DOCUMENTS:
        url = f"https://example.org/ocds/{path.name}"
        found.extend((url, release) for release in ocds.releases(path.read_bytes()))
    return found


def _earlier(release: dict) -> dict:
    """The release as an earlier version said it: another title."""
    earlier = copy.deepcopy(release)
    tender = earlier.get("tender")
    if isinstance(tender, dict):
        tender["title"] = f"{tender.get('title')} (first notice)"
    return earlier


def _fill(crawl_db: Path, record: Callable[[dict], dict]) -> None:
    """Every release stored twice: an earlier version of it, then the release itself."""
    store = CrawlStore(crawl_db)
    for now, change in ((EARLIER, _earlier), (LATER, lambda r: r)):
        for url, release in _releases():
            stored = record(change(release))
            stored.update(document_url=url, document_sha256="0" * 64)
            store.upsert(stored, now=now)
    store.close()


def test_stored_releases_build_the_registry_their_items_build(tmp_path: Path) -> None:
    _fill(tmp_path / "items.db", ocds.release_to_item)
    _fill(tmp_path / "releases.db", ocds.stored_record)
    items = build(tmp_path / "items.db", tmp_path / "items" / "registry.db", progress=False)
    releases = build(
        tmp_path / "releases.db", tmp_path / "releases" / "registry.db", progress=False
    )
    assert items.notices >= 5 and items.not_relevant > 90 and items.failed == 0
    assert releases.summary() == items.summary()
    item_tables = _tables(tmp_path / "items" / "registry.db")
    release_tables = _tables(tmp_path / "releases" / "registry.db")
    assert len(item_tables["notice_versions"]) >= 5
    assert release_tables.keys() == item_tables.keys()
    for name, rows in item_tables.items():
        assert release_tables[name] == rows, name


def test_a_release_stored_as_an_item_before_is_no_new_version_when_kept_as_written(
    tmp_path: Path,
) -> None:
    (url, release), *_ = _releases()
    store = CrawlStore(tmp_path / "crawl.db")
    fetched = {"document_url": url, "document_sha256": "0" * 64}
    assert store.upsert({**ocds.release_to_item(release), **fetched}, now=EARLIER) == "new"
    assert store.upsert({**ocds.stored_record(release), **fetched}, now=LATER) == "unchanged"
    (row,) = store.iter_records()
    assert row["version"] == 1 and row["last_changed"] == EARLIER and row["last_seen"] == LATER
    assert '"ocds_release":{' in row["record"] and store.count("record_history") == 0
    changed = ocds.stored_record(_earlier(release))
    assert store.upsert({**changed, **fetched}, now=LATER) == "changed"
    assert store.count("record_history") == 1
    store.close()
