"""A registry with every kind of record, built by the real build from one crawl transaction.

Everything lands in one crawl, so every ``first_seen`` is the same: the ties that broke paging.
"""

from __future__ import annotations

from pathlib import Path

from crawlers.parsers import article, datasets
from crawlers.store import CrawlStore
from registry.build import build
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents

ARTICLES = (
    "thurrock-council_foi_hikvision-cameras-2019.txt",
    "west-suffolk-council_cctv_hikvision.txt",
    "pittks_police_flock-alpr-media-release-2024.txt",
    "nation-pk_huawei_lahore-psca-safe-city-2023.txt",
    "citizenportal_cibolo-tx_flock-alpr-purchase.txt",
)
DATASETS = (
    "atlas-of-surveillance_sample_first-rows.csv",
    "latest_usage04262023_first40.csv",
)
TOWNS = ("Doncaster", "Leeds", "Bristol", "Sheffield", "York", "Hull")


def generated_notices(count: int) -> list[dict]:
    """Notices with repeated titles, buyers, dates and values, so sort columns have ties."""
    return [
        notice(
            f"paging/{n}",
            title=f"CCTV cameras lot {n % 3}",
            url=f"https://example.org/notice/{n}",
            buyer={"name": f"{TOWNS[n % 6]} Council", "country": "GB", "city": TOWNS[n % 6]},
            published=f"2024-0{1 + n % 4}-01",
            value={"amount": str(1000 * (n % 5)), "currency": "GBP"} if n % 2 else None,
        )
        for n in range(count)
    ]


def full_registry(directory: Path, notices: int = 30) -> Path:
    """notices, announcements, dataset rows and everything derived, in ``directory``."""
    crawl_db = directory / "crawl.db"
    store_documents(
        crawl_db,
        *sorted((FIXTURES / "ocds").glob("uk-*.json")),
        extra=generated_notices(notices),
    )
    store = CrawlStore(crawl_db)
    with store.transaction():
        for name in ARTICLES:
            data = (FIXTURES / "articles" / name).read_bytes()
            for item in article.parse(data, source="news-feed"):
                store.upsert(item)
        for name in DATASETS:
            data = (FIXTURES / "datasets" / name).read_bytes()
            for item in datasets.parse(data, url=f"https://example.org/{name}"):
                item["document_url"] = f"https://example.org/recorded/{name}"
                item["document_sha256"] = "0" * 64
                store.upsert(item)
    store.close()
    build(crawl_db, directory / "registry.db", progress=False)
    return directory / "registry.db"
