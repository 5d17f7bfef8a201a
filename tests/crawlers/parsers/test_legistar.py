"""Legistar Web API answers: real matter histories (python-legistar-scraper fixtures) and the
error answers the spider must report."""

from __future__ import annotations

import json

import pytest

from crawlers.parsers import legistar
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES

LEGISTAR = FIXTURES / "legistar"


def test_duplicate_history_rows_of_one_vote_are_one_action():
    rows = legistar.rows(
        (LEGISTAR / "chicago_matter-38768_histories_dupe-event.json").read_bytes(), "histories"
    )
    actions = legistar.histories(rows)
    assert len(rows) == 4 and len(actions) == 3
    decided = legistar.decision(actions)
    assert (decided["action"], decided["body"], decided["event_id"]) == (
        "Passed",
        "City Council",
        3683,
    )


def test_histories_without_duplicates_are_kept_in_date_order():
    rows = legistar.rows(
        (LEGISTAR / "chicago_matter-38769_histories.json").read_bytes(), "histories"
    )
    actions = legistar.histories(rows)
    assert len(actions) == len(rows)
    assert [a["date"] for a in actions] == sorted(a["date"] for a in actions)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"<html><head><title>Runtime Error</title></head><body>Server Error</body></html>",
         "not a Legistar answer for matters: an HTML page titled 'Runtime Error'"),
        (b'{"Message":"An error has occurred."}',
         "Legistar error for matters: An error has occurred."),
        (b"", "empty answer where Legistar matters were expected"),
        (b'"text"', "not a Legistar answer for matters: a JSON str"),
    ],
)  # fmt: skip
def test_error_answers_are_parse_errors(body, reason):
    with pytest.raises(ParseError) as error:
        legistar.rows(body, "matters")
    assert str(error.value) == reason


def test_matter_item_carries_its_decision_and_related_matters():
    title = "Agreement with Flock Safety ($90,000)"
    matter = {"MatterId": 7, "MatterGuid": "G", "MatterTitle": title}
    actions = [
        {"date": "2024-08-05T00:00:00", "action": "Approved", "passed_flag": 1, "event_id": 9}
    ]
    client = {"client": "redmond", "buyer": "City of Redmond", "city": "Redmond", "country": "US"}
    item = legistar.matter_item(matter, client, actions, related=[3], event={"EventId": 9})
    assert item["source_id"] == "redmond/matter/7"
    assert item["url"] == "https://redmond.legistar.com/LegislationDetail.aspx?ID=7&GUID=G"
    assert item["related_notices"] == ["redmond/matter/3"]
    assert item["value"] == {"amount": "$90,000", "currency": None}
    assert item["decision"]["meeting"]["id"] == 9
    assert item["notice_type"] == "other"
    assert json.dumps(item)
