"""Worker threads for the crawl's slow work (archive writes, store batches), off the reactor."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.threadpool import ThreadPool


def worker_pool(name: str, size: int) -> ThreadPool:
    """A started pool of up to ``size`` threads. They are daemons: a crawl that fails before it
    stops its pools still exits (the writes they do are atomic, so none is left half done)."""
    pool = ThreadPool(minthreads=0, maxthreads=max(1, size), name=name)
    pool.threadFactory = functools.partial(threading.Thread, daemon=True)  # type: ignore[assignment]
    pool.start()
    return pool


def in_pool(pool: ThreadPool, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:
    """``function(*args, **kwargs)`` in one of ``pool``'s threads; fires on the reactor thread."""
    from twisted.internet import reactor

    return threads.deferToThreadPool(reactor, pool, function, *args, **kwargs)


async def run_in(pool: ThreadPool, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await ``function(*args, **kwargs)`` run in one of ``pool``'s threads."""
    return await maybe_deferred_to_future(in_pool(pool, function, *args, **kwargs))


def stop(pool: ThreadPool) -> None:
    """Stop ``pool`` once its queued work is done; stopping twice is harmless."""
    if pool.started:
        pool.stop()
