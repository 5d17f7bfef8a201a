"""Crawl throughput over loopback: the real OCDS spider against a bare no-op Scrapy spider.

    .venv/bin/python benchmarks/bench_crawl.py [--pages 10000] [--concurrency 16] [--repeat 3]
        [--profile OUT] [-s NAME=VALUE ...]

A local replay serves ``--pages`` small OCDS release packages (the recorded Doncaster release, one
per page, each with its own ocid). ``bench-ocds`` is an OCDS publisher declared on OcdsSpider that
lists every page up front, so the crawl is not serialised on ``links.next``; it runs with the
project's settings, middlewares, archive, pipelines and crawl store. ``bench-bare`` fetches the same
pages with Scrapy's defaults and does nothing with them. Both run as ``scrapy crawl`` subprocesses
with the same concurrency, no delays, alternately; pages/s is over the spider's open time.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import scrapy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import wait_with_peak  # noqa: E402
from crawlers.spiders.ocds import OcdsSpider  # noqa: E402
from registry.crawl import LOOPBACK_SETTINGS, crawl_command, crawl_env  # noqa: E402
from registry.replay import ReplayServer, Route  # noqa: E402

RELEASE = (
    ROOT / "tests/fixtures/ocds/uk-contractsfinder_release_cctv-camera-relocation_doncaster.json"
)
REAL = "https://bench.example.org/ocds/page/{n}"


class BenchOcdsSpider(OcdsSpider):
    """A publisher of ``pages`` OCDS package pages, all listed up front (benchmark only)."""

    name = "bench-ocds"

    def __init__(self, *args: Any, pages: str = "10000", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pages = int(pages)

    async def start(self):
        for n in range(self.pages):
            yield self.request(REAL.format(n=n), callback=self.parse)


class BenchBareSpider(scrapy.Spider):
    """The same pages with nothing done to them: Scrapy's own cost per page."""

    name = "bench-bare"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.AddressGuardMiddleware": None,
            "crawlers.middlewares.RetryAfterMiddleware": None,
            "crawlers.failures.FailedRequestMiddleware": None,
            "crawlers.archive.DocumentArchiveMiddleware": None,
        },
        "ITEM_PIPELINES": {},
        "HTTPCACHE_ENABLED": False,
        "TWISTED_DNS_RESOLVER": "scrapy.resolver.CachingThreadedResolver",
        "LOG_FORMATTER": "scrapy.logformatter.LogFormatter",
    }

    def __init__(self, *args: Any, pages: str = "10000", source_url: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pages, self.source_url = int(pages), source_url

    async def start(self):
        for n in range(self.pages):
            yield scrapy.Request(f"{self.source_url}/ocds/page/{n}", callback=self.parse)

    def parse(self, response):
        return None


class PageServer(ReplayServer):
    """ReplayServer with routes found by path in a dict: 10,000 routes scanned per request
    would make the server, not the crawler, the bottleneck."""

    def __init__(self, pages: int):
        template = json.loads(RELEASE.read_text("utf-8"))
        routes = []
        for n in range(pages):
            release = {**template, "ocid": f"ocds-b5fd17-bench-{n}", "id": f"bench-{n}"}
            body = json.dumps({"uri": REAL.format(n=n), "releases": [release]})
            json_type = {"Content-Type": "application/json"}
            routes.append({"path": f"/ocds/page/{n}", "body": body, "headers": json_type})
        super().__init__(routes=routes)
        self.by_path = {route["path"]: route for route in self.routes}
        self.by_path["/robots.txt"] = Route(path="/robots.txt", body="User-agent: *\nAllow: /\n")

    def find(self, method: str, target: str, body: bytes) -> Route | None:
        return self.by_path.get(target.split("?", 1)[0])


def crawl(
    spider: str,
    server: PageServer,
    pages: int,
    concurrency: int,
    profile: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict:
    """One crawl subprocess: pages/s over the spider's open time, peak RSS, pages fetched."""
    settings = {
        **LOOPBACK_SETTINGS,
        **(extra or {}),
        "LOG_LEVEL": "INFO",
        "SPIDER_MODULES": "crawlers.spiders,benchmarks.bench_crawl",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LOGSTATS_INTERVAL": 3600,
    }
    command = crawl_command(spider, {"source_url": server.url, "pages": pages}, settings)
    if profile:
        command[1:3] = ["-m", "cProfile", "-o", profile, "-m", "scrapy"]
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryFile() as err:
        env = {**crawl_env(), "SURVREG_DATA": data}
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err
        )
        finished = wait_with_peak(process)
        err.seek(0)
        log = err.read().decode("utf-8", "replace")
    if finished.returncode != 0:
        raise RuntimeError(f"{spider} failed:\n{log[-3000:]}")
    elapsed = float(re.search(r"'elapsed_time_seconds': ([0-9.]+)", log).group(1))
    # robots.txt is one of the 200 answers; it is no page.
    fetched = int(re.search(r"'downloader/response_status_count/200': (\d+)", log).group(1)) - 1
    stored = re.search(r"'survreg/records_new': (\d+)", log)
    return {
        "pages": fetched,
        "seconds": elapsed,
        "pages_per_s": fetched / elapsed,
        "records_new": int(stored.group(1)) if stored else None,
        "peak_rss_mib": finished.peak_mib,
    }


def run(
    pages: int,
    concurrency: int,
    profile: str | None = None,
    extra: dict[str, str] | None = None,
    repeat: int = 1,
) -> dict:
    """Both spiders over one replay, alternately ``repeat`` times; the best run of each (the
    machine is shared: the fastest run is the least disturbed) and the real spider's share."""
    bares, reals = [], []
    with PageServer(pages) as server:
        for _ in range(repeat):
            bares.append(crawl("bench-bare", server, pages, concurrency, None, extra))
            reals.append(crawl("bench-ocds", server, pages, concurrency, profile, extra))
    bare = max(bares, key=lambda r: r["pages_per_s"])
    real = max(reals, key=lambda r: r["pages_per_s"])
    assert real["records_new"] == pages, real
    return {
        "bare": bare,
        "real": real,
        "ratio": real["pages_per_s"] / bare["pages_per_s"],
        "runs": {
            "bare_pages_per_s": [round(r["pages_per_s"]) for r in bares],
            "real_pages_per_s": [round(r["pages_per_s"]) for r in reals],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="alternate runs; best of each")
    parser.add_argument("--profile", help="write a cProfile of the real spider's crawl here")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], help="NAME=VALUE for both crawls"
    )
    args = parser.parse_args()
    extra = dict(s.split("=", 1) for s in args.settings)
    started = time.monotonic()
    result = run(args.pages, args.concurrency, args.profile, extra, args.repeat)
    print(json.dumps({**result, "wall_s": time.monotonic() - started}))


if __name__ == "__main__":
    main()
