"""GET /api/payouts/{region}/{period}.pdf|.xlsx: city reviewers and admins, inside their own region."""

from __future__ import annotations

import dataclasses
import io

from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]

from server import registry
from server.formats import payout_sheet
from tests.api.test_access_matrix import DENIALS
from tests.api.world import World
from tests.services.test_payouts import approved, qs_rules


def sheet_url(region: str, period: str, fmt: str) -> str:
    return f"/api/payouts/{region}/{period}.{fmt}"


def test_a_city_reviewer_gets_the_sheet_as_pdf_and_xlsx(world: World) -> None:
    qs_rules()
    approved(world, "own")
    approved(world, "sibling", tier="basic")
    pdf = world.call("city_reviewer", "GET", sheet_url("410200", "2026Q4", "pdf"))
    assert pdf.status_code == 200, pdf.json
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="payouts-410200-2026Q4.pdf"'
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.data.startswith(b"%PDF")
    xlsx = world.call("admin", "GET", sheet_url("410200", "2026Q4", "xlsx"))
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Type"] == payout_sheet.XLSX_TYPE
    assert xlsx.headers["X-Payout-Sheet-Digest"] == pdf.headers["X-Payout-Sheet-Digest"]
    values = [row for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)]
    assert ("合计", None, 2, 450_000) in [row[:4] for row in values]
    county = world.call("city_reviewer", "GET", sheet_url("410222", "2026-11", "xlsx"))
    assert county.status_code == 200


def test_other_roles_are_refused_and_other_regions_do_not_exist(world: World) -> None:
    url = sheet_url("410200", "2026", "pdf")
    for username in ("inspector", "self_assessor"):
        response = world.call(username, "GET", url)
        assert (response.status_code, response.json) == (403, DENIALS[403])
    assert world.call("county_reviewer", "GET", sheet_url("410222", "2026", "xlsx")).status_code == 200
    for username, region in (
        ("county_reviewer", "410200"),  # the city's sheet is not the county's
        ("other_city_reviewer", "410200"),  # another city
        ("city_reviewer", "410100"),
        ("city_reviewer", "410102"),
        ("city_reviewer", "410000"),  # the province around the city
        ("city_reviewer", "410299"),  # inside the city's prefix, but no such region
        ("city_reviewer", "abc"),
    ):
        response = world.call(username, "GET", sheet_url(region, "2026", "pdf"))
        assert (response.status_code, response.json) == (404, DENIALS[404]), (username, region)
    assert world.call(None, "GET", url).status_code == 401


def test_a_bad_period_is_a_clear_error(world: World) -> None:
    response = world.call("city_reviewer", "GET", sheet_url("410200", "2026Q5", "xlsx"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "payouts.invalid_period"
    assert world.call("city_reviewer", "GET", "/api/payouts/410200/2026.csv").status_code == 404


def test_the_routes_are_in_the_openapi_document(world: World) -> None:
    paths = world.client.get("/api/openapi.json").json["paths"]
    assert "/api/payouts/{region_code}/{period}.pdf" in paths
    assert "/api/payouts/{region_code}/{period}.xlsx" in paths


def test_a_region_too_large_for_a_request_is_sent_to_a_background_job(world: World, app: Flask) -> None:
    app.config["DABIAO_SETTINGS"] = dataclasses.replace(registry.settings(), payout_inline_rows=1)
    qs_rules()
    approved(world, "own")
    approved(world, "sibling", tier="basic")
    response = world.call("city_reviewer", "GET", sheet_url("410200", "2026Q4", "pdf"))
    assert response.status_code == 409
    assert response.json["error"] == {
        "code": "payouts.use_job",
        "message": "该地区的分配表超过 1 行，不能在页面请求中直接生成，请使用“生成分配表”后台任务",
    }
    assert world.call("city_reviewer", "GET", sheet_url("410222", "2026Q4", "xlsx")).status_code == 200
