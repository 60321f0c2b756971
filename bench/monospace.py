"""The baseline of the payout sheet's PDF in `make bench`: the sheet as it was printed before it
became a table (issue 17), kept here only to be measured beside it. Rows were lines of text in a
CJK monospace font at 7 pt, five rows to a block, columns padded with spaces; a sheet of up to
2,500 rows was one WeasyPrint document. This is that version's code and template
(bench/monospace.html), unchanged but for the imports, for the 2,000-row comparison.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from server.domain import display
from server.domain.payouts import BASIS_LABELS, NO_RULE, Sheet, SheetRow, held_text, title, totals_view
from server.reports import render
from server.reports.render import ReportFetcher, write_pdf


def rule_text(row: SheetRow) -> str:
    rule = row.rule
    if rule is None:
        return BASIS_LABELS[NO_RULE]
    text = f"{rule.region_code} {rule.amount_yuan:,} {'补差' if rule.top_up else '全额'}"
    return f"{text}（按{row.rule_tier_label}）" if row.rule_tier_label else text


# Characters whose width in Noto Sans Mono CJK SC is known: the font has them, at no more than
# the columns `char_width` counts (tests/services/test_outputs.py checks this against the font).
# Printable ASCII; Latin-1 letters and signs; the CJK punctuation, kana, Bopomofo, enclosed and
# compatibility forms; CJK ideographs (basic block and extension A); Hangul syllables; full-width
# forms; and the general punctuation Chinese text uses (dashes, quotes, ellipsis, middle dot).
_KNOWN_WIDTH = re.compile(
    r"[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2016\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2025-\u2027"
    r"\u2030\u2032\u2033\u203b\u2460-\u24ff\u3000-\u303f\u3041-\u30ff\u3105-\u312f"
    r"\u3200-\u32ff\u3400-\u4db5\u4e00-\u9fef\uac00-\ud7a3\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6]*"
)
# Line breaks and other controls would break a preformatted row apart: they show as a space.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@functools.lru_cache(maxsize=65_536)  # a sheet has tens of thousands of rows and a few thousand characters
def char_width(ch: str) -> int:
    """Half-width columns `ch` takes at most in a CJK monospace font: marks and invisible format
    characters none, narrow ones one, everything else two (wide, full-width, and the ambiguous
    ones, which a CJK font draws wide)."""
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) == "Na" and ch not in "\xa2\xa3\xac\xaf":  # those four are wider
        return 1
    return 2


def display_width(text: str) -> int:
    """Columns `text` takes at most in a CJK monospace font."""
    if text.isascii() and text.isprintable():  # digits, codes, amounts: one column each
        return len(text)
    return sum(map(char_width, text))


def known_width(text: str) -> bool:
    """True when every character of `text` is drawn by the monospace font itself, no wider than
    `display_width` counts; otherwise a fallback font may draw some wider."""
    return _KNOWN_WIDTH.fullmatch(text) is not None


def pdf_text(text: str) -> str:
    """User text as a preformatted cell shows it: no bidi controls, and controls (a line break,
    a tab) as spaces, so a row stays one row."""
    return _CONTROLS.sub(" ", display.clean(text))


def wrap(text: str, width: int) -> list[str]:
    if display_width(text) <= width:
        return [text]
    lines: list[str] = []
    current, used = "", 0
    for ch in text:
        w = char_width(ch)
        if used + w > width and current:
            lines.append(current)
            current, used = "", 0
        current += ch
        used += w
    lines.append(current)
    return lines


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # in half-width columns
    right: bool = False


PDF_COLUMNS = (
    Column("序号", 4, right=True),
    Column("机构名称", 36),
    Column("统一社会信用代码", 18),
    Column("机构类别", 16),
    Column("达标等级", 16),
    Column("适用奖补标准", 34),  # "410000 300,000 补差（按推荐标准）" on one line
    Column("此前已拨", 9, right=True),
    Column("本期应拨", 9, right=True),
    Column("报告编号", 23),
    Column("数据摘要前16位", 16),
)
# The PDF shows a report's SHA-256 by its first 16 hex digits (64 bits: no two reports share them
# by chance), as people compare it; the XLSX of the same rows carries the whole digest. Each row is
# then a fifth shorter, and WeasyPrint's cost is per glyph drawn.
PDF_DIGEST_CHARS = 16
GAP = "  "
# Rows go to the PDF in blocks of five with a rule under each block, as in printed statistical
# tables: WeasyPrint's cost is per box as much as per line, and this is a fifth of the boxes.
ROWS_PER_BLOCK = 5


ROW_COLUMNS = 223  # what an A4 landscape line holds at 7 pt (payouts.html)


def pdf_columns(sheet_rows: Sequence[SheetRow]) -> tuple[Column, ...]:
    """The PDF's columns for these rows: 序号, 报告编号 and 达标等级 widened to their longest
    values while the row still fits the page, so that none wraps a row onto a second line (a
    province passes row 9,999; in a few years, inspection 999,999, whose report numbers are a
    digit longer; a village clinic's tier reads "达标（标准化村卫生室）")."""
    longest = {
        "序号": len(str(max((r.index for r in sheet_rows), default=0))),
        "报告编号": max((len(r.candidate.report_number) for r in sheet_rows), default=0),
        "达标等级": max(map(display_width, {r.candidate.tier_label for r in sheet_rows}), default=0),
    }
    columns = list(PDF_COLUMNS)
    for name, width in longest.items():
        at = next(i for i, c in enumerate(columns) if c.title == name)
        wider = [*columns[:at], replace(columns[at], width=max(columns[at].width, width)), *columns[at + 1 :]]
        if sum(c.width for c in wider) + len(GAP) * (len(wider) - 1) <= ROW_COLUMNS:
            columns = wider
    return tuple(columns)


def text_row(cells: Sequence[str], columns: Sequence[Column] = PDF_COLUMNS) -> str:
    """One table row as lines of fixed-width text; a cell too long for its column wraps."""
    wrapped = [wrap(cell, column.width) for cell, column in zip(cells, columns, strict=True)]
    lines = []
    for n in range(max(len(w) for w in wrapped)):
        parts = []
        for cell_lines, column in zip(wrapped, columns, strict=True):
            text = cell_lines[n] if n < len(cell_lines) else ""
            pad = " " * (column.width - display_width(text))
            parts.append(pad + text if column.right else text + pad)
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def pdf_cells(row: SheetRow) -> list[str]:
    c = row.candidate
    cells = [
        str(row.index),
        c.facility_name,
        c.uscc or "无",
        c.type_name,
        c.tier_label,
        rule_text(row),
        f"{row.paid_before_yuan:,}",
        f"{row.amount_yuan:,}",
        c.report_number,
        c.report_digest[:PDF_DIGEST_CHARS],
    ]
    return [pdf_text(cell) for cell in cells]


def _block(rows: Sequence[SheetRow], columns: Sequence[Column]) -> dict[str, Any]:
    """Up to ROWS_PER_BLOCK rows as one preformatted text. A block with a character the
    monospace font may not draw at the counted width is marked to wrap instead (slower to lay
    out, so only such blocks are): a line that came out too long then wraps rather than being
    cut at the page edge."""
    cells = [pdf_cells(r) for r in rows]
    text = "\n".join(text_row(c, columns) for c in cells)
    return {
        "text": text,
        "lines": text.count("\n") + 1,
        "wrap": not all(known_width(cell) for row in cells for cell in row),
    }


def view(sheet: Sheet) -> dict[str, Any]:
    """The template context of the payout sheet. Its rows are `items`, a block of rows each, the
    first block of a family section carrying the section's heading: a long sheet's pages are
    planned in items (server.reports.paged)."""
    items = []
    columns = pdf_columns(sheet.rows)
    numerals = "一二三四五六七八九"
    for n, family in enumerate(dict.fromkeys(r.candidate.family for r in sheet.rows)):
        rows = [r for r in sheet.rows if r.candidate.family == family]
        heading: dict[str, Any] | None = {
            "title": sheet.family_name(family),
            "numeral": numerals[n] if n < len(numerals) else str(n + 1),
            "count": len(rows),
            "amount": sum(r.amount_yuan for r in rows),
        }
        for i in range(0, len(rows), ROWS_PER_BLOCK):
            items.append({"heading": heading, "block": _block(rows[i : i + ROWS_PER_BLOCK], columns)})
            heading = None
    recorded = sum(1 for r in sheet.rows if r.recorded)
    return {
        "title": title(sheet),
        "sheet": sheet,
        "period": sheet.period,
        "header": text_row([c.title for c in columns], columns),
        "items": items,
        "totals": totals_view(sheet),
        "facilities": len(sheet.rows),
        "recorded": recorded,
        "held_text": held_text(sheet),
    }


def _environment() -> Environment:
    """The report environment (its escaping, finalize and filters), reading this folder."""
    return render._env.overlay(loader=FileSystemLoader(Path(__file__).resolve().parent))


def pdf(sheet: Sheet) -> bytes:
    """The sheet's PDF as the baseline made it: one WeasyPrint document."""

    def no_evidence(key: str) -> bytes:
        raise KeyError(key)

    html = _environment().get_template("monospace.html").render(part=None, probe=None, **view(sheet))
    return write_pdf(html, ReportFetcher(no_evidence, ()))
