import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.parsers import ocds
from registry.normalise.record import TECHNOLOGY_THRESHOLD, normalise_record
from registry.normalise.redact import EMAIL_REPLACEMENT, PHONE_REPLACEMENT
from tests.conftest import FIXTURES

# Shaped as crawlers/parsers/ocds.py yields the real Contracts Finder release
# uk-contractsfinder_release_cctv-camera-relocation_doncaster.json (shared data ocds/).
DONCASTER = {
    "kind": "notice",
    "source": "contracts-finder",
    "source_id": "ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466/"
    "65ab1224-7fe3-4c3a-961f-a0359140c1ff-819893",
    "procedure_id": "ocds-b5fd17-302b3393-b9e3-4b4a-8e27-81c994254466",
    "url": "https://www.contractsfinder.service.gov.uk/Notice/65ab1224-7fe3-4c3a-961f-a0359140c1ff",
    "notice_type": "award",
    "title": "CCTV camera relocation",
    "description": "CCTV. Queries to Verenaisi.Salabula-Nakanacagi@doncaster.gov.uk, "
    "+44 1302736977",
    "language": "en",
    "published": "2025-01-23T16:10:39Z",
    "buyer": {
        "name": "City of Doncaster Council",
        "country": "ENG",
        "city": "Doncaster",
        "region": None,
        "nuts": None,
        "postal_code": "DN1 3BU",
        "contact": {
            "name": "Verenaisi Salabula-Nakanacagi",
            "email": "Verenaisi.Salabula-Nakanacagi@doncaster.gov.uk",
            "phone": "+44 1302736977",
            "url": "https://www.doncaster.gov.uk/",
        },
    },
    "cpv": ["92222000-3", "92222000"],
    "suppliers": [{"name": "GOUGH & KELLY LTD", "country": None}, {"name": "HIKVISION UK LTD"}],
    "value": {"amount": 31376, "currency": "GBP"},
    "technologies": [],
    "vendors": [],
    "ocds_tags": ["award"],
}


def test_contract_of_a_notice():
    record = normalise_record(DONCASTER)
    assert record["kind"] == "notice"
    assert record["source_id"] == DONCASTER["source_id"]
    assert record["notice_type"] == "award"
    assert record["language"] == "en"
    assert (record["published"], record["published_raw"]) == ("2025-01-23", "2025-01-23T16:10:39Z")
    assert record["cpv"] == ["92222000"]
    assert record["value"] == {"amount": 31376.0, "currency": "GBP"}
    assert 30000 < record["value_eur"] < 45000
    assert record["suppliers"] == [
        {"name": "GOUGH & KELLY LTD", "country": None},
        {"name": "HIKVISION UK LTD", "country": None, "vendor": "hikvision"},
    ]
    assert record["vendors"] == ["hikvision"]
    assert record["technologies"] == ["cctv"]  # CPV 92222000, CCTV services
    assert record["technology_confidence"]["cctv"] >= TECHNOLOGY_THRESHOLD
    assert record["ocds_tags"] == ["award"]  # extra keys pass through
    json.dumps(record, allow_nan=False)


def test_buyer_place_and_privacy():
    record = normalise_record(DONCASTER)
    buyer = record["buyer"]
    assert (buyer["name"], buyer["country"], buyer["city"]) == (
        "City of Doncaster Council", "GB", "Doncaster",
    )  # fmt: skip
    assert (buyer["place_id"], round(buyer["latitude"], 2)) == ("geonames/2651123", 53.52)
    assert buyer["place_match"] == "city"
    assert buyer["contact"] == {"url": "https://www.doncaster.gov.uk/"}
    assert record["description"] == f"CCTV. Queries to {EMAIL_REPLACEMENT}, {PHONE_REPLACEMENT}"
    dumped = json.dumps(record)
    assert "Verenaisi" not in dumped and "1302736977" not in dumped


def test_source_hints_steer_dates():
    item = {**DONCASTER, "published": "03/12/2024", "date_order": "MDY", "languages": ["en"]}
    record = normalise_record(item)
    assert record["published"] == "2024-03-12"
    assert "date_order" not in record and "languages" not in record
    item = {**DONCASTER, "published": "12. März 2024", "language": "DEU"}
    assert normalise_record(item)["published"] == "2024-03-12"


def test_city_found_in_the_buyer_name_when_no_city():
    item = {**DONCASTER, "buyer": {"name": "Newport City Council", "country": "UK"}}
    buyer = normalise_record(item)["buyer"]
    assert (buyer["place_id"], buyer["place_match"]) == ("geonames/2641598", "buyer_name")


def test_value_notations_and_unknown_currency():
    assert normalise_record({**DONCASTER, "value": "1 248 710,76 PLN"})["value"] == {
        "amount": 1248710.76, "currency": "PLN",
    }  # fmt: skip
    record = normalise_record({**DONCASTER, "value": {"amount": "12,5", "currency": None}})
    assert (record["value"], record["value_eur"]) == (None, None)


def test_minimal_notice_gets_every_contract_key():
    record = normalise_record({"kind": "notice", "source": "ted", "source_id": "43489-2024"})
    assert record["title"] == "" and record["buyer"]["name"] == ""
    for key in ("procedure_id", "url", "description", "language", "published", "value"):
        assert record[key] is None
    assert (record["cpv"], record["suppliers"], record["technologies"], record["vendors"]) == (
        [], [], [], [],
    )  # fmt: skip
    assert record["notice_type"] == "other"


def test_other_kinds_keep_only_their_keys():
    record = normalise_record(
        {"kind": "announcement", "source": "axis", "source_id": "1", "title": "Axis Communications"}
    )
    assert record["vendors"] == ["axis"]
    assert "buyer" not in record and "cpv" not in record and "value_eur" not in record


def test_hostile_and_wrongly_typed_fields():
    item = {
        "kind": "notice",
        "source": "ted",
        "source_id": 12,
        "title": ["not", "text"],
        "description": {"x": 1},
        "language": 5,
        "published": "x" * 10_000,
        "buyer": "just a string",
        "cpv": "nonsense",
        "suppliers": [None, 5, {"name": None}, "ACME Ltd"],
        "value": {"amount": float("nan"), "currency": "GBP"},
        "notice_type": "weird",
        "lots": [
            {"contact": {"name": "Jane Doe", "email": "jane.doe@x.org"}, "fax": "01234 567890"}
        ],
        "nested": [[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]],
        "blob": b"bytes",
        "ratio": float("inf"),
    }
    record = normalise_record(item)
    assert record["source_id"] == "12"
    assert (record["title"], record["description"], record["language"]) == ("", None, None)
    assert (record["published"], record["cpv"], record["value"]) == (None, [], None)
    assert record["suppliers"] == [{"name": "ACME Ltd", "country": None}]
    assert record["notice_type"] == "other"
    assert record["lots"] == [{"contact": None, "fax": None}]
    assert (record["blob"], record["ratio"]) == (None, None)
    json.dumps(record, allow_nan=False)


@pytest.mark.parametrize(
    "item",
    [{}, {"kind": "notice", "source": "ted"}, {"kind": "", "source": "ted", "source_id": "1"},
     {"kind": "notice", "source": None, "source_id": "1"}, "not a dict", None],
)  # fmt: skip
def test_missing_identity_is_a_clear_value_error(item):
    with pytest.raises(ValueError, match="record|dict"):
        normalise_record(item)


def test_a_failing_classifier_fails_the_record_loudly(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    # A taxonomy bug must not publish notices without technologies while the build succeeds.
    monkeypatch.setattr("registry.normalise.record.classify", broken)
    with pytest.raises(RuntimeError, match="bug"):
        normalise_record(DONCASTER)


_json = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(st.sampled_from(sorted(DONCASTER)), _json, max_size=10))
def test_any_field_values_give_a_record(overrides):
    item = {**DONCASTER, **overrides, "kind": "notice", "source": "ted", "source_id": "1-2024"}
    record = normalise_record(item)
    assert isinstance(record["title"], str) and isinstance(record["cpv"], list)
    assert record["value"] is None or set(record["value"]) == {"amount", "currency"}
    json.dumps(record, allow_nan=False)


def test_with_the_real_vendor_and_technology_modules():
    record = normalise_record(
        {**DONCASTER, "title": "Hikvision CCTV cameras", "cpv": ["32323500-0"]}
    )
    assert "hikvision" in record["vendors"]
    assert "cctv" in record["technologies"]
    assert all(0 <= score <= 1 for score in record["technology_confidence"].values())


def test_prozorro_record_country_cpv_and_a_junk_locality_not_geocoded():
    data = FIXTURES / "ocds" / "ua-prozorro_record-package_ocds-be6bcu-UA-2018-06-22-001789-a.json"
    (item,) = ocds.parse(data.read_bytes())
    record = normalise_record(item)
    assert record["buyer"]["country"] == "UA"
    assert record["cpv"] == ["45450000"]
    assert record["notice_type"] == "award"
    assert record["buyer"]["city"] == "Сенча"  # the village, cleaned of "с. ", and never
    assert record["buyer"]["place_id"] is None  # resolved to some other, bigger town
    item["buyer"]["city"] = "8"
    assert normalise_record(item)["buyer"]["place_id"] is None
