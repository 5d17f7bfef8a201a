"""The published text of archived documents: the notice's own part, no personal data."""

from __future__ import annotations

import gzip
import json

from registry.document_text import document_text
from tests.conftest import FIXTURES

CHICAGO = FIXTURES / "legistar" / "chicago_matter-38769_histories.json"
DUNDEE = FIXTURES / "ocds" / "uk-pcs-scotland_release_video-management-system_dundee.json"


def test_an_ocds_page_keeps_only_the_notice_s_release_without_its_contacts():
    release = {**json.loads(DUNDEE.read_text("utf-8")), "id": "release-1"}
    other = {**release, "id": "release-2", "tender": {"title": "Street lighting"}}
    package = {"uri": "https://example.org/page/1", "releases": [other, release]}
    body = json.dumps(package).encode()
    text = document_text(body, {"source_id": f"{release['ocid']}/{release['id']}"})
    assert text is not None and text.format == "json"
    assert text.part == "1 of the 2 releases in the document"
    assert release["tender"]["title"] in text.text and "Street lighting" not in text.text
    for personal in ("Becky Myles", "b.myles@dundee.ac.uk", "1382386811"):
        assert personal in DUNDEE.read_text("utf-8")
        assert personal not in text.text


def test_a_compressed_document_is_read_from_its_member():
    text = document_text(gzip.compress(DUNDEE.read_bytes()), {"source_id": "x"})
    assert text is not None and "Video Management System" in text.text


def test_tender_xml_leaves_out_contact_points_phones_and_faxes():
    legacy = (FIXTURES / "ted" / "ted-legacy" / "000084-2019.xml").read_bytes()
    text = document_text(legacy, {"source_id": "000084-2019"})
    assert text is not None and text.format == "xml"
    assert "Muzeum Górnictwa Węglowego" in text.text
    for personal in ("326303091", "2771125", "224587840", "esmietana@"):
        assert personal.encode() in legacy
        assert personal not in text.text
    eforms = (FIXTURES / "ted" / "ted-eforms" / "sdk-example-can-modif_24_value.xml").read_bytes()
    text = document_text(eforms, {"source_id": "x"})
    assert text is not None and "Increase in framework value" in text.text
    assert "34567890" not in text.text and "procurement@lsbu.ac.uk" in text.text


def test_council_records_leave_out_who_moved_and_seconded():
    histories = json.loads(CHICAGO.read_text("utf-8"))
    histories[0]["MatterHistoryMoverName"] = "Gertrude Quill"
    histories[0]["MatterHistorySeconderName"] = "Ambrose Fenwick"
    text = document_text(json.dumps(histories).encode(), {"source_id": "chicago/matter/38769"})
    assert text is not None
    assert "MatterHistoryActionName" in text.text
    assert "Gertrude Quill" not in text.text and "Ambrose Fenwick" not in text.text


def test_a_pdf_is_its_text_layer_and_a_scan_has_none():
    pdf = (FIXTURES / "pdf" / "hefei-psb-yaohai_xueliang_page-3.pdf").read_bytes()
    text = document_text(pdf, {"source_id": "x"})
    assert text is not None and text.format == "pdf"
    assert text.text.startswith("[page 1]") and "雪亮工程" in text.text
    scan = (FIXTURES / "pdf" / "scan_DOC111424_page-1.pdf").read_bytes()
    assert document_text(scan, {"source_id": "x"}) is None


def test_free_text_goes_through_the_registry_s_redactor():
    body = b"<html><body><p>Contact: Jane Doe, jane.doe@example.gov, Tel. +44 1632 960123</p>"
    text = document_text(body, {"source_id": "x"})
    assert text is not None and text.format == "html"
    for personal in ("Jane Doe", "jane.doe@", "960123"):
        assert personal not in text.text
    assert text.redactions() == {"emails": 1, "phones": 1, "names": 1}
