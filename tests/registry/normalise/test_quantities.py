"""Counts with what they count and their status (registry/normalise/quantities.py)."""

from __future__ import annotations

import pytest

from registry.normalise.quantities import extract_quantities


def counts(text, language):
    return [(q["count"], q["of"]) for q in extract_quantities(text, language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # A bare number that adds to the count before it counts the same thing.
        ("Na rynku działa 12 kamer, kolejne 8 obserwuje parking przy dworcu.", "pl",
         [(12, "cameras"), (8, "cameras")]),
        ("Am Rathaus hängen 6 Kameras, weitere 4 kommen an den Bahnhof.", "de",
         [(6, "cameras"), (4, "cameras")]),
        ("Sono attive 15 telecamere in piazza e altre 5 lungo il lungolago.", "it",
         [(15, "cameras"), (5, "cameras")]),
        # A Chinese count with its counter and no noun counts what the one before it counted.
        ("该镇去年有120个监控探头，今年增加到300个，覆盖全部村庄。", "zh",
         [(120, "cameras"), (300, "cameras")]),
        ("今年对45个公共场所的监控设备进行了更换。", "zh", [(45, "sites")]),
    ],
)  # fmt: skip
def test_a_count_without_its_noun_counts_what_the_count_before_it_counted(text, language, expected):
    assert counts(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # A breakdown of a count is not a count of its own, nor the numbers after it.
        ("Se colocarán doce cámaras, nueve de ellas en el casco antiguo y otras tres en el "
         "polígono.", "es"),
        ("A cidade terá doze câmeras, nove delas nas escolas.", "pt"),
        # An amount or a share after the word is not a count.
        ("Es gibt zwölf Kameras; weitere 20 % der Kosten trägt das Land.", "de"),
    ],
)  # fmt: skip
def test_a_share_or_an_amount_is_not_a_count(text, language):
    assert counts(text, language) == [(12, "cameras")]


def test_a_chinese_count_is_approximate_only_with_its_markers():
    found = extract_quantities("县城新装摄像头200个，另有约50个监控点位在建。", "zh")
    assert [(q["count"], q["approximate"]) for q in found] == [(200, False), (50, True)]
