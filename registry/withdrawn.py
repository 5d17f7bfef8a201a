"""Which records their source withdrew: returned by one run, missing from a later complete run.

A run is complete when it finished normally without errors or rejected records, and it was given
no arguments other than those ``complete_listing`` names for its source in sources.yaml. A source
without that key lists its records by date window or feed, so no run of it proves a withdrawal.
A record last seen before its source's latest complete run started was not returned by that run.
"""

from __future__ import annotations

import json
from typing import Any

from crawlers.store import CrawlStore


def complete_runs(store: CrawlStore, sources: dict[str, dict]) -> dict[str, dict[str, Any]]:
    """Each source's latest complete run (``id``, ``started``), for sources that can have one."""
    found: dict[str, dict[str, Any]] = {}
    for source, config in sources.items():
        if "complete_listing" not in config:
            continue
        allowed = set(config["complete_listing"] or [])
        for run in reversed(store.runs(source)):
            arguments = set(json.loads(run["arguments"] or "{}"))
            if (
                run["finish_reason"] == "finished"
                and not run["errors"]
                and not run["records_rejected"]
                and arguments <= allowed
            ):
                found[source] = {"id": run["id"], "started": run["started"]}
                break
    return found


def withdrawal(row: dict[str, Any], complete: dict[str, dict[str, Any]]) -> str | None:
    """Why a crawl-store row counts as withdrawn at its source, or None if it does not."""
    run = complete.get(row["source"])
    if run is None or row["last_seen"] >= run["started"]:
        return None
    return (
        f"withdrawn at its source: last seen {row['last_seen'][:10]}, not returned by the "
        f"complete run {run['id']} of {run['started'][:10]}"
    )
