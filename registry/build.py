"""``survreg build``: re-derive the public registry from the crawl store, then swap it in."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from tqdm import tqdm

from crawlers.store import CrawlStore
from registry import health, link, schema, tables_announcements, tables_datasets
from registry.corrections import Corrections, load_corrections
from registry.links import safe_link
from registry.normalise.announcement import normalise_announcement
from registry.normalise.record import normalise_record
from registry.normalise.technologies import load_taxonomy
from registry.normalise.vendors import load_vendors
from registry.relevance import plausible_notice, published_announcement
from registry.sources import licence_of, load_sources

logger = logging.getLogger(__name__)
BATCH = 2000
# A build in which more than this share of records fails is not published: a normaliser bug
# must not empty the registry while the scheduled run reports success.
MAX_FAILED_SHARE = 0.01


class BuildError(RuntimeError):
    """The new registry failed its checks; the live one was left as it was."""


@dataclass
class BuildReport:
    records: int = 0
    notices: int = 0
    dataset_rows: int = 0
    announcements: int = 0
    suppressed: int = 0
    not_relevant: int = 0
    skipped: int = 0
    deployments: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"{self.notices} notices, {self.announcements} announcements, {self.dataset_rows} "
            f"dataset rows, {self.deployments} deployments; {self.failed} records not built, "
            f"{self.not_relevant} not about surveillance, {self.suppressed} suppressed by "
            f"corrections, {self.skipped} skipped"
        )

    def figures(self) -> dict[str, int]:
        """What the crawl store records of this build."""
        return {
            "records": self.records,
            "failed": self.failed,
            "not_relevant": self.not_relevant,
            "deployments": self.deployments,
        }

    @property
    def failed_share(self) -> float:
        return self.failed / self.records if self.records else 0.0


def build(
    crawl_db: str | Path,
    registry_db: str | Path,
    *,
    progress: bool | None = None,
    corrections: Corrections | None = None,
    previous_registry: str | Path | None = None,
    max_failed_share: float = MAX_FAILED_SHARE,
) -> BuildReport:
    """Build ``registry_db`` from ``crawl_db`` in a temporary file and swap it in atomically.

    Retired deployment ids are marked against ``previous_registry`` (default: ``registry_db``).
    The build fails, leaving the live file as it was, when more than ``max_failed_share`` of the
    records fail or their share rises by more than that over the last published build.
    """
    registry_db = Path(registry_db)
    registry_db.parent.mkdir(parents=True, exist_ok=True)
    corrections = corrections if corrections is not None else load_corrections()
    previous = readable_registry(Path(previous_registry or registry_db))
    for stale in registry_db.parent.glob(f"{registry_db.name}.building-*"):
        stale.unlink()
    tmp = registry_db.with_name(f"{registry_db.name}.building-{os.getpid()}")
    store = CrawlStore(crawl_db)
    try:
        report = _build_into(store, tmp, progress, corrections, previous)
        _check(tmp, report)
        _check_failures(report, store.last_build(), max_failed_share)
        os.replace(tmp, registry_db)
        store.record_build(**report.figures())
    except (sqlite3.Error, OSError) as exc:
        # A full disk or an unreadable crawl store: the operator gets one clear line.
        raise BuildError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        store.close()
        if tmp.exists():
            tmp.unlink()
    return report


def _check_failures(
    report: BuildReport, last: dict[str, Any] | None, max_failed_share: float
) -> None:
    share = report.failed_share
    before = (last["failed"] / last["records"]) if last and last["records"] else 0.0
    if share > max_failed_share or share - before > max_failed_share:
        first = f"; first: {report.failures[0]}" if report.failures else ""
        raise BuildError(
            f"{report.failed} of {report.records} records failed to build ({share:.1%}, "
            f"last build {before:.1%}, limit {max_failed_share:.0%}){first}"
        )


def readable_registry(registry_db: Path) -> Path | None:
    """The registry to compare with for markers, if there is a readable one."""
    if not registry_db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{registry_db}?mode=ro", uri=True)
        try:
            conn.execute("SELECT record_id, deployment_id FROM evidence LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        logger.warning("live registry unreadable, no deployment markers this time: %s", exc)
        return None
    return registry_db


def _build_into(
    store: CrawlStore,
    target: Path,
    progress: bool | None,
    corrections: Corrections,
    previous: Path | None,
) -> BuildReport:
    db = sqlite_utils.Database(target)
    # A fresh scratch file that is checked before use: durability during the build buys nothing.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    report = BuildReport()
    try:
        schema.create(db)
        tables_datasets.create(db)
        tables_announcements.create(db)
        schema.create_corrections(db, corrections.entries)
        _load_reference(db, store)
        health.publish_health(store, db)
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=store.count(), disable=not show, unit="rec", desc="build") as bar:

            def records(kind: str) -> Iterator[dict]:
                for row in store.iter_records(kind=kind):
                    bar.update()
                    report.records += 1
                    if f"{row['source']}/{row['source_id']}" in corrections.suppressed:
                        report.suppressed += 1
                        continue
                    yield row

            _load_notices(db, records("notice"), report)
            skipped: list[str] = []
            report.dataset_rows, failures = tables_datasets.load(
                db, records("dataset_row"), skipped=skipped
            )
            report.skipped += len(skipped)
            report.failed += len(failures)
            report.failures.extend(failures[:20])
            _load_announcements(db, records("announcement"), report)
        link.derive_deployments(db, corrections, previous)
        _count_vendor_notices(db)
        schema.index(db)
        tables_datasets.index(db)
        tables_announcements.index(db)
        report.deployments = db.table("deployments").count
        db.execute("ANALYZE")
        db.conn.commit()
    finally:
        db.close()
    return report


def _load_reference(db: sqlite_utils.Database, store: CrawlStore) -> None:
    counts = dict(store.conn.execute("SELECT source, count(*) FROM records GROUP BY source"))
    db.table("sources").insert_all(
        {
            "id": s["id"],
            "name": s["name"],
            "licence": s["licence"],
            "licence_url": s.get("licence_url"),
            "records": counts.get(s["id"], 0),
        }
        for s in load_sources().values()
    )
    db.table("vendors").insert_all(
        {
            "id": v["id"],
            "name": v["name"],
            "country": v.get("country"),
            "parent": v.get("parent"),
            "aliases": _json(v.get("aliases") or []),
            "flags": _json(v.get("flags") or []),
        }
        for v in load_vendors()
    )
    db.table("technologies").insert_all(
        {
            "id": t["id"],
            "label": t.get("label"),
            "description": t.get("description"),
            "cpv": " ".join(c["code"] for c in t.get("cpv") or []),
        }
        for t in load_taxonomy()
    )


def _load_notices(db: sqlite_utils.Database, rows: Iterator[dict], report: BuildReport) -> None:
    notices: list[dict] = []
    cpvs: list[dict] = []
    techs: list[dict] = []
    vendors: list[dict] = []
    places: dict[str, dict] = {}
    known_vendors = {row["id"] for row in db.table("vendors").rows}
    for row, record in _normalised(rows, normalise_record, report, plausible=plausible_notice):
        notice = notice_row(record, row)
        notices.append(notice)
        place = record_place(record)
        if place:
            places.setdefault(place["id"], place)
        cpvs.extend({"notice_id": notice["id"], "cpv": c} for c in record["cpv"])
        confidence = record.get("technology_confidence") or {}
        techs.extend(
            {"notice_id": notice["id"], "technology_id": t, "confidence": confidence.get(t)}
            for t in record["technologies"]
        )
        vendors.extend(
            {"notice_id": notice["id"], "vendor_id": v}
            for v in record["vendors"]
            if v in known_vendors
        )
        if len(notices) >= BATCH:
            _flush(db, notices, cpvs, techs, vendors)
            report.notices += BATCH
            notices, cpvs, techs, vendors = [], [], [], []
    report.notices += len(notices)
    _flush(db, notices, cpvs, techs, vendors)
    db.table("places").insert_all(places.values(), pk="id", ignore=True)


def _load_announcements(
    db: sqlite_utils.Database, rows: Iterator[dict], report: BuildReport
) -> None:
    places: dict[str, dict] = {}
    for row, record in _normalised(
        rows, normalise_announcement, report, published=published_announcement
    ):
        tables_announcements.insert(db, record, row)
        report.announcements += 1
        for place in record.get("places") or []:
            if place.get("id") and place.get("latitude") is not None:
                places.setdefault(place["id"], place)
    columns = ("id", "city", "country", "admin1", "latitude", "longitude")
    db.table("places").insert_all(
        ({k: p.get(k) for k in columns} for p in places.values()), pk="id", ignore=True
    )


def _normalised(
    rows: Iterator[dict],
    normalise: Callable[[dict], dict],
    report: BuildReport,
    *,
    plausible: Callable[[dict], bool] | None = None,
    published: Callable[[dict], bool] | None = None,
) -> Iterator[tuple[dict, dict]]:
    """Crawl-store rows with their normalised records, if the registry publishes them.

    ``plausible`` tests the stored item before the costly normalisation, ``published`` the
    normalised record. A record whose normalisation raises, whatever the error, fails loudly: it
    is logged and counted, and too many failures stop the build (``MAX_FAILED_SHARE``).
    """
    for row in rows:
        try:
            item = json.loads(row["record"])
            if plausible is not None and not plausible(item):
                report.not_relevant += 1
                continue
            record = normalise(item)
        except Exception as exc:  # any bug costs this record, counted, never the whole build
            report.failed += 1
            reason = f"{type(exc).__name__}: {exc}"
            if len(report.failures) < 20:
                report.failures.append(f"{row['source']}/{row['source_id']}: {reason}")
            logger.warning(
                "record not built: source=%s id=%s reason=%s",
                row["source"],
                row["source_id"],
                reason,
            )
            continue
        if published is not None and not published(record):
            report.not_relevant += 1
            continue
        yield row, record


def _flush(
    db: sqlite_utils.Database, notices: list, cpvs: list, techs: list, vendors: list
) -> None:
    db.table("notices").insert_all(notices, batch_size=BATCH)
    db.table("notice_cpv").insert_all(cpvs, batch_size=BATCH, ignore=True)
    db.table("notice_technologies").insert_all(techs, batch_size=BATCH, ignore=True)
    db.table("notice_vendors").insert_all(vendors, batch_size=BATCH, ignore=True)


def notice_row(record: dict, stored: dict[str, Any]) -> dict:
    """The ``notices`` row of a normalised record and its crawl-store metadata."""
    notice_id = f"{record['source']}/{record['source_id']}"
    buyer = record.get("buyer") or {}
    value = record.get("value") or {}
    place = record_place(record)
    return {
        "id": notice_id,
        "source": record["source"],
        "source_id": record["source_id"],
        "procedure_id": record.get("procedure_id"),
        "deployment_id": None,
        "related_notices": " ".join(str(n) for n in record.get("related_notices") or []) or None,
        "url": safe_link(record.get("url")),
        "notice_type": record.get("notice_type"),
        "title": record.get("title") or "",
        "description": record.get("description"),
        "language": record.get("language"),
        "published": record.get("published"),
        "buyer_name": buyer.get("name"),
        "buyer_country": buyer.get("country"),
        "buyer_city": (place or {}).get("city") or buyer.get("city"),
        "place_id": (place or {}).get("id"),
        "cpv": " ".join(record["cpv"]),
        "main_cpv": record["cpv"][0] if record["cpv"] else None,
        "suppliers": "; ".join(s["name"] for s in record.get("suppliers") or [] if s.get("name")),
        "technologies": " ".join(record["technologies"]),
        "vendors": " ".join(record["vendors"]),
        "value_amount": value.get("amount"),
        "value_currency": value.get("currency"),
        "value_eur": record.get("value_eur"),
        "first_seen": stored["first_seen"],
        "last_changed": stored["last_changed"],
        "document_url": safe_link(stored.get("document_url")),
        "document_sha256": stored.get("document_sha256"),
        "licence": licence_of(record["source"]),
    }


def record_place(record: dict) -> dict | None:
    """The resolved place of a record's buyer, as a ``places`` row, if the build found one."""
    buyer = record.get("buyer") or {}
    # normalise_record resolves the buyer's place onto the buyer itself (place_id, coordinates).
    if not buyer.get("place_id"):
        return None
    return {
        "id": buyer["place_id"],
        "city": buyer.get("city"),
        "country": buyer.get("country"),
        "admin1": buyer.get("admin1"),
        "latitude": buyer.get("latitude"),
        "longitude": buyer.get("longitude"),
    }


def _json(value: Any) -> str:
    # Reference YAML holds dates (when a flag was set): keep them as ISO strings.
    return json.dumps(value, ensure_ascii=False, default=str)


def _count_vendor_notices(db: sqlite_utils.Database) -> None:
    db.execute(
        "UPDATE vendors SET notices = (SELECT count(*) FROM notice_vendors "
        "WHERE vendor_id = vendors.id)"
    )


def _check(path: Path, report: BuildReport) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BuildError(f"integrity check failed: {result}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = set(schema.EXPECTED_TABLES) - tables
        if missing:
            raise BuildError(f"tables missing: {', '.join(sorted(missing))}")
        notices = conn.execute("SELECT count(*) FROM notices").fetchone()[0]
        if notices != report.notices:
            raise BuildError(f"{notices} notices written, {report.notices} expected")
        if report.records and not (notices + report.dataset_rows + report.announcements):
            raise BuildError(f"none of {report.records} records could be built")
    finally:
        conn.close()
