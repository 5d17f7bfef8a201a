"""Search: stemmed, spelling variants alike, honest about its limit, linking to pages that exist."""

from __future__ import annotations

import asyncio

import pytest

from registry.search import match_expression
from tests.registry.helpers import notice
from tests.registry.registries import generated_notices
from tests.registry.test_feeds import ITEMS, build_registry, registry_datasette

SPELLINGS = [
    notice(
        "spelling/1",
        title="Licence plate recognition cameras for the city centre",
        url="https://example.org/notice/s1",
    ),
    notice(
        "spelling/2",
        title="License plates readers at the operations center",
        url="https://example.org/notice/s2",
        buyer={"name": "Leeds Council", "country": "GB", "city": "Leeds"},
    ),
]
BOTH = {
    "Licence plate recognition cameras for the city centre",
    "License plates readers at the operations center",
}


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    items = ITEMS + SPELLINGS + generated_notices(60)
    return registry_datasette(build_registry(tmp_path_factory.mktemp("search"), items))


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def search(datasette, q: str) -> list[dict]:
    response = get(datasette, f"/registry/search_all.json?_shape=array&q={q}")
    assert response.status_code == 200, response.text
    return response.json()


def titles(rows: list[dict], kind: str = "notice") -> set[str]:
    return {r["title"] for r in rows if r["kind"] == kind}


@pytest.mark.parametrize(
    "q", ["licence plate", "license plate", "licence plates", "LICENSE PLATES", "centres"]
)
def test_spellings_and_plurals_find_the_same_notices(datasette, q):
    assert titles(search(datasette, q)) == BOTH


@pytest.mark.parametrize("q", ["centre", "center"])
def test_centre_and_center(datasette, q):
    assert titles(search(datasette, q)) == BOTH


def test_table_search_box_reads_words_the_same_way(datasette):
    for q in ("licence plate", "license plates", "center"):
        rows = get(datasette, f"/registry/notices.json?_shape=array&_search={q}").json()
        assert {r["title"] for r in rows} == BOTH, q


def test_a_quoted_phrase_keeps_its_order(datasette):
    assert titles(search(datasette, '"plate licence"')) == set()
    assert titles(search(datasette, '"licence plate"')) == BOTH


def test_every_result_links_to_a_page_that_exists(datasette):
    rows = search(datasette, "cameras") + search(datasette, "CCTV")
    assert {"deployment", "notice"} <= {r["kind"] for r in rows}
    for page in {r["page"] for r in rows}:
        response = get(datasette, page)
        assert response.status_code == 200, page
    notice_page = next(r for r in rows if r["kind"] == "notice")["page"]
    assert notice_page.startswith("/registry/notices/contracts-finder~2F")


def test_a_search_cut_at_its_limit_says_so(datasette):
    rows = search(datasette, "CCTV")
    assert len(rows) == 100 and rows[0]["matches"] > 100
    page = get(datasette, "/registry/search_all?q=CCTV").text
    assert f"{rows[0]['matches']:,} matches: the 100 best are shown" in page
    few = search(datasette, "centre")
    assert {r["matches"] for r in few} == {len(few)}
    summary = f"{len(few)} matches, best first"
    assert summary in get(datasette, "/registry/search_all?q=centre").text


@pytest.mark.parametrize("q", ['"', "a OR", "NEAR(", "*", "", 'x"y', "-", "AND AND"])
def test_any_text_is_a_search_not_syntax(datasette, q):
    assert get(datasette, f"/registry/search_all.json?q={q}").status_code == 200
    assert get(datasette, f"/registry/notices.json?_search={q}").status_code == 200


def test_match_expression_quotes_every_word_and_groups_spellings():
    assert match_expression("licence plates") == '("licence" OR "license") AND "plates"'
    assert match_expression('say "no""') == '"say" AND "no"'
    assert match_expression("ANPR") == '("ANPR" OR "alpr" OR "lpr")'
    assert match_expression("") == '""'
