"""The document archive: zstd files, older gzip ones still read, written off the reactor thread."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import time

import pytest

from crawlers import paths
from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore
from registry.crawl import run_crawl
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT


@pytest.fixture
def cf_snapshot(tmp_path):
    directory = tmp_path / "contracts-finder"
    shutil.copytree(SNAPSHOT / "contracts-finder", directory)
    return directory


def test_documents_are_zstd_files_and_older_gzip_ones_are_read_kept_and_pruned(tmp_path):
    archive = DocumentArchive(tmp_path)
    page = (SNAPSHOT / "contracts-finder" / "search-page-1.json").read_bytes()
    digest = archive.put(page)
    path = archive.path_for(digest)
    assert path.suffix == ".zst" and path.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert archive.get(digest) == page
    assert path.stat().st_size < len(gzip.compress(page, 9))
    # A document an older crawl archived as gzip is found, not written again, and pruned.
    old_body = b'{"releases": []}'
    old = archive.put(old_body)
    archive.path_for(old).unlink()
    legacy = tmp_path / old[:2] / f"{old}.gz"
    legacy.write_bytes(gzip.compress(old_body))
    os.utime(legacy, (0, 0))
    assert archive.get(old) == old_body
    assert archive.put(old_body) == old
    assert not archive.path_for(old).exists() and legacy.stat().st_mtime > 0
    assert {d for d, _ in archive.documents()} == {digest, old}
    os.utime(legacy, (0, 0))
    assert archive.prune(keep_days=30, cited=[digest], now=time.time()) == [old]
    assert {d for d, _ in archive.documents()} == {digest}


def test_a_crawl_archives_every_document_in_worker_threads(data_dir, cf_snapshot):
    middlewares = {
        "crawlers.archive.DocumentArchiveMiddleware": None,
        "tests.crawlers.probes.ThreadNamingArchiveMiddleware": 520,
    }
    with ReplayServer(cf_snapshot) as server:
        result = run_crawl(
            "contracts-finder",
            {"source_url": server.url},
            {"DOWNLOADER_MIDDLEWARES": json.dumps(middlewares)},
            allow_loopback=True,
            timeout=180,
            capture_output=True,
            text=True,
        )
    writes = re.findall(r"archived (\w+) in thread (\S+) \(main: (\w+)\)", result.stderr)
    assert len(writes) == 2, result.stderr[-2000:]
    assert {
        (thread.startswith("PoolThread-document-archive-"), main) for _, thread, main in writes
    } == {(True, "False")}
    store = CrawlStore(paths.crawl_db())
    cited = {r["document_sha256"] for r in store.iter_records()}
    store.close()
    assert cited == {digest for digest, _, _ in writes}
    archive = DocumentArchive(paths.archive_dir())
    assert all(archive.get(digest) for digest in cited)
