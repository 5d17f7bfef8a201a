import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.normalise.money import MAX_AMOUNT, Money, parse_money, to_currency, to_eur


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (31376, Money(31376.0, None)),
        (1.5, Money(1.5, None)),
        (Decimal("1248710.76"), Money(1248710.76, None)),
        ("1 248 710,76 PLN", Money(1248710.76, "PLN")),
        ("1\u00a0248\u00a0710,76 zł", Money(1248710.76, "PLN")),
        ("1.248.710,76 €", Money(1248710.76, "EUR")),
        ("1,248,710.76 EUR", Money(1248710.76, "EUR")),
        ("$17.3M", Money(17_300_000.0, "USD")),
        ("€2.5 million", Money(2_500_000.0, "EUR")),
        ("£1,200,000", Money(1_200_000.0, "GBP")),
        ("GBP 45000", Money(45000.0, "GBP")),
        ("US$ 3,000", Money(3000.0, "USD")),
        ("1,5 mln zł", Money(1_500_000.0, "PLN")),
        ("3 Mrd. EUR", Money(3e9, "EUR")),
        ("17.3 bn", Money(17.3e9, None)),
        ("10k EUR", Money(10_000.0, "EUR")),
        ("12 000 000,00 Kč", Money(12_000_000.0, "CZK")),
        ("CHF 1'200'000.50", Money(1_200_000.5, "CHF")),
        ("2,50 EUR", Money(2.5, "EUR")),
        ("1.250", Money(1250.0, None)),  # a lone separator before three digits groups thousands
        ("1.250M", Money(1_250_000.0, None)),  # ... unless a multiplier follows
        ("0,500", Money(0.5, None)),
        ("1.5E7 GBP", Money(15_000_000.0, "GBP")),
        ("REF-500 EUR", Money(500.0, "EUR")),
        ("€500 for all lots", Money(500.0, "EUR")),  # "all" is not the lek
    ],
)
def test_notations(raw, expected):
    assert parse_money(raw) == expected


def test_currency_hint_and_text():
    assert parse_money("500 kr", "SEK") == Money(500.0, "SEK")
    assert parse_money(500, "eur") == Money(500.0, "EUR")
    assert parse_money("500", "€") == Money(500.0, "EUR")
    assert parse_money("GBP 500", "EUR") == Money(500.0, "GBP")  # what the text says wins
    assert parse_money(500, "not a currency") == Money(500.0, None)


@pytest.mark.parametrize(
    "raw",
    ["-500", "€-500", "-€5", "− 7 EUR", -1, float("nan"), float("inf"), "nan", MAX_AMOUNT * 10,
     Decimal("sNaN"), 10**400,
     "1e999", "EUR 1e20", "", "abc", None, True, [1], {"amount": 5}, "9" * 300],
)  # fmt: skip
def test_negative_absurd_or_absent(raw):
    assert parse_money(raw) is None


def test_to_currency():
    assert [to_currency(x) for x in ("eur", "€", "zł", "US$", "C$", "XYZ", None, 5)] == [
        "EUR", "EUR", "PLN", "USD", "CAD", None, None, None,
    ]  # fmt: skip


def test_to_eur_with_bundled_ecb_rates():
    # ECB reference rate of 2023-09-08 (Friday; a Saturday is interpolated): 1 EUR = 0.8571 GBP.
    assert to_eur(100, "GBP", "2023-09-08") == pytest.approx(116.67, abs=0.05)
    assert to_eur(100, "GBP", "2023-09-09") == pytest.approx(116.67, abs=0.05)
    assert to_eur(100, "GBP", dt.date(2023, 9, 8)) == to_eur(100, "GBP", "2023-09-08")
    assert to_eur(100, "EUR", None) == 100.0
    assert to_eur(100, "USD", "1990-01-01") == to_eur(100, "USD", "1999-01-04")  # nearest date
    assert to_eur(100, "PLN", "2040-01-01") == to_eur(100, "PLN", None)
    assert to_eur(100, "PLN", "not a date") == to_eur(100, "PLN", None)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(100, "XYZ"), (100, None), ("100", "GBP"), (True, "GBP"), (float("nan"), "GBP")],
)
def test_to_eur_without_a_rate(amount, currency):
    assert to_eur(amount, currency, "2023-09-08") is None


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(st.text(max_size=60), st.floats(), st.integers(), st.decimals(), st.none()),
    st.one_of(st.none(), st.text(max_size=5)),
)
def test_any_input_gives_money_or_none(raw, currency):
    money = parse_money(raw, currency)
    assert money is None or (
        math.isfinite(money.amount)
        and 0 <= money.amount <= MAX_AMOUNT
        and (money.currency is None or len(money.currency) == 3)
    )


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["EUR", "GBP", "PLN"]))
def test_grouped_integers_round_trip(amount, currency):
    assert parse_money(f"{amount:,} {currency}") == Money(float(amount), currency)
    grouped = f"{amount:,}".replace(",", " ")
    assert parse_money(f"{grouped} {currency}") == Money(float(amount), currency)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2,000万元", Money(20_000_000.0, "CNY")),
        ("4950萬元", Money(49_500_000.0, "CNY")),
        ("437.677 万元", Money(4_376_770.0, "CNY")),  # the Hefei Sharp Eyes budget
        ("2.5亿元", Money(250_000_000.0, "CNY")),
        ("人民币300万元", Money(3_000_000.0, "CNY")),
        ("$94,968,30", Money(94_968.30, "USD")),  # Redmond's grant, a comma for the decimal point
        ("USD 1.2m", Money(1_200_000.0, "USD")),
        ("€3,5 Mio.", Money(3_500_000.0, "EUR")),
        ("$5-million", Money(5_000_000.0, "USD")),
        ("1,234,567", Money(1_234_567.0, None)),
        ("BGN 10,000", Money(10_000.0, "BGN")),
        ("HRK 7.534,50", Money(7534.5, "HRK")),
    ],
)
def test_issue_15_notations(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["30,000-unit", "5-year", "a 14-camera system"])
def test_counts_joined_to_a_word_are_not_money(raw):
    assert parse_money(raw) is None


def test_withdrawn_currencies_convert_at_the_rate_of_their_date():
    for code in ("BGN", "HRK", "LTL", "LVL", "EEK", "SKK", "DEM", "FRF", "ROL"):
        assert to_currency(code) == code
        assert parse_money("1000", code) == Money(1000.0, code)
    # ECB reference rates before the euro, the irrevocable rate from the day it replaced them.
    assert to_eur(1000, "HRK", "2020-01-02") == pytest.approx(134.5, abs=0.5)
    assert to_eur(1000, "HRK", "2023-06-01") == pytest.approx(1000 / 7.5345, abs=0.01)
    assert to_eur(1000, "BGN", "2024-05-01") == pytest.approx(511.3, abs=0.1)
    assert to_eur(1000, "BGN", "2026-03-01") == pytest.approx(1000 / 1.95583, abs=0.01)
    assert to_eur(1000, "DEM", "1995-01-01") == pytest.approx(1000 / 1.95583, abs=0.01)
    assert to_eur(1000, "EEK", None) == pytest.approx(1000 / 15.6466, abs=0.01)
