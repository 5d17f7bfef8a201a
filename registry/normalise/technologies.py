"""Technology classification: CPV codes and multilingual keywords to taxonomy ids."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from crawlers.reference import load
from registry.normalise.languages import to_iso639_1

# Evidence weights (combined per technology as a noisy OR: 1 - prod(1 - w)).
KEYWORD_WEIGHT = 0.8
WEAK_WEIGHT = 0.4
TITLE_BONUS = 0.1  # keywords in the title region are stronger evidence than in body text
# Callers pass "title. description": the title region is the first sentence, this long at most.
TITLE_CHARS = 160
NEAR_MISS_FACTOR = 0.3  # a technology's negative term, or a guard-services title
GUARD_CPV_FACTOR = 0.6  # guard/security-service CPV without a surveillance CPV
STRONG_CPV = 0.5  # a CPV weight from which weak keywords may add evidence
MIN_CONFIDENCE = 0.2  # below this a technology is not returned
MAX_TEXT = 20_000  # characters read: titles and descriptions, bounded cost per call
NEGATION_WINDOW = 50  # characters before a keyword searched for a negation word

_COMBINING = re.compile(r"[\u0300-\u036f]")
# Hyphens, dashes, underscores and slashes separate words like spaces ("body-worn", "CCTV/ANPR").
_SEPARATORS = "-_/"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015"
_CJK = re.compile(r"[\u3400-\u9fff]")
_CLAUSE_END = re.compile(r"[.;:!?()\[\]]")
_CPV_DIGITS = re.compile(r"\d{8}")


def fold_text(text: str) -> str:
    """Case- and accent-folded text with hyphens and runs of spaces as one space."""
    # A line break folds as a space does: the normaliser's "title\nbody" then finds in the cache
    # the folding of the relevance pre-filter's "title body" (the same text unless redacted).
    return _fold(text.replace("\n", " "))


# The relevance pre-filter, the relevance test and the normaliser fold one notice's text one
# after the other.
@lru_cache(maxsize=8)
def _fold(text: str) -> str:
    separators = _SEPARATORS
    if not text.isascii():  # the Unicode work is the costly part: skip it for ASCII text
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).replace("\u2019", "'")
        separators += _DASHES
    text = text.lower()
    # One replace per separator and split/join: ten times faster than str.translate with a
    # table, which maps character by character.
    for separator in separators:
        if separator in text:
            text = text.replace(separator, " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class _Matcher:
    # Per term of ``_automaton()``: None when this matcher lacks it, else whether it is a prefix
    # (no word boundary after it, "surveil*") rather than a whole word.
    shapes: tuple[bool | None, ...]
    cjk: AhoCorasick | None  # Chinese terms, matched as substrings
    cjk_terms: tuple[str, ...]
    entries: dict[str, tuple[tuple[str, str, float], ...]]  # folded term -> (kind, tech, weight)
    prefixes: frozenset[str]  # word-bounded terms matched as a word's start ("surveil*")


@cache
def _reference() -> dict[str, Any]:
    return load("taxonomy.yaml")  # parsed once, by libyaml where PyYAML has it


def load_taxonomy() -> list[dict]:
    """The technologies of reference/taxonomy.yaml, as rows for the technologies table."""
    return [dict(tech) for tech in _reference()["technologies"]]


@cache
def _cpv_rules() -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    exact: dict[str, list[tuple[str, float]]] = defaultdict(list)
    subtree: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for tech in _reference()["technologies"]:
        for rule in tech.get("cpv") or []:
            exact[rule["code"]].append((tech["id"], rule["weight"]))
            if rule.get("descendants"):
                subtree[rule["code"].rstrip("0")].append((tech["id"], rule["weight"]))
    return dict(exact), dict(subtree)


def _terms_by_language(
    section: dict[str, list[str]] | None, languages: frozenset[str] | None
) -> list[str]:
    if not section:
        return []
    return [
        term
        for lang, terms in section.items()
        if languages is None or lang in languages
        for term in terms
    ]


@cache
def _automaton() -> tuple[AhoCorasick, dict[str, int]]:
    """One automaton over the word-bounded terms of every language, and each term's index.

    Each language's matcher keeps the terms it has: one automaton serves them all.
    """
    terms = sorted(_terms_of(None)[1])
    return AhoCorasick(terms), {term: index for index, term in enumerate(terms)}


@cache
def _terms_of(
    language: str | None,
) -> tuple[dict[str, list[tuple[str, str, float]]], dict[str, bool], list[str]]:
    """(folded term -> its entries, word-bounded term -> is a prefix, Chinese terms) of a
    language plus `any` and English, or of every language."""
    ref = _reference()
    languages = None if language is None else frozenset({language, "any", "en"})
    entries: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    bounded: dict[str, bool] = {}
    cjk: dict[str, None] = {}

    def add(raw: str, kind: str, tech: str, weight: float) -> None:
        term = raw.strip()
        is_prefix = term.endswith("*")
        term = fold_text(term.rstrip("*")).strip()
        if not term:
            return
        entries[term].append((kind, tech, weight))
        if _CJK.search(term):
            cjk[term] = None
        else:
            # A term listed both as prefix and as word is a prefix.
            bounded[term] = bounded.get(term, False) or is_prefix

    for tech in ref["technologies"]:
        for term in _terms_by_language(tech.get("keywords"), languages):
            add(term, "keyword", tech["id"], KEYWORD_WEIGHT)
        for term in _terms_by_language(tech.get("weak"), languages):
            add(term, "weak", tech["id"], WEAK_WEIGHT)
        for term in tech.get("negative") or []:
            add(term, "negative", tech["id"], 0.0)
    for term in _terms_by_language(ref.get("guard_terms"), languages):
        add(term, "guard", "", 0.0)
    return entries, bounded, sorted(cjk)


@cache
def _matcher(language: str | None) -> _Matcher:
    """Matcher over the terms of `language` plus `any` and English, or of every language."""
    entries, bounded, cjk = _terms_of(language)
    _, index = _automaton()
    shapes: list[bool | None] = [None] * len(index)
    for term, is_prefix in bounded.items():
        shapes[index[term]] = is_prefix
    return _Matcher(
        shapes=tuple(shapes),
        # Chinese terms have no word boundaries: the longest at the leftmost start, as a regex
        # alternation longest first would find them.
        cjk=AhoCorasick(cjk, matchkind=MatchKind.LeftmostLongest) if cjk else None,
        cjk_terms=tuple(cjk),
        entries={term: tuple(found) for term, found in entries.items()},
        prefixes=frozenset(term for term, is_prefix in bounded.items() if is_prefix),
    )


def _bounded_matches(matcher: _Matcher, folded: str) -> list[tuple[str, int]]:
    """(term, start) of the matcher's word-bounded terms in `folded`, left to right.

    As a regular expression alternation of the terms, longest first, would find them: at each
    start after no word character, the longest term whose end holds (a word ends before a
    non-word character, a prefix anywhere) wins, and the scan goes on after it.
    """
    shapes = matcher.shapes
    size = len(folded)
    longest: dict[int, int] = {}
    for index, start, end in _term_matches(folded):
        is_prefix = shapes[index]
        if is_prefix is None or end <= longest.get(start, start):
            continue
        if start and _word_char(folded[start - 1]):
            continue
        if not is_prefix and end < size and _word_char(folded[end]):
            continue
        longest[start] = end
    found = []
    resume = 0
    for start in sorted(longest):
        if start >= resume:
            resume = longest[start]
            found.append((folded[start:resume], start))
    return found


# The relevance test reads a notice's text with every language's terms and the normaliser with
# its own language's: one automaton holds them all, so the text is scanned once for both.
@lru_cache(maxsize=8)
def _term_matches(folded: str) -> list[tuple[int, int, int]]:
    """(term index, start, end) of every term of ``_automaton()`` in ``folded``, overlapping."""
    automaton, _ = _automaton()
    return automaton.find_matches_as_indexes(folded, overlapping=True)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


def keyword_terms() -> dict[str, str]:
    """The strong keywords of every language, folded as ``classify`` reads text, each with how
    it is matched: "word" (whole words), "prefix" (from a word's start) or "substring" (Chinese).

    Without one of them, or a CPV rule, a text gets no technology above a near miss: weak
    terms count only beside a keyword or a strong CPV code, negative and guard terms only lower.
    """
    matcher = _matcher(None)
    return {
        term: "substring" if _CJK.search(term) else "prefix" if term in matcher.prefixes else "word"
        for term, found in matcher.entries.items()
        if any(kind == "keyword" for kind, _, _ in found)
    }


@cache
def _negation() -> re.Pattern[str]:
    words = [w for w in _reference()["negation"] if not _CJK.search(w) and "'" not in w]
    cjk = [w for w in _reference()["negation"] if _CJK.search(w)]
    return re.compile(
        rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)|n't(?!\w)"
        + (f"|(?:{'|'.join(map(re.escape, cjk))})" if cjk else "")
    )


def _negated(folded: str, start: int) -> bool:
    window = folded[max(0, start - NEGATION_WINDOW) : start]
    if not _negation().search(window):
        return False
    clause = _CLAUSE_END.split(window)[-1]
    if _CJK.search(folded[start : start + 1]):
        clause = clause[-4:]  # Chinese negation sits right before the word
    return bool(_negation().search(clause))


@cache
def _weak_with() -> dict[str, frozenset[str]]:
    return {t["id"]: frozenset(t.get("weak_with") or ()) for t in _reference()["technologies"]}


@cache
def _guard_cpv() -> frozenset[str]:
    return frozenset(_reference().get("guard_cpv") or [])


@cache
def _language_key(language: str | None) -> str | None:
    """The taxonomy's key for a language as written ("DEU", "de-AT"), None for all languages."""
    if not language:
        return None
    code = to_iso639_1(language)
    known = {lang for t in _reference()["technologies"] for lang in (t.get("keywords") or {})}
    return code if code in known else None


def cpv_weights(cpv: list[str]) -> dict[str, float]:
    """The evidence CPV codes alone give: each technology's strongest rule among the codes."""
    return _cpv_evidence(cpv)[0]


def _cpv_evidence(cpv: list[str]) -> tuple[dict[str, float], bool]:
    """(each technology's strongest CPV rule among the codes, whether one is a guard code)."""
    best_cpv: dict[str, float] = defaultdict(float)
    guard_cpv = False
    for raw in cpv or []:
        rules, guard = _code_rules(str(raw))
        guard_cpv = guard_cpv or guard
        for tech, weight in rules:
            if weight > best_cpv[tech]:
                best_cpv[tech] = weight
    return best_cpv, guard_cpv


@lru_cache(maxsize=65536)  # a few thousand codes recur across every notice
def _code_rules(raw: str) -> tuple[tuple[tuple[str, float], ...], bool]:
    """The rules that read a code as written, and whether it is a guard code."""
    match = _CPV_DIGITS.search(raw)
    if not match:
        return (), False
    code = match.group()
    exact, subtree = _cpv_rules()
    rules = list(exact.get(code, ()))
    for length in range(2, 8):
        rules.extend(subtree.get(code[:length], ()))
    return tuple(rules), code in _guard_cpv()


def classify(cpv: list[str], text: str, language: str | None = None) -> list[tuple[str, float]]:
    """Taxonomy ids with a confidence in 0..1, best first, from CPV codes and "title. body" text.

    With `language` only that language's keywords (plus English and universal terms) are used;
    without it every language's.
    """
    evidence: dict[str, list[float]] = defaultdict(list)
    best_cpv, guard_cpv = _cpv_evidence(cpv)
    for tech, weight in best_cpv.items():
        evidence[tech].append(weight)

    strong: dict[str, dict[str, float]] = defaultdict(dict)
    weak: dict[str, dict[str, float]] = defaultdict(dict)
    near_miss: set[str] = set()
    guard_title = False
    title_hits: set[str] = set()
    if isinstance(text, str) and text:
        folded = fold_text(text[:MAX_TEXT])
        title_end = folded.find(". ", 0, TITLE_CHARS)
        title_end = TITLE_CHARS if title_end < 0 else title_end
        matcher = _matcher(_language_key(language))
        matches = _bounded_matches(matcher, folded)
        if matcher.cjk and not folded.isascii() and _CJK.search(folded):
            terms = matcher.cjk_terms
            matches += [(terms[i], s) for i, s, _ in matcher.cjk.find_matches_as_indexes(folded)]
        occurrences: dict[str, list[int]] = {}
        for term, start in matches:
            occurrences.setdefault(term, []).append(start)
        for term, starts in occurrences.items():
            found = matcher.entries.get(term, ())
            # A term counts from its first occurrence that is not negated.
            kept = next((s for s in starts if not _negated(folded, s)), None)
            for kind, tech, weight in found:
                if kind == "negative":
                    near_miss.add(tech)
                elif kind == "guard":
                    guard_title = guard_title or starts[0] < title_end
                elif kept is not None:
                    if kind == "keyword" and kept < title_end:
                        weight = min(0.95, weight + TITLE_BONUS)
                        title_hits.add(tech)
                    target = strong if kind == "keyword" else weak
                    target[tech][term] = max(weight, target[tech].get(term, 0.0))

    surveillance_cpv = any(w >= STRONG_CPV for w in best_cpv.values())
    supported = set(strong) | {t for t, w in best_cpv.items() if w >= STRONG_CPV}
    for tech in set(strong) | set(weak):
        factor = 1.0
        if tech in near_miss:
            factor *= NEAR_MISS_FACTOR
        if guard_title and tech not in title_hits:
            factor *= NEAR_MISS_FACTOR
        if guard_cpv and not surveillance_cpv:
            factor *= GUARD_CPV_FACTOR
        weights = list(strong[tech].values())
        if tech in supported or not supported.isdisjoint(_weak_with().get(tech, ())):
            weights.extend(weak[tech].values())
        evidence[tech].extend(w * factor for w in weights)

    results = []
    for tech, weights in evidence.items():
        remaining = 1.0
        for weight in weights:
            remaining *= 1.0 - weight
        confidence = round(1.0 - remaining, 3)
        if confidence >= MIN_CONFIDENCE:
            results.append((tech, confidence))
    return sorted(results, key=lambda item: (-item[1], item[0]))
