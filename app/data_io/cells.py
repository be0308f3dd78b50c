"""The one CSV writer of every export (data exports, `flask export`, the console's log export) and its
rule against formula injection.

Spreadsheet apps run a cell that starts with = + - @ (or a tab or carriage return, which some
strip first) as a formula, so a customer named "=HYPERLINK(...)" could act on the machine of whoever
opens the file. Such a text cell is written with a leading apostrophe (OWASP's advice). So that an
exported file still imports back unchanged, a text that is already apostrophes followed by one of
those characters gets one more apostrophe, and the importer (reading.py) takes exactly one off:
`restore(neutralise(text)) == text` for every text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _needs_guard(text: str) -> bool:
    return text.lstrip(GUARD)[:1] in FORMULA_START


def neutralise(value: Any) -> Any:
    """The cell as written: text that a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value and _needs_guard(value):
        return GUARD + value
    return value


def restore(text: str) -> str:
    """The inverse of `neutralise`, applied to every imported cell."""
    if text[:1] == GUARD and _needs_guard(text[1:]):
        return text[1:]
    return text


class CsvLines:
    """CSV text from rows, every cell through `neutralise` (CRLF line ends, as spreadsheets expect)."""

    def __init__(self, delimiter: str = ",") -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def rows(self, rows: Iterable[Iterable[Any]]) -> str:
        """The text of `rows`, each cell made safe."""
        self._writer.writerows([neutralise(cell) for cell in row] for row in rows)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def row(self, row: Iterable[Any]) -> str:
        return self.rows([row])
