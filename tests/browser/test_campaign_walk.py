"""A county's campaign from `make run`, the county administrator working only in the browser.

On a real deployment (gunicorn over PostgreSQL and MinIO, the demo data), at 1366×900:
1. 通许县's administrator (tx_admin) imports 30 village clinics and 6 inspectors from
   spreadsheets in 批量导入, and reads the inspectors' one-time passwords;
2. creates a 评审计划 for the 30 clinics on the village-clinic checklist, with a team of two and a
   day for each, read from the county's own list;
3. watches the first visits come in and be approved on the plan's page. The inspectors' and the
   reviewers' part is played through the API, as their phones and desks would: each new
   inspector replaces the one-time password, fills a visit with photos and submits it; the county
   reviewer approves; the city re-reviews the sampled visit and approves them all;
4. the city reviewer (kf_city) draws the sample in 市级抽样复核;
5. the finance officer (kf_finance) previews 开封市's payout sheet and downloads it as a
   spreadsheet, with the new clinics and their amounts.
Every screen is checked for English words, raw region codes and cut-off text; screenshots go to
$DABIAO_SCREENSHOTS.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from server.domain.checklist import NOT_APPLICABLE, parse_checklist
from server.domain.times import CHINA_ZONE as CHINA
from server.services.seed import demo_answers
from tests.browser.server import AppServer, log_in, poll, screenshot, serving
from tests.browser.test_users_console import DESK, ONE_TIME, check_screen
from tests.photos import jpeg, sha256

pytestmark = pytest.mark.browser

VILLAGES = [
    f"410222{t}{v}" for t in ("100", "101", "102", "103", "104", "200") for v in ("201", "202", "203")
]
CLINICS = [f"通许县新建{n + 1:02d}号村卫生室" for n in range(30)]
INSPECTORS = [
    (f"tx_new{n + 1}", name) for n, name in enumerate(["赵一", "钱二", "孙三", "李四", "周五", "吴六"])
]
TABLET = {"width": 768, "height": 1024}
WORKED = 6  # the visits the walk plays through to approval: one per team
NEW_PASSWORD = "campaign-2026-password"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with serving(tmp_path_factory.mktemp("campaign-walk")) as server:
        yield server


def ok(answer: tuple[int, Any], *statuses: int) -> Any:
    status, body = answer
    assert status in (statuses or (200,)), (status, body)
    return body


def token_of(server: AppServer, username: str, password: str) -> str:
    return ok(server.api("POST", "/api/auth/login", body={"username": username, "password": password}))[
        "token"
    ]


def visit(server: AppServer, token: str, inspection_id: int) -> None:
    """What an inspector's phone sends for one visit: every answer, the photos each item asks for,
    and the submission."""
    boot = ok(server.api("GET", "/api/sync/bootstrap", token))
    task = next(a for a in boot["assignments"] if a["inspection"]["id"] == inspection_id)
    facility = next(f for f in boot["facilities"] if f["id"] == task["inspection"]["facility_id"])
    checklist = parse_checklist(boot["checklists"][task["checklist_key"]])
    day = dt.date.fromisoformat(task["inspection"]["inspection_date"])
    answers = demo_answers(checklist, task["facts"], day, "good")
    changes = [
        {
            "change_id": secrets.token_hex(8),
            "inspection_id": inspection_id,
            "item_id": item_id,
            "base_revision": 0,
            "device_time": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
            **body,
        }
        for item_id, body in answers.items()
    ]
    receipts = ok(
        server.api("POST", "/api/sync", token, {"device_id": f"phone-{inspection_id}", "changes": changes})
    )
    assert {r["status"] for r in receipts["receipts"]} == {"applied"}
    place = (facility["latitude"], facility["longitude"]) if facility["latitude"] else None
    for n, item in enumerate(checklist.items()):
        if item.id not in answers or answers[item.id]["grade"] == NOT_APPLICABLE:
            continue
        for k in range(item.photos_min):
            data = jpeg(
                320,
                240,
                taken=f"{day:%Y:%m:%d} 10:{k:02d}:00",
                place=place,
                seed=inspection_id * 1000 + n * 10 + k,
            )
            ok(
                server.api(
                    "POST",
                    f"/api/inspections/{inspection_id}/items/{item.id}/evidence",
                    token,
                    files={"file": (f"IMG_{k:04d}.jpg", data)},
                    fields={
                        "upload_id": f"walk-{secrets.token_hex(12)}",
                        "sha256": sha256(data),
                        "captured_at": f"{day.isoformat()}T10:{k:02d}:00+08:00",
                    },
                ),
                200,
                201,
            )
    ok(server.api("POST", f"/api/inspections/{inspection_id}/transitions", token, {"action": "submit"}))


def act(server: AppServer, token: str, inspection_id: int, action: str) -> None:
    ok(server.api("POST", f"/api/inspections/{inspection_id}/transitions", token, {"action": action}))


def progress_of(page: Any) -> list[str]:
    return page.get_by_test_id("plan-entries").get_by_test_id("entry-progress").all_inner_texts()


def test_a_county_administrator_runs_a_campaign_in_the_browser(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    today = dt.datetime.now(CHINA).date()
    desk = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = desk.new_page()

    def upload(test_id: str, name: str, text: str) -> None:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        page.get_by_test_id(test_id).set_input_files(str(path))

    try:
        # 1. 30 village clinics and 6 inspectors from spreadsheets
        log_in(page, app_server, "tx_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-import").click()
        page.get_by_test_id("import-page").wait_for(timeout=15000)
        clinics = "名称,机构类别代码,行政区划代码,纬度,经度,服务人口,设有中医阁\n" + "".join(
            f"{name},D600,{VILLAGES[n % len(VILLAGES)]},"
            f"34.{48 + n % 10},114.{40 + n % 20},{1200 + 10 * n},是\n"
            for n, name in enumerate(CLINICS)
        )
        upload("import-file", "村卫生室.csv", clinics)
        verdict = page.get_by_test_id("import-verdict")
        verdict.wait_for(timeout=30000)
        assert verdict.inner_text() == "共 30 行，可以导入：30 个村卫生室。"
        page.get_by_test_id("import-confirm").click()
        page.get_by_test_id("import-done").wait_for(timeout=30000)
        screenshot(page, "walk-1-import-clinics.png")
        page.get_by_test_id("import-kind-users").click()
        people = "用户名,姓名,角色,所属地区\n" + "".join(f"{u},{n},检查员,410222\n" for u, n in INSPECTORS)
        upload("import-file", "检查员.csv", people)
        page.get_by_test_id("import-verdict").wait_for(timeout=30000)
        page.get_by_test_id("import-confirm").click()
        table = page.get_by_test_id("import-passwords")
        table.wait_for(timeout=60000)
        passwords = dict(row.split("\t") for row in table.locator("tbody tr").all_inner_texts())
        assert sorted(passwords) == sorted(u for u, _ in INSPECTORS)
        assert all(ONE_TIME.match(p) for p in passwords.values())
        check_screen(page, [*passwords, *passwords.values()], codes=True)
        screenshot(page, "walk-1-import-inspectors.png")

        # 2. the plan, its teams and days from the county's own list
        page.goto(app_server.url + "/console/plans")
        page.get_by_test_id("plans-page").wait_for(timeout=15000)
        page.get_by_test_id("plans-new").click()
        page.get_by_test_id("plan-name").fill(f"{today.year} 年通许县村卫生室标准化建设评价")
        page.get_by_test_id("plan-starts").fill(today.isoformat())
        page.get_by_test_id("plan-ends").fill((today + dt.timedelta(days=60)).isoformat())
        checklist = page.get_by_test_id("plan-checklist")
        poll(page, lambda: checklist.locator("option").count() > 0, 10, "the checklists")
        checklist.select_option(label="村卫生室标准化建设评价（2022版·示例）（第 1 版）")
        teams = [
            INSPECTORS[2 * (n % 3)][0] + "、" + INSPECTORS[2 * (n % 3) + 1][0] for n in range(len(CLINICS))
        ]
        rows = "".join(
            f"{name},{teams[n]},{(today + dt.timedelta(days=n // WORKED)).isoformat()}\n"
            for n, name in enumerate(CLINICS)
        )
        upload("plan-list-file", "名单.csv", "机构名称,检查员,计划日期\n" + rows)
        note = page.get_by_test_id("plan-list-note")
        note.wait_for(timeout=15000)
        assert note.inner_text().endswith("30 行已全部加入计划。"), note.inner_text()
        check_screen(page, [u for u, _ in INSPECTORS])
        screenshot(page, "walk-2-plan-new.png", full_page=True)
        page.get_by_test_id("plan-create").click()
        page.wait_for_url("**/console/plans/*", timeout=30000)
        page.get_by_test_id("plan-entries").wait_for(timeout=15000)
        assert progress_of(page) == ["未开始"] * len(CLINICS)
        plan_url = page.url
        plan_id = int(plan_url.rsplit("/", 1)[1])

        # 3. the first visits come in (the inspectors' phones) and are approved (the reviewers)
        admin = token_of(app_server, "tx_admin", app_server.logins["tx_admin"])
        plan = ok(app_server.api("GET", f"/api/plans/{plan_id}", admin))
        first = plan["entries"][:WORKED]  # the earliest day: one per team and more
        tokens: dict[str, str] = {}
        for username, _ in INSPECTORS:
            one_time = token_of(app_server, username, passwords[username])
            ok(
                app_server.api(
                    "POST",
                    "/api/auth/password",
                    one_time,
                    {"current_password": passwords[username], "new_password": NEW_PASSWORD},
                )
            )
            tokens[username] = token_of(app_server, username, NEW_PASSWORD)
        names = {n: u for u, n in INSPECTORS}
        for entry in first:
            inspector = names[entry["inspectors"][0]["name"]]
            visit(app_server, tokens[inspector], entry["inspection_id"])
        page.reload()
        page.get_by_test_id("plan-entries").wait_for(timeout=15000)
        assert progress_of(page).count("已提交") == WORKED
        county = token_of(app_server, "tx_county", app_server.logins["tx_county"])
        for entry in first:
            act(app_server, county, entry["inspection_id"], "start_county_review")
            act(app_server, county, entry["inspection_id"], "county_approve")
        page.reload()
        page.get_by_test_id("plan-entries").wait_for(timeout=15000)
        assert progress_of(page).count("审核中") == WORKED
        check_screen(page, [])
        screenshot(page, "walk-3-plan-county-approved.png", full_page=True)
    finally:
        desk.close()

    # 4. the city reviewer draws the sample
    city_desk = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = city_desk.new_page()
    try:
        log_in(page, app_server, "kf_city")
        page.wait_for_url("**/review", timeout=15000)
        page.get_by_test_id("queue-to-samples").click()
        page.get_by_test_id("samples-page").wait_for(timeout=15000)
        page.get_by_test_id("sample-since").fill(today.isoformat())
        page.get_by_test_id("sample-until").fill((today + dt.timedelta(days=60)).isoformat())
        page.get_by_test_id("sample-mode-size").click()
        page.get_by_test_id("sample-amount").fill("1")
        page.get_by_test_id("sample-draw").click()
        opened = page.get_by_test_id("sample-open")
        poll(page, lambda: opened.count() > 0 and "新建" in opened.inner_text(), 15, "the drawn sample")
        assert page.get_by_test_id("sample-population").inner_text() == f"{WORKED} 项县级审核通过的评审"
        assert page.get_by_test_id("sample-rows").locator("tbody tr").count() == 1
        check_screen(page, [])
        screenshot(page, "walk-4-sample.png", full_page=True)
    finally:
        city_desk.close()

    city = token_of(app_server, "kf_city", app_server.logins["kf_city"])
    samples = ok(app_server.api("GET", "/api/samples", city))
    drawn = set(ok(app_server.api("GET", f"/api/samples/{samples[0]['id']}", city))["selected"])
    for entry in first:
        if entry["inspection_id"] in drawn:
            act(app_server, city, entry["inspection_id"], "start_city_review")
        act(app_server, city, entry["inspection_id"], "approve")

    desk = browser.new_context(locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK)
    page = desk.new_page()
    try:
        log_in(page, app_server, "tx_admin")
        page.wait_for_url("**/review", timeout=15000)
        page.goto(plan_url)
        page.get_by_test_id("plan-entries").wait_for(timeout=15000)
        assert progress_of(page).count("已通过") == WORKED
        assert page.get_by_test_id("plan-share").inner_text() == f"{WORKED} / {len(CLINICS)}"
        check_screen(page, [])
        screenshot(page, "walk-3-plan-approved.png", full_page=True)
        page.set_viewport_size(TABLET)  # the console is also used on a tablet
        check_screen(page, [])
        screenshot(page, "walk-3-plan-tablet.png")
        page.goto(app_server.url + "/review")
        page.get_by_test_id("queue-to-plans").wait_for(timeout=15000)
        check_screen(page, [])
        screenshot(page, "walk-0-queue-tablet.png")
    finally:
        desk.close()

    # 5. finance downloads the payout sheet
    finance = browser.new_context(
        locale="zh-CN", timezone_id="America/Los_Angeles", viewport=DESK, accept_downloads=True
    )
    page = finance.new_page()
    try:
        log_in(page, app_server, "kf_finance")
        page.wait_for_url("**/jobs", timeout=15000)
        page.get_by_test_id("jobs-to-payouts").click()
        page.get_by_test_id("payouts-page").wait_for(timeout=15000)
        page.get_by_test_id("payout-preview").click()
        rows = page.get_by_test_id("payout-rows")
        rows.wait_for(timeout=60000)
        approved = [e["facility_name"] for e in first]
        for name in approved:
            assert name in rows.inner_text()
        with page.expect_download(timeout=60000) as download:
            page.get_by_test_id("payout-xlsx").click()
        cells = [
            str(c)
            for row in load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(
                values_only=True
            )
            for c in row
        ]
        assert all(name in cells for name in approved)
        check_screen(page, page.locator(".console-mono").all_inner_texts())
        screenshot(page, "walk-5-finance-sheet.png", full_page=True)
    finally:
        finance.close()
