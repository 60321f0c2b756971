"""The app on a facility user's phone: a new version arrives while a note is being typed, logout
with unsent work, and starting a self-assessment. Real server (PostgreSQL, MinIO, gunicorn) serving
its own copy of the built PWA, so a test can publish a new version of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.browser.server import AppServer, copy_dist, idb, log_in, poll, serving

pytestmark = pytest.mark.browser

QS = json.loads(
    (PROJECT_ROOT / "checklists" / "quality_service" / "2023-sample" / "v1.json").read_text("utf-8")
)

WAITING_WORKER = "() => navigator.serviceWorker.getRegistration().then((r) => !!(r && r.waiting))"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("lifecycle")
    with serving(workdir, pwa_dist=copy_dist(workdir / "dist")) as server:
        yield server


def own_draft(server: AppServer) -> int:
    token, _ = server.login("tx_self")
    status, body = server.api("GET", "/api/sync/bootstrap", token)
    assert status == 200
    return int(body["assignments"][0]["inspection"]["id"])


def open_app(page: Any, server: AppServer, username: str) -> None:
    log_in(page, server, username)
    page.get_by_test_id("tasks-nav").wait_for(timeout=30000)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def unanswered_item(page: Any, inspection_id: int) -> str:
    """An item of the draft with no answer on the device yet, and with grade choices."""
    answered = {a["itemId"] for a in idb(page, "answers") if a["inspectionId"] == inspection_id}
    for chapter in QS["chapters"]:
        for section in chapter["sections"]:
            for item in section["items"]:
                if item["id"] not in answered and "applies_if" not in item:
                    return str(item["id"])
    raise AssertionError("no unanswered item")


def test_a_new_version_waits_while_a_note_is_typed_and_nothing_typed_is_lost(
    app_server: AppServer, phone: Any
) -> None:
    inspection_id = own_draft(app_server)
    page = phone.new_page()
    open_app(page, app_server, "tx_self")
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=30000)
    item_id = unanswered_item(page, inspection_id)
    page.goto(f"{app_server.url}/inspections/{inspection_id}/items/{item_id}")
    page.get_by_test_id(f"grade-{QS['grade_scale'][0]['code']}").click()
    note = page.get_by_test_id("item-note").locator("textarea")
    note.click()
    note.type("药品效期检查：发现两盒")
    page.evaluate("() => { window.__sameDocument = true }")

    # A new version is published and found while the inspector is still typing.
    sw = Path(app_server.env["DABIAO_PWA_DIST"]) / "sw.js"
    sw.write_text(sw.read_text("utf-8") + "\n// a new version\n", "utf-8")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    poll(page, lambda: page.evaluate(WAITING_WORKER), 30, "the new version to wait")
    note.type("过期药品，已要求下架")
    page.wait_for_timeout(1500)
    prompt = page.locator(".van-dialog").filter(has_text="发现新版本")
    assert not prompt.is_visible()  # no question while a field is being edited
    assert page.evaluate("() => window.__sameDocument === true")  # never reloaded under the inspector
    expected = "药品效期检查：发现两盒过期药品，已要求下架"
    assert note.input_value() == expected

    # Only once the field is left does the app ask; taking the update reloads into the new version.
    page.get_by_test_id("item-text").click()
    prompt.wait_for(timeout=15000)
    prompt.get_by_role("button", name="刷新", exact=True).click()
    page.wait_for_function("() => window.__sameDocument === undefined", timeout=30000)
    page.get_by_test_id("item-page").wait_for(timeout=30000)
    assert not page.evaluate(WAITING_WORKER)
    # The field stays disabled until the stored answer is read; then it holds every word typed.
    note = page.get_by_test_id("item-note").locator("textarea")
    poll(page, note.is_enabled, 15, "the stored note to be read")
    assert note.input_value() == expected
    poll(page, lambda: not idb(page, "outbox"), 60, "the note to reach the server")
    status, history = app_server.api(
        "GET", f"/api/inspections/{inspection_id}/history?item_id={item_id}", app_server.login("tx_county")[0]
    )
    assert status == 200
    assert history[-1]["note"] == expected


def test_logout_is_refused_while_work_is_unsent_unless_it_is_discarded(
    app_server: AppServer, phone: Any
) -> None:
    inspection_id = own_draft(app_server)
    page = phone.new_page()
    open_app(page, app_server, "tx_self")
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=30000)
    phone.set_offline(True)
    item_id = unanswered_item(page, inspection_id)
    page.goto(f"{app_server.url}/inspections/{inspection_id}/items/{item_id}")
    page.locator('[data-testid^="grade-"]').first.click()
    poll(page, lambda: len(idb(page, "outbox")) == 1, 10, "the answer to be queued")
    page.goto(f"{app_server.url}/tasks")

    page.get_by_test_id("tasks-nav").get_by_text("退出").click()
    dialog = page.locator(".van-dialog").filter(has_text="还有数据未同步")
    dialog.wait_for(timeout=10000)
    dialog.get_by_text("取消").click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/tasks")
    assert len(idb(page, "outbox")) == 1

    page.get_by_test_id("tasks-nav").get_by_text("退出").click()
    page.locator(".van-dialog").get_by_text("放弃未同步数据并退出").click()
    page.locator(".van-dialog").filter(has_text="确认放弃").get_by_text("确认删除并退出").click()
    page.wait_for_url("**/login", timeout=15000)
    for store in ("outbox", "answers", "assignments", "checklists", "photos"):
        assert idb(page, store) == [], store
    assert [row for row in idb(page, "meta") if row["key"] == "session"] == []
    # Offline, the app opens at the login page: no one's data or session is left.
    page.reload()
    page.get_by_test_id("login-submit").wait_for(timeout=15000)


def test_a_facility_user_starts_a_self_assessment(app_server: AppServer, phone: Any) -> None:
    page = phone.new_page()
    open_app(page, app_server, "tx_self")
    page.get_by_test_id("self-new").click()
    page.locator(".van-action-sheet").get_by_text(QS["title"]).click()
    page.wait_for_url("**/inspections/*", timeout=30000)
    page.get_by_test_id("inspection-page").wait_for(timeout=30000)
    assert page.get_by_text("机构自评").first.is_visible()
    new_id = int(page.url.rsplit("/", 1)[1])
    status, detail = app_server.api("GET", f"/api/inspections/{new_id}", app_server.login("tx_self")[0])
    assert status == 200
    assert detail["inspection"]["kind"] == "self_assessment"
    assert detail["inspection"]["checklist_id"] == QS["id"]
