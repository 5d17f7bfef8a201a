"""A real Scrapy crawl of the TED spider against the local replay of two API pages and a package."""

import base64
import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from crawlers.store import CrawlStore
from registry.replay import ReplayServer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted"
ROOT = Path(__file__).parents[3]


def crawl(tmp_path: Path, server: ReplayServer, *args: str) -> list[dict]:
    out = tmp_path / "items.jsonl"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "ted",
        "-O",
        str(out),
        "-a",
        f"source_url={server.url}",
        *args,
        "-s",
        "SURVREG_ALLOW_LOOPBACK=True",
        "-s",
        "ROBOTSTXT_OBEY=False",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        f"SURVREG_CRAWL_DB={tmp_path / 'crawl.db'}",
        "-s",
        f"SURVREG_ARCHIVE_DIR={tmp_path / 'archive'}",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


@pytest.fixture
def server():
    page1 = json.loads((FIXTURES / "ted-api/ted-v3-search_cpv32323500_page1.json").read_bytes())
    page1["iterationNextToken"] = "token-2"
    record = json.loads((FIXTURES / "ted-api/ted-v2-search_2021-OJS237-623049.json").read_bytes())
    with ReplayServer(FIXTURES) as replay:
        replay.add(method="POST", path="/v3/notices/search", body=json.dumps(page1))
        replay.add(
            method="POST",
            path="/v3/notices/search",
            json_body={"iterationNextToken": "token-2"},
            file="ted-api/ted-v3-search_response_2notices.json",
        )
        # The recorded search hits' own XML was not recorded: stand-ins from the fixtures.
        replay.add(
            path="/en/notice/351100-2025/xml", file="ted-eforms/ted-043489-2024_sdk1.7_st30_can.xml"
        )
        replay.add(
            path="/en/notice/353033-2025/xml", file="ted-eforms/ted-727192-2023_sdk1.7_st22.xml"
        )
        replay.add(
            path="/en/notice/67623-2022/xml",
            body=base64.b64decode(record["results"][0]["content"]).decode("utf-8"),
        )
        yield replay


def test_search_api_pages_then_notice_xml(tmp_path, server):
    # Thirty days: one window, one iteration.
    items = crawl(tmp_path, server, "-a", "from_date=2025-06-01", "-a", "until_date=2025-06-30")
    assert sorted(i["source_id"] for i in items) == ["43489-2024", "67623-2022", "727192-2023"]
    searches = [h for h in server.hits if h.startswith("POST")]
    assert len(searches) == 2
    store = CrawlStore(tmp_path / "crawl.db")
    assert {r["source_id"] for r in store.iter_records()} == {i["source_id"] for i in items}
    assert store.runs("ted")[-1]["records_new"] == 3
    store.close()
    award = next(i for i in items if i["source_id"] == "43489-2024")
    assert award["document_url"] == "https://ted.europa.eu/en/notice/351100-2025/xml"
    assert award["suppliers"][0]["name"] == "Dunkel Baustoff-Recycling-Zentrum oHG"


def test_sample_stops_fetching(tmp_path, server):
    items = crawl(tmp_path, server, "-a", "sample=1")
    assert len(items) == 1
    assert len([h for h in server.hits if "/xml" in h]) == 1


def test_daily_package_keeps_every_member_and_survives_a_bad_one(tmp_path, server):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, path in [
            ("a.xml", "ted-legacy/20-198944-001-EXP.xml"),
            ("b.xml", None),
            ("c.xml", "ted-eforms/ted-727192-2023_sdk1.7_st22.xml"),
            ("d.xml", "ted-legacy/21-064844-001-EXP.xml"),
        ]:
            data = (FIXTURES / path).read_bytes() if path else b"<TED_EXPORT><cut"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    server.add(path="/packages/daily/202000082", body=buffer.getvalue())
    items = crawl(tmp_path, server, "-a", "package=82/2020")
    # b.xml is broken; d.xml (road maintenance, 50232100) is kept for the build to judge.
    assert sorted(i["source_id"] for i in items) == ["194753-2020", "67028-2021", "727192-2023"]
    assert {i["package_member"] for i in items} == {"a.xml", "c.xml", "d.xml"}


class RecordingReplay(ReplayServer):
    """Remembers the JSON body of every search."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searches: list[dict] = []

    def find(self, method, target, body):
        if method == "POST":
            self.searches.append(json.loads(body))
        return super().find(method, target, body)


def test_each_window_is_its_own_iteration_and_stores_what_one_would(tmp_path, server):
    windowed = RecordingReplay(FIXTURES, routes=server.routes)
    with windowed:
        items = crawl(
            tmp_path, windowed, "-a", "from_date=2025-01-01", "-a", "until_date=2025-03-31"
        )
    bounds = re.compile(r"publication-date >= (\d{8}) AND publication-date <= (\d{8})$")
    firsts = [
        bounds.search(s["query"]).groups()
        for s in windowed.searches
        if "iterationNextToken" not in s
    ]
    # Thirty-day windows of inclusive days, counted back from until_date, none overlapping.
    assert sorted(firsts) == [
        ("20250101", "20250130"),
        ("20250131", "20250301"),
        ("20250302", "20250331"),
    ]
    follows = [
        bounds.search(s["query"]).groups() for s in windowed.searches if s.get("iterationNextToken")
    ]
    assert sorted(follows) == sorted(firsts)
    # Every window lists the same three notices: each is fetched and stored once.
    assert sorted(i["source_id"] for i in items) == ["43489-2024", "67623-2022", "727192-2023"]
    assert len([h for h in windowed.hits if "/xml" in h]) == 3
