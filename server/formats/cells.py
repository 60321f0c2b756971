"""Cells of the spreadsheets (XLSX) the project writes. Every value goes through `cell` (or
`append`), so text from users stays text.

Excel, WPS and LibreOffice take a cell that starts with = + - @ (or a tab or carriage return, and
in a Chinese input method their full-width forms) as a formula once anyone edits it or the sheet is
saved as CSV: a facility named `=HYPERLINK("http://x","y")` would become a link that leaks data, a
`=cmd|...` a command. Such text gets an apostrophe in front, the convention spreadsheets
themselves use for "this is text", and every text cell is written with the string type, so no
text is ever stored as a formula. Numbers, dates and booleans keep their types: amounts stay
numbers that add up.

Text also loses its bidirectional controls (server.domain.display), the control characters XML
cannot carry (openpyxl would refuse the whole workbook), and whatever is beyond the 32,767
characters a cell can hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, TYPE_STRING, Cell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]

from server.domain import display

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ESCAPE = "'"
MAX_CELL_TEXT = 32_767


def safe_text(text: str) -> str:
    """`text` as a spreadsheet cell shows it: never read as a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", display.clean(text))
    if text.startswith(FORMULA_STARTS):
        text = ESCAPE + text
    return text[:MAX_CELL_TEXT]


def cell(
    ws: Any,
    value: Any,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
) -> Cell:
    """A cell for `ws` (write-only or not): text as text, other values as they are."""
    if isinstance(value, Cell):
        return value
    if isinstance(value, str):
        result = WriteOnlyCell(ws, safe_text(value))
        result.data_type = TYPE_STRING  # set after the value: openpyxl guesses "f" for a leading "="
    else:
        result = WriteOnlyCell(ws, value)
    if number_format:
        result.number_format = number_format
    if font:
        result.font = font
    if fill:
        result.fill = fill
    if alignment:
        result.alignment = alignment
    return result


def append(ws: Any, values: Iterable[Any]) -> None:
    """Append a row of values (or cells made by `cell`) to `ws`."""
    ws.append([cell(ws, value) for value in values])


class Rows:
    """Appends many rows to a write-only sheet (tens of thousands: a province's payout sheet) at
    a fraction of `append`'s cost, with the same cells.

    openpyxl's write-only sheet writes a row out as it is appended, binding plain values to one
    reused cell. So text goes in as plain `safe_text` (it never starts with "=", the only start
    openpyxl types as a formula); the few strings openpyxl would type as error values ("#N/A")
    go through `cell`. A column with a number format (`formats`, 0-based) reuses one styled cell,
    so the style is looked up once, not once a row."""

    def __init__(self, ws: Any, formats: dict[int, str]) -> None:
        self._ws = ws
        self._styled = {column: cell(ws, None, number_format) for column, number_format in formats.items()}

    def append(self, values: Iterable[Any]) -> None:
        row: list[Any] = []
        for column, value in enumerate(values):
            if isinstance(value, str):
                value = safe_text(value)
                if value in ERROR_CODES:
                    value = cell(self._ws, value)
            styled = self._styled.get(column)
            if styled is not None and value is not None and not isinstance(value, Cell):
                styled.value = value
                value = styled
            row.append(value)
        self._ws.append(row)
