import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.normalise.redact import (
    EMAIL_REPLACEMENT,
    PHONE_REPLACEMENT,
    is_generic_mailbox,
    redact_contact,
    redact_text,
)


@pytest.mark.parametrize(
    "address",
    [
        "Verenaisi.Salabula-Nakanacagi@doncaster.gov.uk",  # real contact points, shared data ocds/
        "andrew_brentley@bathnes.gov.uk",
        "b.myles@dundee.ac.uk",
        "eevans@progressgroup.org.uk",
        "jan.post@firma.nl",
        "hans(at)stadt.de",
        "anna.nowak [at] um.warszawa.pl",
    ],
)
def test_direct_emails_are_removed(address):
    assert (
        redact_text(f"Contact {address} for details.")
        == f"Contact {EMAIL_REPLACEMENT} for details."
    )


@pytest.mark.parametrize(
    "address",
    [
        "procurement@doncaster.gov.uk",
        "Procurement@fscs.org.uk",
        "commercial.team@hee.nhs.uk",
        "CTS-Transparency@dstl.gov.uk",
        "categorymanagementestatesteam@justice.gov.uk",
        "england.commercialqueries@nhs.net",
        "contracts@mcga.gov.uk",
        "tenders@example.org",
        "info.london@example.co.uk",
        "security@example.com",
        "vergabestelle@stadt.de",
        "zamowienia.publiczne@um.gdansk.pl",
    ],
)
def test_generic_mailboxes_stay(address):
    assert redact_text(f"Write to {address}.") == f"Write to {address}."


@pytest.mark.parametrize(
    "phone",
    [
        "+44 1302736977",
        "+44 (0)1302 736 977",
        "01302 736977",
        "0044 20 7946 0000",
        "(555) 123-4567",
        "+49 30 1234567",
        "+48 22 443 00 00",
    ],
)
def test_phones_are_removed(phone):
    assert redact_text(f"Call {phone} today.") == f"Call {PHONE_REPLACEMENT} today."


def test_labelled_short_phones_are_removed():
    assert redact_text("Tel.: 736977") == f"Tel.: {PHONE_REPLACEMENT}"
    assert redact_text("Telefon: 30 1234567") == f"Telefon: {PHONE_REPLACEMENT}"


@pytest.mark.parametrize(
    "text",
    [
        "Notice 2020/S 082-194753 in the OJ.",
        "CPV 32323500-0 and 35125300-2.",
        "Value 1 248 710,76 PLN, or 1.248.710,76 EUR, or 12,000,000 GBP.",
        "From 12.03.2024 10:00 to 2024-09-09.",
        "Reference 1234567890 applies.",
        "See paragraph 1234567.",
        "Lot 2: 150 cameras, 24 months.",
    ],
)
def test_numbers_that_are_not_phones_stay(text):
    assert redact_text(text) == text


def test_non_text():
    assert redact_text(None) == ""
    assert redact_text(42) == ""


def test_generic_mailbox_rule():
    assert is_generic_mailbox("info")
    assert is_generic_mailbox("press.office")
    assert not is_generic_mailbox("jan.post")  # a function word after a name is a surname
    assert not is_generic_mailbox("john.smith")
    assert not is_generic_mailbox("")


def test_contact_of_a_person_keeps_only_the_organisation_url():
    contact = {
        "name": "Verenaisi Salabula-Nakanacagi",
        "email": "Verenaisi.Salabula-Nakanacagi@doncaster.gov.uk",
        "phone": "+44 1302736977",
        "url": "https://www.doncaster.gov.uk/",
    }
    assert redact_contact(contact) == {"url": "https://www.doncaster.gov.uk/"}


def test_contact_of_a_department_is_kept():
    contact = {
        "name": "Procurement Team",
        "email": "mailto:Procurement@fscs.org.uk",
        "telephone": "+44 20 7946 0000",
        "organisation": "Financial Services Compensation Scheme",
        "department": "Commercial, tel 020 7946 0000",
    }
    assert redact_contact(contact) == {
        "organisation": "Financial Services Compensation Scheme",
        "department": f"Commercial, tel {PHONE_REPLACEMENT}",
        "role": "Procurement Team",
        "email": "Procurement@fscs.org.uk",
    }


@pytest.mark.parametrize(
    "contact",
    [None, "someone", [], {}, {"name": "Jane Doe", "phone": "01302 736977"},
     {"url": "mailto:jane.doe@example.org"}, {"email": ["x"]}],
)  # fmt: skip
def test_nothing_left(contact):
    assert redact_contact(contact) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_never_raises_and_leaves_no_direct_address(text):
    redacted = redact_text(text + " jane.doe@example.org")
    assert "jane.doe@example.org" not in redacted


def test_linear_on_hostile_input():
    # Quadratic backtracking would take minutes on these.
    assert redact_text("a" * 200_000 + "@").startswith("aaa")
    assert redact_text("1 " * 100_000) == "1 " * 100_000


def test_ted_publication_numbers_are_not_phones():
    assert redact_text("see 194753-2020 and 00043489-2024") == "see 194753-2020 and 00043489-2024"
    assert redact_text("call +44 1302 736977") == "call [phone removed]"


def test_procedure_ids_survive_normalisation():
    from registry.normalise.record import normalise_record

    item = {
        "kind": "notice",
        "source": "ted",
        "source_id": "194753-2020",
        "procedure_id": "194753-2020",
        "related_notices": ["298161-2018"],
        "notice_type": "tender",
        "title": "CCTV",
    }
    record = normalise_record(item)
    assert record["procedure_id"] == "194753-2020"
    assert record["related_notices"] == ["298161-2018"]
