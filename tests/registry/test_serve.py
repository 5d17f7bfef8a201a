"""The served registry through Datasette's own test client, with metadata.yml and our plugin."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import feedparser
import pytest
import yaml
from datasette import database as database_module
from datasette.app import Datasette

from registry.build import build
from registry.serve import METADATA, TEMPLATES, datasette_command
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents
from tests.registry.test_feeds import build_registry, registry_datasette

HOSTILE = notice(
    "hostile/1",
    title="<script>alert('t')</script> CCTV \u202egnp.exe",
    description="<img src=x onerror=alert(1)> body-worn cameras",
    url="javascript:alert(1)",
    buyer={"name": "<b>Evil</b> Council", "country": "DE", "city": None},
)


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    store_documents(
        tmp / "crawl.db", *sorted((FIXTURES / "ocds").glob("uk-*.json")), extra=[HOSTILE]
    )
    build(tmp / "crawl.db", tmp / "registry.db", progress=False)
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    return Datasette([str(tmp / "registry.db")], metadata=metadata)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def test_notices_page_lists_the_recorded_releases(datasette):
    response = get(datasette, "/registry/notices")
    assert response.status_code == 200
    assert "CCTV camera relocation" in response.text
    assert "Procurement notices" in response.text


def test_full_text_search(datasette):
    rows = get(datasette, "/registry/notices.json?_search=CCTV&_shape=array").json()
    titles = {r["title"] for r in rows}
    assert {"CCTV camera relocation", "Door access and CCTV control"} <= titles
    assert "Body Worn Video Cameras for DVSA" not in titles


def test_country_facet(datasette):
    data = get(datasette, "/registry/notices.json?_facet=buyer_country").json()
    counts = {r["value"]: r["count"] for r in data["facet_results"]["buyer_country"]["results"]}
    assert counts["GB"] == 4 and counts["DE"] == 1


def test_feed_is_atom_with_the_expected_entries(datasette):
    response = get(datasette, "/registry/new_notices.atom?country=GB")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "New surveillance procurement notices in GB"
    titles = {e.title for e in feed.entries}
    assert len(feed.entries) == 4 and "CCTV camera relocation" in titles
    entry = next(e for e in feed.entries if e.title == "CCTV camera relocation")
    assert entry.id.startswith("tag:surveillance-registry,2026:notice/contracts-finder/")
    assert entry.link == (
        "https://www.contractsfinder.service.gov.uk/Notice/65ab1224-7fe3-4c3a-961f-a0359140c1ff"
    )
    assert entry.updated_parsed is not None


def test_feed_with_no_match_is_a_valid_empty_feed(datasette):
    response = get(datasette, "/registry/new_notices.atom?country=IS")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo
    assert feed.entries == [] and feed.feed.updated


def test_hostile_text_is_inert_in_feed_and_page(datasette):
    feed_text = get(datasette, "/registry/new_notices.atom?country=DE").text
    assert "<script>" not in feed_text and "&lt;script&gt;" in feed_text
    assert "javascript:" not in feed_text
    (entry,) = feedparser.parse(feed_text).entries
    assert "links" not in entry or all(
        not link.href.startswith("javascript") for link in entry.links
    )
    page = get(datasette, "/registry/notices?buyer_country=DE").text
    assert "<script>alert" not in page and "<img src=x" not in page


# Pages, search, facets, citable pages, map, robots and safety on a registry with places.


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return registry_datasette(build_registry(tmp_path_factory.mktemp("pages")))


def berlin_id(registry) -> str:
    rows = get(registry, "/registry/deployments.json?_shape=array&city=Berlin").json()
    return rows[0]["id"]


def test_metadata_describes_every_table_and_every_query_carries_a_licence(registry):
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["registry"]
    tables = get(registry, "/registry.json").json()["tables"]
    for table in (t["name"] for t in tables if not t["hidden"]):
        assert metadata["tables"][table].get("title"), table
        assert metadata["tables"][table].get("description") or metadata["tables"][table].get(
            "description_html"
        ), table
    for name in metadata["queries"]:
        data = get(registry, f"/registry/{name}.json?id=x&q=cctv").json()
        assert "licence" in data["columns"], name


def test_deployments_facets_include_link_tables_with_labels(registry):
    data = get(registry, "/registry/deployments.json?_size=0").json()
    facets = data["facet_results"]
    assert {"country", "place_id", "status", "year", "verification"} <= set(facets)
    # Places facet by id with a label that says where: namesakes stay apart.
    assert {r["label"] for r in facets["place_id"]["results"]} >= {"Berlin, State of Berlin, DE"}
    technologies = facets["deployment_technologies.technology_id"]["results"]
    face = next(r for r in technologies if r["value"] == "face_recognition")
    assert face["label"] == "Face recognition" and face["count"] == 1
    vendors = {r["value"]: r for r in facets["deployment_vendors.vendor_id"]["results"]}
    assert vendors["hikvision"]["count"] == 1
    toggle = vendors["hikvision"]["toggle_url"].replace("http://localhost", "")
    filtered = get(registry, toggle.replace("_size=0", "_size=10"))
    rows = filtered.json()["rows"]
    assert [r[2] for r in rows] == ["Hikvision face recognition cameras for the station"]
    again = filtered.json()["facet_results"]["deployment_vendors.vendor_id"]["results"]
    assert [r["selected"] for r in again if r["value"] == "hikvision"] == [True]


def test_search_all_spans_tables_and_takes_any_text(registry):
    rows = get(registry, "/registry/search_all.json?q=Hikvision&_shape=array").json()
    assert {"deployment", "notice"} <= {r["kind"] for r in rows}
    assert all(r["licence"] for r in rows)
    for q in ('"', "a OR", "NEAR(", "*"):
        assert get(registry, f"/registry/search_all.json?q={q}").status_code == 200


def test_deployment_page_shows_its_evidence_timeline_as_html_json_and_csv(registry):
    deployment = berlin_id(registry)
    page = get(registry, f"/registry/deployment?id={deployment}").text
    assert "<h1>Hikvision face recognition cameras for the station</h1>" in page
    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.index("2025-01-01") < timeline.index("2025-05-01")
    assert 'href="https://example.org/notice/1"' in timeline
    assert (
        '/registry/vendor?id=hikvision"' in page and "/registry/place?id=geonames%2F2950159" in page
    )
    rows = get(registry, f"/registry/deployment.json?id={deployment}&_shape=array").json()
    assert [r["evidence_url"] for r in rows] == [
        "https://example.org/notice/2",
        "https://example.org/notice/1",
    ]
    csv = get(registry, f"/registry/deployment.csv?id={deployment}").text
    assert csv.startswith("id,") and "https://example.org/notice/1" in csv


def test_vendor_and_place_pages(registry):
    vendor = get(registry, "/registry/vendor?id=hikvision").text
    assert "海康威视" in vendor and "<strong>FCC COVERED LIST</strong> since 2021-03-12" in vendor
    assert "Hikvision face recognition cameras for the station" in vendor
    place = get(registry, "/registry/place?id=de/berlin").text
    assert "<h1>Berlin, State of Berlin, DE</h1>" in place and "/registry/deployment?id=d-" in place
    rows = get(registry, "/registry/place.json?id=de/berlin&_shape=array").json()
    assert rows[0]["latitude"] == pytest.approx(52.52, abs=0.01)
    assert get(registry, "/registry/vendor.csv?id=hikvision").status_code == 200
    assert "Deployment not found" in get(registry, "/registry/deployment?id=nope").text


def test_deployments_table_has_the_cluster_map_and_coordinates(registry):
    page = get(registry, "/registry/deployments").text
    assert "datasette-cluster-map" in page and "DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN" in page
    rows = get(registry, "/registry/deployments.json?_shape=array&city=Berlin").json()
    assert rows[0]["latitude"] == pytest.approx(52.52, abs=0.01)


def test_robots_allow_pages_but_not_query_strings(registry):
    robots = get(registry, "/robots.txt").text
    assert "Disallow: /*?" in robots and "Allow: /registry/deployment?id=" in robots
    assert "Disallow: /*.json" in robots and "Disallow: /-/" in robots


@pytest.mark.parametrize(
    "path",
    [
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "/\\/evil.example/",
        "/registry/\\evil.example/",
        "//evil.example/%2F..",
    ],
)
def test_no_redirect_leaves_the_site(registry, path):
    response = get(registry, path)
    location = response.headers.get("location", "").replace("\\", "/")
    assert not location.startswith("//") and "://" not in location
    assert response.status_code in (200, 302, 404)


def test_hostile_text_is_inert_on_every_page(registry):
    hostile = get(registry, "/registry/deployments.json?_shape=array&country=FR").json()[0]
    for path in (
        "/registry/deployments?country=FR",
        "/registry/notices?buyer_country=FR",
        "/registry/evidence",
        f"/registry/deployment?id={hostile['id']}",
        "/registry/search_all?q=CCTV",
        "/registry/place?id=fr/lyon",
        "/feeds",
    ):
        page = get(registry, path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "<b>Evil</b>" not in page and "\u202e" not in page, path
        assert 'href="javascript:' not in page.lower(), path
    assert "[U+202E]gnp.exe" in get(registry, "/registry/deployments?country=FR").text
    css = get(registry, "/-/survreg.css").text
    assert "unicode-bidi: isolate" in css


class CountedTimeLimit:
    """Datasette's SQL time limit (a SQLite progress handler), wrapped to count its checks and
    to hold its verdict until ``release`` is set, so the runaway query is still running while
    another request is served, whatever the machine's speed."""

    # A give-up in checks, not seconds: about half a minute of queries, if nothing releases them.
    GIVE_UP = 400_000

    def __init__(self, original):
        self.original = original
        self.release = threading.Event()
        self.limits: list[int] = []
        self.checks = 0
        self.stops = 0

    @contextlib.contextmanager
    def __call__(self, conn, ms):
        self.limits.append(ms)
        counter = self

        class Connection:
            def set_progress_handler(self, handler, n):
                if handler is None:
                    return conn.set_progress_handler(None, n)

                def counted():
                    counter.checks += 1
                    if not counter.release.is_set() and counter.checks < counter.GIVE_UP:
                        return 0
                    verdict = handler()
                    counter.stops += bool(verdict)
                    return verdict

                return conn.set_progress_handler(counted, n)

        with self.original(Connection(), ms):
            yield


def test_runaway_query_is_stopped_without_blocking_others(tmp_path_factory, monkeypatch):
    db = build_registry(tmp_path_factory.mktemp("runaway"))
    limit = CountedTimeLimit(database_module.sqlite_timelimit)
    monkeypatch.setattr(database_module, "sqlite_timelimit", limit)
    datasette = registry_datasette(db, sql_time_limit_ms=500, num_sql_threads=3)
    runaway = (
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    )

    async def scenario():
        slow = asyncio.create_task(datasette.client.get("/registry.json", params={"sql": runaway}))
        while not limit.checks and not slow.done():
            await asyncio.sleep(0.01)
        quick = await datasette.client.get("/registry/deployments.json?_size=1")
        running = not slow.done()
        limit.release.set()
        return quick, running, await slow

    quick, still_running, slow = asyncio.run(scenario())
    assert quick.status_code == 200 and quick.json()["rows"]
    assert still_running, "the other request waited for the runaway query"
    assert slow.status_code == 400 and "interrupted" in slow.text.lower()
    # The configured limit's own check stopped it, once: nothing else was interrupted.
    assert 500 in limit.limits and limit.stops == 1 and limit.checks < limit.GIVE_UP


def test_production_command_serves_an_immutable_file_with_limits(tmp_path):
    db = tmp_path / "registry.db"
    command = datasette_command(db, production=True, inspect=tmp_path / "counts.json")
    assert command[command.index("--immutable") + 1] == str(db)
    assert command[command.index("--inspect-file") + 1] == str(tmp_path / "counts.json")
    assert command[command.index("--template-dir") + 1] == str(TEMPLATES)
    settings = dict(
        (command[i + 1], command[i + 2]) for i, a in enumerate(command) if a == "--setting"
    )
    assert settings["default_allow_sql"] == "off" and settings["allow_download"] == "off"
    assert settings["sql_time_limit_ms"] == "1000" and settings["suggest_facets"] == "off"
    assert "--cors" in command
    development = datasette_command(db, allow_download=False, cors=True)
    assert "--immutable" not in development and "--cors" in development
    assert "default_allow_sql" not in development
    opened = datasette_command(db, production=True, allow_sql=True, allow_download=True, cors=False)
    assert "default_allow_sql" not in opened and "--cors" not in opened
    assert "allow_download" in opened and "on" in opened
