"""Vendor resolution: supplier names and free text to the vendor ids of reference/vendors.yaml."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Indel

from crawlers.reference import load
from registry.normalise.script import traditional_forms
from registry.normalise.terms import Terms, found, spaced, terms

# Fuzzy matching compares squashed name cores (no spaces) by Indel distance (insertions and
# deletions; a substitution costs 2). A typo that drops or adds one letter ("Hikvison",
# "Avigilion", "Motorola Solution") is one edit; a different word sharing most letters
# ("Millstone" vs "Milestone", "Avalon" vs "Avigilon", "Pelican" vs "Pelco") is two or more.
# Names shorter than FUZZY_MIN_LENGTH only match exactly: short brands ("Dahua", "Axon") have too
# many one-edit neighbours ("Dahl" is two edits, but "Dahia" would be one).
FUZZY_MIN_LENGTH = 8
FUZZY_MAX_DISTANCE = 1
FUZZY_MAX_DISTANCE_LONG = 2  # for cores of LONG_NAME letters or more
LONG_NAME = 20
MAX_TEXT = 100_000  # characters of free text read: bounded cost per record

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
_TRADING_AS = re.compile(r"\b(?:t/a|trading\s+as|d/b/a|dba)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;\n]\s|\n|[。！？；]")


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]  # name as written, or suffix-stripped when unambiguous -> id
    core: dict[str, str]  # squashed core -> id
    fuzzy_keys: list[str]
    not_names: frozenset[str]
    cjk: re.Pattern[str] | None
    cjk_ids: dict[str, str]
    plain: re.Pattern[str]  # unambiguous aliases, case-insensitive, word-bounded
    plain_ids: dict[str, str]
    ambiguous: re.Pattern[str] | None  # case-sensitive
    ambiguous_ids: dict[str, str]
    ambiguous_cores: dict[str, str]  # squashed core of an ambiguous alias -> id
    context: dict[str, re.Pattern[str]]
    not_text: re.Pattern[str] | None
    brands: str  # regex alternation of brand names for manufacturers_sold
    text_names: dict[str, str]  # every name vendors_in_text looks for, as written -> its shape
    products: re.Pattern[str] | None  # case-sensitive, before a model number
    product_ids: dict[str, str]


@cache
def _reference() -> dict[str, Any]:
    return load("vendors.yaml")  # parsed once, by libyaml where PyYAML has it


def load_vendors() -> list[dict]:
    """The vendors of reference/vendors.yaml, as rows for the registry's vendors table."""
    return [dict(vendor) for vendor in _reference()["vendors"]]


def _tokens(name: str) -> list[str]:
    name = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return [t for t in _NON_WORD.sub(" ", name).split() if t]


@cache
def _suffixes() -> tuple[tuple[str, ...], ...]:
    items = {tuple(_tokens(s)) for s in _reference()["legal_suffixes"]}
    return tuple(sorted(items, key=len, reverse=True))


@cache
def _generic() -> frozenset[str]:
    return frozenset(_reference()["generic_words"])


def _strip_suffixes(tokens: list[str]) -> list[str]:
    changed = True
    while changed and tokens:
        changed = False
        for suffix in _suffixes():
            if len(tokens) > len(suffix) and tuple(tokens[-len(suffix) :]) == suffix:
                tokens = tokens[: -len(suffix)]
                changed = True
                break
        # CJK legal forms are written without a space ("海康威视数字技术股份有限公司").
        if tokens and _CJK.search(tokens[-1]):
            for suffix in _suffixes():
                if len(suffix) == 1 and tokens[-1].endswith(suffix[0]) and tokens[-1] != suffix[0]:
                    tokens = [*tokens[:-1], tokens[-1][: -len(suffix[0])]]
                    changed = True
                    break
    return tokens


def _keys(name: str) -> tuple[str, str]:
    """(suffix-stripped name, squashed core without generic words) of a name."""
    tokens = _strip_suffixes(_tokens(name))
    core = [t for t in tokens if t not in _generic()] or tokens
    return " ".join(tokens), "".join(core)


def _lower(text: str) -> str:
    # str.lower keeps the length (match offsets stay valid) for every character but U+0130.
    return text.replace("\u0130", "I").lower()


def _trie(names: list[str] | dict[str, str], lower: bool = True) -> str:
    """Names as one trie-shaped alternation, much faster than a flat one; spaces match [\\s-]+."""
    root: dict[str, dict] = {}
    for name in names:
        node = root
        name = _lower(name) if lower else name
        for char in re.sub(r"[\s\-]+", " ", name.strip()):
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [
            (r"[\s\-]+" if c == " " else re.escape(c)) + build(child)
            for c, child in sorted(node.items())
            if c
        ]
        if "" in node:
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root)


def _phrase(alias: str) -> str:
    # Spaces and hyphens in an alias match any run of spaces or hyphens in text.
    return r"[\s\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", alias.strip()))


@cache
def _index() -> _Index:
    exact: dict[str, str] = {}
    core: dict[str, str] = {}
    not_names: set[str] = set()
    cjk_ids: dict[str, str] = {}
    plain_ids: dict[str, str] = {}
    ambiguous_ids: dict[str, str] = {}
    context: dict[str, re.Pattern[str]] = {}
    not_text: list[str] = []
    brand_plain: list[str] = []
    text_names: list[str] = []  # as written: "Face++" must keep its "++" in the pattern
    brand_ambiguous: list[str] = []
    product_ids: dict[str, str] = {}
    for vendor in _reference()["vendors"]:
        vid = vendor["id"]
        product_ids.update(dict.fromkeys(vendor.get("products") or [], vid))
        ambiguous = set(vendor.get("ambiguous") or [])
        ambiguous_cores = {_keys(a)[1] for a in ambiguous}
        for name in [*vendor.get("legal_names", []), *vendor.get("aliases", [])]:
            if _CJK.search(name):
                # Written in Simplified script; a Traditional text writes 华为 as 華為.
                cjk_ids.update(dict.fromkeys(traditional_forms(name), vid))
                cjk_ids[name] = vid
            # "Axis AB" is Axis as written, but stripped of "AB" it is any Axis: names whose core
            # is ambiguous only match as written.
            exact.setdefault(" ".join(_tokens(name)), vid)
            full, squashed = _keys(name)
            if squashed not in ambiguous_cores:
                exact.setdefault(full, vid)
                core.setdefault(squashed, vid)
        for name in vendor.get("aliases", []):
            if not _CJK.search(name) and name not in ambiguous:
                plain_ids[" ".join(_tokens(name))] = vid
                brand_plain.append(name)
                text_names.append(name)
        for name in vendor.get("legal_names", []):
            full = _keys(name)[0]
            if not _CJK.search(name) and _keys(full)[1] not in ambiguous_cores:
                plain_ids.setdefault(full, vid)
                text_names.append(full)
        for name in ambiguous:
            ambiguous_ids[name] = vid
            brand_ambiguous.append(name)
        if ambiguous:
            words = "|".join(_phrase(w) for w in vendor.get("context", []))
            context[vid] = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        for name in vendor.get("not_names", []):
            not_names.add(_keys(name)[0])
            not_text.append(name)

    def alternation(names: list[str] | dict[str, str]) -> str:
        return "|".join(_phrase(n) for n in sorted(names, key=len, reverse=True))

    brands = f"(?i:{alternation(brand_plain)})"
    if brand_ambiguous:
        brands = f"(?:{brands}|{alternation(brand_ambiguous)})"
    return _Index(
        exact=exact,
        core=core,
        fuzzy_keys=[k for k in core if len(k) >= FUZZY_MIN_LENGTH and not _CJK.search(k)],
        not_names=frozenset(not_names),
        cjk=re.compile("|".join(map(re.escape, sorted(cjk_ids, key=len, reverse=True))))
        if cjk_ids
        else None,
        cjk_ids=cjk_ids,
        plain=re.compile(rf"(?<!\w){_trie(text_names)}(?!\w)"),  # on _lower(text)
        plain_ids=plain_ids,
        ambiguous=re.compile(rf"(?<!\w){_trie(ambiguous_ids, lower=False)}(?!\w)")
        if ambiguous_ids
        else None,
        ambiguous_ids=ambiguous_ids,
        ambiguous_cores={_keys(a)[1]: vid for a, vid in ambiguous_ids.items()},
        context=context,
        not_text=re.compile(rf"(?<!\w){_trie(not_text)}(?!\w)")  # on _lower(text)
        if not_text
        else None,
        brands=brands,
        text_names={
            **dict.fromkeys([*text_names, *ambiguous_ids], "word"),
            **dict.fromkeys(product_ids, "prefix"),
            **dict.fromkeys(cjk_ids, "substring"),
        },
        # A product line's name is an ordinary word ("Phantom") unless a model number follows
        # it: "Mavic 2", "Matrice210", "Phantom 4 Pro".
        products=re.compile(rf"(?<!\w)(?P<p>{alternation(product_ids)})[\s\-]?\d")
        if product_ids
        else None,
        product_ids=product_ids,
    )


def text_names() -> dict[str, str]:
    """Every name ``vendors_in_text`` finds, as written, and how: as whole words ("word") or,
    Chinese names, anywhere ("substring")."""
    return _index().text_names


def resolve_vendor(name: str, context: str | None = None) -> str | None:
    """Vendor id of a supplier name as written in a notice, or None (resellers stay unknown).

    An ambiguous bare name ("Axon", "WatchGuard") resolves only when `context` (e.g. the notice
    title or a dataset's technology column) carries one of the vendor's context words.
    """
    if not isinstance(name, str) or not name.strip() or len(name) > 300:
        return None
    for part in _TRADING_AS.split(name):
        found, ambiguous = _resolve_name(part)
        if found:
            return found
        if ambiguous and isinstance(context, str) and _index().context[ambiguous].search(context):
            return ambiguous
    return None


@lru_cache(maxsize=65536)  # the same suppliers recur across a million notices
def _resolve_name(name: str) -> tuple[str | None, str | None]:
    """(vendor id, or None; vendor id an ambiguous bare name would take with context)."""
    index = _index()
    full, squashed = _keys(name)
    if not squashed or full in index.not_names:
        return None, None
    written = " ".join(_tokens(name))
    if found := index.exact.get(written) or index.exact.get(full) or index.core.get(squashed):
        return found, None
    if index.cjk and (match := index.cjk.search(name)):
        return index.cjk_ids[match.group()], None
    if ambiguous := index.ambiguous_cores.get(squashed):
        return None, ambiguous
    if len(squashed) >= FUZZY_MIN_LENGTH and not _CJK.search(squashed):
        limit = FUZZY_MAX_DISTANCE_LONG if len(squashed) >= LONG_NAME else FUZZY_MAX_DISTANCE
        best = process.extractOne(
            squashed, index.fuzzy_keys, scorer=Indel.distance, score_cutoff=limit
        )
        if best is not None:
            return index.core[best[0]], None
    return None, None


def _excluded_spans(lowered: str) -> list[tuple[int, int]]:
    index = _index()
    return [m.span() for m in index.not_text.finditer(lowered)] if index.not_text else []


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end], with the match itself blanked out."""
    left = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        left = m.end()
    right_match = _SENTENCE_END.search(text, end, end + 400)
    right = right_match.start() if right_match else min(len(text), end + 400)
    return text[left:start] + " " + text[end:right]


def vendors_in_text(text: str) -> list[str]:
    """Vendor ids mentioned in free text, in order of first mention."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:MAX_TEXT]
    if not may_name_vendor(text):  # most texts name no vendor: one pass says so
        return []
    index = _index()
    lowered = _lower(text)
    excluded = _excluded_spans(lowered)
    found: list[tuple[int, str]] = []
    for match in index.plain.finditer(lowered):
        if not _overlaps(match.span(), excluded):
            found.append((match.start(), index.plain_ids[" ".join(_tokens(match.group()))]))
    if index.ambiguous:
        for match in index.ambiguous.finditer(text):
            if _overlaps(match.span(), excluded):
                continue
            alias = re.sub(r"[\s\-]+", " ", match.group())
            vid = index.ambiguous_ids.get(alias) or index.ambiguous_ids.get(match.group())
            if vid and index.context[vid].search(_sentence(text, *match.span())):
                found.append((match.start(), vid))
    if index.cjk and not text.isascii():
        found.extend((m.start(), index.cjk_ids[m.group()]) for m in index.cjk.finditer(text))
    if index.products:
        products = index.products.finditer(text)
        found.extend((m.start(), index.product_ids[m.group("p")]) for m in products)
    seen: dict[str, None] = {}
    for _, vid in sorted(found):
        seen.setdefault(vid, None)
    return list(seen)


def may_name_vendor(text: str) -> bool:
    """False only for text in which ``vendors_in_text`` finds no vendor, at a fraction of its
    cost: one Aho-Corasick pass for every name it looks for, lower-cased as it reads text, with
    the word boundaries its patterns require. A name without its context still passes."""
    return found(_name_terms(), spaced(_lower(text[:MAX_TEXT])))


@cache
def _name_terms() -> Terms:
    names: dict[str, str] = {}
    for name, shape in text_names().items():
        key = spaced(_lower(name))
        # A name given both ways is looked for the looser way.
        names[key] = "substring" if "substring" in (shape, names.get(key)) else shape
    return terms(names)


@cache
def _sold_patterns() -> tuple[re.Pattern[str], ...]:
    brand = f"(?P<brand>{_index().brands})"
    partner = r"(?i:partners?|resellers?|distributors?|dealers?|installers?|integrators?)"
    grade = (
        r"(?i:authori[sz]ed|certified|official|approved|accredited|registered|premier|gold|"
        r"silver|platinum|elite)"
    )
    goods = (
        r"(?i:cameras?|CCTV|NVRs?|DVRs?|recorders?|equipment|devices?|products?|body[\s\-]worn|"
        r"radios?|systems?|software|licen[cs]es?|VMS|ANPR|LPR|drones?|readers?)"
    )
    verb = (
        r"(?i:suppl(?:y|ied|ying)|install(?:ation|ed|ing|s)?|provision|purchase|procurement|"
        r"deliver(?:y|ed|s)?|replacement|upgrade|sale|sells?|selling|distribut(?:e|es|ing|ion))"
    )
    return (
        re.compile(rf"\b{grade}\s+{brand}\s+(?:(?i:solution|channel|technology)\s+)?{partner}"),
        re.compile(rf"\b{brand}\s+(?:{grade}\s+)?{partner}\b"),
        re.compile(
            rf"\b{verb}\s+(?i:of\s+)?(?:(?i:new|additional|replacement|the|\d[\d,]*)\s+)*"
            rf"{brand}(?:\s+(?i:branded|brand|network|IP|PTZ|HD|dome|bullet|fixed))*\s+{goods}\b"
        ),
        re.compile(
            rf"\b(?i:distributors?|resellers?|dealers?|partners?)\s+(?i:of|for)\s+{brand}\b"
        ),
    )


def manufacturers_sold(text: str) -> list[str]:
    """Vendor ids a reseller's text says it sells or installs ("authorised Hikvision partner")."""
    if not isinstance(text, str) or not text:
        return []
    seen: dict[str, None] = {}
    for pattern in _sold_patterns():
        for match in pattern.finditer(text):
            if vid := _brand_id(match.group("brand")):
                seen.setdefault(vid, None)
    return list(seen)


def _brand_id(brand: str) -> str | None:
    index = _index()
    return index.plain_ids.get(" ".join(_tokens(brand))) or index.ambiguous_ids.get(
        re.sub(r"[\s\-]+", " ", brand)
    )
