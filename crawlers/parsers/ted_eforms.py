"""eForms UBL notices (SDK 1.x, every subtype) to notice items, following the SDK's structure."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from lxml import etree

from crawlers import xmlsafe
from crawlers.parsers.errors import ParseError

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
}
ROOTS = {
    "ContractNotice": "tender",
    "ContractAwardNotice": "award",
    "PriorInformationNotice": "prior-information",
    "BusinessRegistrationInformationNotice": "other",
}
_EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
_SDK = re.compile(r"eforms-sdk-(\d+)\.(\d+)")
_PUBNO = re.compile(r"0*(\d+)-(\d{4})$")
TED = "https://ted.europa.eu/en/notice"


def X(path: str) -> etree.XPath:
    """A compiled XPath with the eForms namespaces (compiled once: parsing is on the hot path)."""
    return etree.XPath(path, namespaces=NS)


_x = {
    "ext": X(_EXT),
    "pub_id": X(f"{_EXT}/efac:Publication/efbc:NoticePublicationID/text()"),
    "pub_date": X(f"{_EXT}/efac:Publication/efbc:PublicationDate/text()"),
    "gazette": X(f"{_EXT}/efac:Publication/efbc:GazetteID/text()"),
    "subtype": X(f"{_EXT}/efac:NoticeSubType/cbc:SubTypeCode/text()"),
    "changes": X(f"{_EXT}/efac:Changes"),
    "changed_id": X(f"{_EXT}/efac:Changes/efbc:ChangedNoticeIdentifier/text()"),
    "orgs": X(f"{_EXT}/efac:Organizations/efac:Organization"),
    "result": X(f"{_EXT}/efac:NoticeResult"),
    "buyer_ids": X("cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID/text()"),
    "project": X("cac:ProcurementProject"),
    "lots": X("cac:ProcurementProjectLot"),
    "org_id": X("efac:Company/cac:PartyIdentification/cbc:ID/text()"),
    "name": X("cac:PartyName/cbc:Name"),
    "cpv_main": X("cac:MainCommodityClassification/cbc:ItemClassificationCode"),
    "cpv_add": X("cac:AdditionalCommodityClassification/cbc:ItemClassificationCode"),
    "estimate": X("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"),
    "lot_results": X("efac:LotResult"),
    "lot_tenders": X("efac:LotTender"),
    "settled": X("efac:SettledContract"),
    "parties": X("efac:TenderingParty"),
}


def publication_number(raw: str | None) -> str | None:
    """'00043489-2024' → '43489-2024' (DESIGN.md: NUMBER-YEAR without leading zeros)."""
    match = _PUBNO.match((raw or "").strip())
    return f"{int(match.group(1))}-{match.group(2)}" if match else None


def ted_links(pub_no: str | None) -> dict | None:
    """Official TED URLs of a published notice."""
    if not pub_no:
        return None
    return {
        "html": f"{TED}/-/detail/{pub_no}",
        "xml": f"{TED}/{pub_no}/xml",
        "pdf": f"{TED}/{pub_no}/pdf",
    }


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None


def _clean_block(text: str | None) -> str | None:
    # Descriptions keep their line breaks; only indentation and blank lines go.
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return "\n".join(line for line in lines if line) or None


def _one(values: list) -> str | None:
    return values[0].strip() if values and values[0] and values[0].strip() else None


def _first(elements: list) -> etree._Element | None:
    return elements[0] if elements else None


def _child_text(el: etree._Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path, NS)
    return _clean(found.text) if found is not None else None


def _in_language(elements: list, lang: str | None) -> etree._Element | None:
    """Of several translations of one text, the one in the notice's own language."""
    if not elements:
        return None
    for el in elements:
        if el.get("languageID") == lang:
            return el
    return elements[0]


def _amount(el: etree._Element | None) -> dict | None:
    if el is None or not (el.text or "").strip():
        return None
    return {"amount": el.text.strip(), "currency": el.get("currencyID")}


def sum_amounts(amounts: Sequence[dict | None]) -> dict | None:
    """Add amounts when they share one currency (else the total is unknown)."""
    present = [a for a in amounts if a]
    if not present or len({a["currency"] for a in present}) != 1:
        return None
    if len(present) == 1:
        return present[0]
    try:
        total = sum(float(a["amount"]) for a in present)
    except ValueError:
        return None
    return {"amount": round(total, 2), "currency": present[0]["currency"]}


def _cpvs(el: etree._Element | None) -> list[str]:
    if el is None:
        return []
    codes = []
    for code in _x["cpv_main"](el) + _x["cpv_add"](el):
        # Only CPV lists: supplementary or other classifications use another listName.
        if code.get("listName", "cpv") == "cpv" and code.text and code.text.strip():
            codes.append(code.text.strip())
    return codes


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _organization(org: etree._Element, lang: str | None) -> dict:
    company = org.find("efac:Company", NS)
    address = company.find("cac:PostalAddress", NS) if company is not None else None
    contact = company.find("cac:Contact", NS) if company is not None else None
    name = _in_language(_x["name"](company), lang) if company is not None else None
    country = None
    if address is not None:
        # Older SDKs write listName="eforms-country"; newer ones "country"; both are ISO alpha-3.
        country = _child_text(address, "cac:Country/cbc:IdentificationCode")
    contact_dict = {
        "name": _child_text(contact, "cbc:Name"),
        "email": _child_text(contact, "cbc:ElectronicMail"),
        "phone": _child_text(contact, "cbc:Telephone"),
        "url": _child_text(company, "cbc:WebsiteURI"),
    }
    return {
        "name": _clean(name.text) if name is not None else None,
        "country": country,
        "city": _child_text(address, "cbc:CityName"),
        "nuts": _child_text(address, "cbc:CountrySubentityCode"),
        "contact": contact_dict if any(contact_dict.values()) else None,
    }


def notice_type_for(code: str | None, root_name: str = "", changed: bool = False) -> str:
    """tender|award|prior-information|modification|other from the eForms notice-type code."""
    if changed or code in ("corr", "can-modif"):
        return "modification"
    if code:
        if code.startswith(("pin-", "pmc")):
            return "prior-information"
        if code.startswith(("cn-", "subco", "qu-sy")):
            return "tender"
        if code.startswith(("can-", "veat")):
            return "award"
    return ROOTS.get(root_name, "other")


def _winners(result: etree._Element | None, orgs: dict, lang: str | None) -> tuple[list, list]:
    """Suppliers of lots with a chosen winner, following LotResult → LotTender → TenderingParty."""
    if result is None:
        return [], []
    tenders = {_one(t.xpath("cbc:ID/text()", namespaces=NS)): t for t in _x["lot_tenders"](result)}
    parties = {_one(p.xpath("cbc:ID/text()", namespaces=NS)): p for p in _x["parties"](result)}
    contracts = {_one(c.xpath("cbc:ID/text()", namespaces=NS)): c for c in _x["settled"](result)}
    suppliers: dict[str, dict] = {}
    amounts = []
    for lot_result in _x["lot_results"](result):
        if _child_text(lot_result, "cbc:TenderResultCode") not in ("selec-w", None):
            continue
        lot_id = _child_text(lot_result, "efac:TenderLot/cbc:ID")
        # The settled contracts name the winning tenders; the LotResult's own tender list may
        # also hold losing tenders, so it is only the fallback.
        tender_ids = []
        for ref in lot_result.xpath("efac:SettledContract/cbc:ID/text()", namespaces=NS):
            contract = contracts.get(ref.strip())
            if contract is not None:
                tender_ids += contract.xpath("efac:LotTender/cbc:ID/text()", namespaces=NS)
        if not tender_ids:
            tender_ids = lot_result.xpath("efac:LotTender/cbc:ID/text()", namespaces=NS)
        for tender_id in _dedupe([t.strip() for t in tender_ids]):
            tender = tenders.get(tender_id)
            if tender is None:
                continue
            value = _amount(tender.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS))
            amounts.append(value)
            party = parties.get(_child_text(tender, "efac:TenderingParty/cbc:ID"))
            if party is None:
                continue
            for org_id in party.xpath("efac:Tenderer/cbc:ID/text()", namespaces=NS):
                org = orgs.get(org_id.strip())
                if org is None:
                    continue
                supplier = suppliers.setdefault(
                    org_id.strip(),
                    {"name": org["name"], "country": org["country"], "lots": [], "values": []},
                )
                if lot_id and lot_id not in supplier["lots"]:
                    supplier["lots"].append(lot_id)
                if value:
                    supplier["values"].append(value)
    return list(suppliers.values()), amounts


def _lots(lots: list, lang: str | None) -> list[dict]:
    out = []
    for lot in lots:
        lot_id = lot.find("cbc:ID", NS)
        if lot_id is not None and lot_id.get("schemeName") == "LotsGroup":
            continue
        project = lot.find("cac:ProcurementProject", NS)
        title = None
        if project is not None:
            title = _in_language(project.findall("cbc:Name", NS), lang)
        out.append(
            {
                "id": _clean(lot_id.text) if lot_id is not None else None,
                "title": _clean(title.text) if title is not None else None,
                "cpv": _dedupe(_cpvs(project)),
                "value": _amount(_first(_x["estimate"](project)) if project is not None else None),
            }
        )
    return out


def sdk_version(root: etree._Element) -> str | None:
    """The SDK named by cbc:CustomizationID ('eforms-sdk-1.7'); ParseError when not 1.x."""
    raw = _child_text(root, "cbc:CustomizationID")
    if raw is None:
        return None
    match = _SDK.match(raw)
    if not match or match.group(1) != "1":
        raise ParseError(f"unsupported eForms SDK version {raw!r}")
    return raw


def parse_root(root: etree._Element, url: str | None = None, name: str = "notice") -> dict:
    """One eForms notice element to one item."""
    root_name = etree.QName(root).localname
    if root_name not in ROOTS:
        raise ParseError(f"{name}: not an eForms notice (root {root_name})")
    notice_id = _child_text(root, "cbc:ID")
    label = notice_id or name
    try:
        version = sdk_version(root)
    except ParseError as exc:
        raise ParseError(f"{label}: {exc}") from None
    lang = _child_text(root, "cbc:NoticeLanguageCode")
    pub_no = publication_number(_one(_x["pub_id"](root)))
    published = _one(_x["pub_date"](root))
    issue_date = _child_text(root, "cbc:IssueDate")
    type_code = _child_text(root, "cbc:NoticeTypeCode")
    type_el = root.find("cbc:NoticeTypeCode", NS)
    changed = bool(_x["changes"](root))

    orgs = {}
    for org in _x["orgs"](root):
        org_id = _one(_x["org_id"](org))
        if org_id:
            orgs[org_id] = _organization(org, lang)
    buyers = [orgs[i.strip()] for i in _x["buyer_ids"](root) if i.strip() in orgs]

    project = _first(_x["project"](root))
    title = _in_language(project.findall("cbc:Name", NS), lang) if project is not None else None
    descr = project.findall("cbc:Description", NS) if project is not None else []
    descr = _in_language(descr, lang)
    lots = _lots(_x["lots"](root), lang)
    cpv = _dedupe(_cpvs(project) + [code for lot in lots for code in lot["cpv"]])

    result = _first(_x["result"](root))
    suppliers, tender_amounts = _winners(result, orgs, lang)
    awarded = _amount(result.find("cbc:TotalAmount", NS)) if result is not None else None
    value = awarded or (sum_amounts(tender_amounts) if suppliers else None)
    value_kind = "awarded" if value else None
    if value is None:
        estimate = _x["estimate"](project) if project is not None else []
        value = _amount(_first(estimate)) or sum_amounts([lot["value"] for lot in lots])
        value_kind = "estimated" if value else None

    warnings = []
    if not cpv:
        warnings.append("no CPV code")
    if not buyers or not buyers[0]["country"]:
        warnings.append("no buyer country")
    item = {
        "kind": "notice",
        "source": "ted",
        "source_id": pub_no or notice_id,
        "source_id_kind": "publication-number" if pub_no else "notice-id",
        "procedure_id": _child_text(root, "cbc:ContractFolderID"),
        "url": url or (ted_links(pub_no) or {}).get("html"),
        "notice_type": notice_type_for(type_code, root_name, changed),
        "subtype": _one(_x["subtype"](root)),
        "form_type": type_el.get("listName") if type_el is not None else None,
        "notice_type_code": type_code,
        "title": _clean(title.text) if title is not None else None,
        "description": _clean_block(descr.text) if descr is not None else None,
        "language": lang,
        "published": published or issue_date,
        "dispatched": issue_date,
        "buyer": buyers[0] if buyers else None,
        "buyers": buyers,
        "cpv": cpv,
        "suppliers": [
            {
                "name": s["name"],
                "country": s["country"],
                "lots": s["lots"],
                "value": sum_amounts(s["values"]),
            }
            for s in suppliers
        ],
        "value": value,
        "value_kind": value_kind,
        "lots": lots,
        "links": ted_links(pub_no),
        "notice_id": notice_id,
        "notice_version": _child_text(root, "cbc:VersionID"),
        "changed_notice": _one(_x["changed_id"](root)),
        "gazette": _one(_x["gazette"](root)),
        "sdk_version": version,
        "format": "ted-eforms",
        "technologies": [],
        "vendors": [],
    }
    if not item["source_id"]:
        raise ParseError(f"{name}: eForms notice without publication number or notice id")
    if warnings:
        item["warnings"] = warnings
    return item


def sniff(head: bytes) -> bool:
    """Whether a document's first bytes look like an eForms UBL notice."""
    return b"urn:oasis:names:specification:ubl:schema:xsd:" in head and any(
        f"{root}".encode() in head for root in ROOTS
    )


def parse(data: bytes, url: str | None = None, name: str | None = None) -> Iterator[dict]:
    """Parse one eForms notice document."""
    label = name or url or "eForms notice"
    yield parse_root(xmlsafe.fromstring(data, label), url=url, name=label)
