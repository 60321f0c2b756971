"""A plan's facilities, teams and dates from a bureau's own list (CSV or XLSX).

Bureaus often agree the visits in a meeting and keep them in a sheet: one row per facility, with
its team and day. The console reads such a sheet into the plan being made: each row's facility
(by its 统一社会信用代码, else its licence number, else its exact name inside the user's region),
its inspectors (by username or name, among the region's active inspectors) and its day. Nothing is
written: the rows, each with what was found and every problem in Chinese, go back to the screen,
which puts the good rows into the plan; creating the plan checks them all again.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from typing import Any

from server.db import plans as queries
from server.db.models import Facility, User
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.regions import scope_prefix
from server.formats.tables import Column, ImportRow, RowReport, cell_text, read_sheet, rows_of
from server.services import places

MAX_ROWS = 1000  # a plan's facilities at most (domain.plans.MAX_FACILITIES)
COLUMNS = (
    Column("facility", "机构名称", ("机构", "facility_name", "name"), required=True),
    Column("uscc", "统一社会信用代码", ("信用代码",)),
    Column("licence_no", "执业许可证号", ("许可证号", "登记号")),
    Column("inspectors", "检查员", ("检查组", "检查组成员", "inspector"), required=True),
    Column("date", "计划日期", ("检查日期", "日期", "inspection_date"), required=True),
)
SEPARATORS = re.compile(r"[、，,;；/\s]+")
TEMPLATE_NAME = "评审计划机构名单模板.xlsx"
TEMPLATE_EXAMPLE = ("示例镇中心卫生院", "12410222MB12345605", "", "tx_inspector1、陈志强", "2026-12-10")


def _facility(row: ImportRow, found: dict[str, dict[str, list[Facility]]]) -> Facility | None:
    name = row.text("facility", required=True, max_length=100)
    for key in ("uscc", "licence_no"):
        value = row.text(key, max_length=40)
        if value is not None:
            match = found[key].get(value.upper() if key == "uscc" else value, [])
            if not match:
                what = "统一社会信用代码" if key == "uscc" else "执业许可证号"
                row.problem(key, f"本辖区没有{what}为“{value}”的机构")
                return None
            return match[0]
    if name is None:
        return None
    match = found["name"].get(name, [])
    if not match:
        row.problem("facility", f"本辖区没有名为“{name}”的机构")
        return None
    if len(match) > 1:
        row.problem(
            "facility", f"本辖区有 {len(match)} 家名为“{name}”的机构，请填写统一社会信用代码或执业许可证号"
        )
        return None
    return match[0]


def _inspectors(row: ImportRow, people: dict[str, list[User]], facility: Facility | None) -> list[User]:
    text = row.text("inspectors", required=True)
    if text is None:
        return []
    team: list[User] = []
    for token in (t for t in SEPARATORS.split(text) if t):
        match = people.get(token.lower(), []) or people.get(token, [])
        if not match:
            row.problem("inspectors", f"本辖区没有用户名或姓名为“{token}”的在岗检查员")
        elif len(match) > 1:
            row.problem("inspectors", f"有 {len(match)} 名检查员叫“{token}”，请改填用户名")
        elif facility is not None and not facility.region_code.startswith(scope_prefix(match[0].region_code)):
            row.problem("inspectors", f"检查员“{token}”不负责此机构所在的地区")
        elif match[0] not in team:
            team.append(match[0])
    return team


def read(principal: Principal, filename: str, data: bytes) -> dict[str, Any]:
    """The rows of the list, each with its facility, team, day and problems; nothing written."""
    sheet = read_sheet(filename, data)
    if len(sheet.rows) > MAX_ROWS:
        raise DomainError("import.too_many_rows", rows=len(sheet.rows), max=MAX_ROWS)
    report = RowReport()
    rows = rows_of(sheet, COLUMNS, report)
    report.raise_if_any()  # the header's problems: no row can be read
    wanted = {
        key: {t for r in rows if (t := cell_text(r.raw(key)))} for key in ("facility", "uscc", "licence_no")
    }
    found: dict[str, dict[str, list[Facility]]] = {
        "uscc": defaultdict(list),
        "licence_no": defaultdict(list),
        "name": defaultdict(list),
    }
    for facility in queries.facilities_named(
        principal, wanted["facility"], wanted["uscc"], wanted["licence_no"]
    ):
        found["name"][facility.name].append(facility)
        if facility.uscc:
            found["uscc"][facility.uscc.upper()].append(facility)
        if facility.licence_no:
            found["licence_no"][facility.licence_no].append(facility)
    people: dict[str, list[User]] = defaultdict(list)
    for user in queries.inspectors_in(principal):
        people[user.username.lower()].append(user)
        if user.display_name.lower() != user.username.lower():
            people[user.display_name].append(user)
    read_rows = []
    for row in rows:
        before = len(report.items)
        place = _facility(row, found)
        team = _inspectors(row, people, place)
        day = row.date("date", required=True)
        problems = [p.message for _, _, p in report.items[before:]]
        read_rows.append((row.line, place, team, day, problems))
    shown = places.rows_of(principal, [f for _, f, _, _, _ in read_rows if f is not None])
    by_id = {r["id"]: r for r in shown}
    return {
        "rows": [
            {
                "line": line,
                "facility": by_id[facility.id] if facility is not None else None,
                "inspectors": [{"id": u.id, "name": u.display_name} for u in team],
                "inspection_date": day,
                "problems": problems,
            }
            for line, facility, team, day, problems in read_rows
        ]
    }


def template() -> tuple[str, bytes]:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    from server.formats import cells

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("机构名单")
    cells.append(ws, [c.label for c in COLUMNS])
    cells.append(ws, list(TEMPLATE_EXAMPLE))
    out = io.BytesIO()
    workbook.save(out)
    return TEMPLATE_NAME, out.getvalue()
