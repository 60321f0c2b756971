"""Outputs that carry user text: spreadsheet cells stay text (never formulas), PDFs show every
character of a long note or name (nothing cut at the page edge), and bidirectional controls never
reach a report, a payout sheet or its workbook."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from server.domain import display
from server.reports import sheets
from server.services import payouts
from tests.api.world import World, add_facility
from tests.services.test_payouts import NOW, approved, qs_rules

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width, as a Chinese input method types it
]


# --- spreadsheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_starting_like_a_formula_is_escaped_text(text: str) -> None:
    book = Workbook()
    ws = book.active
    sheets.append(ws, [text, 150_000, "普通文字", "a=b"])
    data = io.BytesIO()
    book.save(data)
    row = next(load_workbook(io.BytesIO(data.getvalue())).active.iter_rows(min_row=1, max_row=1))
    # (XML reads a carriage return back as a line feed)
    assert row[0].data_type == "s" and row[0].value == "'" + text.replace("\r", "\n")
    assert row[1].data_type == "n" and row[1].value == 150_000
    assert (row[2].value, row[3].value) == ("普通文字", "a=b")


def test_cell_text_loses_bidi_controls_and_characters_xml_cannot_carry() -> None:
    assert sheets.safe_text("\u202eabc\u2066d\u2069") == "abcd"
    assert sheets.safe_text("a\x01b") == "a\ufffdb"
    assert sheets.safe_text("\u202e=1") == "'=1"  # escaped after cleaning, not before
    assert len(sheets.safe_text("x" * 40_000)) == sheets.MAX_CELL_TEXT


def test_the_payout_workbook_keeps_hostile_names_as_text_and_amounts_as_numbers(world: World) -> None:
    qs_rules()
    for name in DANGEROUS:
        approved(world, add_facility("410222", name), tier="basic")
    approved(world, add_facility("410222", "\u202e院生卫镇关城"), tier="recommended")
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    ws = load_workbook(io.BytesIO(payouts.xlsx(sheet))).active
    rows = list(ws.iter_rows())
    header_at = next(i for i, r in enumerate(rows) if r[0].value == "序号")
    header = [c.value for c in rows[header_at]]
    name_col, due_col = header.index("机构名称"), header.index("本期应拨（元）")
    data = [r for r in rows[header_at + 1 :] if r[0].value is not None][: len(sheet.rows)]
    names = {r[name_col].value: r for r in data}
    for text in DANGEROUS:
        cell = names["'" + text.replace("\r", "\n")][name_col]
        assert cell.data_type == "s", text
    assert "院生卫镇关城" in names
    for r in data:
        assert r[due_col].data_type == "n" and isinstance(r[due_col].value, int)
    every_cell: list[Any] = [c for r in rows for c in r]
    assert not any(c.data_type == "f" for c in every_cell)
    assert not any(isinstance(c.value, str) and set(c.value) & set(display.BIDI_CONTROLS) for c in every_cell)
    assert sum(r[due_col].value for r in data) == sheet.total_yuan
