import pytest

from registry.normalise.locality import clean_locality


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("с. Сенча", "Сенча"), ("с.Сенча", "Сенча"), ("місто Нововолинськ", "Нововолинськ"),
        ("м. Ізмаїл", "Ізмаїл"), ("смт Гусятин", "Гусятин"), ("г. Москва", "Москва"),
        ("mun. Chișinău", "Chișinău"), ("municipiul Chişinău", "Chişinău"),
        ("01001 Київ", "Київ"), ("  Doncaster ", "Doncaster"), ("LONDON", "LONDON"),
        # Names that only look like a prefix stay whole.
        ("S. Giovanni in Persiceto", "S. Giovanni in Persiceto"), ("Or Yehuda", "Or Yehuda"),
        ("Satu Mare", "Satu Mare"), ("St Albans", "St Albans"),
    ],
)  # fmt: skip
def test_settlement_types_are_cleaned_off(raw, expected):
    assert clean_locality(raw) == expected


@pytest.mark.parametrize("raw", ["8", "37254", "-", "", "COL. TIZAPAN", "Colonia Roma", None, 8])
def test_values_that_name_no_town_are_dropped(raw):
    assert clean_locality(raw) is None
