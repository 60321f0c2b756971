"""`flask import ...`, `flask seed demo`, `flask audit verify`, `flask inspections migrate-draft`:
results on stdout, every problem on stderr, exit status 1 on any problem."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from server.db.models import Answer, AuditEntry, Facility, Inspection, Region, SampledInspection, User
from server.domain.access import Principal
from server.domain.audit import entry_hash
from server.domain.errors import DomainError
from server.domain.identifiers import uscc_check_char
from server.domain.regions import parent_code, region_level
from server.services import audit, auth, checklists, inspections, sync
from server.settings import PROJECT_ROOT

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def write(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def uscc(serial: int) -> str:
    first17 = f"12410222MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def seed(runner: FlaskCliRunner) -> Any:
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return result


def audit_count(db: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(AuditEntry)))


# --- import --------------------------------------------------------------------------------------


def test_import_regions_facilities_and_users(runner: FlaskCliRunner, db: Any, tmp_path: Path) -> None:
    regions = write(tmp_path, "regions.csv", ["代码,名称", "410000,河南省", "410200,开封市", "410222,通许县"])
    result = runner.invoke(args=["import", "regions", regions])
    assert result.exit_code == 0, result.output
    assert "已导入地区 3 条" in result.stdout

    facilities = write(
        tmp_path,
        "facilities.csv",
        ["名称,机构类别代码,行政区划代码,统一社会信用代码", f"通许县中心卫生院,C210,410222,{uscc(1)}"],
    )
    result = runner.invoke(args=["import", "facilities", facilities])
    assert result.exit_code == 0, result.output
    assert "已导入机构 1 条（C210 1）" in result.stdout

    users = write(
        tmp_path,
        "users.csv",
        [
            "用户名,姓名,角色,所属地区,所属机构统一社会信用代码",
            "tx_a,甲,检查员,410222,",
            f"tx_b,乙,机构自评,410222,{uscc(1)}",
        ],
    )
    result = runner.invoke(args=["import", "users", users])
    assert result.exit_code == 0, result.output
    assert "初始密码" in result.stdout
    printed = dict(line.split() for line in result.stdout.splitlines() if line.startswith("  "))
    assert sorted(printed) == ["tx_a", "tx_b"]
    settings = runner.app.config["DABIAO_SETTINGS"]
    assert auth.login(settings, "tx_b", printed["tx_b"], None, NOW).principal.role == "self_assessor"


def test_import_problems_go_to_stderr_with_line_and_column(
    runner: FlaskCliRunner, db: Any, tmp_path: Path
) -> None:
    db.session.add(Region(code="410222", name="通许县", level="county", parent_code=None))
    db.session.flush()
    path = write(
        tmp_path,
        "facilities.csv",
        ["名称,机构类别代码,行政区划代码,统一社会信用代码", "甲,C210,410299,", f"乙,Q100,410222,{uscc(2)}"],
    )
    result = runner.invoke(args=["import", "facilities", path])
    assert result.exit_code == 1
    assert "line 2, 行政区划代码: 地区 410299 不存在" in result.stderr
    assert "line 2, 统一社会信用代码: 缺少统一社会信用代码" in result.stderr
    assert "line 3, 机构类别代码: 未知的机构类别代码“Q100”" in result.stderr
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Facility)) == 0


def test_import_of_an_unsupported_file_is_a_clear_error(
    runner: FlaskCliRunner, db: Any, tmp_path: Path
) -> None:
    path = tmp_path / "users.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    result = runner.invoke(args=["import", "users", str(path)])
    assert result.exit_code == 1
    assert "不支持的文件类型" in result.stderr
    assert "Traceback" not in result.output


# --- seed and audit ------------------------------------------------------------------------------


def test_seed_demo_writes_the_logins_once(runner: FlaskCliRunner, db: Any, app: Flask) -> None:
    result = seed(runner)
    logins = Path(app.instance_path) / "demo_logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    content = logins.read_text(encoding="utf-8")
    assert content in result.stdout
    for username in (
        "kf_admin",
        "kf_city",
        "tx_county",
        "tx_inspector1",
        "tx_inspector2",
        "tx_self",
        "kf_finance",
        "tx_admin",
    ):
        assert username in content
    line = next(li for li in content.splitlines() if li.startswith("tx_county"))
    username, role, region, password = line.split()
    assert role == "county_reviewer"
    settings = app.config["DABIAO_SETTINGS"]
    assert auth.login(settings, username, password, None, NOW).principal.region_code == region == "410222"

    again = seed(runner)
    assert "演示数据已存在" in again.stdout
    assert content in again.stdout
    assert logins.read_text(encoding="utf-8") == content


def test_the_demo_has_a_city_sample_awaiting_its_re_review(runner: FlaskCliRunner, db: Any) -> None:
    seed(runner)
    drawn = db.session.scalars(select(SampledInspection.inspection_id)).all()
    assert len(drawn) == 1
    inspection = db.session.get(Inspection, drawn[0])
    assert inspection.status == "county_approved"  # drawn, its re-review not yet started
    city = next(u for u in db.session.scalars(select(User)) if u.username == "kf_city")
    principal = Principal(city.id, city.username, city.display_name, city.role, city.region_code, None, 0)
    with pytest.raises(DomainError, match="抽中") as refused:
        inspections.transition(principal, inspection.id, "approve", None, ip=None, now=NOW)
    assert refused.value.code == "workflow.sampled_for_review"


def _disable_append_only(db: Any) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))


def test_audit_verify_passes_after_seeding_and_finds_an_edited_entry(runner: FlaskCliRunner, db: Any) -> None:
    seed(runner)
    total = audit_count(db)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"audit chain intact: {total} entries" in result.stdout

    assert "checked the whole chain from its first entry" in result.stdout
    assert f"checkpoint written: audit-checkpoints/{total:012d}.json" in result.stdout

    # An entry before the checkpoint is edited (its hash left as it was): only the full walk
    # reads it again; the default run starts at the checkpoint, whose entry is unchanged.
    _disable_append_only(db)
    target = total // 2
    db.session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = :seq"), {"seq": target})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"checked from checkpoint at entry {total} " in result.stdout
    assert "walked 0 entries" in result.stdout
    result = runner.invoke(args=["audit", "verify", "--full"])
    assert result.exit_code == 1
    assert f"entry {target}: content does not match its hash (edited)" in result.stderr
    assert "intact" not in result.stdout


def test_audit_verify_finds_a_deleted_entry(runner: FlaskCliRunner, db: Any) -> None:
    seed(runner)
    target = audit_count(db) // 2
    _disable_append_only(db)
    db.session.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": target})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {target + 1}: expected sequence {target} (an entry was deleted)" in result.stderr
    assert f"entry {target + 1}: does not link to the entry before it" in result.stderr


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_append_only_trigger_guards_the_log_on_postgresql(db: Any) -> None:
    assert db.session.get_bind().dialect.name == "postgresql"
    audit.record("test.entry", actor="test")
    db.session.commit()
    nested = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_log SET actor = 'x'"))
    nested.rollback()


# --- migrate-draft -------------------------------------------------------------------------------


def _v2_of_the_village_checklist(root: Path) -> Path:
    """vc-2022-sample v2: VC-4.3.03 removed, VC-4.3.04 added, VC-1.2.06 lost its 'partial' level,
    VC-1.1.02 reworded."""
    v1 = root / "village_clinic" / "2022-sample" / "v1.json"
    data = json.loads(v1.read_text(encoding="utf-8"))
    data["version"] = 2
    items = {i["id"]: i for ch in data["chapters"] for s in ch["sections"] for i in s["items"]}
    items["VC-1.1.02"]["text"] += "（2版修订）"
    items["VC-1.2.06"]["levels"] = [lv for lv in items["VC-1.2.06"]["levels"] if lv["code"] == "pass"]
    for chapter in data["chapters"]:
        for section in chapter["sections"]:
            for item in list(section["items"]):
                if item["id"] == "VC-4.3.03":
                    section["items"].remove(item)
                    section["items"].append(
                        {**item, "id": "VC-4.3.04", "number": "4.3.4", "text": "设置无障碍设施"}
                    )
    path = v1.with_name("v2.json")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _draft_on_v1(db: Any) -> int:
    for code, name in (("410000", "河南省"), ("410200", "开封市"), ("410222", "通许县")):
        level, parent = region_level(code), parent_code(code)
        db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
        db.session.flush()
    clinic = Facility(
        name="东街村卫生室",
        type_code="D600",
        region_code="410222",
        beds=0,
        iv_infusion=False,
        population_served=1500,
        facts={"tcm_corner": True},
    )
    db.session.add(clinic)
    people = {}
    for username, role in (("county", "county_reviewer"), ("inspector", "inspector")):
        user = User(
            username=username,
            display_name=username,
            password_hash=auth.hash_password("0123456789"),
            role=role,
            region_code="410222",
        )
        db.session.add(user)
        db.session.flush()
        people[role] = Principal(user.id, username, username, role, "410222", None, 0)
    inspection = inspections.create(
        people["county_reviewer"],
        clinic.id,
        "vc-2022-sample",
        1,
        "county_inspection",
        NOW.date(),
        [people["inspector"].user_id],
        None,
    )
    grades = {"VC-1.1.02": "pass", "VC-1.2.06": "partial", "VC-4.3.03": "pass", "VC-2.1.01": "pass"}
    changes = [
        sync.Change(f"c-{item_id}", inspection.id, item_id, 0, {"grade": grade}, None)
        for item_id, grade in grades.items()
    ]
    receipts = sync.apply_batch(people["inspector"], "phone", changes, NOW, None)
    assert all(r["status"] == "applied" for r in receipts), receipts
    return inspection.id


def test_migrate_draft_moves_answers_to_a_new_version(
    runner: FlaskCliRunner, db: Any, app: Flask, tmp_path: Path
) -> None:
    root = tmp_path / "checklists"
    shutil.copytree(PROJECT_ROOT / "checklists", root)
    app.config["CHECKLISTS_DIR"] = str(root)
    v2 = _v2_of_the_village_checklist(root)
    checklists.publish(root, v2)
    assert (
        checklists.sync_published(root)["added"]
        == len(checklists.read_manifest(PROJECT_ROOT / "checklists")) + 1
    )
    inspection_id = _draft_on_v1(db)

    args = ["inspections", "migrate-draft", str(inspection_id), "--to-version", "2"]
    result = runner.invoke(args=[*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert (report["from"], report["to"]) == (
        {"id": "vc-2022-sample", "version": 1},
        {"id": "vc-2022-sample", "version": 2},
    )
    assert report["kept"] == ["VC-1.1.02", "VC-2.1.01"]
    assert report["dropped"] == [
        {"item": "VC-1.2.06", "why": "grade_no_longer_valid"},
        {"item": "VC-4.3.03", "why": "removed"},
    ]
    assert report["changed_items_to_review"] == ["VC-1.1.02"]
    assert "VC-4.3.04" in report["needs_answer"]
    assert "VC-1.2.06" in report["needs_answer"]
    assert not {"VC-1.1.02", "VC-2.1.01"} & set(report["needs_answer"])
    db.session.expire_all()
    assert db.session.get(Inspection, inspection_id).checklist_version == 1

    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dry_run"] is False
    db.session.expire_all()
    assert db.session.get(Inspection, inspection_id).checklist_version == 2
    remaining = db.session.scalars(select(Answer.item_id).where(Answer.inspection_id == inspection_id))
    assert sorted(remaining) == ["VC-1.1.02", "VC-2.1.01"]

    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "inspection.version_not_newer" in result.stderr
    assert "Traceback" not in result.output


def test_migrate_draft_of_an_unknown_inspection(runner: FlaskCliRunner, db: Any) -> None:
    result = runner.invoke(args=["inspections", "migrate-draft", "999999", "--to-version", "2"])
    assert result.exit_code == 1
    assert "http.not_found" in result.stderr


def test_seeded_photos_are_real_and_in_the_store(runner: FlaskCliRunner, db: Any) -> None:
    from server.db.models import Evidence

    seed(runner)
    assert db.session.query(Evidence).count() > 0
    assert [e.flags for e in db.session.query(Evidence) if e.flags] == []  # taken on the day, on site
    result = runner.invoke(args=["storage", "verify"])
    assert result.exit_code == 0, result.output
    assert "0 missing, 0 mismatched, 0 orphaned" in result.output


def test_anchors_reveal_entries_cut_off_the_end(runner: FlaskCliRunner, db: Any) -> None:
    seed(runner)
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    head = audit_count(db)
    assert f"anchored entry {head} " in result.stdout
    assert "already anchored" in runner.invoke(args=["audit", "anchor"]).stdout
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    # The last entries are deleted: the chain that is left is intact, the anchor is not found.
    _disable_append_only(db)
    db.session.execute(text("DELETE FROM audit_log WHERE seq > :seq"), {"seq": head - 3})
    assert runner.invoke(args=["audit", "verify", "--no-anchors"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"anchored entry {head} is missing (entries were deleted from the end)" in result.stderr


def test_an_anchor_reveals_a_rewritten_chain(runner: FlaskCliRunner, db: Any) -> None:
    seed(runner)
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    head = audit_count(db)
    _disable_append_only(db)
    # Someone edits the last entry and recomputes its hash: the chain checks out, the anchor does not.
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == head)).one()
    entry.actor = "someone-else"
    entry.hash = entry_hash(entry.prev_hash, audit.payload_of(entry))
    db.session.flush()
    assert runner.invoke(args=["audit", "verify", "--no-anchors"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"anchored entry {head}: hash differs from its anchor (the chain was rewritten)" in result.stderr
