"""The payout sheet (奖补资金分配表) as an XLSX workbook. Every cell goes through
server.formats.cells, so names and remarks stay text and amounts stay numbers."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from server.domain import payouts as domain
from server.formats import cells

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

XLSX_COLUMNS = (
    ("序号", 6),
    ("评审标准类别", 18),
    ("机构名称", 30),
    ("统一社会信用代码", 21),
    ("机构类别", 16),
    ("所在地区代码", 13),
    ("终审通过日期", 13),
    ("达标等级", 18),
    ("适用标准地区", 13),
    ("适用标准金额（元）", 16),
    ("补差/全额", 10),
    ("此前已拨付（元）", 16),
    ("本期应拨（元）", 16),
    ("说明", 30),
    ("报告编号", 26),
    ("报告数据摘要（SHA-256）", 68),
    ("登记状态", 10),
)
AMOUNT_FORMAT = "#,##0"
AMOUNT_COLUMNS = (9, 11, 12)  # 0-based: rule amount, paid before, due
DATE_COLUMN = 6
DATE_FORMAT = "yyyy-mm-dd"


def xlsx_row(sheet: domain.Sheet, r: domain.SheetRow) -> list[Any]:
    """One data row of the XLSX, in column order; numbers stay numbers."""
    c = r.candidate
    return [
        r.index,
        sheet.family_name(c.family),
        c.facility_name,
        c.uscc or "",
        c.type_name,
        c.region_code,
        c.approved_on,
        c.tier_label + (f"（按{r.rule_tier_label}）" if r.rule_tier_label else ""),
        r.rule.region_code if r.rule else "",
        r.rule.amount_yuan if r.rule else None,
        ("补差" if r.rule.top_up else "全额") if r.rule else "",
        r.paid_before_yuan,
        r.amount_yuan,
        domain.remark(r),
        c.report_number,
        c.report_digest,
        "已登记" if r.recorded else "未登记",
    ]


def xlsx_rows(sheet: domain.Sheet) -> list[list[Any]]:
    """The data rows of the XLSX, in column order; numbers stay numbers."""
    return [xlsx_row(sheet, r) for r in sheet.rows]


PROGRESS_EVERY = 1000  # rows between two progress calls


def xlsx(sheet: domain.Sheet) -> bytes:
    out = io.BytesIO()
    write_xlsx(sheet, out)
    return out.getvalue()


def write_xlsx(
    sheet: domain.Sheet, out: BinaryIO, progress: Callable[[int, int], None] | None = None
) -> None:
    """The sheet as a workbook written to `out`. Write-only: openpyxl streams the rows to a
    temporary file as they are appended, one row built at a time, so memory stays bounded
    however many rows. Every cell goes through server.formats.cells, so names and remarks stay
    text and amounts stay numbers. `progress(rows done, rows)` every PROGRESS_EVERY rows."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("奖补资金分配表")
    for i, (_, width) in enumerate(XLSX_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 5
    ws.freeze_panes = f"D{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    wrap = Alignment(wrap_text=True, vertical="center")

    def heading(titles: Sequence[str]) -> list[Any]:
        return [cells.cell(ws, title, font=bold, fill=fill, alignment=wrap) for title in titles]

    cells.append(ws, [cells.cell(ws, domain.title(sheet), font=Font(bold=True, size=14))])
    cells.append(
        ws,
        [
            f"地区：{sheet.region_path}（{sheet.region_code}）　期间：{sheet.period.label}"
            f"（{sheet.period.start} 至 {sheet.period.end}，以终审通过日期计）　"
            f"奖补标准取值日：{sheet.period.end}　生成时间：{sheet.generated_at}"
        ],
    )
    cells.append(ws, [f"分配表摘要（SHA-256）：{sheet.digest}"])
    cells.append(ws, [])
    cells.append(ws, heading([title for title, _ in XLSX_COLUMNS]))  # row `header_row`
    count = len(sheet.rows)
    rows = cells.Rows(ws, {DATE_COLUMN: DATE_FORMAT, **{i: AMOUNT_FORMAT for i in AMOUNT_COLUMNS}})
    for done, row in enumerate(sheet.rows, 1):
        rows.append(xlsx_row(sheet, row))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == count):
            progress(done, count)
    cells.append(ws, [])
    cells.append(ws, [cells.cell(ws, "按等级汇总", font=bold)])
    cells.append(ws, heading(["评审标准类别", "达标等级", "机构数", "应拨金额（元）"]))
    for total in domain.totals_view(sheet):
        amount = cells.cell(ws, total["amount"], AMOUNT_FORMAT)
        cells.append(ws, [total["family"], total["tier"], total["facilities"], amount])
    cells.append(
        ws,
        [
            cells.cell(ws, "合计", font=bold),
            "",
            cells.cell(ws, len(sheet.rows), font=bold),
            cells.cell(ws, sheet.total_yuan, AMOUNT_FORMAT, bold),
        ],
    )
    if sheet.not_reached:
        cells.append(ws, [f"另有 {sheet.not_reached} 家机构终审结论为未达标，不予奖补。"])
    if sheet.held:
        cells.append(ws, [domain.held_text(sheet) + "。"])
    book.save(out)
