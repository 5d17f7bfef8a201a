"""Leave-one-set-out estimate of the quantity reading's unseen scores: the rules alone, and the
rules with a learned second opinion on their counts (logistic regressions deciding which counts
the article reports and their status, from word prefixes near the number, cues of its sentence
and the rules' own verdict).

    .venv/bin/python benchmarks/quantity_loso.py                # sets scored by today's rules
    .venv/bin/python benchmarks/quantity_loso.py --first-sight  # statuses the rules gave unseen

Seven labelled sets (the development set and held-out sets 1 to 6): each in turn is scored by a
model trained on the other six. Today's rules were fitted to all seven, so their verdicts there
are better than on unseen text; ``--first-sight`` instead reads held-out sets 1 to 6 with the
code of the commit that added each set (before it was used to change the rules) and compares the
statuses those unseen verdicts gave with the model's, trained on the other five sets' unseen
verdicts. Sets 7 and later are the unseen test sets: never read here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.parsers import article  # noqa: E402
from registry.normalise.announcement import read_article  # noqa: E402
from registry.normalise.countries import fold  # noqa: E402
from registry.normalise.quantities import Candidate, quantity_candidates  # noqa: E402

# Explicitly these seven: the later sets are kept unseen.
SETS = {
    "development": "tests/fixtures/articles",
    "heldout": "benchmarks/heldout/articles",
    "heldout-2": "benchmarks/heldout/articles-2",
    "heldout-3": "benchmarks/heldout/articles-3",
    "heldout-4": "benchmarks/heldout/articles-4",
    "heldout-5": "benchmarks/heldout/articles-5",
    "heldout-6": "benchmarks/heldout/articles-6",
}
# The commit that added each held-out set, labelled before the extraction ran on it: its code
# read the set unseen.
FIRST_SIGHT = {
    "heldout": "6ae7954",
    "heldout-2": "e825fd2",
    "heldout-3": "cdcb9c8",
    "heldout-4": "04edf0c",
    "heldout-5": "1b6d81f",
    "heldout-6": "53a620d",
}
STATUSES = ("installed", "planned", "needed")
VARIANTS = ("full", "context", "keep", "status")
L2 = 1.0  # the inverse of scikit-learn's C: a unit of weight costs as much as one example's loss
ITERATIONS = 200
STEP = 0.5  # AdaGrad's base step
MIN_ROWS = 2  # a feature seen in fewer training rows gets no weight
THRESHOLD = 0.5  # the probability of being reported under which a count is dropped

WINDOW_WORDS = 6  # words each side of a number whose prefixes are features
WINDOW_CJK = 8  # characters each side, for Chinese (no spaces between words)
PREFIX = 5  # letters of a word kept: inflections of one stem share a feature across languages
_SENTENCE = re.compile(r"[.!?;。！？；\n]")
_WORD = re.compile(r"[\u4e00-\u9fff]|[^\W\d_]+")
_MONEY = re.compile(r"[$€£¥₹元]|(?<!\w)(?:euros?|dollars?|zł|złotych|reais|pesos|yuan)(?!\w)")
_NUMBER = re.compile(r"\d")


def features(text: str, candidate: Candidate, others: Sequence[Candidate]) -> set[str]:
    """The binary features of one candidate, from all its mentions (``others``: the article's
    candidates, itself included)."""
    found = {
        "bias",
        f"rule:{candidate.status}",
        f"rule:{candidate.status}:{'cued' if candidate.cued else 'default'}",
        f"of:{candidate.of}",
        f"digits:{min(len(str(candidate.count)), 6)}",
        f"mentions:{min(len(candidate.spans), 3)}",
    }
    if candidate.approximate:
        found.add("approximate")
    if candidate.count == 1:
        found.add("one")
    same = [c.count for c in others if c.of == candidate.of]
    if len(others) == 1:
        found.add("only")
    elif candidate.count == max(same):
        found.add("largest")
    title_end = text.find("\n")
    for start, end in candidate.spans:
        if start < title_end:
            found.add("in_title")
        found.add(f"place:{min(int(10 * start / max(len(text), 1)), 9)}")
        found.update(_context(text, start, end))
    return found


def _context(text: str, start: int, end: int) -> Iterable[str]:
    ends = [m.start() for m in _SENTENCE.finditer(text, max(0, start - 400), start)]
    lo = ends[-1] + 1 if ends else max(0, start - 400)
    stop = _SENTENCE.search(text, end)
    hi = stop.start() if stop else len(text)
    left, right = text[lo:start], text[end:hi]
    left_words, right_words = _words(left), _words(right)
    cjk = any(len(w) == 1 and "\u4e00" <= w <= "\u9fff" for w in left_words + right_words)
    reach = WINDOW_CJK if cjk else WINDOW_WORDS
    near_left, near_right = left_words[-reach:], right_words[:reach]
    yield from (f"l:{w}" for w in near_left)
    yield from (f"r:{w}" for w in near_right)
    if near_left:
        yield f"l1:{near_left[-1]}"
    if near_right:
        yield f"r1:{near_right[0]}"
    yield from (f"s:{w}" for w in left_words[:-reach] + right_words[reach:])
    sentence = fold(left + " " + right)
    if _MONEY.search(sentence) or _MONEY.search(left + right):
        yield "money_in_sentence"
    if "%" in left[-3:] + right[:3]:
        yield "percent"
    if _NUMBER.search(left[-40:] + right[:40]):
        yield "number_near"
    if start and text[start - 1] in "(（":
        yield "bracketed"


def _words(raw: str) -> list[str]:
    return [w[:PREFIX] for w in _WORD.findall(fold(raw) if not _has_cjk(raw) else raw.casefold())]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def predict(model: Mapping, active: Iterable[str]) -> dict[str, float]:
    """The probability of each class of ``model`` (a softmax regression) given the features."""
    weights, classes = model["weights"], model["classes"]
    scores = dict.fromkeys(classes, 0.0)
    for feature in active:
        for label, weight in weights.get(feature, {}).items():
            scores[label] += weight
    top = max(scores.values())
    exp = {label: math.exp(score - top) for label, score in scores.items()}
    total = sum(exp.values())
    return {label: value / total for label, value in exp.items()}


def decide(
    text: str, candidates: Sequence[Candidate], model: Mapping
) -> list[tuple[Candidate, str]]:
    """The candidates the model keeps, each with the status it gives."""
    kept = []
    for candidate in candidates:
        active = features(text, candidate, candidates)
        if "keep" in model and predict(model["keep"], active)["keep"] < model["keep"]["threshold"]:
            continue
        status = candidate.status
        if "status" in model:
            status = _best(predict(model["status"], active))
        kept.append((candidate, status))
    return kept


@dataclass
class Article:
    """A labelled article: its text, the rules' candidates and the labelled counts."""

    name: str
    text: str
    candidates: list[Candidate]
    expected: set[tuple[int, str, str]]


def load_set(name: str) -> list[Article]:
    """The articles of a labelled set with the rules' candidates and the hand labels."""
    return load_articles(ROOT / SETS[name])


def load_articles(directory: Path, names: Iterable[str] | None = None) -> list[Article]:
    """The labelled articles of a directory (those of ``names`` only, when given)."""
    labels = yaml.safe_load((directory / "expected.yaml").read_text("utf-8"))
    wanted = set(labels if names is None else names)
    articles = []
    for file, entry in sorted(labels.items()):
        if file not in wanted:
            continue
        item = next(article.parse((directory / file).read_bytes(), format="text-article"))
        read = read_article(item)
        expected = {(q[0], q[1], q[2] if len(q) > 2 else "installed") for q in entry["quantities"]}
        articles.append(
            Article(file, read.body, quantity_candidates(read.body, read.reading), expected)
        )
    return articles


def rows(
    articles: Iterable[Article], drop: Callable[[str], bool]
) -> tuple[list[tuple[set[str], str]], list[tuple[set[str], str]]]:
    """Training rows of the keep model (keep or drop) and of the status model (the status of
    each labelled count found)."""
    keep, status = [], []
    for item in articles:
        labelled = {(n, of): s for n, of, s in item.expected}
        for candidate in item.candidates:
            active = {f for f in features(item.text, candidate, item.candidates) if not drop(f)}
            wanted = labelled.get((candidate.count, candidate.of))
            keep.append((active, "keep" if wanted else "drop"))
            if wanted:
                status.append((active, wanted))
    return keep, status


def fit(data: Sequence[tuple[set[str], str]], classes: Sequence[str]) -> dict:
    """A softmax regression, L2-regularised, by full-batch gradient descent from zero weights
    (deterministic: the same rows give the same weights)."""
    counts: dict[str, int] = {}
    for active, _ in data:
        for feature in active:
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_ROWS or f == "bias")
    index = {f: i for i, f in enumerate(vocabulary)}
    encoded = [
        ([index[f] for f in sorted(active) if f in index], classes.index(label))
        for active, label in data
    ]
    k, n = len(classes), len(encoded)
    weights = [[0.0] * k for _ in vocabulary]
    # AdaGrad: a rare feature's weight moves as fast as the bias's.
    history = [[1e-8] * k for _ in vocabulary]
    for _ in range(ITERATIONS):
        gradient = [[w * L2 / n for w in row] for row in weights]
        for active, label in encoded:
            scores = [sum(weights[i][c] for i in active) for c in range(k)]
            top = max(scores)
            exp = [math.exp(s - top) for s in scores]
            total = sum(exp)
            for c in range(k):
                error = (exp[c] / total - (c == label)) / n
                for i in active:
                    gradient[i][c] += error
        for row, change, past in zip(weights, gradient, history, strict=True):
            for c in range(k):
                past[c] += change[c] ** 2
                row[c] -= STEP * change[c] / math.sqrt(past[c])
    trained = {
        f: dict(zip(classes, row, strict=True)) for f, row in zip(vocabulary, weights, strict=True)
    }
    return {"classes": list(classes), "weights": trained}


def train(articles: Iterable[Article], variant: str) -> dict:
    """The model of a variant: ``full`` (keep and status, the rules' verdict among the
    features), ``context`` (the same without the verdict), ``keep`` or ``status`` alone."""
    drop = (lambda f: f.startswith("rule:")) if variant == "context" else (lambda f: False)
    keep, status = rows(articles, drop)
    model: dict = {}
    if variant in ("full", "context", "keep"):
        model["keep"] = {**fit(keep, ("drop", "keep")), "threshold": THRESHOLD}
    if variant in ("full", "context", "status"):
        model["status"] = fit(status, STATUSES)
    return model


def score(
    articles: Iterable[Article],
    model: Mapping | None,
    found: Mapping[str, list[dict]] | None = None,
) -> tuple[list[int], list[int]]:
    """[true positives, found, expected] of (count, of) and of (count, of, status), as the rules
    (or, with ``found``, the counts another reading found) or the model give them."""
    plain, with_status = [0, 0, 0], [0, 0, 0]
    for item in articles:
        if found is not None:
            got = {(q["count"], q["of"], q["status"]) for q in found[item.name]}
        elif model is None:
            got = {(c.count, c.of, c.status) for c in item.candidates}
        else:
            got = {(c.count, c.of, s) for c, s in decide(item.text, item.candidates, model)}
        want = item.expected
        pairs = {(n, of) for n, of, _ in got}, {(n, of) for n, of, _ in want}
        for tally, (given, wanted) in ((plain, pairs), (with_status, (got, want))):
            tally[0] += len(given & wanted)
            tally[1] += len(given)
            tally[2] += len(wanted)
    return plain, with_status


def _add(totals: Sequence[list[int]], result: Sequence[list[int]]) -> None:
    for total, part in zip(totals, result, strict=True):
        total[:] = [a + b for a, b in zip(total, part, strict=True)]


def _f1(tally: Sequence[int]) -> str:
    tp, found, wanted = tally
    precision = tp / found if found else 1.0
    recall = tp / wanted if wanted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"{precision:.2f}/{recall:.2f} F1 {f1:.2f}"


def leave_one_set_out(sets: Mapping[str, list[Article]], variants: Sequence[str]) -> None:
    """Prints, for each held-out set and pooled, quantities and quantity status as scored by
    the rules and by each variant trained on the other sets."""
    pooled = {name: ([0, 0, 0], [0, 0, 0]) for name in ("rules", *variants)}
    print(f"{'held out':<12} {'variant':<8} {'quantities':>22} {'quantity status':>22}")
    for held in sets:
        training = [a for name, items in sets.items() if name != held for a in items]
        for variant in ("rules", *variants):
            model = None if variant == "rules" else train(training, variant)
            result = score(sets[held], model)
            _add(pooled[variant], result)
            print(f"{held:<12} {variant:<8} {_f1(result[0]):>22} {_f1(result[1]):>22}")
    for variant, (plain, with_status) in pooled.items():
        print(f"{'pooled':<12} {variant:<8} {_f1(plain):>22} {_f1(with_status):>22}")


FIRST_SIGHT_READER = """
import json, sys
from pathlib import Path
import yaml
from crawlers.parsers import article
from registry.normalise.announcement import normalise_announcement
directory = Path(sys.argv[1])
found = {}
for name in sorted(yaml.safe_load((directory / "expected.yaml").read_text("utf-8"))):
    item = next(article.parse((directory / name).read_bytes(), format="text-article"))
    found[name] = normalise_announcement(item)["quantities"]
print(json.dumps(found))
"""


def first_sight_quantities(name: str) -> dict[str, list[dict]]:
    """The counts the code of FIRST_SIGHT[name] read in each article of a held-out set."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", FIRST_SIGHT[name]], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as old:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        run = subprocess.run(
            [sys.executable, "-c", FIRST_SIGHT_READER, str(ROOT / SETS[name])],
            capture_output=True,
            check=True,
            cwd=old,
            env={**os.environ, "PYTHONPATH": old},
            text=True,
        )
    return json.loads(run.stdout)


def first_sight_rows(
    articles: Iterable[Article], found: Mapping[str, list[dict]], drop: Callable[[str], bool]
) -> list[tuple[set[str], str, str]]:
    """(features, labelled status, unseen rule status) of each labelled count the old code
    found, its verdict in place of today's among the features."""
    result = []
    for item in articles:
        labelled = {(n, of): s for n, of, s in item.expected}
        current = {(c.count, c.of): c for c in item.candidates}
        for quantity in found[item.name]:
            key = (quantity["count"], quantity["of"])
            if key not in labelled or key not in current:
                continue
            old = replace(
                current[key], status=quantity["status"], cued=quantity["status"] != "installed"
            )
            active = {f for f in features(item.text, old, item.candidates) if not drop(f)}
            result.append((active, labelled[key], quantity["status"]))
    return result


def first_sight(sets: Mapping[str, list[Article]]) -> None:
    """Prints, per held-out set, how many unseen statuses the old rules and the model got right."""
    found = {name: first_sight_quantities(name) for name in FIRST_SIGHT}
    print("The unseen rules' scores (quantities, quantity status):")
    pooled = [0, 0, 0], [0, 0, 0]
    for name in FIRST_SIGHT:
        result = score(sets[name], None, found[name])
        _add(pooled, result)
        print(f"{name:<12} {_f1(result[0]):>22} {_f1(result[1]):>22}")
    print(f"{'pooled':<12} {_f1(pooled[0]):>22} {_f1(pooled[1]):>22}")
    print("Statuses right of the labelled counts they found: rules, then the model trained on")
    print("the other sets' unseen verdicts with (full) and without (context) the verdict:")
    print(f"{'held out':<12} {'counts':>6} {'rules':>6} {'full':>6} {'context':>8}")
    totals = [0, 0, 0, 0]
    for held in FIRST_SIGHT:
        right = []
        for drop in (lambda f: False, lambda f: f.startswith("rule:")):
            training = [
                (active, label)
                for other in FIRST_SIGHT
                if other != held
                for active, label, _ in first_sight_rows(sets[other], found[other], drop)
            ]
            model = fit(training, STATUSES)
            test = first_sight_rows(sets[held], found[held], drop)
            right.append(sum(_best(predict(model, active)) == label for active, label, _ in test))
        rules = sum(label == old for _, label, old in test)
        line = [len(test), rules, *right]
        totals = [a + b for a, b in zip(totals, line, strict=True)]
        print(f"{held:<12} {line[0]:>6} {line[1]:>6} {line[2]:>6} {line[3]:>8}")
    print(f"{'all':<12} {totals[0]:>6} {totals[1]:>6} {totals[2]:>6} {totals[3]:>8}")


def _best(chances: Mapping[str, float]) -> str:
    return max(chances, key=lambda label: chances[label])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--first-sight", action="store_true", help="score the unseen verdicts")
    args = parser.parse_args()
    sets = {name: load_set(name) for name in SETS}
    if args.first_sight:
        first_sight(sets)
    else:
        leave_one_set_out(sets, VARIANTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
