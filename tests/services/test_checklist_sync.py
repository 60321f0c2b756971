"""Loading published checklists into the database: idempotent, and all or nothing."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from server.db import checklists as queries
from server.domain.errors import DomainError
from server.services import checklists
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"


def test_load_is_idempotent(db: Any) -> None:
    published = len(checklists.read_manifest(ROOT))
    assert published >= 3
    assert checklists.sync_published(ROOT) == {"added": published, "unchanged": 0}
    assert checklists.sync_published(ROOT) == {"added": 0, "unchanged": published}
    assert queries.count_versions() == published
    model = checklists.get_checklist("qs-2023-sample", 1)
    assert model.family == "quality_service"


def test_a_changed_published_file_is_refused_and_nothing_loaded(db: Any, tmp_path: Path) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(ROOT, root)
    path = root / "village_clinic" / "2022-sample" / "v1.json"
    data = json.loads(path.read_text())
    data["title"] += "（改）"
    path.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(DomainError) as err:
        checklists.sync_published(root)
    assert err.value.code == "checklist.digest_mismatch"
    assert queries.count_versions() == 0


def test_unknown_version_is_a_clear_error(db: Any) -> None:
    with pytest.raises(DomainError) as err:
        checklists.get_checklist("qs-2023-sample", 99)
    assert (err.value.code, err.value.status) == ("checklist.not_found", 404)


def test_an_edition_declaring_a_loaded_fact_with_another_type_is_refused(db: Any, tmp_path: Path) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(ROOT, root)
    loaded = checklists.sync_published(root)["added"]
    source = root / "village_clinic" / "2022-sample" / "v1.json"
    data = json.loads(source.read_text())
    data["version"] = 2
    for fact in data["facts"]:
        if fact["key"] == "population_served":
            fact["type"] = "number"  # an integer in the other editions
    path = source.with_name("v2.json")
    path.write_text(json.dumps(data, ensure_ascii=False))
    checklists.publish(root, path)  # valid on its own
    with pytest.raises(DomainError) as err:
        checklists.sync_published(root)
    assert err.value.code == "checklist.fact_conflict"
    assert err.value.message.startswith("机构信息的声明与其他评审标准不一致")
    [problem] = err.value.problems
    assert "机构信息“population_served”" in problem.message
    assert "为数值" in problem.message and "为整数" in problem.message
    assert queries.count_versions() == loaded
