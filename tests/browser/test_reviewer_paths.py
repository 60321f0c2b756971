"""The reviewers' paths at a desk (1366x900), against the real server with the demo seed.

The county reviewer's queue fills the width as a table with a tier column; search and filters go
to the server; 待我审核 counts only what awaits them. A regrade done in the page shows the original
and new grade, who changed it, why and when, inline; items name their inspectors; the regrade
dialog lists grades in the inspector's order; item text is not grey. The city reviewer sees the
inspection drawn for re-review marked 已抽中 with the sample's date and is not offered 终审通过
before the re-review starts (the server refuses it in Chinese). An administrator awaits nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.server import AppServer, log_in, poll, screenshot, serving

pytestmark = pytest.mark.browser

CHINA = dt.timezone(dt.timedelta(hours=8))
DESK = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("reviewers")) as server:
        yield server


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def queue_api(server: AppServer, token: str, query: str = "") -> Any:
    status, body = server.api("GET", f"/api/inspections/queue?limit=500&{query}", token)
    assert status == 200, body
    return body


def row_ids(page: Any) -> list[int]:
    ids = page.locator('[data-testid^="queue-item-"]').evaluate_all(
        "rows => rows.map(r => Number(r.dataset.testid.slice('queue-item-'.length)))"
    )
    return list(ids)


def wait_rows(page: Any, expected: set[int], what: str) -> None:
    poll(page, lambda: set(row_ids(page)) == expected, 15, what)


def open_queue(page: Any, server: AppServer, username: str) -> None:
    log_in(page, server, username)
    page.wait_for_url(re.compile(r"/review$"))
    page.get_by_test_id("queue-page").wait_for()
    page.locator('[data-testid^="queue-item-"]').first.wait_for()


def tab_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".van-tab").all_inner_texts()]


def test_county_reviewer_queue_fills_the_desk_and_filters_on_the_server(
    app_server: AppServer, desk: Any
) -> None:
    token, me = app_server.login("tx_county")
    everything = queue_api(app_server, token)
    awaiting = queue_api(app_server, token, "awaiting=true")
    status_of = {r["inspection"]["id"]: r["inspection"]["status"] for r in everything["items"]}
    # what awaits a county reviewer: submitted, and the county reviews they (or nobody) hold
    expected_awaiting = {
        r["inspection"]["id"]
        for r in everything["items"]
        if r["inspection"]["status"] == "submitted"
        or (
            r["inspection"]["status"] == "county_review"
            and r["inspection"]["county_reviewer_id"] in (None, me["id"])
        )
    }
    assert {r["inspection"]["id"] for r in awaiting["items"]} == expected_awaiting
    assert "draft" in status_of.values()  # the seed has drafts, and none of them awaits the reviewer

    open_queue(desk, app_server, "tx_county")
    wait_rows(desk, expected_awaiting, "the rows awaiting the county reviewer")
    assert tab_titles(desk) == [f"待我审核（{len(expected_awaiting)}）", f"全部（{everything['total']}）"]

    # the width of a desk, as a table: a header row and the rows across the window
    table = desk.locator('[role="table"]').bounding_box()
    assert table is not None and table["width"] > 1250, table
    header = desk.locator(".row.head")
    assert header.is_visible()
    assert header.inner_text().split() == [
        "机构",
        "地区",
        "评审标准",
        "检查日期",
        "检查员",
        "状态",
        "评定等级",
        "市级抽样",
    ]
    first = desk.locator('[data-testid^="queue-item-"]').first.bounding_box()
    assert first is not None and first["height"] < 90, first  # one line per row, not a phone card

    desk.locator(".van-tab").nth(1).click()
    wait_rows(desk, set(status_of), "every inspection of the county")
    # the tier column: the server's tier labels
    server_labels = {label for t in everything["tiers"] for label in t["label"].split(" / ")}
    for row in everything["items"]:
        cell = desk.get_by_test_id(f"queue-item-{row['inspection']['id']}").locator('[data-col="tier"]')
        assert cell.inner_text().strip() == row["tier_label"], row
        assert row["tier_label"] in server_labels
    names = desk.locator('[data-col="inspectors"]').all_inner_texts()
    assert any("刘秀英" in n for n in names) and not any("检查员 ·" in n for n in names)
    screenshot(desk, "reviewer-queue-1366.png")

    # search by facility name: the server answers
    desk.get_by_test_id("filter-q").fill("朱砂")
    zhusha = {r["inspection"]["id"] for r in everything["items"] if "朱砂" in r["facility_name"]}
    assert zhusha
    wait_rows(desk, zhusha, "the search result")
    calls: list[str] = []
    desk.on("request", lambda r: calls.append(r.url) if "/api/inspections/queue" in r.url else None)
    desk.get_by_test_id("filter-q").fill("")
    wait_rows(desk, set(status_of), "everything again")

    # township, status, checklist and tier: each narrows on the server
    desk.get_by_test_id("filter-township").select_option(label="竖岗镇")
    shugang = {
        r["inspection"]["id"]
        for r in everything["items"]
        if r["inspection"]["region_code"].startswith("410222101")
    }
    wait_rows(desk, shugang, "the township's inspections")
    assert any("region=410222101" in url for url in calls)
    desk.get_by_test_id("filter-clear").click()
    desk.get_by_test_id("filter-status").select_option("returned")
    wait_rows(desk, {i for i, s in status_of.items() if s == "returned"}, "returned inspections")
    desk.get_by_test_id("filter-status").select_option("")
    desk.get_by_test_id("filter-checklist").select_option("vc-2022-sample")
    village = {
        r["inspection"]["id"]
        for r in everything["items"]
        if r["inspection"]["checklist_id"] == "vc-2022-sample"
    }
    wait_rows(desk, village, "village clinic inspections")
    desk.get_by_test_id("filter-checklist").select_option("")
    desk.get_by_test_id("filter-tier").select_option("none")
    failing = {i for i, r in ((r["inspection"]["id"], r) for r in everything["items"]) if r["tier"] == "none"}
    wait_rows(desk, failing, "inspections below every tier")
    assert any("tier=none" in url for url in calls)

    # and on a phone the same queue is a column of cards, nothing wider than the screen
    desk.get_by_test_id("filter-clear").click()
    wait_rows(desk, set(status_of), "everything again")
    desk.set_viewport_size({"width": 390, "height": 844})
    assert not desk.locator(".row.head").is_visible()
    card = desk.locator('[data-testid^="queue-item-"]').first.bounding_box()
    assert card is not None and card["width"] <= 390 and card["height"] > 90, card
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(desk, "reviewer-queue-390.png")


def test_city_reviewer_opens_the_region_filters_one_level_at_a_time(app_server: AppServer, desk: Any) -> None:
    token, _ = app_server.login("kf_city")
    everything = queue_api(app_server, token)
    shugang = {
        r["inspection"]["id"]
        for r in everything["items"]
        if r["inspection"]["region_code"].startswith("410222101")
    }
    assert shugang
    asked: list[str] = []
    desk.on("request", lambda r: asked.append(r.url) if "/api/regions" in r.url else None)
    log_in(desk, app_server, "kf_city")
    desk.wait_for_url(re.compile(r"/review$"))
    desk.get_by_test_id("queue-page").wait_for()
    desk.locator(".van-tab").nth(1).click()

    county = desk.get_by_test_id("filter-county")
    county.wait_for()
    assert desk.get_by_test_id("filter-township").count() == 0  # opened once a county is chosen
    county.select_option(label="通许县")
    township = desk.get_by_test_id("filter-township")
    township.wait_for()
    township.select_option(label="竖岗镇")
    wait_rows(desk, shugang, "the township's inspections, for the city reviewer")
    places = desk.locator('[data-col="region"]').all_inner_texts()
    assert places and all(p.strip() == "通许县 竖岗镇" for p in places), places
    # one level per request: the city's counties, then 通许's townships; never a village list
    assert [u.split("/api/regions")[1] for u in asked] == ["", "?parent=410222"], asked


def test_a_regrade_in_the_page_shows_inline_with_names_order_and_readable_text(
    app_server: AppServer, desk: Any
) -> None:
    token, me = app_server.login("tx_county")
    held = [
        r
        for r in queue_api(app_server, token, "status=county_review")["items"]
        if r["inspection"]["county_reviewer_id"] == me["id"]
    ]
    assert held, "the seed has a county review held by tx_county"
    inspection = held[0]["inspection"]
    status, detail = app_server.api("GET", f"/api/inspections/{inspection['id']}", token)
    assert status == 200
    status, definition = app_server.api(
        "GET", f"/api/checklists/{inspection['checklist_id']}/{inspection['checklist_version']}", token
    )
    items = [i for ch in definition["chapters"] for s in ch["sections"] for i in s["items"]]
    item = next(
        i
        for i in items
        if len(i["levels"]) >= 3
        and detail["answers"].get(i["id"], {}).get("grade") not in (None, "not_met", "not_applicable")
    )
    before = detail["answers"][item["id"]]

    open_queue(desk, app_server, "tx_county")
    desk.get_by_test_id(f"queue-item-{inspection['id']}").click()
    card = desk.get_by_test_id(f"review-item-{item['id']}")
    card.wait_for()

    # names, not roles
    inspector_names = [detail["people"][str(i)] for i in detail["inspectors"]]
    assert desk.get_by_test_id("review-inspectors").inner_text() == "检查员：" + "、".join(inspector_names)
    assert (
        card.get_by_test_id(f"item-author-{item['id']}")
        .inner_text()
        .startswith(detail["people"][str(before["author_id"])])
    )
    assert "检查员 · 第" not in desk.locator("main, body").first.inner_text()

    # item text in the normal text colour, not the grey of disabled text
    colour = card.locator(".text").evaluate("el => getComputedStyle(el).color")
    normal = desk.evaluate("getComputedStyle(document.body).getPropertyValue('--van-text-color').trim()")
    assert normal == "#323233" and colour == "rgb(50, 50, 51)", (normal, colour)  # not #969799, the grey

    # the grade order is the inspector's: best first, then not met (and not applicable)
    card.get_by_test_id(f"regrade-{item['id']}").click()
    dialog = desk.get_by_test_id("regrade-dialog")
    dialog.wait_for()
    offered = dialog.locator('[data-testid^="regrade-grade-"]').evaluate_all(
        "cells => cells.map(c => c.dataset.testid.slice('regrade-grade-'.length))"
    )
    codes = [level["code"] for level in item["levels"]]
    assert offered[: len(codes)] == list(reversed(codes)), offered
    assert offered[len(codes)] == "not_met"
    assert [c for c in offered if c in ("A", "B", "C")] == [c for c in ("A", "B", "C") if c in offered]

    reason = "现场抽查发现制度未落实，按不达标计"
    dialog.get_by_test_id("regrade-grade-not_met").click()
    dialog.get_by_test_id("regrade-reason").fill(reason)
    started = dt.datetime.now(CHINA)
    dialog.get_by_test_id("regrade-submit").click()

    change = card.get_by_test_id(f"item-regrade-{item['id']}-{before['revision'] + 1}")
    change.wait_for()
    labels = {g["code"]: g["label"] for g in definition["grade_scale"]}
    assert change.locator('[data-role="from"]').inner_text() == labels[before["grade"]]
    assert change.locator('[data-role="to"]').inner_text() == "不达标"
    assert change.locator('[data-role="by"]').inner_text() == me["display_name"]
    assert change.locator('[data-role="reason"]').inner_text() == reason
    at = change.locator('[data-role="at"]').inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", at), at
    shown = dt.datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
    assert abs((shown - started).total_seconds()) < 180, (at, started)
    assert card.get_by_test_id(f"item-author-{item['id']}").inner_text().startswith(me["display_name"])
    status, history = app_server.api(
        "GET", f"/api/inspections/{inspection['id']}/history?item_id={item['id']}", token
    )
    assert history[-1]["author_name"] == me["display_name"] and history[-1]["reason"] == reason
    card.scroll_into_view_if_needed()
    screenshot(desk, "reviewer-regraded-item-1366.png", clip=card.bounding_box())


def test_city_sample_is_marked_and_final_approval_waits_for_its_re_review(
    app_server: AppServer, desk: Any
) -> None:
    token, _ = app_server.login("kf_city")
    # the demo's sample drew every county-approved inspection: a new one has nothing to draw from
    status, refused = app_server.api("POST", "/api/samples", token, body={"size": 1, "seed": 11})
    assert (status, refused["error"]["code"]) == (409, "sample.empty_population")
    status, samples = app_server.api("GET", "/api/samples", token)
    assert status == 200 and samples, samples
    sample = samples[0]
    drawn = sample["selected"][0]
    drawn_day = dt.datetime.fromisoformat(sample["drawn_at"]).astimezone(CHINA).strftime("%Y-%m-%d")
    drawn_time = dt.datetime.fromisoformat(sample["drawn_at"]).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    awaiting = queue_api(app_server, token, "awaiting=true")
    assert drawn in {r["inspection"]["id"] for r in awaiting["items"]}
    assert all(r["inspection"]["status"] in ("county_approved", "city_review") for r in awaiting["items"])
    assert all(
        r["sampled_at"] is not None
        for r in awaiting["items"]
        if r["inspection"]["status"] == "county_approved"
    )

    open_queue(desk, app_server, "kf_city")
    wait_rows(desk, {r["inspection"]["id"] for r in awaiting["items"]}, "what awaits the city")
    assert tab_titles(desk)[0] == f"待我审核（{awaiting['total']}）"
    assert desk.get_by_test_id(f"queue-sampled-{drawn}").inner_text() == f"已抽中 · {drawn_day}"

    desk.get_by_test_id(f"queue-item-{drawn}").click()
    desk.get_by_test_id("review-sampled").wait_for()
    assert desk.get_by_test_id("review-sampled").inner_text() == f"已抽中 · {drawn_time}"
    desk.get_by_test_id("action-start_city_review").wait_for()
    assert desk.get_by_test_id("action-approve").count() == 0
    # why, in the server's words (the review detail carries the refusal of its own check)
    assert "复核后才能终审通过" in desk.get_by_test_id("review-block").inner_text()

    # the server refuses it too, in Chinese
    status, refused = app_server.api(
        "POST", f"/api/inspections/{drawn}/transitions", token, body={"action": "approve"}
    )
    assert status == 409
    assert refused["error"]["code"] == "workflow.sampled_for_review"
    assert not re.search(r"[A-Za-z]", refused["error"]["message"]), refused

    desk.get_by_test_id("action-start_city_review").click()
    desk.get_by_test_id("action-confirm").click()
    poll(desk, lambda: desk.get_by_test_id("review-status").inner_text() == "市级复核中", 15, "the re-review")
    desk.get_by_test_id("action-approve").wait_for()
    assert desk.get_by_test_id("review-block").count() == 0


def test_nothing_awaits_an_administrator(app_server: AppServer, desk: Any) -> None:
    token, _ = app_server.login("kf_admin")
    everything = queue_api(app_server, token)
    assert queue_api(app_server, token, "awaiting=true")["total"] == 0
    assert any(r["inspection"]["status"] == "draft" for r in everything["items"])
    open_queue(desk, app_server, "kf_admin")
    assert tab_titles(desk) == ["待我审核（0）", f"全部（{everything['total']}）"]
    assert len(row_ids(desk)) == min(everything["total"], 50)
