"""A publish (a swap the workers follow) while 50 readers hammer the production server over HTTP."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from registry.build import build
from registry.publish import publish
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents
from tests.registry.production import production_server, wait_until

READERS = 50
NOTICES = "/registry/notices.json?_shape=objects&_size=max&_col=title"
DEPLOYMENTS = "/registry/deployments.json?_shape=objects&_size=max&_col=title"


@pytest.fixture
def production(data_dir):
    """gunicorn serving a live registry of 4 notices; a staged one with 40 notices more."""
    data_dir.mkdir(parents=True)
    crawl_db, live, staged = (data_dir / n for n in ("crawl.db", "registry.db", "staged.db"))
    store_documents(crawl_db, *sorted((FIXTURES / "ocds").glob("uk-*.json")))
    build(crawl_db, live, progress=False)
    store_documents(crawl_db, extra=[notice(f"new/{n}", title=f"CCTV lot {n}") for n in range(40)])
    build(crawl_db, staged, progress=False)
    with production_server(data_dir, NOTICES) as url:
        yield url, live, staged


def snapshot(response: httpx.Response) -> tuple[int, frozenset[str], int]:
    """What one answer says: its row ids and the row count it claims."""
    data = response.json()
    return (
        len(data["rows"]),
        frozenset(r["id"] for r in data["rows"]),
        data["filtered_table_rows_count"],
    )


@pytest.mark.parametrize("keep_alive", [False, True], ids=["connection-close", "keep-alive"])
def test_publish_under_50_concurrent_readers_fails_nothing_and_mixes_nothing(
    production, keep_alive
):
    url, live, staged = production
    before = {page: snapshot(httpx.get(url + page)) for page in (NOTICES, DEPLOYMENTS)}
    # (asked after publish() returned, page, what the answer says)
    answers: list[tuple[bool, str, tuple[int, frozenset[str], int]]] = []
    failures: list[str] = []
    published = threading.Event()
    stop = threading.Event()

    def read(n: int) -> None:
        page = (NOTICES, DEPLOYMENTS)[n % 2]
        headers = {} if keep_alive else {"Connection": "close"}
        client = httpx.Client(headers=headers, timeout=30)
        while not stop.is_set():
            after = published.is_set()
            try:
                response = client.get(url + page)
            except httpx.TransportError as exc:
                failures.append(f"{page}: {exc!r}")
                continue
            if response.status_code != 200:
                failures.append(f"{page}: HTTP {response.status_code}")
                continue
            answers.append((after, page, snapshot(response)))
        client.close()

    readers = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
    for reader in readers:
        reader.start()
    # Answers of the old registry before the swap, and more asked after it.
    wait_until(lambda: len(answers) >= 2 * READERS or failures, "answers before the publish")
    publish(staged, live)
    published.set()
    wait_until(
        lambda: sum(after for after, _, _ in answers) >= 3 * READERS or failures,
        "answers after the publish",
    )
    stop.set()
    for reader in readers:
        reader.join(timeout=60)

    assert failures == []
    assert len(answers) > 4 * READERS
    notices = Counter(a for _, p, a in answers if p == NOTICES)
    old = before[NOTICES]
    (new,) = set(notices) - {old}
    # Every answer is wholly the old registry or wholly the new one, its count included.
    assert set(notices) == {old, new}
    assert (old[0], old[2]) == (4, 4) and (new[0], new[2]) == (44, 44) and old[1] < new[1]
    deployments = {a for _, p, a in answers if p == DEPLOYMENTS}
    assert all(rows == count for rows, _, count in deployments)
    assert len(deployments) == 2 and before[DEPLOYMENTS] in deployments
    # Once the publish has returned, every request gets the new registry: no worker lags.
    assert {a for after, p, a in answers if after and p == NOTICES} == {new}
    assert before[DEPLOYMENTS] not in {a for after, p, a in answers if after and p == DEPLOYMENTS}
    assert not staged.exists()
