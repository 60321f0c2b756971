"""The payout sheet at scale: the period filtered in SQL on China-time day boundaries, and a
fixed handful of set-based queries per sheet whatever the number of facilities."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from server.domain import times
from server.formats import payout_sheet
from server.reports import paged
from server.services import payouts
from tests.api.world import World, add_facility
from tests.services.test_payouts import (
    NOW,
    VC,
    approved,
    by_facility,
    pdf_lines,
    qs_rules,
    rule,
    xlsx_table,
)


def china(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=times.CHINA_ZONE).astimezone(dt.UTC)


def test_china_day_start_is_midnight_in_china() -> None:
    assert times.china_day_start(dt.date(2026, 10, 1)) == dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)


def test_the_period_bounds_are_china_days(world: World) -> None:
    qs_rules()
    approved(world, add_facility("410222", "末日深夜卫生院"), at=china("2026-12-31T23:30"))  # last day, in
    approved(world, add_facility("410222", "首日凌晨卫生院"), at=china("2026-10-01T00:10"))  # first day, in
    approved(world, add_facility("410222", "次年凌晨卫生院"), at=china("2027-01-01T00:10"))  # next year
    approved(world, add_facility("410222", "前日深夜卫生院"), at=china("2026-09-30T23:30"))  # Q3
    q4 = by_facility(payouts.build_sheet("410200", "2026Q4", NOW))
    assert set(q4) == {"末日深夜卫生院", "首日凌晨卫生院"}
    assert q4["末日深夜卫生院"].candidate.approved_on == dt.date(2026, 12, 31)
    assert q4["首日凌晨卫生院"].candidate.approved_on == dt.date(2026, 10, 1)
    assert set(by_facility(payouts.build_sheet("410200", "2026Q3", NOW))) == {"前日深夜卫生院"}
    assert set(by_facility(payouts.build_sheet("410200", "2027-01", NOW))) == {"次年凌晨卫生院"}
    assert set(by_facility(payouts.build_sheet("410200", "2026-12", NOW))) == {"末日深夜卫生院"}


@contextmanager
def statements() -> Iterator[list[str]]:
    from server.extensions import db

    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_sheet_takes_the_same_few_queries_for_3_or_60_facilities(world: World) -> None:
    qs_rules()
    counts = []
    for n in (3, 57):
        for i in range(n):
            approved(
                world, add_facility("410225", f"规模测试卫生院{n}-{i}"), tier=("basic", "recommended")[i % 2]
            )
        with statements() as seen:
            sheet = payouts.build_sheet("410200", "2026Q4", NOW)
        counts.append(len(seen))
        # no lists of ids: a statement's parameters are the scope's (prefix, period) and a few codes
        assert max(s.count("?") + s.count("%(") for s in seen) <= 8
    assert len(sheet.rows) == 60
    assert counts[0] == counts[1] <= 16  # with the issuing body and the names of the counties and rules


def rows_of(lines: list[str]) -> list[str]:
    """The sheet's row lines (those that start with a row number), spaces collapsed."""
    return [" ".join(line.split()) for line in lines if re.match(r"\s*\d+\s+\S", line) and "DB-" in line]


def test_a_long_pdf_laid_out_in_parts_in_child_processes_reads_as_one_document(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of 2 planned pages, laid out in 2 child processes, each replaced after one part, and
    joined: every row once and in order as in the one-document PDF, pages numbered 1..N of N
    across the parts, and the page count the plan promised."""
    qs_rules()
    rule("410200", "basic", 20_000, family="village_clinic")
    for i in range(150):
        name = f"分段测试第{i}号卫生院" + ("名称很长很长很长很长的社区卫生服务中心" if i % 9 == 0 else "")
        approved(world, add_facility("410225", name), tier=("basic", "recommended")[i % 2])
    for i in range(12):
        approved(
            world,
            add_facility("410225", f"分段测试第{i}号村卫生室"),
            tier="basic",
            checklist=VC,
            tier_label="达标",
        )
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    assert len(sheet.rows) == 162
    whole = pdf_lines(payouts.pdf(sheet), tmp_path)
    monkeypatch.setattr(paged, "PAGES_PER_PART", 2)
    monkeypatch.setattr(paged, "TASKS_PER_CHILD", 1)  # more parts than renderers: they are replaced
    seen: list[tuple[int, int]] = []
    out = io.BytesIO()
    payouts.write_pdf(sheet, out, lambda done, total: seen.append((done, total)), single_rows=0, workers=2)
    (tmp_path / "parts.pdf").write_bytes(out.getvalue())
    parts = pdf_lines(out.getvalue(), tmp_path)
    assert rows_of(parts) == rows_of(whole) and len(rows_of(whole)) == 162
    text = "\n".join(parts)
    for heading in ("一、", "二、", "汇总", "经办人："):
        assert text.count(heading) == "\n".join(whole).count(heading) == 1
    pages = re.findall(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", text)
    info = subprocess.run(["pdfinfo", str(tmp_path / "parts.pdf")], capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert [int(n) for n, _ in pages] == list(range(1, count + 1)) and count >= 5
    assert {int(total) for _, total in pages} == {count}
    assert len(seen) >= 3 and seen[-1] == (162, 162)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_pages_are_planned_with_headings_kept_with_their_rows() -> None:
    g = paged.Geometry(
        first_room=100, room=200, line=10, block=5, heading=40, title=20, closing=60, closing_pages=1
    )
    items = [paged.Item(1, True)] + [paged.Item(2, False)] * 20 + [paged.Item(1, True), paged.Item(3, False)]
    parts = paged.plan(items, g, pages_per_part=3)
    pages = [p for part in parts for p in part.pages]
    assert (pages[0].start, pages[0].end) == (0, 2)  # 55 + 25, and 25 more > 100 - 5 (slack)
    assert all(p.start == q.end for q, p in itertools.pairwise(pages))
    assert pages[-1].end == len(items)
    for p in pages:  # a page never ends on a heading's block alone
        used = sum(paged.item_height(i, g) for i in items[p.start : p.end])
        assert used <= (100 if p.start == 0 else 200) - 5 or p.end - p.start == 1
    assert [part.offset for part in parts] == [0, 3, 6][: len(parts)]
    assert all(part.total == len(pages) + parts[-1].closing_pages for part in parts)
    # a wrapping block counts its lines twice
    assert paged.item_height(paged.Item(3, False, wrap=True), g) == 65
    # a title above a heading (the sheet's family above its first county) adds its own height
    assert paged.item_height(paged.Item(1, True, title=True), g) == 10 + 5 + 40 + 20


def test_the_workbook_streams_to_a_file_with_progress(world: World, tmp_path: Path) -> None:
    qs_rules()
    for i in range(3):
        approved(world, add_facility("410225", f"表格测试第{i}号卫生院"))
    sheet = payouts.build_sheet("410200", "2026Q4", NOW)
    seen: list[tuple[int, int]] = []
    path = tmp_path / "sheet.xlsx"
    with path.open("wb") as out:
        payouts.write_xlsx(sheet, out, lambda done, total: seen.append((done, total)))
    assert xlsx_table(path.read_bytes()) == xlsx_table(payout_sheet.xlsx(sheet))
    assert len(xlsx_table(path.read_bytes())[0]) == 3
    assert seen == [(3, 3)]
