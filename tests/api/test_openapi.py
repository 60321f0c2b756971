"""The OpenAPI document describes every API route, its schemas and the one error shape."""

from flask.testing import FlaskClient


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert {"/api/sync", "/api/sync/bootstrap", "/api/inspections/{inspection_id}/transitions"} <= set(
        spec["paths"]
    )
    schemas = spec["components"]["schemas"]
    assert {"Error", "SyncIn", "ChangeIn"} <= set(schemas)
    assert schemas["ChangeIn"]["additionalProperties"] is False
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    sync_post = spec["paths"]["/api/sync"]["post"]
    assert "default" in sync_post["responses"]
