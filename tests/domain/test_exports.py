"""What the results export says about one result (pure): chapter shares from the scoring result,
core items met, the veto outcome, region columns, sheet and file names."""

from __future__ import annotations

import datetime as dt
import json

from server.domain import exports
from server.domain.checklist import NOT_APPLICABLE, NOT_MET, parse_checklist
from server.domain.scoring import Answer, check_answers, check_facts, score_checked, summary_checked
from server.services.checklists import load_definition
from server.settings import PROJECT_ROOT
from tests.scoring_corpus import ROOT, build_cases, editions

QS = PROJECT_ROOT / "checklists" / "quality_service" / "2023-sample" / "v1.json"
VC = PROJECT_ROOT / "checklists" / "village_clinic" / "2022-sample" / "v1.json"
CENTRE = {"has_beds": True, "iv_infusion": True, "facility_kind": "township", "community_hospital": False}


def test_a_graded_checklists_chapter_share_is_its_items_at_the_first_level_over_the_applicable() -> None:
    model = parse_checklist(json.loads(QS.read_text()))
    answers = {
        i.id: Answer("C", valid_until=dt.date(2030, 1, 1), document_date=dt.date(2026, 6, 1))
        for i in model.items()
    }
    answers["QS-1.3.02"] = Answer(NOT_MET)
    answers["QS-1.1.02"] = Answer("A")
    answers["QS-4.7.01"] = Answer(NOT_MET)  # a veto item
    answers["QS-1.6.02"] = Answer(NOT_APPLICABLE)
    facts = check_facts(model, {k: v for k, v in CENTRE.items() if k in model.facts})
    score = score_checked(model, facts, answers, dt.date(2026, 11, 20))
    shares = exports.chapter_shares(model, score)
    first = score["chapters"][0]
    assert shares[0] == (first["applicable"] - 1) / first["applicable"]  # 1.3.2 failed, 1.6.2 left out
    assert shares[1] == 1.0
    assert shares[4] is None  # 社区医院（附加）: nothing applicable to a township centre
    assert exports.veto_text(model, score) == "4.7.1"
    core = [i for i in model.items() if i.core and not i.monitoring]
    assert exports.core_items(model, score) == (len(core), len(core))
    answers[core[0].id] = Answer(NOT_MET)
    score = score_checked(model, facts, answers, dt.date(2026, 11, 20))
    assert exports.core_text(*exports.core_items(model, score)) == f"{len(core) - 1}/{len(core)}"
    assert exports.chapter_header(model, "QS-2") == "二、基本医疗和公共卫生服务达标率"
    assert "达到“C级”及以上" in exports.share_note(model)


def test_a_points_checklists_chapter_share_is_its_points_and_core_items_must_pass() -> None:
    model = parse_checklist(json.loads(VC.read_text()))
    answers = {i.id: Answer(i.levels[-1].code, valid_until=dt.date(2030, 1, 1)) for i in model.items()}
    answers["VC-2.2.01"] = Answer("partial")  # 3 of 5 points
    answers["VC-3.1.01"] = Answer("partial")  # a core item below 达标
    facts = check_facts(model, {"iv_infusion": False, "tcm_corner": False})
    score = score_checked(model, facts, answers, dt.date(2026, 11, 20))
    shares = exports.chapter_shares(model, score)
    points = score["chapters"][1]["points"]
    assert shares[1] == points["earned"] / points["possible"] < 1
    assert shares[0] == 1.0
    assert exports.core_grade(model) == "pass"
    core = [i for i in model.items() if i.core]
    assert exports.core_items(model, score) == (len(core) - 1, len(core))
    assert exports.veto_text(model, score) == exports.VETO_NONE
    assert exports.chapter_header(model, "VC-1") == "一、机构设置与房屋得分率"


def test_region_columns_name_the_county_and_township() -> None:
    names = {"410222": "通许县", "410222100": "城关镇", "410200": "开封市"}
    assert exports.region_path("410222100001", names) == exports.RegionPath("通许县", "城关镇")
    assert exports.region_path("410222", names) == exports.RegionPath("通许县", "")
    assert exports.region_path("410200", names) == exports.RegionPath("", "")  # directly under the city


def test_sheet_names_fit_excel_and_stay_apart() -> None:
    title = "优质服务基层行 乡镇卫生院/社区卫生服务中心服务能力评价（2023版·示例）"
    names = exports.sheet_names(
        [
            ("优质服务基层行", title, 1),
            ("优质服务基层行", title, 2),
            ("村卫生室标准化建设", "村卫生室标准化建设评价", 1),
            ("优质服务基层行", "评分引擎测试用小清单", 1),
        ]
    )
    assert names[1] == "优质服务基层行（第2版）" and names[2] == "村卫生室标准化建设（第1版）"
    # two checklists of one family and version: named by their titles, within 31 characters, no "/"
    assert names[0].startswith("优质服务基层行 乡镇卫生院、社区") and names[0].endswith("（第1版）")
    assert names[3] == "评分引擎测试用小清单（第1版）"
    assert all(len(n) <= 31 and "/" not in n for n in names)
    same = exports.sheet_names([("甲", "同名", 1), ("乙", "同名", 1), ("甲", "同名", 1)])
    assert len(set(same)) == 3


def test_file_names_lose_what_file_systems_refuse() -> None:
    assert exports.file_name("开封市2026年评审结果") == "开封市2026年评审结果.xlsx"
    assert exports.file_name('a/b:c*"d"检查名单') == "a_b_c_d_检查名单.xlsx"
    assert exports.file_name("...") == "导出.xlsx"


def test_the_summary_the_export_computes_is_that_part_of_the_full_score() -> None:
    """summary_checked against score_checked on every edition the scoring corpus covers: random
    answer sets (facts, dates, N/A, vetoes, expired documents) and each rule's threshold pairs."""
    compared = 0
    for rel in editions():
        checklist = load_definition(ROOT / rel, ROOT)
        for case in build_cases(checklist, 20, 0, seed=16):
            document = case.input
            facts = check_facts(checklist, document["facts"])
            answers = check_answers(checklist, document["answers"])
            day = dt.date.fromisoformat(document["inspection_date"])
            summary = summary_checked(checklist, facts, answers, day)
            full = case.expected
            assert summary["chapters"] == full["chapters"], (rel, case.name)
            assert summary["veto_failed"] == full["veto_failed"], (rel, case.name)
            assert summary["items"] == {i: {"outcome": o["outcome"]} for i, o in full["items"].items()}
            assert exports.chapter_shares(checklist, summary) == exports.chapter_shares(checklist, full)
            assert exports.core_items(checklist, summary) == exports.core_items(checklist, full)
            compared += 1
    assert compared > 500
