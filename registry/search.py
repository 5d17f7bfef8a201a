"""What a search box's words mean to SQLite FTS5: every word required, spelling variants alike.

The full-text indexes stem English words (FTS5's porter tokenizer: "plates" finds "plate"); the
reviewed ``spelling-variants.csv`` makes "licence" find "license" and "centre" find "center". Text
is never FTS5 syntax: each word is quoted, as Datasette's own ``escape_fts`` does, and words in
double quotes are searched as a phrase.
"""

from __future__ import annotations

import csv
import itertools
import re
from functools import cache

from crawlers.reference import reference_path

# Porter stemming over Unicode words without diacritics, for every full-text index.
TOKENIZE = "porter unicode61 remove_diacritics 2"
# A phrase's spelling combinations grow as a product: past this many, it keeps its own spelling.
MAX_PHRASE_VARIANTS = 8
_TOKENS = re.compile(r'"([^"]*)"|(\S+)')


@cache
def spelling_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of spellings of one word, lower case, from the reviewed reference file."""
    with reference_path("spelling-variants.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(tuple(row["spellings"].lower().split()) for row in csv.DictReader(handle))


def spellings(word: str) -> list[str]:
    """The word and its other spellings; a listed spelling may carry an ending ("licences")."""
    lower = word.lower()
    found = [word]
    for group in spelling_groups():
        for spelling in group:
            if lower.startswith(spelling):
                ending = lower[len(spelling) :]
                found += [other + ending for other in group if other != spelling]
                break
    return list(dict.fromkeys(found))


def _quoted(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def match_expression(text: str | None) -> str:
    """An FTS5 MATCH expression for search-box text; ``""`` (matches nothing) when it has none."""
    terms = []
    for phrase, word in _TOKENS.findall(text or ""):
        words = tuple((phrase or word).replace('"', " ").split())
        if not words:
            continue
        variants = list(itertools.islice(itertools.product(*map(spellings, words)), 64))
        if len(variants) > MAX_PHRASE_VARIANTS:
            variants = [words]
        alternatives = " OR ".join(_quoted(v) for v in variants)
        terms.append(alternatives if len(variants) == 1 else f"({alternatives})")
    return " AND ".join(terms) or '""'
