"""How sure the registry is of a deployment: a verification state and a confidence with its rules.

Verification is the strongest kind of evidence behind it: ``official record`` (a procurement
notice, or a decision: a council's vote or a records release's stated outcome), ``dataset`` (an
open dataset such as the Atlas or a Flock portal), ``reported`` (a news article), ``vendor
claim`` (a vendor's own newsroom), or ``corrected by review`` when the reviewed corrections file
changed or annotated it. Confidence starts from that state and each
rule that applies moves it; ``confidence_rules`` lists them ("award-notice 0.9; corroborated
+0.1").
"""

from __future__ import annotations

import sqlite_utils

from registry.rows import DeferredUpdate

BASE = {
    "decision": ("official record", 0.9),
    "award-notice": ("official record", 0.9),
    "notice": ("official record", 0.8),
    "dataset": ("dataset", 0.8),
    "news": ("reported", 0.6),
    "vendor-newsroom": ("vendor claim", 0.5),
}
CORROBORATED = 0.1  # evidence from two or more sources
REVIEWED = 0.1  # the corrections file names it
PLACE_UNRESOLVED = -0.1
WEAK_TECHNOLOGY = -0.1  # the best technology score is below STRONG_TECHNOLOGY
NO_PARTY = -0.05  # no buyer, vendor or supplier named
STRONG_TECHNOLOGY = 0.7
FLOOR, CEILING = 0.05, 1.0

_FACTS = """
SELECT d.id,
       max(e.kind = 'notice' AND e.record_id IN (SELECT id FROM notices WHERE outcome IS NOT NULL)),
       max(e.kind = 'notice' AND e.detail IN ('award', 'contract')),
       max(e.kind = 'notice'),
       max(e.kind = 'dataset_row'),
       max(e.kind = 'announcement' AND e.source NOT IN (SELECT id FROM vendors)),
       max(e.kind = 'announcement' AND e.source IN (SELECT id FROM vendors)),
       count(DISTINCT e.source),
       d.place_id IS NOT NULL,
       coalesce(d.buyer_name, '') != '' OR coalesce(d.vendors, '') != ''
         OR coalesce(d.suppliers, '') != '',
       d.note IS NOT NULL OR d.link_rule LIKE '%correction-%',
       (SELECT max(c) FROM ({technology}))
FROM deployments d JOIN evidence e ON e.deployment_id = d.id
GROUP BY d.id
"""
# The classifier's best score for the technologies of a deployment's records; a dataset's own
# technology column counts as certain.
_TECHNOLOGY = {
    "notice_technologies": "SELECT t.confidence AS c FROM notices n JOIN notice_technologies t "
    "ON t.notice_id = n.id WHERE n.deployment_id = d.id",
    "announcement_technologies": "SELECT t.confidence AS c FROM announcements a "
    "JOIN announcement_technologies t ON t.announcement_id = a.id WHERE a.deployment_id = d.id",
    "dataset_row_technologies": "SELECT 1.0 AS c FROM dataset_rows r WHERE r.deployment_id = d.id",
}


def assess(
    *,
    decision: bool = False,
    award: bool,
    notice: bool,
    dataset: bool,
    news: bool,
    vendor_newsroom: bool,
    sources: int,
    placed: bool,
    party: bool,
    reviewed: bool,
    technology: float | None,
) -> tuple[str, float, str]:
    """(verification, confidence, rules) of one deployment's evidence."""
    kinds = (
        ("decision", decision),
        ("award-notice", award),
        ("notice", notice),
        ("dataset", dataset),
        ("news", news),
        ("vendor-newsroom", vendor_newsroom),
    )
    base = next((name for name, present in kinds if present), "vendor-newsroom")
    verification, score = BASE[base]
    rules = [f"{base} {score}"]
    for name, applies, delta in (
        ("corroborated", sources >= 2, CORROBORATED),
        ("reviewed", reviewed, REVIEWED),
        ("place-unresolved", not placed, PLACE_UNRESOLVED),
        ("weak-technology", (technology or 1.0) < STRONG_TECHNOLOGY, WEAK_TECHNOLOGY),
        ("no-party", not party, NO_PARTY),
    ):
        if applies:
            score += delta
            rules.append(f"{name} {delta:+.2f}")
    if reviewed:
        verification = "corrected by review"
    return verification, round(min(CEILING, max(FLOOR, score)), 2), "; ".join(rules)


def assess_deployments(db: sqlite_utils.Database) -> None:
    """Fill ``verification``, ``confidence`` and ``confidence_rules`` of every deployment."""
    columns = ["verification", "confidence", "confidence_rules"]
    with DeferredUpdate(db.conn, "deployments", "id", columns) as assessed:
        for row in db.execute(_FACTS.format(technology=_technology_sql(db))):
            assessed.add(*_assessed(*row))


def _assessed(
    deployment_id: str,
    decision: int,
    award: int,
    notice: int,
    dataset: int,
    news: int,
    vendor_newsroom: int,
    sources: int,
    placed: int,
    party: int,
    reviewed: int,
    technology: float | None,
) -> tuple[str, str, float, str]:
    """A row of ``_FACTS`` assessed: (id, verification, confidence, rules)."""
    verification, confidence, rules = assess(
        decision=bool(decision),
        award=bool(award),
        notice=bool(notice),
        dataset=bool(dataset),
        news=bool(news),
        vendor_newsroom=bool(vendor_newsroom),
        sources=sources,
        placed=bool(placed),
        party=bool(party),
        reviewed=bool(reviewed),
        technology=technology,
    )
    return deployment_id, verification, confidence, rules


def _technology_sql(db: sqlite_utils.Database) -> str:
    parts = [sql for table, sql in _TECHNOLOGY.items() if db.table(table).exists()]
    return " UNION ALL ".join(parts) or "SELECT NULL AS c"
