"""Reading the messy CSVs of open datasets: BOMs, semicolons, placeholders, bad rows with lines."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from crawlers.parsers.errors import ParseError

logger = logging.getLogger(__name__)

# Cells that mean "no value" in the datasets we read (R's NA, spreadsheet exports, scrapers).
PLACEHOLDERS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "(empty)", "-", "unknown", "data unavailable"}
)
DELIMITERS = (",", ";", "\t")
# Policy and sharing cells of the Flock scrape run to tens of kilobytes.
csv.field_size_limit(4 * 1024 * 1024)


class MissingColumnError(ParseError):
    """A CSV without a column its format cannot do without."""


class EncodingError(ParseError):
    """A CSV that is neither UTF-8 nor readable as Windows-1252."""


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read: which file, which line (1-based, header is 1), and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


def decode(data: bytes, name: str) -> str:
    """Text of a CSV: UTF-8 (BOM dropped), else Windows-1252, as spreadsheet exports often are."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"{name}: neither UTF-8 nor Windows-1252 ({exc.reason})") from exc
    logger.warning("not UTF-8, read as Windows-1252: file=%s", name)
    return text


def header_of(data: bytes) -> str:
    """The first line of a CSV document, decoded leniently, for sniffing."""
    text = data[:8192].decode("utf-8", "replace").lstrip("\ufeff")
    return text.split("\n", 1)[0].strip()


def delimiter_of(header: str) -> str:
    """The delimiter a header line uses: the most frequent of comma, semicolon and tab."""
    return max(DELIMITERS, key=header.count)


def cell(value: str | None) -> str | None:
    """A cell as written, stripped, or None for the placeholders of "no value"."""
    if value is None:
        return None
    value = value.strip()
    return None if value.casefold() in PLACEHOLDERS else value


def read_rows(
    data: bytes,
    name: str,
    required: tuple[str, ...],
    problems: list[RowProblem] | None = None,
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(line, {column: cell}) of each readable row; unreadable ones go to ``problems`` and the log.

    Column names are matched after stripping spaces and BOMs; a missing required column fails the
    document, a missing optional one reads as None.
    """
    text = decode(data, name)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first))
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise MissingColumnError(f"{name}: empty document") from None
    except csv.Error as exc:
        raise ParseError(f"{name} line 1: {exc}") from exc
    missing = [column for column in required if column not in header]
    if missing:
        raise MissingColumnError(f"{name}: missing column(s) {', '.join(missing)}")
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report(problems, RowProblem(name, line, str(exc)))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            report(
                problems,
                RowProblem(name, start, f"{len(values)} fields where the header has {len(header)}"),
            )
            continue
        yield start, dict(zip(header, (cell(v) for v in values), strict=True))


def report(problems: list[RowProblem] | None, problem: RowProblem) -> None:
    logger.warning("unreadable row: %s", problem)
    if problems is not None:
        problems.append(problem)
