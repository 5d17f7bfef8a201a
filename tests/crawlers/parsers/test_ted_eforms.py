"""eForms notices: every fixture against values read from the XML itself."""

from pathlib import Path

import pytest

from crawlers.parsers import ted_eforms
from crawlers.parsers.errors import ParseError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted" / "ted-eforms"

# file: (source_id, notice_type, subtype, buyer country, procedure-level main CPV, published)
# read from efac:Publication, cbc:NoticeTypeCode/efac:Changes, SubTypeCode, the buyer's
# cac:Country and cac:ProcurementProject; SDK examples have no publication: their notice id
# and root cbc:IssueDate are used.
EXPECTED = {
    "converted-20-198944-001-EXP.xml": (
        "194753-2020",
        "tender",
        "16",
        "GBR",
        "79711000",
        "2020-04-27+01:00",
    ),
    "sdk-example-can-modif_24_value.xml": (
        "3572a106-eb30-4c7a-8ac5-b3502f71742a",
        "modification",
        "38",
        "GBR",
        "79410000",
        "2018-08-02+01:00",
    ),
    "sdk-example-can_24_UKRI.xml": (
        "75b70657-c146-4b5c-8d66-1ded90cdcd1d",
        "award",
        "29",
        "GBR",
        "71000000",
        "2020-04-14+01:00",
    ),
    "sdk-example-can_24_maximal.xml": (
        "15377ca1-6cf7-4060-90f0-9290128957a3",
        "award",
        "29",
        "LUX",
        None,
        "2023-04-23+01:00",
    ),
    "sdk-example-can_25_ITA.xml": (
        "904890c7-9743-410c-b75c-8c60d9930633",
        "award",
        "30",
        "ITA",
        "60210000",
        "2020-04-15+01:00",
    ),
    "sdk-example-change-cn_24_void.xml": (
        "1d192942-a4a3-4833-8775-ca38f7ec09ca",
        "modification",
        "16",
        "LUX",
        "72230000",
        "2019-12-21+01:00",
    ),
    "sdk-example-cn_24_cumbria.xml": (
        "6bc75979-ce6c-46eb-81a6-eee543697dec",
        "tender",
        "16",
        "GBR",
        "79000000",
        "2020-04-09+01:00",
    ),
    "sdk-example-cn_24_maximal.xml": (
        "14549263-b47b-4e59-96a1-2d0d13e19343",
        "tender",
        "16",
        "LUX",
        None,
        "2023-03-23+01:00",
    ),
    "sdk-example-cn_24_multilingual.xml": (
        "55aae64f-88a8-44a5-b2fb-8228e97fe6ee",
        "tender",
        "16",
        "LUX",
        "72230000",
        "2019-11-21+01:00",
    ),
    "sdk-example-pin-only_24.xml": (
        "f252f386-55ac-4fa8-9be4-9f950b9904c8",
        "prior-information",
        "4",
        "DEU",
        "72000000",
        "2020-05-05+01:00",
    ),
    "sdk-example-veat_24.xml": (
        "6ea164b2-228c-4ae8-b3b5-26f3946b8300",
        "award",
        "25",
        "GBR",
        "33000000",
        "2020-04-23+01:00",
    ),
    "ted-043489-2024_sdk1.7_st30_can.xml": (
        "43489-2024",
        "award",
        "30",
        "DEU",
        "90000000",
        "2024-01-22Z",
    ),
    "ted-291858-2023_sdk1.3_st17.xml": (
        "291858-2023",
        "modification",
        "17",
        "EST",
        "72262000",
        "2023-05-16Z",
    ),
    "ted-553536-2023_sdk1.8_st19.xml": (
        "553536-2023",
        "tender",
        "19",
        "BEL",
        "55000000",
        "2023-09-14Z",
    ),
    "ted-565058-2023_sdk1.8_st18.xml": (
        "565058-2023",
        "tender",
        "18",
        "BEL",
        "35400000",
        "2023-09-19Z",
    ),
    "ted-574413-2023_sdk1.7_st14.xml": (
        "574413-2023",
        "prior-information",
        "14",
        "FIN",
        "92000000",
        "2023-09-22Z",
    ),
    "ted-583624-2023_sdk1.7_st21.xml": (
        "583624-2023",
        "tender",
        "21",
        "FIN",
        "85000000",
        "2023-09-28Z",
    ),
    "ted-599894-2023_sdk1.8_st11.xml": (
        "599894-2023",
        "prior-information",
        "11",
        "BEL",
        "45110000",
        "2023-10-05Z",
    ),
    "ted-646400-2023_sdk1.9_st14.xml": (
        "646400-2023",
        "prior-information",
        "14",
        "ESP",
        "92610000",
        "2023-10-24Z",
    ),
    "ted-649921-2023_sdk1.7_st10.xml": (
        "649921-2023",
        "prior-information",
        "10",
        "NLD",
        "85121100",
        "2023-10-25Z",
    ),
    "ted-650276-2023_sdk1.9_st20.xml": (
        "650276-2023",
        "tender",
        "20",
        "ITA",
        "85300000",
        "2023-10-26Z",
    ),
    "ted-657565-2023_sdk1.5_st16.xml": (
        "657565-2023",
        "tender",
        "16",
        "DEU",
        "09310000",
        "2023-10-27Z",
    ),
    "ted-666487-2023_sdk1.7_st12.xml": (
        "666487-2023",
        "prior-information",
        "12",
        "NLD",
        "35100000",
        "2023-11-02Z",
    ),
    "ted-671040-2023_sdk1.9_st23.xml": (
        "671040-2023",
        "tender",
        "23",
        "POL",
        "71000000",
        "2023-11-03Z",
    ),
    "ted-701354-2023_sdk1.8_st24.xml": (
        "701354-2023",
        "tender",
        "24",
        "SWE",
        "31170000",
        "2023-11-17Z",
    ),
    "ted-727192-2023_sdk1.7_st22.xml": (
        "727192-2023",
        "tender",
        "22",
        "SVK",
        "35120000",
        "2023-11-30Z",
    ),
    "ted-739962-2023_sdk1.10_st16.xml": (
        "739962-2023",
        "tender",
        "16",
        "POL",
        "33140000",
        "2023-12-06Z",
    ),
    "ted-741690-2023_sdk1.10_st20.xml": (
        "741690-2023",
        "tender",
        "20",
        "POL",
        "09300000",
        "2023-12-07Z",
    ),
    "ted-746475-2023_sdk1.10_st23.xml": (
        "746475-2023",
        "tender",
        "23",
        "POL",
        "71000000",
        "2023-12-08Z",
    ),
    "ted-757543-2023_sdk1.6_st18.xml": (
        "757543-2023",
        "tender",
        "18",
        "ROU",
        "38633000",
        "2023-12-14Z",
    ),
    "ted-762961-2023_sdk1.10_st10.xml": (
        "762961-2023",
        "prior-information",
        "10",
        "GRC",
        "79713000",
        "2023-12-15Z",
    ),
    "ted-775348-2023_sdk1.6_st23.xml": (
        "775348-2023",
        "modification",
        "23",
        "ROU",
        "71220000",
        "2023-12-21Z",
    ),
    "ted-783461-2023_sdk1.10_st19.xml": (
        "783461-2023",
        "tender",
        "19",
        "ITA",
        "79956000",
        "2023-12-22Z",
    ),
}
# CPVs named in SOURCES.md per file (main and additional, checked against the XML).
SOURCE_CPVS = {
    "ted-727192-2023_sdk1.7_st22.xml": {"35120000"},
    "ted-666487-2023_sdk1.7_st12.xml": {"18444000", "35100000", "35112000", "37412000", "37414800"},
    "ted-574413-2023_sdk1.7_st14.xml": {"48000000", "72000000", "92000000"},
    "sdk-example-cn_24_maximal.xml": {"75121000", "79710000", "79720000"},
    "sdk-example-can_24_maximal.xml": {"33185200", "75121000", "79710000", "79720000"},
    "sdk-example-pin-only_24.xml": {"50000000", "72000000"},
    "sdk-example-cn_24_multilingual.xml": {"72230000", "72260000"},
    "converted-20-198944-001-EXP.xml": {"35120000", "44212329", "79711000"},
}


def parse(name: str) -> dict:
    items = list(ted_eforms.parse((FIXTURES / name).read_bytes()))
    assert len(items) == 1
    return items[0]


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_the_contract(name):
    source_id, notice_type, subtype, country, main_cpv, published = EXPECTED[name]
    item = parse(name)
    assert item["kind"] == "notice" and item["source"] == "ted"
    assert item["source_id"] == source_id
    assert item["source_id_kind"] == (
        "notice-id" if name.startswith("sdk-") else "publication-number"
    )
    assert item["notice_type"] == notice_type
    assert item["subtype"] == subtype
    assert item["buyer"]["country"] == country
    assert item["buyer"]["name"]
    assert item["published"] == published
    if main_cpv:
        assert item["cpv"][0] == main_cpv
    assert len(item["cpv"]) == len(set(item["cpv"]))
    assert SOURCE_CPVS.get(name, set()) <= set(item["cpv"])
    assert item["title"]
    # The PIN-only example has no cbc:ContractFolderID; every other notice has one.
    assert bool(item["procedure_id"]) == (name != "sdk-example-pin-only_24.xml")
    assert item["sdk_version"].startswith("eforms-sdk-1.")
    assert item["technologies"] == [] and item["vendors"] == []
    if not name.startswith("sdk-"):
        assert item["links"]["html"] == f"https://ted.europa.eu/en/notice/-/detail/{source_id}"
        assert item["links"]["xml"] == f"https://ted.europa.eu/en/notice/{source_id}/xml"
        assert item["links"]["pdf"] == f"https://ted.europa.eu/en/notice/{source_id}/pdf"
    else:
        assert item["links"] is None


def test_award_follows_org_references():
    item = parse("ted-043489-2024_sdk1.7_st30_can.xml")
    # cac:ContractingParty → ORG-7001; ORG-7005 is only the eSender.
    assert item["buyer"] == {
        "name": "Berliner Verkehrsbetriebe, Bereich Einkauf/ Materialwirtschaft",
        "country": "DEU",
        "city": "Berlin",
        "nuts": "DE300",
        "contact": {
            "name": None,
            "email": "Einkauf.INF2@bvg.de",
            "phone": "+4930 256 28962",
            "url": "https://vergabekooperation.berlin",
        },
    }
    # LotResult RES-0001 → CON-0001 → TEN-0001 → TPA-0001 → ORG-0001
    assert item["suppliers"] == [
        {
            "name": "Dunkel Baustoff-Recycling-Zentrum oHG",
            "country": "DEU",
            "lots": ["LOT-0000"],
            "value": None,
        }
    ]
    assert item["procedure_id"] == "5ce49e8a-80e8-474a-acf7-cbee9904f38c"
    assert item["dispatched"] == "2024-01-19+01:00"
    assert item["language"] == "DEU"
    # No notice value or tender value is published: the estimate is given, and said to be one.
    assert item["value"] == {"amount": "89000.00", "currency": "EUR"}
    assert item["value_kind"] == "estimated"


def test_maximal_award_winners_via_settled_contracts():
    item = parse("sdk-example-can_24_maximal.xml")
    names = [(s["name"], s["country"]) for s in item["suppliers"]]
    # CON-0001 → TEN-0001 → TPA-0001 (ORG-0008, ORG-0009); CON-0002 → TEN-0002 → TPA-0002 (ORG-0011)
    assert names == [("Gyro Soft SA", "LUX"), ("The best App Ltd.", "DEU"), ("Competitor", "FRA")]
    assert item["value"] == {"amount": "9999999.99", "currency": "EUR"}
    assert item["value_kind"] == "awarded"
    assert {lot["id"] for lot in item["lots"]} >= {"LOT-0001", "LOT-0002"}


def test_subcontracting_notice_buyer_is_the_contracting_party():
    item = parse("ted-727192-2023_sdk1.7_st22.xml")
    assert item["buyer"]["name"] == "Adifex, a. s."  # ORG-0002, not the eSender (ORG-0001)
    assert item["title"] == "Signálno-bezpečnostná technika"
    assert item["value"] == {"amount": "1640217", "currency": "EUR"}


def test_multilingual_prefers_notice_language():
    item = parse("sdk-example-cn_24_multilingual.xml")
    assert item["language"] == "ENG"
    assert item["buyer"]["name"] == "Publications Office of the European Union"


def test_urn_prefixed_root_and_eforms_country_list():
    item = parse("ted-757543-2023_sdk1.6_st18.xml")
    assert item["buyer"]["country"] == "ROU"
    assert item["language"] == "RON"


def test_corrigendum_code_and_change_section_are_modifications():
    assert parse("ted-775348-2023_sdk1.6_st23.xml")["notice_type_code"] == "corr"
    changed = parse("sdk-example-change-cn_24_void.xml")
    assert changed["notice_type_code"] == "cn-standard"
    assert changed["changed_notice"] == "f42be27e-09cf-4f0e-a745-63ec689631e6-01"


def _edit(name: str, old: bytes, new: bytes) -> bytes:
    data = (FIXTURES / name).read_bytes()
    assert old in data
    return data.replace(old, new)


def test_unknown_sdk_version_is_refused():
    data = _edit("ted-043489-2024_sdk1.7_st30_can.xml", b"eforms-sdk-1.7", b"eforms-sdk-9.0")
    with pytest.raises(ParseError, match="b8407703-ba31-4e89-9d6e-c480388966ec.*eforms-sdk-9.0"):
        list(ted_eforms.parse(data))


def test_no_cpv_and_no_buyer_country_are_flagged_not_dropped():
    data = _edit(
        "ted-043489-2024_sdk1.7_st30_can.xml",
        b'<cbc:ItemClassificationCode listName="cpv">90000000</cbc:ItemClassificationCode>',
        b"",
    )
    data = data.replace(
        b'<cbc:IdentificationCode listName="country">DEU</cbc:IdentificationCode>', b""
    )
    item = next(ted_eforms.parse(data))
    assert item["cpv"] == [] and item["buyer"]["country"] is None
    assert item["warnings"] == ["no CPV code", "no buyer country"]
    assert item["source_id"] == "43489-2024"
