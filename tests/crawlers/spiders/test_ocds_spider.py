"""Real Scrapy crawls (in subprocesses) of OCDS publishers replayed on loopback."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess

import pytest

from crawlers import paths
from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore
from registry.crawl import crawl_command, crawl_env
from registry.demo import recorded_arguments
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT
from tests.crawlers.spiders.crawling import crawl, last_run, stored

CF = "https://www.contractsfinder.service.gov.uk/Published/Notices/OCDS/Search"
DONCASTER = (
    "ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466/65ab1224-7fe3-4c3a-961f-a0359140c1ff-819893"
)
DVSA = (
    "ocds-b5fd17-a2406a8c-64c4-49c3-94ee-3fc2b240475b/9d39bfcd-adb9-43eb-9cae-1a227b5820e0-833019"
)
WINDOWS = "ocds-b5fd17-75afe551-b5e4-4538-a546-0547477d0f9f/e22ded3b-51"


@pytest.fixture
def cf_snapshot(tmp_path):
    directory = tmp_path / "contracts-finder"
    shutil.copytree(SNAPSHOT / "contracts-finder", directory)
    return directory


def test_contracts_finder_crawl_follows_next_and_stores_every_release(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        crawl("contracts-finder", server, from_date="2022-10-01")
        hits = list(server.hits)
    assert any("cursor=" in hit for hit in hits), hits
    assert any("publishedFrom=2022-10-01T00%3A00%3A00Z" in hit for hit in hits), hits
    records = stored("contracts-finder")
    assert DONCASTER in records and DVSA in records
    # Window replacement is not about surveillance, but it is kept: the build decides.
    assert any(key.startswith(WINDOWS) for key in records)
    doncaster = records[DONCASTER]
    assert doncaster["document_url"].startswith(CF)
    assert "127.0.0.1" not in json.dumps(list(records.values()))
    body = DocumentArchive(paths.archive_dir()).get(doncaster["document_sha256"])
    assert b"CCTV camera relocation" in body
    run = last_run("contracts-finder")
    assert run["finish_reason"] == "finished"
    assert run["records_new"] == len(records) and run["records_changed"] == 0
    assert json.loads(run["responses_by_status"])["200"] == 2
    assert run["errors"] == 0


def test_recrawl_of_unchanged_documents_adds_no_version_and_a_change_adds_one(
    data_dir, cf_snapshot
):
    with ReplayServer(cf_snapshot) as server:
        crawl("contracts-finder", server)
        first = stored()
        crawl("contracts-finder", server)
        assert last_run("contracts-finder")["records_new"] == 0
        assert last_run("contracts-finder")["records_changed"] == 0
        assert last_run("contracts-finder")["records_unchanged"] == len(first)
        page = cf_snapshot / "search-page-2.json"
        page.write_text(
            page.read_text("utf-8").replace(
                '"title": "CCTV camera relocation"', '"title": "CCTV camera relocation (phase 2)"'
            ),
            "utf-8",
        )
        crawl("contracts-finder", server)
    second = stored()
    assert last_run("contracts-finder")["records_changed"] == 1
    assert [k for k in second if second[k]["version"] == 2] == [DONCASTER]
    store = CrawlStore(paths.crawl_db())
    assert store.count("record_history") == 1
    store.close()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"releases": [{"ocid": "ocds-b5fd17-x", "id": "1", "tag": ["tender"], ', "invalid JSON"),
        (
            '{"releases": [{"ocid": "ocds-b5fd17-y", "title": "Vid\u00e9o CCTV"}]}'.encode(
                "latin-1"
            ),
            "invalid JSON",
        ),
        (b'{"releases": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "nested deeper"),
    ],
    ids=["invalid-json", "latin-1-as-utf-8", "nested-1e5"],
)
def test_bad_documents_are_logged_counted_and_lose_nothing(data_dir, cf_snapshot, body, reason):
    with ReplayServer(cf_snapshot) as server:
        crawl("contracts-finder", server)
        before = stored()
    with ReplayServer(
        routes=[
            {
                "path": "/Published/Notices/OCDS/Search",
                "body": body,
                "headers": {"Content-Type": "application/json; charset=utf-8"},
            }
        ]
    ) as bad:
        result = crawl("contracts-finder", bad)
    assert f"failed document: source=contracts-finder url={CF}" in result.stderr
    assert reason in result.stderr
    run = last_run("contracts-finder")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 1, 0)
    assert reason in run["error_samples"]
    assert stored() == before


def test_loopback_is_refused_unless_the_crawl_allows_it(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        result = subprocess.run(
            crawl_command("contracts-finder", {"source_url": server.url}, {"LOG_LEVEL": "INFO"}),
            env=crawl_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert server.hits == []
    assert "refused request: source=contracts-finder" in result.stderr
    assert "is not a public address" in result.stderr
    assert last_run("contracts-finder")["records_new"] == 0


def test_redirect_to_a_private_address_is_not_followed(data_dir):
    routes = [
        {
            "path": "/Published/Notices/OCDS/Search",
            "status": 302,
            "headers": {"Location": "http://169.254.169.254/latest/meta-data/"},
            "body": "",
        }
    ]
    with ReplayServer(routes=routes) as server:
        result = crawl("contracts-finder", server)
    assert "refused request: source=contracts-finder url=http://169.254.169.254/" in result.stderr


def test_host_name_resolving_to_loopback_is_refused_at_connect_time(data_dir, cf_snapshot):
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    if not address.startswith("127."):
        pytest.skip(f"{name} resolves to {address}, not to loopback")
    with ReplayServer(cf_snapshot) as server:
        port = server.url.rsplit(":", 1)[1]
        url = f"http://{name}:{port}/Published/Notices/OCDS/Search?limit=100"
        result = subprocess.run(
            crawl_command("ocds-package", {"url": url}, {"LOG_LEVEL": "INFO"}),
            env=crawl_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert server.hits == []
    assert "resolves to a forbidden address" in result.stderr


def test_a_bulk_jsonl_gz_download_is_crawled_release_by_release(data_dir, tmp_path):
    from tests.conftest import FIXTURES

    releases = json.loads(
        (FIXTURES / "ocds" / "ua-prozorro_release-package_2-contract-releases.json").read_text()
    )["releases"]
    directory = tmp_path / "bulk"
    directory.mkdir()
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in releases).encode()
    # Served as a file (Content-Type application/gzip), not with Content-Encoding: Scrapy leaves
    # the body compressed and the parser opens it.
    (directory / "ua.jsonl.gz").write_bytes(gzip.compress(lines))
    routes = [{"path": "/en/publication/1/download", "file": "ua.jsonl.gz"}]
    (directory / "routes.json").write_text(json.dumps(routes))
    with ReplayServer(directory) as server:
        crawl(
            "ocds-package",
            server,
            url="https://data.open-contracting.org/en/publication/1/download",
        )
    records = stored("ocds-package")
    assert sorted(records) == sorted(f"{r['ocid']}/{r['id']}" for r in releases)


def test_find_a_tender_release_packages_are_followed_through_links_next(data_dir, tmp_path):
    directory = tmp_path / "find-a-tender"
    shutil.copytree(SNAPSHOT / "find-a-tender", directory)
    with ReplayServer(directory) as server:
        crawl("find-a-tender", server, from_date="2024-03-01")
        hits = list(server.hits)
    assert any("updatedFrom=2024-03-01T00%3A00%3A00Z" in hit for hit in hits), hits
    assert any("cursor=" in hit for hit in hits), hits
    records = stored("find-a-tender")
    assert set(records) == {
        "ocds-h6vhtk-0demo1/000101-2024",
        "ocds-h6vhtk-0demo2/000102-2024",
        "ocds-h6vhtk-0demo0/000099-2024",
    }
    award = records["ocds-h6vhtk-0demo0/000099-2024"]["item"]
    assert award["notice_type"] == "award"
    assert award["suppliers"][0]["name"].startswith("Example Security Systems Ltd")
    assert records["ocds-h6vhtk-0demo1/000101-2024"]["document_url"].startswith(
        "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
    )
    run = last_run("find-a-tender")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 0, 3)


def test_ocds_package_recording_is_crawled_from_its_url_argument(data_dir, tmp_path):
    directory = tmp_path / "ocds-package"
    shutil.copytree(SNAPSHOT / "ocds-package", directory)
    with ReplayServer(directory) as server:
        crawl("ocds-package", server, **recorded_arguments(directory))
    records = stored("ocds-package")
    assert set(records) == {"ocds-03ad3f-193399/193399-adquisicion-scanner"}
    run = last_run("ocds-package")
    assert run["records_new"] == 1
    # The url is recorded with the run, so a resumed or repeated crawl reads the same package.
    assert json.loads(run["arguments"])["url"] == recorded_arguments(directory)["url"]
