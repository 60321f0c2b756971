"""Times read as China time "YYYY-MM-DD HH:mm" in the app, in any browser zone; a fresh draft's
preview counts every item 未作答 and none 不达标, on the phone and on the reviewer's desk.

A new inspection (township health centre, 93 items) is made for today in China, and three photos
are uploaded through the API, taken just after China midnight (16:30 UTC the day before) and in
the morning, with EXIF camera clocks with and without their offset. None of them is flagged as
taken outside the visit day; the reviewer sees the device's and the camera's times in China
time, the camera's clock never shifted, in a browser set to Shanghai and in one set to New York.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.photos import jpeg, with_exif_offset

pytestmark = pytest.mark.browser

CHINA = dt.timezone(dt.timedelta(hours=8))
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
SHOWN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("time")) as server:
        yield server


@pytest.fixture(scope="module")
def visit(app_server: AppServer) -> dict[str, Any]:
    """A fresh draft for today in China with three photos on its first item."""
    county, _ = app_server.login("tx_county")
    inspector_token, inspector = app_server.login("tx_inspector1")
    status, facilities = app_server.api("GET", "/api/facilities?limit=500", county)
    assert status == 200, facilities
    centre = next(f for f in facilities["items"] if f["name"] == "通许县四所楼镇卫生院")
    today = dt.datetime.now(CHINA).date()
    status, inspection = app_server.api(
        "POST",
        "/api/inspections",
        county,
        body={
            "facility_id": centre["id"],
            "checklist_id": "qs-2023-sample",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": today.isoformat(),
            "inspector_ids": [inspector["id"]],
        },
    )
    assert status == 201, inspection
    yesterday = today - dt.timedelta(days=1)
    place = (centre["latitude"], centre["longitude"])
    photos = {
        # a device reporting UTC and a camera without a zone: both 00:30 today in China
        "midnight": (
            jpeg(taken=f"{today:%Y:%m:%d} 00:30:00", place=place, seed=41),
            f"{yesterday.isoformat()}T16:30:00Z",
            f"{today} 00:30",
        ),
        # a camera that wrote its offset (Tokyo): 01:30 there is 00:30 in China
        "offset": (
            with_exif_offset(jpeg(taken=f"{today:%Y:%m:%d} 01:30:00", place=place, seed=42), "+09:00"),
            f"{today.isoformat()}T00:30:00+08:00",
            f"{today} 00:30",
        ),
        # a camera clock a minute ahead of the device: shown as it is, next to the device's time
        "morning": (
            jpeg(taken=f"{today:%Y:%m:%d} 10:01:00", place=place, seed=43),
            f"{today.isoformat()}T02:00:00Z",
            f"设备 {today} 10:00 · 相机 {today} 10:01",
        ),
    }
    uploaded: dict[str, dict[str, Any]] = {}
    for name, (data, claimed, shown) in photos.items():
        status, body = app_server.api(
            "POST",
            f"/api/inspections/{inspection['id']}/items/QS-1.1.01/evidence",
            inspector_token,
            files={"file": (f"{name}.jpg", data)},
            fields={
                "upload_id": secrets.token_hex(8),
                "sha256": hashlib.sha256(data).hexdigest(),
                "captured_at": claimed,
                "latitude": str(place[0]),
                "longitude": str(place[1]),
            },
        )
        assert status == 201, body
        assert body["flags"] == [], (name, body)  # all taken on the visit day, in China
        uploaded[name] = {"id": body["id"], "shown": shown}
    return {"inspection": inspection, "photos": uploaded}


def cell_value(page: Any, test_id: str) -> str:
    return str(page.get_by_test_id(test_id).locator(".van-cell__value").inner_text()).strip()


def test_the_inspection_page_counts_unanswered_apart_from_failed(
    browser: Any, app_server: AppServer, visit: dict[str, Any]
) -> None:
    inspection_id = visit["inspection"]["id"]
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_inspector1")
        page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=30000)
        page.goto(f"{app_server.url}/inspections/{inspection_id}")
        preview = page.get_by_test_id("score-preview")
        preview.wait_for(timeout=30000)
        poll(page, lambda: page.get_by_test_id("preview-unanswered").count() == 1, 15, "the counts")
        applicable = int(
            page.locator('[data-testid="score-preview"] .van-cell')
            .filter(has_text="适用条款")
            .locator(".van-cell__value")
            .inner_text()
        )
        assert applicable > 80  # the township checklist, less what does not apply to this centre
        assert cell_value(page, "preview-failed") == "0"
        assert cell_value(page, "preview-unanswered") == str(applicable)
        page.get_by_test_id("preview-unanswered").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        screenshot(page, "inspection-preview-counts.png")
    finally:
        context.close()


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_the_reviewer_reads_photo_times_as_china_time(
    browser: Any, app_server: AppServer, visit: dict[str, Any], zone: str
) -> None:
    inspection_id = visit["inspection"]["id"]
    context = browser.new_context(locale="zh-CN", timezone_id=zone, viewport=DESK)
    page = context.new_page()
    try:
        log_in(page, app_server, "tx_county")
        page.wait_for_url("**/review", timeout=15000)
        page.goto(f"{app_server.url}/review/{inspection_id}")
        totals = page.get_by_test_id("review-totals")
        totals.wait_for(timeout=30000)
        text = str(totals.inner_text())
        assert re.search(r"不达标\s*0 项", text), text
        assert re.search(r"未作答\s*\d+ 项", text), text
        for name, photo in visit["photos"].items():
            figure = page.get_by_test_id(f"evidence-{photo['id']}")
            figure.wait_for(timeout=15000)
            meta = str(figure.locator(".meta:not(.hash)").inner_text()).strip()
            assert meta == photo["shown"], (zone, name, meta)
            assert SHOWN.search(meta)
        assert page.get_by_test_id(f"evidence-flag-{visit['photos']['midnight']['id']}").count() == 0
        if zone == "America/New_York":
            figure = page.get_by_test_id(f"evidence-{visit['photos']['morning']['id']}")
            figure.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            screenshot(page, "review-photo-times-new-york.png")
    finally:
        context.close()


def test_the_report_of_the_draft_has_china_times(app_server: AppServer, visit: dict[str, Any]) -> None:
    county, _ = app_server.login("tx_county")
    status, pdf = app_server.api("GET", f"/api/inspections/{visit['inspection']['id']}/report", county)
    assert status == 200 and pdf[:4] == b"%PDF"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    today = dt.datetime.now(CHINA).date()
    assert f"拍摄时间：{today} 00:30 相机记录时间：{today} 00:30" in text
    assert f"拍摄时间：{today} 10:00 相机记录时间：{today} 10:01" in text
    assert f"{today:%Y:%m:%d}" not in text and "+00:00" not in text and "T16:30" not in text
    assert "未作答" in text
