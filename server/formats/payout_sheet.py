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
    ("县（市、区）", 14),
    ("机构名称", 30),
    ("统一社会信用代码", 21),
    ("执业许可证登记号", 24),
    ("机构类别", 16),
    ("所在地区代码", 13),
    ("终审通过日期", 13),
    ("达标等级", 18),
    ("奖补标准", 34),
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
AMOUNT_COLUMNS = (11, 13, 14)  # 0-based: rule amount, paid before, due
DATE_COLUMN = 8
DATE_FORMAT = "yyyy-mm-dd"


def xlsx_row(sheet: domain.Sheet, r: domain.SheetRow, county: str = "") -> list[Any]:
    """One data row of the XLSX, in column order; numbers stay numbers."""
    c = r.candidate
    return [
        r.index,
        sheet.family_name(c.family),
        county,
        c.facility_name,
        c.uscc or "",
        c.licence_no or "",
        c.type_name,
        c.region_code,
        c.approved_on,
        c.tier_label + (f"（按{r.rule_tier_label}）" if r.rule_tier_label else ""),
        domain.rule_text(r, sheet.region_names),
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
    return [xlsx_row(sheet, r, county.name) for county in domain.counties_of(sheet) for r in county.rows]


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
            f"出具单位：{sheet.issuer}　地区：{sheet.region_path}（{sheet.region_code}）　"
            f"期间：{sheet.period.label}"
            f"（{sheet.period.start} 至 {sheet.period.end}，以终审通过日期计）　"
            f"奖补标准取值日：{sheet.period.end}　生成时间：{sheet.generated_at}"
        ],
    )
    cells.append(ws, [f"分配表摘要（SHA-256）：{sheet.digest}"])
    cells.append(ws, [])
    cells.append(ws, heading([title for title, _ in XLSX_COLUMNS]))  # row `header_row`
    count = len(sheet.rows)
    rows = cells.Rows(ws, {DATE_COLUMN: DATE_FORMAT, **{i: AMOUNT_FORMAT for i in AMOUNT_COLUMNS}})
    done = 0
    counties = domain.counties_of(sheet)
    for county in counties:
        for row in county.rows:
            rows.append(xlsx_row(sheet, row, county.name))
            done += 1
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == count):
                progress(done, count)

    def totals(title: str, first: str, entries: Sequence[tuple[str, str, int, int]]) -> None:
        """A totals block, as the PDF's closing has it: its rows and 合计."""
        cells.append(ws, [])
        cells.append(ws, [cells.cell(ws, title, font=bold)])
        cells.append(ws, heading(["评审标准类别", first, "机构数", "应拨金额（元）"]))
        for family, what, facilities, amount in entries:
            cells.append(ws, [family, what, facilities, cells.cell(ws, amount, AMOUNT_FORMAT)])
        cells.append(
            ws,
            [
                cells.cell(ws, "合计", font=bold),
                "",
                cells.cell(ws, count, font=bold),
                cells.cell(ws, sheet.total_yuan, AMOUNT_FORMAT, bold),
            ],
        )

    by_tier = [(t["family"], t["tier"], t["facilities"], t["amount"]) for t in domain.totals_view(sheet)]
    totals("按等级汇总", "达标等级", by_tier)
    by_county = [
        (c["family"], c["county"], c["facilities"], c["amount"])
        for c in domain.county_totals(sheet, counties)
    ]
    totals("按县（市、区）汇总", "县（市、区）", by_county)
    cells.append(ws, [])
    cells.append(
        ws,
        [f"应拨金额合计：人民币 {sheet.total_yuan:,} 元（大写：{domain.capital_yuan(sheet.total_yuan)}）"],
    )
    if sheet.not_reached:
        cells.append(ws, [f"另有 {sheet.not_reached} 家机构终审结论为未达标，不予奖补。"])
    if sheet.held:
        cells.append(ws, [domain.held_text(sheet) + "。"])
    cells.append(ws, [])
    cells.append(ws, ["经办人：", "", "", "复核人：", "", "", "负责人："])
    cells.append(ws, ["日期：", "", "", "日期：", "", "", "日期："])
    cells.append(ws, [f"出具单位（盖章）：{sheet.issuer}"])
    book.save(out)
