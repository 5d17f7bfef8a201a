"""Withdrawn means withdrawn at the source: real Atlas crawls over loopback, then builds."""

from __future__ import annotations

import csv
import io

import pytest
import sqlite_utils

from crawlers import paths
from crawlers.store import CrawlStore
from registry.build import BuildError, build
from registry.replay import ReplayServer
from registry.sources import load_sources
from registry.withdrawn import complete_runs
from tests.conftest import SNAPSHOT
from tests.crawlers.spiders.crawling import crawl

ATLAS = "atlas-of-surveillance"
CSV = (SNAPSHOT / ATLAS / "download.csv").read_text("utf-8")


def without(*numbers: str) -> bytes:
    """The recorded Atlas CSV without the rows of these AOS numbers."""
    rows = list(csv.reader(io.StringIO(CSV)))
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL).writerows(r for r in rows if r[0] not in numbers)
    return out.getvalue().encode()


def serve(body: bytes) -> ReplayServer:
    return ReplayServer(routes=[{"path": "/download.csv", "body": body}])


def atlas_crawl(body: bytes, **arguments) -> None:
    with serve(body) as server:
        crawl(ATLAS, server, **arguments)


def rebuild(**options):
    return build(paths.crawl_db(), paths.registry_db(), progress=False, **options)


def alone(db: sqlite_utils.Database) -> tuple[str, str]:
    """An Atlas record that is the only evidence of its deployment, and that deployment."""
    return next(
        (r["record_id"], r["deployment_id"])
        for r in db.query(
            "SELECT record_id, deployment_id FROM evidence WHERE deployment_id IN "
            "(SELECT id FROM deployments WHERE evidence_count = 1) ORDER BY record_id"
        )
    )


def test_a_record_missing_from_a_later_complete_run_is_withdrawn_at_its_source(data_dir):
    atlas_crawl(CSV.encode())
    first = rebuild()
    assert first.dataset_rows > 20 and first.withdrawn == 0
    db = sqlite_utils.Database(paths.registry_db())
    record, deployment = alone(db)
    number = record.split("/", 1)[1]

    # A sample is no complete listing: the rows it did not return are not withdrawn.
    atlas_crawl(without(number), sample=3)
    assert rebuild().withdrawn == 0
    assert db["deployments"].count == first.deployments

    atlas_crawl(without(number))
    report = rebuild()
    assert report.withdrawn == 1
    db = sqlite_utils.Database(paths.registry_db())
    assert not list(db["dataset_rows"].rows_where("id = ?", [record]))
    marker = db["deployment_markers"].get(deployment)
    assert (marker["state"], marker["successors"]) == ("withdrawn", "[]")
    store = CrawlStore(paths.crawl_db())
    run = complete_runs(store, load_sources())[ATLAS]
    assert run["id"] == store.runs(ATLAS)[-1]["id"]  # the sample run before it is not complete
    (seen,) = store.conn.execute(
        "SELECT last_seen FROM records WHERE source = ? AND source_id = ?", [ATLAS, number]
    ).fetchone()
    store.close()
    assert marker["reason"] == (
        f"withdrawn at its source: last seen {seen[:10]}, "
        f"not returned by the complete run {run['id']} of {run['started'][:10]}"
    )
    # The crawl store keeps the withdrawn record: nothing is lost if the source brings it back.
    atlas_crawl(CSV.encode())
    assert rebuild().withdrawn == 0
    db = sqlite_utils.Database(paths.registry_db())
    assert db["dataset_rows"].get(record)["id"] == record


def test_a_complete_run_returning_far_fewer_rows_is_not_published_unless_allowed(data_dir):
    atlas_crawl(CSV.encode())
    first = rebuild()
    numbers = [row[0] for row in csv.reader(io.StringIO(CSV))][1:]
    atlas_crawl(without(*numbers[5:]))
    with pytest.raises(BuildError, match=f"records dropped: {ATLAS} "):
        rebuild()
    assert sqlite_utils.Database(paths.registry_db())["deployments"].count == first.deployments
    report = rebuild(allow_shrink=True)
    assert report.withdrawn == len(numbers) - 5
