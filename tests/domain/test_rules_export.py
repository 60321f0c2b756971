"""The workflow rules the app reads are the server's, exported (`python -m server export-rules`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import server.__main__ as cli
from server.domain import workflow


def test_the_apps_copy_is_what_the_server_exports() -> None:
    result = CliRunner().invoke(cli.main, ["export-rules", "--check"])
    assert result.exit_code == 0, result.output
    stored = json.loads((cli.GENERATED / "workflow.json").read_text(encoding="utf-8"))
    assert stored == workflow.as_data()


def test_a_stale_copy_fails_the_check_and_an_export_mends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "GENERATED", tmp_path)
    data = workflow.as_data()
    data["statuses"][0]["label"] = "填报中"  # a label changed by hand
    (tmp_path / "workflow.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    stale = CliRunner().invoke(cli.main, ["export-rules", "--check"])
    assert stale.exit_code == 1
    assert "workflow.json" in stale.output
    mended = CliRunner().invoke(cli.main, ["export-rules"])
    assert mended.exit_code == 0, mended.output
    assert CliRunner().invoke(cli.main, ["export-rules", "--check"]).exit_code == 0


def test_every_transition_is_exported_with_what_it_needs() -> None:
    data = workflow.as_data()
    exported = {t["action"]: t for t in data["transitions"]}
    assert exported.keys() == workflow.TRANSITIONS.keys()
    for action, spec in workflow.TRANSITIONS.items():
        row = exported[action]
        assert set(row["from"]) == spec.sources and row["to"] == spec.target
        assert set(row["roles"]) == spec.roles
        assert (row["needs_reason"], row["review_level"]) == (spec.needs_reason, spec.review_level)
        assert row["label"] and not row["label"].isascii()
    assert data["editable"] == ["draft", "returned"]
    assert {s["code"] for s in data["statuses"]} == set(workflow.STATUSES)
