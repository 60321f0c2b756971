"""`flask checklists ...`: results on stdout, every problem on stderr with a pointer, non-zero exit."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from server.services import checklists
from server.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "checklists"
MINI = ROOT / "examples" / "checklists" / "mini-test.v1.json"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_validate_everything(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["checklists", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") >= 3


def test_validate_lists_every_problem_with_its_pointer(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = json.loads(MINI.read_text())
    data["chapters"][0]["sections"][0]["items"][1]["id"] = "M-B01"
    data["chapters"][0]["sections"][1]["items"][0]["tier"] = "gold"
    result = runner.invoke(args=["checklists", "validate", write(tmp_path, "v1.json", json.dumps(data))])
    assert result.exit_code == 1
    assert "/chapters/0/sections/0/items/1/id" in result.stderr
    assert "/chapters/0/sections/1/items/0/tier" in result.stderr
    assert "Traceback" not in result.output


def test_validate_refuses_duplicate_keys(runner: FlaskCliRunner, tmp_path: Path) -> None:
    text = MINI.read_text().replace('"version": 1,', '"version": 1, "version": 2,', 1)
    result = runner.invoke(args=["checklists", "validate", write(tmp_path, "v1.json", text)])
    assert result.exit_code == 1
    assert "json.duplicate_key" in result.stderr


def test_score_prints_the_result(runner: FlaskCliRunner, tmp_path: Path) -> None:
    answers = {
        "checklist": {"id": "mini-test", "version": 1},
        "inspection_date": "2026-11-20",
        "facts": {"has_beds": False},
        "answers": {f"M-B{i:02d}": {"grade": "C"} for i in range(1, 11) if i != 8},
    }
    result = runner.invoke(
        args=["checklists", "score", str(MINI), write(tmp_path, "a.json", json.dumps(answers))]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["tier"]["code"] == "basic"  # B08 unanswered, still 8 of 9 at C
    assert body["complete"] is False
    assert body["tiers"][0]["rules"][1]["actual"] == {"numerator": 8, "denominator": 9, "share": "0.8889"}


def test_score_bad_input_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    cases = {
        "unknown item": (
            '{"checklist": {"id": "mini-test", "version": 1}, "inspection_date": "2026-11-20",'
            ' "facts": {"has_beds": true}, "answers": {"nope": {"grade": "C"}}}',
            "answers.unknown_item",
        ),
        "nan": (
            '{"checklist": {"id": "mini-test", "version": 1}, "inspection_date": "2026-11-20",'
            ' "facts": {"has_beds": NaN}, "answers": {}}',
            "json.non_finite_number",
        ),
        "version": (
            '{"checklist": {"id": "mini-test", "version": 3}, "inspection_date": "2026-11-20",'
            ' "facts": {"has_beds": true}, "answers": {}}',
            "answers.checklist_mismatch",
        ),
        "grade": (
            '{"checklist": {"id": "mini-test", "version": 1}, "inspection_date": "2026-11-20",'
            ' "facts": {"has_beds": true}, "answers": {"M-B10": {"grade": "A"}}}',
            "answers.invalid_grade",
        ),
        "not json": ("{", "json.invalid"),
    }
    for name, (text, code) in cases.items():
        result = runner.invoke(args=["checklists", "score", str(MINI), write(tmp_path, f"{name}.json", text)])
        assert result.exit_code == 1, name
        assert code in result.stderr, (name, result.stderr)
        assert result.stdout == "", name
        assert "Traceback" not in result.output


def test_score_refuses_an_invalid_checklist(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = write(tmp_path, "v1.json", '{"id": "x"}')
    result = runner.invoke(args=["checklists", "score", bad, bad])
    assert result.exit_code == 1
    assert "checklist.invalid" in result.stderr


def test_diff_lists_added_removed_and_changed_items(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = json.loads(MINI.read_text())
    data["version"] = 2
    items = data["chapters"][0]["sections"][0]["items"]
    items[0]["text"] = "核心条款1（修订）"
    items[1]["core"] = False
    del items[2]
    items.append(
        {"id": "M-B11", "text": "新增条款", "tier": "basic", "levels": [{"code": "C", "criteria": "达到"}]}
    )
    result = runner.invoke(
        args=["checklists", "diff", str(MINI), write(tmp_path, "v2.json", json.dumps(data))]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["added"] == ["M-B11"]
    assert body["removed"] == ["M-B03"]
    assert body["changed"] == [{"id": "M-B01", "fields": ["text"]}, {"id": "M-B02", "fields": ["core"]}]
    assert body["from"] == {"id": "mini-test", "version": 1}
    assert body["to"] == {"id": "mini-test", "version": 2}


def test_publish_refuses_to_change_a_published_file(
    runner: FlaskCliRunner, tmp_path: Path, app: object
) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(ROOT, root)
    app.config["CHECKLISTS_DIR"] = str(root)  # type: ignore[attr-defined]
    path = root / "village_clinic" / "2022-sample" / "v1.json"
    path.write_text(path.read_text().replace("示范村卫生室", "示范村卫生室（改）"))
    result = runner.invoke(args=["checklists", "publish", str(path)])
    assert result.exit_code == 1
    assert "checklist.already_published" in result.stderr
    result = runner.invoke(args=["checklists", "validate"])
    assert result.exit_code == 1
    assert "发布后被修改" in result.stderr


def test_load_into_the_database(runner: FlaskCliRunner, db: object) -> None:
    published = len(checklists.read_manifest(ROOT))  # however many editions are published
    result = runner.invoke(args=["checklists", "load"])
    assert result.exit_code == 0, result.output
    assert f"{published} added, 0 already loaded" in result.output
    result = runner.invoke(args=["checklists", "load"])
    assert f"0 added, {published} already loaded" in result.output


def _published_copy(tmp_path: Path, data: dict[str, Any]) -> Path:
    """A copy of checklists/ with `data` at its place, in the manifest as if published (publish
    itself would refuse an invalid file)."""
    root = tmp_path / "checklists"
    shutil.copytree(ROOT, root)
    rel = f"{data['family']}/{data['edition']}/v{data['version']}.json"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest["files"][rel] = checklists.sha256_of(root / rel)
    (root / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return root


REFUSED = {
    "title of 201 characters": ("title", "标" * 201, "/title: checklist.too_long: 标题最多 200 个字符"),
    "version 2**31": ("version", 2**31, "/version: checklist.out_of_range: 版本号最大为 2147483647"),
    "family outside the registry": (
        "family",
        "dental_care",
        "/family: checklist.unknown_family: 类别“dental_care”",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_load_refuses_what_the_database_would_refuse_without_a_traceback(
    case: str, runner: FlaskCliRunner, app: Flask, db: object, tmp_path: Path
) -> None:
    key, value, line = REFUSED[case]
    data = json.loads(MINI.read_text(encoding="utf-8"))
    data.update({"id": "mini-load", "edition": "2026-test", key: value})
    app.config["CHECKLISTS_DIR"] = str(_published_copy(tmp_path, data))
    result = runner.invoke(args=["checklists", "load"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "error: checklist.invalid: 评审标准定义有 1 处问题" in result.stderr
    assert line in result.stderr
    assert "Traceback" not in result.output
    assert checklists.loaded_count() == 0  # all or nothing: the good editions are not loaded either


def test_a_draft_not_yet_published_does_not_stop_load(
    runner: FlaskCliRunner, app: Flask, db: object, tmp_path: Path
) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(ROOT, root)
    draft = root / "quality_service" / "2026-draft" / "v1.json"
    draft.parent.mkdir()
    draft.write_text(MINI.read_text(encoding="utf-8").replace('"edition": "test"', '"edition": "2026-draft"'))
    app.config["CHECKLISTS_DIR"] = str(root)
    result = runner.invoke(args=["checklists", "load"])
    assert result.exit_code == 0, result.output
    assert f"{len(checklists.read_manifest(root))} added" in result.output
    assert runner.invoke(args=["checklists", "validate"]).exit_code == 1  # validate still says so


def _bare(tmp_path: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    """`python -m server ...` in a clean environment: no secret key, no database URL, and an empty
    instance folder (where the app would keep its secret and its SQLite database)."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    # PYTHONPATH: this tree's server package, whatever an installed copy points at
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(PROJECT_ROOT), "DABIAO_INSTANCE_PATH": str(instance)}
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_score_and_diff_need_neither_a_secret_nor_a_database(tmp_path: Path) -> None:
    validated = _bare(tmp_path, "checklists", "validate")
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.count(": ok") == len(checklists.definition_files(ROOT))
    vector = json.loads((ROOT / "examples" / "mini-01-all-a-reaches-recommended.json").read_text())
    scored = _bare(
        tmp_path, "checklists", "score", str(MINI), write(tmp_path, "a.json", json.dumps(vector["input"]))
    )
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["tier"]["code"] == vector["expected"]["tier"]["code"]
    changed = json.loads(MINI.read_text())
    changed["chapters"][0]["sections"][0]["items"].pop()
    diffed = _bare(tmp_path, "checklists", "diff", str(MINI), write(tmp_path, "v2.json", json.dumps(changed)))
    assert diffed.returncode == 0, diffed.stderr
    assert json.loads(diffed.stdout)["removed"]
    assert list((tmp_path / "instance").iterdir()) == []  # nothing written, no database created


def test_problems_are_reported_without_a_secret_or_a_database(tmp_path: Path) -> None:
    data = json.loads(MINI.read_text())
    data["family"] = "dental_care"
    data["version"] = 2**31
    path = write(tmp_path, "v1.json", json.dumps(data))
    validated = _bare(tmp_path, "checklists", "validate", path)
    assert validated.returncode == 1
    assert validated.stdout == ""
    assert "  /version: checklist.out_of_range: 版本号最大为 2147483647" in validated.stderr
    data["version"] = 1
    path = write(tmp_path, "v1.json", json.dumps(data))
    for args in (["validate", path], ["diff", str(MINI), path], ["score", path, path]):
        result = _bare(tmp_path, "checklists", *args)
        assert result.returncode == 1, args
        assert (
            "  /family: checklist.unknown_family: 类别“dental_care”未在 families.json 中登记" in result.stderr
        )
        assert "Traceback" not in result.stderr, args
    assert list((tmp_path / "instance").iterdir()) == []


def test_a_boolean_is_not_a_checklist_version(runner: FlaskCliRunner, tmp_path: Path) -> None:
    answers = {
        "checklist": {"id": "mini-test", "version": True},
        "inspection_date": "2026-11-20",
        "facts": {"has_beds": False},
        "answers": {},
    }
    result = runner.invoke(
        args=["checklists", "score", str(MINI), write(tmp_path, "a.json", json.dumps(answers))]
    )
    assert result.exit_code == 1
    assert "answers.checklist_mismatch" in result.stderr
    definition = json.loads(MINI.read_text())
    definition["version"] = True
    result = runner.invoke(
        args=["checklists", "validate", write(tmp_path, "v1.json", json.dumps(definition))]
    )
    assert result.exit_code == 1
    assert "/version" in result.stderr


def test_a_5000_digit_number_in_a_checklist_file_is_a_problem_not_a_traceback(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    text = MINI.read_text().replace('"version": 1,', '"version": ' + "1" * 5000 + ",", 1)
    result = runner.invoke(args=["checklists", "validate", write(tmp_path, "v1.json", text)])
    assert result.exit_code == 1
    assert "json.number_too_long" in result.stderr
    assert "Traceback" not in result.output


def test_text_the_database_could_not_store_is_a_problem(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = json.loads(MINI.read_text())
    data["title"] = "标" * 201
    data["chapters"][0]["title"] = "第一章\x00"
    data["chapters"][0]["sections"][0]["items"][0]["text"] = "孤立\ud800代理"
    data["published_on"] = "9999-01-01"
    text = json.dumps(data)  # ASCII: the NUL and the lone surrogate as \\u escapes
    result = runner.invoke(args=["checklists", "validate", write(tmp_path, "v1.json", text)])
    assert result.exit_code == 1
    for where in ("/title", "/chapters/0/title", "/chapters/0/sections/0/items/0/text", "/published_on"):
        assert f"  {where}: checklist." in result.stderr, where
