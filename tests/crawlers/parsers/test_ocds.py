"""The OCDS parser on real Contracts Finder, Sell2Wales, PCS and record-package documents."""

from __future__ import annotations

import io
import json

import pytest

from crawlers.parsers import detect_format, ocds, parse_document
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES, SNAPSHOT

OCDS = FIXTURES / "ocds"


def parse_one(name: str) -> dict:
    items = list(ocds.parse((OCDS / name).read_bytes()))
    assert len(items) == 1
    return items[0]


def test_doncaster_cctv_relocation_award():
    item = parse_one("uk-contractsfinder_release_cctv-camera-relocation_doncaster.json")
    assert item["source"] == "contracts-finder"
    assert item["source_id"] == (
        "ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466/65ab1224-7fe3-4c3a-961f-a0359140c1ff-819893"
    )
    assert item["procedure_id"] == "ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466"
    assert item["notice_type"] == "award"
    assert item["title"] == "CCTV camera relocation"
    assert item["published"] == "2025-01-23T16:10:39Z"
    assert item["language"] == "en"
    assert item["cpv"] == ["92222000"]
    assert item["buyer"]["name"] == "City of Doncaster Council"
    assert item["buyer"]["country"] == "ENG"
    assert item["buyer"]["city"] == "Doncaster"
    assert item["buyer"]["contact"]["email"] == "Verenaisi.Salabula-Nakanacagi@doncaster.gov.uk"
    assert item["suppliers"] == [{"name": "GOUGH & KELLY LTD", "country": None}]
    assert item["value"] == {"amount": 31376, "currency": "GBP"}
    assert item["url"] == (
        "https://www.contractsfinder.service.gov.uk/Notice/65ab1224-7fe3-4c3a-961f-a0359140c1ff"
    )


def test_dvsa_body_worn_video_award():
    item = parse_one("uk-contractsfinder_release_body-worn-video-cameras-dvsa.json")
    assert item["title"] == "Body Worn Video Cameras for DVSA"
    assert item["cpv"] == ["35120000"]
    assert item["buyer"]["name"] == "DVSA - Driver and Vehicle Standards Agency"
    assert (item["buyer"]["city"], item["buyer"]["country"]) == ("Bristol", "England")
    assert item["suppliers"] == [{"name": "Reliance High-Tech Limited", "country": None}]
    assert item["value"] == {"amount": 400000, "currency": "GBP"}
    assert item["notice_type"] == "award"


def test_door_access_and_cctv_control():
    item = parse_one("uk-contractsfinder_release_door-access-and-cctv-control.json")
    assert item["title"] == "Door access and CCTV control"
    assert item["buyer"]["name"] == "LONDON & QUADRANT HOUSING TRUST"
    assert item["suppliers"][0]["name"] == "WCL UK Ltd t/a Everything ICT"
    assert item["value"] == {"amount": 118881.32, "currency": "GBP"}


def test_sell2wales_anpr_camera_support_tender():
    item = parse_one("uk-sell2wales_release_anpr-static-camera-support.json")
    assert item["source"] == "sell2wales"
    assert item["source_id"] == "ocds-kuma6s-147841/ocds-kuma6s-147841-release-147841"
    assert item["notice_type"] == "tender"
    assert item["cpv"] == ["50344100", "35125300", "32260000"]
    assert item["buyer"]["name"] == "Police & Crime Commissioner for South Wales"
    assert (item["buyer"]["city"], item["buyer"]["nuts"]) == ("Bridgend", "UKL17")
    assert item["language"] == "EN"
    assert "ANPR camera estate" in item["description"]
    assert item["value"] is None
    assert item["url"] == (
        "https://www.sell2wales.gov.wales/search/show/search_view.aspx?ID=FEB497505"
    )


def test_release_without_id_gets_one_from_its_date_with_a_warning(caplog):
    item = parse_one("uk-pcs-scotland_release_video-management-system_dundee.json")
    assert item["source"] == "public-contracts-scotland"
    assert item["source_id"] == (
        "ocds-r6ebe6-0000581499/ocds-r6ebe6-0000581499-2019-04-23T00:00:00Z"
    )
    assert "no id" in item["warnings"][0]
    assert "has no id" in caplog.text


def test_release_without_date_is_kept_with_null_date():
    release = json.loads((OCDS / "uk-contractsfinder_release_window-replacement.json").read_text())
    del release["date"]
    (item,) = ocds.parse(json.dumps(release).encode())
    assert item["published"] is None
    assert "release has no date" in item["warnings"]


def test_search_page_streams_100_releases_and_finds_the_next_link():
    package = ocds.Package()
    with open(SNAPSHOT / "contracts-finder" / "search-page-1.json", "rb") as stream:
        items = list(ocds.parse(stream, package=package))
    assert len(items) == 100
    assert len({i["source_id"] for i in items}) == 100
    assert package.next_url.endswith(
        "cursor=cHVibGlzaGVkVG89MjAyMi0xMC0yMFQwOTo0Mzo1MiswMTowMHxsaW1pdD0xMDB8bmV4dEN1cnNvcj00ODA3NjE="
    )
    assert package.license.startswith("http://www.nationalarchives.gov.uk/doc/open-government")
    assert package.publisher == "Cabinet Office"
    titles = {i["title"] for i in items}
    assert "Workstation, Digital camera, Software, Support" in titles


def test_record_packages_yield_compiled_releases():
    items = list(ocds.parse((OCDS / "cdmx_record-package_2records.json").read_bytes()))
    assert len(items) == 2
    (item,) = ocds.parse((OCDS / "py-dncp_record-package_ocds-03ad3f-193399.json").read_bytes())
    assert item["title"] == "Adquisición de Scanner"
    assert item["procedure_id"] == "ocds-03ad3f-193399"
    assert item["value"] == {"amount": 135630400, "currency": "PYG"}


def test_json_lines_of_releases():
    lines = b"\n".join(
        (OCDS / name).read_bytes().replace(b"\n", b"")
        for name in (
            "uk-contractsfinder_release_window-replacement.json",
            "uk-contractsfinder_release_door-access-and-cctv-control.json",
        )
    )
    titles = [i["title"] for i in ocds.parse(lines)]
    assert titles == ["Sumner House - Window Replacement", "Door access and CCTV control"]


def test_format_is_detected_from_content():
    data = (OCDS / "uk-sell2wales_release_anpr-static-camera-support.json").read_bytes()
    assert detect_format(data) == "ocds"
    assert next(parse_document(data))["source"] == "sell2wales"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"releases": [{"ocid": "ocds-x", "id": "1", "tag": ["tender"]', "invalid JSON"),
        (b'{"releases": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "nested deeper"),
        (
            '{"releases": [{"ocid": "ocds-x", "id": "1", "title": "Vid\u00e9o"}]}'.encode(
                "latin-1"
            ),
            "invalid JSON",
        ),
        (b'{"releases": [{"id": "1", "tag": ["tender"]}]}', "no ocid"),
    ],
)
def test_bad_documents_raise_parse_error(data, reason):
    with pytest.raises(ParseError, match=reason):
        list(ocds.parse(io.BytesIO(data)))


def test_unknown_format_is_refused():
    with pytest.raises(ParseError, match="unrecognised format"):
        detect_format(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


PROZORRO_RECORD = "ua-prozorro_record-package_ocds-be6bcu-UA-2018-06-22-001789-a.json"
PROZORRO_RELEASES = "ua-prozorro_release-package_2-contract-releases.json"


def test_prozorro_compiled_record_is_an_award_with_its_dk021_cpv():
    item = parse_one(PROZORRO_RECORD)
    assert item["ocds_tags"] == ["compiled"]
    assert item["notice_type"] == "award"  # awards and contracts present: not "other"
    assert item["cpv"] == ["45450000-6"]  # scheme "ДК021" is CPV 2008 under Ukraine's name
    assert item["buyer"]["country"] == "Україна"
    assert item["buyer"]["city"] == "с. Сенча"  # as written; the build cleans it
    assert item["value"] == {"amount": 68327, "currency": "UAH"}
    assert item["suppliers"] == [{"name": 'ПВКП "Енергосервіс М"', "country": "Україна"}]


def test_contract_only_releases_use_their_contracts():
    first, second = ocds.parse((OCDS / PROZORRO_RELEASES).read_bytes())
    assert first["notice_type"] == second["notice_type"] == "award"
    assert first["title"] == "Капремонт вуличного освітлення  с.Сенча"
    assert first["value"] == {"amount": 68327, "currency": "UAH"}
    assert first["contract_period"] == {
        "start": "2018-06-22T00:00:00+03:00",
        "end": "2018-12-31T00:00:00+02:00",
    }
    # A contract without a title names its subject in its items.
    assert second["title"].startswith("Поточний ямковий ремонт вулиці Маяковського")
    assert second["value"] == {"amount": 107887.2, "currency": "UAH"}
    assert second["cpv"] == ["45000000-7"]
    assert second["suppliers"][0]["name"].startswith("Приватне підприємство")


def _prozorro_record() -> dict:
    return json.loads((OCDS / PROZORRO_RECORD).read_text("utf-8"))["records"][0]


def _prozorro_releases() -> list[dict]:
    return json.loads((OCDS / PROZORRO_RELEASES).read_text("utf-8"))["releases"]


def test_a_bare_record_gives_its_compiled_release():
    record = _prozorro_record()
    (item,) = ocds.parse(json.dumps(record, ensure_ascii=False).encode())
    assert item["source_id"].endswith(
        "/ocds-be6bcu-UA-2018-06-22-001789-a-2018-06-22T14:00:22.827138+03:00"
    )
    assert detect_format(json.dumps(record).encode()) == "ocds"


def test_a_record_with_only_releases_gives_each_embedded_release():
    first = _prozorro_releases()[0]
    record = {
        "ocid": first["ocid"],
        "releases": [
            {"url": "https://example.org/release.json?id=1", "date": first["date"]},
            {k: v for k, v in first.items() if k != "ocid"},  # the record's ocid applies
        ],
    }
    (item,) = ocds.parse(json.dumps(record).encode())
    assert item["source_id"] == f"{first['ocid']}/{first['id']}"
    # The same record inside a record package, ocid last as Prozorro writes it.
    package = {
        "version": "1.1",
        "records": [{"releases": record["releases"], "ocid": first["ocid"]}],
    }
    assert [i["source_id"] for i in ocds.parse(json.dumps(package).encode())] == [item["source_id"]]


def test_arrays_lines_and_embedded_packages_of_packages():
    releases = _prozorro_releases()
    packages = [{"uri": "u1", "releases": releases[:1]}, {"uri": "u2", "releases": releases[1:]}]
    expected = [f"{r['ocid']}/{r['id']}" for r in releases]
    shapes = [
        json.dumps(packages),  # a JSON array of release packages (CDMX's /api/contratos/array)
        "\n".join(json.dumps(p) for p in packages),  # JSON lines of packages
        json.dumps({"packages": packages}),  # packages embedded in packages[]
        json.dumps(releases),  # a JSON array of bare releases
        "\n".join(json.dumps(r) for r in releases),  # JSON lines of releases
        json.dumps({"version": "1.1", "records": [_prozorro_record()]})
        + "\n"
        + json.dumps(releases[1]),
    ]
    for i, text in enumerate(shapes):
        got = [item["source_id"] for item in ocds.parse(text.encode())]
        if i == len(shapes) - 1:
            assert got[1] == expected[1] and got[0].startswith(releases[0]["ocid"])
        else:
            assert got == expected, text[:80]


def test_ocds_1_0_organisations_carry_their_addresses():
    first, _ = ocds.parse((OCDS / "cdmx_record-package_2records.json").read_bytes())
    assert first["notice_type"] == "award"  # tag "compiled", awards present
    assert first["buyer"]["name"] == "SECRETARÍA DE FINANZAS"
    assert (first["buyer"]["country"], first["buyer"]["city"]) == ("MX", "MÉXICO D. F.")
    assert first["suppliers"][0] == {"name": "COMUNIC@RTE & CONSULTING SA DE C", "country": "MX"}


def test_codes_of_other_schemes_are_never_cpv():
    item = parse_one("mx-gacm-airport_release_22_video-vigilancia-perimeter-wall.json")
    assert item["cpv"] == []  # "EDIFICACION NO HABITACIONAL" 6220
    release = _prozorro_releases()[0]
    release["tender"] = {
        "items": [
            {"classification": {"scheme": "UNSPSC", "id": "46171610"}},
            {"classification": {"scheme": "CPC", "id": "84250"}},
            {"classification": {"id": "46171611"}},  # no scheme, not CPV's own form
            {"classification": {"id": "32323500-8"}},  # no scheme, CPV's form with check digit
            {"classification": {"scheme": "ДК 021:2015", "id": "35125300-2"}},
            {"classification": {"scheme": "CPV2008", "id": "32234000-2"}},
        ]
    }
    (item,) = ocds.parse(json.dumps(release).encode())
    assert item["cpv"] == ["32323500-8", "35125300-2", "32234000-2", "45450000-6"]


def test_tags_naming_several_stages_defer_to_the_content():
    item = parse_one("md-mtender_release_ocds-ngfbwp-19720585_camera-medical-consumables.json")
    assert item["ocds_tags"] == ["tender", "award", "contract"]
    assert item["notice_type"] == "tender"  # no award or contract in it yet
    item = parse_one(
        "md-mtender_release_ocds-ngfbwp-18240134_supraveghere-construction-supervision.json"
    )
    assert item["notice_type"] == "award"
    assert item["suppliers"] == [{"name": "S.C. IMOPROIECT S.R.L.", "country": None}]
    assert item["value"] == {"amount": 1040000, "currency": "mdl"}


def test_a_tender_that_repeats_its_title_is_described_by_its_contract():
    item = parse_one("mx-gacm-airport_release_256_cctv-event-streaming.json")
    assert item["title"] == "licitacion publica mediante equipos de cctv en circuito cerrado."
    assert "streaming de 4 eventos" in item["description"]


def test_a_zero_placeholder_value_gives_way_to_the_next_stage():
    record = _prozorro_record()["compiledRelease"]
    record["awards"][0]["value"] = {
        "amount": 0.0,
        "currency": None,
    }  # as CDMX writes pending awards
    (item,) = ocds.parse(json.dumps(record).encode())
    assert item["value"] == {"amount": 68327, "currency": "UAH"}  # the contract's
