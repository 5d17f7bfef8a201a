import pytest

from registry.normalise.countries import fold, to_alpha2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GB", "GB"), ("gb", "GB"), ("GBR", "GB"), ("DEU", "DE"), ("UK", "GB"), ("EL", "GR"),
        ("United Kingdom", "GB"), ("  united kingdom ", "GB"), ("England", "GB"), ("ENG", "GB"),
        ("Scotland", "GB"), ("GB-ENG", "GB"), ("Deutschland", "DE"), ("España", "ES"),
        ("espana", "ES"), ("Éire", "IE"), ("Polska", "PL"), ("Ελλάδα", "GR"), ("Czechia", "CZ"),
        ("Czech Republic", "CZ"), ("Russia", "RU"), ("Türkiye", "TR"), ("USA", "US"),
        ("U.S.", "US"), ("United States", "US"), ("Viet Nam", "VN"), ("Korea, Republic of", "KR"),
        ("中国", "CN"), ("Isle of Man", "IM"),
    ],
)  # fmt: skip
def test_codes_and_names(raw, expected):
    assert to_alpha2(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "XX", "Europe", "Rest of the World", "Channel Islands", None, 826, ["GB"], "G" * 500],
)
def test_unknown(raw):
    assert to_alpha2(raw) is None


def test_fold_is_case_accent_and_punctuation_free():
    assert fold("  Łódź-Bałuty ") == "lodz baluty"
    assert fold("U.K.") == "u k"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Україна", "UA"), ("México", "MX"), ("MÉXICO", "MX"), ("Österreich", "AT"),
     ("Hrvatska", "HR"), ("Česko", "CZ"), ("Republica Moldova", "MD"), ("Paraguai", "PY")],
)  # fmt: skip
def test_names_in_the_local_language(raw, expected):
    assert to_alpha2(raw, any_language=True) == expected


def test_translations_are_not_read_in_prose():
    # "Guadalupe" (a Texan county in an article) is Guadeloupe in Spanish.
    assert to_alpha2("Guadalupe") is None
    assert to_alpha2("Guadalupe", any_language=True) == "GP"


def test_the_records_language_is_tried_first():
    assert to_alpha2("Україна", any_language=True, language="uk") == "UA"
    assert to_alpha2("Nederland", any_language=True, language="nl") == "NL"
    assert to_alpha2("Paraguai", any_language=True, language="en") == "PY"  # other languages next
