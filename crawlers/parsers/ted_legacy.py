"""Legacy TED XML (TED_EXPORT R2.0.7-R2.0.9, forms F01-F25, T01/T02, other notices) to items."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from crawlers import xmlsafe
from crawlers.parsers.errors import ParseError
from crawlers.parsers.ted_eforms import publication_number, sum_amounts, ted_links

_VERSION = re.compile(r"R2\.0\.(\d+)")
_NO_DOC_OJS = re.compile(r"(\d{4})/S\s*\d+\s*-\s*0*(\d+)")
SUPPORTED_RELEASES = ("7", "8", "9")

# Notice type per standard form (R2.0.9 FORM="F02"; R2.0.8 writes the number or only the element).
FORM_TYPES = {
    "F01": "prior-information",
    "F02": "tender",
    "F03": "award",
    "F04": "prior-information",
    "F05": "tender",
    "F06": "award",
    "F07": "tender",
    "F08": "prior-information",
    "F09": "tender",
    "F10": "tender",
    "F11": "tender",
    "F12": "tender",
    "F13": "award",
    "F14": "modification",
    "F15": "award",
    "F16": "prior-information",
    "F17": "tender",
    "F18": "award",
    "F19": "tender",
    "F20": "modification",
    "F24": "tender",
    "F25": "award",
    "T01": "prior-information",
    "T02": "award",
}
R208_FORMS = {
    "PRIOR_INFORMATION": "F01",
    "CONTRACT": "F02",
    "CONTRACT_AWARD": "F03",
    "PERIODIC_INDICATIVE_UTILITIES": "F04",
    "CONTRACT_UTILITIES": "F05",
    "CONTRACT_AWARD_UTILITIES": "F06",
    "QUALIFICATION_SYSTEM_UTILITIES": "F07",
    "BUYER_PROFILE": "F08",
    "SIMPLIFIED_CONTRACT": "F09",
    "CONTRACT_CONCESSIONAIRE": "F10",
    "CONTRACT_CONTRACTING_ENTITY": "F11",
    "DESIGN_CONTEST": "F12",
    "RESULT_DESIGN_CONTEST": "F13",
    "ADDITIONAL_INFORMATION_CORRIGENDUM": "F14",
    "VOLUNTARY_EX_ANTE_TRANSPARENCY_NOTICE": "F15",
    "PRIOR_INFORMATION_DEFENCE": "F16",
    "CONTRACT_DEFENCE": "F17",
    "CONTRACT_AWARD_DEFENCE": "F18",
    "CONTRACT_CONCESSIONAIRE_DEFENCE": "F19",
}
# F21-F23 (social, concessions, qualification) carry the kind of notice in <NOTICE TYPE=...>.
NOTICE_TYPES = {
    "PRI": "prior-information",
    "PER": "prior-information",
    "CONTRACT": "tender",
    "CONCESSION": "tender",
    "QSU": "tender",
    "AWARD": "award",
}
# Codes of CODIF_DATA/TD_DOCUMENT_TYPE, the fallback for other notices (OTH_NOT, EEIG...).
TD_TYPES = {
    "0": "prior-information",
    "2": "modification",
    "3": "tender",
    "7": "award",
    "B": "prior-information",
    "D": "tender",
    "H": "tender",
    "O": "tender",
    "P": "prior-information",
    "R": "award",
    "V": "award",
}
_BUYER_BLOCKS = ("ADDRESS_CONTRACTING_BODY", "CA_CE_CONCESSIONAIRE_PROFILE")
_SUPPLIER_BLOCKS = ("ADDRESS_CONTRACTOR", "ADDRESS_WINNER", "ECONOMIC_OPERATOR_NAME_ADDRESS")


def source_id(no_doc_ojs: str | None) -> str | None:
    """'2020/S 082-194753' → '194753-2020'."""
    match = _NO_DOC_OJS.search(no_doc_ojs or "")
    return f"{int(match.group(2))}-{match.group(1)}" if match else None


def _text(el: etree._Element | None) -> str | None:
    """All text of an element (its <P> paragraphs joined by newlines), whitespace tidied."""
    if el is None:
        return None
    paragraphs = el.findall("{*}P")
    parts = ["".join(p.itertext()) for p in paragraphs] if paragraphs else ["".join(el.itertext())]
    lines = [" ".join(part.split()) for part in parts]
    return "\n".join(line for line in lines if line) or None


def _find(el: etree._Element | None, *paths: str) -> etree._Element | None:
    if el is None:
        return None
    for path in paths:
        found = el.find(path)
        if found is not None:
            return found
    return None


def _value_of(el: etree._Element | None, *paths: str) -> str | None:
    found = _find(el, *paths)
    if found is None:
        return None
    return found.get("VALUE") or found.get("CODE") or _text(found)


def _amount(el: etree._Element | None) -> dict | None:
    if el is None or not (el.text or "").strip():
        return None
    return {"amount": el.text.strip(), "currency": el.get("CURRENCY")}


def release(root: etree._Element, form: etree._Element | None) -> str | None:
    """The schema release ('R2.0.9.S03.E01'); ParseError for releases this parser does not know."""
    raw = root.get("VERSION") or (form.get("VERSION") if form is not None else None)
    match = _VERSION.search(raw or etree.QName(root).namespace or "")
    if match and match.group(1) not in SUPPORTED_RELEASES:
        raise ParseError(f"unsupported TED schema release {raw or match.group(0)}")
    return raw or (match.group(0) if match else None)


def original_form(root: etree._Element, lang: str | None) -> etree._Element | None:
    """The form in the original language, not one of the translations that follow it."""
    section = root.find("{*}FORM_SECTION")
    if section is None:
        return None
    forms = [child for child in section if isinstance(child.tag, str)]
    originals = [f for f in forms if f.get("CATEGORY") == "ORIGINAL"] or forms
    for form in originals:
        if form.get("LG") == lang:
            return form
    return originals[0] if originals else None


def form_code(form: etree._Element | None) -> str | None:
    """'F02' from FORM="F02", FORM="2" or (R2.0.8) the element name; 'OTH_NOT' and the like else."""
    if form is None:
        return None
    raw = form.get("FORM") or ""
    if raw.isdigit():
        return f"F{int(raw):02d}"
    if raw:
        return raw
    name = etree.QName(form).localname
    name = re.sub(r"_20\d\d$", "", name)
    return R208_FORMS.get(name, name)


def _notice_type(form: etree._Element | None, code: str | None, td_code: str | None) -> str:
    if code in FORM_TYPES:
        return FORM_TYPES[code]
    declared = form.find("{*}NOTICE") if form is not None else None
    if declared is not None and declared.get("TYPE"):
        prefix = declared.get("TYPE").split("_")[0]
        if prefix in NOTICE_TYPES:
            return NOTICE_TYPES[prefix]
    return TD_TYPES.get(td_code or "", "other")


def _party(block: etree._Element | None) -> dict:
    contact = {
        "name": _value_of(block, ".//{*}CONTACT_POINT", ".//{*}ATTENTION"),
        "email": _value_of(block, ".//{*}E_MAIL"),
        "phone": _value_of(block, ".//{*}PHONE"),
        "url": _value_of(block, ".//{*}URL_GENERAL", ".//{*}URL_BUYER", ".//{*}URL"),
    }
    return {
        "name": _value_of(block, ".//{*}OFFICIALNAME", ".//{*}ORGANISATION"),
        "country": _value_of(block, ".//{*}COUNTRY"),
        "city": _value_of(block, ".//{*}TOWN"),
        "nuts": _value_of(block, ".//{*}NUTS"),
        "contact": contact if any(contact.values()) else None,
    }


def _buyer(root: etree._Element, form: etree._Element | None, lang: str | None) -> dict:
    block = None
    for name in _BUYER_BLOCKS:
        block = _find(form, f".//{{*}}{name}")
        if block is not None:
            break
    buyer = _party(block)
    # The coded and translation sections exist in every release: they fill the gaps.
    notice_data = root.find("{*}CODED_DATA_SECTION/{*}NOTICE_DATA")
    trans = root.find("{*}TRANSLATION_SECTION")
    if not buyer["name"] and trans is not None:
        names = trans.findall("{*}ML_AA_NAMES/{*}AA_NAME")
        chosen = [n for n in names if n.get("LG") == lang] or names
        buyer["name"] = _text(chosen[0]) if chosen else None
    if not buyer["country"]:
        buyer["country"] = _value_of(notice_data, "{*}ISO_COUNTRY")
    if not buyer["city"] and trans is not None:
        towns = trans.findall("{*}ML_TITLES/{*}ML_TI_DOC")
        chosen = [t for t in towns if t.get("LG") == lang] or towns
        buyer["city"] = _value_of(chosen[0], "{*}TI_TOWN") if chosen else None
    if not buyer["nuts"]:
        buyer["nuts"] = _value_of(notice_data, "{*}CA_CE_NUTS")
    return buyer


def _suppliers(form: etree._Element | None) -> list[dict]:
    suppliers: list[dict] = []
    if form is None:
        return suppliers
    seen: dict[tuple, dict] = {}
    awards = form.findall(".//{*}AWARD_CONTRACT") or [form]
    for award in awards:
        lot = _value_of(award, "{*}LOT_NO") or award.get("ITEM")
        value = _amount(_find(award, ".//{*}VAL_TOTAL", ".//{*}VALUE_PRIZE"))
        for name in _SUPPLIER_BLOCKS:
            for block in award.iterfind(f".//{{*}}{name}"):
                party = _party(block)
                key = (party["name"], party["country"])
                if key in seen:
                    # One supplier winning several lots: one entry naming every lot.
                    if lot and award is not form and lot not in seen[key]["lots"]:
                        seen[key]["lots"].append(lot)
                    if award is not form:
                        seen[key]["value"] = sum_amounts([seen[key]["value"], value])
                    continue
                seen[key] = {
                    "name": party["name"],
                    "country": party["country"],
                    "lots": [lot] if lot and award is not form else [],
                    "value": value if award is not form else None,
                }
                suppliers.append(seen[key])
    return suppliers


def _lots(form: etree._Element | None) -> list[dict]:
    lots: list[dict] = []
    contract = _find(form, "{*}OBJECT_CONTRACT")
    if contract is None:
        return lots
    for descr in contract.iterfind("{*}OBJECT_DESCR"):
        codes = [c.get("CODE") for c in descr.iterfind(".//{*}CPV_CODE") if c.get("CODE")]
        lots.append(
            {
                "id": _value_of(descr, "{*}LOT_NO") or descr.get("ITEM"),
                "title": _text(descr.find("{*}TITLE")),
                "cpv": list(dict.fromkeys(codes)),
                "value": _amount(_find(descr, "{*}VAL_OBJECT")),
            }
        )
    return lots


def _value(notice_data: etree._Element | None, form: etree._Element | None, award: bool):
    wanted = ("PROCUREMENT_TOTAL",) if award else ("ESTIMATED_TOTAL",)
    if notice_data is not None:
        for value in notice_data.iterfind("{*}VALUES/{*}VALUE"):
            if value.get("TYPE") in wanted:
                return _amount(value), "awarded" if award else "estimated"
    contract = _find(form, "{*}OBJECT_CONTRACT")
    if award:
        found = _amount(_find(contract, "{*}VAL_TOTAL"))
        return found, "awarded" if found else None
    found = _amount(_find(contract, "{*}VAL_ESTIMATED_TOTAL"))
    return found, "estimated" if found else None


def parse_root(root: etree._Element, url: str | None = None, name: str = "notice") -> dict:
    """One TED_EXPORT document to one item."""
    if etree.QName(root).localname != "TED_EXPORT":
        raise ParseError(f"{name}: not a TED_EXPORT document")
    coded = root.find("{*}CODED_DATA_SECTION")
    notice_data = coded.find("{*}NOTICE_DATA") if coded is not None else None
    pub_no = source_id(_value_of(notice_data, "{*}NO_DOC_OJS"))
    doc_id = root.get("DOC_ID")
    label = pub_no or doc_id or name
    lang = _value_of(notice_data, "{*}LG_ORIG")
    form = original_form(root, lang)
    try:
        schema = release(root, form)
    except ParseError as exc:
        raise ParseError(f"{label}: {exc}") from None
    if not pub_no and doc_id:
        pub_no = publication_number(doc_id)
    code = form_code(form)
    td_code = _value_of(coded, "{*}CODIF_DATA/{*}TD_DOCUMENT_TYPE")
    notice_type = _notice_type(form, code, td_code)

    refs = [
        source_id(_text(r))
        for r in (
            notice_data.iterfind("{*}REF_NOTICE/{*}NO_DOC_OJS") if notice_data is not None else []
        )
    ]
    refs = [r for r in dict.fromkeys(refs) if r]

    cpv_codes = [
        c.get("CODE")
        for c in (form.iterfind(".//{*}CPV_MAIN/{*}CPV_CODE") if form is not None else [])
    ]
    cpv_codes += [
        c.get("CODE")
        for c in (form.iterfind(".//{*}CPV_ADDITIONAL/{*}CPV_CODE") if form is not None else [])
    ]
    cpv_codes += [
        c.get("CODE")
        for c in (notice_data.iterfind("{*}ORIGINAL_CPV") if notice_data is not None else [])
    ]
    cpv = list(dict.fromkeys(c for c in cpv_codes if c))

    title = _text(
        _find(form, "{*}OBJECT_CONTRACT/{*}TITLE", ".//{*}TITLE_CONTRACT", ".//{*}TI_DOC")
    )
    if not title:
        trans = root.findall("{*}TRANSLATION_SECTION/{*}ML_TITLES/{*}ML_TI_DOC")
        chosen = [t for t in trans if t.get("LG") == lang] or trans
        title = _text(chosen[0].find("{*}TI_TEXT")) if chosen else None
    description = _text(
        _find(
            form,
            "{*}OBJECT_CONTRACT/{*}SHORT_DESCR",
            ".//{*}SHORT_CONTRACT_DESCRIPTION",
            ".//{*}CONTENTS",
        )
    )
    buyer = _buyer(root, form, lang)
    value, value_kind = _value(notice_data, form, notice_type == "award")
    published = _value_of(coded, "{*}REF_OJS/{*}DATE_PUB")
    dispatched = _value_of(coded, "{*}CODIF_DATA/{*}DS_DATE_DISPATCH")

    warnings = []
    if not cpv:
        warnings.append("no CPV code")
    if not buyer["country"]:
        warnings.append("no buyer country")
    item = {
        "kind": "notice",
        "source": "ted",
        "source_id": pub_no,
        "source_id_kind": "publication-number",
        # A procedure's later notices cite its first one (REF_NOTICE): that number links them.
        "procedure_id": refs[0] if refs else pub_no,
        "procedure_id_kind": "referenced-notice" if refs else "own-publication-number",
        "related_notices": refs,
        "url": url or (ted_links(pub_no) or {}).get("html"),
        "notice_type": notice_type,
        "subtype": code,
        "document_type": td_code,
        "reference": _value_of(form, "{*}OBJECT_CONTRACT/{*}REFERENCE_NUMBER"),
        "title": title,
        "description": description,
        "language": (form.get("LG") if form is not None else None) or lang,
        "published": published or dispatched,
        "dispatched": dispatched,
        "buyer": buyer,
        "cpv": cpv,
        "suppliers": _suppliers(form) if notice_type in ("award", "modification") else [],
        "value": value,
        "value_kind": value_kind,
        "lots": _lots(form),
        "links": ted_links(pub_no),
        "schema_version": schema,
        "format": "ted-legacy",
        "technologies": [],
        "vendors": [],
    }
    if not pub_no:
        reception = _value_of(root, "{*}TECHNICAL_SECTION/{*}RECEPTION_ID")
        if not reception:
            raise ParseError(f"{name}: TED_EXPORT without NO_DOC_OJS, DOC_ID or RECEPTION_ID")
        item["source_id"], item["source_id_kind"] = reception, "reception-id"
        item["procedure_id"] = item["procedure_id"] or reception
    if warnings:
        item["warnings"] = warnings
    return item


def sniff(head: bytes) -> bool:
    """Whether a document's first bytes look like a TED_EXPORT document."""
    return b"<TED_EXPORT" in head or b":TED_EXPORT" in head


def parse(data: bytes, url: str | None = None, name: str | None = None) -> Iterator[dict]:
    """Parse one TED_EXPORT document."""
    label = name or url or "TED_EXPORT document"
    yield parse_root(xmlsafe.fromstring(data, label), url=url, name=label)
