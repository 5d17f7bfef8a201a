"""Crawl-store rows normalised for the build, in worker processes when the store is large.

Normalising one record needs nothing of the crawl store or of the registry being written, so
it is shared out in batches; results come back in the order the rows were read, and the
parent writes them as a build without workers would: the same registry, row for row.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from crawlers.store import load_record
from registry.normalise.kinds import normaliser
from registry.normalise.record import normalise_record
from registry.notice_rows import EXTRA_KEYS, notice_rows
from registry.relevance import (
    may_be_plausible,
    plausible_notice,
    published_announcement,
    published_notice,
)

BATCH = 256
# Batches in flight per worker: enough that none waits for the parent, few enough that memory
# does not grow with the store.
AHEAD = 3
# Below this many records a build normalises in its own process: starting workers costs more.
PARALLEL_MIN_RECORDS = 10_000
MAX_WORKERS = 8


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one stored record: its normalised record, or why there is none."""

    record: Any = None  # as the build writes it: a notice's rows (NoticeRows), else the record
    not_relevant: bool = False
    error: str | None = None  # "Type: message" when reading or normalising it raised


def default_workers(records: int) -> int:
    """Worker processes for a build of ``records``: one per core of a large store, else none."""
    if records < PARALLEL_MIN_RECORDS:
        return 0
    return min(MAX_WORKERS, len(os.sched_getaffinity(0)))


def outcome(kind: str, stored: str | bytes) -> Outcome:
    """Parse, test and normalise one stored record of ``kind`` as the build publishes it."""
    plausible, published = _TESTS.get(kind, (None, None))
    normalise = _NORMALISERS.get(kind) or normaliser(kind)
    try:
        item = load_record(stored)
        if plausible is not None and not plausible(item):
            return Outcome(not_relevant=True)
        record = normalise(item)
    except Exception as exc:  # any bug costs this record, counted by the build, never the build
        return Outcome(error=f"{type(exc).__name__}: {exc}")
    if published is not None and not published(record):
        return Outcome(not_relevant=True)
    written = _WRITTEN.get(kind)
    return Outcome(record=written(record) if written is not None else record)


def _plausible_notice(item: dict) -> bool:
    # The pre-filter refuses only what plausible_notice refuses, at a fraction of its cost.
    return may_be_plausible(item) and plausible_notice(item)


# Per kind: the test of the stored item before the costly normalisation, and of the record
# after it. Dataset rows and vulnerabilities are sorted by their own tables.
_TESTS: dict[str, tuple[Callable[[dict], bool] | None, Callable[[dict], bool] | None]] = {
    "notice": (_plausible_notice, published_notice),
    "announcement": (None, published_announcement),
}


# Per kind: the rows the build writes of a record, worked out here (in a worker) so that the
# parent, the one writer, only writes them; the record itself need not travel back.
_WRITTEN: dict[str, Callable[[dict], Any]] = {"notice": notice_rows}
# A notice's rows read only a few of its extra fields: the rest are not redacted for nothing.
_NORMALISERS: dict[str, Callable[[dict], dict]] = {
    "notice": partial(normalise_record, extra_keys=EXTRA_KEYS)
}


def _batch(kind: str, stored: list[str | bytes]) -> list[Outcome]:
    return [outcome(kind, record) for record in stored]


class Normalising:
    """Outcomes of crawl-store rows, computed by ``workers`` processes (none: in this one)."""

    def __init__(self, workers: int = 0):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Normalising:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def submit(self, function: Callable[..., None], *args: Any) -> Future[None]:
        """``function(*args)`` run by a worker while this process goes on; here, at once, when
        there are none."""
        if self.workers:
            return self._start().submit(function, *args)
        function(*args)
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def outcomes(self, kind: str, rows: Iterable[dict]) -> Iterator[tuple[dict, Outcome]]:
        """Each row with its outcome, in the rows' order."""
        if not self.workers:
            for row in rows:
                yield row, outcome(kind, row["record"])
            return
        pool = self._start()
        pending: deque[tuple[list[dict], Future[list[Outcome]]]] = deque()
        remaining = iter(rows)
        for batch in iter(lambda: list(islice(remaining, BATCH)), []):
            pending.append((batch, pool.submit(_batch, kind, [row["record"] for row in batch])))
            if len(pending) >= self.workers * AHEAD:
                yield from _done(pending.popleft())
        while pending:
            yield from _done(pending.popleft())

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Spawned, not forked: a worker shares no open database or lock with the build.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool


def _done(entry: tuple[list[dict], Future[list[Outcome]]]) -> Iterator[tuple[dict, Outcome]]:
    batch, future = entry
    yield from zip(batch, future.result(), strict=True)
