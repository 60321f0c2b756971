"""The rectification list (整改清单) of a region as an XLSX workbook: one row per task, written in
openpyxl's write-only mode (rows streamed to a temporary file as they are appended), every cell
through server.formats.cells, so a facility's note stays text and dates stay dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from server.formats import cells

COLUMNS = (
    ("序号", 6),
    ("所在地区", 14),
    ("机构名称", 28),
    ("评审标准", 28),
    ("检查日期", 12),
    ("终审等级", 14),
    ("条款编号", 10),
    ("条款内容", 40),
    ("存在问题", 30),
    ("整改期限", 12),
    ("状态", 10),
    ("是否逾期", 10),
    ("机构整改说明", 36),
    ("整改照片（张）", 12),
    ("提交时间", 17),
    ("核验时间", 17),
    ("核验意见", 30),
)
DATE_FORMAT = "yyyy-mm-dd"
DATE_COLUMNS = (4, 9)  # 0-based: inspection day, deadline


def write(title: str, subtitle: str, rows: Iterable[Mapping[str, Any]], out: BinaryIO) -> int:
    """The list written to `out`; returns the rows written. A row has the keys the columns read
    (see `row`); times are text already in China time."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("整改清单")
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "D4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    wrap = Alignment(wrap_text=True, vertical="center")
    cells.append(ws, [cells.cell(ws, title, font=Font(bold=True, size=14))])
    cells.append(ws, [subtitle])
    cells.append(ws, [cells.cell(ws, name, font=bold, fill=fill, alignment=wrap) for name, _ in COLUMNS])
    writer = cells.Rows(ws, dict.fromkeys(DATE_COLUMNS, DATE_FORMAT))
    count = 0
    for count, r in enumerate(rows, 1):
        writer.append(row(count, r))
    book.save(out)
    return count


def row(index: int, r: Mapping[str, Any]) -> list[Any]:
    """One task's row, in column order."""
    inspected: dt.date = r["inspection_date"]
    deadline: dt.date = r["deadline"]
    return [
        index,
        r["region_name"],
        r["facility_name"],
        r["checklist_title"],
        inspected,
        r["tier_label"] or "",
        r["item_number"],
        r["item_text"],
        r["problem"],
        deadline,
        r["status_label"],
        "是" if r["overdue"] else "否",
        r["note"] or "",
        r["photos"],
        r["submitted_at"] or "",
        r["decided_at"] or "",
        r["decision_reason"] or "",
    ]
