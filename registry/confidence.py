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

# Each deployment's facts and its best technology score are grouped apart and then joined: a
# score looked up per deployment cost a search of three tables for each of half a million.
_FACTS = """
WITH facts AS (
  SELECT deployment_id AS id,
         max(kind = 'notice' AND record_id IN (SELECT id FROM notices WHERE outcome IS NOT NULL))
           AS decision,
         max(kind = 'notice' AND detail IN ('award', 'contract')) AS award,
         max(kind = 'notice') AS notice,
         max(kind = 'dataset_row') AS dataset,
         max(kind = 'announcement' AND source NOT IN (SELECT id FROM vendors)) AS news,
         max(kind = 'announcement' AND source IN (SELECT id FROM vendors)) AS vendor_newsroom,
         count(DISTINCT source) AS sources
  FROM evidence GROUP BY deployment_id
), technology AS (SELECT id, max(c) AS c FROM ({technology}) GROUP BY id)
SELECT d.id, f.decision, f.award, f.notice, f.dataset, f.news, f.vendor_newsroom, f.sources,
       d.place_id IS NOT NULL,
       coalesce(d.buyer_name, '') != '' OR coalesce(d.vendors, '') != ''
         OR coalesce(d.suppliers, '') != '',
       d.note IS NOT NULL OR d.link_rule LIKE '%correction-%',
       t.c
FROM deployments d JOIN facts f ON f.id = d.id LEFT JOIN technology t ON t.id = d.id
ORDER BY d.id
"""
# The classifier's score for the technologies of each deployment's records; a dataset's own
# technology column counts as certain.
_TECHNOLOGY = {
    "notice_technologies": "SELECT n.deployment_id AS id, t.confidence AS c FROM notices n "
    "JOIN notice_technologies t ON t.notice_id = n.id",
    "announcement_technologies": "SELECT a.deployment_id AS id, t.confidence AS c "
    "FROM announcements a JOIN announcement_technologies t ON t.announcement_id = a.id",
    "dataset_row_technologies": "SELECT r.deployment_id AS id, 1.0 AS c FROM dataset_rows r",
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
    return " UNION ALL ".join(parts) or "SELECT NULL AS id, NULL AS c"
