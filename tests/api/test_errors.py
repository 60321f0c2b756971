"""Errors share one JSON shape with a stable code."""

from flask.testing import FlaskClient


def test_unknown_api_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "http.not_found", "message": "Not Found"}}


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "http.method_not_allowed"


def test_a_missing_asset_is_a_404_not_the_shell(client: FlaskClient) -> None:
    response = client.get("/assets/missing-file.js")
    assert response.status_code in {404, 503}
    assert response.json["error"]["code"] in {"http.not_found", "pwa.not_built"}
