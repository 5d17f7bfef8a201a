"""Personal data out: e-mails, phone numbers and names of individuals in text; names in contacts.

DESIGN.md "Privacy": organisations, roles, departments and generic mailboxes stay; everything
else about a person goes. Unknown mailboxes count as personal (redacting a generic one by mistake
costs little; publishing a person's address is the error that matters).

Names are found by rules, not a model, where they actually occur (registry/reference/
person-name-cues.csv): after an honorific or an official's title ("Mr", "Chief", "Bürgermeister",
"le maire", "il sindaco", "burgemeester", "prezydent miasta"), after a contact label
("Contact:", "Ansprechpartner:", "Referente:", "联系人："), after "contact"/"said"/"according to",
and after a letter's closing ("Kind regards,"). A name is one to four capitalised words (two at
least after a label or a verb); it ends at organisation or place wording
(registry/reference/not-name-words.csv), and a known vendor or city is never taken for one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from crawlers.reference import reference_path
from registry.normalise.places import resolve_place
from registry.normalise.vendors import vendors_in_text

EMAIL_REPLACEMENT = "[email removed]"
PHONE_REPLACEMENT = "[phone removed]"
NAME_REPLACEMENT = "[name removed]"
MAX_CHARS = 1_000_000  # beyond this a "text" is an attack or a bug: it is dropped, not scanned

# The ways an "@" is written: full-width and small forms, URL and HTML encodings, and spelled out
# in brackets in the nine languages ("name(at)stadt.de", "nom [arobase] ville.fr").
_AT_WORDS = r"at|ät|arobase|arroba|chiocciola|małpa|malpa|apenstaartje|艾特"
_AT = (
    r"(?:@|＠|﹫|%40|&#0*64;|&#x0*40;|&commat;"
    rf"|\s?[\[({{<]\s?(?:{_AT_WORDS})\s?[\])}}>]\s?)"
)
_DOT_WORDS = r"dot|punkt|point|punto|ponto|punt|kropka|点"
_DOT = rf"(?:\.|．|。|%2e|\s?[\[({{<]\s?(?:{_DOT_WORDS})\s?[\])}}>]\s?)"
# Bounded parts and a left boundary keep the scan linear on hostile input ("aaaa...@").
_EMAIL = re.compile(
    rf"(?<![\w.%+-])([\w.%+-]{{1,64}}){_AT}((?:[\w-]{{1,63}}{_DOT}){{1,8}}[^\W\d_]{{2,24}})(?![\w-])",
    re.IGNORECASE,
)
# "jane dot doe at city dot gov": the bare-word spelling needs spelled dots and a real TLD.
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.%+-])((?:[\w+-]{{1,64}}(?:\s(?:{_DOT_WORDS})\s|\.)){{0,3}}[\w+-]{{1,64}})"
    rf"\s(?:{_AT_WORDS})\s((?:[\w-]{{1,63}}\s(?:{_DOT_WORDS})\s){{1,8}}([^\W\d_]{{2,24}}))(?![\w-])",
    re.IGNORECASE,
)
_AT_HINTS = ("@", "＠", "﹫", "%40", "&#", "&commat")
_BRACKETED_AT = re.compile(rf"[\[({{<]\s?(?:{_AT_WORDS})\s?[\])}}>]", re.IGNORECASE)
_BARE_AT = re.compile(rf"\s(?:{_AT_WORDS})\s", re.IGNORECASE)
_BARE_DOT = re.compile(rf"\s(?:{_DOT_WORDS})\s", re.IGNORECASE)
# Chinese pages write "#" for "@" and say so ("请将#换成@").
_HASH_FOR_AT = re.compile(r"#\s*(?:换成|替换为|改成|改为|換成)\s*@")
_HASH_EMAIL = re.compile(r"(?<![\w.%+-])([\w.%+-]{1,64})#((?:[\w-]{1,63}\.){1,8}[^\W\d_]{2,24})")

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\uff0d"
_PHONE = re.compile(
    rf"(?<![\w+/.,{_DASHES}])(?:\+|＋|\(\+?|（)?\d[\d .()（）/{_DASHES}\u00a0]{{4,24}}\d"
    rf"(?![\w/{_DASHES}]|[.,]\d)"
)
# Where a phone number may start: its first character, not after one the pattern excludes.
_PHONE_START = re.compile(rf"[+＋(（\d](?<![\w+/.,{_DASHES}].)")
_PHONE_LABEL = re.compile(
    r"(?<![^\W\d_])(?:tel|t[ée]l|phone|telephone|freephone|t[ée]l[ée]phone|telefon|telefono|tel[ée]fono"
    r"|telefone|telefoon|telemóvel|telemovel|fax|faks|mobile|mob|mobil|handy|cell|cellulare"
    r"|celular|m[óo]vil|portable|tlf|tfno|puh|gsm|tfn|ph|kom|komórka|nr\s+tel"
    r"|电话|電話|手机|手機|联系电话|聯繫電話|传真|傳真)\.?\s*(?:\([^)]{0,20}\)\s*)?[:.：]?\s*"
    r"(?:no\.?\s*|nr\.?\s*|n[°º]\s*)?[:.：]?\s*$",
    re.IGNORECASE,
)
_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
# TED publication numbers ("194753-2020", "00043489-2024") have a phone's digit count.
_PUBLICATION_NUMBER = re.compile(r"\d{1,8}-(?:19|20)\d{2}")
_US_PHONE = re.compile(r"\(\d{3}\)\s?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4}")
_CN_MOBILE = re.compile(r"1[3-9]\d(?:[ -]?\d{4}){2}")
_ROLE_SPLIT = re.compile(r"[\W_]+")

_WORD = re.compile(r"[^\W\d_](?:[\w'’\-]|\.(?=\w))*\.?")
_SPACE = re.compile(r"[ \t\u00a0]+")
# Between a cue and its name: a colon, comma or dash; after a closing, the line break too.
_GAP = re.compile(r"[ \t\u00a0]*[:：,–-]?[ \t\u00a0]*")
_LINE_GAP = re.compile(r"[ \t\u00a0]*[:：,–-]?[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)?")
_ZH_GAP = re.compile(r"\s*[:：]?\s*")
_PARTICLES = frozenset(
    "van von der den de del della di du da dos das le la ten ter bin al el y i".split()
)
# "Johnny Lee, Business Development Manager", "Becky Myles - Senior Category Manager": two or
# three capitalised words at the start of a line or sentence, then a comma or a spaced dash and a
# phrase that names a role.
_BEFORE_ROLE = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?:;“\"]\s)|(?<=said\s)|(?<=says\s))"
    r"(?P<name>[^\W\d_][\w'’\-]+(?:[ \t][^\W\d_][\w'’\-]+){1,2})(?:,|[ \t][–—-])[ \t]"
    r"(?P<role>[^\n,.;]{1,80})"
)
# Where such a name may start, after the start of the text.
_BEFORE_ROLE_START = re.compile(r"(?:\n|[.!?:;“\"]\s|sa(?:id|ys)\s)(?=[^\W\d_])")
_ROLE_AFTER = re.compile(
    r"(?i)\b(?:manager|director|chief|officer|ceo|president|chairman|chairwoman|head|"
    r"spokesperson|spokesman|spokeswoman|commissioner|mayor|councillor|council member|adviser|"
    r"advisor|lead|engineer|coordinator|superintendent|secretary|minister|sergeant|captain|"
    r"lieutenant|detective|inspector|founder|analyst|professor|researcher|attorney)\b"
)
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{1,16}")
_ORG_HAN = re.compile(r"[中心公司局部处科办室院所队会委厅站校馆组]")


@dataclass(frozen=True)
class Redaction:
    """One span of a text that is personal data, and its kind (email, phone, name)."""

    start: int
    end: int
    kind: str


REPLACEMENTS = {"email": EMAIL_REPLACEMENT, "phone": PHONE_REPLACEMENT, "name": NAME_REPLACEMENT}


def redact_text(text: Any) -> str:
    """`text` with direct e-mail addresses, phone numbers and names of individuals replaced;
    generic mailboxes, organisations, vendors and places stay."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return ""
    if _DIGEST.fullmatch(text):
        return text
    if len(text) <= CACHED_CHARS:
        return _redacted_short(text)
    if len(text) <= CACHED_LONG_CHARS:
        return _redacted_long(text)
    return _redacted(text)


# A digest (every record's document_sha256), unique and never personal: one lower-case word
# with a letter holds no e-mail (no "@"), no phone (its digits run into letters) and no name
# (no capital).
_DIGEST = re.compile(r"(?=[0-9]*[a-f])[0-9a-f]{16,128}")
# Short texts (names of buyers, addresses, roles, codes) recur across a build's records. Long
# ones (descriptions) recur too, a framework's lots and a buyer's standard wording, but fewer
# and larger: their own, smaller cache keeps them from pushing the short ones out, and bounds
# the memory they hold (at most CACHED_LONG × CACHED_LONG_CHARS characters).
CACHED_CHARS = 200
CACHED_LONG_CHARS = 8000
CACHED_LONG = 2048


@lru_cache(maxsize=32768)
def _redacted_short(text: str) -> str:
    return _redacted(text)


@lru_cache(maxsize=CACHED_LONG)
def _redacted_long(text: str) -> str:
    return _redacted(text)


def _redacted(text: str) -> str:
    spans = redactions(text)
    if not spans:
        return text
    parts, last = [], 0
    for span in spans:
        parts.append(text[last : span.start])
        parts.append(REPLACEMENTS[span.kind])
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


def redactions(text: str) -> list[Redaction]:
    """The personal-data spans of `text`, in order and without overlaps (e-mails first)."""
    found: list[Redaction] = [*_emails(text)]
    found += [p for p in _phones(text) if not _overlaps(p, found)]
    for name in _names(text):
        if not _overlaps(name, found):
            found.append(name)
    return sorted(found, key=lambda r: r.start)


def redact_contact(contact: Any) -> dict[str, str] | None:
    """Organisation, department, role, generic mailbox and URL of a contact point; None if empty.

    A contact `name` is kept (as the role) only when it reads as a role or department.
    """
    if not isinstance(contact, dict):
        return None
    kept: dict[str, str] = {}
    for key, aliases in (
        ("organisation", ("organisation", "organization", "org")),
        ("department", ("department", "unit")),
        ("role", ("role", "title", "position")),
    ):
        for alias in aliases:
            if (value := _clean(contact.get(alias))) is not None:
                kept[key] = value
                break
    name = contact.get("name")
    if "role" not in kept and isinstance(name, str) and _reads_as_role(name):
        if (value := _clean(name)) is not None:
            kept["role"] = value
    if email := _generic_email(contact.get("email")):
        kept["email"] = email
    url = contact.get("url")
    if isinstance(url, str) and not url.strip().casefold().startswith(("mailto:", "tel:")):
        if (value := _clean(url)) is not None:
            kept["url"] = value
    return kept or None


@lru_cache(maxsize=65536)
def is_generic_mailbox(local_part: str) -> bool:
    """Whether an e-mail local part names a function (procurement@, commercial.team@)."""
    folded = local_part.casefold()
    words = _mailbox_words()
    if any(word in folded for word in words["contains"]):
        return True
    tokens = [token for token in re.split(r"[._+\-\d]+", folded) if token]
    if not tokens:
        return False
    return tokens[0] in words["token"] or all(token in words["token"] for token in tokens)


def _overlaps(span: Redaction, others: list[Redaction]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def _emails(text: str) -> Iterator[Redaction]:
    if any(hint in text for hint in _AT_HINTS) or _BRACKETED_AT.search(text):
        for match in _EMAIL.finditer(text):
            if not is_generic_mailbox(match.group(1)):
                yield Redaction(match.start(), match.end(), "email")
    if _BARE_DOT.search(text) and _BARE_AT.search(text):
        for match in _SPELLED_EMAIL.finditer(text):
            local = _BARE_DOT.sub(".", match.group(1))
            if match.group(3).casefold() in _tlds() and not is_generic_mailbox(local):
                yield Redaction(match.start(), match.end(), "email")
    if _HASH_FOR_AT.search(text):
        for match in _HASH_EMAIL.finditer(text):
            if not is_generic_mailbox(match.group(1)):
                yield Redaction(match.start(), match.end(), "email")


def _phones(text: str) -> Iterator[Redaction]:
    for match in _phone_matches(text):
        if _is_phone(match.group(0), text, match.start()):
            yield Redaction(match.start(), match.end(), "phone")


def _is_phone(candidate: str, text: str, start: int) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 6 <= digits <= 15 or _is_date(candidate):
        return False
    if _PUBLICATION_NUMBER.fullmatch(candidate):
        return False
    if _PHONE_LABEL.search(text, max(0, start - 40), start):
        return True
    if digits < 9:
        return False
    stripped = candidate.lstrip("(（")
    # International (+44, 0044) and national trunk (0...) forms; a bare 9-digit 0 number is more
    # often a reference ("2020/S 082-194753") than a phone.
    if stripped.startswith(("+", "＋")) or (stripped.startswith("0") and digits >= 10):
        return True
    if digits == 10 and _US_PHONE.fullmatch(candidate):
        return True
    return digits == 11 and bool(_CN_MOBILE.fullmatch(candidate))


def _is_date(candidate: str) -> bool:
    """A whole date ("12.03.2024", "2024-09-09"), not a run of digit groups that holds one."""
    match = _DATE.fullmatch(candidate.strip())
    if not match:
        return False
    first, middle, last = (int(g) for g in match.groups())
    if len(match.group(1)) == 4:
        return 1 <= middle <= 12 and 1 <= last <= 31
    return (1 <= middle <= 12 and 1 <= first <= 31) or (1 <= first <= 12 and 1 <= middle <= 31)


def _cue_matches(text: str) -> Iterator[re.Match[str]]:
    """Cues in ``text``: an Aho-Corasick scan finds candidates, the cue pattern checks each."""
    cues = _cues()
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two: positions would shift
        yield from cues.pattern.finditer(text)
        return
    for _, start, _ in cues.automaton.find_matches_as_indexes(lowered):
        if match := cues.pattern.match(text, start):
            yield match


def _names(text: str) -> Iterator[Redaction]:
    """Names after their cues and before a role ("Jane Doe, head of procurement"), then each
    later mention of a found name's surname ("…, Doe said")."""
    found = [*_cued_names(text), *_names_before_roles(text)]
    yield from found
    surnames = {text[r.start : r.end].split()[-1] for r in found if " " in text[r.start : r.end]}
    for surname in surnames:
        if len(surname) < 3 or not surname[:1].isupper():
            continue
        for match in re.finditer(rf"(?<![\w'’-]){re.escape(surname)}(?![\w'’-])", text):
            yield Redaction(match.start(), match.end(), "name")


def _names_before_roles(text: str) -> Iterator[Redaction]:
    for match in _before_role_matches(text):
        words = match.group("name").split()
        stop = _not_name_words()
        if any(w.casefold() in stop or w.isupper() or not w[0].isupper() for w in words):
            continue
        if _in_url(text, match.start()):
            continue
        if not _ROLE_AFTER.search(match.group("role")):
            continue
        if _known_organisation_or_place(match.group("name")):
            continue
        yield Redaction(match.start("name"), match.end("name"), "name")


def _before_role_matches(text: str) -> Iterator[re.Match[str]]:
    """What ``_BEFORE_ROLE.finditer(text)`` finds, the pattern tried only where a name may start."""
    starts = chain((0,), (m.end() for m in _BEFORE_ROLE_START.finditer(text)))
    return _matches_from(_BEFORE_ROLE, starts, text)


def _phone_matches(text: str) -> Iterator[re.Match[str]]:
    """What ``_PHONE.finditer(text)`` finds, the pattern tried only where a number may start."""
    return _matches_from(_PHONE, (m.start() for m in _PHONE_START.finditer(text)), text)


def _matches_from(
    pattern: re.Pattern[str], starts: Iterable[int], text: str
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose matches begin only at ``starts`` (in order).

    A pattern that opens with a lookbehind is tried at every position; a scan for where its
    matches may begin skips the rest in C.
    """
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)):
            end = match.end()
            yield match


def _cued_names(text: str) -> Iterator[Redaction]:
    for match in _cue_matches(text):
        kind = match.lastgroup
        if _in_url(text, match.start()):
            continue
        if kind in ("zh_label", "zh_title"):
            yield from _han_name(text, match, kind)
            continue
        minimum = 1 if kind in ("honorific", "title") else 2
        span = _name_after(text, match.end(), minimum, allow_newline=kind in ("closing", "label"))
        if span is not None:
            yield Redaction(span[0], span[1], "name")


def _name_after(
    text: str, position: int, minimum: int, *, allow_newline: bool = False
) -> tuple[int, int] | None:
    """The span of the capitalised name that starts at ``position``, if one does."""
    gap = (_LINE_GAP if allow_newline else _GAP).match(text, position)
    cursor = gap.end() if gap else position
    start, end, words, pending = cursor, None, 0, 0
    stop = _not_name_words()
    while words < 4:
        word = _WORD.match(text, cursor)
        if not word:
            break
        token = word.group(0).rstrip(".") if not _is_initial(word.group(0)) else word.group(0)
        folded = token.casefold()
        if not words and len(token) > 1 and token.isupper():
            # An acronym between a title and the name ("Managing Director PSCA Muhammad Khan").
            after = _SPACE.match(text, word.end())
            if after is None:
                break
            start = cursor = after.end()
            continue
        if folded in _PARTICLES and words:
            pending += 1
        elif token[:1].isupper() and folded not in stop and not _cues().cue_words.get(folded):
            words += 1 + pending
            pending = 0
            end = word.start() + len(token)
        else:
            if words and folded in stop:
                # "Sheriff Harris County": a place, not a person.
                return None
            break
        spaces = _SPACE.match(text, word.end())
        if spaces is None:
            break
        cursor = spaces.end()
    if end is None or words < minimum:
        return None
    name = text[start:end]
    if _known_organisation_or_place(name):
        return None
    return start, end


def _in_url(text: str, position: int) -> bool:
    """Whether ``position`` lies in a URL: names in links are left alone, links kept whole."""
    start = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1
    token = text[start : position + 1]
    return "://" in token or token.startswith("www.")


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


def _han_name(text: str, match: re.Match[str], kind: str) -> Iterator[Redaction]:
    if kind == "zh_label":
        after = _ZH_GAP.match(text, match.end())
        position = after.end() if after else match.end()
        run = _HAN_RUN.match(text, position)
        if run is None:
            return
        # "联系人：王先生": the name without its title; "联系人：采购中心" is an office.
        title = next((t for t in _cues().zh_titles if run.group(0).endswith(t)), "")
        name = run.group(0)[: len(run.group(0)) - len(title)]
        if (2 <= len(name) <= 4 or (title and name)) and not _ORG_HAN.search(name):
            yield Redaction(run.start(), run.start() + len(name), "name")
        return
    surnames = _cues().zh_surnames
    for length in (3, 2, 1):
        start = match.start() - length
        if (
            start >= 0
            and text[start] in surnames
            and _HAN_NAME.fullmatch(text[start : match.start()] + "某")
        ):
            before = text[start - 1] if start else ""
            if not ("\u4e00" <= before <= "\u9fff") or length == 1:
                yield Redaction(start, match.start(), "name")
                return


def _known_organisation_or_place(name: str) -> bool:
    if vendors_in_text(name):
        return True
    place = resolve_place(name)
    return place is not None and place.city.casefold() == name.casefold()


@dataclass(frozen=True)
class _Cues:
    pattern: re.Pattern[str]
    automaton: AhoCorasick
    cue_words: dict[str, str]
    zh_surnames: frozenset[str]
    zh_titles: tuple[str, ...]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    with reference_path("person-name-cues.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_kind: dict[str, list[str]] = {}
    surnames: frozenset[str] = frozenset()
    for row in rows:
        if row["kind"] == "zh_surnames":
            surnames = frozenset(row["cue"])
        else:
            by_kind.setdefault(row["kind"], []).append(row["cue"])
    groups = []
    for kind, cues in by_kind.items():
        alternatives = "|".join(_cue_pattern(c) for c in sorted(cues, key=len, reverse=True))
        if kind.startswith("zh_"):
            groups.append(f"(?P<{kind}>{alternatives})")
        else:
            groups.append(rf"(?P<{kind}>(?<![\w.])(?:{alternatives})(?![\w]))")
    pattern = re.compile("|".join(groups))
    automaton = AhoCorasick(
        sorted({row["cue"].lower() for row in rows if row["kind"] != "zh_surnames"}),
        matchkind=MatchKind.LeftmostLongest,
    )
    words = {row["cue"].casefold(): row["kind"] for row in rows if " " not in row["cue"]}
    return _Cues(pattern, automaton, words, surnames, tuple(by_kind.get("zh_title", ())))


def _cue_pattern(cue: str) -> str:
    """A cue as a pattern: those written with a capital match as written, the rest any case."""
    escaped = re.escape(cue).replace(r"\ ", r"\s+")
    if cue[:1].isupper():
        return escaped + (r"\.?" if not cue.endswith(".") else "")
    return f"(?i:{escaped})"


def _generic_email(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 1000:
        return None
    for match in _EMAIL.finditer(value.replace("mailto:", " ")):
        if "@" in match.group(0) and is_generic_mailbox(match.group(1)):
            return match.group(0)
    return None


def _reads_as_role(name: str) -> bool:
    if "@" in name or len(name) > 200:
        return False
    words = {word for word in _ROLE_SPLIT.split(name.casefold()) if word}
    return bool(words & _role_words())


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = redact_text(value).strip()
    return cleaned or None


@lru_cache(maxsize=1)
def _tlds() -> frozenset[str]:
    import pycountry

    codes = {country.alpha_2.casefold() for country in pycountry.countries}
    return frozenset(codes | {"uk", "eu", "com", "org", "net", "gov", "edu", "int", "info"})


@lru_cache(maxsize=1)
def _mailbox_words() -> dict[str, frozenset[str]]:
    with reference_path("generic-mailboxes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        kind: frozenset(row["word"].casefold() for row in rows if row["match"] == kind)
        for kind in ("token", "contains")
    }


@lru_cache(maxsize=1)
def _role_words() -> frozenset[str]:
    with reference_path("contact-role-words.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["word"].casefold() for row in csv.DictReader(handle))


@lru_cache(maxsize=1)
def _not_name_words() -> frozenset[str]:
    with reference_path("not-name-words.csv").open(encoding="utf-8", newline="") as handle:
        words = {row["word"].casefold() for row in csv.DictReader(handle)}
    return frozenset(words | _role_words())
