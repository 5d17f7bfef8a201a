"""``survreg build``: re-derive the public registry from the crawl store, then swap it in."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlite_utils
from tqdm import tqdm

from crawlers.store import CrawlStore, StoreMissing
from registry import (
    events,
    fulltext,
    health,
    link,
    normalising,
    schema,
    tables_announcements,
    tables_datasets,
    tables_site,
    tables_vulnerabilities,
    withdrawn,
)
from registry.corrections import Corrections, load_corrections
from registry.normalise.places import place_by_id
from registry.normalise.redact import redact_text
from registry.normalise.suppliers import supplier_key
from registry.normalise.technologies import load_taxonomy
from registry.normalise.vendors import load_vendors
from registry.notice_rows import NoticeRows
from registry.rows import insert_rows
from registry.sources import licence_of, load_sources

logger = logging.getLogger(__name__)
BATCH = 2000
# A build in which more than this share of records fails is not published: a normaliser bug
# must not empty the registry while the scheduled run reports success.
MAX_FAILED_SHARE = 0.01
# Nor one that would drop more than this share of the live registry's deployments, or of one
# source's published records (records suppressed by a correction do not count), unless allowed.
MAX_DROPPED_SHARE = 0.05
LOCK_NAME = "build.lock"


class BuildError(RuntimeError):
    """The new registry failed its checks; the live one was left as it was."""


@dataclass
class BuildReport:
    records: int = 0
    notices: int = 0
    dataset_rows: int = 0
    announcements: int = 0
    vulnerabilities: int = 0
    suppressed: int = 0
    withdrawn: int = 0
    not_relevant: int = 0
    skipped: int = 0
    deployments: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    shrink: Shrink | None = None

    def summary(self) -> str:
        """One line for the operator."""
        dropped = f"; {self.shrink.describe()}" if self.shrink and self.shrink.dropped else ""
        return (
            f"{self.notices} notices, {self.announcements} announcements, {self.dataset_rows} "
            f"dataset rows, {self.vulnerabilities} vendor vulnerabilities, {self.deployments} "
            f"deployments; {self.failed} records not built, "
            f"{self.not_relevant} not about surveillance, {self.suppressed} suppressed by "
            f"corrections, {self.withdrawn} withdrawn at their source, {self.skipped} skipped"
            f"{dropped}"
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


@dataclass
class Shrink:
    """What a build drops of the build it replaces: deployments left with no published record,
    and each source's published records that are not published any more."""

    against: str
    deployments: int = 0
    dropped: list[str] = field(default_factory=list)
    sources: dict[str, tuple[int, int]] = field(default_factory=dict)  # source → (dropped, of)

    def too_large(self, limit: float) -> bool:
        return self.share > limit or any(d / n > limit for d, n in self.sources.values())

    @property
    def share(self) -> float:
        return len(self.dropped) / self.deployments if self.deployments else 0.0

    def describe(self, limit: float | None = None) -> str:
        """One line: how many deployments and which, and the sources that lose records."""
        bound = f", limit {limit:.0%}" if limit is not None else ""
        shown = ", ".join(self.dropped[:5])
        more = f" and {len(self.dropped) - 5} more" if len(self.dropped) > 5 else ""
        losing = sorted(((d / n, s, d, n) for s, (d, n) in self.sources.items() if d), reverse=True)
        records = ", ".join(f"{s} {d} of {n} ({share:.0%})" for share, s, d, n in losing[:5])
        return (
            f"would drop {len(self.dropped)} of {self.deployments} deployments of {self.against} "
            f"({self.share:.0%}{bound})"
            + (f": {shown}{more}" if shown else "")
            + (f"; records dropped: {records}" if records else "")
        )


def build(
    crawl_db: str | Path,
    registry_db: str | Path,
    *,
    progress: bool | None = None,
    corrections: Corrections | None = None,
    previous_registry: str | Path | None = None,
    max_failed_share: float = MAX_FAILED_SHARE,
    allow_shrink: bool = False,
    max_dropped_share: float = MAX_DROPPED_SHARE,
    workers: int | None = None,
) -> BuildReport:
    """Build ``registry_db`` from ``crawl_db`` in a temporary file and swap it in atomically.

    The crawl store must exist and be readable: a lost store never publishes an empty registry.
    Builds in one data directory run one at a time (``build.lock``). Retired deployment ids are
    marked against the last published build: ``previous_registry`` (default ``registry_db``)
    while it is readable, else the crawl store's record of it. The build fails, leaving the live
    file as it was, when more than ``max_failed_share`` of the records fail (or their share rises
    by more than that over the last build), or, unless ``allow_shrink``, when it would drop more
    than ``max_dropped_share`` of the last build's deployments or of a source's records.
    Records are normalised by ``workers`` processes (default: one per core for a large store;
    0: in this one); the registry is the same either way.
    """
    registry_db = Path(registry_db)
    registry_db.parent.mkdir(parents=True, exist_ok=True)
    corrections = corrections if corrections is not None else load_corrections()
    with build_lock(registry_db.parent):
        store = open_store(Path(crawl_db))
        tmp = registry_db.with_name(f"{registry_db.name}.building-{os.getpid()}")
        try:
            # Under the lock, a temporary file of another build is a killed build's leftover.
            for stale in registry_db.parent.glob(f"{registry_db.name}.building-*"):
                stale.unlink()
            previous = link.PreviousBuild(
                store.path, readable_registry(Path(previous_registry or registry_db))
            )
            report = _build_into(store, tmp, progress, corrections, previous, workers)
            _check(tmp, report)
            _check_failures(report, store.last_build(), max_failed_share)
            if report.shrink and report.shrink.too_large(max_dropped_share) and not allow_shrink:
                raise BuildError(
                    f"{report.shrink.describe(max_dropped_share)}; "
                    "publish it anyway with --allow-shrink"
                )
            with store.publishing(tmp, **report.figures()):
                os.replace(tmp, registry_db)
        except (sqlite3.Error, OSError) as exc:
            # A full disk or an unreadable crawl store: the operator gets one clear line.
            raise BuildError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            store.close()
            if tmp.exists():
                tmp.unlink()
    return report


def open_store(path: Path) -> CrawlStore:
    """The crawl store to build from; BuildError if it is missing, empty or unreadable."""
    try:
        return CrawlStore(path, create=False)
    except StoreMissing as exc:
        raise BuildError(f"{exc}: nothing to build from") from exc
    except sqlite3.Error as exc:
        raise BuildError(f"the crawl store {path} is unreadable: {exc}") from exc


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold the data directory's build lock, waiting (and saying so) while another build has it.

    Two builds at once would each remove the other's temporary file as a leftover.
    """
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            logger.warning(
                "another build (pid %s) holds %s: waiting for it to finish",
                holder,
                directory / LOCK_NAME,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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
    """The live registry, if there is a readable one."""
    if not registry_db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{registry_db}?mode=ro", uri=True)
        try:
            conn.execute("SELECT record_id, source, deployment_id FROM evidence LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        logger.warning("live registry unreadable, comparing with the crawl store's record: %s", exc)
        return None
    return registry_db


def _shrink(
    db: sqlite_utils.Database, previous: link.PreviousBuild, corrections: Corrections
) -> Shrink:
    """What this build drops of ``_previous_evidence``; records suppressed by a correction are
    left out deliberately and do not count."""
    shrink = Shrink("the live registry" if previous.registry else "the last published build")
    db.execute("CREATE TEMP TABLE _suppressed (record_id TEXT PRIMARY KEY)")
    db.conn.executemany(
        "INSERT OR IGNORE INTO _suppressed VALUES (?)", ((r,) for r in corrections.suppressed)
    )
    # A table, not a view: both questions below read it, and the join is most of the cost.
    db.execute(
        "CREATE TEMP TABLE _dropped AS SELECT o.source, o.deployment_id, "
        "e.record_id IS NULL AND s.record_id IS NULL AS dropped, "
        "s.record_id IS NOT NULL AS suppressed FROM _previous_evidence o "
        "LEFT JOIN main.evidence e ON e.record_id = o.record_id "
        "LEFT JOIN _suppressed s ON s.record_id = o.record_id"
    )
    for source, dropped, total in db.execute(
        "SELECT source, sum(dropped), count(*) - sum(suppressed) FROM _dropped "
        "GROUP BY source ORDER BY source"
    ):
        if total:
            shrink.sources[source] = (dropped, total)
    shrink.deployments = db.execute(
        "SELECT count(DISTINCT deployment_id) FROM _previous_evidence"
    ).fetchone()[0]
    # A deployment is dropped when no record of it is published and not all were suppressed.
    shrink.dropped = [
        deployment
        for (deployment,) in db.execute(
            "SELECT deployment_id FROM _dropped GROUP BY deployment_id "
            "HAVING sum(dropped) > 0 AND sum(dropped) + sum(suppressed) = count(*) "
            "ORDER BY deployment_id"
        )
    ]
    return shrink


def _build_into(
    store: CrawlStore,
    target: Path,
    progress: bool | None,
    corrections: Corrections,
    previous: link.PreviousBuild,
    workers: int | None = None,
) -> BuildReport:
    db = sqlite_utils.Database(target)
    # A fresh scratch file that is checked before use: durability during the build buys nothing.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    report = BuildReport()
    complete = withdrawn.complete_runs(store, load_sources())
    scratch = target.with_name(f"{target.name}-fulltext")
    try:
        schema.create(db)
        tables_datasets.create(db)
        tables_announcements.create(db)
        tables_vulnerabilities.create(db)
        schema.create_corrections(db, corrections.entries)
        _load_reference(db, store)
        health.publish_health(store, db)
        # Alert messages quote what sources sent: they are published, so they are redacted too.
        db.conn.create_function("redact", 1, redact_text, deterministic=True)
        db.execute("UPDATE maintainer_alerts SET message = redact(message)")
        show = sys.stderr.isatty() if progress is None else progress
        total = store.count()
        pool = normalising.Normalising(
            normalising.default_workers(total) if workers is None else workers
        )
        # The workers outlive the load: one tokenises the notices' full-text index meanwhile.
        with pool:
            with tqdm(total=total, disable=not show, unit="rec", desc="build") as bar:

                def records(kind: str) -> Iterator[dict]:
                    for row in store.iter_records(kind=kind):
                        bar.update()
                        report.records += 1
                        record_id = f"{row['source']}/{row['source_id']}"
                        if record_id in corrections.suppressed:
                            report.suppressed += 1
                            continue
                        if reason := withdrawn.withdrawal(row, complete):
                            report.withdrawn += 1
                            previous.withdrawn[record_id] = reason
                            continue
                        yield row

                _load_notices(db, _normalised(pool, "notice", records("notice"), report), report)
                columns = schema.SEARCHABLE["notices"]
                fulltext.copy_columns(db, "notices", columns, scratch)
                tokenised = pool.submit(fulltext.tokenise, str(scratch), "notices", columns)
                skipped: list[str] = []
                report.dataset_rows, failures = tables_datasets.load(
                    db, records("dataset_row"), skipped=skipped, normalise=_dataset_rows(pool)
                )
                report.skipped += len(skipped)
                report.failed += len(failures)
                report.failures.extend(failures[:20])
                announcements = _normalised(pool, "announcement", records("announcement"), report)
                _load_announcements(db, announcements, report)
                written, elsewhere, failures = tables_vulnerabilities.load(
                    db, records("vulnerability")
                )
                report.vulnerabilities = written
                report.not_relevant += elsewhere
                report.failed += len(failures)
                report.failures.extend(failures[:20])
            _place_aliases(db)
            link.load_previous(db, previous)
            link.derive_deployments(db, corrections, previous)
            events.derive(db)
            tables_site.publish(db, store)
            report.shrink = _shrink(db, previous, corrections)
            _count_vendor_notices(db)
            schema.index(db, indexed_apart={"notices"})
            tables_datasets.index(db)
            tables_announcements.index(db)
            tables_vulnerabilities.index(db)
            tokenised.result()
            db.conn.commit()
            fulltext.install(target, scratch, "notices")
        report.deployments = db.table("deployments").count
        db.execute("ANALYZE")
        db.conn.commit()
    finally:
        db.close()
        scratch.unlink(missing_ok=True)
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


def _load_notices(
    db: sqlite_utils.Database, normalised: Iterator[tuple[dict, NoticeRows]], report: BuildReport
) -> None:
    notices: list[dict] = []
    cpvs: list[dict] = []
    techs: list[dict] = []
    vendors: list[dict] = []
    places: dict[str, dict] = {}
    suppliers: dict[str, dict] = {}
    notice_suppliers: list[dict] = []
    known_vendors = {row["id"] for row in db.table("vendors").rows}
    for row, written in normalised:
        notice = {**written.notice, **schema.provenance(row, licence_of(written.notice["source"]))}
        notices.append(notice)
        if written.place:
            places.setdefault(written.place["id"], written.place)
        for supplier_id in _suppliers(written, suppliers, known_vendors):
            notice_suppliers.append({"notice_id": notice["id"], "supplier_id": supplier_id})
        cpvs.extend({"notice_id": notice["id"], "cpv": c} for c in written.cpv)
        techs.extend(
            {"notice_id": notice["id"], "technology_id": t, "confidence": confidence}
            for t, confidence in written.technologies
        )
        vendors.extend(
            {"notice_id": notice["id"], "vendor_id": v}
            for v in written.vendors
            if v in known_vendors
        )
        if len(notices) >= BATCH:
            _flush(db, notices, cpvs, techs, vendors)
            # Written batch by batch, as the notices: memory stays flat in the number of records.
            insert_rows(db.conn, "notice_suppliers", notice_suppliers, ignore=True)
            report.notices += BATCH
            notices, cpvs, techs, vendors, notice_suppliers = [], [], [], [], []
    report.notices += len(notices)
    _flush(db, notices, cpvs, techs, vendors)
    db.table("places").insert_all(places.values(), pk="id", ignore=True)
    db.table("suppliers").insert_all(
        (
            {
                "id": key,
                # The most common spelling, the first written of those as common.
                "name": max(entry["names"].items(), key=itemgetter(1))[0],
                "names": _json(sorted(entry["names"])),
                "vendor_id": entry["vendor_id"],
                "notices": entry["notices"],
            }
            for key, entry in suppliers.items()
        ),
        batch_size=BATCH,
    )
    insert_rows(db.conn, "notice_suppliers", notice_suppliers, ignore=True)


def _suppliers(
    written: NoticeRows, suppliers: dict[str, dict], known_vendors: set[str]
) -> list[str]:
    """The supplier ids of a notice, each counted in ``suppliers`` with its spellings."""
    ids: dict[str, None] = {}
    for name, vendor in written.suppliers:
        key = supplier_key(name)
        if key is None or key in ids:
            continue
        ids[key] = None
        entry = suppliers.get(key)
        if entry is None:
            # Made for a new supplier only, and a plain dict: a Counter made for every supplier
            # named, new or not, cost more than the counting.
            entry = suppliers[key] = {"names": {}, "vendor_id": None, "notices": 0}
        entry["names"][name] = entry["names"].get(name, 0) + 1
        entry["notices"] += 1
        if vendor in known_vendors:
            entry["vendor_id"] = entry["vendor_id"] or vendor
    return list(ids)


def _place_aliases(db: sqlite_utils.Database) -> None:
    """The slug ids published before GeoNames-keyed ids, for the places this registry has."""
    rows = []
    for (place_id,) in db.execute("SELECT id FROM places").fetchall():
        place = place_by_id(place_id)
        if place is not None and place.legacy_id:
            rows.append({"alias": place.legacy_id, "place_id": place_id})
    db.table("place_aliases").insert_all(rows, pk="alias", ignore=True)


def _load_announcements(
    db: sqlite_utils.Database, normalised: Iterator[tuple[dict, dict]], report: BuildReport
) -> None:
    places: dict[str, dict] = {}
    for row, record in normalised:
        tables_announcements.insert(db, record, row)
        report.announcements += 1
        for named in record.get("places") or []:
            if named.get("id") and (place := place_by_id(named["id"])):
                places.setdefault(place.id, place.row())
    db.table("places").insert_all(places.values(), pk="id", ignore=True)


def _normalised(
    pool: normalising.Normalising, kind: str, rows: Iterator[dict], report: BuildReport
) -> Iterator[tuple[dict, Any]]:
    """Crawl-store rows with their normalised records as the build writes them (a notice's
    ``NoticeRows``), if the registry publishes them.

    A record whose normalisation raises, whatever the error, fails loudly: it is logged and
    counted, and too many failures stop the build (``MAX_FAILED_SHARE``).
    """
    for row, outcome in pool.outcomes(kind, rows):
        if outcome.error is not None:
            _failed(row, outcome.error, report)
        elif outcome.record is None:
            report.not_relevant += 1
        else:
            yield row, outcome.record


def _failed(row: dict, reason: str, report: BuildReport) -> None:
    report.failed += 1
    if len(report.failures) < 20:
        report.failures.append(f"{row['source']}/{row['source_id']}: {reason}")
    logger.warning(
        "record not built: source=%s id=%s reason=%s", row["source"], row["source_id"], reason
    )


def _dataset_rows(
    pool: normalising.Normalising,
) -> tables_datasets.Normalise:
    """Dataset rows normalised by the build's workers, for ``tables_datasets.load``."""

    def normalise(rows: Iterable[dict]) -> Iterator[tuple[dict, dict | str]]:
        for row, outcome in pool.outcomes("dataset_row", rows):
            yield row, outcome.record if outcome.record is not None else str(outcome.error)

    return normalise


def _flush(
    db: sqlite_utils.Database, notices: list, cpvs: list, techs: list, vendors: list
) -> None:
    insert_rows(db.conn, "notices", notices)
    insert_rows(db.conn, "notice_cpv", cpvs, ignore=True)
    insert_rows(db.conn, "notice_technologies", techs, ignore=True)
    insert_rows(db.conn, "notice_vendors", vendors, ignore=True)


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
        # quick_check reads every page, b-tree and record of the file, as integrity_check does,
        # but not whether each index agrees with its table: a fifth of the cost. The build is the
        # file's one writer and any failed statement fails it, so with no rolled-back statement
        # (undefined with journal_mode=OFF) only a SQLite bug could part an index from its table.
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BuildError(f"integrity check failed: {result}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = set(schema.EXPECTED_TABLES) - tables
        if missing:
            raise BuildError(f"tables missing: {', '.join(sorted(missing))}")
        notices = conn.execute("SELECT count(*) FROM notices").fetchone()[0]
        if notices != report.notices:
            raise BuildError(f"{notices} notices written, {report.notices} expected")
        built = notices + report.dataset_rows + report.announcements + report.vulnerabilities
        if report.records and not built:
            raise BuildError(f"none of {report.records} records could be built")
    finally:
        conn.close()
