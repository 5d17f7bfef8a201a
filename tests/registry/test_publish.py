"""Publishing under load: gunicorn + uvicorn workers, a swap, concurrent HTTP readers."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from registry.build import build
from registry.publish import content_digest, publish
from registry.serve import PRODUCTION_SETTINGS
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents
from tests.registry.production import production_server, wait_until

PAGE = "/registry/notices.json?_shape=objects&_size=max&_col=title"
SQL_THREADS = int(PRODUCTION_SETTINGS["num_sql_threads"])


@pytest.fixture
def registries(data_dir):
    """The live registry (recorded UK notices) and a staged one with three notices more."""
    data_dir.mkdir(parents=True)
    crawl_db, live, staged = (data_dir / n for n in ("crawl.db", "registry.db", "staged.db"))
    store_documents(crawl_db, *sorted((FIXTURES / "ocds").glob("uk-*.json")))
    build(crawl_db, live, progress=False)
    extra = [notice(f"published/{n}", title=f"CCTV lot {n}") for n in range(3)]
    store_documents(crawl_db, extra=extra)
    build(crawl_db, staged, progress=False)
    return live, staged


@pytest.fixture
def server(data_dir, registries):
    with production_server(data_dir, PAGE) as url:
        yield url


def ids_of(response: httpx.Response) -> tuple[frozenset[str], int]:
    data = response.json()
    return frozenset(r["id"] for r in data["rows"]), data["filtered_table_rows_count"]


def test_publish_under_concurrent_readers_fails_nothing_and_mixes_nothing(registries, server):
    live, staged = registries
    url = server
    old, _ = ids_of(httpx.get(url + PAGE))
    # (status, ids, count, asked after publish() returned)
    answers: list[tuple[int, frozenset[str] | None, int | None, bool]] = []
    failures: list[str] = []
    published = threading.Event()
    stop = threading.Event()

    def read() -> None:
        # Keep-alive connections too: no worker restarts, so none is closed under a request.
        client = httpx.Client(timeout=30)
        while not stop.is_set():
            after = published.is_set()
            try:
                response = client.get(url + PAGE)
            except httpx.TransportError as exc:
                failures.append(repr(exc))
                continue
            if response.status_code != 200:
                answers.append((response.status_code, None, None, after))
                continue
            answers.append((200, *ids_of(response), after))

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    wait_until(lambda: len(answers) >= 12 or failures, "answers before the publish")
    published_at = len(answers)
    publish(staged, live)
    published.set()
    wait_until(lambda: sum(a[3] for a in answers) >= 24 or failures, "answers after the publish")
    stop.set()
    for reader in readers:
        reader.join(timeout=60)

    assert failures == []
    assert {status for status, _, _, _ in answers} == {200}
    new = next(ids for _, ids, _, _ in reversed(answers))
    assert new - old == {f"contracts-finder/published/{n}" for n in range(3)}
    assert old <= new
    # Every answer is wholly the old registry or wholly the new one, counts included.
    assert {(ids, count) for _, ids, count, _ in answers} == {(old, len(old)), (new, len(new))}
    assert answers[published_at - 1][1] == old and answers[-1][1] == new
    assert not staged.exists()
    # Once the publish has returned, every request gets the new registry: no worker lags.
    assert {ids for _, ids, _, after in answers if after} == {new}


def test_content_digest_ignores_file_layout_and_crawl_times(tmp_path):
    crawl_db = tmp_path / "crawl.db"
    store_documents(crawl_db, *sorted((FIXTURES / "ocds").glob("uk-*.json")))
    build(crawl_db, tmp_path / "a.db", progress=False)
    build(crawl_db, tmp_path / "b.db", progress=False)
    assert content_digest(tmp_path / "a.db") == content_digest(tmp_path / "b.db")
    store_documents(crawl_db, extra=[notice("digest/1", title="CCTV upgrade")])
    build(crawl_db, tmp_path / "c.db", progress=False)
    assert content_digest(tmp_path / "c.db") != content_digest(tmp_path / "a.db")


def workers(data_dir) -> list[int]:
    """The gunicorn workers: the children of the master named in the pid file."""
    master = int((data_dir / "server.pid").read_text().strip())
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def footprint(pid: int) -> tuple[int, int]:
    """A worker's threads, and its open descriptors on registry files that have been deleted
    (gunicorn's own heartbeat file is deleted by design)."""
    threads = len(os.listdir(f"/proc/{pid}/task"))
    deleted = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            deleted += target.endswith(".db (deleted)")
    return threads, deleted


def test_twenty_publishes_under_load_leave_no_threads_or_deleted_files_open(
    data_dir, registries, server
):
    live, staged = registries
    url = server
    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    def read() -> None:
        client = httpx.Client(timeout=30)
        while not stop.is_set():
            try:
                response = client.get(url + PAGE)
                if response.status_code != 200:
                    failures.append(f"HTTP {response.status_code}: {response.text[:300]}")
            except httpx.TransportError as exc:
                failures.append(repr(exc))
            answered[0] += 1

    def answers(count: int) -> None:
        wait_until(lambda: answered[0] >= count or failures, f"{count} answers")

    def burst() -> None:
        # Enough concurrent requests for every worker to start all its SQL threads.
        readers = [threading.Thread(target=read) for _ in range(8)]
        for reader in readers:
            reader.start()
        answers(answered[0] + 80)
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
        stop.clear()

    burst()
    before = {pid: footprint(pid) for pid in workers(data_dir)}
    readers = [threading.Thread(target=read) for _ in range(8)]
    for reader in readers:
        reader.start()
    for n in range(20):
        copy = staged.with_name(f"staged-{n}.db")
        shutil.copyfile(staged, copy)
        publish(copy, live)
        # Each build is read by the workers before the next replaces it.
        answers(answered[0] + 16)
    stop.set()
    for reader in readers:
        reader.join(timeout=60)
    # The workers' last requests after the final publish retire the builds before it.
    for _ in range(4):
        httpx.get(url + PAGE, timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = {pid: footprint(pid) for pid in before}
        if all(
            after[pid][0] <= before[pid][0] + SQL_THREADS and not after[pid][1] for pid in before
        ):
            break
        time.sleep(0.5)
    assert failures == []
    assert set(workers(data_dir)) == set(before), "no worker was restarted"
    assert all(deleted == 0 for _, deleted in before.values())
    assert {pid: after[pid][1] for pid in before} == {pid: 0 for pid in before}
    # Datasette starts SQL threads as requests need them, so the live build may run up to a pool
    # more than the first did; every earlier build's pool and write thread are gone (before the
    # fix each publish left a write thread and a pool in every worker).
    assert all(after[pid][0] <= before[pid][0] + SQL_THREADS for pid in before), (before, after)
