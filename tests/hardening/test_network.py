"""Hostile servers against real crawls: bombs, endless and broken bodies, redirects to where
a crawl must never go. Every crawl is a real ``scrapy crawl`` subprocess of ``ocds-package``."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable

import brotli
import pytest

from registry.replay import ReplayServer
from tests.hardening.conftest import crawl, first_hop_settings, last_run, stored_items
from tests.hardening.guard import FIRST_HOP_ADDRESS
from tests.hardening.servers import endless, raw_server, response

RELEASE = {
    "ocid": "ocds-hard-1",
    "id": "r1",
    "date": "2024-01-01",
    "tag": ["tender"],
    "tender": {"title": "CCTV cameras for the town centre"},
}
DOCUMENT = json.dumps({"releases": [RELEASE]}).encode()
JSON = {"Content-Type": "application/json"}
BOMB_BYTES = 256 * 1024 * 1024  # eight times DOWNLOAD_MAXSIZE (32 MiB) once decompressed
LIMIT = 32 * 1024 * 1024


def _compressed(compressor: Callable[[bytes], bytes], flush: Callable[[], bytes]) -> bytes:
    chunk = b"0" * (1 << 20)
    return b"".join([*(compressor(chunk) for _ in range(BOMB_BYTES >> 20)), flush()])


def gzip_bomb() -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return _compressed(c.compress, c.flush)


def deflate_bomb() -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 15)
    return _compressed(c.compress, c.flush)


def brotli_bomb() -> bytes:
    c = brotli.Compressor(quality=4)
    return _compressed(c.process, c.finish)


@pytest.mark.parametrize(
    ("encoding", "make"),
    [("gzip", gzip_bomb), ("deflate", deflate_bomb), ("br", brotli_bomb)],
    ids=["gzip", "deflate", "brotli"],
)
def test_compression_bomb_is_dropped_at_the_size_limit_with_memory_bounded(
    data_dir, encoding, make
):
    bomb = make()
    assert len(bomb) < 2 * 1024 * 1024  # a small download that expands to 256 MiB
    headers = {**JSON, "Content-Encoding": encoding, "Content-Length": str(len(bomb))}
    good = {**JSON, "Content-Length": str(len(DOCUMENT))}
    routes = {
        "/bomb": response("200 OK", headers, bomb),
        "/good": response("200 OK", good, DOCUMENT),
    }
    with raw_server(routes) as server:
        baseline = crawl("ocds-package", {"url": f"{server.url}/good"})
        result = crawl("ocds-package", {"url": f"{server.url}/bomb"})
    assert result.returncode == 0, result.stderr
    assert f"Ignored response <200 {server.url}/bomb>" in result.stderr
    assert f"exceeded DOWNLOAD_MAXSIZE ({LIMIT} B) during decompression" in result.stderr
    # The body is never held whole: the peak stays within the cap's reach of a normal crawl.
    assert result.peak_rss_mib < baseline.peak_rss_mib + 2 * LIMIT / 2**20, (
        result.peak_rss_mib,
        baseline.peak_rss_mib,
    )
    run = last_run("ocds-package")
    assert (run["finish_reason"], run["records_new"]) == ("finished", 0)
    assert list(stored_items()) == ["ocds-hard-1/r1"]  # from the baseline crawl only


def test_compression_bomb_is_counted_as_a_failed_document(data_dir):
    bomb = gzip_bomb()
    headers = {**JSON, "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
    with raw_server({"/bomb": response("200 OK", headers, bomb)}) as server:
        crawl("ocds-package", {"url": f"{server.url}/bomb"})
    assert last_run("ocds-package")["errors"] == 1


def test_body_that_never_ends_times_out_and_is_counted(data_dir):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    with raw_server({"/endless": endless(head)}) as server:
        result = crawl(
            "ocds-package",
            {"url": f"{server.url}/endless"},
            {"DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "0"},
        )
    # Without the timeout the crawl would hang until crawl() gives up on it after 60 s.
    assert result.returncode == 0, result.stderr
    assert (
        f"failed request: source=ocds-package url={server.url}/endless "
        "reason=DownloadTimeoutError: Getting"
    ) in result.stderr
    run = last_run("ocds-package")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 1, 0)
    assert stored_items() == {}


def _chunked(*chunks: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    return head + b"Connection: close\r\n\r\n" + b"".join(chunks)


GZ = gzip.compress(DOCUMENT)
BROKEN = {
    # Content-Length promises the whole gzip stream; the connection closes 12 bytes early.
    "truncated-gzip": response(
        "200 OK", {**JSON, "Content-Encoding": "gzip", "Content-Length": str(len(GZ))}, GZ[:-12]
    ),
    "bad-chunk-size": _chunked(b"14\r\n", DOCUMENT[:20], b"\r\nZZZ\r\n", DOCUMENT[20:]),
    "chunk-cut-short": _chunked(b"%x\r\n" % len(DOCUMENT), DOCUMENT[:40]),
    "no-last-chunk": _chunked(b"%x\r\n" % len(DOCUMENT), DOCUMENT, b"\r\n"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_transfer_is_a_counted_failure_and_stores_nothing(data_dir, case):
    with raw_server({"/doc": BROKEN[case]}) as server:
        result = crawl("ocds-package", {"url": f"{server.url}/doc"}, {"RETRY_TIMES": "0"})
    assert (
        f"failed request: source=ocds-package url={server.url}/doc reason=ResponseDataLossError"
        in result.stderr
    )
    run = last_run("ocds-package")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 1, 0)
    assert "200" not in run["responses_by_status"]
    assert stored_items() == {}


def test_gzip_cut_inside_an_honest_length_is_a_failed_document(data_dir):
    body = GZ[:-12]
    headers = {**JSON, "Content-Encoding": "gzip", "Content-Length": str(len(body))}
    with raw_server({"/doc": response("200 OK", headers, body)}) as server:
        result = crawl("ocds-package", {"url": f"{server.url}/doc"})
    assert f"failed document: source=ocds-package url={server.url}/doc" in result.stderr
    run = last_run("ocds-package")
    assert (run["errors"], run["records_new"]) == (1, 0)
    assert "gzip stream ends before its end" in run["error_samples"][0]
    assert stored_items() == {}


def redirect_targets(canary: int, first: str) -> dict[str, str]:
    return {
        "loopback": f"http://127.0.0.1:{canary}/x",
        "same-server": f"{first}/again",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "mapped-private": "http://[::ffff:10.0.0.1]/x",
        "mapped-loopback": f"http://[::ffff:127.0.0.1]:{canary}/x",
        "decimal": f"http://2130706433:{canary}/x",
        "hex": f"http://0x7f000001:{canary}/x",
        "octal": f"http://017700000001:{canary}/x",
        "short": f"http://127.1:{canary}/x",
        "localhost": f"http://localhost:{canary}/x",
        "private": "http://10.0.0.1/x",
        "file": "file:///etc/passwd",
        "data": "data:application/json," + json.dumps({"releases": [RELEASE]}),
        "ftp": f"ftp://127.0.0.1:{canary}/x",
    }


CASES = sorted(redirect_targets(1, "http://127.0.0.1:2"))


@pytest.mark.parametrize("how", ["302", "meta-refresh"])
@pytest.mark.parametrize("case", CASES)
def test_redirect_is_not_followed(data_dir, case, how):
    with ReplayServer(routes=[{"path": "/x", "body": DOCUMENT}]) as canary:
        port = int(canary.url.rsplit(":", 1)[1])
        first = raw_server(host=FIRST_HOP_ADDRESS)
        target = redirect_targets(port, first.url)[case]
        if how == "302":
            start = response("302 Found", {"Location": target, "Content-Length": "0"})
        else:
            page = f'<html><head><meta http-equiv="refresh" content="0;url={target}"></head>'
            html = {"Content-Type": "text/html", "Content-Length": str(len(page))}
            start = response("200 OK", html, page.encode())
        first.add(path="/start", raw=start)
        first.add(path="/again", raw=response("200 OK", JSON, DOCUMENT))
        with first:
            result = crawl(
                "ocds-package", {"url": f"{first.url}/start"}, first_hop_settings(first.url)
            )
        assert canary.hits == []
    assert result.returncode == 0, result.stderr
    assert first.hits == ["GET /robots.txt", "GET /start"]
    assert stored_items() == {}
    run = last_run("ocds-package")
    assert (run["finish_reason"], run["records_new"]) == ("finished", 0)
    if case not in ("file", "data", "ftp"):
        assert f"refused request: source=ocds-package url={target}" in result.stderr
        assert run["errors"] >= 1
    elif how == "302":
        # Scrapy hands a redirect to another scheme back as the 3xx answer it is.
        assert f"failed request: source=ocds-package url={first.url}/start reason=HTTP 302 to " in (
            result.stderr
        )
        assert "redirect not followed" in result.stderr
        assert run["responses_by_status"] == {"302": 1, "404": 1} and run["errors"] == 1
    else:
        # The page holding the meta refresh is parsed as the document it claims to be.
        assert f"failed document: source=ocds-package url={first.url}/start" in result.stderr
        assert run["errors"] == 1


ATLAS_HEADER = (
    "AOSNUMBER,City,County,State,Agency,Type of LEA,Summary,Type of Juris,Technology,Vendor,"
    "Link 1,Link 1 Snapshot,Link 1 Source,Link 1 Type,Link 1 Date,Link 2,Link 2 Snapshot,"
    "Link 2 Source,Link 2 Type,Link 2 Date,Link 3,Link 3 Snapshot,Link 3 Source,Link 3 Type,"
    "Link 3 Date,Other Links\n"
)
ATLAS_ROW = (
    "AOS00000{n},Woodstock,Shenandoah County,VA,Woodstock Police Department,Police,"
    "The Woodstock Police Department has used body-worn cameras since 2012.,Municipal,"
    "Body-worn Cameras,Axon,https://example.org/a,,,,12/27/2012,,,,,,,,,,,"
    '"https://example.org/one https://example.org/two"\n'
)


def test_gzip_cut_at_a_flush_point_stores_no_partial_record(data_dir):
    text = ATLAS_HEADER + ATLAS_ROW.format(n=1) + ATLAS_ROW.format(n=2)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    # Cut inside the last field, at a flush point: everything before the cut decompresses.
    cut = text.rindex("example.org/two")
    body = compressor.compress(text[:cut].encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
    headers = {"Content-Type": "text/csv", "Content-Encoding": "gzip"}
    answer = response("200 OK", {**headers, "Content-Length": str(len(body))}, body)
    with raw_server({"/download.csv": answer}) as server:
        crawl("atlas-of-surveillance", {"source_url": server.url})
    run = last_run("atlas-of-surveillance")
    assert (run["errors"], run["records_new"]) == (1, 0)
    assert stored_items() == {}


def test_a_host_name_is_resolved_through_the_guard_in_a_real_crawl(data_dir):
    """The guarded resolver is the one Twisted connects with: ``localhost`` resolves (A and AAAA)
    and reaches the loopback server when loopback is allowed."""
    with ReplayServer(routes=[{"path": "/x", "body": DOCUMENT}]) as server:
        port = int(server.url.rsplit(":", 1)[1])
        result = crawl("ocds-package", {"url": f"http://localhost:{port}/x"})
        assert server.hits == ["GET /robots.txt", "GET /x"]
    assert result.returncode == 0, result.stderr
    assert list(stored_items()) == ["ocds-hard-1/r1"]
