"""The audit log as the console shows it (/api/audit/log, /api/audit/log.csv): an admin's region
only, newest first, filtered by who, what, which object and which days; every action the server
records has a Chinese label; the CSV is plain text cells."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from server.domain import workflow
from server.domain.labels import AUDIT_ACTION_LABELS, AUDIT_TARGET_LABELS
from server.extensions import db
from server.services import audit
from server.services.imports import KINDS
from server.settings import PROJECT_ROOT
from tests.api.world import World

RECORDED = re.compile(r'(?:audit\.record|_record)\(\s*"([a-z_]+\.[a-z_]+)"')
TARGETS = re.compile(r'target_type="([a-z_]+)"')


def sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in Path(PROJECT_ROOT / "server").rglob("*.py"))


def test_every_recorded_action_and_object_has_a_chinese_label() -> None:
    text = sources()
    actions = set(RECORDED.findall(text))
    actions |= {f"import.{kind}" for kind in KINDS}
    actions |= {f"inspection.{t.action}" for t in workflow.TRANSITIONS.values()}
    assert len(actions) > 30
    assert sorted(actions - set(AUDIT_ACTION_LABELS)) == []
    assert sorted(set(TARGETS.findall(text)) - set(AUDIT_TARGET_LABELS)) == []
    assert all(re.search(r"[A-Za-z]", label) is None for label in AUDIT_ACTION_LABELS.values())


def make_entries(world: World) -> None:
    for name in ("li.si", "wang.er"):
        body = {"username": name, "display_name": "新同事", "role": "inspector", "region_code": "410222"}
        assert world.call("county_reviewer", "POST", "/api/users", body).status_code == 201
    target = world.users["inspector2"].id
    assert (
        world.call(
            "county_reviewer", "POST", f"/api/users/{target}/disable", {"reason": "调离本县"}
        ).status_code
        == 200
    )
    audit.record("seed.demo", actor="cli", region_code="410102", after={"reason": "=1+1"})  # another city
    db.session.commit()


def test_an_admin_reads_the_regions_log_newest_first_and_filtered(world: World) -> None:
    make_entries(world)
    body = world.call("admin", "GET", "/api/audit/log?limit=200").json
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert all(e["region_code"].startswith("4102") for e in body["items"])  # not 郑州's entry
    disabled = next(e for e in body["items"] if e["action"] == "users.disabled")
    assert (disabled["actor"], disabled["reason"], disabled["region_name"]) == (
        "county_reviewer",
        "调离本县",
        "通许县",
    )
    assert disabled["actor_name"] is not None
    assert disabled["target_name"] == f"{world.users['inspector2'].display_name}（inspector2）"

    def actions(query: str) -> list[str]:
        response = world.call("admin", "GET", f"/api/audit/log?limit=200&{query}")
        assert response.status_code == 200, response.json
        return [e["action"] for e in response.json["items"]]

    assert actions("action=users.") == ["users.disabled", "users.created", "users.created"]
    assert actions("action=users.created&actor=county_reviewer") == ["users.created", "users.created"]
    assert actions("actor=nobody") == []
    assert actions("since=2000-01-01&until=2000-01-02") == []
    assert world.call("admin", "GET", "/api/audit/log?action=DROP TABLE").status_code == 422

    pages, before = [], ""
    while True:
        page = world.call("admin", "GET", f"/api/audit/log?action=users.&limit=1{before}").json
        pages += [e["seq"] for e in page["items"]]
        if page["next_before"] is None:
            break
        before = f"&before_seq={page['next_before']}"
    assert len(pages) == 3 and pages == sorted(pages, reverse=True)
    assert world.call("county_reviewer", "GET", "/api/audit/log").status_code == 403


def test_the_csv_is_plain_text_in_chinese(world: World) -> None:
    make_entries(world)
    world.users["county_reviewer"].display_name = "=HYPERLINK(1)"
    db.session.commit()
    response = world.call("admin", "GET", "/api/audit/log.csv?action=users.")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff序号,时间（北京时间）,操作人,操作")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 4
    assert [r[3] for r in rows[1:]] == ["停用账号", "创建账号", "创建账号"]
    assert rows[1][2].startswith("'=HYPERLINK(1)")  # never a formula
    assert rows[1][5].endswith("（inspector2）")  # the account by name, not its id
    assert rows[1][6] == "通许县" and rows[1][8] == "调离本县"
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", rows[1][1])
