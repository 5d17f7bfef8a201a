import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.normalise.dates import MAX_DATEPARSER_CHARS, parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-09-09", "2023-09-09"),
        ("2023-09-09+01:00", "2023-09-09"),  # the date as printed, not shifted to UTC
        ("2022-10-20T09:43:52+01:00", "2022-10-20"),
        ("2025-01-23T16:10:39Z", "2025-01-23"),
        ("2025-03-31T23:59:59+01:00", "2025-03-31"),
        ("2023-09-09 00:30:00", "2023-09-09"),
        ("20200415", "2020-04-15"),
        (20200415, "2020-04-15"),
        ("2024/03/12", "2024-03-12"),
        ("12.03.2024", "2024-03-12"),  # day first: dateparser's default would say 3 December
        ("12/03/2024", "2024-03-12"),
        ("12-03-2024", "2024-03-12"),
        ("1.3.2024", "2024-03-01"),
        ("12.03.24", "2024-03-12"),
        ("12.03.2024 10:00", "2024-03-12"),
        ("9 September 2023", "2023-09-09"),
        ("September 9, 2023", "2023-09-09"),
        ("Sat, 09 Sep 2023 23:30:00 +0100", "2023-09-09"),
        ("1st March 2024", "2024-03-01"),
        (dt.date(2024, 3, 12), "2024-03-12"),
        (dt.datetime(2024, 3, 12, 23, 59), "2024-03-12"),
    ],
)
def test_fast_path_forms(raw, expected):
    assert parse_date(raw) == expected


def test_date_order_of_the_source():
    assert parse_date("03/12/2024", date_order="MDY") == "2024-03-12"
    assert parse_date("03/12/2024") == "2024-12-03"
    assert parse_date("03/12/2024", date_order="nonsense") == "2024-12-03"


@pytest.mark.parametrize(
    ("raw", "languages", "expected"),
    [
        ("12. März 2024", ["de"], "2024-03-12"),
        ("3 mai 2023", ["fr"], "2023-05-03"),
        ("12 marca 2024", ["pl"], "2024-03-12"),
        ("12 March 2024", ["de"], "2024-03-12"),  # English month names are on the fast path
        ("12. März 2024", ["DEU"], "2024-03-12"),  # language codes as sources write them
        ("12. März 2024", None, "2024-03-12"),
    ],
)
def test_other_languages_through_dateparser(raw, languages, expected):
    assert parse_date(raw, languages=languages) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2023-02-30",
        "31.02.2024",
        "20231301",
        "0001-01-01",
        "31 Feb 2024",
        "März 2024",  # no day: not completed from today
        "yesterday",
        "1700000000",  # not an epoch timestamp
        "",
        "   ",
        "n/a",
        None,
        3.5,
        True,
        ["2024-01-01"],
        "x" * 10_000,
        "12. März 2024 " + "x" * MAX_DATEPARSER_CHARS,
    ],
)
def test_impossible_or_absent_dates(raw):
    assert parse_date(raw) is None


def test_unknown_languages_fall_back():
    assert parse_date("12. März 2024", languages=["xx", 5]) == "2024-03-12"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.from_regex(r"\d{1,4}[./ -]\d{1,2}[./ -]\d{1,4}.{0,10}", fullmatch=True),
        st.integers(),
        st.none(),
        st.floats(),
    ),
    st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3)),
    st.sampled_from([None, "DMY", "MDY", "YMD", "bad"]),
)
def test_any_input_gives_an_iso_date_or_none(raw, languages, date_order):
    result = parse_date(raw, languages=languages, date_order=date_order)
    assert result is None or dt.date.fromisoformat(result).isoformat() == result


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_round_trips_of_fast_path_forms(day):
    assert parse_date(day.isoformat()) == day.isoformat()
    assert parse_date(day.strftime("%Y%m%d")) == day.isoformat()
    assert parse_date(day.strftime("%d.%m.%Y")) == day.isoformat()
    assert parse_date(day.strftime("%m/%d/%Y"), date_order="MDY") == day.isoformat()
