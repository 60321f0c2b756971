"""The bureau console at city scale on PostgreSQL: 2,000 facilities and 200 users.

A synthetic city (10 counties, 100 townships) with 100 township centres and 1,900 village clinics
per the city, 200 accounts, and a year of finally approved inspections with reports for half of
the centres (so 上次评定 has something to filter). Measured through the API, median of ROUNDS:
- the facilities list (a page of 100) as the city's administrator, and filtered by kind, name,
  place and last tier;
- the users list (a page of 50) and filtered by role and name;
- a plan of 100 facilities with teams of two, created in one request, against the baseline it
  replaces: the same 100 inspections created one by one (POST /api/inspections each).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

CITY = "410200"
COUNTIES = 10
TOWNSHIPS_PER_COUNTY = 10
CLINICS_PER_TOWNSHIP = 19  # 1,900 village clinics and 100 centres: 2,000 facilities
USERS = 200
PLAN = 100
ROUNDS = 5


def _median(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    fn()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return _median(times)


def _world(db: Any, password_hash: str) -> dict[str, Any]:
    """Regions, facilities, users and a year of approved inspections, inserted with executemany."""
    from sqlalchemy import insert, select

    from server.db.models import Facility, Inspection, Region, Report, StatusChange, User

    regions = [
        {"code": "410000", "name": "河南省", "level": "province", "parent_code": None},
        {"code": CITY, "name": "开封市", "level": "city", "parent_code": "410000"},
    ]
    counties = [f"4102{n + 21:02d}" for n in range(COUNTIES)]
    townships = []
    for c, county in enumerate(counties):
        regions.append({"code": county, "name": f"第{c + 1}县", "level": "county", "parent_code": CITY})
        for t in range(TOWNSHIPS_PER_COUNTY):
            code = f"{county}{t + 100:03d}"
            townships.append(code)
            regions.append(
                {"code": code, "name": f"第{c + 1}县第{t + 1}镇", "level": "township", "parent_code": county}
            )
    db.session.execute(insert(Region), regions)
    facilities = []
    for n, township in enumerate(townships):
        facilities.append(
            {
                "name": f"第{n + 1}镇卫生院",
                "type_code": "C220",
                "region_code": township,
                "beds": 30,
                "iv_infusion": True,
                "population_served": 30_000,
                "facts": {
                    "medical_staff": 31,
                    "community_hospital": False,
                    "obstetric_ultrasound": False,
                    "county_imaging_center": False,
                },
            }
        )
        facilities += [
            {
                "name": f"第{n + 1}镇第{v + 1}村卫生室",
                "type_code": "D600",
                "region_code": township,
                "beds": 0,
                "iv_infusion": False,
                "population_served": 1_500,
                "facts": {"tcm_corner": v % 2 == 0},
            }
            for v in range(CLINICS_PER_TOWNSHIP)
        ]
    db.session.execute(insert(Facility), facilities)
    users = [
        {"username": "city_admin", "display_name": "市管理员", "role": "admin", "region_code": CITY},
    ]
    for n in range(USERS - 1):
        county = counties[n % COUNTIES]
        role = "county_reviewer" if n < COUNTIES else "inspector"
        users.append(
            {"username": f"user{n:03d}", "display_name": f"人员{n:03d}", "role": role, "region_code": county}
        )
    db.session.execute(
        insert(User),
        [{**u, "password_hash": password_hash, "active": True, "must_change_password": False} for u in users],
    )
    db.session.flush()
    admin = db.session.scalar(select(User.id).where(User.username == "city_admin"))
    centres = db.session.execute(
        select(Facility.id, Facility.region_code).where(Facility.type_code == "C220").order_by(Facility.id)
    ).all()
    approved_at = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    rows = [
        {
            "facility_id": fid,
            "region_code": region,
            "checklist_id": "qs-2023-sample",
            "checklist_version": 1,
            "kind": "county_inspection",
            "status": "approved",
            "final_tier_code": "basic" if n % 2 else "recommended",
            "final_tier_label": "基本标准" if n % 2 else "推荐标准",
            "inspection_date": approved_at.date(),
            "created_by": admin,
            "sync_seq": 0,
            "created_at": approved_at,
            "updated_at": approved_at,
        }
        for n, (fid, region) in enumerate(centres[: len(centres) // 2])
    ]
    db.session.execute(insert(Inspection), rows)
    made = db.session.execute(select(Inspection.id, Inspection.facility_id)).all()
    db.session.execute(
        insert(StatusChange),
        [
            {
                "inspection_id": i,
                "action": "approve",
                "from_status": "city_review",
                "to_status": "approved",
                "actor_id": admin,
                "created_at": approved_at,
            }
            for i, _ in made
        ],
    )
    db.session.execute(
        insert(Report),
        [
            {
                "inspection_id": i,
                "number": f"DB-{CITY}-{i:06d}",
                "code": secrets.token_urlsafe(12),
                "snapshot_sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                "fingerprint": "0" * 64,
                "snapshot_key": f"reports/{i}.json",
                "pdf_key": f"reports/{i}.pdf",
                "pdf_sha256": "0" * 64,
                "pdf_size": 1,
                "facility_name": "-",
                "tier_label": "基本标准" if n % 2 else "推荐标准",
                "tier_code": "basic" if n % 2 else "recommended",
                "created_at": approved_at,
            }
            for n, (i, _) in enumerate(made)
        ],
    )
    return {"counties": counties, "facilities": len(facilities), "users": len(users), "approved": len(made)}


def run() -> list[str]:
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from bench.sync import settings
    from server import create_app
    from server.db.models import Facility, User
    from server.extensions import db
    from server.services import auth, checklists
    from server.settings import PROJECT_ROOT
    from tests.harness.services import PostgresServer

    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
        tmp = Path(name)
        postgres = PostgresServer(tmp / "pg")
        try:
            env = postgres.start()
            if not env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            app = create_app(settings(tmp, env["DABIAO_TEST_PG_URL"], "s" * 48))
            password = secrets.token_urlsafe(12)
            with app.app_context():
                upgrade()
                checklists.sync_published(PROJECT_ROOT / "checklists")
                started = time.perf_counter()
                made = _world(db, auth.hash_password(password))
                db.session.commit()
                db.session.execute(text("ANALYZE"))
                db.session.commit()
                loaded = time.perf_counter() - started
                centres = list(
                    db.session.scalars(
                        select(Facility.id).where(Facility.type_code == "C220").order_by(Facility.id)
                    )
                )
                clinics = list(
                    db.session.scalars(
                        select(Facility.id).where(Facility.type_code == "D600").order_by(Facility.id)
                    )
                )
                inspectors = list(
                    db.session.execute(
                        select(User.id, User.region_code).where(User.role == "inspector").order_by(User.id)
                    )
                )
                by_county: dict[str, list[int]] = {}
                for uid, region in inspectors:
                    by_county.setdefault(region, []).append(uid)
                placed = select(Facility.id, Facility.region_code).where(Facility.id.in_(clinics))
                region_of = {fid: region for fid, region in db.session.execute(placed)}

            client = app.test_client()
            token = client.post(
                "/api/auth/login", json={"username": "city_admin", "password": password}
            ).json["token"]
            headers = {"Authorization": f"Bearer {token}"}

            def get(url: str) -> Any:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.json)
                return response.json

            lines = [
                f"PostgreSQL, a city of {made['facilities']:,} facilities, {made['users']} users and "
                f"{made['approved']} approved inspections, inserted in {loaded:.1f} s; median of {ROUNDS}, "
                "as the city's administrator"
            ]
            county = made["counties"][0]
            for label, url in (
                ("facilities, first page of 100", "/api/facilities?limit=100"),
                ("facilities, page 10 (keyset)", None),
                ("facilities, kind 乡卫生院", "/api/facilities?limit=100&type_code=C220"),
                ("facilities, name contains 第5镇", "/api/facilities?limit=100&q=%E7%AC%AC5%E9%95%87"),
                ("facilities, one county", f"/api/facilities?limit=100&region_code={county}"),
                ("facilities, last tier 基本标准", "/api/facilities?limit=100&last_tier=basic"),
                ("facilities, last tier 未评", "/api/facilities?limit=100&last_tier=unrated"),
                ("users, first page of 50", "/api/users?limit=50"),
                ("users, role 检查员", "/api/users?limit=50&role=inspector"),
                ("users, name contains 人员01", "/api/users?limit=50&q=%E4%BA%BA%E5%91%9801"),
            ):
                if url is None:
                    cursor = None
                    for _ in range(9):
                        page = get("/api/facilities?limit=100" + (f"&after={cursor}" if cursor else ""))
                        cursor = page["next"]
                    url = f"/api/facilities?limit=100&after={cursor}"
                count = len(get(url)["items"])
                lines.append(f"GET {label}: {_timed(lambda u=url: get(u)):.1f} ms ({count} rows)")

            # --- a plan of 100 facilities, against 100 single creations -----------------------------
            def entries(ids: list[int]) -> list[dict[str, Any]]:
                rows = []
                for fid in ids:
                    team = by_county[region_of[fid][:6]][:2]
                    rows.append({"facility_id": fid, "inspector_ids": team, "inspection_date": "2027-03-10"})
                return rows

            plan_times, single_times = [], []
            for r in range(ROUNDS + 1):
                chunk = clinics[r * PLAN * 2 : r * PLAN * 2 + PLAN]
                body = {
                    "request_id": str(uuid.uuid4()),
                    "name": f"基准计划{r}",
                    "region_code": CITY,
                    "starts_on": "2027-03-01",
                    "ends_on": "2027-03-31",
                    "checklist_id": "vc-2022-sample",
                    "checklist_version": 1,
                    "kind": "county_inspection",
                    "entries": entries(chunk),
                }
                started = time.perf_counter()
                response = client.post("/api/plans", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 201, response.json
                assert len(response.json["entries"]) == PLAN
                if r:
                    plan_times.append(elapsed)
                singles = clinics[r * PLAN * 2 + PLAN : (r + 1) * PLAN * 2]
                started = time.perf_counter()
                for entry in entries(singles):
                    one = client.post(
                        "/api/inspections",
                        json={
                            "facility_id": entry["facility_id"],
                            "checklist_id": "vc-2022-sample",
                            "checklist_version": 1,
                            "kind": "county_inspection",
                            "inspection_date": entry["inspection_date"],
                            "inspector_ids": entry["inspector_ids"],
                        },
                        headers=headers,
                    )
                    assert one.status_code == 201, one.json
                if r:
                    single_times.append(time.perf_counter() - started)
            plan_ms, single_ms = _median(plan_times), _median(single_times)
            lines.append(
                f"POST /api/plans, {PLAN} village clinics with teams of two: {plan_ms:.0f} ms "
                f"(one transaction, one audit entry)"
            )
            lines.append(
                f"baseline, the same {PLAN} inspections by POST /api/inspections one at a time: "
                f"{single_ms:.0f} ms ({single_ms / plan_ms:.1f}x the plan)"
            )
            plan_id = client.get("/api/plans?limit=1", headers=headers).json["items"][0]["id"]
            detail_ms = _timed(lambda: get(f"/api/plans/{plan_id}"))
            lines.append(f"GET /api/plans/{{id}} of {PLAN} facilities: {detail_ms:.1f} ms")
            lines.append(
                f"GET /api/plans (the list, with progress counts): {_timed(lambda: get('/api/plans')):.1f} ms"
            )
            assert centres  # the centres carry the last-tier data the filters read
            return lines
        finally:
            postgres.stop()
