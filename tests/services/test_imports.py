"""Bulk imports: every row checked, every problem located by line and column, all or nothing.

Also the demo seed, which builds on the same tables: every workflow state, idempotent.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from flask import Flask
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

from server.db import checklists as checklist_queries
from server.db.models import AuditEntry, Evidence, Facility, Inspection, Region, User
from server.domain import regions
from server.domain.errors import DomainError
from server.domain.identifiers import uscc_check_char, uscc_problem
from server.domain.workflow import ROLES, STATUSES
from server.formats.tables import problem_location
from server.services import audit, auth, checklists, imports
from server.services.seed import seed_demo
from server.settings import PROJECT_ROOT

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
BASE_REGIONS = (
    ("410000", "河南省"),
    ("410200", "开封市"),
    ("410222", "通许县"),
    ("410222100", "城关镇"),
    ("410222100201", "东街村"),
)


def uscc(serial: int, county: str = "410222") -> str:
    first17 = f"12{county}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def add_regions(db: Any, rows: tuple[tuple[str, str], ...] = BASE_REGIONS) -> None:
    """The regions, and the published checklists: the facts a facilities sheet may carry are theirs."""
    checklists.sync_published(PROJECT_ROOT / "checklists")
    for code, name in rows:
        db.session.add(
            Region(
                code=code, name=name, level=regions.region_level(code), parent_code=regions.parent_code(code)
            )
        )
    db.session.flush()


def count(db: Any, model: type[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def csv_bytes(lines: list[str], bom: bool = False) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(err: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str, str]]:
    return [(*problem_location(p), p.message) for p in err.value.problems]


def assert_problem(found: list[tuple[str, str, str]], line: int, column: str, fragment: str) -> None:
    assert any(n == str(line) and c == column and fragment in m for n, c, m in found), (
        f"no problem at line {line}, {column} containing {fragment!r} in {found}"
    )


FACILITIES_CSV = [
    "name,type_code,region_code,uscc,licence_no,latitude,longitude,beds,iv_infusion,population_served,"
    "community_hospital,obstetric_ultrasound",
    f"通许县城关镇卫生院,C220,410222100,{uscc(1)},,34.48,114.47,30,是,42000,否,true",
    f"通许县中心卫生院,C210,410222,{uscc(2)},,34.50,114.50,60,1,56000,false,",
    "城关镇东街村卫生室,D600,410222100201,,PDY000001410222121D6001,,,0,否,1800,,",
]


# --- facilities ----------------------------------------------------------------------------------


def test_a_valid_csv_imports_every_row(db: Any) -> None:
    add_regions(db)
    result = imports.import_facilities("facilities.csv", csv_bytes(FACILITIES_CSV))
    assert (result.kind, result.count) == ("facilities", 3)
    assert result.breakdown == {"C210": 1, "C220": 1, "D600": 1}
    rows = {f.name: f for f in db.session.scalars(select(Facility))}
    township = rows["通许县城关镇卫生院"]
    assert (township.type_code, township.region_code, township.uscc) == ("C220", "410222100", uscc(1))
    assert (township.beds, township.iv_infusion, township.population_served) == (30, True, 42000)
    assert (township.latitude, township.longitude) == (34.48, 114.47)
    assert township.facts == {"community_hospital": False, "obstetric_ultrasound": True}
    clinic = rows["城关镇东街村卫生室"]
    assert (clinic.uscc, clinic.licence_no, clinic.latitude) == (None, "PDY000001410222121D6001", None)
    assert clinic.facts == {}
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.after, entry.target_id) == (
        "import.facilities",
        {"count": 3},
        "facilities.csv",
    )


def test_a_valid_xlsx_with_chinese_headers_imports_every_row(db: Any) -> None:
    add_regions(db)
    data = xlsx_bytes(
        [
            [
                "名称",
                "机构类别代码",
                "行政区划代码",
                "统一社会信用代码",
                "纬度",
                "经度",
                "床位数",
                "开展静脉输液",
                "服务人口",
                "设有中医阁",
            ],
            ["通许县城关镇卫生院", "C220", 410222100, uscc(3), 34.48, 114.47, 30, "是", 42000, None],
            ["城关镇东街村卫生室", "村卫生室", 410222100201, None, None, None, 0, False, 1800.0, "是"],
            [None, None, None, None, None, None, None, None, None, None],  # blank rows are skipped
        ]
    )
    result = imports.import_facilities("机构.xlsx", data)
    assert result.count == 2
    clinic = db.session.scalars(select(Facility).where(Facility.type_code == "D600")).one()
    assert (clinic.region_code, clinic.population_served, clinic.iv_infusion) == ("410222100201", 1800, False)
    assert clinic.facts == {"tcm_corner": True}


def test_a_csv_with_bom_and_chinese_headers(db: Any) -> None:
    add_regions(db)
    lines = [
        "名称,机构类别代码,行政区划代码,统一社会信用代码,执业许可证登记号,床位数,开展静脉输液,接入县域影像中心",
        f"通许县城关镇卫生院,C220,410222100,{uscc(4).lower()},,20,否,是",
    ]
    result = imports.import_facilities("FACILITIES.CSV", csv_bytes(lines, bom=True))
    assert result.count == 1
    facility = db.session.scalars(select(Facility)).one()
    assert facility.uscc == uscc(4)  # upper-cased
    assert facility.facts == {"county_imaging_center": True}


def test_every_bad_row_is_reported_and_nothing_is_imported(db: Any) -> None:
    add_regions(db)
    bad_check = uscc(5)[:-1] + ("0" if uscc(5)[-1] != "0" else "1")
    lines = [
        "名称,机构类别代码,行政区划代码,统一社会信用代码,纬度,经度,床位数,开展静脉输液,服务人口",
        f"好机构,C220,410222100,{uscc(6)},34.5,114.5,10,是,1000",  # line 2 is fine
        f"坏区划,C220,41022,{uscc(7)},,,10,是,1000",  # 3: malformed region code
        f"无此地区,C220,410299,{uscc(8)},,,10,是,1000",  # 4: unknown region
        f"类别错,X999,410222100,{uscc(9)},,,10,是,1000",  # 5: unknown type
        f"校验位错,C220,410222100,{bad_check},,,10,是,1000",  # 6: USCC check character
        "缺信用代码,C210,410222100,,,,10,是,1000",  # 7: only village clinics may omit it
        f"重复,C220,410222100,{uscc(6)},,,10,是,1000",  # 8: same USCC as line 2
        f"床位错,C220,410222100,{uscc(10)},,,十张,是,-5",  # 9: beds and population
        f"布尔错,C220,410222100,{uscc(11)},,,10,也许,1000",  # 10: boolean
        f"纬度错,C220,410222100,{uscc(12)},60,114.5,10,是,1000",  # 11: outside China
        f",C220,410222100,{uscc(13)},34.5,,10,是,1000",  # 12: no name, longitude missing
        f"省级,C220,410000,{uscc(14)},,,10,是,1000",  # 13: a province is no facility region
    ]
    before = (count(db, Facility), count(db, AuditEntry))
    with pytest.raises(DomainError) as err:
        imports.import_facilities("bad.csv", csv_bytes(lines))
    assert (err.value.code, err.value.status) == ("import.invalid", 422)
    assert all(p.code == "import.invalid_row" for p in err.value.problems)
    found = problems_of(err)
    assert_problem(found, 3, "行政区划代码", "不是有效的行政区划代码")
    assert_problem(found, 4, "行政区划代码", "410299 不存在")
    assert_problem(found, 5, "机构类别代码", "未知的机构类别代码“X999”")
    assert_problem(found, 6, "统一社会信用代码", "校验位不正确")
    assert_problem(found, 7, "统一社会信用代码", "只有村卫生室可以不填")
    assert_problem(found, 8, "统一社会信用代码", "与第2行")
    assert_problem(found, 9, "床位数", "不是整数")
    assert_problem(found, 9, "服务人口", "不能为负数")
    assert_problem(found, 10, "开展静脉输液", "应填写 是/否")
    assert_problem(found, 11, "纬度", "超出中国境内范围")
    assert_problem(found, 12, "名称", "不能为空")
    assert_problem(found, 12, "经度", "须同时填写")
    assert_problem(found, 13, "行政区划代码", "省/市级")
    assert not any(line == "2" for line, _, _ in found)
    assert [int(line) for line, _, _ in found] == sorted(int(line) for line, _, _ in found)
    assert err.value.problems[0].pointer == "/rows/3/行政区划代码"
    assert (count(db, Facility), count(db, AuditEntry)) == before


def test_a_uscc_already_in_the_database_is_refused(db: Any) -> None:
    add_regions(db)
    imports.import_facilities("first.csv", csv_bytes(FACILITIES_CSV[:2]))
    again = [FACILITIES_CSV[0], FACILITIES_CSV[1].replace("城关镇卫生院", "另一卫生院"), FACILITIES_CSV[2]]
    with pytest.raises(DomainError) as err:
        imports.import_facilities("second.csv", csv_bytes(again))
    found = problems_of(err)
    assert found == [("2", "uscc", f"统一社会信用代码 {uscc(1)} 已被机构“通许县城关镇卫生院”使用")]
    assert count(db, Facility) == 1


def test_header_problems_are_reported_on_line_1(db: Any) -> None:
    add_regions(db)
    lines = ["名称,name,机构类别,备注", "甲,乙,C220,说明"]
    with pytest.raises(DomainError) as err:
        imports.import_facilities("f.csv", csv_bytes(lines))
    found = problems_of(err)
    assert_problem(found, 1, "name", "重复")
    assert_problem(found, 1, "备注", "无法识别的列")
    assert_problem(found, 1, "行政区划代码", "缺少必填列")


@pytest.mark.parametrize(
    ("filename", "data", "code", "fragment"),
    [
        ("facilities.xls", b"\xd0\xcf\x11\xe0", "import.unsupported_format", ".xlsx"),
        ("facilities.txt", b"a,b", "import.unsupported_format", "CSV"),
        ("facilities.xlsx", b"this is not a zip file", "import.unreadable", "XLSX"),
        ("facilities.csv", "名称,机构类别代码\n甲,C220\n".encode("gbk"), "import.unreadable", "UTF-8"),
        ("facilities.csv", xlsx_bytes([["name"]]), "import.unreadable", ".xlsx"),
        ("facilities.csv", b'name,type_code\n"unterminated,C220\n', "import.unreadable", "格式错误"),
        ("facilities.csv", b"", "import.unreadable", "文件为空"),
        ("facilities.csv", b"name,type_code,region_code\n", "import.empty", "没有数据行"),
        ("facilities.csv", b"\nname,type_code\nx,C220\n", "import.unreadable", "表头须在第1行"),
    ],
)
def test_an_unreadable_file_is_a_clear_error(
    db: Any, filename: str, data: bytes, code: str, fragment: str
) -> None:
    with pytest.raises(DomainError) as err:
        imports.import_facilities(filename, data)
    assert err.value.code == code
    assert fragment in err.value.message


# --- regions -------------------------------------------------------------------------------------


def test_regions_derive_level_and_parent_from_the_code(db: Any) -> None:
    add_regions(db, BASE_REGIONS[:3])
    lines = ["代码,名称", "410225,兰考县", "410225100,堌阳镇", "410225100201,朱庄村", "410222101,竖岗镇"]
    result = imports.import_regions("regions.csv", csv_bytes(lines))
    assert (result.count, result.breakdown) == (4, {"county": 1, "township": 2, "village": 1})
    village = db.session.get(Region, "410225100201")
    assert (village.level, village.parent_code, village.name) == ("village", "410225100", "朱庄村")


def test_bad_regions_are_reported_and_nothing_is_imported(db: Any) -> None:
    add_regions(db, BASE_REGIONS[:3])
    lines = [
        "code,name",
        "410223100201,某村",  # 2: parent township missing (not in the database, not earlier)
        "410222,通许县",  # 3: already in the database
        "4102251,某地",  # 4: malformed
        "410225,兰考县",  # 5: fine
        "410225,兰考县",  # 6: duplicate of line 5
        "410225100,",  # 7: no name
        "410226100,某镇",  # 8: county 410226 missing
        "410225200201,某村",  # 9: its township only comes on the next line
        "410225200,某乡",  # 10: fine
    ]
    before = count(db, Region)
    with pytest.raises(DomainError) as err:
        imports.import_regions("regions.csv", csv_bytes(lines))
    found = problems_of(err)
    assert_problem(found, 2, "code", "上级地区 410223100 不存在")
    assert_problem(found, 3, "code", "已存在")
    assert_problem(found, 4, "code", "不是有效的行政区划代码")
    assert_problem(found, 6, "code", "与第5行重复")
    assert_problem(found, 7, "name", "不能为空")
    assert_problem(found, 8, "code", "上级地区 410226 不存在")
    assert_problem(found, 9, "code", "上级地区 410225200 不存在")
    assert len(found) == 7
    assert count(db, Region) == before


# --- users ---------------------------------------------------------------------------------------


def test_users_with_generated_passwords_can_log_in(app: Flask, db: Any) -> None:
    add_regions(db)
    imports.import_facilities("f.csv", csv_bytes(FACILITIES_CSV))
    lines = [
        "用户名,姓名,角色,所属地区,所属机构统一社会信用代码,初始密码",
        "tx_wang,王检查,检查员,410222,,",
        f"tx_self,赵自评,self_assessor,410222,{uscc(1).lower()},",
        "kf_li,李复核,市级复核,410200,,a-long-enough-password",
    ]
    result = imports.import_users("users.csv", csv_bytes(lines))
    assert (result.count, result.breakdown) == (3, {"city_reviewer": 1, "inspector": 1, "self_assessor": 1})
    generated = dict(result.passwords)
    assert sorted(generated) == ["tx_self", "tx_wang"]
    assert all(len(p) >= auth.MIN_PASSWORD_LENGTH for p in generated.values())
    settings = app.config["DABIAO_SETTINGS"]
    login = auth.login(settings, "tx_self", generated["tx_self"], None, NOW)
    facility = db.session.scalars(select(Facility).where(Facility.uscc == uscc(1))).one()
    assert (login.principal.role, login.principal.facility_id) == ("self_assessor", facility.id)
    assert auth.login(settings, "tx_wang", generated["tx_wang"], None, NOW).principal.role == "inspector"
    assert (
        auth.login(settings, "kf_li", "a-long-enough-password", None, NOW).principal.region_code == "410200"
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.users")).one()
    assert entry.after == {"count": 3}
    assert generated["tx_self"] not in str(entry.before) + str(entry.after)


def test_bad_users_are_reported_and_nothing_is_imported(db: Any) -> None:
    add_regions(db)
    imports.import_facilities("f.csv", csv_bytes(FACILITIES_CSV))
    db.session.add(
        User(
            username="taken",
            display_name="已有",
            password_hash=auth.hash_password("0123456789"),
            role="admin",
            region_code="410200",
        )
    )
    db.session.flush()
    lines = [
        "username,display_name,role,region_code,facility_uscc,password",
        "ok_user,好用户,inspector,410222,,",  # 2: fine
        "ok_user,重名,inspector,410222,,",  # 3: duplicate of line 2
        "taken,已有,admin,410200,,",  # 4: in the database
        "x1,某人,superuser,410222,,",  # 5: unknown role
        "x2,某人,inspector,410222,,short",  # 6: weak password
        "x3,某人,self_assessor,410222,,",  # 7: no facility
        f"x4,某人,机构自评,410222,{uscc(99)},",  # 8: no such facility
        "x5,某人,inspector,410299,,",  # 9: unknown region
        f"x6,某人,inspector,410222,{uscc(1)},",  # 10: a facility for an inspector
        ",,inspector,410222,,",  # 11: username and name missing
    ]
    before = count(db, User)
    with pytest.raises(DomainError) as err:
        imports.import_users("users.csv", csv_bytes(lines))
    found = problems_of(err)
    assert_problem(found, 3, "username", "与第2行重复")
    assert_problem(found, 4, "username", "已存在")
    assert_problem(found, 5, "role", "未知的角色")
    assert_problem(found, 6, "password", "至少需要10个字符")
    assert_problem(found, 7, "facility_uscc", "须填写所属机构")
    assert_problem(found, 8, "facility_uscc", "机构不存在")
    assert_problem(found, 9, "region_code", "410299 不存在")
    assert_problem(found, 10, "facility_uscc", "只有机构自评用户")
    assert_problem(found, 11, "username", "不能为空")
    assert_problem(found, 11, "display_name", "不能为空")
    assert not any(line == "2" for line, _, _ in found)
    assert count(db, User) == before


# --- the demo seed -------------------------------------------------------------------------------


def test_seed_demo_creates_every_workflow_state_and_is_idempotent(app: Flask, db: Any) -> None:
    checklists.sync_published(PROJECT_ROOT / "checklists")
    result = seed_demo(NOW)
    assert result["created"] is True
    statuses = set(db.session.scalars(select(Inspection.status)))
    assert statuses == set(STATUSES)
    types = [f.type_code for f in db.session.scalars(select(Facility))]
    assert types.count("D600") == 30
    assert sum(t in ("C210", "C220") for t in types) == 10
    assert types.count("B100") == 2
    for facility in db.session.scalars(select(Facility).where(Facility.uscc.is_not(None))):
        assert uscc_problem(facility.uscc) is None, facility.name
    assert count(db, Evidence) > 0
    roles = {role for _, role, _, _ in result["logins"]}
    assert roles == set(ROLES)  # every role has a demo login
    passwords = [password for *_, password in result["logins"]]
    assert len(set(passwords)) == len(passwords) == 8
    settings = app.config["DABIAO_SETTINGS"]
    for username, role, region, password in result["logins"]:
        principal = auth.login(settings, username, password, None, NOW).principal
        assert (principal.role, principal.region_code) == (role, region)
    assert audit.verify()[1] == []

    before = (count(db, Inspection), count(db, AuditEntry))
    assert seed_demo(NOW) == {"created": False}
    assert (count(db, Inspection), count(db, AuditEntry)) == before


def test_seed_demo_needs_the_checklists(db: Any) -> None:
    with pytest.raises(DomainError) as err:
        seed_demo(NOW)
    assert err.value.code == "seed.checklists_missing"


# --- facts the loaded checklists declare ----------------------------------------------------------


def load_mini_facts(db: Any) -> None:
    """An edition declaring medical_staff (0~500 人), service_area (0.5~5000 平方公里), beds (at most
    200) and has_dr, loaded next to the published ones."""
    path = PROJECT_ROOT / "checklists" / "examples" / "checklists" / "mini-facts.v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    checklist_queries.add_version("mini-facts", 1, "quality_service", "test", data["title"], "1" * 64, data)
    db.session.flush()


def test_declared_facts_are_read_from_columns_named_by_key_or_label(db: Any) -> None:
    add_regions(db)
    load_mini_facts(db)
    data = xlsx_bytes(
        [
            [
                "名称",
                "机构类别代码",
                "行政区划代码",
                "统一社会信用代码",
                "床位数",
                "卫生技术人员数",
                "service_area",
                "配备DR",
            ],
            ["通许县城关镇卫生院", "C220", "410222100", uscc(40), 30, 12, "35.5", "是"],
            ["通许县中心卫生院", "C210", "410222", uscc(41), 200, 0, 0.5, None],
        ]
    )
    assert imports.import_facilities("机构.xlsx", data).count == 2
    rows = {f.name: f for f in db.session.scalars(select(Facility))}
    assert rows["通许县城关镇卫生院"].facts == {"medical_staff": 12, "service_area": 35.5, "has_dr": True}
    assert rows["通许县中心卫生院"].facts == {"medical_staff": 0, "service_area": 0.5}
    assert rows["通许县中心卫生院"].beds == 200


def test_a_fact_outside_its_declared_range_or_type_is_refused_on_its_row(db: Any) -> None:
    add_regions(db)
    load_mini_facts(db)
    lines = [
        "名称,机构类别代码,行政区划代码,统一社会信用代码,床位数,卫生技术人员数,服务面积,medical_staff_note",
        f"好机构,C220,410222100,{uscc(42)},10,5,1,",
    ]
    with pytest.raises(DomainError) as err:
        imports.import_facilities("facilities.csv", csv_bytes(lines))
    assert_problem(problems_of(err), 1, "medical_staff_note", "无法识别的列“medical_staff_note”")
    assert "卫生技术人员数" in problems_of(err)[0][2]  # the declared facts are among the known columns
    lines = [
        "名称,机构类别代码,行政区划代码,统一社会信用代码,床位数,卫生技术人员数,服务面积,配备DR",
        f"好机构,C220,410222100,{uscc(43)},10,5,1,否",
        f"负数人员,C220,410222100,{uscc(44)},10,-3,1,否",
        f"人员过多,C220,410222100,{uscc(45)},10,501,0.4,否",
        f"床位过多,C220,410222100,{uscc(46)},201,多,十,也许",
    ]
    before = count(db, Facility)
    with pytest.raises(DomainError) as err:
        imports.import_facilities("facilities.csv", csv_bytes(lines))
    found = problems_of(err)
    assert_problem(found, 3, "卫生技术人员数", "“-3”超出允许范围（0～500 人）")
    assert_problem(found, 4, "卫生技术人员数", "“501”超出允许范围（0～500 人）")
    assert_problem(found, 4, "服务面积", "“0.4”超出允许范围（0.5～5000 平方公里）")
    assert_problem(found, 5, "床位数", "“201”超出允许范围（不大于 200）")
    assert_problem(found, 5, "卫生技术人员数", "“多”不是整数")
    assert_problem(found, 5, "服务面积", "“十”不是数字")
    assert_problem(found, 5, "配备DR", "应填写 是/否")
    assert not any(line == "2" for line, _, _ in found)
    assert count(db, Facility) == before


def test_without_a_declaring_edition_a_fact_column_is_unknown(db: Any) -> None:
    add_regions(db)  # the published editions declare no medical_staff
    lines = [
        "名称,机构类别代码,行政区划代码,统一社会信用代码,卫生技术人员数",
        f"好机构,C220,410222100,{uscc(47)},5",
    ]
    with pytest.raises(DomainError) as err:
        imports.import_facilities("facilities.csv", csv_bytes(lines))
    assert_problem(problems_of(err), 1, "卫生技术人员数", "无法识别的列")
