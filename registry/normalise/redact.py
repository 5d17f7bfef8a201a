"""Personal data out: direct e-mails and phone numbers in text, person names in contact points.

DESIGN.md "Privacy": organisations, roles, departments and generic mailboxes stay; everything
else about a person goes. Unknown mailboxes count as personal (redacting a generic one by mistake
costs little; publishing a person's address is the error that matters).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from typing import Any

from crawlers.reference import reference_path

EMAIL_REPLACEMENT = "[email removed]"
PHONE_REPLACEMENT = "[phone removed]"
MAX_CHARS = 1_000_000  # beyond this a "text" is an attack or a bug: it is dropped, not scanned

# Bounded parts and a left boundary keep the scan linear on hostile input ("aaaa...@").
_EMAIL = re.compile(
    r"(?<![\w.%+-])([\w.%+-]{1,64})(?:@|\s?[\[(]at[\])]\s?)"
    r"((?:[\w-]{1,63}\.){1,8}[^\W\d_]{2,24})(?![\w-])",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w+/.,-])(?:\+|\(\+?)?\d[\d .()\-\u00a0]{4,24}\d(?![\w/-]|[.,]\d)")
_PHONE_LABEL = re.compile(
    r"(?<![^\W\d_])(?:tel|phone|telephone|t[ée]l[ée]phone|telefon|telefono|tel[ée]fono|fax|mobile|mob|cell"
    r"|tlf|puh|gsm|tfn|ph)\.?\s*(?:\([^)]{0,20}\)\s*)?[:.]?\s*(?:no\.?\s*)?[:.]?\s*$",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"(?<!\d)\d{1,4}[./-]\d{1,2}[./-]\d{2,4}(?!\d)")
# TED publication numbers ("194753-2020", "00043489-2024") have a phone's digit count.
_PUBLICATION_NUMBER = re.compile(r"\d{1,8}-(?:19|20)\d{2}")
_US_PHONE = re.compile(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}")
_ROLE_SPLIT = re.compile(r"[\W_]+")


def redact_text(text: Any) -> str:
    """`text` with direct e-mail addresses and phone numbers replaced; generic mailboxes stay."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return ""
    lowered = text.casefold()
    if "@" in text or "at]" in lowered or "at)" in lowered:
        text = _EMAIL.sub(_email_replacement, text)
    return _PHONE.sub(_phone_replacement, text)


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


def _email_replacement(match: re.Match[str]) -> str:
    return match.group(0) if is_generic_mailbox(match.group(1)) else EMAIL_REPLACEMENT


def _phone_replacement(match: re.Match[str]) -> str:
    candidate = match.group(0)
    digits = sum(ch.isdigit() for ch in candidate)
    if not 6 <= digits <= 15 or _DATE_LIKE.search(candidate):
        return candidate
    if _PUBLICATION_NUMBER.fullmatch(candidate):
        return candidate
    labelled = _PHONE_LABEL.search(match.string, max(0, match.start() - 40), match.start())
    if labelled:
        return PHONE_REPLACEMENT
    if digits < 9:
        return candidate
    stripped = candidate.lstrip("(")
    # International (+44, 0044) and national trunk (0...) forms; a bare 9-digit 0 number is more
    # often a reference ("2020/S 082-194753") than a phone.
    if stripped.startswith("+") or (stripped.startswith("0") and digits >= 10):
        return PHONE_REPLACEMENT
    if digits == 10 and _US_PHONE.fullmatch(candidate):
        return PHONE_REPLACEMENT
    return candidate


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
