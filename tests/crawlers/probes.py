"""Test-only probes plugged into real crawls through settings, as tests/hardening/guard.py is."""

from __future__ import annotations

import logging
import threading

from crawlers.archive import DocumentArchiveMiddleware

logger = logging.getLogger(__name__)


class ThreadNamingArchiveMiddleware(DocumentArchiveMiddleware):
    """The real archive middleware, logging which thread writes each document."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        put = self.archive.put

        def logged_put(body: bytes) -> str:
            thread = threading.current_thread()
            digest = put(body)
            logger.warning(
                "archived %s in thread %s (main: %s)",
                digest,
                thread.name,
                thread is threading.main_thread(),
            )
            return digest

        self.archive.put = logged_put  # type: ignore[method-assign]
