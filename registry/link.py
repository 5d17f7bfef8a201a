"""Linking: notices of one procurement become one deployment, with a row of evidence each.

Rules, in order (each evidence row names the rule that linked it):
- ``same-procedure``: notices sharing a procedure id (OCDS ocid, TED procedure identifier).
- ``single-notice``: a notice without a procedure id is a deployment of its own.
Deployment ids are hashes of the linking key, so they stay stable across rebuilds.
"""

from __future__ import annotations

import hashlib

import sqlite_utils

# A deployment's status is the furthest stage its evidence reaches.
STATUS_RANK = {"prior-information": 1, "tender": 2, "modification": 2, "other": 2, "award": 3}
STATUS_NAMES = {1: "planned", 2: "tendered", 3: "awarded", 4: "announced", 5: "operational"}


def deployment_key(procedure_id: str | None, notice_id: str) -> tuple[str, str]:
    """The linking key of a notice and the rule it follows."""
    if procedure_id:
        return f"procedure:{procedure_id}", "same-procedure"
    return f"notice:{notice_id}", "single-notice"


def stable_id(prefix: str, key: str) -> str:
    """A short id derived from a key, identical on every rebuild."""
    return f"{prefix}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def derive_deployments(db: sqlite_utils.Database) -> None:
    """Fill deployments, evidence and their link tables from the notices already loaded."""
    conn = db.conn
    conn.create_function("stage_rank", 1, lambda t: STATUS_RANK.get(t, 2), deterministic=True)
    conn.create_function("stage_name", 1, lambda r: STATUS_NAMES.get(r), deterministic=True)
    conn.executescript(
        """
        INSERT INTO evidence (id, deployment_id, kind, record_id, notice_type, title, url, date,
                              document_sha256, source, link_rule, first_seen, licence)
        SELECT 'e:' || n.id, n.deployment_id, 'notice', n.id, n.notice_type,
               n.title, coalesce(n.url, n.document_url), n.published, n.document_sha256,
               n.source, CASE WHEN n.procedure_id IS NULL THEN 'single-notice'
                              ELSE 'same-procedure' END,
               n.first_seen, n.licence
        FROM notices n;

        WITH ranked AS (
            SELECT n.*, row_number() OVER (
                PARTITION BY deployment_id
                ORDER BY coalesce(published, '') DESC, stage_rank(notice_type) DESC, id) AS latest,
              row_number() OVER (
                PARTITION BY deployment_id
                ORDER BY value_amount IS NULL, stage_rank(notice_type) DESC,
                         coalesce(published, '') DESC, id) AS best_value
            FROM notices n
        ), grouped AS (
            SELECT deployment_id, max(stage_rank(notice_type)) AS stage,
                   min(published) AS first_evidence, max(published) AS last_evidence,
                   count(*) AS evidence_count, min(first_seen) AS first_seen,
                   max(procedure_id) AS procedure_id
            FROM notices GROUP BY deployment_id
        )
        INSERT INTO deployments (id, procedure_id, title, status, buyer_name, country, city,
                                 place_id, latitude, longitude, value_amount, value_currency,
                                 value_eur, first_evidence, last_evidence, evidence_count,
                                 first_seen, link_rule)
        SELECT g.deployment_id, g.procedure_id, l.title, stage_name(g.stage), l.buyer_name,
               l.buyer_country, coalesce(p.city, l.buyer_city), l.place_id, p.latitude,
               p.longitude, v.value_amount, v.value_currency, v.value_eur, g.first_evidence,
               g.last_evidence, g.evidence_count, g.first_seen,
               CASE WHEN g.procedure_id IS NULL THEN 'single-notice' ELSE 'same-procedure' END
        FROM grouped g
        JOIN ranked l ON l.deployment_id = g.deployment_id AND l.latest = 1
        JOIN ranked v ON v.deployment_id = g.deployment_id AND v.best_value = 1
        LEFT JOIN places p ON p.id = l.place_id;

        INSERT OR IGNORE INTO deployment_vendors (deployment_id, vendor_id)
        SELECT n.deployment_id, nv.vendor_id FROM notice_vendors nv
        JOIN notices n ON n.id = nv.notice_id;

        INSERT OR IGNORE INTO deployment_technologies (deployment_id, technology_id)
        SELECT n.deployment_id, nt.technology_id FROM notice_technologies nt
        JOIN notices n ON n.id = nt.notice_id;

        UPDATE deployments SET
          vendors = (SELECT group_concat(vendor_id, ' ') FROM deployment_vendors
                     WHERE deployment_id = deployments.id),
          technologies = (SELECT group_concat(technology_id, ' ') FROM deployment_technologies
                          WHERE deployment_id = deployments.id);
        """
    )
