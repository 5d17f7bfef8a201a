"""Scrapy settings: the safety baseline of DESIGN.md; each value says why it is what it is."""

import os

BOT_NAME = "surveillance-registry"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Identify ourselves; sources can reach the maintainers through the project page.
USER_AGENT = (
    "surveillance-registry/0.1 (+https://github.com/surveillance-registry; open-data crawler)"
)

# Politeness: obey robots.txt, adapt to the server's latency, few parallel requests per site.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items of one page go through the pipelines a few at a time: Scrapy's default of 100 starts a
# task per item slot for every page, which cost a quarter of the crawl's speed (benchmarks/).
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0.5

# Limits: bodies are capped after decompression (bombs stop here); a bulk source raises its own.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
DNS_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's retried exceptions, less a failed name lookup: a name that did not resolve does not
# resolve a second later, and with no network every retry only waited out the politeness delay.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
REDIRECT_MAX_TIMES = 5

# Nothing to log into and nothing to debug remotely: no cookies, no telnet console, and no
# remote-control server (Scrapy 2.19 starts one by default; it runs code sent to it).
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Only http(s) is ever fetched: the other schemes' handlers are switched off, not just unused.
DOWNLOAD_HANDLERS = {"data": None, "file": None, "s3": None, "ftp": None}

# Addresses: refuse private, loopback and link-local targets, on literal IPs (middleware) and on
# what a name resolves to at connect time (resolver). Only the demo and tests allow loopback.
SURVREG_ALLOW_LOOPBACK = False
TWISTED_DNS_RESOLVER = "crawlers.middlewares.GuardedResolver"
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.AddressGuardMiddleware": 50,
    # Above RetryMiddleware (550): responses pass middlewares from high to low, so at 540 the
    # plain retry took every 429/503 first and Retry-After was never waited for.
    "crawlers.middlewares.RetryAfterMiddleware": 560,
    "crawlers.failures.FailedRequestMiddleware": 500,
    # Outside the retries, so it sees final lookup failures; its refusals skip the slot's delay.
    "crawlers.unresolved.UnresolvedHostMiddleware": 520,
    # Above HttpCompressionMiddleware (590), so it sees each response before decompression.
    "crawlers.integrity.CompressedIntegrityMiddleware": 595,
    # Below RetryMiddleware (550) and decompression: archives the final, decompressed answers.
    "crawlers.archive.DocumentArchiveMiddleware": 520,
}
# Live figures for `survreg crawl`, only when it hands the crawl a pipe (SURVREG_PROGRESS_FD).
EXTENSIONS = {
    "crawlers.progress.ProgressExtension": 500,
    "crawlers.collector.CollectorTuning": 0,
}
SURVREG_PROGRESS_FD = -1
# Collections every 50,000 new containers instead of 700 (crawlers/collector.py).
SURVREG_GC_THRESHOLD = [50_000, 20, 100]
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidationPipeline": 100,
    "crawlers.pipelines.CrawlStorePipeline": 900,
}

# Where the crawl store and document archive live; None means crawlers.paths (./data or
# $SURVREG_DATA).
SURVREG_CRAWL_DB = None
SURVREG_ARCHIVE_DIR = None
# Threads that hash, compress and write archived documents (hashlib and zstd release the GIL).
SURVREG_ARCHIVE_THREADS = 2
# Items are written in batches, each one short transaction, by a thread of their own: when this
# many wait, and at least every SURVREG_COMMIT_SECONDS. A killed crawl loses only the items not
# yet written, never a stored one; other writers (a build, the scheduler) wait a batch at most.
SURVREG_COMMIT_EVERY = 2000
SURVREG_COMMIT_SECONDS = 1.0

# Incremental crawls: keep responses and revalidate them as HTTP says (ETag / Last-Modified give
# conditional requests, max-age skips the request); responses without validators are not kept.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_DIR = os.path.abspath(os.path.join(os.environ.get("SURVREG_DATA") or "data", "httpcache"))
HTTPCACHE_GZIP = True
# Per-host politeness on top of AutoThrottle: the hosts that asked for, or need, gentler use.
# The procurement search APIs answer 429 when pressed, and RetryAfterMiddleware waits as their
# Retry-After says: two requests at a time with no fixed delay, so date windows overlap. Their
# entries say "autothrottle": False (read by crawlers/spiders/base.py), as AutoThrottle would
# otherwise space them at least DOWNLOAD_DELAY apart and about one at a time.
DOWNLOAD_SLOTS = {
    "www.contractsfinder.service.gov.uk": {"concurrency": 2, "delay": 0, "autothrottle": False},
    "www.find-tender.service.gov.uk": {"concurrency": 2, "delay": 0, "autothrottle": False},
    "api.ted.europa.eu": {"concurrency": 2, "delay": 0, "autothrottle": False},
    "api.sell2wales.gov.wales": {"concurrency": 1, "delay": 2.0},
    "api.publiccontractsscotland.gov.uk": {"concurrency": 1, "delay": 2.0},
    "overpass-api.de": {"concurrency": 1, "delay": 10.0},
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy warns of a generator callback that returns a value by reading its source (inspect, ast)
# before each response is parsed; its cache holds the bound method, which dies with the call, so
# every page paid a third of a millisecond, a thirtieth of the crawl's reactor thread.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Items hold raw contact details until the build redacts them: log their ids, never their content.
LOG_FORMATTER = "crawlers.logformatter.ItemSafeLogFormatter"
