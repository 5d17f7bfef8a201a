import pytest

from registry.normalise.languages import to_iso639_1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ENG", "en"), ("eng", "en"), ("EN", "en"), ("en", "en"), ("en-GB", "en"), ("en_GB", "en"),
        ("DEU", "de"), ("ger", "de"), ("FRA", "fr"), ("fre", "fr"), ("ELL", "el"), ("GRE", "el"),
        ("zh-Hans-CN", "zh"), ("German", "de"), (" pl ", "pl"),
    ],
)  # fmt: skip
def test_codes(raw, expected):
    assert to_iso639_1(raw) == expected


@pytest.mark.parametrize("raw", ["", "xx", "zzz", "english language", None, 5, ["en"], "e" * 100])
def test_unknown(raw):
    assert to_iso639_1(raw) is None


def test_the_index_is_pycountrys_languages() -> None:
    import pycountry

    from registry.normalise.languages import _index

    expected: dict[str, str] = {}
    for language in pycountry.languages:
        if alpha_2 := getattr(language, "alpha_2", None):
            for key in ("alpha_2", "alpha_3", "bibliographic", "name"):
                if value := getattr(language, key, None):
                    expected.setdefault(value.casefold(), alpha_2)
    assert _index() == expected
