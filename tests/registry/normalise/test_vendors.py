"""Vendor resolution: supplier names, near misses, free text, resellers, reference table."""

from __future__ import annotations

import re

import pytest

from registry.normalise import vendors
from registry.normalise.vendors import (
    load_vendors,
    manufacturers_sold,
    may_name_vendor,
    resolve_vendor,
    vendors_in_text,
)


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "hikvision"),
        ("HIKVISION UK LTD", "hikvision"),
        ("Hikvision Europe B.V.", "hikvision"),
        ("杭州海康威视数字技术股份有限公司", "hikvision"),
        ("海康威视", "hikvision"),
        ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
        ("浙江大华技术股份有限公司", "dahua"),
        ("Huawei Technologies (UK) Co., Ltd", "huawei"),
        ("华为技术有限公司", "huawei"),
        ("Motorola Solutions UK Limited", "motorola-solutions"),
        ("Motorola Solutions, Inc.", "motorola-solutions"),
        ("Axis Communications AB", "axis"),
        ("Flock Group Inc", "flock-safety"),
        ("Flock Safety", "flock-safety"),
        ("ShotSpotter, Inc.", "soundthinking"),
        ("SoundThinking", "soundthinking"),
        ("Vigilant Solutions, LLC", "vigilant-solutions"),
        ("Avigilon Corporation", "avigilon"),
        ("Pelco Inc", "pelco"),
        ("Milestone Systems A/S", "milestone"),
        ("Axon Enterprise, Inc.", "axon"),
        ("TASER International", "axon"),
        ("Genetec Inc.", "genetec"),
        ("Zhejiang Uniview Technologies Co., Ltd.", "uniview"),
        ("Hanwha Techwin Europe Ltd", "hanwha-vision"),
        ("IDEMIA Identity & Security France SAS", "idemia"),
        ("Cellebrite DI Ltd.", "cellebrite"),
    ],
)
def test_supplier_names_resolve_to_the_vendor(name: str, vendor: str) -> None:
    assert resolve_vendor(name) == vendor


@pytest.mark.parametrize(
    ("typo", "vendor"),
    [
        ("Hikvison Digital Technology", "hikvision"),
        ("Avigilion Corp", "avigilon"),
        ("Motorola Solution UK Ltd", "motorola-solutions"),
        ("Hik Vision Ltd", "hikvision"),
    ],
)
def test_one_letter_typos_of_long_names_still_resolve(typo: str, vendor: str) -> None:
    assert resolve_vendor(typo) == vendor


@pytest.mark.parametrize(
    "name",
    [
        "Axis Security Services Ltd",  # UK guarding firm, not Axis Communications
        "Axis Europe plc",
        "AXIS",  # bare ambiguous name without context
        "Dahl",
        "Dahl Engineering GmbH",
        "Avalon Security Ltd",
        "Pelican Products Inc",
        "Flockton Builders",
        "Hua Wei Restaurant",
        "Millstone Systems Ltd",  # one letter from Milestone Systems, but a substitution
        "Genentech Inc",
        "Motorola Mobility LLC",  # phones, Lenovo: not Motorola Solutions
        "WatchGuard Technologies, Inc.",  # firewalls, not WatchGuard Video
        "Reliance High-Tech Limited",  # reseller: stays itself
        "WCL UK Ltd t/a Everything ICT",
        "GOUGH & KELLY LTD",
        "Uniforce Spółka z ograniczoną odpowiedzialnością Spółka komandytowa",
        "Legrand Electric Limited",
        "",
        "   ",
    ],
)
def test_near_misses_and_resellers_resolve_to_none(name: str) -> None:
    assert resolve_vendor(name) is None


def test_ambiguous_bare_names_need_context() -> None:
    assert resolve_vendor("WatchGuard") is None
    assert resolve_vendor("WatchGuard", context="Body-worn Cameras") == "watchguard"
    assert resolve_vendor("Axon", context="Body-worn Cameras") == "axon"
    assert resolve_vendor("Axon", context="Neuroscience reagents") is None
    assert resolve_vendor("Flock", context="License plate reader cameras") == "flock-safety"


def test_trading_as_names_try_each_part() -> None:
    assert resolve_vendor("Security Direct Ltd t/a Hikvision UK") == "hikvision"


def test_non_strings_and_huge_names_are_none() -> None:
    assert resolve_vendor(None) is None  # type: ignore[arg-type]
    assert resolve_vendor("Hikvision " * 100) is None


def test_vendors_in_text_finds_each_vendor_in_order_of_mention() -> None:
    text = (
        "It was reported that 99% of all cameras were made by Hikvision and the other 1% by Axis. "
        "It was believed that Hikvision / Dahua was used by approximately 73% of local authorities."
    )
    assert vendors_in_text(text) == ["hikvision", "axis", "dahua"]


@pytest.mark.parametrize(
    "text",
    [
        "The axis of rotation is vertical.",
        "The Axis of rotation is vertical and the motor turns slowly.",
        "A flock of birds crossed the field.",
        "Residents were vigilant about parking.",
        "Vigilant residents reported the fault.",
        "Flockton Builders won the contract for the new library.",
        "Lunch at Hua Wei Restaurant.",
        "He replaced his Motorola Mobility phone.",
        "WatchGuard Technologies sells firewalls.",
        "Section 4.2 of the NEC applies to the wiring.",
        "Harris Park hosts the summer fair.",
        "A hailstorm damaged roofs.",
        "We face both challenges and opportunities.",
    ],
)
def test_vendors_in_text_keeps_ordinary_words_out(text: str) -> None:
    assert vendors_in_text(text) == []


def test_ambiguous_names_count_with_context_in_the_same_sentence() -> None:
    assert vendors_in_text("Axis announced new PTZ cameras for Melbourne.") == ["axis"]
    assert vendors_in_text("Flock cameras read plates.") == ["flock-safety"]
    assert vendors_in_text("Axis Communications network cameras") == ["axis"]
    # Context in another sentence does not count.
    assert vendors_in_text("Axis grew. Cameras were installed later.") == []


def test_vendors_in_text_reads_chinese_names_as_substrings() -> None:
    text = "贵阳市与海康威视签约，大华股份和华为参与平安城市建设，宇视科技提供摄像机。"
    assert vendors_in_text(text) == ["hikvision", "dahua", "huawei", "uniview"]


def test_vendors_in_text_knows_former_names() -> None:
    assert vendors_in_text("ShotSpotter expands to 7 new cities") == ["soundthinking"]
    assert vendors_in_text("Shot Spotter helps pinpoint gunshots") == ["soundthinking"]
    assert vendors_in_text("TASER International renamed itself") == ["axon"]


def test_manufacturers_sold_reads_reseller_claims() -> None:
    text = (
        "We are an authorised Hikvision partner. Contract for the supply of Dahua cameras and "
        "Axis certified partner services; distributor of Avigilon."
    )
    assert manufacturers_sold(text) == ["hikvision", "axis", "dahua", "avigilon"]


def test_manufacturers_sold_ignores_plain_mentions() -> None:
    assert manufacturers_sold("The council no longer uses Hikvision as a supplier.") == []
    assert manufacturers_sold("Hikvision was the biggest CCTV manufacturer in the world.") == []


def test_reference_table_has_required_vendors_parents_and_sourced_flags() -> None:
    vendors = {v["id"]: v for v in load_vendors()}
    for vid in [
        "hikvision", "huawei", "dahua", "axis", "motorola-solutions", "flock-safety",
        "soundthinking", "hanwha-vision", "uniview", "avigilon", "vigilant-solutions", "pelco",
        "watchguard", "axon", "fusus", "genetec", "milestone", "bosch-security", "idemia", "nec",
        "cognitec", "clearview-ai", "briefcam", "verint", "palantir", "zte", "tiandy",
        "sensetime", "megvii", "cellebrite", "l3harris", "dataminr", "skydio", "dji",
    ]:  # fmt: skip
        assert vid in vendors, vid
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", vid)
        assert vendors[vid]["source"].startswith("http")
    for child in ("vigilant-solutions", "avigilon", "pelco", "watchguard"):
        assert vendors[child]["parent"] == "motorola-solutions"
    assert vendors["fusus"]["parent"] == "axon"
    assert "ShotSpotter" in vendors["soundthinking"]["aliases"]
    assert "海康威视" in vendors["hikvision"]["aliases"]
    assert {f["list"] for f in vendors["hikvision"]["flags"]} == {
        "fcc-covered-list", "ndaa-889", "us-entity-list", "ofac-ns-cmic",
    }  # fmt: skip
    for vendor in vendors.values():
        assert vendor.get("parent") in (None, *vendors)
        for flag in vendor.get("flags", []):
            assert flag["source"].startswith("https://") and flag["date"]
    assert vendors["hikvision"]["country"] == "CN" and vendors["axis"]["country"] == "SE"


ISSUE_15_VENDORS = [
    "dallmeier", "verkada", "rekor", "leonardo", "elsag", "neology", "yitu", "alibaba-cloud",
    "iflytek", "oosto", "corsight-ai", "veritone", "ring", "penlink", "cobwebs", "voyager-labs",
    "zeroeyes", "evolv", "jenoptik", "verra-mobility", "sensys-gatso", "kapsch", "hexagon",
    "thales", "eagle-eye-networks",
]  # fmt: skip


def test_the_vendors_researchers_look_for_are_listed_with_sources_and_parents() -> None:
    vendors = {v["id"]: v for v in load_vendors()}
    for vid in ISSUE_15_VENDORS:
        assert vid in vendors, vid
        assert vendors[vid]["source"].startswith("http"), vid
    parents = {
        "ring": "amazon",
        "alibaba-cloud": "alibaba",
        "elsag": "leonardo",
        "cobwebs": "penlink",
        "redflex": "verra-mobility",
        "gemalto": "thales",
        "avigilon": "motorola-solutions",
        "vigilant-solutions": "motorola-solutions",
    }
    for child, parent in parents.items():
        assert vendors[child]["parent"] == parent and vendors[child]["parent_source"], child
    assert "AnyVision" in vendors["oosto"]["aliases"]
    assert {f["list"] for f in vendors["yitu"]["flags"]} == {"us-entity-list", "ofac-ns-cmic"}
    assert {f["list"] for f in vendors["cloudwalk"]["flags"]} == {"us-entity-list", "ofac-ns-cmic"}
    assert [f["list"] for f in vendors["iflytek"]["flags"]] == ["us-entity-list"]


@pytest.mark.parametrize(
    ("text", "vendor"),
    [
        ("Dallmeier installed Panomera cameras on the square.", "dallmeier"),
        ("The district bought Verkada cameras for its schools.", "verkada"),
        ("Rekor Scout reads plates from existing cameras.", "rekor"),
        ("ELSAG plate readers were mounted on patrol cars.", "elsag"),
        ("Leonardo supplies licence plate readers to the police.", "leonardo"),
        ("Neology supplies RFID tolling and plate cameras.", "neology"),
        ("依图科技为公安提供人脸识别。", "yitu"),
        ("The Hangzhou ET City Brain manages traffic lights.", "alibaba-cloud"),
        ("科大讯飞的声纹识别系统", "iflytek"),
        ("AnyVision, now Oosto, sells face recognition.", "oosto"),
        ("Corsight AI face recognition at the stadium", "corsight-ai"),
        ("Police used Veritone IDentify on booking photos.", "veritone"),
        ("Ring doorbell footage was shared with police.", "ring"),
        ("Penlink bought Cobwebs Technologies.", "cobwebs"),
        ("Voyager Labs monitored social media accounts.", "voyager-labs"),
        ("ZeroEyes gun detection runs on school cameras.", "zeroeyes"),
        ("Evolv Express weapons screening at the arena", "evolv"),
        ("Jenoptik speed cameras on the motorway", "jenoptik"),
        ("Verra Mobility runs the school-zone camera programme.", "verra-mobility"),
        ("Sensys Gatso Group won the section control contract.", "sensys-gatso"),
        ("Kapsch TrafficCom operates the toll gantries.", "kapsch"),
        ("Hexagon dispatch software for the police", "hexagon"),
        ("Thales won a contract for biometric border systems.", "thales"),
        ("Eagle Eye Networks cloud VMS for the city", "eagle-eye-networks"),
    ],
)
def test_new_vendors_are_found_in_text(text: str, vendor: str) -> None:
    assert vendor in vendors_in_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "She wore a gold ring to the ceremony.",
        "The ring road is closed.",
        "Ring the bell twice.",
        "Species evolve over millions of years; evolving ideas.",
        "Thales of Miletus held that water is the first principle of all things.",
        "Plato and Thales are studied in the philosophy seminar.",
        "A hexagon has six sides; bees build hexagonal cells.",
        "A neology is a newly coined word.",
        "Leonardo painted the Mona Lisa.",
        "Leonardo DiCaprio starred in the film.",
        "The Amazon river floods every year.",
        "Cobwebs filled the attic of the old house.",
        "The referee kept an eagle eye on the players.",
        "Gatsometer BV made the first speed cameras.",
        "Kapsch CarrierCom sold railway radio systems.",
        "The TVT channel broadcast the match.",
    ],
)
def test_new_vendor_aliases_keep_ordinary_words_out(text: str) -> None:
    assert vendors_in_text(text) == []


@pytest.mark.parametrize(
    ("name", "context", "vendor"),
    [
        ("Hikvision", "Security cameras web server", "hikvision"),
        ("Dahua", "IP Camera Firmware", "dahua"),
        ("TVT", "NVMS-1000", "tvt"),
        ("NUUO", "NVRmini2 Devices", "nuuo"),
        ("WatchGuard", "Firebox and XTM", None),  # WatchGuard Technologies: firewalls
        ("Samsung", "Mobile Devices", None),  # not Samsung Techwin (Hanwha Vision)
        ("Veritas", "Backup Exec Agent", None),  # not Veritone
        ("Nice", "Linear eMerge E3-Series", None),
    ],
)
def test_catalogue_vendor_names_resolve_only_to_their_own_vendor(name, context, vendor) -> None:
    assert resolve_vendor(name, context=context) == vendor


@pytest.mark.parametrize(
    "text",
    [
        "The contract was awarded to DHILLS MANAGEMENT CONSULTANCY LTD",
        "Supplier: Acme Co., Ltd.",
        "Widget Holdings Limited, trading as Widget Inc",
    ],
)
def test_a_legal_form_alone_names_no_vendor(text: str) -> None:
    # A YAML list split "Alibaba Cloud Computing Co., Ltd." at its commas: "Ltd." named a vendor.
    assert vendors_in_text(text) == []


def test_every_vendor_name_is_more_than_a_legal_form() -> None:
    from registry.normalise.vendors import _keys, _suffixes, _tokens

    suffixes = set(_suffixes())
    for vendor in load_vendors():
        for name in [*vendor.get("legal_names", []), *vendor.get("aliases", [])]:
            assert tuple(_tokens(name)) not in suffixes, (vendor["id"], name)
            assert _keys(name)[1], (vendor["id"], name)


def _vendor_texts() -> list[str]:
    """Every vendor name the text scan looks for, as publishers write it: in a sentence, in
    capitals, hyphenated, across a line break, beside its context words."""
    texts = []
    for vendor in load_vendors():
        context = " ".join(vendor.get("context") or [])
        names = [
            *(vendor.get("legal_names") or []),
            *(vendor.get("aliases") or []),
            *(vendor.get("ambiguous") or []),
        ]
        for name in names:
            for written in (name, name.upper(), name.replace(" ", "-"), name.replace(" ", "\n")):
                texts.append(f"Supply of {written} cameras ({context}).")
                texts.append(f"{written}'s")
            texts.append(f"x{name}x")  # inside a word: no vendor, except a Chinese name
    return texts


def test_the_one_pass_name_test_never_hides_a_vendor(monkeypatch) -> None:
    texts = _vendor_texts()
    with monkeypatch.context() as patched:
        patched.setattr(vendors, "may_name_vendor", lambda text: True)
        unfiltered = [vendors_in_text(text) for text in texts]
    assert sum(map(bool, unfiltered)) > len(load_vendors())
    assert [vendors_in_text(text) for text in texts] == unfiltered
    assert not may_name_vendor("Supply and maintenance of street lighting in the town centre")


@pytest.mark.parametrize(
    ("text", "vendor"),
    [
        # Traditional script: the aliases are written in Simplified (华为, 海康威视).
        ("縣府採用華為的智慧城市方案。", "huawei"),
        ("路口加裝海康威視攝影機。", "hikvision"),
        # A product line before its model number names its maker.
        ("Attachments: 1. Matrice210Quote.pdf, 2. Mavic2EntQuote.pdf", "dji"),
        ("The department will buy two Phantom 4 Pro drones.", "dji"),
    ],
)
def test_vendors_named_in_traditional_script_or_by_their_products(text: str, vendor: str) -> None:
    assert vendors_in_text(text) == [vendor]


@pytest.mark.parametrize(
    "text", ["The Phantom of the Opera opens on Friday.", "A mavic is a kind of bicycle rim."]
)
def test_a_product_name_without_a_model_number_is_an_ordinary_word(text: str) -> None:
    assert vendors_in_text(text) == []
