"""Running spiders: each crawl is a `scrapy crawl` subprocess (a Twisted reactor cannot restart)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from crawlers import paths

# Settings for crawls against a local replay: loopback allowed, no politeness delays.
LOOPBACK_SETTINGS = {
    "SURVREG_ALLOW_LOOPBACK": "True",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "LOG_LEVEL": "WARNING",
}


def crawl_command(
    spider: str, arguments: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
) -> list[str]:
    """The command line of one crawl; every argument maps to ``-a name=value``."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (arguments or {}).items():
        if value is not None:
            command += ["-a", f"{name}={value}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(
    spider: str,
    arguments: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    *,
    allow_loopback: bool = False,
    timeout: float | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess:
    """Run one crawl to completion; the crawl store records how it went."""
    merged = {**(LOOPBACK_SETTINGS if allow_loopback else {}), **(settings or {})}
    return subprocess.run(
        crawl_command(spider, arguments, merged),
        env=crawl_env(),
        timeout=timeout,
        check=False,
        **popen,
    )


def crawl_env() -> dict[str, str]:
    """The environment of a crawl subprocess: ours, with the project's settings module and the
    data directory of the command that started it, whatever the crawl's working directory."""
    return {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
        "SURVREG_DATA": str(paths.data_dir()),
    }


def spider_names() -> list[str]:
    """Every spider of the project, by name."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    return sorted(SpiderLoader.from_settings(get_project_settings()).list())
