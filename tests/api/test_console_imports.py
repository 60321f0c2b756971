"""Facilities and users from a spreadsheet in the console (/api/imports): the template, a preview of
every row with its problems and nothing written, then the import of the file previewed, all rows
or none; inside the importer's region, and roles only they may grant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

from server import registry
from server.db.models import AuditEntry, Facility, User
from server.extensions import db
from server.services import imports, jobs
from tests.api.world import World, uscc

FACILITIES = "名称,机构类别代码,行政区划代码,统一社会信用代码,床位数\n"
ONE_TIME = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def post(world: World, username: str, url: str, text: str, name: str = "导入.csv", **form: str) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(text.encode("utf-8")), name), **form}
    return world.client.post(
        url,
        data=data,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login(username)}"},
    )


def facilities_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Facility)) or 0)


def test_the_templates_name_the_columns_the_import_reads(world: World) -> None:
    for kind, first in (("facilities", "名称"), ("users", "用户名")):
        response = world.call("county_reviewer", "GET", f"/api/imports/{kind}/template.xlsx")
        assert response.status_code == 200
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.data)).active
        header = [c.value for c in sheet[1]]
        assert header[0] == first
        assert all(isinstance(c.value, str | int | type(None)) for c in sheet[2])
    users = load_workbook(
        io.BytesIO(world.call("admin", "GET", "/api/imports/users/template.xlsx").data)
    ).active
    assert "初始密码" not in [c.value for c in users[1]]  # the console makes one-time passwords
    assert world.call("county_reviewer", "GET", "/api/imports/regions/template.xlsx").status_code == 404


def test_a_preview_shows_every_row_and_every_problem_and_writes_nothing(world: World) -> None:
    before = facilities_count()
    text = FACILITIES + (
        "通许县新建镇卫生院,C220,410222,12410222MB12345605,10\n"
        "兰考县某镇卫生院,C220,410225,,10\n"  # 兰考: outside 通许's reviewer's region
        "某卫生室,X999,410222,,0\n"
    )
    response = post(world, "county_reviewer", "/api/imports/facilities/preview", text)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["header"] == ["名称", "机构类别代码", "行政区划代码", "统一社会信用代码", "床位数"]
    assert [r["line"] for r in body["rows"]] == [2, 3, 4]
    assert body["rows"][0]["cells"][0] == "通许县新建镇卫生院"
    found = {(p["pointer"], p["message"]) for p in body["problems"]}
    assert ("/rows/3/行政区划代码", "地区 410225 不在您的辖区内") in found
    assert any(p.startswith("/rows/4/机构类别代码") for p, _ in found)
    assert body["count"] == 0 and body["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert facilities_count() == before


def test_the_file_previewed_is_imported_whole(world: World) -> None:
    text = (
        FACILITIES + "通许县新建镇卫生院,C220,410222,12410222MB12345605,10\n通许县东村卫生室,D600,410222,,0\n"
    )
    preview = post(world, "county_reviewer", "/api/imports/facilities/preview", text).json
    assert preview["problems"] == [] and preview["count"] == 2
    assert preview["breakdown"] == {"C220": 1, "D600": 1}
    before = facilities_count()
    changed = post(
        world,
        "county_reviewer",
        "/api/imports/facilities",
        text + "多一行,D600,410222,,0\n",
        sha256=preview["sha256"],
    )
    assert (changed.status_code, changed.json["error"]["code"]) == (409, "import.changed")
    done = post(world, "county_reviewer", "/api/imports/facilities", text, sha256=preview["sha256"])
    assert done.status_code == 201, done.json
    assert (done.json["count"], done.json["passwords"]) == (2, [])
    assert facilities_count() == before + 2
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.facilities")).one()
    assert entry.actor == "county_reviewer"
    again = post(world, "county_reviewer", "/api/imports/facilities", text, sha256=preview["sha256"])
    # the same file twice (a double click, a retry): refused whole, the clinic without USCC not doubled
    assert (again.status_code, again.json["error"]["code"]) == (409, "import.already_done"), again.json
    assert facilities_count() == before + 2


def test_users_from_a_sheet_get_one_time_passwords_and_no_role_above_the_importers(world: World) -> None:
    header = "用户名,姓名,角色,所属地区\n"
    bad = header + "wang.wu,王五,管理员,410222\nzhao.liu,赵六,检查员,410225\n"
    problems = post(world, "county_reviewer", "/api/imports/users/preview", bad).json["problems"]
    assert [(p["pointer"], p["message"]) for p in problems] == [
        ("/rows/2/角色", "您不能授予“管理员”角色"),
        ("/rows/3/所属地区", "地区 410225 不在您的辖区内"),
    ]
    good = header + "wang.wu,王五,检查员,410222\nzhao.liu,赵六,检查员,410222\n"
    preview = post(world, "county_reviewer", "/api/imports/users/preview", good).json
    assert preview["breakdown"] == {"inspector": 2}
    done = post(world, "county_reviewer", "/api/imports/users", good, sha256=preview["sha256"]).json
    assert [p["username"] for p in done["passwords"]] == ["wang.wu", "zhao.liu"]
    assert all(ONE_TIME.match(p["one_time_password"]) for p in done["passwords"])
    made = db.session.scalars(select(User).where(User.username.in_(["wang.wu", "zhao.liu"]))).all()
    assert len(made) == 2 and all(u.must_change_password for u in made)


def test_what_the_console_does_not_import(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "代码,名称\n410299,新区\n"
    assert post(world, "admin", "/api/imports/regions/preview", text).status_code == 404
    monkeypatch.setattr(imports, "CONSOLE_MAX_ROWS", 1)
    many = FACILITIES + "甲卫生室,D600,410222,,0\n乙卫生室,D600,410222,,0\n"
    response = post(world, "county_reviewer", "/api/imports/facilities/preview", many)
    assert (response.status_code, response.json["error"]["code"]) == (422, "import.too_many_rows")
    unreadable = post(world, "county_reviewer", "/api/imports/facilities/preview", "x", name="旧表.xls")
    assert unreadable.status_code == 415 and "另存为 .xlsx" in unreadable.json["error"]["message"]


def test_a_large_file_is_imported_by_a_background_job_and_its_passwords_download_once(
    world: World, app: Any
) -> None:
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(
        registry.settings(), import_inline_rows=1, import_inline_users=1, jobs_inline=True
    )
    text = (
        FACILITIES
        + f"通许县甲镇卫生院,C220,410222,{uscc('410222', 901)},10\n"
        + f"通许县乙镇卫生院,C220,410222,{uscc('410222', 902)},12\n"
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    before = facilities_count()
    job = post(world, "county_reviewer", "/api/imports/facilities", text, sha256=digest)
    assert job.status_code == 202, job.json
    assert job.json["error"] is None, job.json["error"]
    assert (job.json["kind_label"], job.json["state"], job.json["summary"]) == (
        "批量导入",
        "succeeded",
        "已导入 2 家机构",
    )
    assert job.json["title"] == "导入机构（导入.csv，2 行）"
    assert facilities_count() == before + 2
    again = post(world, "county_reviewer", "/api/imports/facilities", text, sha256=digest)
    assert (again.status_code, again.json["error"]["code"]) == (409, "import.already_done")

    sheet = "用户名,姓名,角色,所属地区\nbig.one,大一,检查员,410222\nbig.two,大二,检查员,410222\n"
    users = post(
        world,
        "county_reviewer",
        "/api/imports/users",
        sheet,
        sha256=hashlib.sha256(sheet.encode()).hexdigest(),
    )
    assert users.status_code == 202, users.json
    result = users.json["result"]
    assert result["once"] is True and result["filename"] == "一次性密码.xlsx"
    assert "只能下载一次" in users.json["summary"]
    url = f"/api/jobs/{users.json['id']}/result"
    assert world.call("admin", "GET", url).status_code == 404  # the starter's alone
    first = world.call("county_reviewer", "GET", url)
    assert first.status_code == 200
    rows = list(load_workbook(io.BytesIO(first.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("用户名", "一次性密码") and {r[0] for r in rows[1:]} == {"big.one", "big.two"}
    assert all(ONE_TIME.match(r[1]) for r in rows[1:])
    second = world.call("county_reviewer", "GET", url)
    assert (second.status_code, second.json["error"]["code"]) == (409, "jobs.no_result")
    shown = world.call("county_reviewer", "GET", f"/api/jobs/{users.json['id']}").json
    assert shown["result"] is None and "只能下载一次" in shown["summary"]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username.like("big.%"))) == 2

    # the uploaded files go with `flask jobs prune` once their jobs are old
    store = registry.evidence_store()
    uploads = list(store.keys("imports/"))
    assert len(uploads) == 2
    assert jobs.prune(30, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31)) >= 2
    assert list(store.keys("imports/")) == []
