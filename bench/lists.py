"""Lists at province size on PostgreSQL: the region tree and a deep page of facilities.

A synthetic province (1 province, 18 cities, 160 counties, 2,500 townships, 50,000 villages) and
52,000 facilities are inserted with executemany. Measured through the API as a province
administrator:
- GET /api/regions: before, every region of the province in one answer (the old handler's query
  and dump, replayed here); now one level of the tree at a time;
- a facilities page 40,000 rows deep: LIMIT/OFFSET (the old paging) against the keyset cursor,
  as SQL and through GET /api/facilities.
"""

from __future__ import annotations

import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CITIES = 18
COUNTIES = 160
TOWNSHIPS = 2500
VILLAGES = 50_000
FACILITIES = 52_000
DEPTH = 40_000  # rows before the deep page
PAGE = 200
ROUNDS = 7


def _tree() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"code": "410000", "name": "河南省", "level": "province", "parent_code": None}
    ]
    cities = [f"41{n + 1:02d}00" for n in range(CITIES)]
    rows += [
        {"code": c, "name": f"第{n + 1}市", "level": "city", "parent_code": "410000"}
        for n, c in enumerate(cities)
    ]
    counties = [f"{cities[n % CITIES][:4]}{n // CITIES + 1:02d}" for n in range(COUNTIES)]
    rows += [
        {"code": c, "name": f"第{n + 1}县", "level": "county", "parent_code": c[:4] + "00"}
        for n, c in enumerate(counties)
    ]
    townships = [f"{counties[n % COUNTIES]}{n // COUNTIES + 1:03d}" for n in range(TOWNSHIPS)]
    rows += [
        {"code": t, "name": f"第{n + 1}乡镇", "level": "township", "parent_code": t[:6]}
        for n, t in enumerate(townships)
    ]
    rows += [
        {
            "code": f"{townships[n % TOWNSHIPS]}{n // TOWNSHIPS + 201:03d}",
            "name": f"第{n + 1}村",
            "level": "village",
            "parent_code": townships[n % TOWNSHIPS],
        }
        for n in range(VILLAGES)
    ]
    return rows


def _scans(plan: Any) -> str:
    """The scans of an EXPLAIN, without their costs."""
    lines = [str(line).strip().removeprefix("->").strip() for line in plan]
    return "; ".join(line.split("  (cost")[0] for line in lines if "Scan" in line or "Sort" in line)


def _median_ms(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    fn()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run() -> list[str]:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from bench.sync import settings
    from server import create_app
    from server.api import schemas as s
    from server.db.models import Facility, Region, User
    from server.extensions import db
    from server.services import auth
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
                started = time.perf_counter()
                tree = _tree()
                db.session.execute(insert(Region), tree)
                places = [r["code"] for r in tree if r["level"] in ("township", "village")]
                db.session.execute(
                    insert(Facility),
                    [
                        {
                            "name": f"机构{n}",
                            "type_code": "D600" if len(places[n % len(places)]) == 12 else "C220",
                            "region_code": places[n % len(places)],
                            "beds": 0,
                            "iv_infusion": False,
                            "facts": {},
                        }
                        for n in range(FACILITIES)
                    ],
                )
                db.session.add(
                    User(
                        username="province",
                        display_name="省管理员",
                        password_hash=auth.hash_password(password),
                        role="admin",
                        region_code="410000",
                    )
                )
                db.session.commit()
                db.session.execute(text("ANALYZE"))
                db.session.commit()
                loaded = time.perf_counter() - started

            client = app.test_client()
            token = client.post("/api/auth/login", json={"username": "province", "password": password}).json[
                "token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            lines = [
                f"PostgreSQL, {len(tree):,} regions and {FACILITIES:,} facilities inserted in "
                f"{loaded:.1f} s; median of {ROUNDS}, as a province administrator"
            ]

            def get(url: str) -> Any:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.json)
                return response

            # --- regions: the old answer (every region of the province), replayed -----------------
            def old_regions() -> bytes:
                with app.test_request_context():
                    inside = Region.code.startswith("41", autoescape=True)
                    stmt = select(Region).where(inside).order_by(Region.code)
                    rows = list(db.session.scalars(stmt))
                    dumped = s.RegionOut(many=True, only=("code", "name", "level", "parent_code")).dump(rows)
                    body = app.json.response(dumped).get_data()
                    db.session.remove()
                    return body

            old_size = len(old_regions())
            lines.append(
                f"GET /api/regions before (all {len(tree):,} regions at once): "
                f"{_median_ms(old_regions):.0f} ms, {old_size / 1e6:.1f} MB"
            )
            top = get("/api/regions").json
            city = top["items"][0]["code"]
            county = get(f"/api/regions?parent={city}").json["items"][0]["code"]
            township = get(f"/api/regions?parent={county}").json["items"][0]["code"]
            for label, url in (
                ("now, own region + cities", "/api/regions"),
                (f"now, ?parent= a city ({city})", f"/api/regions?parent={city}"),
                (f"now, ?parent= a county ({county})", f"/api/regions?parent={county}"),
                (f"now, ?parent= a township ({township})", f"/api/regions?parent={township}"),
            ):
                body = get(url)
                size = len(body.get_data())
                count = len(body.json["items"])
                lines.append(
                    f"GET /api/regions {label}: {_median_ms(lambda u=url: get(u)):.1f} ms, "
                    f"{size / 1e3:.1f} kB, {count} subregions"
                )

            # --- a facilities page 40,000 rows deep ------------------------------------------------
            with app.app_context():
                scoped = "FROM facilities WHERE region_code LIKE '41%'"
                order = "ORDER BY region_code, id"
                offset_sql = text(f"SELECT * {scoped} {order} LIMIT {PAGE} OFFSET {DEPTH}")
                last_before = f"SELECT region_code, id {scoped} {order} LIMIT 1 OFFSET {DEPTH - 1}"
                before = db.session.execute(text(last_before)).one()
                after_it = "AND (region_code, id) > (:rc, :id)"
                keyset_sql = text(f"SELECT * {scoped} {after_it} {order} LIMIT {PAGE}")
                params = {"rc": before.region_code, "id": before.id}
                same = [r.id for r in db.session.execute(offset_sql)] == [
                    r.id for r in db.session.execute(keyset_sql, params)
                ]
                offset_ms = _median_ms(lambda: db.session.execute(offset_sql).all())
                keyset_ms = _median_ms(lambda: db.session.execute(keyset_sql, params).all())
                plan = db.session.execute(text(f"EXPLAIN {keyset_sql.text}"), params).scalars().all()
            lines.append(
                f"facilities page at row {DEPTH:,} (SQL, {PAGE} rows): OFFSET {offset_ms:.1f} ms, "
                f"keyset {keyset_ms:.1f} ms (same rows: {same}); keyset plan: {_scans(plan)}"
            )
            first_ms = _median_ms(lambda: get(f"/api/facilities?limit={PAGE}"))
            cursor = f"{before.region_code}.{before.id}"
            deep_ms = _median_ms(lambda: get(f"/api/facilities?limit={PAGE}&after={cursor}"))
            deep = get(f"/api/facilities?limit={PAGE}&after={cursor}").json
            lines.append(
                f"GET /api/facilities?limit={PAGE}: first page {first_ms:.1f} ms, page at row {DEPTH:,} "
                f"(after={cursor}) {deep_ms:.1f} ms, {len(deep['items'])} rows, "
                f"next={json.dumps(deep['next'])}"
            )
            return lines
        finally:
            postgres.stop()
