"""The inspector's and the facility's first hour, on a phone against the real server (gunicorn,
PostgreSQL, MinIO, the demo seed): the conflict the seed left on 通许县城关镇卫生院 is shown and
resolved in the app, a refused submission names each blocking item in Chinese with a link to it,
a returned inspection says why, by whom and when, submitted ones stay in a read-only history, a
chapter that does not apply says 不适用, the photo heading shows a minimum only when there is one,
and the self-assessor is offered only the checklists of the facility's kind, by Chinese title."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.browser.server import AppServer, idb, log_in, poll, screenshot, serving

pytestmark = pytest.mark.browser

QS = json.loads(
    (PROJECT_ROOT / "checklists" / "quality_service" / "2023-sample" / "v1.json").read_text(encoding="utf-8")
)
CHINA_TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


def items() -> dict[str, dict[str, Any]]:
    return {i["id"]: i for ch in QS["chapters"] for sec in ch["sections"] for i in sec["items"]}


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("inspector-paths")) as server:
        yield server


def shot(page: Any, name: str) -> None:
    page.wait_for_timeout(400)  # Vant's transitions
    screenshot(page, name, full_page=True)


def by_facility(app_server: AppServer, username: str) -> dict[str, list[dict[str, Any]]]:
    token, _ = app_server.login(username)
    status, boot = app_server.api("GET", "/api/sync/bootstrap", token)
    assert status == 200, boot
    names = {f["id"]: f["name"] for f in boot["facilities"]}
    found: dict[str, list[dict[str, Any]]] = {}
    for a in boot["assignments"]:
        found.setdefault(names[a["inspection"]["facility_id"]], []).append(a)
    return found


def test_the_inspector_resolves_the_seeded_conflict_and_learns_what_blocks_a_submission(
    app_server: AppServer, phone: Any
) -> None:
    seen = by_facility(app_server, "tx_inspector1")
    draft = next(a for a in seen["通许县城关镇卫生院"] if a["inspection"]["status"] == "draft")
    returned = next(a for a in seen["通许县冯庄乡卫生院"] if a["inspection"]["status"] == "returned")
    submitted = next(a for a in seen["通许县四所楼镇卫生院"] if a["inspection"]["status"] == "submitted")
    draft_id = draft["inspection"]["id"]
    [seeded] = draft["conflicts"]
    item_id = seeded["item_id"]
    item = items()[item_id]

    page = phone.new_page()
    log_in(page, app_server, "tx_inspector1")
    page.get_by_test_id(f"task-{draft_id}").wait_for(timeout=30000)

    # The tasks page: the open conflict on the draft's card, the return's reason, who and when.
    page.get_by_test_id(f"conflicts-{draft_id}").get_by_text("1 处冲突待处理").wait_for(timeout=15000)
    card = page.get_by_test_id(f"sent-back-{returned['inspection']['id']}")
    text = card.inner_text()
    assert "退回原因：第 1.6.1 条设备照片不清晰，请补拍设备铭牌并核对医疗设备台账" in text
    assert re.search(rf"张卫东 退回 · {CHINA_TIME}", text), text
    # History: the submitted inspection with its status, read-only.
    history = page.get_by_test_id("tasks-history")
    entry = history.get_by_test_id(f"history-{submitted['inspection']['id']}")
    assert "通许县四所楼镇卫生院" in entry.inner_text()
    assert entry.get_by_test_id(f"history-{submitted['inspection']['id']}-status").inner_text() == "已提交"
    shot(page, "inspector-tasks.png")

    entry.click()
    page.get_by_test_id("inspection-readonly").wait_for(timeout=15000)
    assert "只能查看" in page.get_by_test_id("inspection-readonly").inner_text()
    assert page.get_by_test_id("inspection-submit").count() == 0

    # The returned inspection says the same on its page.
    page.goto(f"{app_server.url}/inspections/{returned['inspection']['id']}")
    notice = page.get_by_test_id("inspection-sent-back")
    notice.wait_for(timeout=15000)
    assert "退回原因：第 1.6.1 条设备照片不清晰" in notice.inner_text()
    assert re.search(rf"张卫东 · {CHINA_TIME}", notice.inner_text())

    # The draft: the seeded conflict, both sides with who made them; 五 社区医院 does not apply.
    page.goto(f"{app_server.url}/inspections/{draft_id}")
    conflict = page.get_by_test_id(f"conflict-{item_id}")
    conflict.wait_for(timeout=15000)
    assert f"{item['number']} {item['text']}" in conflict.inner_text()
    assert "陈志强" in page.get_by_test_id(f"conflict-{item_id}-proposed").inner_text()
    assert "刘秀英" in page.get_by_test_id(f"conflict-{item_id}-current").inner_text()
    assert page.get_by_test_id("chapter-QS-5-na").inner_text() == "不适用"
    assert "0 / 0" not in page.get_by_test_id("chapter-QS-5").inner_text()
    shot(page, "inspector-inspection-conflict.png")

    # Combine: both notes kept, the grade the inspector picks, a reason.
    page.get_by_test_id(f"conflict-{item_id}-combine").click()
    sheet = page.get_by_test_id("conflict-sheet")
    sheet.wait_for(timeout=5000)
    assert page.get_by_test_id("conflict-confirm").is_disabled()  # no reason yet
    chosen = item["levels"][0]["code"]
    page.get_by_test_id(f"conflict-grade-{chosen}").click()
    page.get_by_test_id("conflict-reason").locator("textarea").fill("两名检查员意见合并，按现场复核评分")
    shot(page, "inspector-conflict-combine.png")
    page.get_by_test_id("conflict-confirm").click()
    page.get_by_test_id(f"conflict-{item_id}").wait_for(state="detached", timeout=15000)

    token, _ = app_server.login("tx_inspector1")
    status, conflicts = app_server.api("GET", f"/api/inspections/{draft_id}/conflicts", token)
    assert status == 200
    [done] = conflicts
    assert done["resolution"] == "combined"
    assert done["resolution_reason"] == "两名检查员意见合并，按现场复核评分"
    status, detail = app_server.api("GET", f"/api/inspections/{draft_id}", token)
    server_answer = detail["answers"][item_id]
    assert server_answer["grade"] == chosen
    assert "复查时发现问题（第二名检查员离线录入）" in server_answer["note"]
    local = next(a for a in idb(page, "answers") if a["inspectionId"] == draft_id and a["itemId"] == item_id)
    assert (local["grade"], local["note"], local["serverRevision"]) == (
        server_answer["grade"],
        server_answer["note"],
        server_answer["revision"],
    )

    # Submitting with items unanswered: the server's refusal, in Chinese, each item a link.
    page.get_by_test_id("inspection-submit").click()
    page.get_by_role("button", name="确认").click()
    refusal = page.get_by_test_id("submit-refusal")
    refusal.wait_for(timeout=15000)
    text = refusal.inner_text()
    assert re.search(r"还有 \d+ 个条款未完成，不能提交评审", text), text
    assert "：未作答" in text
    assert "有未解决的冲突" not in text
    assert "still missing" not in text
    links = refusal.locator("a")
    assert links.count() >= 1
    first = links.first
    first_text = first.inner_text()
    target = next(i for i in items().values() if first_text.startswith(f"{i['number']} {i['text']}"))
    first.click()
    page.wait_for_url(f"**/inspections/{draft_id}/items/{target['id']}", timeout=15000)
    page.get_by_test_id("item-page").wait_for(timeout=15000)

    # The photo heading: a minimum only when the item asks for photos.
    none = next(
        i for i in items().values() if i["evidence"].get("photos_min", 0) == 0 and "applies_if" not in i
    )
    page.goto(f"{app_server.url}/inspections/{draft_id}/items/{none['id']}")
    page.get_by_test_id("item-page").wait_for(timeout=15000)
    assert "至少 0 张" not in page.get_by_test_id("item-page").inner_text()
    assert page.get_by_text("照片", exact=True).count() >= 1
    page.goto(f"{app_server.url}/inspections/{draft_id}/items/QS-1.3.01")
    page.get_by_test_id("item-page").wait_for(timeout=15000)
    page.get_by_text(f"照片（至少 {items()['QS-1.3.01']['evidence']['photos_min']} 张）").wait_for(
        timeout=5000
    )


def test_the_self_assessor_is_offered_the_checklists_of_the_facilitys_kind(
    app_server: AppServer, phone: Any
) -> None:
    page = phone.new_page()
    log_in(page, app_server, "tx_self")
    page.get_by_test_id("self-new").wait_for(timeout=30000)
    page.get_by_test_id("self-new").click()
    sheet = page.locator(".van-action-sheet")
    sheet.get_by_text("选择自评标准").wait_for(timeout=15000)
    poll(page, lambda: sheet.locator(".van-action-sheet__item").count() > 0, 10, "the checklists")
    offered = [t.strip() for t in sheet.locator(".van-action-sheet__name").all_inner_texts()]
    shot(page, "self-assessor-picker.png")
    assert "优质服务基层行 乡镇卫生院/社区卫生服务中心服务能力评价（2023版·示例）" in offered
    assert not any("村卫生室" in name for name in offered), offered
    words = " ".join(sheet.all_inner_texts())
    assert not re.search(r"[a-z]{2,}-\d{4}", words), words  # no internal ids such as qs-2023-sample
    assert "sample" not in words
