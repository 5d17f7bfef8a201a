"""Links fit to publish: only http(s), so no javascript: or data: URL reaches a page or feed."""

from __future__ import annotations

from typing import Any

SAFE_SCHEMES = ("http://", "https://")


def safe_link(url: Any) -> str | None:
    """The URL stripped, if it is http(s); None otherwise."""
    if isinstance(url, str) and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None
