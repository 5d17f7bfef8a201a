"""Article extraction: structured data first, then trafilatura/htmldate; bad pages never crash."""

from __future__ import annotations

import pytest

from crawlers.parsers import article, detect_format, parse_document
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES, SNAPSHOT

PITTSBURG = (
    "https://www.pittks.org/news/media-release-flock-automated-license-plate-recognition-cameras/"
)


def parse_one(data: bytes, **kwargs) -> dict:
    items = list(article.parse(data, **kwargs))
    assert len(items) == 1
    return items[0]


def page(head: str = "", body: str = "", lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>{body}"
        "<footer>© Example. All rights reserved.</footer></body></html>"
    ).encode()


PARAGRAPH = (
    "<p>The City Council approved a contract for 22 automated licence plate reader cameras "
    "to be installed at the main entrances to the town, the police chief said on Monday "
    "evening after a long debate about privacy and data retention.</p>"
)


def test_demo_page_uses_json_ld_and_opengraph():
    item = parse_one((SNAPSHOT / "news-feed" / "pittsburg.html").read_bytes(), url=PITTSBURG)
    assert item["kind"] == "announcement"
    assert item["source_id"] == item["url"] == PITTSBURG
    assert item["title"] == "MEDIA RELEASE – Flock Automated License Plate Recognition Cameras"
    assert item["published"] == "2024-03-20"
    assert item["language"] == "en"
    assert item["site_name"] == "www.pittks.org"
    assert "14 of Flock’s Falcon" in item["text"]
    assert "All rights reserved" not in item["text"] and "Contact" not in item["text"]
    assert item["description"].startswith("On Tuesday night, August 22, 2023")


def test_sniff_names_html_and_text_articles_and_leaves_other_documents():
    assert article.sniff(b"<!doctype html><html><body>x</body></html>") == "html-article"
    assert article.sniff(b"\n  <html lang='fr'>") == "html-article"
    assert article.sniff(b"https://example.org/a\n\nTitle\nText") == "text-article"
    assert article.sniff(b'{"releases": []}') is None
    assert article.sniff(b"<?xml version='1.0'?><TED_EXPORT/>") is None


def test_page_without_structured_data_falls_back_to_meta_title_and_htmldate():
    data = page(
        "<title>Cameras approved | Town Crier</title>",
        "<article><h1>Cameras approved</h1><p>Posted 2023-05-04</p>" + PARAGRAPH + "</article>",
    )
    item = parse_one(data, url="https://towncrier.example/news/cameras")
    assert item["title"].startswith("Cameras approved")
    assert item["published"] == "2023-05-04"
    assert "22 automated licence plate reader cameras" in item["text"]
    assert item["source_id"] == "https://towncrier.example/news/cameras"


def test_page_without_a_date_keeps_null():
    item = parse_one(
        page("<title>Cameras approved</title>", "<article>" + PARAGRAPH + "</article>")
    )
    assert item["published"] is None
    assert item["source_id"].startswith("sha256:")  # no URL at all: the text's hash


def test_future_date_is_kept_as_written():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Cameras",'
        ' "datePublished": "2099-01-01"}</script>'
    )
    item = parse_one(page(head, "<article>" + PARAGRAPH + "</article>"))
    assert item["published"] == "2099-01-01"  # the parser keeps it; the build sets it aside


def test_mixed_languages_keep_the_declared_language():
    body = (
        "<article><p>Le conseil municipal a approuvé l'installation de 40 caméras de "
        "vidéoprotection dans le centre-ville, a annoncé le maire lors de la séance publique.</p>"
        + PARAGRAPH
        + "</article>"
    )
    item = parse_one(page("<title>Vidéoprotection</title>", body, lang="fr"))
    assert item["language"] == "fr"
    assert "caméras" in item["text"] and "licence plate" in item["text"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<!DOCTYPE html><html><head></head><body></body></html>",
        b"<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav>"
        b"<footer>(c)</footer></body></html>",
    ],
    ids=["empty", "empty-html", "boilerplate-only"],
)
def test_pages_without_text_or_title_raise_a_clear_reason(data):
    with pytest.raises(ParseError, match="empty document|no article text or title"):
        list(article.parse(data, format="html-article"))


def test_huge_page_is_refused_before_parsing():
    data = b"<!DOCTYPE html><html><body>" + b"<p>camera</p>" * 800_000 + b"</body></html>"
    with pytest.raises(ParseError, match="page too large"):
        list(article.parse(data))


def test_broken_markup_and_bad_json_ld_do_not_crash():
    data = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", </script>',
        "<article><p>unclosed <b>" + PARAGRAPH,
    )
    item = parse_one(data)
    assert "22 automated" in item["text"]


def test_text_article_first_line_is_its_url():
    data = (FIXTURES / "articles" / "thurrock-council_foi_hikvision-cameras-2019.txt").read_bytes()
    item = parse_one(data)
    assert (
        item["url"]
        == item["source_id"]
        == "https://www.thurrock.gov.uk/foi-responses/hikvision-cameras"
    )
    assert item["title"] == "Freedom of information response"
    assert item["published"] == "Thursday 6 June 2019"
    assert item["text"].startswith("Freedom of information response")


def test_text_article_without_url_and_in_chinese():
    data = "天网工程\n\n贵阳市新增 10000 个摄像头，覆盖主要街道和公共场所。".encode()
    item = parse_one(data, format="text-article")
    assert item["url"] is None and item["source_id"].startswith("sha256:")
    assert item["language"] == "zh"


def test_source_is_set_only_when_given():
    data = page("<title>T</title>", "<article>" + PARAGRAPH + "</article>")
    assert "source" not in parse_one(data)
    assert parse_one(data, source="news-feed")["source"] == "news-feed"


GBK_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="gbk"><title>雪亮工程运维服务采购项目</title>'
    "</head><body><article><h1>合肥市公安局瑶海分局雪亮工程运维服务采购项目</h1><p>"
    "合肥市公安局瑶海分局雪亮工程支网一期、二期、三期运维服务采购项目，预算金额437.677万元，"
    "采购人为合肥市公安局瑶海分局，采购代理机构为合肥市政府采购中心。</p></article></body></html>"
)  # the text of the Hefei tender's first page (shared cn-procurement PDF) in a GBK page


def test_a_gbk_page_reads_right_from_meta_charset_or_the_http_header():
    (item,) = article.parse(GBK_PAGE.encode("gbk"))
    assert item["title"] == "合肥市公安局瑶海分局雪亮工程运维服务采购项目"
    assert "437.677万元" in item["text"]
    undeclared = GBK_PAGE.replace('<meta charset="gbk">', "").encode("gbk")
    (item,) = article.parse(undeclared, content_type="text/html; charset=GBK")
    assert "合肥市公安局瑶海分局" in item["text"]
    (item,) = article.parse(undeclared)  # no declaration at all: read as Chinese, not mojibake
    assert "合肥市公安局瑶海分局" in item["text"]


def test_plain_text_without_a_url_line_is_an_article():
    text = (FIXTURES / "articles" / "thurrock-council_foi_hikvision-cameras-2019.txt").read_bytes()
    body = text.split(b"\n", 1)[1].lstrip()
    assert detect_format(body) == "text-article"
    (item,) = parse_document(body)
    assert item["url"] is None and item["source_id"].startswith("sha256:")
    assert "Hikvision" in item["text"]
    legacy = "Vidéosurveillance à Lyon : 40 caméras installées place Bellecour.".encode("cp1252")
    assert detect_format(legacy) == "text-article"
    assert "Vidéosurveillance" in next(parse_document(legacy))["text"]
    for binary in (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\x00",
        b"a,b,c,d\n1,2,3,4\n",
    ):
        assert article.sniff(binary) is None
