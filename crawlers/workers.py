"""Worker threads and processes for the crawl's slow work (archive writes, store batches,
parsing), off the reactor."""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
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


def process_pool(size: int) -> ProcessPoolExecutor:
    """``size`` worker processes, started when first used, that end with the crawl. Spawned,
    not forked: a fork of the crawl would copy its reactor, threads and open store mid-use."""
    return ProcessPoolExecutor(
        size,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_dies_with,
        initargs=(os.getpid(),),
    )


PR_SET_PDEATHSIG = 1


def _dies_with(parent: int) -> None:
    # A crawl killed outright (kill -9) leaves no worker behind: the kernel signals it (Linux).
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)  # the crawl died before the request took effect


async def run_in_process(
    pool: ProcessPoolExecutor, function: Callable[..., Any], *args: Any
) -> Any:
    """Await ``function(*args)`` run in one of ``pool``'s processes (picklable, both ways)."""
    from twisted.internet import reactor

    deferred: Deferred = Deferred()

    def done(future: Future) -> None:
        # Called in the pool's own thread: the Deferred fires on the reactor's.
        reactor.callFromThread(_fire, deferred, future)

    pool.submit(function, *args).add_done_callback(done)
    return await maybe_deferred_to_future(deferred)


def _fire(deferred: Deferred, future: Future) -> None:
    error = future.exception()
    if error is None:
        deferred.callback(future.result())
    else:
        deferred.errback(error)
