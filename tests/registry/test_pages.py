"""Readable pages: labels for ids, amounts with currencies, dates or "date unknown"."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest

from registry.display import date_range, money
from tests.registry.helpers import notice
from tests.registry.test_feeds import ITEMS, build_registry, registry_datasette

UNDATED = notice(
    "pages/undated",
    title="Undated CCTV for the depot",
    url="https://example.org/notice/undated",
    published=None,
    buyer={"name": "Leeds Council", "country": "GB", "city": "Leeds"},
)


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory) -> Path:
    return build_registry(tmp_path_factory.mktemp("pages"), ITEMS + [UNDATED])


@pytest.fixture(scope="module")
def datasette(registry_db):
    return registry_datasette(registry_db)


def get(datasette, path: str) -> str:
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def deployment_id(registry_db: Path, title: str) -> str:
    with sqlite3.connect(registry_db) as conn:
        return conn.execute("select id from deployments where title = ?", (title,)).fetchone()[0]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_amounts_read_with_their_currency_and_euros():
    assert money(400000, "GBP", 474080.4) == "£400,000 (€474,080)"
    assert money(120000, "EUR", 120000) == "€120,000"
    assert money(5000, "SEK", None) == "SEK 5,000"
    assert money(None, "GBP") is None
    assert date_range(None, None) == "date unknown"
    assert date_range("2024-01-01", "2024-01-01") == "2024-01-01"
    assert date_range("2024-01-01", "2024-03-01") == "2024-01-01 to 2024-03-01"


def test_deployment_page_says_when_where_who_what_and_how_much(datasette, registry_db):
    page = get(
        datasette, "/registry/deployment?id=" + deployment_id(registry_db, ITEMS[0]["title"])
    )
    facts = text_of(page[page.index('<dl class="facts">') : page.index("</dl>")])
    assert "When 2025-01-01 to 2025-05-01" in facts
    assert "Where Berlin, State of Berlin, DE" in facts
    assert "Buyer or operator Stadt Berlin" in facts
    assert "Face recognition" in facts and "face_recognition" not in facts
    assert "Vendors Hikvision" in facts and "How much €120,000" in facts


def test_an_undated_deployment_says_date_unknown(datasette, registry_db):
    page = get(datasette, "/registry/deployment?id=" + deployment_id(registry_db, UNDATED["title"]))
    assert "When date unknown" in text_of(page) and "<time>date unknown</time>" in page
    assert "? to ?" not in page


def test_table_pages_show_labels_for_id_lists(datasette):
    page = get(datasette, "/registry/deployments?country=DE")
    cells = re.findall(r'<td class="col-technologies[^"]*">(.*?)</td>', page, re.S)
    assert any(">Face recognition</a>" in c for c in cells), cells
    vendors = re.findall(r'<td class="col-vendors[^"]*">(.*?)</td>', page, re.S)
    assert any(
        'href="/registry/vendor?id=hikvision"' in c and ">Hikvision</a>" in c for c in vendors
    )
    notices = get(datasette, "/registry/notices?buyer_country=DE")
    assert ">CCTV and video surveillance</a>" in notices


def test_a_new_column_and_link_table_are_labelled_with_no_code_change(tmp_path):
    db = build_registry(tmp_path, ITEMS)
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            create table integrators (id text primary key, name text);
            insert into integrators values ('reliance-high-tech', 'Reliance High-Tech');
            create table deployment_integrators (
              deployment_id text references deployments(id),
              integrator_id text references integrators(id),
              primary key (deployment_id, integrator_id));
            alter table deployments add column integrators text;
            alter table deployments add column coverage text;
            update deployments set integrators = 'reliance-high-tech', coverage = 'citywide';
            insert into deployment_integrators select id, 'reliance-high-tech' from deployments;
            """
        )
        first = conn.execute("select id from deployments limit 1").fetchone()[0]
    datasette = registry_datasette(db)
    table = get(datasette, "/registry/deployments")
    assert ">Reliance High-Tech</a>" in table
    page = text_of(get(datasette, f"/registry/deployment?id={first}"))
    assert "Integrators Reliance High-Tech" in page and "Coverage citywide" in page
