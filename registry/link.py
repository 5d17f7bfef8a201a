"""Linking: notices, announcements and dataset rows become deployments, each with its evidence.

Rules, in order; every evidence row names the rule that linked it:

- ``same-procedure``: notices sharing a procedure id (OCDS ocid, TED procedure identifier) of one
  source are one procurement.
- ``cites-notice``: a notice that cites another notice (TED legacy ``REF_NOTICE``) joins the
  procurement of the notice it cites.
- ``single-notice``: a notice with neither is a procurement of its own.
- ``same-place-vendor-technology``: an announcement or dataset row joins the procurement whose
  notices share its place, one of its technologies and one of its vendors.
- ``same-story``: announcements that no procurement matches, sharing place, vendor, technology and
  month (two outlets telling one story), are one announced deployment; dataset rows that no
  procurement matches, sharing place, vendor and technology, are one observed deployment.
- ``single-observation``: what has no place, vendor or technology to match on stands alone.
- ``correction-merge`` / ``correction-split``: the reviewed corrections file said so.

A deployment id is a hash of its linking key, the key of its earliest evidence, so it stays the
same across rebuilds. When a rebuild makes an old id disappear, a row in ``deployment_markers``
points at its successors (merged, split) or says why its records are no longer published
(withdrawn at their source or by a correction; otherwise unpublished, with the reason).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from registry.confidence import assess_deployments
from registry.corrections import Corrections

# The stage each kind of evidence shows; a deployment's status is the furthest stage reached.
NOTICE_STAGE = {"prior-information": 1, "tender": 2, "modification": 2, "other": 2, "award": 3}
ANNOUNCED, OPERATIONAL = 4, 5
STATUS_NAMES = {1: "planned", 2: "tendered", 3: "awarded", 4: "announced", 5: "operational"}


@dataclass(frozen=True)
class EvidenceKind:
    """How one table of records takes part in linking."""

    kind: str
    table: str
    key_column: str  # the column of its link tables naming the record
    technologies: str
    vendors: str
    facts: str  # SELECT of the common evidence columns, over the table aliased r
    story: str = "NULL"  # SQL of a key that groups records telling one story, if the kind has one


EVIDENCE_KINDS = (
    EvidenceKind(
        "notice",
        "notices",
        "notice_id",
        "notice_technologies",
        "notice_vendors",
        """SELECT r.id AS record_id, 'notice' AS kind, r.deployment_id, r.notice_type AS detail,
                  stage_rank(r.notice_type) AS stage, r.title,
                  coalesce(r.url, r.document_url) AS url,
                  r.published AS date, r.document_sha256, r.source, r.first_seen, r.licence,
                  r.buyer_name AS organisation, r.buyer_country AS country, r.buyer_city AS city,
                  r.place_id, r.value_amount, r.value_currency, r.value_eur, r.cameras AS quantity,
                  r.procedure_id
           FROM notices r""",
    ),
    EvidenceKind(
        "dataset_row",
        "dataset_rows",
        "dataset_row_id",
        "dataset_row_technologies",
        "dataset_row_vendors",
        f"""SELECT r.id AS record_id, 'dataset_row', r.deployment_id, r.dataset, {OPERATIONAL},
                   r.title,
                   coalesce(r.url, r.document_url), r.date, r.document_sha256, r.source,
                   r.first_seen, r.licence, r.agency, r.country, r.city, r.place_id, NULL, NULL,
                   NULL, r.camera_count, NULL
            FROM dataset_rows r WHERE r.source != 'osm-surveillance'
              -- A row that names no surveillance technology is published, never a deployment.
              AND EXISTS (SELECT 1 FROM dataset_row_technologies t
                          WHERE t.dataset_row_id = r.id)""",
    ),
    EvidenceKind(
        "announcement",
        "announcements",
        "announcement_id",
        "announcement_technologies",
        "announcement_vendors",
        f"""SELECT r.id AS record_id, 'announcement', r.deployment_id, r.site_name, {ANNOUNCED},
                   r.title,
                   coalesce(r.url, r.document_url), coalesce(r.event_date, r.published),
                   r.document_sha256, r.source, r.first_seen, r.licence, NULL, r.country, r.city,
                   r.place_id, r.value_amount, r.value_currency, NULL, r.cameras, NULL
            FROM announcements r""",
        story="r.event_key",
    ),
)


def stable_id(prefix: str, key: str) -> str:
    """A short id derived from a key, identical on every rebuild."""
    return f"{prefix}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


class _Groups:
    """Union-find over linking keys; a group is named by its earliest member."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.order: dict[str, tuple[str, str]] = {}

    def add(self, key: str, first_seen: str) -> None:
        self.parent.setdefault(key, key)
        rank = (first_seen or "", key)
        if key not in self.order or rank < self.order[key]:
            self.order[key] = rank

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=lambda k: self.order[k])
            self.parent[second] = first


def derive_deployments(
    db: sqlite_utils.Database,
    corrections: Corrections | None = None,
    previous: PreviousBuild | None = None,
) -> None:
    """Assign every record its deployment, then fill deployments, evidence and markers.

    ``previous`` is the build this one replaces, for markers of retired deployment ids.
    """
    corrections = corrections or Corrections()
    conn = db.conn
    conn.create_function("stage_rank", 1, lambda t: NOTICE_STAGE.get(t, 2), deterministic=True)
    conn.create_function("stage_name", 1, STATUS_NAMES.get, deterministic=True)
    kinds = [k for k in EVIDENCE_KINDS if db.table(k.table).exists()]
    for kind in kinds:
        if "deployment_id" not in db.table(kind.table).columns_dict:
            db.table(kind.table).add_column("deployment_id", str)
    conn.create_function("stable_id", 2, stable_id, deterministic=True)
    db.execute(
        "CREATE TEMP TABLE _links (record_id TEXT PRIMARY KEY, link_key TEXT, link_rule TEXT)"
    )
    _procedure_links(db)
    _observation_links(db, kinds)
    _apply_corrections(db, corrections)
    _write_links(db, kinds)
    _fill(db, kinds, corrections)
    _markers(db, previous, corrections)


def _procedure_links(db: sqlite_utils.Database) -> None:
    """Notices by procedure, then procedures joined by the citations between their notices.

    The keys live in a temporary table, so memory does not grow with the number of notices; only
    the procedures that cite each other pass through Python.
    """
    db.execute(
        "INSERT INTO _links SELECT id, "
        "CASE WHEN procedure_id IS NULL THEN 'notice:' || id "
        "ELSE 'procedure:' || source || ':' || procedure_id END, "
        "CASE WHEN procedure_id IS NULL THEN 'single-notice' ELSE 'same-procedure' END "
        "FROM notices"
    )
    db.execute("CREATE INDEX temp._links_key ON _links (link_key)")
    groups = _Groups()
    citing_keys: list[tuple[str, str]] = []
    for notice_id, key, source, related in db.execute(
        "SELECT n.id, l.link_key, n.source, n.related_notices FROM notices n "
        "JOIN _links l ON l.record_id = n.id WHERE n.related_notices IS NOT NULL"
    ).fetchall():
        for cited in related.split():
            row = db.execute(
                "SELECT link_key FROM _links WHERE record_id = ?", [f"{source}/{cited}"]
            ).fetchone()
            if row:
                for member in (key, row[0]):
                    groups.add(member, _first_seen(db, member))
                groups.union(key, row[0])
                citing_keys.append((notice_id, key))
    for key in list(groups.parent):
        root = groups.find(key)
        if root != key:
            db.execute("UPDATE _links SET link_key = ? WHERE link_key = ?", [root, key])
    for notice_id, key in citing_keys:
        if groups.find(key) != key:
            db.execute(
                "UPDATE _links SET link_rule = 'cites-notice' WHERE record_id = ?", [notice_id]
            )


def _first_seen(db: sqlite_utils.Database, key: str) -> str:
    row = db.execute(
        "SELECT min(n.first_seen) FROM notices n JOIN _links l ON l.record_id = n.id "
        "WHERE l.link_key = ?",
        [key],
    ).fetchone()
    return row[0] or ""


def _observation_links(db: sqlite_utils.Database, kinds: list[EvidenceKind]) -> None:
    procurement_keys: dict[tuple[str, str, str], str] = {}
    for place_id, technology, vendor, key in db.execute(
        "SELECT n.place_id, t.technology_id, v.vendor_id, l.link_key FROM notices n "
        "JOIN notice_technologies t ON t.notice_id = n.id "
        "JOIN notice_vendors v ON v.notice_id = n.id "
        "JOIN _links l ON l.record_id = n.id WHERE n.place_id IS NOT NULL "
        "ORDER BY n.first_seen, n.id"
    ):
        procurement_keys.setdefault((place_id, technology, vendor), key)
    for kind in kinds:
        if kind.kind == "notice":
            continue
        rows = []
        for record_id, place_id, technologies, vendors, story in _observations(db, kind):
            combos = [(place_id, t, v) for t in technologies for v in vendors] if place_id else []
            match = next((procurement_keys[c] for c in combos if c in procurement_keys), None)
            if match:
                rows.append((record_id, match, "same-place-vendor-technology"))
            elif story:
                rows.append((record_id, f"{kind.kind}:{story}", "same-story"))
            elif combos:
                rows.append((record_id, f"{kind.kind}:{':'.join(combos[0])}", "same-story"))
            else:
                rows.append((record_id, f"{kind.kind}:{record_id}", "single-observation"))
        db.conn.executemany("INSERT INTO _links VALUES (?, ?, ?)", rows)


def _observations(db: sqlite_utils.Database, kind: EvidenceKind) -> Iterable[tuple]:
    facts = {
        row[0]: row
        for row in db.execute(
            f"SELECT r.id, r.place_id, {kind.story} FROM {kind.table} r WHERE r.id IN "
            f"(SELECT record_id FROM ({kind.facts}))"
        )
    }
    technologies: dict[str, list[str]] = {}
    for record_id, technology in db.execute(
        f"SELECT {kind.key_column}, technology_id FROM {kind.technologies} ORDER BY rowid"
    ):
        technologies.setdefault(record_id, []).append(technology)
    vendors: dict[str, list[str]] = {}
    for record_id, vendor in db.execute(
        f"SELECT {kind.key_column}, vendor_id FROM {kind.vendors} ORDER BY rowid"
    ):
        vendors.setdefault(record_id, []).append(vendor)
    for record_id, (_, place_id, story) in sorted(facts.items()):
        yield (
            record_id,
            place_id,
            technologies.get(record_id, []),
            vendors.get(record_id, []),
            story,
        )


def _apply_corrections(db: sqlite_utils.Database, corrections: Corrections) -> None:
    for record_id in corrections.splits:
        db.execute(
            "UPDATE _links SET link_key = ?, link_rule = 'correction-split' WHERE record_id = ?",
            [f"split:{record_id}", record_id],
        )
    for merged, target in corrections.merged_into().items():
        row = db.execute(
            "SELECT link_key FROM _links WHERE stable_id('d', link_key) = ? LIMIT 1", [target]
        ).fetchone()
        if row:
            db.execute(
                "UPDATE _links SET link_key = ?, link_rule = 'correction-merge' "
                "WHERE stable_id('d', link_key) = ?",
                [row[0], merged],
            )


def _write_links(db: sqlite_utils.Database, kinds: list[EvidenceKind]) -> None:
    db.execute("ALTER TABLE _links ADD COLUMN deployment_id TEXT")
    db.execute("UPDATE _links SET deployment_id = stable_id('d', link_key)")
    for kind in kinds:
        db.execute(
            f"UPDATE {kind.table} SET deployment_id = "
            f"(SELECT deployment_id FROM _links WHERE record_id = {kind.table}.id)"
        )
        # Filling deployments looks records up by deployment; without this it is quadratic.
        db.table(kind.table).create_index(["deployment_id"], if_not_exists=True)


def _fill(db: sqlite_utils.Database, kinds: list[EvidenceKind], corrections: Corrections) -> None:
    union = " UNION ALL ".join(k.facts for k in kinds)
    # Each record's facts are worked out once, into a table that the evidence, the grouping and
    # the picks below all read: as a view they were computed once per reader.
    db.execute(
        f"CREATE TEMP TABLE _facts AS SELECT f.*, l.link_rule FROM ({union}) f "
        "JOIN _links l ON l.record_id = f.record_id"
    )
    db.executescript(
        """
        INSERT INTO evidence (id, deployment_id, kind, record_id, detail, title, url, date,
                              document_sha256, source, link_rule, first_seen, licence)
        SELECT 'e:' || record_id, deployment_id, kind, record_id, detail, title, url, date,
               document_sha256, source, link_rule, first_seen, licence FROM _facts;

        CREATE TEMP TABLE _grouped AS
        SELECT deployment_id, max(stage) AS stage, min(date) AS first_evidence,
               max(date) AS last_evidence, count(*) AS evidence_count,
               min(first_seen) AS first_seen, max(quantity) AS cameras,
               group_concat(DISTINCT link_rule) AS rules,
               -- Only notices have one: a lookup of the notices per deployment cost more.
               max(procedure_id) AS procedure_id,
               min(rowid) AS only_row
        FROM _facts GROUP BY deployment_id ORDER BY deployment_id;

        -- Made after the grouping, which reads the facts in the order they were written.
        CREATE INDEX temp._facts_deployment ON _facts (deployment_id);

        -- Each pick is one row of a deployment's few, found by its index (record ids are unique:
        -- no ties); ranking every record with window functions sorted them all three times. A
        -- deployment of one record, half of them in a large build, needs no search at all.
        CREATE TEMP TABLE _picks AS
        SELECT g.*,
          -- The title is the furthest stage's newest paper: a policy or memo filed after the
          -- contract describes the deployment less well than the contract does.
          CASE WHEN g.evidence_count = 1 THEN g.only_row ELSE
          (SELECT rowid FROM _facts WHERE deployment_id = g.deployment_id
           ORDER BY stage DESC, coalesce(date, '') DESC, record_id LIMIT 1) END AS headline,
          CASE WHEN g.evidence_count = 1 THEN g.only_row ELSE
          (SELECT rowid FROM _facts WHERE deployment_id = g.deployment_id
           ORDER BY value_amount IS NULL, stage DESC, coalesce(date, '') DESC, record_id
           LIMIT 1) END AS best_value,
          CASE WHEN g.evidence_count = 1 THEN g.only_row ELSE
          (SELECT rowid FROM _facts WHERE deployment_id = g.deployment_id
           ORDER BY place_id IS NULL, kind != 'notice', first_seen, record_id
           LIMIT 1) END AS best_place
        FROM _grouped g ORDER BY g.rowid;

        INSERT INTO deployments (id, procedure_id, title, status, buyer_name, country, city,
                                 place_id, place_label, latitude, longitude, value_amount,
                                 value_currency, value_eur, cameras, first_evidence,
                                 last_evidence, evidence_count, first_seen, link_rule)
        SELECT g.deployment_id, g.procedure_id, l.title, stage_name(g.stage), p.organisation,
               coalesce(p.country, l.country),
               -- Only a resolved place names the city: a source's unresolved text may be an
               -- agency's name ("18th Judicial District DA's Office").
               pl.city, pl.id, pl.label, pl.latitude, pl.longitude, v.value_amount,
               v.value_currency, v.value_eur, g.cameras, g.first_evidence, g.last_evidence,
               g.evidence_count, g.first_seen, g.rules
        FROM _picks g
        JOIN _facts l ON l.rowid = g.headline
        JOIN _facts v ON v.rowid = g.best_value
        JOIN _facts p ON p.rowid = g.best_place
        LEFT JOIN places pl ON pl.id = p.place_id
        ORDER BY g.rowid;

        DROP TABLE _picks;
        DROP TABLE _grouped;
        DROP TABLE _facts;
        """
    )
    for kind in kinds:
        db.execute(
            f"INSERT OR IGNORE INTO deployment_vendors (deployment_id, vendor_id) "
            f"SELECT r.deployment_id, x.vendor_id FROM {kind.vendors} x "
            f"JOIN {kind.table} r ON r.id = x.{kind.key_column} WHERE r.deployment_id IS NOT NULL"
        )
        db.execute(
            f"INSERT OR IGNORE INTO deployment_technologies (deployment_id, technology_id) "
            f"SELECT r.deployment_id, x.technology_id FROM {kind.technologies} x "
            f"JOIN {kind.table} r ON r.id = x.{kind.key_column} "
            f"WHERE r.deployment_id IS NOT NULL"
        )
    if db.table("notice_suppliers").exists():
        db.execute(
            "INSERT OR IGNORE INTO deployment_suppliers (deployment_id, supplier_id) "
            "SELECT n.deployment_id, s.supplier_id FROM notice_suppliers s "
            "JOIN notices n ON n.id = s.notice_id WHERE n.deployment_id IS NOT NULL"
        )
    db.executescript(
        """
        UPDATE deployments SET
          vendors = (SELECT group_concat(vendor_id, ' ') FROM deployment_vendors
                     WHERE deployment_id = deployments.id),
          suppliers = (SELECT group_concat(supplier_id, ' ') FROM deployment_suppliers
                       WHERE deployment_id = deployments.id),
          technologies = (SELECT group_concat(technology_id, ' ') FROM deployment_technologies
                          WHERE deployment_id = deployments.id),
          -- An indexed integer, so the year facet stays fast at a million rows.
          year = CAST(substr(first_evidence, 1, 4) AS INTEGER);
        """
    )
    for deployment_id, notes in corrections.notes.items():
        text = "; ".join(f"{n['note']} ({n['date']})" for n in notes)
        db.execute("UPDATE deployments SET note = ? WHERE id = ?", [text, deployment_id])
    assess_deployments(db)


@dataclass
class PreviousBuild:
    """What a build replaces, for markers of the deployment ids it retires.

    The crawl store keeps the last published build's record → deployment mapping and markers, so
    neither is lost with registry.db; the live registry, while readable, is preferred for the
    mapping (it is what readers cite) and its markers carry over too. ``withdrawn`` holds the
    records this build leaves out because their source withdrew them, with the reason.
    """

    crawl_store: Path
    registry: Path | None = None
    withdrawn: dict[str, str] = field(default_factory=dict)


def load_previous(db: sqlite_utils.Database, previous: PreviousBuild) -> None:
    """Temporary tables ``_previous_evidence`` and ``_previous_markers`` of the last build.

    ``_previous_evidence`` has (record_id, source, deployment_id, in_store); the build compares
    it with the new evidence before publishing, and ``_markers`` marks what it retired.
    """
    db.conn.commit()
    db.executescript(
        """
        CREATE TEMP TABLE _previous_evidence (
            record_id TEXT PRIMARY KEY, source TEXT, deployment_id TEXT, in_store INTEGER);
        CREATE TEMP TABLE _previous_markers (
            id TEXT PRIMARY KEY, state TEXT, successors TEXT, reason TEXT);
        """
    )
    db.execute("ATTACH DATABASE ? AS store", [str(previous.crawl_store)])
    if previous.registry is not None:
        db.execute("ATTACH DATABASE ? AS previous", [str(previous.registry)])
    try:
        mapping = "previous.evidence" if previous.registry else "store.published_evidence"
        db.execute(
            "INSERT OR IGNORE INTO _previous_evidence "
            "SELECT o.record_id, o.source, o.deployment_id, r.source IS NOT NULL "
            f"FROM {mapping} o LEFT JOIN store.records r ON r.source = o.source "
            "AND r.source_id = substr(o.record_id, length(o.source) + 2)"
        )
        sources = ["store"]
        if (
            previous.registry is not None
            and db.execute(
                "SELECT 1 FROM previous.sqlite_master WHERE name = 'deployment_markers'"
            ).fetchone()
        ):
            sources.append("previous")
        for source in sources:
            db.execute(
                "INSERT OR IGNORE INTO _previous_markers "
                f"SELECT id, state, successors, reason FROM {source}.deployment_markers"
            )
    finally:
        db.conn.commit()
        db.execute("DETACH DATABASE store")
        if previous.registry is not None:
            db.execute("DETACH DATABASE previous")
    db.execute("CREATE INDEX temp._previous_deployment ON _previous_evidence (deployment_id)")


def _markers(
    db: sqlite_utils.Database, previous: PreviousBuild | None, corrections: Corrections
) -> None:
    """Markers for the deployment ids of the last published build that this build no longer has.

    A retired id whose records now belong to one deployment was merged into it; to several, split.
    With none left it was withdrawn only if each of its records was withdrawn at its source or
    suppressed by a correction; otherwise it is unpublished, and the reason says why. Markers of
    earlier builds carry over unless their id is live again.
    """
    if previous is None:
        return
    if not db.execute(
        "SELECT 1 FROM temp.sqlite_master WHERE name = '_previous_evidence'"
    ).fetchone():
        load_previous(db, previous)
    retired = db.execute(
        "SELECT o.deployment_id, group_concat(DISTINCT e.deployment_id) "
        "FROM _previous_evidence o LEFT JOIN main.evidence e ON e.record_id = o.record_id "
        "WHERE o.deployment_id NOT IN (SELECT id FROM main.deployments) "
        "GROUP BY o.deployment_id ORDER BY o.deployment_id"
    ).fetchall()
    carried = db.execute(
        "SELECT id, state, successors, reason FROM _previous_markers "
        "WHERE id NOT IN (SELECT id FROM main.deployments)"
    ).fetchall()
    merged_into = corrections.merged_into()
    reasons = {d: m for m in corrections.merges for d in m["deployments"][1:]}
    rows = {
        old: {"id": old, "state": state, "successors": successors, "reason": reason}
        for old, state, successors, reason in carried
    }
    for old, successors in retired:
        new = sorted(successors.split(",")) if successors else []
        if not new:
            state, reason = _gone(db, old, previous, corrections)
        elif len(new) == 1:
            state = "merged"
            entry = reasons.get(old)
            reason = (
                f"correction: {entry['reason']} ({entry['date']})"
                if old in merged_into and entry is not None
                else "its evidence now belongs to a deployment linked by another rule"
            )
        else:
            state, reason = "split", "its evidence now belongs to several deployments"
        rows[old] = {"id": old, "state": state, "successors": json.dumps(new), "reason": reason}
    db.table("deployment_markers").insert_all(rows.values(), replace=True)


def _gone(
    db: sqlite_utils.Database, deployment: str, previous: PreviousBuild, corrections: Corrections
) -> tuple[str, str]:
    """State and reason of a retired deployment none of whose records is published now."""
    withdrawn: list[str] = []
    unpublished: list[str] = []
    for record_id, in_store in db.execute(
        "SELECT record_id, in_store FROM _previous_evidence WHERE deployment_id = ? "
        "ORDER BY record_id",
        [deployment],
    ):
        if entry := corrections.suppressed.get(record_id):
            withdrawn.append(f"suppressed by a correction: {entry['reason']} ({entry['date']})")
        elif reason := previous.withdrawn.get(record_id):
            withdrawn.append(reason)
        elif not in_store:
            unpublished.append("gone from the crawl store")
        else:
            unpublished.append("not judged about surveillance by this build, or failed to build")
    if unpublished:
        return "unpublished", "its records are no longer published: " + "; ".join(
            dict.fromkeys(unpublished)
        )
    return "withdrawn", "; ".join(dict.fromkeys(withdrawn))
