"""The ``buyers`` table: each contracting authority or operating agency, however written.

A buyer's id is its country and its folded name (``gb/cityofdoncastercouncil``), folded as
supplier names are (case, punctuation, legal forms), so its profile page gathers every
deployment and notice of one organisation.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlite_utils

from registry.normalise.suppliers import supplier_key

BATCH = 2000


def buyer_key(name: Any, country: Any) -> str | None:
    """``gb/cityofdoncastercouncil``; None when there is no name."""
    key = supplier_key(name) if isinstance(name, str) else None
    if key is None:
        return None
    return f"{str(country).lower()}/{key}" if country else key


def publish(db: sqlite_utils.Database) -> None:
    """Write ``buyers``, ``deployment_buyers`` and ``notice_buyers`` from the built tables."""
    db.table("buyers").create(
        {
            "id": str,
            "name": str,
            "names": str,
            "country": str,
            "place_id": str,
            "deployments": int,
            "notices": int,
        },
        pk="id",
        foreign_keys=[("place_id", "places", "id")],
    )
    for kind, table in (("deployment", "deployments"), ("notice", "notices")):
        db.table(f"{kind}_buyers").create(
            {f"{kind}_id": str, "buyer_id": str},
            pk=(f"{kind}_id", "buyer_id"),
            foreign_keys=[(f"{kind}_id", table, "id"), ("buyer_id", "buyers", "id")],
        )
    buyers: dict[str, dict] = {}
    for kind, sql in (
        ("deployment", "SELECT id, buyer_name, country, place_id FROM deployments"),
        ("notice", "SELECT id, buyer_name, buyer_country, place_id FROM notices"),
    ):
        # Links are written batch by batch as they are found: memory stays flat in records.
        links: list[tuple[str, str]] = []
        insert = f"INSERT OR IGNORE INTO {kind}_buyers ({kind}_id, buyer_id) VALUES (?, ?)"
        for record_id, name, country, place_id in db.execute(sql):
            key = buyer_key(name, country)
            if key is None:
                continue
            entry = buyers.get(key)
            if entry is None:  # not setdefault: its two Counters cost more than the row's work
                entry = buyers[key] = {
                    "names": Counter(),
                    "country": country,
                    "places": Counter(),
                    "deployment": 0,
                    "notice": 0,
                }
            entry["names"][name] += 1
            entry[kind] += 1
            if place_id:
                entry["places"][place_id] += 1
            links.append((record_id, key))
            if len(links) >= BATCH:
                db.conn.executemany(insert, links)
                links = []
        db.conn.executemany(insert, links)
    db.table("buyers").insert_all(
        (
            {
                "id": key,
                "name": entry["names"].most_common(1)[0][0],
                "names": json.dumps(sorted(entry["names"]), ensure_ascii=False),
                "country": entry["country"],
                "place_id": entry["places"].most_common(1)[0][0] if entry["places"] else None,
                "deployments": entry["deployment"],
                "notices": entry["notice"],
            }
            for key, entry in buyers.items()
        ),
        batch_size=BATCH,
    )
    db.conn.commit()
    for kind in ("deployment", "notice"):
        db.table(f"{kind}_buyers").create_index(["buyer_id"], if_not_exists=True)
