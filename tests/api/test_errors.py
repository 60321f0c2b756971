"""Errors share one JSON shape with a stable code."""

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient


def test_unknown_api_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "http.not_found", "message": "未找到，或不在您的权限范围内"}}


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "http.method_not_allowed"


def test_a_missing_asset_is_a_404_not_the_shell(client: FlaskClient) -> None:
    response = client.get("/assets/missing-file.js")
    assert response.status_code in {404, 503}
    assert response.json["error"]["code"] in {"http.not_found", "pwa.not_built"}


def test_the_app_shell_is_served_with_a_strict_content_security_policy(
    client: FlaskClient, tmp_path: Path, app: Any
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><div id=app></div>", encoding="utf-8")
    app.config["PWA_DIST"] = str(dist)
    response = client.get("/inspections/7")
    response.close()  # the shell is sent as a file
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_deep_link_with_a_dot_in_an_item_id_is_the_app(
    client: FlaskClient, tmp_path: Path, app: Any
) -> None:
    """Item ids such as QS-2.2.03 hold dots: a cold load of their page serves the app shell."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=app></div>", encoding="utf-8")
    app.config["PWA_DIST"] = str(dist)
    page = client.get("/inspections/8/items/QS-2.2.03")
    page.close()
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    missing = client.get("/assets/index-0a1b2c.js")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "http.not_found"
