"""The pre-filter never refuses a notice that plausible_notice accepts, and refuses most others."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from crawlers.parsers import parse_document
from crawlers.store import CrawlStore
from registry.normalise.technologies import classify, load_taxonomy
from registry.normalise.vendors import vendors_in_text
from registry.relevance import NEAR_MISS_CEILING, may_be_plausible, plausible_notice
from tests.conftest import FIXTURES, SNAPSHOT


def _notices() -> list[dict]:
    """Every notice that the fixtures and the demo recordings parse to."""
    found = []
    for root in (FIXTURES, SNAPSHOT):
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in (".md", ".yaml", ".py"):
                continue
            try:
                found.extend(i for i in parse_document(path.read_bytes()) if i["kind"] == "notice")
            except Exception:  # noqa: BLE001 - not every recording is a document
                continue
    return found


NOTICES = _notices()


def _variants(item: dict) -> list[dict]:
    """The notice as other publishers write the same words: case, accents, dashes, line breaks,
    codes as numbers, the vendor only among the suppliers."""
    out = []
    for change in (
        str.upper,
        str.title,
        lambda t: t.replace(" ", "-"),
        lambda t: t.replace(" ", "\n\t"),
    ):
        variant = copy.deepcopy(item)
        variant["title"] = change(str(variant.get("title") or ""))
        variant["description"] = change(str(variant.get("description") or ""))
        out.append(variant)
    numeric = copy.deepcopy(item)
    numeric["cpv"] = [int(c.split("-")[0]) for c in item.get("cpv") or [] if c[:8].isdigit()]
    out.append(numeric)
    return out


def _stored(items: list[dict], tmp_path: Path) -> list[dict]:
    """The items as the build reads them back from a crawl store."""
    store = CrawlStore(tmp_path / "crawl.db")
    for n, item in enumerate(items):
        store.upsert({**item, "source": "test", "source_id": f"n{n}"}, now="2026-01-01T00:00:00Z")
    rows = list(store.iter_records(kind="notice"))
    store.close()
    return [json.loads(row["record"]) for row in rows]


def test_the_fixtures_have_notices_on_both_sides() -> None:
    plausible = sum(map(plausible_notice, NOTICES))
    assert len(NOTICES) > 100 and 20 < plausible < len(NOTICES) - 20


def test_no_plausible_notice_is_refused(tmp_path: Path) -> None:
    items = [v for item in NOTICES for v in [item, *_variants(item)]]
    missed = [
        item.get("title")
        for item in _stored(items, tmp_path)
        if plausible_notice(item) and not may_be_plausible(item)
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("title", "description", "cpv", "suppliers"),
    [
        ("Supply of CAMÉRAS de vidéoprotection", None, [], []),
        ("Videoüberwachung Bahnhof", None, [], []),
        ("Ｃａｍｅｒａ upgrade", "视频监控系统", [], []),
        ("Works", "Body\u2011worn video for wardens", [], []),
        ("Maintenance", None, ["35125300-2"], []),
        ("Lot 3", None, [32235100], []),
        ("Annual support", None, [], [{"name": "HIKVISION UK LTD"}]),
        ("Annual support", "from 浙江大华技术股份有限公司", [], []),
    ],
)
def test_plausible_notices_written_every_way_pass(tmp_path, title, description, cpv, suppliers):
    item = {
        "kind": "notice",
        "title": title,
        "description": description,
        "cpv": cpv,
        "suppliers": suppliers,
    }
    [stored] = _stored([item], tmp_path)
    assert plausible_notice(stored)
    assert may_be_plausible(stored)


def test_most_ordinary_notices_are_refused_before_parsing(tmp_path: Path) -> None:
    page = SNAPSHOT / "contracts-finder" / "search-page-1.json"
    items = [i for i in parse_document(page.read_bytes()) if not plausible_notice(i)]
    refused = [item for item in _stored(items, tmp_path) if not may_be_plausible(item)]
    assert len(items) > 80 and len(refused) > len(items) * 0.6


def _read_in_full(item: dict) -> bool:
    """plausible_notice as the classifier and the vendor list decide it from the whole text."""
    text = " ".join(str(item.get(k) or "") for k in ("title", "description"))
    named = " ".join([text, *(str(s.get("name") or "") for s in item.get("suppliers") or [])])
    scores = [score for _, score in classify([str(c) for c in item.get("cpv") or []], text)]
    return bool(scores and max(scores) > NEAR_MISS_CEILING) or bool(vendors_in_text(named))


def test_a_strong_code_decides_as_reading_the_whole_text_would() -> None:
    codes = [rule["code"] for tech in load_taxonomy() for rule in tech.get("cpv") or []]
    near_misses = ["Security guard services", "Not CCTV: door entry alarms", "Steel doors"]
    items = [
        {**item, "cpv": [code], "title": title, "description": None}
        for item in NOTICES[:5]
        for code in codes
        for title in near_misses
    ]
    for item in [*NOTICES, *items]:
        assert plausible_notice(item) == _read_in_full(item), (item.get("title"), item["cpv"])
