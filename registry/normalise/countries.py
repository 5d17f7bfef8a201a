"""Country names and codes as sources write them to ISO 3166-1 alpha-2."""

from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

from crawlers.reference import reference_path

# "GB-ENG", "US-CA": an ISO 3166-2 subdivision names its country in the prefix.
_SUBDIVISION = re.compile(r"([A-Za-z]{2})-[A-Za-z0-9]{1,3}")
_NON_WORD = re.compile(r"[\W_]+")
# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


def to_alpha2(raw: Any, *, any_language: bool = False, language: str | None = None) -> str | None:
    """ISO 3166-1 alpha-2 for an alpha-2/alpha-3 code, EU code (UK, EL) or English/local name.

    ``any_language`` also reads a country field in any language pycountry translates ("Україна",
    "México"); not for words picked out of prose, where "Guadalupe" is a Texan county. The
    record's ``language`` (ISO 639-1), when known, is tried first: one catalogue, not all.
    """
    if not isinstance(raw, str) or len(raw) > 100:
        return None
    return _lookup(raw, any_language, language if isinstance(language, str) else None)


@lru_cache(maxsize=2048)
def _lookup(raw: str, any_language: bool, language: str | None) -> str | None:
    key = fold(raw)
    if found := _index().get(key):
        return found
    if match := _SUBDIVISION.fullmatch(raw.strip()):
        return _index().get(fold(match.group(1)))
    if not any_language:
        return None
    if language and (found := _translations(language.lower()[:2]).get(key)):
        return found
    return _translations(None).get(key)


def fold(text: str) -> str:
    """Case-, accent- and punctuation-free key: "Éire " meets "eire", "Łódź" meets "Lodz"."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", text).split())


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for key in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            if value := getattr(country, key, None):
                index.setdefault(fold(value), country.alpha_2)
    with reference_path("country-aliases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            # Reviewed aliases win over pycountry names (none conflict today; the table is the
            # place to settle a conflict if one appears).
            index[fold(row["alias"])] = row["alpha2"]
    return index


@lru_cache(maxsize=64)
def _translations(language: str | None) -> dict[str, str]:
    """Country names in pycountry's ISO 3166-1 catalogues of one language (every language for
    None, about half a second, once), folded. A spelling that catalogues give to two countries
    goes to the one most of them mean, or to none on a tie."""
    english = {}
    for country in pycountry.countries:
        for key in ("name", "common_name", "official_name"):
            if value := getattr(country, key, None):
                english[value] = country.alpha_2
    pattern = f"{language}*/LC_MESSAGES/iso3166-1.mo" if language else "*/LC_MESSAGES/iso3166-1.mo"
    found: dict[str, Counter[str]] = {}
    for catalogue in sorted(Path(pycountry.LOCALES_DIR).glob(pattern)):
        with catalogue.open("rb") as handle:
            # The catalogue's own mapping: calling gettext per name costs three times as much.
            messages = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for msgid, msgstr in messages.items():
            if isinstance(msgid, str) and (code := english.get(msgid)) and msgstr:
                found.setdefault(fold(msgstr), Counter())[code] += 1
    index = {}
    for key, codes in found.items():
        ranked = codes.most_common(2)
        if key and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            index[key] = ranked[0][0]
    return index
