"""Legacy TED_EXPORT notices: every fixture against values read from the XML itself."""

from pathlib import Path

import pytest

from crawlers.parsers import ted_legacy
from crawlers.parsers.errors import ParseError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted" / "ted-legacy"

# file: (source_id from NOTICE_DATA/NO_DOC_OJS, notice type from the form, form,
#        buyer country (COUNTRY VALUE of the contracting body), main CPV (CPV_MAIN), DATE_PUB,
#        procedure id: the first REF_NOTICE/NO_DOC_OJS, else the notice's own number)
EXPECTED = {
    "000084-2019.xml": ("84-2019", "award", "F03", "PL", "45453000", "20190102", "298161-2018"),
    "000163-2021.xml": ("163-2021", "award", "F03", "PT", "45215100", "20210104", "405809-2019"),
    "008247-2021.xml": ("8247-2021", "award", "F06", "DE", "79713000", "20210108", "8247-2021"),
    "18-412273-001-EXP.xml": (
        "404080-2018",
        "award",
        "F06",
        "FR",
        "45234116",
        "20180915",
        "92667-2018",
    ),
    "18-536293-001-EXP.xml": (
        "524498-2018",
        "award",
        "F13",
        "PL",
        "71220000",
        "20181128",
        "345424-2018",
    ),
    "19-099886-001-EXP.xml": (
        "97985-2019",
        "prior-information",
        "F08",
        "PL",
        "15100000",
        "20190301",
        "97985-2019",
    ),
    "19-289373-001-EXP.xml": (
        "283717-2019",
        "tender",
        "F22",
        "IE",
        "72000000",
        "20190618",
        "283717-2019",
    ),
    "20-155018-001-EXP.xml": (
        "150025-2020",
        "prior-information",
        "F01",
        "DE",
        "45212200",
        "20200330",
        "150025-2020",
    ),
    "20-162034-001-EXP.xml": (
        "160552-2020",
        "tender",
        "F02",
        "CH",
        "32250000",
        "20200403",
        "160552-2020",
    ),
    "20-164186-001-EXP.xml": (
        "161232-2020",
        "tender",
        "F02",
        "DK",
        "38515200",
        "20200406",
        "161232-2020",
    ),
    "20-179994-001-EXP.xml": (
        "176972-2020",
        "tender",
        "F12",
        "FR",
        "71000000",
        "20200415",
        "176972-2020",
    ),
    "20-198944-001-EXP.xml": (
        "194753-2020",
        "tender",
        "F02",
        "UK",
        "79711000",
        "20200427",
        "194753-2020",
    ),
    "20-242009-001-EXP.xml": (
        "238630-2020",
        "tender",
        "F02",
        "TZ",
        "79710000",
        "20200525",
        "238630-2020",
    ),
    "20-295737-001-EXP.xml": (
        "287514-2020",
        "tender",
        "F21",
        "IE",
        "71220000",
        "20200619",
        "287514-2020",
    ),
    "20-320448-001-EXP.xml": (
        "311956-2020",
        "tender",
        "F02",
        "NO",
        "37400000",
        "20200703",
        "165610-2020",
    ),
    "20-620029-001-EXP.xml": (
        "599593-2020",
        "tender",
        "F07",
        "DE",
        "45251000",
        "20201211",
        "599593-2020",
    ),
    "21-000061-001-EXP.xml": (
        "3543-2021",
        "award",
        "F03",
        "UK",
        "73000000",
        "20210106",
        "428607-2019",
    ),
    "21-000934-001-EXP.xml": (
        "8689-2021",
        "award",
        "F03",
        "BE",
        "90700000",
        "20210111",
        "391292-2020",
    ),
    "21-013188-001-EXP.xml": (
        "18265-2021",
        "tender",
        "F02",
        "DE",
        "71314000",
        "20210115",
        "18265-2021",
    ),
    "21-048169-001-EXP.xml": (
        "54179-2021",
        "award",
        "F03",
        "BE",
        "73100000",
        "20210203",
        "54179-2021",
    ),
    "21-064844-001-EXP.xml": (
        "67028-2021",
        "tender",
        "F02",
        "NL",
        "50232100",
        "20210209",
        "67028-2021",
    ),
    "21-119282-001-EXP.xml": (
        "119337-2021",
        "tender",
        "F24",
        "NO",
        "60600000",
        "20210309",
        "119337-2021",
    ),
    "21-139343-001-EXP.xml": (
        "140295-2021",
        "award",
        "F15",
        "UK",
        "75211200",
        "20210319",
        "361995-2016",
    ),
    "21-362579-001-EXP.xml": (
        "353237-2021",
        "award",
        "F03",
        "AT",
        "38112100",
        "20210713",
        "183831-2020",
    ),
    "21-364516-001-EXP.xml": (
        "354625-2021",
        "tender",
        "F12",
        "LV",
        "72230000",
        "20210713",
        "354625-2021",
    ),
    "22-104446-001-EXP.xml": (
        "107804-2022",
        "tender",
        "F02",
        "CH",
        "71600000",
        "20220228",
        "107804-2022",
    ),
    "22-434184-001-EXP.xml": (
        "421993-2022",
        "prior-information",
        "F04",
        "IT",
        "34121000",
        "20220802",
        "421993-2022",
    ),
    "23-119901-001-EXP.xml": (
        "121869-2023",
        "modification",
        "F14",
        "PT",
        "45221121",
        "20230227",
        "267307-2022",
    ),
    "R2.0.8-OTH_NOT-EIB-ZM.xml": (
        "426046-2018",
        "award",
        "OTH_NOT",
        "ZM",
        "31321300",
        "20181002",
        "426046-2018",
    ),
}


def parse(name: str) -> dict:
    items = list(ted_legacy.parse((FIXTURES / name).read_bytes()))
    assert len(items) == 1
    return items[0]


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_the_contract(name):
    source_id, notice_type, form, country, main_cpv, published, procedure = EXPECTED[name]
    item = parse(name)
    assert item["kind"] == "notice" and item["source"] == "ted"
    assert item["source_id"] == source_id
    assert item["notice_type"] == notice_type
    assert item["subtype"] == form
    assert item["buyer"]["country"] == country
    assert item["buyer"]["name"]
    assert item["cpv"][0] == main_cpv
    assert len(item["cpv"]) == len(set(item["cpv"]))
    assert item["published"] == published
    assert item["procedure_id"] == procedure
    assert item["title"]
    assert item["schema_version"].startswith(("R2.0.9", "R2.0.8"))
    assert item["links"]["pdf"] == f"https://ted.europa.eu/en/notice/{source_id}/pdf"


def test_original_language_form_is_preferred_over_translations():
    item = parse("20-242009-001-EXP.xml")  # DA, DE translations come before the EN original
    assert item["language"] == "EN"
    assert item["title"] == "Security Services Delegation to Tanzania"
    assert item["buyer"]["name"] == "European Union, Delegation of the European Union to Tanzania"
    assert item["buyer"]["city"] == "Dar es Salaam"
    assert item["value"] == {"amount": "5437000.00", "currency": "EUR"}


def test_surveillance_tender_fields():
    item = parse("20-198944-001-EXP.xml")
    assert item["title"] == "Empty Homes Security"
    assert item["cpv"] == ["79711000", "35120000", "44212329"]
    assert item["buyer"]["city"] == "Prescot" and item["buyer"]["nuts"] == "UKD"
    assert item["buyer"]["contact"]["email"] == "tenders@cirruspurchasing.co.uk"
    assert item["dispatched"] == "20200423"
    assert item["value"] == {"amount": "1200000", "currency": "GBP"}
    assert item["value_kind"] == "estimated"
    assert item["reference"] == "DN475213"


def test_award_suppliers_with_lots_and_values():
    item = parse("21-362579-001-EXP.xml")
    assert item["suppliers"] == [
        {
            "name": "ITBinder GmbH",
            "country": "AT",
            "lots": ["1"],
            "value": {"amount": "1220020", "currency": "EUR"},
        }
    ]
    guards = parse("008247-2021.xml")
    # One company won both lots: one supplier naming both.
    assert len(guards["suppliers"]) == 1 and len(guards["suppliers"][0]["lots"]) == 2


def test_design_contest_winners():
    item = parse("18-536293-001-EXP.xml")
    assert len(item["suppliers"]) == 5
    assert item["suppliers"][1]["country"] == "FR"


def test_other_notice_uses_document_type_code():
    item = parse("R2.0.8-OTH_NOT-EIB-ZM.xml")
    assert item["title"] == "EIB - High voltage substations (ZM-Lusaka)"
    assert item["buyer"]["name"] == "ZESCO Limited" and item["buyer"]["city"] == "Lusaka"
    assert item["schema_version"] == "R2.0.8.S04.E01"


def test_unknown_schema_release_is_refused():
    data = (FIXTURES / "20-198944-001-EXP.xml").read_bytes()
    data = data.replace(b'VERSION="R2.0.9.S03.E01"', b'VERSION="R2.0.6.S01.E01"')
    with pytest.raises(ParseError, match="194753-2020.*R2.0.6"):
        list(ted_legacy.parse(data))


def test_no_cpv_and_no_country_are_flagged():
    data = (FIXTURES / "20-164186-001-EXP.xml").read_bytes()
    for old in (b'CODE="38515200"', b'<ISO_COUNTRY VALUE="DK"/>', b'<COUNTRY VALUE="DK"/>'):
        data = data.replace(old, b"")
    item = next(ted_legacy.parse(data))
    assert item["cpv"] == [] and item["buyer"]["country"] is None
    assert item["warnings"] == ["no CPV code", "no buyer country"]
