"""The leave-one-set-out harness of the quantity reading (benchmarks/quantity_loso.py), on
development articles."""

from __future__ import annotations

from benchmarks import announcement_accuracy
from benchmarks.quantity_loso import (
    STATUSES,
    decide,
    features,
    fit,
    load_articles,
    predict,
    rows,
    score,
)
from crawlers.parsers import article
from registry.normalise.announcement import normalise_announcement, text_language
from registry.normalise.quantities import extract_quantities
from tests.conftest import FIXTURES

ARTICLES = FIXTURES / "articles"
NAMES = (
    "citizenportal_cibolo-tx_flock-alpr-purchase.txt",
    "fr_meaulte_videoprotection-etendue.txt",
    "it_radioaldebaran_rapallo-occhi-elettronici.txt",
    "git-security_huawei_nairobi-safe-city.txt",
    "pl_wpoznaniu_nowe-kamery-monitoringu.txt",
    "it_ecodibergamo_azzano-lettura-targhe.txt",
)


def test_a_counts_features_are_the_words_near_each_mention_and_the_rules_verdict():
    (cibolo,) = load_articles(ARTICLES, [NAMES[0]])
    (count,) = cibolo.candidates
    active = features(cibolo.text, count, cibolo.candidates)
    # "an order for 41 Flock Safety Falcon … cameras and associated …, … totaling $200,650".
    assert {"rule:installed", "rule:installed:default", "of:cameras", "mentions:2"} <= active
    assert {"l:order", "l1:for", "r:assoc", "money_in_sentence", "only"} <= active
    # The second mention: "we received two officers, a crime analyst, and 41 Flock Safety cameras".
    assert {"l:offic", "l:analy", "s:recei"} <= active


def test_the_rules_baseline_scores_as_the_announcement_benchmark_does():
    articles = load_articles(ARTICLES, NAMES)
    plain, with_status = score(articles, None)
    expected = announcement_accuracy.yaml.safe_load((ARTICLES / "expected.yaml").read_text())
    tally = {"quantities": [0, 0, 0], "quantity status": [0, 0, 0]}
    for name in NAMES:
        item = next(article.parse((ARTICLES / name).read_bytes(), format="text-article"))
        got = announcement_accuracy.facts(normalise_announcement(item))
        want = announcement_accuracy.expected_facts(expected[name])
        for field, counts in tally.items():
            counts[0] += len(got[field] & want[field])
            counts[1] += len(got[field])
            counts[2] += len(want[field])
    assert (plain, with_status) == (tally["quantities"], tally["quantity status"])
    # Counts another reading found (the code that first read a set) are scored alike.
    found = {a.name: extract_quantities(a.text, text_language(a.text)) for a in articles}
    assert score(articles, None, found) == (plain, with_status)


def test_training_is_deterministic_and_fits_the_statuses_it_was_shown():
    articles = load_articles(ARTICLES, NAMES)
    _, status = rows(articles, lambda feature: feature.startswith("rule:"))
    assert {label for _, label in status} == {"installed", "planned"}
    model = fit(status, STATUSES)
    assert fit(status, STATUSES) == model
    chances = [predict(model, active) for active, _ in status]
    assert [max(c, key=c.get) for c in chances] == [label for _, label in status]


def test_a_keep_model_drops_the_counts_it_gives_too_little_chance():
    articles = load_articles(ARTICLES, NAMES)
    keep, _ = rows(articles, lambda feature: False)
    model = {"keep": {**fit(keep, ("drop", "keep")), "threshold": 1.01}}
    assert all(decide(a.text, a.candidates, model) == [] for a in articles)
    model["keep"]["threshold"] = 0.0
    kept = [s for a in articles for _, s in decide(a.text, a.candidates, model)]
    assert kept == [c.status for a in articles for c in a.candidates]
