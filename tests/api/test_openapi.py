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
    assert set(sync_post["responses"]) == {"200", "400", "401", "403", "413", "415", "422", "503"}


PUBLIC = {"/api/auth/login", "/healthz"}


def test_health_and_score_are_documented(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    health = spec["paths"]["/healthz"]["get"]
    assert health["security"] == []
    report = {"$ref": "#/components/schemas/HealthOut"}
    for status in ("200", "503"):
        assert health["responses"][status]["content"]["application/json"]["schema"] == report
    score = spec["paths"]["/api/inspections/{inspection_id}/score"]["get"]["responses"]["200"]
    assert score["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ScoreOut"}
    definition = spec["paths"]["/api/checklists/{checklist_id}/{version}"]["get"]["responses"]["200"]
    assert (
        "checklists/schema/checklist.schema.json"
        in (definition["content"]["application/json"]["schema"]["description"])
    )
    action = spec["components"]["schemas"]["TransitionIn"]["properties"]["action"]
    assert "submit" in action["enum"]


def test_every_operation_documents_each_error_status_not_a_catch_all(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "delete"}:
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert "503" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if path not in PUBLIC:
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if path == "/healthz":
                    continue  # its 503 is the health report (test_health_and_score_are_documented)
                if status.startswith(("4", "5")) and "$ref" not in response:
                    assert response["content"]["application/json"]["schema"] == error, (method, path, status)
    login = spec["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    assert "Retry-After" in login["429"]["headers"]
    upload = spec["paths"]["/api/inspections/{inspection_id}/items/{item_id}/evidence"]["post"]["responses"]
    assert {"200", "201", "403", "409", "413", "415", "422"} <= set(upload)


def test_path_ids_are_documented_with_the_range_of_their_columns(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    (parameter,) = [
        p
        for p in spec["paths"]["/api/inspections/{inspection_id}"]["parameters"]
        if p["name"] == "inspection_id"
    ]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    body = spec["components"]["schemas"]["ChangeIn"]["properties"]["inspection_id"]
    assert (body["minimum"], body["maximum"], body["format"]) == (1, 2**31 - 1, "int32")
