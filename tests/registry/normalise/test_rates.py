"""The prebuilt rate table gives what currency_converter itself gives, for every currency."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from currency_converter import CurrencyConverter

from registry.normalise import rates
from registry.normalise.money import to_eur


@pytest.fixture(scope="module")
def converter() -> CurrencyConverter:
    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


def test_the_table_knows_the_converters_currencies(converter: CurrencyConverter) -> None:
    assert rates.currencies() == converter.currencies


def test_every_rate_is_the_converters(converter: CurrencyConverter) -> None:
    pick = random.Random(17)
    for code in sorted(converter.currencies - {"EUR"}):
        first, last = converter.bounds[code]
        span = (last - first).days
        days = [first, last, first - dt.timedelta(days=400), last + dt.timedelta(days=30)]
        # Weekends and holidays are interpolated by the converter: any day will do.
        days += [first + dt.timedelta(days=pick.randrange(span + 1)) for _ in range(40)]
        history = rates.series(code)
        assert history is not None
        for day in days:
            assert 1000.0 / history.rate(day) == converter.convert(1000.0, code, "EUR", day), (
                code,
                day,
            )


def test_to_eur_reads_the_table(converter: CurrencyConverter) -> None:
    assert to_eur(1000, "GBP", "2023-09-09") == round(
        converter.convert(1000.0, "GBP", "EUR", dt.date(2023, 9, 9)), 2
    )
    latest = converter.bounds["USD"].last_date
    assert to_eur(250, "USD") == round(converter.convert(250.0, "USD", "EUR", latest), 2)
    assert rates.series("XYZ") is None
    assert to_eur(5, "XYZ") is None


def test_a_missing_or_stale_table_is_rebuilt(tmp_path, monkeypatch) -> None:
    path = tmp_path / rates.INDEX_NAME
    path.write_bytes(b"not a database")
    monkeypatch.setattr(rates, "index_path", lambda: path)
    rates._db.cache_clear()
    rates.series.cache_clear()
    rates.currencies.cache_clear()
    try:
        assert "GBP" in rates.currencies()
        assert rates.series("GBP") is not None
    finally:
        rates._db.cache_clear()
        rates.series.cache_clear()
        rates.currencies.cache_clear()
