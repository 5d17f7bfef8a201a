"""Counts an article states ("41 cameras", "vier Kameras", "rund tausend", "两千", "2萬3608具"),
each with what it counts, whether it is approximate and whether it is installed, planned or needed.

Reference lists: quantity-nouns.csv, number-words.csv, number-joiners.csv, cjk-counters.csv,
approximation-words.csv, quantity-status-words.csv (all in registry/reference/).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from itertools import takewhile
from typing import Any

from crawlers.reference import reference_path
from registry.normalise.countries import fold

MODIFIER_WORDS = 9  # "41 Flock Safety Falcon automated license plate recognition (ALPR) cameras"
OTHER_MODIFIER_WORDS = 4  # "una veintena de cámaras", "zeventien extra slimme camera’s"
ATTRIBUTE_WORDS = 3  # words between a count's noun and what describes it ("caméras fixes déjà")
STATUS_WINDOW = 120  # characters around a count searched for a planned or needed cue
CJK_MODIFIER = 14  # characters between a Chinese counter and its noun ("个高清治安监控摄像头")
_COMPOUNDING = ("de", "nl")  # languages that write a noun and its modifier as one word
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
RANGE_REACH = 30  # characters before a count searched for the lower end of a range
# "or" in our languages: "four or five cameras" is a range, not a count of five.
_RANGE_WORDS = ("or", "oder", "ou", "o", "of", "lub", "albo", "czy")
SCALE = 1000  # a number word this large multiplies the digits before it ("58 mil" is 58,000)
_SCALED = re.compile(r"(?P<n>\d+(?:[.,]\d{1,2})?)\s?(?P<scale>[^\W\d_]+)")
# Mexican and Central American papers write the thousands as a word and the rest in digits:
# "mil 500 cámaras" (1,500), "2 mil 300" (2,300).
_THOUSANDS_AND_DIGITS = re.compile(r"(?:(?P<n>\d{1,3})\s?)?(?P<scale>[^\W\d_]+)\s(?P<rest>\d{1,3})")
# Groups of three digits after a separator are thousands in every language we read: a count of
# things has no decimals ("1,200", "1.130", "2 000").
_DIGITS = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?!\d)|\d+"
_CJK_DIGIT = "零〇一二两兩三四五六七八九十百千万萬亿億"
_CJK_VALUES = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
# A decimal in numerals, its point 點 (点): "二點四四億" is 2.44 hundred million.
_CJK_DECIMAL = re.compile(
    r"([零〇一二两兩三四五六七八九十百千]+)[點点]([零〇一二两兩三四五六七八九]+)"
)
_CJK_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CJK_APPROXIMATE_AFTER = ("余", "餘", "多", "以上")
_CJK_APPROXIMATE_BEFORE = ("约", "約", "近")
_BRACKETS = re.compile(r"\([^()]*\)|（[^（）]*）")
_SENTENCE_END = re.compile(r"[.!?;。！？；\n]")
_DIGIT = re.compile(r"\d")
_BULLET = re.compile(r"\s*(?:[–—\-•·*▪►]|\d{1,2}[.)])\s")
LIST_GAP = 80  # characters between two counts of one list ("5 câmaras fixas, 25 câmaras ...")
_LIST_MARK = re.compile(
    r"[,:、，：]|(?<!\w)(?:and|und|et|e|y|i|oraz|en|sendo|siendo|including|inklusive)(?!\w)|[和及与]"
)


@dataclass(frozen=True)
class Candidate:
    """A count the rules find: its value, noun and status, and where it is mentioned."""

    count: int
    of: str
    status: str
    cued: bool  # a cue gave the status, rather than the default (installed)
    approximate: bool
    spans: tuple[tuple[int, int], ...]


def extract_quantities(text: str, language: str | None = None) -> list[dict[str, Any]]:
    """[{count, of, status, approximate}] in order of mention, one per (count, of)."""
    return [
        {"count": c.count, "of": c.of, "status": c.status, "approximate": c.approximate}
        for c in quantity_candidates(text, language)
    ]


def quantity_candidates(text: str, language: str | None = None) -> list[Candidate]:
    """The counts of extract_quantities with every mention's span and whether a cue gave the
    status (benchmarks/quantity_loso.py reads them)."""
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    cued: set[tuple[int, str]] = set()
    found = sorted([*_latin(text, language), *(_chinese(text) if _cjk(text) else [])])
    found = sorted([*found, *_elliptical(text, language, found)])
    spans = [(start, end) for start, end, *_ in found]
    previous: tuple[int, str | None] = (-1, None)
    for start, end, count, of, approximate in found:
        cue = _cue_status(text, start, end, language, spans)
        # A count listed after another in its sentence shares its status: "serão instaladas 44
        # câmaras: 5 fixas, 25 multisensor e 14 rotativas", "将新建2000处和30处".
        if cue is None and previous[1] and _listed(text[previous[0] : start]):
            cue = previous[1]
        # So does the count of places where the one before it goes: "76 cámaras de seguridad en
        # 19 puntos", "26 caméras vont trouver place sur 22 lieux".
        if cue is None and previous[1] and of == "sites" and _near(text[previous[0] : start]):
            cue = previous[1]
        # A count in a bulleted list shares the cue of the line that opens it ("prevede:").
        if cue is None and (opening := _list_opening(text, start)) is not None:
            cue = _cue_status(text, opening, opening, language, spans)
        previous = (end, cue)
        key = (count, of)
        if not count:
            continue
        if key not in seen:
            seen[key] = {
                "count": count,
                "of": of,
                "status": cue or "installed",
                "approximate": approximate or is_approximate(text, start, end, language),
                "spans": [(start, end)],
            }
            if cue:
                cued.add(key)
            continue
        seen[key]["spans"].append((start, end))
        # A headline states the count, the story its status ("145 caméras opérationnelles" …
        # "ce sont 145 caméras qui seront opérationnelles"): a later cue fills an uncued count.
        if cue and key not in cued:
            seen[key]["status"] = cue
            cued.add(key)
    return [
        Candidate(
            count=entry["count"],
            of=entry["of"],
            status=entry["status"],
            cued=key in cued,
            approximate=entry["approximate"],
            spans=tuple(entry["spans"]),
        )
        for key, entry in seen.items()
    ]


def _list_opening(text: str, start: int) -> int | None:
    """Where the line that opens the bulleted list holding text[start] ends with its colon."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _BULLET.match(text, line_start):
        return None
    while line_start > 0:
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        line = text[previous_start : line_start - 1].rstrip()
        if not _BULLET.match(line):
            return previous_start + len(line) - 1 if line.endswith(":") else None
        line_start = previous_start
    return None


def _near(gap: str) -> bool:
    """The text between two counts keeps them in one clause: short, no sentence end."""
    return len(gap) <= LIST_GAP and not _SENTENCE_END.search(gap)


def _listed(gap: str) -> bool:
    """The text between two counts lists them: a comma, colon or "and", no sentence end."""
    return _near(gap) and bool(_LIST_MARK.search(gap))


def status_of(
    text: str,
    start: int,
    end: int,
    language: str | None = None,
    counts: list[tuple[int, int]] | None = None,
) -> str:
    """The status the clause around text[start:end] gives: its cue nearest to the count wins
    ("needs", "will install", "ha instalado"); installed when it has none."""
    return _cue_status(text, start, end, language, counts) or "installed"


def _cue_status(
    text: str,
    start: int,
    end: int,
    language: str | None = None,
    counts: list[tuple[int, int]] | None = None,
) -> str | None:
    # The clause of this count only: up to a sentence end or another count (``counts``, or any
    # number without them) on either side. A bracket is an aside ("14 caméras (12 simples et 2
    # à 4 directions) sera implanté").
    key = _language_key(language)
    boundary = _status_pattern("boundary", key)
    begin, finish = max(0, start - STATUS_WINDOW), min(len(text), end + STATUS_WINDOW)
    ends = [m.start() for m in _SENTENCE_END.finditer(text, begin, finish)]
    if counts is None:
        ends.extend(m.start() for m in _DIGIT.finditer(text, begin, finish))
    else:
        ends.extend(edge for span in counts if span[0] != start for edge in span)
    lo = max([e + 1 for e in ends if e < start] + [begin])
    hi = min([e for e in ends if e >= end] + [finish])
    left_raw = _BRACKETS.sub(" ", text[lo:start]).casefold()
    right_raw = _BRACKETS.sub(" ", text[end:hi]).casefold()
    # Conjunctions are matched with their accents: Portuguese "é" (is) is no "e" (and).
    cut = list(boundary.finditer(left_raw))
    left_raw = left_raw[cut[-1].end() :] if cut else left_raw
    stop = boundary.search(right_raw)
    right_raw = right_raw[: stop.start()] if stop else right_raw
    left, right = f" {fold(left_raw)} ", f" {fold(right_raw)} "
    # Words that describe the counted things themselves ("aux 450 caméras fixes déjà installées",
    # "the 30 existing cameras") state their status whatever the clause's verb says.
    if (attribute := _status_pattern("attribute", key).search(right)) and not re.search(
        r"[^\w\s'’\-]", right[: attribute.start()]
    ):
        if len(right[: attribute.start()].split()) <= ATTRIBUTE_WORDS:
            return "installed"
    best: str | None = None
    distance = len(left) + len(right)
    for status in ("needed", "planned", "installed"):
        for pattern, before, after in (
            (_status_pattern(status, key), left, right),
            (_suffix_pattern(status, key), f" {left_raw} ", f" {right_raw} "),
        ):
            for cue in pattern.finditer(before):
                if len(before) - cue.end() < distance:
                    best, distance = status, len(before) - cue.end()
            if (later := pattern.search(after)) and later.start() < distance:
                best, distance = status, later.start()
    return best


def is_approximate(text: str, start: int, end: int, language: str | None) -> bool:
    """The number at text[start:end] is given as an approximation ("about 40", "presque 90 000")."""
    raw = text[max(0, start - 24) : start]
    after = text[end : end + 3]
    return (
        bool(_approximation_pattern(_language_key(language)).search(f" {fold(raw)} "))
        or raw.rstrip().endswith(_CJK_APPROXIMATE_BEFORE)
        or any(marker in after for marker in _CJK_APPROXIMATE_AFTER)
    )


def _modifiers(match: re.Match[str]) -> int:
    between = match.string[match.end("n") : match.start("noun")]
    return len(re.findall(r"[^\W\d_][\w'’]*", between))


def _latin(text: str, language: str | None) -> list[tuple[int, int, int, str, bool]]:
    found = []
    for match in _quantity_pattern(language in _COMPOUNDING).finditer(text):
        # Of two numbers a joiner does not join ("entre veinte y treinta cámaras"), the one next
        # to the noun is the count.
        offset, count = trailing_count(match.group("n"))
        start, raw = match.start() + offset, match.group("n")[offset:]
        if _YEAR_LIKE.fullmatch(raw):
            continue
        noun = match.group("noun")
        # "ein", "un", "een", "one" are articles as often as numbers: one counts as a digit only.
        if count == 1 and not raw.isdigit():
            continue
        # The upper end of a range ("4-5 kamer", "cuatro o cinco cámaras") is no count.
        if _range_head().search(text, max(0, start - RANGE_REACH), start):
            continue
        # Romance, Dutch, Polish and German put few words between a number and its noun; the
        # long English runs ("41 Flock Safety Falcon ... cameras") would swallow other nouns
        # there ("Media docena de edificios y espacios ... con cámaras").
        if language not in (None, "en") and _modifiers(match) > OTHER_MODIFIER_WORDS:
            continue
        if count:
            rounded = any(w in _round_words() for w in fold(raw).split())
            found.append((start, match.end(), count, _nouns()[fold(noun)], rounded))
    return found


def _elliptical(
    text: str, language: str | None, found: list[tuple[int, int, int, str, bool]]
) -> list[tuple[int, int, int, str, bool]]:
    """Bare numbers that add to the count before them in their sentence and count what it
    counted: "45 kamer, kolejne 20 ...", "altre 20". A share of it ("8 de ellas", "dont 12")
    is a breakdown of that count, not one of its own."""
    key = _language_key(language)
    subset = _ellipsis_pattern(key, "subset")
    more: list[tuple[int, int, int, str, bool]] = []
    additions = [*_ellipsis_pattern(key, "before").finditer(text)]
    additions.extend(_ellipsis_pattern(key, "after").finditer(text))
    for match in additions:
        offset, count = trailing_count(match.group("n"))
        start, end = match.start("n") + offset, match.end("n")
        raw = match.group("n")[offset:]
        if _YEAR_LIKE.fullmatch(raw) or any(b <= start < e for b, e, *_ in found):
            continue
        before = [
            f
            for f in found
            if f[1] <= start
            and not _SENTENCE_END.search(text, f[1], start)
            and not subset.search(text, f[1], start)
        ]
        # The nearest count of cameras, when there is one, is what more of them adds to.
        cameras = [f for f in before if f[3] == "cameras"]
        if before and count and (count > 1 or raw.isdigit()):
            more.append((start, end, count, max(cameras or before)[3], False))
    return more


def _chinese(text: str) -> list[tuple[int, int, int, str, bool]]:
    found: list[tuple[int, int, int, str, bool]] = []
    # A number with its noun after it ("203个治安监控摄像头") is read before one with the noun
    # before it, which would take the previous item's noun ("3个交通卡口和203个").
    for pattern in _chinese_patterns():
        for match in pattern.finditer(text):
            if any(start == match.start("n") for start, *_ in found):
                continue
            count = chinese_number(match.group("n"))
            if count and not (
                _YEAR_LIKE.fullmatch(match.group("n")) and "年" in text[match.end() :][:1]
            ):
                of = _nouns()[fold(match.group("noun"))]
                found.append((match.start("n"), match.end("n"), count, of, False))
    # A count with its counter and no noun counts what the count before it in its sentence
    # counted ("从原有的230个天眼升级到410个").
    for match in _chinese_bare_pattern().finditer(text):
        start = match.start("n")
        if any(begin <= start < end for begin, end, *_ in found):
            continue
        before = [f for f in found if f[1] <= start and not _SENTENCE_END.search(text, f[1], start)]
        count = chinese_number(match.group("n"))
        # A counter of places counts places ("社區6處、41具"), not what came before.
        if count and (own := _counter_kinds().get(match.group("counter"))):
            found.append((start, match.end("n"), count, own, False))
            continue
        # An item of an enumeration names its own thing ("前端監控點572個、報警點57個").
        if before and _enumerated_item(text[max(before)[1] : start]):
            continue
        if before and count:
            of = max(before)[3]
            found.append((start, match.end("n"), count, of, False))
    return found


def _enumerated_item(gap: str) -> bool:
    """The text before a bare Chinese count is an item of an enumeration with its own name."""
    *_, item = gap.split("、")
    return "、" in gap and bool(item.strip())


def parse_count(raw: str) -> int | None:
    """A count written in digits, number words ("two thousand", "vier") or Chinese numerals."""
    numbers = _number_words()
    words = [
        part
        for word in fold(raw).replace("-", " ").split()
        for part in (_compound_parts(word, numbers) or [word])
    ]
    joiners = {*_joiners("inside"), *_joiners("apart")}
    if words and all(w in numbers or w in joiners for w in words) and _joined(words, numbers):
        return _composed(words, numbers) or None
    if _cjk(raw):
        return chinese_number(raw)
    split = _THOUSANDS_AND_DIGITS.fullmatch(raw.strip())
    if split and numbers.get(fold(split.group("scale"))) == SCALE:
        return int(split.group("n") or 1) * SCALE + int(split.group("rest"))
    scaled = _SCALED.fullmatch(raw.strip())
    if scaled and (scale := numbers.get(fold(scaled.group("scale")))):
        return round(float(scaled.group("n").replace(",", ".")) * scale) or None
    digits = re.sub(r"[,.\u00a0\u202f ]", "", raw)
    return int(digits) if digits.isdigit() else None


def trailing_count(raw: str) -> tuple[int, int | None]:
    """Where the count that ends ``raw`` begins, and the count: "treinta y cinco" is one number,
    "veinte y treinta" two (a range, whose upper end is next to what it counts)."""
    for start in (0, *(m.end() for m in re.finditer(r"[ \-]+", raw))):
        if (count := parse_count(raw[start:])) is not None:
            return start, count
    return 0, None


def _joined(words: list[str], numbers: dict[str, int]) -> bool:
    """Each joiner written apart joins a number word to a smaller number after it: "treinta y
    cinco", "cento e vinte", not "dos y tres" nor "fifty and five hundred"."""
    for at, word in enumerate(words):
        if word not in _joiners("apart"):
            continue
        before = numbers.get(words[at - 1], 0) if at else 0
        # What the joiner adds ends at a thousand, which multiplies it ("vinte e dois mil").
        after = list(takewhile(lambda w: 0 < numbers.get(w, 0) < SCALE, words[at + 1 :]))
        if not (before and after) or _order(_composed(after, numbers)) >= _order(before):
            return False
    return True


def _order(value: int) -> int:
    """A number's power of ten, the teens counted with the units ("soixante et onze")."""
    return len(str(value)) - 1 if value >= 20 else 0


def _composed(words: list[str], numbers: dict[str, int]) -> int:
    """The number that number words and their joiners make ("deux mille trois cents": 2300)."""
    total = group = 0
    previous = 0  # the value of the word before, none after a joiner ("vierentwintig" is 24)
    for word in words:
        value = numbers.get(word, 0)
        # A thousand multiplies the number before it, not the one after ("tremilacinquecento").
        if value >= SCALE:
            total, group = total + (group or 1) * value, 0
        # A hundred or a round number counts that many of it: "trecento", "zwei Dutzend" (24),
        # "una veintena" (20).
        elif value == 100 or word in _round_words():
            group = (group or 1) * value
        # French counts eighty in twenties: "quatre-vingts", "cent quatre-vingt-dix" (190).
        elif value == 20 and 0 < previous < 10:
            group += previous * (value - 1)
        else:
            group += value
        previous = value
    return total + group


def _compound_parts(word: str, numbers: dict[str, int]) -> list[str] | None:
    """The number words and joiners a compound is made of ("tweehonderd": twee, honderd;
    "vierentwintig": vier, en, twintig), or None when it is not one."""
    if word in numbers:
        return [word]
    for size in range(len(word) - 1, 1, -1):
        head, rest = word[:size], word[size:]
        if head not in numbers:
            continue
        for joiner in ("", *_joiners("inside")):
            if rest.startswith(joiner) and (tail := _compound_parts(rest[len(joiner) :], numbers)):
                return [head, joiner, *tail] if joiner else [head, *tail]
    return None


def chinese_number(raw: str) -> int | None:
    """Digits, Chinese numerals or a mix with 万/亿 ("两千", "2万3608", "1.2万", "一千多",
    "二點四四億")."""
    raw = _CJK_DECIMAL.sub(_decimal_in_digits, raw.strip().rstrip("多余餘"))
    total, section, digit = 0.0, 0.0, 0.0
    number = ""
    for char in raw:
        if char.isdigit() or char == "." or (char in ",，" and number):
            number += "" if char in ",，" else char
            continue
        if number:
            digit, number = float(number) if number != "." else 0, ""
        if char in _CJK_VALUES:
            digit = _CJK_VALUES[char]
        elif char in _CJK_UNITS:
            section += (digit or 1) * _CJK_UNITS[char]
            digit = 0
        elif char in _CJK_BIG:
            total += (section + digit) * _CJK_BIG[char]
            section, digit = 0, 0
        else:
            return None
    if number:
        digit = float(number)
    value = int(total + section + digit)
    return value or None


def _decimal_in_digits(match: re.Match[str]) -> str:
    whole = chinese_number(match.group(1)) or 0
    return f"{whole}.{''.join(str(_CJK_VALUES[c]) for c in match.group(2))}"


@cache
def _range_head() -> re.Pattern[str]:
    """A number and a range's dash or "or" just before a count: "4-", "cuatro o ", "3 ou "."""
    words = _number_words_pattern()
    alternatives = "|".join(_RANGE_WORDS)
    return re.compile(
        rf"(?<![\w.,])(?:\d+|{words})(?:[ \t]?[-–][ \t]?|[ \t]+(?:{alternatives})[ \t]+)$",
        re.IGNORECASE,
    )


@cache
def _scale_words_pattern(thousand_only: bool = False) -> str:
    """The number words that multiply a count written in digits before them ("58 mil"); with
    ``thousand_only``, the words for a thousand alone ("mil 500")."""
    scales = {
        w
        for r in _rows("number-words.csv")
        if (int(r["value"]) == SCALE if thousand_only else int(r["value"]) >= SCALE)
        for w in (r["word"], fold(r["word"]))
    }
    return "|".join(re.escape(w) for w in sorted(scales, key=len, reverse=True))


@cache
def _number_words_pattern() -> str:
    # Number words as written and folded: "dwóch" in the text, "dwoch" in a folded one.
    written = {w for r in _rows("number-words.csv") for w in (r["word"], fold(r["word"]))}
    return "|".join(re.escape(w) for w in sorted(written, key=len, reverse=True))


def number_words_pattern() -> str:
    """A count in number words only, as a regex ("vier", "quatro", "twee honderd")."""
    words = _number_words_pattern()
    return rf"(?:{words})(?:{_joint()}(?:{words}))*"


def _joint() -> str:
    """What may stand between two number words of one number: a joiner written apart ("treinta
    y cinco"), a space or hyphen, or nothing with a joiner or without one (Dutch and German write
    "tweehonderd", "vierentwintig"); parse_count reads which joiners join."""
    apart = "|".join(re.escape(j) for j in _joiners("apart"))
    inside = "|".join(re.escape(j) for j in _joiners("inside"))
    return rf"(?:[ \-]+(?:{apart})[ \-]+|[ \-]+|{inside}|)"


def _number_pattern() -> str:
    """A count in digits, number words or digits and a scale word ("1.130", "two thousand",
    "dwóch", "58 mil", "2,5 mila")."""
    scaled = rf"\d+(?:[.,]\d{{1,2}})?[ \t]?(?:{_scale_words_pattern()})(?!\w)"
    thousand = _scale_words_pattern(thousand_only=True)
    thousands = rf"(?:\d{{1,3}}[ \t]?)?(?:{thousand})[ \t]\d{{1,3}}(?![\d.,]?\d)"
    return rf"(?:{thousands}|{scaled}|{_DIGITS}|{number_words_pattern()})"


@cache
def _quantity_pattern(compounds: bool = False) -> re.Pattern[str]:
    number = _number_pattern()
    nouns = sorted({n for n in _noun_rows() if not _cjk(n)}, key=len, reverse=True)
    latin = "|".join(re.escape(n) for n in nouns)
    # Between number and noun: adjectives, brand and product words, an acronym in brackets, an
    # opening quote; no sentence end and no other number.
    # "14 municipios contarán con cámaras", "10 postes com câmeras": what has the cameras is
    # counted, not the cameras.
    with_words = r"(?:with|mit|avec|con|com|met)(?!\w)"
    modifier = (
        rf"(?:(?!{number_words_pattern()}(?!\w)|{with_words})[^\W\d_][\w'’\-]*"
        rf"|\([A-Z]{{2,6}}\)|\(\d+\)|[«»„“”\"])"
    )
    connector = r"(?:[ \t]+(?:of|de|d'|di|del|des|van|z))?"
    # Dutch and German glue a noun's modifier to it ("350 politiecamera's"); the head of a
    # compound is its last part ("vier Kamera-Standorte" counts sites).
    glued = r"(?:[^\W\d_]{2,}-?)?" if compounds else ""
    return re.compile(
        # Not an amount: "$30,000 in digital police security cameras" counts dollars.
        rf"(?<![\w.,$€£¥₹])(?<![$€£¥₹] )(?P<n>{number}){connector}"
        rf"(?:[ \t]+{modifier}){{0,{MODIFIER_WORDS}}}?"
        rf"(?:[ \t]+[«„“\"]?{glued}|(?<=\w)-)(?P<noun>{latin})(?!\w|-\w)",
        re.IGNORECASE,
    )


@cache
def _chinese_patterns() -> tuple[re.Pattern[str], ...]:
    nouns = "|".join(re.escape(n) for n in sorted(_noun_rows(), key=len, reverse=True) if _cjk(n))
    counters = "".join(_counters())
    number = rf"(?:\d[\d,.]*(?:[万萬亿億]\d*)?|[{_CJK_DIGIT}]+)[多余餘]?"
    gap = rf"[^，。；、,;：:\d{counters}]"
    # "视频监控摄像机1825个" counts cameras; "视频监控系统313套", "7個鄉鎮監控中心" count systems
    # and centres.
    not_system = r"(?![^，。；、,;\d]{0,3}?(?:系统|系統|平台|平臺|中心))"
    return (
        re.compile(
            rf"(?P<n>{number})\s*[{counters}](?:以上)?{gap}{{0,{CJK_MODIFIER}}}?[“”\"]?"
            rf"(?P<noun>{nouns}){not_system}"
        ),
        re.compile(
            rf"(?P<noun>{nouns}){not_system}[^，。；、,;\d]{{0,3}}?(?P<n>{number})\s*[{counters}]"
        ),
    )


@cache
def _ellipsis_pattern(language: str | None, position: str) -> re.Pattern[str]:
    """The words of ``position`` (before: "kolejne 20"; subset: "de ellas") with, before a
    number, the number."""
    rows = _rows("quantity-ellipsis-words.csv")
    terms = sorted(
        (
            r["word"]
            for r in rows
            if r["position"] == position and language in (None, r["language"])
        ),
        key=len,
        reverse=True,
    )
    cues = "|".join(re.escape(t) for t in terms) or "(?!)"
    if position == "subset":
        return re.compile(rf"(?<!\w)(?:{cues})(?!\w)", re.IGNORECASE)
    number = _number_pattern()
    if position == "after":  # "5,000 more"
        return re.compile(rf"(?<![\w.,$€£])(?P<n>{number})[ \t]+(?:{cues})(?!\w)", re.IGNORECASE)
    # Not an amount or a share: "weitere 20 %", "altri 20 mila euro".
    tail = r"(?![\d.,]|\s*(?:%|€|\$|£|euro|eur|zł|mila|mil|tys|million))"
    return re.compile(rf"(?<!\w)(?:{cues})[ \t]+(?P<n>{number}){tail}(?!\w)", re.IGNORECASE)


@cache
def _chinese_bare_pattern() -> re.Pattern[str]:
    counters = "".join(_counters())
    number = rf"(?:\d[\d,.]*(?:[万萬亿億]\d*)?|[{_CJK_DIGIT}]+)[多余餘]?"
    return re.compile(
        rf"(?<![\d.,{_CJK_DIGIT}])(?P<n>{number})\s*(?P<counter>[{counters}])(?:以上)?"
        r"(?=[，。；、,;！!？?）)]|$)"
    )


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _language_key(language: str | None) -> str | None:
    return language if language in _status_languages() else None


def _rows(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _noun_rows() -> dict[str, str]:
    return {row["noun"]: row["of"] for row in _rows("quantity-nouns.csv")}


@cache
def _nouns() -> dict[str, str]:
    return {fold(noun): of for noun, of in _noun_rows().items()}


@cache
def _number_words() -> dict[str, int]:
    return {fold(row["word"]): int(row["value"]) for row in _rows("number-words.csv")}


@cache
def _joiners(written: str) -> tuple[str, ...]:
    """The words that join number words, written ``apart`` or ``inside`` a word, as written and
    folded, longest first."""
    rows = [r for r in _rows("number-joiners.csv") if r["written"] == written]
    forms = {w for r in rows for w in (r["joiner"], fold(r["joiner"]))}
    return tuple(sorted(forms, key=lambda w: (-len(w), w)))


@cache
def _round_words() -> frozenset[str]:
    return frozenset(
        fold(r["word"]) for r in _rows("approximation-words.csv") if "round number" in r["source"]
    )


@cache
def _counters() -> tuple[str, ...]:
    return tuple(row["counter"] for row in _rows("cjk-counters.csv"))


@cache
def _counter_kinds() -> dict[str, str]:
    """Counters that name what they count (处: places)."""
    return {row["counter"]: row["of"] for row in _rows("cjk-counters.csv") if row["of"]}


@cache
def _status_languages() -> frozenset[str]:
    return frozenset(row["language"] for row in _rows("quantity-status-words.csv"))


def _cue_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        term = fold(word.strip("*")) if not _cjk(word) else word.strip("*")
        if _cjk(word):
            alternatives.append(re.escape(term))
        elif word.endswith("*"):
            alternatives.append(rf"(?<!\w){re.escape(term)}")
        else:
            alternatives.append(rf"(?<!\w){re.escape(term)}(?!\w)")
    return re.compile("|".join(alternatives) or "(?!)")


@cache
def _suffix_pattern(status: str, language: str | None) -> re.Pattern[str]:
    """Verb endings ("*arán", "*rão", "*ront"), matched with their accents on unfolded text."""
    rows = _rows("quantity-status-words.csv")
    endings = [
        r["word"][1:].casefold()
        for r in rows
        if r["status"] == status and r["word"].startswith("*") and language in (None, r["language"])
    ]
    alternation = "|".join(re.escape(e) for e in sorted(endings, key=len, reverse=True))
    return re.compile(rf"\w{{3,}}(?:{alternation})(?!\w)" if endings else "(?!)")


@cache
def _status_pattern(status: str, language: str | None) -> re.Pattern[str]:
    rows = _rows("quantity-status-words.csv")
    return _cue_pattern(
        [
            r["word"]
            for r in rows
            if r["status"] == status
            and language in (None, r["language"])
            and not r["word"].startswith("*")
        ]
    )


@cache
def _approximation_pattern(language: str | None) -> re.Pattern[str]:
    rows = _rows("approximation-words.csv")
    words = [r["word"] for r in rows if language in (None, r["language"]) and not _cjk(r["word"])]
    if not words:  # Chinese approximations are read around the number, not as words before it
        return re.compile("(?!)")
    return re.compile("(?:" + "|".join(rf"(?<!\w){re.escape(fold(w))}" for w in words) + r")\s*$")
