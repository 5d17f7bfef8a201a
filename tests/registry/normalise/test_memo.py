"""Normalising steps memoised on their input values give what the step itself gives."""

from __future__ import annotations

import copy
import math

from registry.normalise.memo import Memoised
from registry.normalise.record import normalise_record


def test_values_json_would_merge_are_kept_apart() -> None:
    calls: list[object] = []

    def describe(value: object) -> str:
        calls.append(value)
        return f"{type(value).__name__}:{value}"

    memoised = Memoised(describe)
    inputs = [1, 1.0, True, None, math.nan, [1], (1,), "1", 1, "1"]
    assert [memoised(v) for v in inputs] == [describe(v) for v in inputs]
    assert len(calls) == 2 * len(inputs) - 2  # the repeated 1 and "1" came from the memo


def test_each_call_gets_its_own_copy() -> None:
    memoised = Memoised(lambda name: {"name": name, "tags": [name]})
    first = memoised("a")
    first["tags"].append("changed")
    assert memoised("a") == {"name": "a", "tags": ["a"]}


def test_memory_is_bounded() -> None:
    memoised = Memoised(str, size=4)
    for n in range(100):
        memoised(n)
    assert len(memoised._results) == 4


def test_a_repeated_buyer_normalises_as_the_first() -> None:
    buyer = {
        "name": "Doncaster Council",
        "city": "Doncaster",
        "country": "GB",
        "contact": {"name": "Jane Smith", "email": "jane.smith@doncaster.gov.uk"},
        "address": {"street": "Waterdale", "phone": "01302 736000"},
    }
    items = [
        {"kind": "notice", "source": "s", "source_id": str(n), "title": "CCTV", "buyer": buyer}
        for n in range(3)
    ]
    first, *others = [normalise_record(item) for item in items]
    expected = copy.deepcopy(first["buyer"])
    assert expected["address"] == {"street": "Waterdale", "phone": None}
    assert expected["contact"] is None and expected["place_id"] == "geonames/2651123"
    first["buyer"]["address"]["street"] = "changed"  # a caller's change stays its own
    assert [record["buyer"] for record in others] == [expected, expected]
