"""Items with several documents, end to end: per-document dates stored with every revision,
sent back by the bootstrap, the history and the score; a document issued after the inspection
refused where answers are stored (a sync change alone, a regrade with 422), in both forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.db import checklists as checklist_queries
from server.db.models import Answer, AnswerRevision, Inspection
from server.extensions import db
from server.settings import PROJECT_ROOT
from tests.api.test_reports import pdf_text
from tests.api.test_workflow import act
from tests.api.world import World, change

DOCS = PROJECT_ROOT / "checklists" / "examples" / "checklists" / "docs-test.v1.json"
IN_DATE = {
    "licence": {"valid_until": "2028-06-30"},
    "state_test": {"document_date": "2026-03-02"},
}
D02 = {
    "water_test": {"document_date": "2026-09-15"},
    "discharge_permit": {"valid_until": "2029-12-31"},
    "sewage_test": {"document_date": "2026-10-08"},
}


def docs_inspection(world: World, inspectors: tuple[str, ...] = ("inspector",)) -> Inspection:
    """An inspection (dated 2026-11-20) on the test checklist whose items carry several documents."""
    if checklist_queries.find_version("docs-test", 1) is None:
        data = json.loads(DOCS.read_text())
        checklist_queries.add_version(
            "docs-test", 1, "quality_service", "test", data["title"], "0" * 64, data
        )
    return world.inspection(checklist=("docs-test", 1), inspectors=inspectors)


def complete(inspection_id: int, **d01: Any) -> list[dict[str, Any]]:
    return [
        change(inspection_id, "D-01", "A", documents={**IN_DATE, **d01}),
        change(inspection_id, "D-02", "B", documents=D02),
        change(inspection_id, "D-03", "C", document_date="2026-01-10"),
        change(inspection_id, "D-04", "B"),
    ]


def test_per_document_dates_are_stored_and_come_back_everywhere(world: World) -> None:
    inspection = docs_inspection(world)
    receipts = world.sync("inspector", complete(inspection.id)).json["receipts"]
    assert [r["status"] for r in receipts] == ["applied"] * 4
    row = db.session.get(Answer, (inspection.id, "D-01"))
    assert row is not None and row.documents == IN_DATE and row.document_date is None
    revision = db.session.query(AnswerRevision).filter_by(inspection_id=inspection.id, item_id="D-01").one()
    assert revision.documents == IN_DATE
    assert db.session.get(Answer, (inspection.id, "D-04")).documents is None  # SQL NULL, not JSON null

    boot = world.call("inspector", "GET", "/api/sync/bootstrap").json
    answers = boot["assignments"][0]["answers"]
    assert answers["D-01"] == {"grade": "A", "documents": IN_DATE, "revision": 1}
    assert answers["D-03"] == {"grade": "C", "document_date": "2026-01-10", "revision": 1}
    history = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/history?item_id=D-02").json
    assert history[0]["documents"] == D02 and history[0]["document_date"] is None

    score = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/score").json
    assert score["items"]["D-01"] == {"outcome": "A"}
    assert score["tier"]["code"] == "basic"

    # the state test one day too old: the stored answer scores not met and names the document
    late = change(
        inspection.id,
        "D-01",
        "A",
        base=1,
        documents={**IN_DATE, "state_test": {"document_date": "2025-11-19"}},
    )
    assert world.sync("inspector", [late]).json["receipts"][0]["status"] == "applied"
    score = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/score").json
    assert score["items"]["D-01"] == {
        "outcome": "not_met",
        "reason": "document_expired",
        "documents": {"state_test": "document_expired"},
        "answered": "A",
    }
    assert score["tier"]["code"] == "none"


def test_a_document_issued_after_the_inspection_is_refused_alone_in_a_sync_batch(world: World) -> None:
    inspection = docs_inspection(world)
    batch = complete(inspection.id, state_test={"document_date": "2026-11-21"})
    batch[2] = change(inspection.id, "D-03", "C", document_date="2026-12-01")  # the single form too
    receipts = world.sync("inspector", batch).json["receipts"]
    assert [r["status"] for r in receipts] == ["rejected", "applied", "rejected", "applied"]
    assert receipts[0]["error"] == {
        "code": "answers.document_after_inspection",
        "message": "“设备状态检测报告”的出具日期 2026-11-21 晚于检查日期 2026-11-20，不能作为本次检查的依据",
    }
    assert receipts[2]["error"]["code"] == "answers.document_after_inspection"
    assert "“消毒效果监测报告”的出具日期 2026-12-01" in receipts[2]["error"]["message"]
    assert db.session.get(Answer, (inspection.id, "D-01")) is None
    assert db.session.get(Answer, (inspection.id, "D-03")) is None
    # a licence valid until long after the inspection, and a report issued on the inspection day, are normal
    fixed = [
        change(
            inspection.id, "D-01", "A", documents={**IN_DATE, "state_test": {"document_date": "2026-11-20"}}
        ),
        change(inspection.id, "D-03", "C", document_date="2026-11-20", valid_until="2030-01-01"),
    ]
    assert [r["status"] for r in world.sync("inspector", fixed).json["receipts"]] == ["applied", "applied"]


def test_the_wrong_answer_form_is_refused_with_its_code(world: World) -> None:
    inspection = docs_inspection(world)
    receipts = world.sync(
        "inspector",
        [
            change(inspection.id, "D-01", "A", valid_until="2028-06-30"),
            change(inspection.id, "D-03", "C", documents={"report": {"document_date": "2026-01-10"}}),
            change(inspection.id, "D-02", "B", documents={"water_test": {"valid_until": "2027-01-01"}}),
            change(inspection.id, "D-02", "B", documents={"Water": {"document_date": "2026-01-01"}}),
            change(inspection.id, "D-04", "B"),
        ],
    ).json["receipts"]
    assert [r["status"] for r in receipts] == ["rejected"] * 4 + ["applied"]
    assert [r["error"]["code"] for r in receipts[:3]] == ["answers.document_form"] * 3
    assert receipts[0]["error"]["message"] == "此条款有多份文件，请逐份填写各文件的日期"
    assert receipts[2]["error"]["message"] == "“水质检测报告”应填写出具日期"
    assert receipts[3]["error"]["code"].startswith("request.")  # the key's pattern, at the boundary


def test_a_regrade_with_a_document_after_the_inspection_is_422(world: World) -> None:
    inspection = docs_inspection(world)
    world.sync("inspector", complete(inspection.id))
    assert act(world, "inspector", inspection, "submit").status_code == 200
    assert act(world, "county_reviewer", inspection, "start_county_review").status_code == 200
    url = f"/api/inspections/{inspection.id}/items/D-01/grade"
    body = {"grade": "B", "base_revision": 1, "reason": "复核状态检测报告"}
    late = {**IN_DATE, "state_test": {"document_date": "2026-11-25"}}
    refused = world.call("county_reviewer", "PUT", url, {**body, "documents": late})
    assert refused.status_code == 422
    error = refused.json["error"]
    assert error["code"] == "answers.document_after_inspection"
    assert "设备状态检测报告" in error["message"]
    assert error["problems"][0]["pointer"] == "/answers/D-01/documents/state_test/document_date"
    single = world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/D-03/grade",
        {"grade": "C", "base_revision": 1, "reason": "复核监测报告", "document_date": "2026-11-21"},
    )
    assert single.status_code == 422 and single.json["error"]["code"] == "answers.document_after_inspection"
    fine = {**IN_DATE, "state_test": {"document_date": "2026-11-19"}}
    done = world.call("county_reviewer", "PUT", url, {**body, "documents": fine})
    assert done.status_code == 200, done.json
    assert db.session.get(Answer, (inspection.id, "D-01")).documents == fine


def test_the_report_shows_each_documents_date_and_names_the_failing_one(world: World, tmp_path: Path) -> None:
    inspection = docs_inspection(world)
    d02 = {k: v for k, v in D02.items() if k != "sewage_test"}  # one document without a date
    batch = complete(inspection.id, state_test={"document_date": "2025-11-19"})  # one day too old
    batch[1] = change(inspection.id, "D-02", "B", documents=d02)
    assert {r["status"] for r in world.sync("inspector", batch).json["receipts"]} == {"applied"}
    response = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/report")
    assert response.status_code == 200
    pdf = response.data
    text = pdf_text(pdf, tmp_path)
    for line in (
        "放射诊疗许可证有效期至：2028-06-30",
        "设备状态检测报告出具日期：2025-11-19",
        "水质检测报告出具日期：2026-09-15",
        "排污许可证有效期至：2029-12-31",
        "污水检测报告出具日期：未填写",
        "消毒效果监测报告出具日期：2026-01-10",  # the single form too
        "设备状态检测报告：文件已过期，按不达标计",
        "污水检测报告：缺少文件日期，按不达标计",
    ):
        assert line in text, line


def test_a_conflict_combined_keeps_each_documents_newest_date(world: World) -> None:
    inspection = docs_inspection(world, inspectors=("inspector", "inspector2"))
    first = change(inspection.id, "D-02", "B", documents=D02)
    assert world.sync("inspector", [first]).json["receipts"][0]["status"] == "applied"
    newer = {"sewage_test": {"document_date": "2026-11-02"}}
    late = change(inspection.id, "D-02", "A", documents=newer)
    receipt = world.sync("inspector2", [late], device="phone-b").json["receipts"][0]
    assert receipt["status"] == "conflict"
    conflict = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/conflicts").json[0]
    assert conflict["proposed"]["documents"] == newer
    resolved = world.call(
        "inspector",
        "POST",
        f"/api/inspections/{inspection.id}/conflicts/{conflict['id']}/resolution",
        {"resolution": "combine", "grade": "A", "reason": "采用新的污水检测报告"},
    )
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["answer"]["documents"] == {**D02, **newer}
    assert db.session.get(Answer, (inspection.id, "D-02")).documents == {**D02, **newer}
