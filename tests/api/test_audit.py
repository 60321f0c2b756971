"""The audit log through the API: scoped to the admin's region like every other list, each entry
placed in the region it concerns, the chain still verifying with and without regions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text

from server.db.models import (
    AuditEntry,
    AuthSession,
    Conflict,
    Evidence,
    ReviewSample,
)
from server.domain.audit import entry_hash
from server.extensions import db
from server.services import audit
from tests.api.world import World, add_user, complete_changes

IP_A = "198.51.100.17"  # a failed login in county A (通许县 410222)
IP_B = "203.0.113.99"  # a failed login in county B (兰考县 410225)
IP_OTHER_CITY = "192.0.2.200"  # a failed login in another city (中原区 410102)


def admins(world: World) -> None:
    password_hash = world.users["inspector"].password_hash
    world.users["admin_a"] = add_user("admin_a", "admin", "410222", password_hash)
    world.users["admin_b"] = add_user("admin_b", "admin", "410225", password_hash)
    world.users["admin_other_city"] = add_user("admin_other_city", "admin", "410100", password_hash)
    world.users["other_city_inspector"] = add_user(
        "other_city_inspector", "inspector", "410102", password_hash
    )
    db.session.commit()


def failed_login(world: World, username: str, ip: str) -> None:
    response = world.client.post(
        "/api/auth/login",
        json={"username": username, "password": "not-the-password"},
        environ_base={"REMOTE_ADDR": ip},
    )
    assert response.status_code == 401


def listed(world: World, who: str, limit: int = 1000) -> list[dict[str, Any]]:
    """Every entry the admin can read, page by page (`after_seq`)."""
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        response = world.call(who, "GET", f"/api/audit?after_seq={after}&limit={limit}")
        assert response.status_code == 200, response.json
        page = response.json
        assert len(page) <= limit
        found += page
        if len(page) < limit:
            return found
        after = page[-1]["seq"]


def regions_of(entries: list[dict[str, Any]]) -> dict[int, str | None]:
    seqs = [e["seq"] for e in entries]
    rows = db.session.execute(select(AuditEntry.seq, AuditEntry.region_code).where(AuditEntry.seq.in_(seqs)))
    return dict(rows.all())


def activity(world: World) -> None:
    """Work in county A, county B, another city, and an entry with no region at all."""
    failed_login(world, "inspector", IP_A)
    failed_login(world, "sibling_inspector", IP_B)
    failed_login(world, "other_city_inspector", IP_OTHER_CITY)
    own = world.inspection()
    world.sync("inspector", complete_changes(own.id))
    submit = {"action": "submit"}
    assert (
        world.call("inspector", "POST", f"/api/inspections/{own.id}/transitions", submit).status_code == 200
    )
    sibling = world.call(
        "sibling_county_reviewer",
        "POST",
        "/api/inspections",
        {
            "facility_id": world.facilities["sibling"].id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [world.users["sibling_inspector"].id],
        },
    )
    assert sibling.status_code == 201, sibling.json
    world.sync("sibling_inspector", complete_changes(sibling.json["id"]))
    audit.record("test.cli_action", actor="cli")  # no target, no actor: no region
    db.session.commit()


def test_a_county_admin_reads_only_its_county_and_a_city_admin_both_counties(world: World) -> None:
    admins(world)
    activity(world)
    for who in ("admin_a", "admin_b", "admin", "admin_other_city"):
        world.login(who)
    everything = {e.seq: e for e in db.session.scalars(select(AuditEntry))}

    county_a = listed(world, "admin_a")
    assert county_a and all(r is not None and r.startswith("410222") for r in regions_of(county_a).values())
    ips_a = {e["ip"] for e in county_a}
    assert IP_A in ips_a and IP_B not in ips_a and IP_OTHER_CITY not in ips_a
    failures_a = [e for e in county_a if e["action"] == "auth.login_failed"]
    assert [(e["actor"], e["ip"]) for e in failures_a] == [("inspector", IP_A)]
    assert {"inspection.create", "sync.apply", "inspection.submit"} <= {e["action"] for e in county_a}
    assert "test.cli_action" not in {e["action"] for e in county_a}
    assert {e["seq"] for e in county_a} == {
        seq for seq, e in everything.items() if (e.region_code or "").startswith("410222")
    }

    county_b = listed(world, "admin_b")
    ips_b = {e["ip"] for e in county_b}
    assert IP_B in ips_b and IP_A not in ips_b and IP_OTHER_CITY not in ips_b
    assert all(r is not None and r.startswith("410225") for r in regions_of(county_b).values())
    assert {e["seq"] for e in county_a}.isdisjoint(e["seq"] for e in county_b)
    assert "sibling_inspector" in {e["actor"] for e in county_b}
    assert "sibling_inspector" not in {e["actor"] for e in county_a}

    city = listed(world, "admin")
    ips_city = {e["ip"] for e in city}
    assert {IP_A, IP_B} <= ips_city and IP_OTHER_CITY not in ips_city
    assert {e["seq"] for e in county_a} | {e["seq"] for e in county_b} <= {e["seq"] for e in city}
    assert all(r is not None and r.startswith("4102") for r in regions_of(city).values())

    other_city = listed(world, "admin_other_city")
    assert IP_OTHER_CITY in {e["ip"] for e in other_city}
    assert not {IP_A, IP_B} & {e["ip"] for e in other_city}

    unplaced = [seq for seq, e in everything.items() if e.region_code is None]
    assert unplaced  # the CLI action
    shown = {e["seq"] for who in (county_a, county_b, city, other_city) for e in who}
    assert shown.isdisjoint(unplaced)

    # paging by after_seq gives the same entries, in order
    paged = listed(world, "admin", limit=3)
    assert [e["seq"] for e in paged] == sorted(e["seq"] for e in city)
    assert audit.verify()[1] == []


def test_other_roles_cannot_read_the_log(world: World) -> None:
    for who in ("county_reviewer", "city_reviewer", "inspector"):
        assert world.call(who, "GET", "/api/audit").status_code == 403


def test_each_target_is_placed_in_its_region(world: World) -> None:
    own = world.inspection()
    sibling_facility = world.facilities["sibling"]
    inspector = world.users["inspector"]
    evidence = Evidence(
        inspection_id=own.id,
        item_id="M-B01",
        object_key=f"t/{own.id}/x",
        sha256="0" * 64,
        size=1,
        content_type="image/jpeg",
        uploaded_by=inspector.id,
    )
    conflict = Conflict(
        inspection_id=own.id,
        item_id="M-B01",
        change_id="c-1",
        base_revision=0,
        current_revision=1,
        proposed={"grade": "A"},
        author_id=inspector.id,
    )
    sample = ReviewSample(
        region_code="410200",
        seed=1,
        size=1,
        population=[],
        selected=[],
        drawn_by=world.users["city_reviewer"].id,
    )
    db.session.add_all([evidence, conflict, sample])
    db.session.flush()
    session = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == world.users["county_reviewer"].id)
    ).first()
    assert session is not None
    admin = world.users["admin"]
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"target_type": "inspection", "target_id": own.id}, "410222"),
        ({"target_type": "inspection", "target_id": f"{own.id}/M-B02"}, "410222"),  # a regrade
        ({"target_type": "evidence", "target_id": evidence.id}, "410222"),
        ({"target_type": "conflict", "target_id": conflict.id}, "410222"),
        ({"target_type": "facility", "target_id": sibling_facility.id}, "410225"),
        ({"target_type": "user", "target_id": world.users["sibling_inspector"].id}, "410225"),
        ({"target_type": "session", "target_id": session.id}, "410222"),
        ({"target_type": "sample", "target_id": sample.id}, "410200"),
        ({"target_type": "region", "target_id": "410225"}, "410225"),
        ({"target_type": "payout_sheet", "target_id": "410200/2026Q4"}, "410200"),
        ({"target_type": "region", "target_id": "not-a-region"}, None),
        ({"target_type": "import", "target_id": "facilities.xlsx", "actor_id": admin.id}, "410200"),
        ({"target_type": "import", "target_id": "facilities.xlsx"}, None),
        ({"target_type": "inspection", "target_id": 999_999, "actor_id": inspector.id}, "410222"),
        ({"target_type": "inspection", "target_id": "²"}, None),
        ({"target_type": "facility", "target_id": sibling_facility.id, "region_code": "410102"}, "410102"),
        ({}, None),
    ]
    for kwargs, expected in cases:
        entry = audit.record("test.placed", actor="test", **kwargs)
        assert entry.region_code == expected, kwargs
    db.session.commit()
    assert audit.verify()[1] == []


def test_the_region_is_hashed_only_when_set_so_older_entries_still_verify(world: World) -> None:
    placed = audit.record("test.placed", actor="test", target_type="region", target_id="410222")
    unplaced = audit.record("test.unplaced", actor="test")
    db.session.commit()
    assert audit.payload_of(placed)["region_code"] == "410222"
    assert "region_code" not in audit.payload_of(unplaced)
    # an entry as it was written before the column existed: the same payload, the same hash
    legacy = {
        "seq": unplaced.seq,
        "at": unplaced.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": None,
        "actor": "test",
        "action": "test.unplaced",
        "target_type": None,
        "target_id": None,
        "ip": None,
        "before": None,
        "after": None,
    }
    assert entry_hash(unplaced.prev_hash, legacy) == unplaced.hash
    assert audit.verify()[1] == []
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    db.session.execute(
        text("UPDATE audit_log SET region_code = '410225' WHERE seq = :seq"), {"seq": placed.seq}
    )
    db.session.expire_all()
    assert audit.verify()[1] == [f"entry {placed.seq}: content does not match its hash (edited)"]
