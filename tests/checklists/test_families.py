"""The registry of checklist families (checklists/families.json): validated by its own schema, the
one list a definition's `family` is checked against, and the one place families get their names
and facility types."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from server.domain.errors import DomainError
from server.domain.identifiers import FACILITY_TYPES, VILLAGE_CLINIC
from server.services import checklists
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
MINI = ROOT / "examples" / "checklists" / "mini-test.v1.json"


def registry_copy(tmp_path: Path, families: Any) -> Path:
    """A checklists folder with the real schemas and the given registry."""
    root = tmp_path / "checklists"
    shutil.copytree(ROOT / "schema", root / "schema")
    (root / "families.json").write_text(json.dumps(families, ensure_ascii=False), encoding="utf-8")
    return root


def test_every_published_checklist_belongs_to_a_registered_family() -> None:
    registry = checklists.families(ROOT)
    published = {checklists.read_json(ROOT / rel)["family"] for rel in checklists.read_manifest(ROOT)}
    assert published <= set(registry.codes)
    assert registry.names["quality_service"] == "优质服务基层行"
    assert registry.names["village_clinic"] == "村卫生室标准化建设"


def test_each_facility_type_is_offered_the_families_it_was_before() -> None:
    registry = checklists.families(ROOT)
    for type_code in FACILITY_TYPES:
        offered = {f.code for f in registry if registry.fits(f.code, type_code)}
        expected = {"village_clinic"} if type_code == VILLAGE_CLINIC else {"quality_service", "big_three"}
        assert offered == expected, type_code


def test_a_family_is_found_by_code_name_or_alias() -> None:
    registry = checklists.families(ROOT)
    assert registry.lookup("BIG_THREE") == registry.lookup("三大件") == "big_three"
    assert registry.lookup("村卫生室标准化建设") == "village_clinic"
    assert registry.lookup("口腔") is None
    assert registry.name("gone") == "gone"  # a family no longer listed still reads as its code


def test_every_registry_problem_is_listed_with_its_pointer(tmp_path: Path) -> None:
    root = registry_copy(
        tmp_path,
        {
            "families": [
                {"code": "quality_service", "name": "优质服务基层行", "facility_types": ["B100"]},
                {"code": "quality_service", "name": "优质服务基层行", "facility_types": ["X999"]},
            ]
        },
    )
    with pytest.raises(DomainError) as err:
        checklists.families(root)
    assert err.value.code == "families.invalid"
    assert [(p.code, p.pointer) for p in err.value.problems] == [
        ("families.duplicate", "/families/1/code"),
        ("families.facility_type", "/families/1/facility_types/0"),
        ("families.duplicate", "/families/1/name"),
    ]
    assert "未知的机构类别代码“X999”" in err.value.problems[1].message
    assert str(root / "families.json") in err.value.message


def test_the_registry_schema_holds_codes_to_their_column(tmp_path: Path) -> None:
    long_code = "a" * 33  # the family columns are String(32)
    root = registry_copy(
        tmp_path,
        {"families": [{"code": long_code, "name": "很长", "facility_types": ["B100"]}, {"code": "x"}]},
    )
    with pytest.raises(DomainError) as err:
        checklists.families(root)
    pointers = {p.pointer for p in err.value.problems}
    assert pointers == {"/families/0/code", "/families/1"}  # too long; name and types missing


def test_a_missing_registry_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(ROOT / "schema", root / "schema")
    with pytest.raises(DomainError) as err:
        checklists.validate_file(root, MINI)
    assert err.value.code == "file.unreadable"
    assert "families.json" in err.value.message


def test_a_family_outside_the_registry_is_refused_until_it_is_registered(tmp_path: Path) -> None:
    data = json.loads(MINI.read_text(encoding="utf-8"))
    data["family"] = "dental_care"
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    problems = checklists.validate_file(ROOT, path).problems
    assert [(p.code, p.pointer) for p in problems] == [("checklist.unknown_family", "/family")]
    assert "类别“dental_care”未在 families.json 中登记" in problems[0].message
    assert "quality_service（优质服务基层行）" in problems[0].message

    registry = json.loads((ROOT / "families.json").read_text(encoding="utf-8"))
    registry["families"].append({"code": "dental_care", "name": "口腔诊疗服务", "facility_types": ["B100"]})
    root = registry_copy(tmp_path, registry)
    assert checklists.validate_file(root, path).problems == []  # data, not code: no change elsewhere
    assert checklists.families(root).fits("dental_care", "B100")
