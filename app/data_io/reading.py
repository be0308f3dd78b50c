"""Parse an uploaded CSV: UTF-8 with or without BOM, ';' or ',' separated, first line a header."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from app.data_io.cells import restore

DELIMITERS = (";", ",")
EXTRA_CELLS = "__extra__"


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (encoding, empty, no header, repeated column)."""


@dataclass
class CsvTable:
    """A parsed file: normalised header names and (line number, {column: text}) per data row."""

    header: list[str]
    delimiter: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def decode(data: bytes) -> str:
    """Text of the file; a UTF-8 BOM (Excel's "CSV UTF-8") is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CsvFormatError(f"The file is not UTF-8 (byte {err.start}); save it as 'CSV UTF-8'.") from None


def detect_delimiter(text: str) -> str:
    """';' (Spanish-locale spreadsheets) or ',', judged on the header line."""
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        # One column, or a header the sniffer finds ambiguous: the more frequent separator wins.
        return ";" if first_line.count(";") > first_line.count(",") else ","


def normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def read_csv(data: bytes) -> CsvTable:
    """Parse `data`; blank lines are skipped, line numbers count the header as line 1."""
    text = decode(data)
    if not text.strip():
        raise CsvFormatError("The file is empty.")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [normalise_header(name) for name in next(reader)]
    while header and not header[-1]:
        header.pop()  # spreadsheets often end every line with an empty cell
    _check_header(header)
    table = CsvTable(header=header, delimiter=delimiter)
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        table.rows.append((start, _row(header, values)))
    return table


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise CsvFormatError("The first line must name the columns.")
    seen: set[str] = set()
    for name in header:
        if not name:
            raise CsvFormatError("A column in the first line has no name.")
        if name in seen:
            raise CsvFormatError(f"Column '{name}' appears twice in the first line.")
        seen.add(name)


def _row(header: list[str], values: list[str]) -> dict[str, str]:
    # restore(): a cell our exports guarded against formula injection (cells.py) reads back as it was.
    row = {name: (restore(values[i]) if i < len(values) else "") for i, name in enumerate(header)}
    if any(value.strip() for value in values[len(header):]):
        row[EXTRA_CELLS] = "1"  # more cells than columns: the validator reports the line
    return row
