"""The exports as XLSX workbooks: a region's final results for a period (评审结果), one sheet per
checklist edition and version after a summary sheet, and a plan's inspection list (检查名单).

Both are written in openpyxl's write-only mode, so rows stream to a temporary file as they are
appended (a province's results run to tens of thousands of rows), through server.formats.cells:
text from users stays text (a facility named "=HYPERLINK(...)" is a name, not a formula), dates
are dates, shares and amounts are numbers with number formats.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from server.domain import exports as domain
from server.formats import cells

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
PROGRESS_EVERY = 1000  # rows between two progress calls

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")
WRAP = Alignment(wrap_text=True, vertical="center")

# The columns of a results sheet before and after its chapters: (title, width).
RESULT_LEAD = (
    ("序号", 6),
    ("县（市、区）", 12),
    ("乡镇（街道）", 14),
    ("机构名称", 28),
    ("机构类别", 12),
    ("统一社会信用代码/执业许可证登记号", 22),
    ("评审标准", 30),
    ("版本", 6),
    ("评审类型", 12),
    ("现场评审日期", 12),
    ("达标等级", 16),
)
RESULT_TAIL = (
    ("核心条款达标", 12),
    ("一票否决", 14),
    ("报告编号", 26),
    ("报告数据摘要（SHA-256）", 68),
    ("奖补金额（元）", 14),
    ("奖补说明", 30),
)
SHARE_WIDTH = 14
RESULT_NOTE = (
    "核心条款达标＝达到要求的核心条款数/适用的核心条款数。奖补金额按期间结束日有效的奖补标准，"
    "与奖补资金分配表的算法相同（补差规则扣除此前已拨付的金额），无适用标准时留空。"
)
HEADER_ROW = 5  # the table's header in every sheet: after the title, two lines of context, a blank


def _setup(ws: Any, widths: Sequence[int], freeze: str) -> None:
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _heading(ws: Any, titles: Sequence[str]) -> list[Any]:
    return [cells.cell(ws, title, font=BOLD, fill=HEAD_FILL, alignment=WRAP) for title in titles]


def _filter(ws: Any, columns: int, rows: int) -> None:
    """An autofilter over the table, so a bureau sorts and filters it as it is."""
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(columns)}{HEADER_ROW + max(rows, 1)}"


# --- results ---------------------------------------------------------------------------------------


def _blank(text: str) -> str | None:
    """An empty text as an empty cell."""
    return text or None


def result_row(index: int, group: domain.ResultGroup, r: domain.ResultRow) -> list[Any]:
    """One data row of a results sheet, in column order; numbers stay numbers."""
    return [
        index,
        _blank(r.county),
        _blank(r.township),
        r.facility_name,
        r.type_name,
        _blank(r.identifier),
        group.checklist_title,
        group.checklist_version,
        r.kind_label,
        r.inspection_date,
        r.tier_label,
        *r.shares,
        _blank(r.core),
        _blank(r.veto),
        r.report_number,
        r.report_digest,
        r.amount_yuan,
        _blank(r.payout_note),
    ]


def _context(book: domain.ResultsBook) -> str:
    return (
        f"地区：{book.region_path}　期间：{book.period_label}（{book.period_start} 至 {book.period_end}，"
        f"以现场评审日期计）　生成时间：{book.generated_at}"
    )


def _summary(book: domain.ResultsBook, ws: Any) -> None:
    _setup(ws, (34, 8, 26, 18, 10, 16), "A6")
    cells.append(ws, [cells.cell(ws, book.title, font=TITLE)])
    cells.append(ws, [_context(book)])
    cells.append(
        ws,
        [
            "每家机构取该期间内最新的终审通过结果（县级评审或市级复核评审），同一机构的不同类别评审标准各列一行；"
            "各评审标准（版本）的结果在各自的工作表中，列出该标准各章的达标率（计分的标准为得分率）。"
        ],
    )
    cells.append(ws, [])
    cells.append(ws, _heading(ws, ["评审标准", "版本", "工作表", "达标等级", "机构数", "奖补金额合计（元）"]))
    if not book.groups:
        cells.append(ws, ["该期间没有终审通过的评审结果。"])
        return
    lines = 0
    for group in book.groups:
        for tier in group.tiers:
            amount = cells.cell(ws, tier.amount_yuan, AMOUNT_FORMAT)
            cells.append(
                ws,
                [
                    group.checklist_title,
                    group.checklist_version,
                    group.sheet_name,
                    tier.tier_label,
                    tier.facilities,
                    amount,
                ],
            )
            lines += 1
    total = sum(t.amount_yuan for g in book.groups for t in g.tiers)
    cells.append(
        ws,
        [
            cells.cell(ws, "合计", font=BOLD),
            "",
            "",
            "",
            cells.cell(ws, book.rows, font=BOLD),
            cells.cell(ws, total, AMOUNT_FORMAT, BOLD),
        ],
    )
    _filter(ws, 6, lines)


def _group(
    book: domain.ResultsBook,
    group: domain.ResultGroup,
    ws: Any,
    done: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    widths = [w for _, w in RESULT_LEAD] + [SHARE_WIDTH] * len(group.chapter_headers)
    widths += [w for _, w in RESULT_TAIL]
    _setup(ws, widths, f"E{HEADER_ROW + 1}")
    cells.append(
        ws,
        [
            cells.cell(
                ws, f"{book.title}：{group.checklist_title}（第 {group.checklist_version} 版）", font=TITLE
            )
        ],
    )
    cells.append(ws, [_context(book)])
    cells.append(ws, [group.share_note + RESULT_NOTE])
    cells.append(ws, [])
    titles = [t for t, _ in RESULT_LEAD] + list(group.chapter_headers) + [t for t, _ in RESULT_TAIL]
    cells.append(ws, _heading(ws, titles))
    lead, shares = len(RESULT_LEAD), len(group.chapter_headers)
    formats = {lead - 2: DATE_FORMAT, lead + shares + 4: AMOUNT_FORMAT}
    formats.update({lead + i: SHARE_FORMAT for i in range(shares)})
    rows = cells.Rows(ws, formats)
    total = book.rows
    for index, row in enumerate(group.rows, 1):
        rows.append(result_row(index, group, row))
        done += 1
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    _filter(ws, len(titles), len(group.rows))
    return done


def write_results(
    book: domain.ResultsBook, out: BinaryIO, progress: Callable[[int, int], None] | None = None
) -> None:
    """The results as a workbook written to `out`: a summary sheet (汇总), then one sheet per
    checklist edition and version. `progress(rows done, rows)` every PROGRESS_EVERY rows."""
    workbook = Workbook(write_only=True)
    _summary(book, workbook.create_sheet("汇总"))
    done = 0
    for group in book.groups:
        done = _group(book, group, workbook.create_sheet(group.sheet_name), done, progress)
    workbook.save(out)


def results_xlsx(book: domain.ResultsBook) -> bytes:
    out = io.BytesIO()
    write_results(book, out)
    return out.getvalue()


# --- a plan's inspection list ------------------------------------------------------------------------


PLAN_COLUMNS = (
    ("序号", 6),
    ("机构名称", 28),
    ("所在地区", 14),
    ("机构类别", 12),
    ("检查组", 24),
    ("计划日期", 12),
    ("进度", 10),
    ("状态", 14),
    ("达标等级", 16),
    ("报告编号", 26),
)
SELF_ASSESSMENT_COLUMN = ("机构自评", 10)


def write_plan(plan: domain.PlanList, out: BinaryIO) -> None:
    """The plan's visits as a workbook written to `out`: one row per visit."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("检查名单")
    columns = list(PLAN_COLUMNS) + ([SELF_ASSESSMENT_COLUMN] if plan.requires_self_assessment else [])
    _setup(ws, [w for _, w in columns], f"C{HEADER_ROW + 1}")
    cells.append(ws, [cells.cell(ws, f"{plan.name}　检查名单", font=TITLE)])
    cells.append(
        ws,
        [
            f"地区：{plan.region_name}　计划期限：{plan.starts_on} 至 {plan.ends_on}"
            f"　评审标准：{plan.checklist}　评审类型：{plan.kind_label}"
            f"　计划状态：{plan.status_label}　生成时间：{plan.generated_at}"
        ],
    )
    cells.append(ws, [plan.note])
    cells.append(ws, [])
    cells.append(ws, _heading(ws, [title for title, _ in columns]))
    rows = cells.Rows(ws, {5: DATE_FORMAT})
    for index, r in enumerate(plan.rows, 1):
        values: list[Any] = [
            index,
            r.facility_name,
            r.region_name,
            r.type_name,
            r.team,
            r.planned_on,
            r.progress_label,
            r.status_label,
            _blank(r.tier_label),
            _blank(r.report_number),
        ]
        if plan.requires_self_assessment:
            values.append(_blank(r.self_assessment))
        rows.append(values)
    _filter(ws, len(columns), len(plan.rows))
    workbook.save(out)


def plan_xlsx(plan: domain.PlanList) -> bytes:
    out = io.BytesIO()
    write_plan(plan, out)
    return out.getvalue()
