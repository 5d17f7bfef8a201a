"""Literal terms looked for in text in one Aho-Corasick pass, with the word boundaries that the
patterns using them require: a cheap test of whether a costlier pattern can match at all."""

from __future__ import annotations

from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick


@dataclass(frozen=True)
class Terms:
    automaton: AhoCorasick
    shapes: list[str]  # "word", "prefix" (no boundary after) or "substring" (none at all)


def terms(shapes: dict[str, str]) -> Terms:
    """The terms of ``shapes`` (term → shape), for ``found``."""
    ordered = sorted(term for term in shapes if term)
    return Terms(AhoCorasick(ordered), [shapes[term] for term in ordered])


def found(terms: Terms, text: str) -> bool:
    """Whether one of the terms is in the text, with the boundaries its pattern requires."""
    for index, start, end in terms.automaton.find_matches_as_indexes(text, overlapping=True):
        shape = terms.shapes[index]
        if shape == "substring":
            return True
        if start and word_char(text[start - 1]):
            continue
        if shape == "word" and end < len(text) and word_char(text[end]):
            continue
        return True
    return False


def spaced(text: str) -> str:
    """Runs of spaces and hyphens as one space, as name patterns read them (``[\\s\\-]+``)."""
    return " ".join(text.replace("-", " ").split())


def word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches
