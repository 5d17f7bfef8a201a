"""The build and the served registry under hostile records, kills and a full disk."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from crawlers.parsers import parse_document
from registry.build import build
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents
from tests.registry.test_feeds import registry_datasette

XSS = "<script>alert('xss-7')</script>"
JS = "javascript:alert('xss-7')"
EVIL = f'{XSS}<img src=x onerror="alert(7)"><a href="{JS}">x</a>'


def hostile_notice() -> dict:
    """A notice whose every text field carries markup and a javascript: URL."""
    return notice(
        "hostile/every-field",
        procedure_id=f"proc-{XSS}",
        url=JS,
        title=f"CCTV {EVIL}",
        # NUL is not XML and a lone surrogate is not UTF-8: neither may break a page or a feed.
        description=f"face recognition {EVIL} nul\x00 lone\ud800 bidi\u202e",
        language=f"en{XSS}",
        published=f"2024-03-01{XSS}",
        buyer={"name": f"Council {EVIL}", "country": "FR", "city": f"Lyon{XSS}"},
        cpv=["32323500", XSS],
        suppliers=[{"name": f"Hikvision {EVIL}", "country": f"CN{XSS}"}],
        value={"amount": XSS, "currency": XSS},
        related_notices=[XSS],
        document_url=JS,
    )


def hostile_article() -> dict:
    """An announcement parsed by the real article parser from a page full of markup tricks."""
    text = (
        f"Hikvision cameras at Lyon {XSS} {JS}. The city of Lyon installed 41 Hikvision CCTV "
        "cameras with face recognition at the station. "
    ) * 10
    page = (
        f'<html><head><title>Lyon CCTV {XSS}</title><link rel="canonical" href="{JS}">'
        f'<meta property="og:title" content="Lyon &lt;script&gt;alert(7)&lt;/script&gt; CCTV">'
        f"</head><body><article><h1>Lyon CCTV {XSS}</h1><p>{text}</p></article></body></html>"
    )
    (item,) = parse_document(page.encode(), url="https://example.org/lyon", format="html-article")
    item["source"] = "news-feed"
    item["published"] = "2024-04-01"
    return item


def hostile_dataset_rows() -> list[dict]:
    """Atlas rows, through the real CSV parser, with markup in every column."""
    lines = CSV.read_text("utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    row = {h: f"{h} {EVIL}" for h in header}
    row.update(
        {
            "AOSNUMBER": "AOS999999",
            "City": "Lyon",
            "State": "VA",
            "Technology": "Body-worn Cameras",
            "Link 1": JS,
            "Link 1 Date": "12/27/2012",
        }
    )
    writer.writerow([row[h] for h in header])
    return list(parse_document(out.getvalue().encode()))


CSV = FIXTURES / "datasets/atlas-of-surveillance_sample_first-rows.csv"


@pytest.fixture(scope="module")
def hostile_registry(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    items = [hostile_notice(), hostile_article(), *hostile_dataset_rows()]
    store_documents(directory / "crawl.db", extra=items)
    report = build(directory / "crawl.db", directory / "registry.db", progress=False)
    assert report.failed == 0, report.failures
    assert (report.notices, report.announcements, report.dataset_rows) == (1, 1, 1)
    return directory / "registry.db"


def get(datasette, path: str):
    return asyncio.run(datasette.client.get(path))


PAGES = [
    "/",
    "/registry",
    "/registry/notices",
    "/registry/notices?_search=CCTV",
    "/registry/announcements",
    "/registry/dataset_rows",
    "/registry/deployments",
    "/registry/evidence",
    "/registry/notice_cpv",
    "/registry/search_all?q=CCTV",
    "/registry/notices?_facet=buyer_city&_facet=suppliers",
]
FEEDS = [
    "/registry/new_notices.atom",
    "/registry/new_notices.atom?country=FR",
    "/registry/new_deployments.atom",
    "/registry/new_evidence.atom",
]


def test_markup_and_javascript_urls_are_inert_in_every_page(hostile_registry):
    datasette = registry_datasette(hostile_registry)
    rows = get(datasette, "/registry/deployments.json?_shape=array").json()
    notices = get(datasette, "/registry/notices.json?_shape=array").json()
    assert "<script>" in notices[0]["title"]  # the text is kept, as text
    detail = [f"/registry/deployment?id={r['id']}" for r in rows]
    detail += [f"/registry/notices/{notices[0]['id'].replace('/', '~2F')}"]
    for path in PAGES + detail:
        response = get(datasette, path)
        assert response.status_code == 200, path
        page = response.text
        assert "alert('xss-7')</script>" not in page, path
        assert "<img src=x" not in page, path
        hrefs = re.findall(r"""(?:href|src|action)\s*=\s*["']?\s*([^"'\s>]+)""", page, re.I)
        assert not [h for h in hrefs if h.lower().lstrip().startswith(("javascript", "data"))], path


@pytest.mark.parametrize("path", FEEDS)
def test_markup_and_javascript_urls_are_inert_in_every_feed(hostile_registry, path):
    response = get(registry_datasette(hostile_registry), path)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    tags = {element.tag.split("}")[-1] for element in root.iter() if isinstance(element.tag, str)}
    assert not tags & {"script", "img", "a"}, tags
    links = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link")]
    assert all(href.startswith(("http://", "https://")) for href in links), links
    feed = feedparser.parse(response.text)
    assert not feed.bozo and feed.entries
    for entry in feed.entries:
        links = [link.href for link in entry.get("links", [])]
        assert all(href.startswith(("http://", "https://")) for href in links), links
        for content in entry.get("content", []):
            assert content.type == "text/plain" or "<script" not in content.value


OFFICIAL = {
    "name": "Jolanta Kwiatkowska-Brennan",
    "email": "jolanta.kwiatkowska-brennan@lyon-council.example.org",
    "telephone": "+44 20 7946 0958",
}


def official_release() -> bytes:
    """An OCDS release naming an official, with her e-mail and phone, in contact and text."""
    release = {
        "ocid": "ocds-b5fd17-privacy",
        "id": "privacy-1",
        "date": "2024-05-01T00:00:00Z",
        "tag": ["tender"],
        "buyer": {"id": "B1", "name": "Lyon Council"},
        "parties": [
            {
                "id": "B1",
                "name": "Lyon Council",
                "roles": ["buyer"],
                "address": {"locality": "Lyon", "countryName": "France"},
                "contactPoint": {**OFFICIAL, "url": "https://lyon-council.example.org"},
            }
        ],
        "tender": {
            "title": "CCTV cameras for the station",
            "description": (
                f"Questions to {OFFICIAL['email']} or call 020 7946 0958 "
                f"(+44 20 7946 0958); tenders to procurement@lyon-council.example.org."
            ),
        },
    }
    return json.dumps({"releases": [release]}).encode()


def test_an_officials_name_email_and_phone_are_absent_from_the_registry_bytes(tmp_path):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    document = tmp_path / "release.json"
    document.write_bytes(official_release())
    store_documents(crawl_db, document)
    report = build(crawl_db, registry_db, progress=False)
    assert report.notices == 1
    data = registry_db.read_bytes()
    assert not list(tmp_path.glob("registry.db-*"))  # no journal or WAL beside it
    for personal in (
        "Jolanta",
        "Kwiatkowska",
        "jolanta.kwiatkowska-brennan@",
        "7946 0958",
        "79460958",
        "7946",
    ):
        for encoding in ("utf-8", "utf-16-le"):
            assert personal.encode(encoding) not in data, (personal, encoding)
    # The organisation and its generic mailbox are public, and stay.
    assert b"procurement@lyon-council.example.org" in data
    assert b"Lyon Council" in data


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(tmp_path) -> tuple[Path, Path]:
    """A crawl store of 2,000 notices and a live registry built from its first 7."""
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(crawl_db, *sorted((FIXTURES / "ocds").glob("uk-*.json")))
    build(crawl_db, registry_db, progress=False)
    store_documents(
        crawl_db,
        extra=[
            notice(f"bulk/{n}", procedure_id=f"bulk-{n // 2}", title=f"CCTV lot {n}")
            for n in range(2000)
        ],
    )
    return crawl_db, registry_db


# A build that kills itself once its first batch of notices is in the new file: the kill falls
# while the build writes, on any machine, however fast or loaded.
BUILD_KILLED_AFTER_FIRST_NOTICES = """
import os, signal, sys
from registry import build

insert = build.insert_rows

def insert_then_die(conn, table, *args, **kwargs):
    insert(conn, table, *args, **kwargs)
    if table == "notices":
        os.kill(os.getpid(), signal.SIGKILL)

build.insert_rows = insert_then_die
build.build(sys.argv[1], sys.argv[2], progress=False)
"""


def test_build_killed_with_sigkill_while_writing_leaves_the_live_registry(live):
    crawl_db, registry_db = live
    before = _digest(registry_db)
    process = subprocess.run(
        [sys.executable, "-c", BUILD_KILLED_AFTER_FIRST_NOTICES, str(crawl_db), str(registry_db)],
        timeout=300,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL
    (building,) = registry_db.parent.glob("registry.db.building-*")
    written = sqlite3.connect(f"file:{building}?mode=ro", uri=True)
    assert written.execute("select count(*) from notices").fetchone()[0] > 0
    written.close()
    assert _digest(registry_db) == before
    conn = sqlite3.connect(f"file:{registry_db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("select count(*) from notices").fetchone() == (4,)
    conn.close()
    report = build(crawl_db, registry_db, progress=False)
    assert report.notices == 2004  # three of the recorded releases are not about surveillance
    assert not list(registry_db.parent.glob("registry.db.building-*"))


def _limit_file_size() -> None:
    # Any write past 2 MB fails with EFBIG, which SQLite reports as a full disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))


def test_full_disk_during_a_build_fails_it_and_leaves_the_live_registry(live):
    crawl_db, registry_db = live
    before = _digest(registry_db)
    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "build"],
        env={**os.environ, "SURVREG_DATA": str(registry_db.parent)},
        preexec_fn=_limit_file_size,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    # EFBIG reaches SQLite as a failed write; ENOSPC would read "database or disk is full".
    assert result.stderr.strip().splitlines()[-1] == (
        "build failed, live registry unchanged: OperationalError: disk I/O error"
    )
    assert _digest(registry_db) == before
    assert not list(registry_db.parent.glob("registry.db.building-*"))
    conn = sqlite3.connect(f"file:{registry_db}?mode=ro", uri=True)
    assert conn.execute("select count(*) from notices").fetchone() == (4,)
    conn.close()


# An article whose title carries an e-mail and a mobile number, and notices whose text spells
# e-mails and phones the ways that used to get past the filter.
LEAKS = {
    "title-email": "m.dubois@lyon-police.example.fr",
    "title-mobile": "+33 6 12 34 56 78",
    "fullwidth-at": "jan.kowalski＠um.gdansk.example.pl",
    "url-encoded-at": "anna.schmidt%40stadt-koeln.example.de",
    "bracketed-at-dot": "piotr.nowak [at] policja [dot] example [dot] pl",
    "dashed-phone": "01302-73-69-79",
    "official": "Frederick Andrews",
    "contact-name": "Maria Rossi",
}
LEAK_NEEDLES = [
    "m.dubois",
    "6 12 34 56 78",
    "jan.kowalski",
    "anna.schmidt",
    "piotr.nowak",
    "73-69-79",
    "Frederick",
    "Andrews",
    "Rossi",
]


def leaking_items() -> list[dict]:
    page = (
        "<html><head><title>Lyon buys 41 Hikvision CCTV cameras</title></head><body><article>"
        f"<h1>Lyon CCTV: write to {LEAKS['title-email']} or call {LEAKS['title-mobile']}</h1>"
        + (
            "<p>The city of Lyon installed 41 Hikvision CCTV cameras with face recognition at "
            f"the station, said Police Chief {LEAKS['official']}.</p>"
        )
        * 8
        + "</article></body></html>"
    )
    (article,) = parse_document(
        page.encode(), url="https://news.example.fr/lyon", format="html-article"
    )
    article.update(source="news-feed", published="2024-04-01")
    assert LEAKS["title-email"] in article["title"]
    return [
        article,
        notice(
            "leaks/1",
            title=f"CCTV maintenance, questions to {LEAKS['fullwidth-at']}",
            description=(
                f"Face recognition cameras. Mail {LEAKS['url-encoded-at']} or "
                f"{LEAKS['bracketed-at-dot']}, Tél. {LEAKS['dashed-phone']}. "
                f"Referente: Dott.ssa {LEAKS['contact-name']}."
            ),
            buyer={"name": "Lyon Council", "country": "FR", "city": "Lyon"},
        ),
    ]


@pytest.fixture(scope="module")
def leaking_registry(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("leaks")
    store_documents(directory / "crawl.db", extra=leaking_items())
    report = build(directory / "crawl.db", directory / "registry.db", progress=False)
    assert (report.notices, report.announcements) == (1, 1), report.summary()
    return directory / "registry.db"


def test_personal_data_in_titles_and_spelled_out_is_absent_from_the_registry_bytes(
    leaking_registry,
):
    data = leaking_registry.read_bytes()
    for needle in LEAK_NEEDLES:
        for encoding in ("utf-8", "utf-16-le"):
            assert needle.encode(encoding) not in data, needle
    # What the registry is about stays: the place, the vendor, the agency.
    for kept in (b"Lyon Council", b"Hikvision", b"Police Chief"):
        assert kept in data


EXPORTS = [
    "/registry/announcements.json?_shape=array",
    "/registry/announcements.csv",
    "/registry/evidence.json?_shape=array",
    "/registry/evidence.csv",
    "/registry/deployments.json?_shape=array",
    "/registry/deployments.csv",
    "/registry/notices.csv",
    "/registry/notices.json?_shape=array",
    "/registry/search_all.json?q=Lyon",
    *FEEDS,
]


@pytest.mark.parametrize("path", EXPORTS)
def test_personal_data_is_absent_from_every_feed_and_export(leaking_registry, path):
    response = get(registry_datasette(leaking_registry), path)
    assert response.status_code == 200, path
    assert "Lyon" in response.text  # the rows are there
    for needle in LEAK_NEEDLES:
        assert needle not in response.text, (path, needle)


def test_alert_messages_are_redacted_before_they_are_published(tmp_path):
    """Alerts quote what a source sent (an error page, a document's reason) and are published."""
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(crawl_db, extra=[notice("alerted/1")])
    conn = sqlite3.connect(crawl_db)
    conn.execute(
        "INSERT INTO alerts (source, kind, message, raised) VALUES (?, ?, ?, ?)",
        (
            "contracts-finder",
            "errors",
            "failed document: reason=contact jane.roe@council.example.gov.uk, 07700 900123",
            "2026-01-01T00:00:00+00:00",
        ),
    )
    conn.commit()
    conn.close()
    build(crawl_db, registry_db, progress=False)
    (message,) = (
        sqlite3.connect(registry_db).execute("SELECT message FROM maintainer_alerts").fetchone()
    )
    assert message == "failed document: reason=contact [email removed], [phone removed]"
    assert b"jane.roe" not in registry_db.read_bytes()
