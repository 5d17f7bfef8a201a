"""Normalising steps memoised on their input values: buyers, suppliers and extra fields recur.

A step's inputs are the JSON values a parser wrote, so their ``repr`` is the key: it tells
apart what a JSON encoding would merge (1, 1.0 and True; NaN and null; a list and a tuple). The
result is kept as JSON and each call gets its own copy, which the caller may change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson

T = TypeVar("T")
# Entries per step: the buyers and suppliers of a large build recur by the thousand; a bound
# keeps memory flat in the number of records.
SIZE = 8192


class Memoised(Generic[T]):
    """``function`` memoised on its arguments' values, for its ``size`` latest inputs."""

    def __init__(self, function: Callable[..., T], size: int = SIZE):
        self.function = function
        self.size = size
        self._results: OrderedDict[str, bytes] = OrderedDict()

    def __call__(self, *args: Any) -> T:
        key = repr(args)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            result: T = orjson.loads(cached)
            return result
        result = self.function(*args)
        try:
            # Results hold only JSON's values (the steps drop NaN and infinities), so this
            # copy reads back as the result itself; one that does not is not kept.
            self._results[key] = orjson.dumps(result)
        except TypeError:
            return result
        if len(self._results) > self.size:
            self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        self._results.clear()
