"""An inspection done offline on a phone, against the real server (PostgreSQL, MinIO, gunicorn).

The inspector logs in, the network goes away, the app reloads from the service worker, 20 items are
answered and 3 photos taken, the app reloads again with everything still there; the network comes
back and the server is killed in the middle of the sync and brought back. The server then holds
every answer once and every photo with the digest the phone computed. A second inspector finishes
the rest through the API, the first submits, and the county reviewer approves and downloads the
report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.browser.server import AppServer, idb, log_in, poll, serving
from tests.photos import jpeg

pytestmark = pytest.mark.browser

VC = json.loads(
    (PROJECT_ROOT / "checklists" / "village_clinic" / "2022-sample" / "v1.json").read_text(encoding="utf-8")
)
CHINA = dt.timezone(dt.timedelta(hours=8))


def items_in_order() -> list[dict[str, Any]]:
    return [item for ch in VC["chapters"] for sec in ch["sections"] for item in sec["items"]]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("offline")) as server:
        yield server


@pytest.fixture(scope="module")
def visit(app_server: AppServer) -> dict[str, Any]:
    """A new village-clinic inspection today, assigned to both demo inspectors."""
    county, _ = app_server.login("tx_county")
    _, inspector1 = app_server.login("tx_inspector1")
    _, inspector2 = app_server.login("tx_inspector2")
    status, facilities = app_server.api("GET", "/api/facilities?limit=500", county)
    assert status == 200
    clinic = next(f for f in facilities["items"] if f["name"] == "竖岗镇张庄村卫生室")
    status, inspection = app_server.api(
        "POST",
        "/api/inspections",
        county,
        body={
            "facility_id": clinic["id"],
            "checklist_id": VC["id"],
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": dt.datetime.now(CHINA).date().isoformat(),
            "inspector_ids": [inspector1["id"], inspector2["id"]],
        },
    )
    assert status == 201, inspection
    return {"inspection": inspection, "facility": clinic, "county": county}


@pytest.fixture
def phone(browser: Any, visit: dict[str, Any]) -> Iterator[Any]:
    facility = visit["facility"]
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": facility["latitude"], "longitude": facility["longitude"], "accuracy": 20},
        accept_downloads=True,
    )
    try:
        yield context
    finally:
        context.close()


def test_an_offline_visit_survives_reloads_and_a_server_crash_and_is_approved(
    app_server: AppServer, visit: dict[str, Any], phone: Any, tmp_path: Path
) -> None:
    inspection_id = visit["inspection"]["id"]
    url = app_server.url
    page = phone.new_page()

    # Online: log in; the sync engine downloads the assignment with its checklist.
    log_in(page, app_server, "tx_inspector1")
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=30000)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=15000)

    # No signal: the app still opens, from the service worker and the device database.
    phone.set_offline(True)
    page.reload()
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=15000)

    items = items_in_order()
    picture = tmp_path / "camera.jpg"
    # A 12-megapixel camera picture held sideways (EXIF orientation 6: rotate 90° to view).
    picture.write_bytes(jpeg(4000, 3000, orientation=6, seed=7, quality=80))

    page.goto(f"{url}/inspections/{inspection_id}/items/{items[0]['id']}")
    answered: dict[str, str] = {}
    notes: dict[str, str] = {}
    photographed: list[str] = []
    for index, item in enumerate(items):
        page.get_by_test_id("item-page").wait_for(timeout=15000)
        page.wait_for_url(f"**/items/{item['id']}", timeout=15000)
        choices = page.locator('[data-testid^="grade-"]')
        if len(answered) < 20 and choices.count() > 0:
            first = choices.first
            code = first.get_attribute("data-testid").removeprefix("grade-")
            first.click()
            answered[item["id"]] = code
            if len(answered) % 5 == 1:
                notes[item["id"]] = f"现场核查记录 {len(answered)}：资料齐全"
                page.get_by_test_id("item-note").locator("textarea").fill(notes[item["id"]])
        needs_photo = item.get("evidence", {}).get("photos_min", 0) > 0
        if needs_photo and item["id"] in answered and len(photographed) < 3:
            page.get_by_test_id("photo-input").set_input_files(str(picture))
            page.locator('[data-testid^="thumb-"]').first.wait_for(timeout=20000)
            photographed.append(item["id"])
        if len(answered) >= 20 and len(photographed) >= 3:
            break
        if index == len(items) - 1:
            break
        page.get_by_test_id("item-next").click()
    assert len(answered) == 20
    assert len(photographed) == 3

    # The app closes (a reload) while offline: everything is still on the device.
    page.wait_for_timeout(500)  # past the note's save delay
    page.reload()
    page.get_by_test_id("item-page").wait_for(timeout=15000)
    outbox = idb(page, "outbox")
    assert all(r["inspectionId"] == inspection_id for r in outbox)
    assert sorted(r["itemId"] for r in outbox if r["kind"] == "answer") == sorted(answered)
    assert len([r for r in outbox if r["kind"] == "photo"]) == 3
    device_photos = idb(page, "photos")
    assert {(p["width"], p["height"]) for p in device_photos} == {(1200, 1600)}  # rotated and shrunk
    assert {p["itemId"] for p in device_photos} == set(photographed)
    mine = [a for a in idb(page, "answers") if a["inspectionId"] == inspection_id]
    stored_notes = {a["itemId"]: a["note"] for a in mine if a["note"]}
    assert stored_notes == notes
    page.goto(f"{url}/inspections/{inspection_id}")
    page.get_by_test_id("inspection-progress").get_by_text("20 /").wait_for(timeout=15000)

    # Signal returns, and the server dies in the middle of the first sync request.
    killed = threading.Event()

    def kill_on_sync(request: Any) -> None:
        if not killed.is_set() and request.method == "POST" and request.url.endswith("/api/sync"):
            killed.set()
            app_server.kill()

    page.on("request", kill_on_sync)
    phone.set_offline(False)
    page.goto(f"{url}/sync")
    page.get_by_test_id("sync-phase").wait_for(timeout=15000)
    poll(page, killed.is_set, 30, "the first sync request")
    page.get_by_test_id("sync-phase").get_by_text("等待重试").wait_for(timeout=30000)
    assert len(idb(page, "outbox")) >= 3  # the photos at least are still waiting
    app_server.start()
    page.get_by_test_id("sync-now").click()
    poll(page, lambda: not idb(page, "outbox"), 120, "the outbox to empty")

    # The server holds every answer once, with the note, and every photo with the device's digest.
    county = visit["county"]
    status, history = app_server.api("GET", f"/api/inspections/{inspection_id}/history", county)
    assert status == 200
    revisions: dict[str, list[dict[str, Any]]] = {}
    for revision in history:
        revisions.setdefault(revision["item_id"], []).append(revision)
    assert set(revisions) == set(answered)
    for item_id, code in answered.items():
        assert len(revisions[item_id]) == 1, revisions[item_id]
        assert revisions[item_id][0]["grade"] == code
        assert revisions[item_id][0]["note"] == notes.get(item_id)
    status, evidence = app_server.api("GET", f"/api/inspections/{inspection_id}/evidence", county)
    assert status == 200
    assert len(evidence) == 3
    device_digests = {p["uploadId"]: p["sha256"] for p in device_photos}
    assert {e["upload_id"]: e["sha256"] for e in evidence} == device_digests
    for row in evidence:
        assert (row["width"], row["height"]) == (1200, 1600)
        assert row["flags"] == []
        status, content = app_server.api("GET", f"/api/evidence/{row['id']}/content", county)
        assert status == 200
        assert hashlib.sha256(content).hexdigest() == row["sha256"]
    assert {p["state"] for p in idb(page, "photos")} == {"uploaded"}

    # A second inspector completes the rest from another device (straight through the API).
    finish_elsewhere(app_server, inspection_id, items, answered, photographed)

    # The first inspector downloads the result and submits.
    page.goto(f"{url}/tasks")
    page.get_by_test_id("tasks-sync").click()
    page.goto(f"{url}/inspections/{inspection_id}")
    submit = page.get_by_test_id("inspection-submit")
    submit.wait_for(timeout=15000)
    poll(page, submit.is_enabled, 60, "submit to be possible")
    submit.click()
    page.locator(".van-dialog__confirm").click()
    page.wait_for_url("**/tasks", timeout=30000)
    status, detail = app_server.api("GET", f"/api/inspections/{inspection_id}", county)
    assert detail["inspection"]["status"] == "submitted"

    # Nothing unsent: logout is allowed and leaves nothing of the user on the device.
    page.get_by_test_id("tasks-nav").get_by_text("退出").click()
    page.wait_for_url("**/login**", timeout=15000)
    assert idb(page, "answers") == []
    assert idb(page, "photos") == []

    # The county reviewer approves and downloads the report.
    log_in(page, app_server, "tx_county")
    page.get_by_test_id(f"queue-item-{inspection_id}").click(timeout=30000)
    page.get_by_test_id("review-tier").wait_for(timeout=30000)
    for action in ("start_county_review", "county_approve"):
        button = page.get_by_test_id(f"action-{action}")
        button.click(timeout=30000)
        page.get_by_test_id("action-confirm").click(timeout=15000)
        poll(page, lambda button=button: button.count() == 0, 30, f"{action} to be done")
    status, detail = app_server.api("GET", f"/api/inspections/{inspection_id}", county)
    assert detail["inspection"]["status"] == "county_approved"
    with page.expect_download(timeout=120000) as download_info:
        page.get_by_test_id("report-download").click()
    report = Path(download_info.value.path())
    assert report.read_bytes()[:5] == b"%PDF-"


def finish_elsewhere(
    app_server: AppServer,
    inspection_id: int,
    items: list[dict[str, Any]],
    answered: dict[str, str],
    photographed: list[str],
) -> None:
    token, _ = app_server.login("tx_inspector2")
    status, boot = app_server.api("GET", "/api/sync/bootstrap", token)
    assert status == 200
    known = next(a for a in boot["assignments"] if a["inspection"]["id"] == inspection_id)["answers"]
    changes = []
    for n, item in enumerate(items):
        if item["id"] in answered or item["id"] in known:
            continue
        changes.append(
            {
                "change_id": f"second-device-{n:04d}",
                "inspection_id": inspection_id,
                "item_id": item["id"],
                "base_revision": 0,
                "grade": item["levels"][-1]["code"],
            }
        )
    batch = {"device_id": "second-phone", "changes": changes}
    status, body = app_server.api("POST", "/api/sync", token, body=batch)
    assert status == 200, body
    refused = [r for r in body["receipts"] if r["status"] != "applied"]
    # Items not applicable to this clinic cannot be answered; everything else is applied.
    assert all(r["error"]["code"].startswith("answers.") for r in refused), refused
    now = dt.datetime.now(CHINA).isoformat(timespec="seconds")
    for n, item in enumerate(items):
        missing = item.get("evidence", {}).get("photos_min", 0) - (1 if item["id"] in photographed else 0)
        for k in range(max(0, missing)):
            data = jpeg(800, 600, taken=None, place=None, seed=100 + n * 10 + k)
            status, body = app_server.api(
                "POST",
                f"/api/inspections/{inspection_id}/items/{item['id']}/evidence",
                token,
                files={"file": (f"{item['id']}-{k}.jpg", data)},
                fields={
                    "upload_id": f"second-upload-{n:03d}-{k}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "captured_at": now,
                },
            )
            assert status == 201, body
