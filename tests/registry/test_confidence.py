import pytest

from registry.confidence import assess

NONE = dict(
    award=False,
    notice=False,
    dataset=False,
    news=False,
    vendor_newsroom=False,
    sources=1,
    placed=True,
    party=True,
    reviewed=False,
    technology=0.9,
)


@pytest.mark.parametrize(
    ("evidence", "verification", "confidence"),
    [
        ({"award": True, "notice": True}, "official record", 0.9),
        ({"notice": True}, "official record", 0.8),
        ({"dataset": True}, "dataset", 0.8),
        ({"news": True}, "reported", 0.6),
        ({"vendor_newsroom": True}, "vendor claim", 0.5),
    ],
)
def test_the_strongest_evidence_sets_the_state(evidence, verification, confidence):
    assert assess(**{**NONE, **evidence})[:2] == (verification, confidence)


def test_each_rule_that_applies_is_named():
    state, score, rules = assess(
        **{**NONE, "vendor_newsroom": True, "placed": False, "technology": 0.5, "party": False}
    )
    assert (state, score) == ("vendor claim", 0.25)
    assert rules == (
        "vendor-newsroom 0.5; place-unresolved -0.10; weak-technology -0.10; no-party -0.05"
    )
    reviewed = assess(**{**NONE, "news": True, "sources": 2, "reviewed": True})
    assert reviewed == ("corrected by review", 0.8, "news 0.6; corroborated +0.10; reviewed +0.10")
