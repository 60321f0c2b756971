"""Reward rules and payout sheets in the console (/api/payouts/rules, /preview, /record, /records).

Who may call which endpoint in which region is the access matrix's; here: rules inherited from
above and added below, never changed; the preview carries the same rows and totals as the sheet's
files; recording needs the previewed digest, is refused once the sheet changed and adds nothing
the second time; the history lists each recording.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

from server.db.models import AuditEntry, Payout
from server.extensions import db
from tests.api.world import World
from tests.services.test_payouts import IN_Q4, approved, qs_rules


def test_rules_are_inherited_from_above_and_added_below_never_changed(world: World) -> None:
    qs_rules("410200")
    city = world.call("admin", "GET", "/api/payouts/rules").json
    assert {(r["region_name"], r["tier_label"], r["amount_yuan"], r["inherited"]) for r in city["rules"]} >= {
        ("开封市", "基本标准", 150_000, False)
    }
    families = {f["code"]: f for f in city["families"]}
    assert {t["code"] for t in families["quality_service"]["tiers"]} >= {"basic", "recommended"}

    body = {
        "region_code": "410222",
        "family": "quality_service",
        "tier_code": "basic",
        "amount_yuan": 180_000,
        "top_up": True,
        "valid_from": "2027-01-01",
        "note": "县财政配套 3 万元",
    }
    added = world.call("admin", "POST", "/api/payouts/rules", body)
    assert added.status_code == 201, added.json
    assert (added.json["region_name"], added.json["tier_label"], added.json["created_by"]) == (
        "通许县",
        "基本标准",
        "admin",
    )
    again = world.call("admin", "POST", "/api/payouts/rules", body)
    assert (again.status_code, again.json["error"]["code"]) == (409, "payouts.rule_exists")
    wrong = world.call(
        "admin", "POST", "/api/payouts/rules", {**body, "tier_code": "gold", "valid_from": "2027-02-01"}
    )
    assert wrong.status_code == 422 and wrong.json["error"]["problems"][0]["pointer"] == "/tier_code"
    outside = world.call("admin", "POST", "/api/payouts/rules", {**body, "region_code": "410102"})
    assert outside.status_code == 422 and outside.json["error"]["problems"][0]["pointer"] == "/region_code"

    county = world.call("county_reviewer", "GET", "/api/payouts/rules").json["rules"]
    seen = {(r["region_name"], r["amount_yuan"], r["inherited"]) for r in county}
    assert ("通许县", 180_000, False) in seen and ("开封市", 150_000, True) in seen
    assert all(r["region_name"] != "兰考县" for r in county)
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payout.rule")).one()
    assert (logged.target_id, logged.after["amount_yuan"]) == ("410222", 180_000)


def test_the_preview_is_the_sheet_and_recording_needs_its_digest(world: World) -> None:
    qs_rules("410200")
    approved(world, "own", "basic", at=IN_Q4)
    approved(world, "own2", "recommended", at=IN_Q4)
    approved(world, "sibling", "basic", at=IN_Q4)
    db.session.commit()

    preview = world.call("admin", "GET", "/api/payouts/410200/2026Q4/preview")
    assert preview.status_code == 200, preview.json
    sheet = preview.json
    assert sheet["title"] == "开封市2026年第四季度达标奖补资金分配表"
    assert len(sheet["rows"]) == 3
    by_name = {r["facility_name"]: r for r in sheet["rows"]}
    assert by_name["通许县城关镇卫生院"]["rule"] == "开封市 基本标准 150,000 元，补差"
    assert by_name["兰考县城关镇卫生院"]["region_name"] == "兰考县"
    assert sheet["total_yuan"] == sum(r["amount_yuan"] for r in sheet["rows"])
    assert sum(t["amount_yuan"] for t in sheet["totals"]) == sheet["total_yuan"]
    xlsx = world.call("admin", "GET", "/api/payouts/410200/2026Q4.xlsx")
    cells = [
        str(c) for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for c in row
    ]
    for row in sheet["rows"]:
        assert row["facility_name"] in cells and row["report_number"] in cells

    county = world.call("county_reviewer", "GET", "/api/payouts/410222/2026Q4/preview")
    assert county.status_code == 200 and len(county.json["rows"]) == 2
    assert world.call("county_reviewer", "GET", "/api/payouts/410225/2026Q4/preview").status_code == 404
    assert (
        world.call(
            "finance", "POST", "/api/payouts/410200/2026Q4/record", {"digest": sheet["digest"]}
        ).status_code
        == 403
    )

    stale = world.call("admin", "POST", "/api/payouts/410200/2026Q4/record", {"digest": "0" * 64})
    assert (stale.status_code, stale.json["error"]["code"]) == (409, "payouts.sheet_changed")
    done = world.call("admin", "POST", "/api/payouts/410200/2026Q4/record", {"digest": sheet["digest"]})
    assert done.status_code == 200, done.json
    assert done.json["added"] == 3 and done.json["sheet"]["recorded"] == 3
    again = world.call(
        "admin", "POST", "/api/payouts/410200/2026Q4/record", {"digest": done.json["sheet"]["digest"]}
    )
    assert again.status_code == 200 and again.json["added"] == 0
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 3

    history = world.call("finance", "GET", "/api/payouts/records").json
    assert len(history) == 1
    [line] = history
    assert (line["region_name"], line["period_label"], line["facilities"], line["recorded_by"]) == (
        "开封市",
        "2026年第四季度",
        3,
        "admin",  # the world's users are named by their usernames
    )
    assert line["amount_yuan"] == sheet["total_yuan"]
    assert world.call("county_reviewer", "GET", "/api/payouts/records").json == []  # the city's sheet
    assert dt.date.fromisoformat(line["recorded_on"])
