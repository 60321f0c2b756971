"""The server's labels (server/domain/labels.py) are complete, and the app's copy is theirs:
every kind, role, state, outcome, scoring reason, photo flag and answer source the server can
produce has a Chinese label, and pwa/src/generated/labels.json is what the server exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.__main__ import GENERATED
from server.domain import evidence, labels, rectification, report, scoring, workflow
from server.domain.checklist import NOT_APPLICABLE, NOT_MET

DOMAIN = Path(__file__).resolve().parents[2] / "server" / "domain"


def chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def test_every_code_the_server_produces_has_a_chinese_label() -> None:
    assert set(labels.KIND_LABELS) == set(workflow.KINDS)
    assert set(labels.ROLE_LABELS) == set(workflow.ROLES)
    assert set(labels.STATUS_TONES) == set(workflow.STATUSES)
    assert set(labels.STATUS_TONES.values()) <= {"default", "primary", "warning", "success", "danger"}
    flags = {value for name, value in vars(evidence).items() if name.startswith("FLAG_")}
    assert set(labels.FLAG_LABELS) == flags
    assert {NOT_MET, NOT_APPLICABLE, labels.UNANSWERED} == set(labels.OUTCOME_LABELS)
    for table in (
        labels.KIND_LABELS,
        labels.ROLE_LABELS,
        labels.FLAG_LABELS,
        labels.OUTCOME_LABELS,
        labels.REASON_LABELS,
        labels.SOURCE_LABELS,
        labels.TIER_ITEM_LABELS,
        labels.HEALTH_COMPONENT_LABELS,
    ):
        assert all(chinese(text) for text in table.values()), table


def test_every_scoring_reason_has_a_label() -> None:
    # The engine writes reasons only through its named constants (the score schema's enums).
    reasons = set(scoring.ITEM_REASONS) | {scoring.RULE_REASON_NO_ITEMS}
    source = (DOMAIN / "scoring.py").read_text(encoding="utf-8")
    assert not re.findall(r'ItemOutcome\(item, [^,]+, "[a-z_]+"', source), "a reason written as a literal"
    assert {"condition", "inspector", "document_expired", "no_applicable_items"} <= reasons
    assert reasons <= set(labels.REASON_LABELS), reasons - set(labels.REASON_LABELS)


def test_every_answer_source_has_a_label() -> None:
    source = (DOMAIN.parent / "services" / "inspections.py").read_text(encoding="utf-8")
    source += (DOMAIN.parent / "services" / "sync.py").read_text(encoding="utf-8")
    written = {
        found
        for pattern in (r'source = "([a-z]+)"', r'principal\.user_id, "([a-z]+)"', r'"source": "([a-z]+)"')
        for found in re.findall(pattern, source)
    }
    assert {"review", "inspector"} <= written
    assert written <= set(labels.SOURCE_LABELS)


def test_every_health_component_has_a_label() -> None:
    source = (DOMAIN.parent / "services" / "health.py").read_text(encoding="utf-8")
    parts = set(re.findall(r'"([a-z_]+)": _timed\(', source)) | set(
        re.findall(r'result\["([a-z_]+)"\] = ', source)
    )
    assert parts and parts <= set(labels.HEALTH_COMPONENT_LABELS)


def test_the_report_uses_the_same_words_as_the_app() -> None:
    assert report.KIND_LABELS is labels.KIND_LABELS
    assert report.FLAG_LABELS is labels.FLAG_LABELS
    assert rectification.REASON_LABELS is labels.REASON_LABELS  # the report's reasons are its
    assert report.STATUS_LABELS is workflow.STATUS_LABELS
    assert {a: t.label for a, t in workflow.TRANSITIONS.items()} == report.ACTION_LABELS


def test_the_apps_copy_is_what_the_server_exports() -> None:
    stored = json.loads((GENERATED / "labels.json").read_text(encoding="utf-8"))
    assert stored == labels.as_data()
    assert list(stored["status_tones"]) == list(workflow.STATUSES)
    for key, table in stored.items():
        assert table and all(isinstance(v, str) and v for v in table.values()), key
