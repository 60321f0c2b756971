"""Bulk import of regions, facilities and users from a bureau's own spreadsheet (CSV or XLSX).

Bureaus keep their facility rosters and staff lists in Excel; typing hundreds of rows into the app
by hand is where wrong codes creep in. An import therefore checks EVERY row first and reports every
problem with its line (as the file shows it, the header being line 1), its column and a reason in
Chinese, so the sheet can be fixed in one pass. A file with even one problem writes nothing; a
clean file is written in one transaction together with one audit entry.

Headers may be Chinese or English (see the *_COLUMNS tables). A facilities sheet may also carry
a column per fact the loaded checklists declare (staff, population, equipment ...), named by the
fact's key or Chinese label: read as the declared type and refused on its row outside the declared
range. Any other column is refused, as a misspelt header would otherwise be dropped silently.
server.formats.tables reads the file: CSV is UTF-8, with or without a BOM; XLSX is read from its
first sheet.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.db import audit as audit_queries
from server.db import lookups
from server.db.models import Facility, Region, User
from server.domain import catalog, regions, workflow
from server.domain.access import Principal
from server.domain.checklist import Fact, fact_in_range
from server.domain.errors import DomainError, Problem
from server.domain.identifiers import FACILITY_TYPES, VILLAGE_CLINIC, uscc_problem
from server.domain.labels import ROLE_LABELS, label
from server.domain.times import format_time
from server.extensions import db
from server.formats.tables import (
    Column,
    ImportRow,
    RowReport,
    Sheet,
    cell_text,
    header_key,
    read_sheet,
    rows_of,
)
from server.services import audit, checklists
from server.services.auth import MIN_PASSWORD_LENGTH, hash_password, one_time_password
from server.services.facilities import STRING_FACT_MAX
from server.services.inspections import DERIVED_FACTS, RECORD_FACTS

KINDS = ("regions", "facilities", "users")

# China's extent, generously rounded (the Nansha islands in the south, Mohe in the north).
LATITUDE_RANGE = (3.0, 54.0)
LONGITUDE_RANGE = (73.0, 136.0)

# A role as a spreadsheet may name it: its label, a few common short forms, or its code.
ROLE_NAMES = {
    **{label: role for role, label in ROLE_LABELS.items()},
    "机构自评": workflow.SELF_ASSESSOR,
    "自评员": workflow.SELF_ASSESSOR,
    "县级审核": workflow.COUNTY_REVIEWER,
    "市级复核": workflow.CITY_REVIEWER,
    "财务": workflow.FINANCE,
}
TYPE_BY_NAME = {name: code for code, name in FACILITY_TYPES.items()}


REGION_COLUMNS = (
    Column("code", "代码", ("地区代码", "区划代码", "行政区划代码", "region_code"), required=True),
    Column("name", "名称", ("地区名称", "区划名称"), required=True),
)

FACILITY_COLUMNS = (
    Column("name", "名称", ("机构名称",), required=True),
    Column("type_code", "机构类别代码", ("机构类别", "类别代码", "type"), required=True),
    Column("region_code", "行政区划代码", ("区划代码", "所在地区代码", "region"), required=True),
    Column("uscc", "统一社会信用代码", ("信用代码",)),
    Column("licence_no", "执业许可证登记号", ("医疗机构执业许可证登记号", "许可证登记号", "license_no")),
    Column("latitude", "纬度", ("lat",)),
    Column("longitude", "经度", ("lon", "lng")),
    Column("beds", "床位数", ("床位", "编制床位")),
    Column("iv_infusion", "开展静脉输液", ("静脉输液",)),
    Column("population_served", "服务人口", ("服务人口数",)),
)
# Further columns are the facts the loaded checklists declare (checklists.declared_facts), named
# by the fact's key or its Chinese label, or by a header bureaus' sheets already use for it:
FACT_HEADER_ALIASES = {
    "community_hospital": ("社区医院",),
    "tcm_corner": ("中医阁",),
    "obstetric_ultrasound": ("产科超声",),
    "county_imaging_center": ("接入县域影像中心", "县域影像中心"),
}

USER_COLUMNS = (
    Column("username", "用户名", ("登录名", "账号"), required=True),
    Column("display_name", "姓名", ("name",), required=True),
    Column("role", "角色", (), required=True),
    Column("region_code", "所属地区", ("所属地区代码", "地区代码", "region"), required=True),
    Column("facility_uscc", "所属机构统一社会信用代码", ("所属机构", "机构统一社会信用代码")),
    Column("password", "初始密码", ("密码",)),
)

COLUMNS = {"regions": REGION_COLUMNS, "facilities": FACILITY_COLUMNS, "users": USER_COLUMNS}


@dataclass(frozen=True)
class ImportResult:
    kind: str
    count: int
    breakdown: dict[str, int]  # rows per level, facility type or role
    passwords: list[tuple[str, str]] = field(default_factory=list)  # (username, generated password)


def _rows(sheet: Sheet, kind: str, report: RowReport) -> list[ImportRow]:
    columns = COLUMNS[kind]
    return rows_of(sheet, columns, report)


def fact_columns(declared: Mapping[str, Fact]) -> list[Column]:
    """A column per declared fact the facilities sheet may carry beyond FACILITY_COLUMNS: not those
    the record has columns for or works out itself, and no name another column already answers to."""
    taken = {header_key(n) for c in FACILITY_COLUMNS for n in (c.key, c.label, *c.aliases)}
    columns = []
    for key, fact in sorted(declared.items()):
        if key in RECORD_FACTS or key in DERIVED_FACTS or header_key(key) in taken:
            continue
        names = [n for n in (fact.label, *FACT_HEADER_ALIASES.get(key, ())) if header_key(n) not in taken]
        taken.update(header_key(n) for n in (key, *names))
        columns.append(Column(key, names[0] if names else key, tuple(names[1:])))
    return columns


def _fact_value(row: ImportRow, fact: Fact | None, key: str, value: Any) -> Any:
    """`value` read from the cell of `key`, or None (reported on its row) when outside the range
    the checklists declare for the fact."""
    if value is None or fact is None or fact_in_range(fact, value):
        return value
    text = cell_text(row.raw(key))
    row.problem(key, f"“{text}”{catalog.message('facts.out_of_range', range=fact.range_text())}")
    return None


def _read_fact(row: ImportRow, fact: Fact) -> Any:
    if fact.type == "boolean":
        value: Any = row.boolean(fact.key)
    elif fact.type == "integer":
        value = row.integer(fact.key, signed=True)
    elif fact.type == "number":
        value = row.decimal(fact.key)
    else:
        value = row.text(fact.key, max_length=STRING_FACT_MAX)
    return _fact_value(row, fact, fact.key, value)


class _Regions:
    """Region lookups, cached: an import names the same few regions on many rows."""

    def __init__(self) -> None:
        self.cache: dict[str, Region | None] = {}

    def get(self, code: str) -> Region | None:
        if code not in self.cache:
            self.cache[code] = db.session.get(Region, code)
        return self.cache[code]


# --- the three imports ---------------------------------------------------------------------------


def import_file(
    kind: str,
    filename: str,
    data: bytes,
    actor: str = "cli",
    actor_id: int | None = None,
    *,
    within: Principal | None = None,
    dry_run: bool = False,
    digest: str | None = None,
    commit: bool = True,
) -> ImportResult:
    """Import `data` (the bytes of `filename`) as regions, facilities or users. From the console
    (`within` the user who imports), every row must lie inside the user's region and a user's
    role be one they may grant; a `dry_run` checks everything and writes nothing. Without
    `commit` the rows are written in the caller's transaction (a background job's, which commits
    them with its result)."""
    if kind == "regions":
        return import_regions(filename, data, actor, actor_id)
    if kind == "facilities":
        return import_facilities(
            filename, data, actor, actor_id, within=within, dry_run=dry_run, digest=digest, commit=commit
        )
    if kind == "users":
        return import_users(
            filename, data, actor, actor_id, within=within, dry_run=dry_run, digest=digest, commit=commit
        )
    raise DomainError("import.unknown_kind", kind=kind[:40])


def import_regions(
    filename: str, data: bytes, actor: str = "cli", actor_id: int | None = None
) -> ImportResult:
    sheet = read_sheet(filename, data)
    report = RowReport()
    rows = _rows(sheet, "regions", report)
    parsed = [(row, row.region_code("code"), row.text("name", required=True, max_length=100)) for row in rows]
    mentioned: set[str] = set()
    for _, code_level, _ in parsed:
        if code_level is not None:
            parent = regions.parent_code(code_level[0])
            mentioned.update({code_level[0], parent} if parent else {code_level[0]})
    in_db = lookups.existing_region_codes(mentioned)
    seen: dict[str, int] = {}
    new: list[Region] = []
    for row, code_level, name in parsed:
        if code_level is None:
            continue
        code, level = code_level
        if code in seen:
            row.problem("code", f"地区代码 {code} 与第{seen[code]}行重复")
            continue
        if code in in_db:
            row.problem("code", f"地区代码 {code} 已存在")
            continue
        parent = regions.parent_code(code)
        if parent is not None and parent not in in_db and parent not in seen:
            row.problem("code", f"上级地区 {parent} 不存在（须已导入，或在本文件中更早的行出现）")
        seen[code] = row.line
        if name is not None and row.problems == 0:
            new.append(Region(code=code, name=name, level=level, parent_code=parent))
    report.raise_if_any()
    new.sort(key=lambda r: (len(r.code), r.code))  # parents before children
    return _write("regions", filename, new, Counter(r.level for r in new), [], actor, actor_id)


def import_facilities(
    filename: str,
    data: bytes,
    actor: str = "cli",
    actor_id: int | None = None,
    *,
    within: Principal | None = None,
    dry_run: bool = False,
    digest: str | None = None,
    commit: bool = True,
) -> ImportResult:
    sheet = read_sheet(filename, data)
    report = RowReport()
    declared = checklists.declared_facts()
    extra = fact_columns(declared)
    rows = rows_of(sheet, (*FACILITY_COLUMNS, *extra), report)
    known_regions = _Regions()
    usccs: dict[str, int] = {}  # code -> the line it first appears on
    uscc_rows: list[tuple[ImportRow, str]] = []
    facilities: list[tuple[ImportRow, Facility]] = []
    for row in rows:
        name = row.text("name", required=True, max_length=100)
        type_code = _type_code(row)
        region_code = _inside(row, "region_code", _facility_region(row, known_regions), within)
        uscc = _uscc(row, type_code, usccs)
        if uscc is not None:
            uscc_rows.append((row, uscc))
        licence_no = row.text("licence_no", max_length=40)
        latitude = row.number("latitude", *LATITUDE_RANGE, "纬度")
        longitude = row.number("longitude", *LONGITUDE_RANGE, "经度")
        lat_given, lon_given = row.raw("latitude"), row.raw("longitude")
        if (cell_text(lat_given) is None) != (cell_text(lon_given) is None):
            missing = "longitude" if cell_text(lon_given) is None else "latitude"
            row.problem(missing, "经度和纬度须同时填写")
        beds = _fact_value(row, declared.get("beds"), "beds", row.integer("beds"))
        iv_infusion = row.boolean("iv_infusion")
        population = row.integer("population_served")
        population = _fact_value(row, declared.get("population_served"), "population_served", population)
        facts = {c.key: value for c in extra if (value := _read_fact(row, declared[c.key])) is not None}
        if row.problems or name is None or type_code is None or region_code is None:
            continue
        facility = Facility(
            name=name,
            type_code=type_code,
            region_code=region_code,
            uscc=uscc,
            licence_no=licence_no,
            latitude=latitude,
            longitude=longitude,
            beds=beds or 0,
            iv_infusion=bool(iv_infusion),
            population_served=population,
            facts=facts,
        )
        facilities.append((row, facility))
    taken = lookups.facilities_by_uscc(usccs)
    for row, code in uscc_rows:
        other = taken.get(code)
        if other is not None:
            row.problem("uscc", f"统一社会信用代码 {code} 已被机构“{other.name}”使用")
    report.raise_if_any()
    new = [f for _, f in facilities]
    breakdown = Counter(f.type_code for f in new)
    if dry_run:
        return ImportResult("facilities", len(new), dict(sorted(breakdown.items())))
    return _write("facilities", filename, new, breakdown, [], actor, actor_id, digest, commit)


def _inside(row: ImportRow, key: str, code: str | None, within: Principal | None) -> str | None:
    """`code` when it lies inside the importing user's region (or nobody's: the command line)."""
    if code is not None and within is not None and not within.sees_region(code):
        row.problem(key, f"地区 {code} 不在您的辖区内")
        return None
    return code


def _type_code(row: ImportRow) -> str | None:
    text = row.text("type_code", required=True)
    if text is None:
        return None
    code = TYPE_BY_NAME.get(text, text.upper())
    if code not in FACILITY_TYPES:
        known = "、".join(f"{c} {n}" for c, n in FACILITY_TYPES.items())
        row.problem("type_code", f"未知的机构类别代码“{text}”，应为：{known}")
        return None
    return code


def _facility_region(row: ImportRow, known: _Regions) -> str | None:
    parsed = row.region_code("region_code")
    if parsed is None:
        return None
    code, level = parsed
    if level not in ("county", "township", "village"):
        row.problem(
            "region_code", f"机构所在地区须为县级（6位）、乡镇（9位）或村级（12位）区划，{code} 是省/市级"
        )
        return None
    if known.get(code) is None:
        row.problem("region_code", f"地区 {code} 不存在，请先导入地区")
        return None
    return code


def _uscc(row: ImportRow, type_code: str | None, seen: dict[str, int]) -> str | None:
    text = row.text("uscc")
    if text is None:
        if type_code is not None and type_code != VILLAGE_CLINIC:
            row.problem("uscc", "缺少统一社会信用代码（只有村卫生室可以不填）")
        return None
    code = text.upper()
    problem = uscc_problem(code)
    if problem is not None:
        row.problem("uscc", f"{problem}（{text}）")
        return None
    if code in seen:
        row.problem("uscc", f"统一社会信用代码 {code} 与第{seen[code]}行重复")
        return None
    seen[code] = row.line
    return code


def import_users(
    filename: str,
    data: bytes,
    actor: str = "cli",
    actor_id: int | None = None,
    *,
    within: Principal | None = None,
    dry_run: bool = False,
    digest: str | None = None,
    commit: bool = True,
) -> ImportResult:
    sheet = read_sheet(filename, data)
    report = RowReport()
    rows = _rows(sheet, "users", report)
    known_regions = _Regions()
    names: dict[str, int] = {}
    parsed: list[tuple[ImportRow, dict[str, Any]]] = []
    for row in rows:
        username = row.text("username", required=True, max_length=64)
        if username is not None and len(username.split()) != 1:
            row.problem("username", f"用户名“{username}”不能包含空格")
            username = None
        if username is not None:
            if username in names:
                row.problem("username", f"用户名“{username}”与第{names[username]}行重复")
            else:
                names[username] = row.line
        display_name = row.text("display_name", required=True, max_length=64)
        role = _role(row)
        if role is not None and within is not None and not within.grants(role):
            row.problem("role", f"您不能授予“{label(ROLE_LABELS, role)}”角色")
            role = None
        region_code = _inside(row, "region_code", _user_region(row, known_regions), within)
        facility_uscc = row.text("facility_uscc")
        if facility_uscc is not None:
            facility_uscc = facility_uscc.upper()
        if role == workflow.SELF_ASSESSOR and facility_uscc is None:
            row.problem("facility_uscc", "机构自评用户须填写所属机构的统一社会信用代码")
        elif role not in (None, workflow.SELF_ASSESSOR) and facility_uscc is not None:
            row.problem("facility_uscc", "只有机构自评用户填写所属机构，其他角色请留空")
        password = row.text("password")
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            row.problem("password", f"初始密码至少需要{MIN_PASSWORD_LENGTH}个字符")
        parsed.append(
            (
                row,
                {
                    "username": username,
                    "display_name": display_name,
                    "role": role,
                    "region_code": region_code,
                    "facility_uscc": facility_uscc,
                    "password": password,
                },
            )
        )
    taken = lookups.existing_usernames(names)
    facilities = lookups.facilities_by_uscc(v["facility_uscc"] for _, v in parsed if v["facility_uscc"])
    for row, values in parsed:
        if values["username"] in taken:
            row.problem("username", f"用户名“{values['username']}”已存在")
        if values["facility_uscc"] is not None and values["role"] == workflow.SELF_ASSESSOR:
            facility = facilities.get(values["facility_uscc"])
            if facility is None:
                row.problem(
                    "facility_uscc",
                    f"统一社会信用代码为 {values['facility_uscc']} 的机构不存在，请先导入机构",
                )
            elif values["region_code"] and not regions.contains(values["region_code"], facility.region_code):
                row.problem(
                    "facility_uscc",
                    f"机构“{facility.name}”（{facility.region_code}）不在所属地区 {values['region_code']} 内",
                )
            else:
                values["facility_id"] = facility.id
    report.raise_if_any()
    if dry_run:
        breakdown = Counter(str(v["role"]) for _, v in parsed)
        return ImportResult("users", len(parsed), dict(sorted(breakdown.items())))
    users: list[User] = []
    generated: list[tuple[str, str]] = []
    for _, values in parsed:
        password = values["password"]
        if password is None:
            password = one_time_password()
            generated.append((values["username"], password))
        users.append(
            User(
                username=values["username"],
                display_name=values["display_name"],
                password_hash=hash_password(password),
                role=values["role"],
                region_code=values["region_code"],
                facility_id=values.get("facility_id"),
                active=True,
                must_change_password=True,  # set by whoever filled the sheet: replaced at first login
            )
        )
    return _write(
        "users", filename, users, Counter(u.role for u in users), generated, actor, actor_id, digest, commit
    )


def _role(row: ImportRow) -> str | None:
    text = row.text("role", required=True)
    if text is None:
        return None
    role = ROLE_NAMES.get(text, text.lower())
    if role not in workflow.ROLES:
        known = "、".join(f"{label}（{role}）" for role, label in ROLE_LABELS.items())
        row.problem("role", f"未知的角色“{text}”，应为：{known}")
        return None
    return role


def _user_region(row: ImportRow, known: _Regions) -> str | None:
    parsed = row.region_code("region_code")
    if parsed is None:
        return None
    code = parsed[0]
    if known.get(code) is None:
        row.problem("region_code", f"地区 {code} 不存在，请先导入地区")
        return None
    return code


def refuse_again(kind: str, digest: str) -> None:
    done = audit_queries.recorded(f"import.{kind}", "import", digest)
    if done is not None:
        raise DomainError("import.already_done", at=format_time(done.at) or "")


def _write(
    kind: str,
    filename: str,
    rows: Sequence[Region | Facility | User],
    breakdown: Counter[str],
    passwords: list[tuple[str, str]],
    actor: str,
    actor_id: int | None,
    digest: str | None = None,
    commit: bool = True,
) -> ImportResult:
    """Insert every row and the audit entry in one transaction. With the file's `digest` (from the
    console) the entry names the file by it, and a file already imported is refused: sent twice
    (a double click, a retry), a sheet of village clinics without USCC would otherwise be doubled."""
    try:
        if digest is not None:
            audit_queries.lock_chain()  # until commit: a second run of the same file waits, then sees it
            refuse_again(kind, digest)
        db.session.add_all(rows)
        db.session.flush()
        audit.record(
            f"import.{kind}",
            actor_id=actor_id,
            actor=actor,
            target_type="import",
            target_id=digest or PurePath(filename).name[:64],
            after={"count": len(rows)} | ({"filename": PurePath(filename).name[:200]} if digest else {}),
        )
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("import.conflict") from exc
    return ImportResult(kind, len(rows), dict(sorted(breakdown.items())), passwords)


# --- from the console: a preview of every row, then the import of the same file -----------------

CONSOLE_KINDS = ("facilities", "users")
CONSOLE_MAX_ROWS = 5000  # a county's or a city's file; a province's goes through the command line


@dataclass(frozen=True)
class Preview:
    """A file as it would be imported: its rows as written, every problem, and what it would add."""

    kind: str
    filename: str
    sha256: str
    header: list[str]
    rows: list[dict[str, Any]]  # {"line": n, "cells": [text or None, ...]}
    problems: list[Problem]
    count: int  # rows it would add (0 while there are problems)
    breakdown: dict[str, int]


def console_sheet(kind: str, filename: str, data: bytes) -> Sheet:
    if kind not in CONSOLE_KINDS:
        raise DomainError("http.not_found")
    sheet = read_sheet(filename, data)
    if len(sheet.rows) > CONSOLE_MAX_ROWS:
        raise DomainError("import.too_many_rows", rows=len(sheet.rows), max=CONSOLE_MAX_ROWS)
    return sheet


def preview(principal: Principal, kind: str, filename: str, data: bytes) -> Preview:
    """Everything an import of this file would check, as the same rules check it, with nothing
    written: the rows, their problems (all of them), and what it would add."""
    sheet = console_sheet(kind, filename, data)
    problems: list[Problem] = []
    count, breakdown = 0, {}
    try:
        result = import_file(kind, filename, data, within=principal, dry_run=True)
        count, breakdown = result.count, result.breakdown
    except DomainError as refused:
        if refused.code != "import.invalid":
            raise
        problems = refused.problems
    finally:
        db.session.rollback()  # nothing was written; end the reading transaction
    return Preview(
        kind,
        PurePath(filename).name[:200],
        hashlib.sha256(data).hexdigest(),
        sheet.header,
        [{"line": line, "cells": [cell_text(c) for c in cells]} for line, cells in sheet.rows],
        problems,
        count,
        breakdown,
    )


def run(principal: Principal, kind: str, filename: str, data: bytes, sha256: str) -> ImportResult:
    """Import the file that was previewed (`sha256` its digest then): all rows or none."""
    console_sheet(kind, filename, data)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256.lower():
        raise DomainError("import.changed")
    refuse_again(kind, digest)  # before the rows are checked: their own refusals would hide why
    return import_file(
        kind, filename, data, principal.username, principal.user_id, within=principal, digest=digest
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAMES = {"facilities": "机构导入模板.xlsx", "users": "用户导入模板.xlsx"}
# An example row of each template, for the columns it names (the others left empty).
TEMPLATE_EXAMPLES: dict[str, dict[str, object]] = {
    "facilities": {
        "name": "示例镇中心卫生院",
        "type_code": "C210",
        "region_code": "410222101",
        "uscc": "12410222MB12345605",
        "beds": 40,
        "iv_infusion": "是",
    },
    "users": {"username": "zhang.san", "display_name": "张三", "role": "检查员", "region_code": "410222"},
}


def template(kind: str) -> tuple[str, bytes]:
    """An XLSX with the columns an import of `kind` reads (the facts the loaded checklists declare
    included) and an example row to overwrite. A password column is left out: the console makes
    one-time passwords."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    from server.formats import cells

    if kind not in CONSOLE_KINDS:
        raise DomainError("http.not_found")
    if kind == "facilities":
        columns = [*FACILITY_COLUMNS, *fact_columns(checklists.declared_facts())]
    else:
        columns = [c for c in USER_COLUMNS if c.key != "password"]
    example = TEMPLATE_EXAMPLES[kind]
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("导入")
    cells.append(ws, [c.label for c in columns])
    cells.append(ws, [example.get(c.key) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return TEMPLATE_NAMES[kind], out.getvalue()
