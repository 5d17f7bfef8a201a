"""Real Scrapy crawls (in subprocesses) of newsroom declarations replayed on loopback."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlsplit

import pytest

from crawlers.spiders import newsrooms
from registry.demo import recorded_arguments
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT
from tests.crawlers.spiders.crawling import crawl, last_run, stored

PITTSBURG = (
    "https://www.pittks.org/news/media-release-flock-automated-license-plate-recognition-cameras/"
)
THURROCK = "https://www.thurrock.gov.uk/foi-responses/hikvision-cameras"


@pytest.fixture
def snapshot(tmp_path):
    def copy(name: str):
        shutil.copytree(SNAPSHOT / name, tmp_path / name)
        return tmp_path / name

    return copy


def test_feed_crawl_stores_dated_articles_under_their_real_urls(data_dir, snapshot):
    directory = snapshot("news-feed")
    with ReplayServer(directory) as server:
        crawl("news-feed", server, **recorded_arguments(directory))
    records = stored()
    assert PITTSBURG in records and THURROCK in records and len(records) == 5
    pittsburg = records[PITTSBURG]["item"]
    assert pittsburg["kind"] == "announcement" and pittsburg["published"] == "2024-03-20"
    assert pittsburg["document_url"] == PITTSBURG and pittsburg["document_sha256"]
    assert "127.0.0.1" not in json.dumps([r["item"] for r in records.values()])
    run = last_run("news-feed")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 0, 5)


def test_from_date_uses_the_feed_dates(data_dir, snapshot):
    directory = snapshot("news-feed")
    with ReplayServer(directory) as server:
        crawl("news-feed", server, from_date="2023-01-01", **recorded_arguments(directory))
    # Cibolo has no date in the feed and none on its page: kept, it may be inside the window.
    assert set(stored()) == {
        PITTSBURG,
        next(k for k in stored() if "Cibolo" in k),
        "https://www.nation.com.pk/05-Jul-2023/2000-more-psca-cameras-to-be-operationalised",
    }


def test_sitemap_and_listing_crawl_of_a_vendor_declaration(data_dir, snapshot):
    directory = snapshot("huawei")
    with ReplayServer(directory) as server:
        crawl("huawei", server)
        hits = list(server.hits)
    records = stored()
    assert set(records) == {
        "http://www.huawei.com/en/events/mwc/2016/topics/smart-safe-cities-new-challenges",
        "https://e.huawei.com/en/publications/global/ict_insights/201509091408/focus/201509091608",
        "http://enterprise.huawei.com/topic/leading-new-ict-jp/wujiang-police-case.html",
    }
    assert all(r["item"]["vendor"] == "huawei" for r in records.values())
    assert "GET /en/sitemap.xml" in hits and "GET /en/news" in hits
    assert last_run("huawei")["errors"] == 0


def test_irrelevant_articles_are_stored_and_broken_pages_counted(data_dir, tmp_path):
    routes = [
        {
            "path": "/rss.xml",
            "body": (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                "<item><link>https://newsroom.axis.com/article/bake-sale</link></item>"
                "<item><link>https://newsroom.axis.com/article/empty</link></item>"
                "</channel></rss>"
            ),
            "headers": {"Content-Type": "application/rss+xml"},
        },
        {
            "path": "/article/bake-sale",
            "body": (
                "<!DOCTYPE html><html lang='en'><head><title>Bake sale</title></head>"
                "<body><article>"
                "<p>Our office team held a bake sale for charity and raised money for the local "
                "food bank; thanks to everyone who baked cakes and biscuits this year.</p>"
                "</article></body></html>"
            ),
            "headers": {"Content-Type": "text/html"},
        },
        {
            "path": "/article/empty",
            "body": "<!DOCTYPE html><html><body></body></html>",
            "headers": {"Content-Type": "text/html"},
        },
        {
            "path": "/sitemap.xml",
            "body": "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
            "headers": {"Content-Type": "application/xml"},
        },
    ]
    with ReplayServer(routes=routes) as server:
        stderr = crawl("axis", server).stderr
    # Relevance is the build's to decide: the crawl keeps the bake sale too.
    assert set(stored()) == {"https://newsroom.axis.com/article/bake-sale"}
    assert "failed document: source=axis url=https://newsroom.axis.com/article/empty" in stderr
    assert "unreadable sitemap" in stderr
    run = last_run("axis")
    assert run["finish_reason"] == "finished" and run["errors"] == 2


def test_every_vendor_declaration_is_marked_unverified():
    declared = [
        newsrooms.HikvisionSpider,
        newsrooms.HuaweiSpider,
        newsrooms.DahuaSpider,
        newsrooms.AxisSpider,
        newsrooms.MotorolaSolutionsSpider,
        newsrooms.FlockSafetySpider,
        newsrooms.SoundThinkingSpider,
    ]
    assert all(not s.verified and s.vendor and (s.feeds or s.sitemaps) for s in declared)
    assert newsrooms.DahuaSpider.needs_javascript


VENDOR_RECORDINGS = {
    "hikvision": (
        "https://www.hikvision.com/en/newsroom/success-stories/transportation/"
        "eyes-wide-open-in-the-bus/",
        "Rosario",
        None,
    ),
    "dahua": (
        "https://www.dahuasecurity.com/newsEvents/pressRelease/dahua-secures-g20-summit",
        "Hangzhou",
        None,
    ),
    "motorola-solutions": (
        "https://www.motorolasolutions.com/newsroom/press-releases/lancashire-police-deploy-"
        "motorola-solutions-in-car-video-solution-across-full-vehicle-fleet.html",
        "Lancashire Police",
        "2024-10-08",
    ),
    "flock-safety": (
        "https://www.flocksafety.com/press/"
        "statement-on-flock-network-sharing-use-cases-and-federal-cooperation",
        "Johnson County",
        "2025-06-23",
    ),
    "soundthinking": (
        "https://www.soundthinking.com/press-releases/"
        "independent-research-demonstrates-shotspotters-impact-in-winston-salem/",
        "Winston-Salem",
        "2024-08-28",
    ),
}


@pytest.mark.parametrize("source", sorted(VENDOR_RECORDINGS))
def test_vendor_newsroom_recording_is_crawled_through_its_declaration(data_dir, snapshot, source):
    url, place, published = VENDOR_RECORDINGS[source]
    directory = snapshot(source)
    with ReplayServer(directory) as server:
        crawl(source, server)
        hits = set(server.hits)
    # Every declared sitemap, feed and listing page was read; the article was found through them.
    spider = next(s for s in vars(newsrooms).values() if getattr(s, "name", None) == source)
    for declared in (*spider.feeds, *spider.sitemaps, *spider.listing_pages):
        assert f"GET {urlsplit(declared).path}" in hits
    records = stored(source)
    assert set(records) == {url}
    item = records[url]["item"]
    assert item["kind"] == "announcement" and item["vendor"] == source
    assert place in item["text"] and item["published"] == published
    assert item["document_url"] == url and "127.0.0.1" not in json.dumps(item)
    run = last_run(source)
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 0, 1)
