"""What a crawl imports when it starts: every spider module, none of the libraries only some use."""

from __future__ import annotations

import subprocess
import sys

# What a crawl loads before its first request (Scrapy walks every module of SPIDER_MODULES).
CRAWL_START = """
import sys
from scrapy.utils.misc import walk_modules
walk_modules("crawlers.spiders")
import crawlers.archive, crawlers.middlewares, crawlers.pipelines, crawlers.store
print(" ".join(sorted(name for name in ("sqlite_utils", "yaml") if name in sys.modules)))
"""


def test_a_crawl_starts_without_sqlite_utils_or_yaml():
    # sqlite-utils serves the readers of runs and alerts, PyYAML the spiders that read reference
    # files: a sixth and a tenth of a second of every crawl's start-up, loaded when first used.
    result = subprocess.run(
        [sys.executable, "-c", CRAWL_START], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []
