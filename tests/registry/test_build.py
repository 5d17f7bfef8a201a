"""The build: normalised, linked, redacted, checked and swapped in atomically."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest
import sqlite_utils

from registry import build as build_module
from registry.build import BuildError, build
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents

OCDS = FIXTURES / "ocds"
DONCASTER = (
    "contracts-finder/ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466/"
    "65ab1224-7fe3-4c3a-961f-a0359140c1ff-819893"
)


@pytest.fixture
def built(tmp_path):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(crawl_db, *sorted(OCDS.glob("uk-*.json")), archive=True)
    report = build(crawl_db, registry_db, progress=False)
    return registry_db, report


def test_notices_are_normalised(built):
    registry_db, report = built
    db = sqlite_utils.Database(registry_db)
    # Window replacement, crowd management and lecture video are stored but not published.
    assert report.notices == db["notices"].count == 4
    assert report.not_relevant == 3
    row = db["notices"].get(DONCASTER)
    assert (row["buyer_country"], row["published"], row["main_cpv"]) == (
        "GB",
        "2025-01-23",
        "92222000",
    )
    assert (row["value_amount"], row["value_currency"]) == (31376, "GBP")
    assert row["value_eur"] and 30000 < row["value_eur"] < 40000
    assert "cctv" in row["technologies"].split()
    assert row["licence"] == "Open Government Licence v3.0"
    assert row["first_seen"]
    anpr = next(db["notices"].rows_where("title like 'ANPR%'"))
    assert "alpr" in anpr["technologies"].split()
    assert anpr["buyer_country"] == "GB"


def test_personal_contact_data_is_absent_from_the_file(built):
    registry_db, _ = built
    # The archived copies of the notices' documents are published too, redacted.
    texts = [r["text"] for r in sqlite_utils.Database(registry_db)["documents"].rows]
    assert len(texts) == 4 and any("CCTV camera relocation" in t for t in texts)
    data = registry_db.read_bytes()
    for personal in (
        b"Verenaisi",
        b"Salabula",
        b"Becky Myles",
        b"b.myles@dundee.ac.uk",
        b"1382386811",
        b"matthew.green@south-wales.police.uk",
        b"1656655555",
    ):
        assert personal not in data


def test_search_index_and_link_tables(built):
    registry_db, _ = built
    db = sqlite_utils.Database(registry_db)
    hits = [r["title"] for r in db["notices"].search("CCTV")]
    assert "CCTV camera relocation" in hits and "Door access and CCTV control" in hits
    cpvs = {r["cpv"] for r in db["notice_cpv"].rows_where("notice_id = ?", [DONCASTER])}
    assert cpvs == {"92222000"}


def test_tender_and_award_of_one_procedure_are_one_deployment(tmp_path):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(
        crawl_db,
        extra=[
            notice("ocds-x/1", procedure_id="ocds-x", notice_type="tender", published="2024-01-05"),
            notice(
                "ocds-x/2",
                procedure_id="ocds-x",
                notice_type="award",
                published="2024-04-01",
                suppliers=[
                    {"name": "Hangzhou Hikvision Digital Technology Co., Ltd.", "country": "CN"}
                ],
                value={"amount": 120000, "currency": "GBP"},
            ),
            notice("lonely", published="2024-02-01"),
        ],
    )
    build(crawl_db, registry_db, progress=False)
    db = sqlite_utils.Database(registry_db)
    assert db["deployments"].count == 2
    (deployment,) = db["deployments"].rows_where("procedure_id = 'ocds-x'")
    assert (deployment["status"], deployment["evidence_count"]) == ("awarded", 2)
    assert (deployment["first_evidence"], deployment["last_evidence"]) == (
        "2024-01-05",
        "2024-04-01",
    )
    assert deployment["value_amount"] == 120000
    assert "hikvision" in deployment["vendors"].split()
    rules = {
        r["link_rule"] for r in db["evidence"].rows_where("deployment_id = ?", [deployment["id"]])
    }
    assert rules == {"same-procedure"}
    first_id = deployment["id"]
    build(crawl_db, registry_db, progress=False)
    assert sqlite_utils.Database(registry_db)["deployments"].get(first_id)


def test_a_supplier_is_named_by_its_most_common_spelling_the_first_on_a_tie(tmp_path):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    spellings = ["Acme Security Ltd", "ACME Security Limited", "ACME Security Limited"]
    spellings += ["Brill Systems", "BRILL SYSTEMS LTD"]
    store_documents(
        crawl_db,
        extra=[notice(f"n{n}", suppliers=[{"name": name}]) for n, name in enumerate(spellings)],
    )
    build(crawl_db, registry_db, progress=False)
    rows = {r["name"]: r for r in sqlite_utils.Database(registry_db)["suppliers"].rows}
    assert set(rows) == {"ACME Security Limited", "Brill Systems"}
    assert rows["ACME Security Limited"]["notices"] == 3
    assert json.loads(rows["Brill Systems"]["names"]) == ["BRILL SYSTEMS LTD", "Brill Systems"]


def test_failed_check_leaves_live_registry_untouched(built, monkeypatch, tmp_path):
    registry_db, _ = built
    before = hashlib.sha256(registry_db.read_bytes()).hexdigest()

    def broken(path, report):
        raise BuildError("integrity check failed: simulated")

    monkeypatch.setattr(build_module, "_check", broken)
    with pytest.raises(BuildError):
        build(tmp_path / "crawl.db", registry_db, progress=False)
    assert hashlib.sha256(registry_db.read_bytes()).hexdigest() == before
    assert not list(tmp_path.glob("registry.db.building-*"))


def test_check_refuses_a_damaged_file(built, tmp_path):
    registry_db, report = built
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(registry_db.read_bytes())
    conn = sqlite3.connect(damaged)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'notices'").fetchone()
    conn.close()
    with damaged.open("r+b") as handle:
        # The start of the page's cell content, as a torn or stray write could leave it.
        handle.seek((root - 1) * page_size + 5)
        handle.write(b"\x00\x01")
    with pytest.raises(BuildError, match="integrity check failed"):
        build_module._check(damaged, report)
    build_module._check(registry_db, report)


def test_killed_build_leaves_live_registry_untouched_and_readable(built, tmp_path):
    registry_db, _ = built
    before = hashlib.sha256(registry_db.read_bytes()).hexdigest()
    script = textwrap.dedent(f"""
        import os, signal
        from registry import build, link
        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        link.derive_deployments = die
        build.build({str(tmp_path / "crawl.db")!r}, {str(registry_db)!r}, progress=False)
    """)
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=120)
    assert result.returncode == -9
    assert list(tmp_path.glob("registry.db.building-*")), "the build was killed mid-way"
    assert hashlib.sha256(registry_db.read_bytes()).hexdigest() == before
    assert sqlite3.connect(registry_db).execute("select count(*) from notices").fetchone()[0] == 4
    build(tmp_path / "crawl.db", registry_db, progress=False)
    assert not list(tmp_path.glob("registry.db.building-*"))
