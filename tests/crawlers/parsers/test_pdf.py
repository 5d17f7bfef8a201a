"""The PDF reader on real documents: Eugene's Flock records (AES-encrypted contract, a purchase
order, an RFI, a scan) and a Chinese tender file."""

from __future__ import annotations

import json

import pytest

from crawlers.parsers import detect_format, pdf
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES, SNAPSHOT

RECORDS = SNAPSHOT / "records"


def read(path) -> dict:
    return next(pdf.parse(path.read_bytes()))


@pytest.fixture(scope="module")
def contract() -> dict:
    return read(RECORDS / "flock-contract-2025-03244_excerpt.pdf")


def test_encrypted_contract_is_read_with_its_parties(contract):
    assert contract["notice_type"] == "award"
    assert contract["title"].startswith("CITY OF EUGENE SOFTWARE SERVICES CONTRACT")
    parties = {p["name"]: p["role"] for p in contract["parties"]}
    assert parties["City of Eugene"] == "buyer"
    assert parties["Flock Group Inc"] == "supplier"
    assert contract["buyer"]["name"] == "City of Eugene"
    assert [s["name"] for s in contract["suppliers"]] == ["Flock Group Inc"]


def test_a_no_extraction_permission_is_read_without_a_warning(caplog):
    # Eugene's contract forbids text extraction in its permissions; the build printed pdfminer's
    # warning about an anonymous BytesIO for it.
    with caplog.at_level("WARNING"):
        record = read(RECORDS / "flock-contract-2025-03244_excerpt.pdf")
    assert record["buyer"]["name"] == "City of Eugene"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pdfminer")] == []


def test_contract_value_is_its_total_not_an_insurance_limit(contract):
    assert contract["value"] == {"amount": "$342,000.00", "currency": None}
    labels = {a["amount"]: a["label"] for a in contract["amounts"]}
    assert "$2,000,000" in labels  # kept among the amounts, with the words before it
    assert "not less than" in labels["$2,000,000"]


def test_contract_camera_count_and_technology_terms(contract):
    assert contract["cameras"] == "57"
    assert "ALPR" in contract["technologies_raw"]
    assert "License Plate Recognition" in contract["technologies_raw"]
    assert contract["published"] == "2025-03-24"  # the PDF's own creation date


def test_purchase_order_amount_without_dollar_sign_and_us_date():
    order = read(RECORDS / "purchase-order_2510002336.pdf")
    assert order["value"] == {"amount": "342000.00", "currency": "USD"}
    assert order["published"] == "03-25-2025"
    assert [s["name"] for s in order["suppliers"]] == ["FLOCK SAFETY"]
    # The order names its buyer clerk and a recipient: persons are never read into the item.
    text = json.dumps(order)
    assert "Nisachol" not in text and "BURKE" not in text


def test_rfi_is_a_prior_information_notice():
    rfi = read(RECORDS / "rfi-20252027-a1_page-1.pdf")
    assert rfi["notice_type"] == "prior-information"
    assert "License Plate Recognition" in rfi["technologies_raw"]
    assert rfi["published"] == "2024-11-06"


def test_chinese_tender_file():
    tender = read(FIXTURES / "pdf" / "hefei-psb-yaohai_xueliang_page-3.pdf")
    assert tender["language"] == "zh"
    assert tender["notice_type"] == "tender"
    assert tender["buyer"]["name"] == "合肥市公安局瑶海分局"
    assert tender["title"].startswith("合肥市公安局瑶海分局雪亮工程")
    assert tender["value"] == {"amount": "437.677 万元", "currency": None}
    assert "雪亮工程" in tender["technologies_raw"]


def test_image_only_scan_is_an_error_not_an_empty_record():
    with pytest.raises(ParseError, match="no text layer: 1 of 1 pages are images"):
        read(FIXTURES / "pdf" / "scan_DOC111424_page-1.pdf")


def test_a_file_that_is_not_a_pdf():
    with pytest.raises(ParseError, match="not a PDF: no %PDF- header"):
        next(pdf.parse(b"<html><title>Error</title></html>"))


def test_a_damaged_pdf():
    data = (RECORDS / "purchase-order_2510002336.pdf").read_bytes()
    with pytest.raises(ParseError, match="unreadable PDF"):
        next(pdf.parse(data[:2000]))


def test_format_is_detected_and_hints_take_precedence():
    data = (RECORDS / "purchase-order_2510002336.pdf").read_bytes()
    assert detect_format(data) == "pdf"
    hints = {"title": "PO 2510002336", "buyer": {"name": "City of Eugene", "country": "US"}}
    item = next(pdf.parse(data, url="https://example.org/po.pdf", hints=hints))
    assert (item["title"], item["buyer"]["name"], item["url"]) == (
        "PO 2510002336",
        "City of Eugene",
        "https://example.org/po.pdf",
    )
