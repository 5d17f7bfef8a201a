"""Server edges: status codes, headers, the Host header, CSV formulas and slow clients."""

from __future__ import annotations

import asyncio
import csv
import io
import socket
import subprocess
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import etree

from registry.serve import datasette_command
from tests.registry.helpers import notice
from tests.registry.production import free_port, production_server
from tests.registry.test_feeds import ITEMS, build_registry, registry_datasette

FORMULAS = ['=HYPERLINK("https://formula.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
HOSTILE = notice(
    "csv/1",
    title=FORMULAS[0],
    description=FORMULAS[1],
    url="https://example.org/notice/csv",
    buyer={"name": FORMULAS[3], "country": "NL", "city": None},
    suppliers=[{"name": FORMULAS[2]}],
)


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory) -> Path:
    return build_registry(tmp_path_factory.mktemp("edges"), ITEMS + [HOSTILE])


@pytest.fixture(scope="module")
def datasette(registry_db):
    return registry_datasette(registry_db)


def request(datasette, method: str, path: str, **kwargs) -> httpx.Response:
    return asyncio.run(getattr(datasette.client, method)(path, **kwargs))


@pytest.mark.parametrize(
    "path",
    [
        "/registry/deployments",
        "/registry/deployments.json",
        "/registry/new_deployments",
        "/registry/new_deployments.atom",
        "/registry",
    ],
)
def test_post_is_refused_not_an_error(datasette, path):
    response = request(datasette, "post", path)
    assert 400 <= response.status_code < 500, response.text[:200]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/registry/deployments",
        "/registry/deployments.json",
        "/registry/new_deployments.atom",
        "/registry/deployment?id=nope",
        "/feeds",
        "/feeds.opml",
        "/-/survreg.css",
        "/robots.txt",
        "/nope",
    ],
)
def test_every_response_forbids_sniffing_and_framing(datasette, path):
    headers = request(datasette, "get", path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_databases_json_does_not_say_where_the_file_is(datasette, registry_db):
    response = request(datasette, "get", "/-/databases.json")
    assert response.status_code == 200
    assert [d["name"] for d in response.json()] == ["registry"]
    assert str(registry_db) not in response.text and "path" not in response.json()[0]


@pytest.mark.parametrize("page", ["deployment", "vendor", "place"])
def test_an_unknown_id_is_not_found(datasette, page):
    assert request(datasette, "get", f"/registry/{page}?id=nope").status_code == 404
    assert request(datasette, "get", f"/registry/{page}.json?id=nope").status_code == 404
    assert request(datasette, "get", f"/registry/{page}").status_code == 404


def test_a_known_id_is_found(datasette):
    assert request(datasette, "get", "/registry/vendor?id=hikvision").status_code == 200
    assert request(datasette, "get", "/registry/place?id=de/berlin").status_code == 200
    rows = request(datasette, "get", "/registry/deployments.json?_shape=array").json()
    assert request(datasette, "get", f"/registry/deployment?id={rows[0]['id']}").status_code == 200


# Host header: links come from the configured public URL, or the response varies on Host.

POISON = {"host": "evil.example"}
LINKED = ["/feeds", "/feeds.opml", "/registry/new_deployments.atom", "/registry/new_notices.atom"]


@pytest.mark.parametrize("path", LINKED)
def test_without_a_public_url_responses_vary_on_host(datasette, path):
    response = request(datasette, "get", path, headers=POISON)
    assert response.status_code == 200
    assert "host" in {v.strip().lower() for v in response.headers["vary"].split(",")}


def test_with_a_public_url_no_link_comes_from_the_host_header(registry_db, monkeypatch):
    monkeypatch.setenv("SURVREG_PUBLIC_URL", "https://registry.example.org")
    datasette = registry_datasette(registry_db)
    for path in [*LINKED, "/registry/deployments.json?_size=1"]:
        response = request(datasette, "get", path, headers=POISON)
        assert response.status_code == 200, path
        assert "evil.example" not in response.text, path
        assert "host" not in response.headers.get("vary", "").lower(), path
    feed = feedparser.parse(request(datasette, "get", LINKED[2], headers=POISON).text)
    assert feed.entries and all(
        e.link.startswith("https://registry.example.org/registry/deployment?id=")
        for e in feed.entries
    )
    opml = etree.fromstring(request(datasette, "get", "/feeds.opml", headers=POISON).content)
    urls = [o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")]
    assert urls and all(u.startswith("https://registry.example.org/registry/") for u in urls)
    next_url = request(datasette, "get", "/registry/deployments.json?_size=1").json()["next_url"]
    assert next_url.startswith("https://registry.example.org/")


def test_a_malformed_public_url_stops_the_server_with_one_line(registry_db, monkeypatch):
    monkeypatch.setenv("SURVREG_PUBLIC_URL", "registry.example.org/path")
    with pytest.raises(ValueError, match="public_url must be"):
        registry_datasette(registry_db).app()


# CSV formula injection (OWASP): cells starting =, +, -, @, tab or CR are neutralised.


def csv_cells(datasette, path: str) -> list[str]:
    response = request(datasette, "get", path)
    assert response.status_code == 200, response.text[:300]
    return [cell for row in csv.reader(io.StringIO(response.text, newline="")) for cell in row]


@pytest.mark.parametrize(
    "path",
    [
        "/registry/notices.csv?buyer_country=NL",
        "/registry/notices.csv?buyer_country=NL&_stream=on",
        "/registry/new_notices.csv?country=NL",
        "/registry/notices/contracts-finder~2Fcsv~2F1.csv",
        "/registry.csv?sql=select+title,+buyer_name,+description+from+notices",
    ],
)
def test_csv_cells_never_start_a_formula(datasette, path):
    cells = csv_cells(datasette, path)
    assert any(FORMULAS[0] in cell for cell in cells), cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert f"'{FORMULAS[0]}" in cells


def test_json_keeps_the_text_as_published(datasette):
    rows = request(datasette, "get", "/registry/notices.json?_shape=array&buyer_country=NL").json()
    assert rows[0]["title"] == FORMULAS[0] and rows[0]["buyer_name"] == FORMULAS[3]


# Slow clients: a connection that never finishes its headers is closed.


def slow_client_is_closed(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /registry HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sock.settimeout(60)
        return sock.recv(100) == b""


def test_development_server_closes_a_connection_stuck_in_its_headers(registry_db):
    port = free_port()
    process = subprocess.Popen(
        datasette_command(registry_db, port=port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                asyncio.run(asyncio.sleep(0.2))
        assert httpx.get(f"http://127.0.0.1:{port}/registry.json").status_code == 200
        assert slow_client_is_closed(port)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_production_server_closes_a_connection_stuck_in_its_headers(registry_db, tmp_path):
    (tmp_path / "registry.db").write_bytes(registry_db.read_bytes())
    with production_server(tmp_path, "/registry.json") as url:
        assert slow_client_is_closed(int(url.rsplit(":", 1)[1]))
        assert httpx.get(url + "/registry.json").headers["x-content-type-options"] == "nosniff"
