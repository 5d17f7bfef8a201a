"""Real Scrapy crawls of the Legistar and public-records sources over the demo recordings."""

from __future__ import annotations

import json
from urllib.parse import unquote

from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT
from tests.crawlers.spiders.crawling import crawl, last_run, stored

LEGISTAR = SNAPSHOT / "legistar"
MEMO = (
    "https://redmond.legistar.com/View.ashx?M=F&ID=13001&GUID=00000000-0000-0000-0000-000000013001"
)


def test_legistar_crawl_reads_matters_votes_and_pdf_attachments(data_dir):
    with ReplayServer(LEGISTAR) as server:
        crawl("legistar", server, client="redmond", from_date="2024-01-01")
        asked = [unquote(hit) for hit in server.hits if "/matters?" in hit]
    assert asked and all("$top=1000&$skip=0" in hit for hit in asked)
    assert any("substringof('Flock',MatterTitle)" in hit for hit in asked)
    assert all("MatterLastModifiedUtc ge datetime'2024-01-01'" in hit for hit in asked)
    records = stored("legistar")
    assert set(records) == {
        "redmond/matter/6807740",
        "redmond/matter/6863562",
        "redmond/matter/7729452",
        "redmond/attachment/13001",
    }
    suspension = records["redmond/matter/7729452"]["item"]
    assert suspension["related_notices"] == ["redmond/matter/6807740"]
    assert suspension["decision"]["action"] == "Approved"
    assert suspension["decision"]["meeting"]["date"] == "2025-11-12T00:00:00"
    memo = records["redmond/attachment/13001"]
    assert memo["document_url"] == MEMO and memo["item"]["url"] == MEMO
    assert memo["item"]["procedure_id"] == "redmond/6807740"
    assert memo["item"]["cameras"] == "22"
    assert last_run("legistar")["errors"] == 0


def test_bad_answers_are_reported_and_lose_nothing_stored(data_dir):
    with ReplayServer(LEGISTAR) as server:
        crawl("legistar", server, client="redmond")
    before = stored("legistar")
    error_page = "<html><head><title>Runtime Error</title></head><body>oops</body></html>"
    bad = [
        {"path": "/v1/redmond/matters", "query": {"$skip": "0"}, "body": error_page},
    ]
    with ReplayServer(routes=bad) as server:
        result = crawl("legistar", server, client="redmond")
    assert "an HTML page titled 'Runtime Error'" in result.stderr
    assert stored("legistar").keys() == before.keys()
    assert last_run("legistar")["errors"] >= 1


def test_an_attachment_that_is_not_a_pdf_is_reported(data_dir):
    not_pdf = {"path": "/View.ashx", "query": {"ID": "13001"}, "body": "<html>moved</html>"}
    with ReplayServer(LEGISTAR, routes=[not_pdf]) as server:
        server.routes = [r for r in server.routes if r.get("file") != "am-24-111-agenda-memo.pdf"]
        result = crawl("legistar", server, client="redmond")
    assert "not a PDF: no %PDF- header" in result.stderr
    records = stored("legistar")
    assert "redmond/matter/6807740" in records and "redmond/attachment/13001" not in records


def test_records_crawl_reads_the_eugene_release(data_dir):
    with ReplayServer(SNAPSHOT / "records") as server:
        index = json.loads((SNAPSHOT / "records" / "arguments.json").read_text())["index"]
        crawl("records", server, index=index)
    records = {sid: r["item"] for sid, r in stored("records").items()}
    contract = records[
        "EPD-2025-3771/2025-03244 FLOCK LPR Software Services Contract (part 2) - signed.pdf"
    ]
    assert contract["value"]["amount"] == "$342,000.00"
    assert contract["procedure_id"] == "EPD-2025-3771"
    assert contract["buyer"]["city"] == "Eugene"
    assert contract["url"].startswith("https://raw.githubusercontent.com/eyes-off/eugene-oregon/")
    assert len(records) == 4
