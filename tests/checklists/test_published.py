"""The published checklists: valid, unchanged since publication, and as rich as the standards need."""

from collections import Counter

import pytest

from server.domain.checklist import Checklist
from server.services import checklists
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"


def load(rel: str) -> Checklist:
    return checklists.load_definition(ROOT / rel, ROOT)


def test_every_definition_validates_and_is_published_unchanged() -> None:
    reports = checklists.validate_paths(ROOT, None)
    assert len(reports) >= 3
    assert [(r.path.name, r.problems) for r in reports if r.problems] == []
    assert checklists.manifest_problems(ROOT) == []
    assert set(checklists.read_manifest(ROOT)) == {
        p.relative_to(ROOT).as_posix() for p in checklists.definition_files(ROOT)
    }


def test_the_example_checklist_validates() -> None:
    for path in (ROOT / "examples" / "checklists").glob("*.json"):
        assert checklists.validate_file(ROOT, path).problems == []


def test_quality_service_standard() -> None:
    model = load("quality_service/2023-sample/v1.json")
    main = [i for i in model.items() if i.chapter_id in {"QS-1", "QS-2", "QS-3", "QS-4"}]
    assert len(model.chapters) == 5  # four chapters plus the 社区医院 add-on
    assert len(main) >= 80
    assert model.grade_scale == ("C", "B", "A")
    tiers = Counter(i.tier for i in model.items())
    assert tiers["basic"] > 0 and tiers["recommended"] > 0 and tiers["community_hospital"] > 0
    assert sum(i.core for i in model.items()) >= 10
    assert sum(i.veto for i in model.items()) >= 1
    assert sum(i.applies_if is not None for i in model.items()) >= 8
    assert sum(i.validity is not None for i in model.items()) >= 1
    assert [t.code for t in model.tiers] == ["basic", "recommended", "community_hospital"]
    assert model.sample


def test_village_clinic_standard() -> None:
    model = load("village_clinic/2022-sample/v1.json")
    assert sum(1 for _ in model.items()) >= 25
    assert model.method == "points"
    assert all(lv.points is not None for i in model.items() for lv in i.levels)
    assert any(i.monitoring for i in model.items())
    assert any(i.veto for i in model.items())


def test_big_three_standard() -> None:
    model = load("big_three/2024-sample/v1.json")
    items = list(model.items())
    assert len(items) >= 30
    assert {c.id for c in model.chapters} == {"BT-EQ", "BT-DR", "BT-US", "BT-BC"}
    kinds = Counter(i.validity.kind for i in items if i.validity)
    assert kinds["valid_until"] >= 2 and kinds["max_age"] >= 3
    state_test = next(i for i in items if i.validity and "状态检测" in i.validity.document)
    assert state_test.validity is not None and state_test.validity.max_age_months == 12


@pytest.mark.parametrize("rel", sorted(checklists.read_manifest(ROOT)))
def test_item_ids_are_unique_across_the_file(rel: str) -> None:
    ids = [i.id for i in load(rel).items()]
    assert len(ids) == len(set(ids))
