"""Counting the work code does, so tests bound it without a clock (speeds live in benchmarks/)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any


@dataclass
class Lines:
    executed: int = 0


@contextlib.contextmanager
def python_lines() -> Iterator[Lines]:
    """Count the Python lines this thread executes inside the block (library code included)."""
    lines = Lines()

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            lines.executed += 1
        return local

    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: local)
    try:
        yield lines
    finally:
        sys.settrace(previous)
