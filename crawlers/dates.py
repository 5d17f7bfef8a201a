"""The dates a crawl itself needs (date windows): the machine formats of feeds and sitemaps.

Human-written dates are the build's to read (registry/normalise/dates.py); a crawl that cannot
read one treats the document as undated and keeps it.
"""

from __future__ import annotations

import datetime as dt
import email.utils


def machine_date(raw: str | None) -> str | None:
    """The day of an ISO 8601 or RFC 822 date ("2024-03-01T10:00:00Z", "Fri, 01 Mar 2024 ..."),
    as YYYY-MM-DD, or None."""
    text = (raw or "").strip()[:64]
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None
