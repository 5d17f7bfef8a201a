"""The crawl store: every version of every record, keyed by (source, source_id), and every run."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from crawlers.items import RELEASE_KEY, StoredJson
from crawlers.parsers import ocds

if TYPE_CHECKING:
    import sqlite_utils

# Records looked up per statement when a batch is written (SQLite allows 32,766 parameters).
LOOKUP_CHUNK = 500
# New records inserted per statement (11 parameters each). sqlite3 lets other threads run while
# a statement steps, and the writer thread then waited for the reactor thread to hand the GIL
# back, once for every row that executemany stepped. The statement is INSERT OR FAIL: a plain
# INSERT of many rows keeps a statement journal, a copy of every page it touches (a hundred
# random index pages per statement, 60% of a crawl's page writes), so that one bad row undoes
# only its statement; a batch is undone whole by its transaction instead.
INSERT_CHUNK = 100
# hashlib lets other threads run while it hashes 2,048 bytes or more at once, and the writer
# thread then waited for the reactor thread to hand the GIL back, once for every record of a few
# KiB. Hashed in pieces just below that, a record keeps the GIL: 3% of the crawl's CPU and wall
# time (benchmarks/bench_crawl_replay.py).
HASH_PIECE = 2047
# Keys that describe the fetch, not the record: a refetch that only changes these is no new version.
FETCH_KEYS = ("document_url", "document_sha256", "fetched")

WAL_CHECKPOINT_BYTES = 32 * 1024 * 1024
# A new store's pages: a stored release (a few KiB of JSON) fills most of a 4 KiB page, so five
# share a 16 KiB one; fewer pages to split, log and checkpoint per record.
PAGE_SIZE = 16384
CACHE_KIB = 16384

# Versioned schema steps; PRAGMA user_version says how many have been applied.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE records (
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_changed TEXT NOT NULL,
        document_url TEXT,
        document_sha256 TEXT,
        run_id INTEGER,
        record TEXT NOT NULL,
        PRIMARY KEY (source, source_id)
    );
    CREATE TABLE record_history (
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_to TEXT NOT NULL,
        document_sha256 TEXT,
        record TEXT NOT NULL,
        PRIMARY KEY (source, source_id, version)
    );
    CREATE TABLE crawl_runs (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        finish_reason TEXT,
        requests INTEGER DEFAULT 0,
        responses_by_status TEXT,
        records_new INTEGER DEFAULT 0,
        records_changed INTEGER DEFAULT 0,
        records_unchanged INTEGER DEFAULT 0,
        records_rejected INTEGER DEFAULT 0,
        records_missing_date INTEGER DEFAULT 0,
        errors INTEGER DEFAULT 0,
        error_samples TEXT,
        arguments TEXT
    );
    CREATE INDEX crawl_runs_source ON crawl_runs (source, started);
    """,
    # Maintainer alerts raised by registry/health.py; one open alert per source and kind.
    """
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        run_id INTEGER,
        raised TEXT NOT NULL,
        resolved TEXT
    );
    CREATE INDEX alerts_open ON alerts (source, kind, resolved);
    """,
    """
    ALTER TABLE crawl_runs ADD COLUMN records_irrelevant INTEGER DEFAULT 0;
    """,
    # Registry builds that were published, so the next build can compare its failure share.
    """
    CREATE TABLE builds (
        id INTEGER PRIMARY KEY,
        finished TEXT NOT NULL,
        records INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        not_relevant INTEGER NOT NULL,
        deployments INTEGER NOT NULL
    );
    """,
    # What the last published build said, kept beside the records so that losing registry.db
    # loses neither: each published record's deployment id (the next build marks the ids it
    # retires and refuses to publish a large loss), and every retired deployment id.
    """
    CREATE TABLE published_evidence (
        record_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        deployment_id TEXT NOT NULL
    );
    CREATE INDEX published_evidence_deployment ON published_evidence (deployment_id);
    CREATE TABLE deployment_markers (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        successors TEXT NOT NULL,
        reason TEXT
    );
    """,
)


def utcnow() -> str:
    """Now in UTC, ISO 8601 with offset, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def content_hash(item: dict) -> str:
    """A hash of what a record says, independent of key order and of fetch details."""
    return serialised(item)[0]


def serialised(item: dict) -> tuple[str, bytes]:
    """The content hash of an item and the JSON stored for it (UTF-8), from one serialisation.

    The stored JSON is the canonical body the hash covers with the fetch keys appended: encoding
    the item twice was half the cost of an upsert. It stays bytes: the store writes it as TEXT
    (``CAST(? AS TEXT)``), so it is neither decoded here nor encoded again by sqlite3.
    """
    body = item.copy()
    fetch = tuple((k, body.pop(k)) for k in FETCH_KEYS if k in body)
    canonical = _canonical(body)
    digest = _sha256(canonical)
    if not fetch:
        return digest, canonical
    try:
        tail = memoryview(_fetch_json(fetch))[1:]
    except TypeError:  # a value that cannot key the cache (none a spider writes)
        tail = memoryview(_canonical(dict(fetch)))[1:]
    return digest, b"".join((memoryview(canonical)[:-1], b",", tail)) if body else b"{" + tail


def _sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, hashed in pieces of HASH_PIECE bytes."""
    digest = hashlib.sha256()
    view = memoryview(data)
    for start in range(0, len(view), HASH_PIECE):
        digest.update(view[start : start + HASH_PIECE])
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _fetch_json(fetch: tuple[tuple[str, Any], ...]) -> bytes:
    """The JSON of a record's fetch keys: a page's records share one document URL and hash."""
    return _canonical(dict(fetch))


def _canonical(value: Any) -> bytes:
    """Compact JSON with sorted keys, as UTF-8 bytes.

    orjson is several times faster than the standard library, which only serves what orjson
    refuses (integers beyond 64 bits); the choice depends on the content alone, so a record's hash
    never changes between runs.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=_fragment)
    except orjson.JSONEncodeError:
        text = json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_parsed
        )
        return text.encode("utf-8")


def _fragment(value: Any) -> Any:
    # orjson takes a fragment's text as bytes exactly, not a subclass.
    return orjson.Fragment(bytes(value)) if isinstance(value, StoredJson) else str(value)


def _parsed(value: Any) -> Any:
    return orjson.loads(memoryview(value)) if isinstance(value, StoredJson) else str(value)


class StoreMissing(RuntimeError):
    """There is no crawl store where one was expected: missing, empty or never initialised."""


class CrawlStore:
    """The only mutable database; opened in WAL mode so readers never block the crawl.

    ``create=False`` opens an existing store only: a missing, empty or schema-less file raises
    StoreMissing, an unreadable one sqlite3.Error, instead of starting an empty store.
    """

    def __init__(self, path: str | Path, *, create: bool = True, check_same_thread: bool = True):
        self.path = Path(path)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=check_same_thread
            )
        else:
            self.conn = _open_existing(self.path, check_same_thread)
        self.commits = 0
        self.longest_hold = 0.0
        if not self.conn.execute("PRAGMA page_count").fetchone()[0]:
            # Only before the first table is written: an existing store keeps its page size.
            self.conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # A crawl writes tens of megabytes of records: checkpointing every 32 MiB of WAL rather
        # than SQLite's 4 MiB copies a page that many batches rewrite (indexes) fewer times, and
        # syncs less often: a quarter less of the writer's wall time. The WAL file (up to 32 MiB)
        # is removed when the last connection closes.
        page_size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        self.conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
        # The records index takes random keys (source ids): SQLite's 2 MiB default cache holds
        # only part of it once a crawl has stored some ten thousand records.
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.migrate()

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over this connection, for the readers of runs, builds and alerts; a
        crawl never needs it, so it is imported (a sixth of a second) only when asked for."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def migrate(self) -> int:
        """Apply the schema steps not yet applied; returns the schema version."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in filter(str.strip, step.split(";")):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
        return len(MIGRATIONS)

    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def upsert(self, item: dict, *, run_id: int | None = None, now: str | None = None) -> str:
        """Store one item; returns "new", "changed" or "unchanged". Old versions go to history."""
        return self.upsert_many([item], run_id=run_id, now=now)[0]

    def write(
        self, items: list[dict], *, run_id: int | None = None, now: str | None = None
    ) -> list[str]:
        """Store a batch in one short transaction, all or nothing; each item's outcome.

        ``commits`` and ``longest_hold`` (seconds from taking the write lock to committing) are
        this connection's bookkeeping of how long it kept other writers waiting.
        """
        with self.transaction():
            taken = time.monotonic()
            outcomes = self.upsert_many(items, run_id=run_id, now=now)
        self.longest_hold = max(self.longest_hold, time.monotonic() - taken)
        self.commits += 1
        return outcomes

    def upsert_many(
        self, items: list[dict], *, run_id: int | None = None, now: str | None = None
    ) -> list[str]:
        """Store items in order, each as ``upsert`` would; in the caller's transaction, if any.

        Records already stored are looked up once per batch and rows are written with
        executemany; an item whose record comes again later in the batch starts a new batch.
        Outside a transaction the items are written in one of their own, all or nothing.
        """
        if not self.conn.in_transaction:
            with self.transaction():
                return self.upsert_many(items, run_id=run_id, now=now)
        now = now or utcnow()
        outcomes: list[str] = []
        batch: dict[tuple[str, str], _Row] = {}
        for item in items:
            row = _Row.of(item)
            if row.key in batch:
                outcomes += self._write_rows(list(batch.values()), run_id, now)
                batch = {}
            batch[row.key] = row
        if batch:
            outcomes += self._write_rows(list(batch.values()), run_id, now)
        return outcomes

    def _write_rows(self, rows: list[_Row], run_id: int | None, now: str) -> list[str]:
        stored = self._stored_hashes(rows)
        outcomes, new, unchanged, changed, restored = [], [], [], [], []
        for row in rows:
            old = stored.get(row.key)
            if old is None:
                outcomes.append("new")
                new.append(
                    (
                        *row.key,
                        row.kind,
                        row.digest,
                        now,
                        now,
                        now,
                        row.url,
                        row.sha,
                        run_id,
                        row.record,
                    )
                )
            elif old == row.digest:
                outcomes.append("unchanged")
                unchanged.append((now, *row.key))
            elif row.release and old == content_hash(load_record(row.record)):
                # Stored before releases were kept as written: the same notice, now in its
                # source's own form, is no new version.
                outcomes.append("unchanged")
                restored.append((row.digest, now, row.url, row.sha, run_id, row.record, *row.key))
            else:
                outcomes.append("changed")
                changed.append(row)
        if changed:
            # The version being replaced moves to history first, copied row to row in SQL.
            self.conn.executemany(
                "INSERT INTO record_history (source, source_id, version, content_hash, "
                "valid_from, valid_to, document_sha256, record) "
                "SELECT source, source_id, version, content_hash, last_changed, ?, "
                "document_sha256, record FROM records WHERE source = ? AND source_id = ?",
                [(now, *row.key) for row in changed],
            )
            self.conn.executemany(
                "UPDATE records SET content_hash = ?, version = version + 1, last_seen = ?, "
                "last_changed = ?, document_url = ?, document_sha256 = ?, run_id = ?, "
                "record = CAST(? AS TEXT) "
                "WHERE source = ? AND source_id = ?",
                [
                    (row.digest, now, now, row.url, row.sha, run_id, row.record, *row.key)
                    for row in changed
                ],
            )
        if unchanged:
            self.conn.executemany(
                "UPDATE records SET last_seen = ? WHERE source = ? AND source_id = ?", unchanged
            )
        if restored:
            self.conn.executemany(
                "UPDATE records SET content_hash = ?, last_seen = ?, document_url = ?, "
                "document_sha256 = ?, run_id = ?, record = CAST(? AS TEXT) "
                "WHERE source = ? AND source_id = ?",
                restored,
            )
        for start in range(0, len(new), INSERT_CHUNK):
            chunk = new[start : start + INSERT_CHUNK]
            self.conn.execute(_insert_records(len(chunk)), [v for values in chunk for v in values])
        return outcomes

    def _stored_hashes(self, rows: list[_Row]) -> dict[tuple[str, str], str]:
        """The content hash of each row's record as stored now, for those stored."""
        by_source: dict[str, list[str]] = {}
        for row in rows:
            by_source.setdefault(row.key[0], []).append(row.key[1])
        stored: dict[tuple[str, str], str] = {}
        for source, ids in by_source.items():
            for start in range(0, len(ids), LOOKUP_CHUNK):
                chunk = ids[start : start + LOOKUP_CHUNK]
                cursor = self.conn.execute(
                    "SELECT source_id, content_hash FROM records WHERE source = ? AND source_id "
                    f"IN ({','.join('?' * len(chunk))})",
                    (source, *chunk),
                )
                stored.update(((source, source_id), digest) for source_id, digest in cursor)
        return stored

    def start_run(self, source: str, arguments: dict[str, Any] | None = None) -> int:
        cursor = self.conn.execute(
            "INSERT INTO crawl_runs (source, started, arguments) VALUES (?, ?, ?)",
            (source, utcnow(), _dumps(arguments or {})),
        )
        # sqlite3 leaves lastrowid None only before any INSERT on the cursor.
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        fields = {k: _dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()}
        fields.setdefault("finished", utcnow())
        # Plain SQL: the one write a crawl makes outside the records, without sqlite-utils.
        columns = ", ".join(f'"{name}" = ?' for name in fields)
        self.conn.execute(
            f"UPDATE crawl_runs SET {columns} WHERE id = ?", [*fields.values(), run_id]
        )

    def record_build(self, **figures: int) -> int:
        """Note a published build (records, failed, not_relevant, deployments)."""
        cursor = self.conn.execute(
            "INSERT INTO builds (finished, records, failed, not_relevant, deployments) "
            "VALUES (:finished, :records, :failed, :not_relevant, :deployments)",
            {"finished": utcnow(), **figures},
        )
        return int(cursor.lastrowid or 0)

    def last_build(self) -> dict[str, Any] | None:
        """The last published build's figures, if any."""
        rows = list(self.db.table("builds").rows_where(order_by="id desc", limit=1))
        return rows[0] if rows else None

    @contextlib.contextmanager
    def publishing(self, registry: Path, **figures: int) -> Iterator[None]:
        """Record a build and its evidence and markers, committed when the block succeeds.

        The block swaps ``registry`` in: if it fails, the store keeps the last published build.
        """
        self.conn.execute("ATTACH DATABASE ? AS built", [str(registry)])
        try:
            with self.transaction():
                self.record_build(**figures)
                self.conn.execute("DELETE FROM published_evidence")
                self.conn.execute(
                    "INSERT INTO published_evidence (record_id, source, deployment_id) "
                    "SELECT record_id, source, deployment_id FROM built.evidence"
                )
                self.conn.execute("DELETE FROM deployment_markers")
                self.conn.execute(
                    "INSERT INTO deployment_markers (id, state, successors, reason) "
                    "SELECT id, state, successors, reason FROM built.deployment_markers"
                )
                yield
        finally:
            self.conn.execute("DETACH DATABASE built")

    def iter_records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Every current record with its store metadata, in a stable order."""
        sql = (
            "SELECT source, source_id, kind, content_hash, first_seen, last_seen, last_changed, "
            "version, "
            "document_url, document_sha256, record FROM records"
        )
        params: tuple = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        sql += " ORDER BY source, source_id"
        cursor = self.conn.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        for row in cursor:
            yield dict(zip(columns, row, strict=True))

    def count(self, table: str = "records") -> int:
        return self.db.table(table).count

    def runs(self, source: str | None = None) -> list[dict]:
        where, params = ("source = ?", [source]) if source else (None, None)
        return list(self.db.table("crawl_runs").rows_where(where, params, order_by="id"))

    def close(self) -> None:
        self.conn.close()


@functools.lru_cache(maxsize=8)
def _insert_records(rows: int) -> str:
    """The statement that inserts ``rows`` new records."""
    values = ", ".join(["(?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT))"] * rows)
    return (
        "INSERT OR FAIL INTO records (source, source_id, kind, content_hash, version, "
        "first_seen, last_seen, last_changed, document_url, document_sha256, run_id, record) "
        f"VALUES {values}"
    )


def _open_existing(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreMissing(f"no crawl store at {path}")
    if path.stat().st_size == 0:
        raise StoreMissing(f"the crawl store {path} is empty (0 bytes)")
    conn = sqlite3.connect(
        f"file:{path}?mode=rw",
        uri=True,
        timeout=30,
        isolation_level=None,
        check_same_thread=check_same_thread,
    )
    try:
        # Reading the header is the first point at which SQLite notices a file that is not one.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not version:
            raise StoreMissing(f"{path} holds no crawl store (no schema)")
    except BaseException:
        conn.close()
        raise
    return conn


class _Row(NamedTuple):
    """An item as the records table stores it."""

    key: tuple[str, str]
    kind: str
    digest: str
    record: bytes
    url: str | None
    sha: str | None
    release: bool

    @classmethod
    def of(cls, item: dict) -> _Row:
        try:
            digest, record = serialised(item)
        except UnicodeEncodeError:
            # Lone surrogates (JSON escapes such as "\\ud800") fit neither UTF-8 nor SQLite.
            item = without_surrogates(item)
            digest, record = serialised(item)
        return cls(
            (item["source"], item["source_id"]),
            item.get("kind", "notice"),
            digest,
            record,
            item.get("document_url"),
            item.get("document_sha256"),
            RELEASE_KEY in item,
        )


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            # SQLite may already have rolled back (a full disk does): then there is nothing to undo.
            self.conn.execute("ROLLBACK")


def load_record(stored: str | bytes) -> Any:
    """The item a ``records`` or ``record_history`` row's JSON stands for, as the build reads
    it: a stored OCDS release is mapped onto its notice (``ocds.stored_item``)."""
    try:
        record = orjson.loads(stored)
    except orjson.JSONDecodeError:
        # What orjson refuses (integers beyond 64 bits, lone surrogates) the standard library
        # reads, or explains in the error the build reports.
        record = json.loads(stored)
    return ocds.stored_item(record) if isinstance(record, dict) else record


def without_surrogates(item: dict) -> dict:
    """The item with every lone surrogate replaced by U+FFFD, as a decoder would have done."""
    text = _dumps(item).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return json.loads(text)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_parsed)
