"""The built PWA in a real Chromium: served by Flask, healthy, and still opening with no network."""

from typing import Any

import pytest

from server.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser


def test_the_app_shows_the_server_status(page: Any, live_server: str) -> None:
    page.goto(live_server + "/status")
    overall = page.get_by_test_id("health-overall")
    overall.get_by_text("正常").wait_for(timeout=15000)
    assert page.title() != ""
    assert page.get_by_text("达标 · 基层医疗卫生机构评审").is_visible()
    for label in ("数据库", "证据存储", "评审标准"):
        assert page.get_by_text(label).is_visible()


def test_the_app_shell_opens_offline_after_the_first_visit(page: Any, live_server: str) -> None:
    page.goto(live_server + "/status")
    page.get_by_test_id("health-overall").get_by_text("正常").wait_for(timeout=15000)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.context.set_offline(True)
    page.reload()
    page.get_by_text("达标 · 基层医疗卫生机构评审").wait_for(timeout=15000)
    page.get_by_test_id("health-overall").get_by_text("离线").wait_for(timeout=15000)


def test_client_routes_fall_back_to_the_shell_and_api_routes_do_not(page: Any, live_server: str) -> None:
    response = page.goto(live_server + "/inspections/42")
    assert response.status == 200
    page.get_by_text("达标 · 基层医疗卫生机构评审").wait_for(timeout=15000)
    page.wait_for_url("**/login?redirect=/inspections/42", timeout=15000)  # no session yet
    api = page.request.get(live_server + "/api/nope")
    assert api.status == 404
    assert api.json()["error"]["code"] == "http.not_found"


def test_a_report_check_opens_the_servers_page_in_a_browser_that_has_the_app(
    page: Any, live_server: str
) -> None:
    """The service worker's page fallback must not answer /verify/<code> with the app shell."""
    page.goto(live_server + "/status")
    page.get_by_test_id("health-overall").get_by_text("正常").wait_for(timeout=15000)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    response = page.goto(live_server + "/verify/NOSUCHCODE")
    assert response is not None
    assert response.status == 404  # from the server, not the cached shell (200)
    page.get_by_text("未找到该报告").wait_for(timeout=15000)
    assert page.title() == "达标 · 评审报告核验"
    # nor a published list of results (公示), which people open from the console's link
    notice = page.goto(live_server + "/public/notices/NOSUCHTOKEN")
    assert notice is not None and notice.status == 404
    page.get_by_text("未找到该公示").wait_for(timeout=15000)


def test_the_dashboard_is_fetched_when_opened_not_precached_on_every_phone() -> None:
    """Its charts are most of its size; inspectors never open it."""
    worker = (PROJECT_ROOT / "pwa" / "dist" / "sw.js").read_text(encoding="utf-8")
    assert "DashboardPage-" not in worker
    assert list((PROJECT_ROOT / "pwa" / "dist" / "assets").glob("DashboardPage-*.js"))


def test_a_cold_deep_link_to_an_item_whose_id_has_dots_opens_the_app(page: Any, live_server: str) -> None:
    """Item ids such as QS-2.2.03 end in what looks like a file suffix; the link is still a page."""
    response = page.goto(live_server + "/inspections/8/items/QS-2.2.03")
    assert response is not None
    assert response.status == 200
    page.get_by_text("达标 · 基层医疗卫生机构评审").wait_for(timeout=15000)
    page.wait_for_url("**/login?redirect=/inspections/8/items/QS-2.2.03", timeout=15000)
