"""An item with several documents on an inspector's phone (390×844) against the real server: one
date field per document, labelled with the document's Chinese name; the preview names the
document that fails; the dates reach the server as the documents map; a report issued after the
inspection day is refused by the server and the app says so in Chinese, naming the document."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.browser.server import AppServer, log_in, poll, screenshot, serving

pytestmark = pytest.mark.browser

DOCS = PROJECT_ROOT / "checklists" / "examples" / "checklists" / "docs-test.v1.json"
LOAD_DOCS = """
import json, sys
from wsgi import app
from server.db import checklists as queries
from server.extensions import db
data = json.loads(open(sys.argv[1], encoding="utf-8").read())
with app.app_context():
    queries.add_version("docs-test", 1, "quality_service", "test", data["title"], "0" * 64, data)
    db.session.commit()
"""


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("item-documents")) as server:
        # the test checklist is not published: it goes straight into the server's database
        subprocess.run(
            [sys.executable, "-c", LOAD_DOCS, str(DOCS)], env=server.env, cwd=PROJECT_ROOT, check=True
        )
        yield server


def docs_inspection(app_server: AppServer) -> int:
    inspector, user = app_server.login("tx_inspector1")
    status, boot = app_server.api("GET", "/api/sync/bootstrap", inspector)
    assert status == 200, boot
    facility = next(f for f in boot["facilities"] if f["name"] == "通许县城关镇卫生院")
    county, _ = app_server.login("tx_county")
    status, created = app_server.api(
        "POST",
        "/api/inspections",
        county,
        {
            "facility_id": facility["id"],
            "checklist_id": "docs-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [user["id"]],
        },
    )
    assert status == 201, created
    return int(created["id"])


def test_one_date_per_document_on_a_phone(app_server: AppServer, phone: Any) -> None:
    inspection_id = docs_inspection(app_server)
    page = phone.new_page()
    log_in(page, app_server, "tx_inspector1")
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=30000)
    page.goto(f"{app_server.url}/inspections/{inspection_id}/items/D-02")
    page.get_by_test_id("item-documents").wait_for(timeout=15000)

    labels = [
        page.get_by_test_id(f"document-{key}") for key in ("water_test", "discharge_permit", "sewage_test")
    ]
    texts = [label.inner_text() for label in labels]
    assert "水质检测报告出具日期" in texts[0]
    assert "排污许可证有效期至" in texts[1]
    assert "污水检测报告出具日期" in texts[2]
    page.get_by_test_id("grade-B").click()
    labels[0].locator("input").fill("2026-09-15")
    labels[1].locator("input").fill("2029-12-31")
    page.get_by_text("污水检测报告未填写日期：按不达标计").wait_for(timeout=10000)

    # every field and label fits the phone's width: nothing is cut
    width = page.evaluate("document.documentElement.clientWidth")
    assert width == 390
    for label in labels:
        box = label.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        title = label.locator(".van-field__label")
        assert title.evaluate("e => e.scrollWidth <= e.clientWidth"), title.inner_text()
    page.wait_for_timeout(400)  # Vant's transitions
    screenshot(page, "item-several-documents.png", full_page=True)

    # a report issued after the inspection day: the server refuses it and the app names it
    labels[2].locator("input").fill("2026-11-25")
    poll(
        page,
        lambda: "晚于检查日期" in page.inner_text("body"),
        60,
        "the refusal of a report issued after the inspection",
    )
    assert "“污水检测报告”的出具日期 2026-11-25 晚于检查日期 2026-11-20" in page.inner_text("body")
    screenshot(page, "item-document-after-inspection.png", full_page=True)

    labels[2].locator("input").fill("2026-10-08")
    page.get_by_text("按不达标计").wait_for(state="detached", timeout=10000)
    token, _ = app_server.login("tx_inspector1")

    def stored() -> bool:
        status, history = app_server.api(
            "GET", f"/api/inspections/{inspection_id}/history?item_id=D-02", token
        )
        return (
            status == 200
            and bool(history)
            and history[-1]["documents"]
            == {
                "water_test": {"document_date": "2026-09-15"},
                "discharge_permit": {"valid_until": "2029-12-31"},
                "sewage_test": {"document_date": "2026-10-08"},
            }
        )

    poll(page, stored, 60, "the three document dates on the server")
    assert "晚于检查日期" not in page.inner_text("body")
