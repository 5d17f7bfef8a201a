"""A buyer's locality as publishers write it, cleaned to the place name or dropped as junk.

Prozorro and other post-Soviet publishers put the settlement type before the name ("с. Сенча",
"м.Київ", "смт Гусятин"), Moldova's portal "mun. Chișinău"; some localities are only a number
("8") or a postcode. The name is what the gazetteer should see; a value with no name in it is no
locality at all (resolving it would pick some other town), and a Mexican "COL." (colonia) is a
neighbourhood, not a town.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CHARS = 200

# Settlement types written before the name: Ukrainian, Russian and Belarusian words and their
# abbreviations, with or without a dot; Romanian ones only as whole words or with their dot
# ("Or Yehuda" is a town). Latin one-letter abbreviations are left alone: "S. Giovanni" is a name.
_CYRILLIC_TYPES = (
    r"місто|село|селище|смт|с-ще|сщ|сел|м|с|хутір|х|станиця|ст"
    r"|город|гор|г|посёлок|поселок|пос|пгт|п|деревня|дер|д|аул|станица|горад|вёска|в"
)
_ROMANIAN_WORDS = r"municipiul|orașul|oraşul|orasul|comuna|satul"
_ROMANIAN_ABBREVIATIONS = r"mun|or|com|sat"
_SETTLEMENT_TYPE = re.compile(
    rf"^(?:(?:{_CYRILLIC_TYPES})(?:\.\s*|\s+)|(?:{_ROMANIAN_WORDS})\s+"
    rf"|(?:{_ROMANIAN_ABBREVIATIONS})\.\s*)",
    re.IGNORECASE,
)
_NEIGHBOURHOOD = re.compile(r"^(?:col\.|colonia\s)", re.IGNORECASE)
_LEADING_POSTCODE = re.compile(r"^\d[\d\s-]{2,}\s+(?=\D)")
_LETTER = re.compile(r"[^\W\d_]")


def clean_locality(raw: Any) -> str | None:
    """The place name in a locality value, or None when the value names no place."""
    if not isinstance(raw, str) or len(raw) > MAX_CHARS:
        return None
    text = " ".join(raw.split()).strip(" ,;")
    if _NEIGHBOURHOOD.match(text):
        return None
    text = _LEADING_POSTCODE.sub("", text)
    for _ in range(2):  # "м. смт X" happens; never more
        text = _SETTLEMENT_TYPE.sub("", text, count=1).strip(" ,;")
    if len(_LETTER.findall(text)) < 2:
        return None
    return text
