"""The results dashboard (issue 16) at city and province scale on PostgreSQL.

    python -m bench dashboard                                   # the city, then the province
    DABIAO_BENCH_DASHBOARD_SIZES=city python -m bench dashboard  # one size (city, province, 0.2 ...)

Sizes: the city is 100 township centres and 1,900 village clinics (2,000 facilities, 10 counties)
with one campaign year (2026) of inspections; the province is scale.py's (2,000 centres, 50,000
village clinics, 18 cities, 162 counties) with two (2025 and 2026), about 4.9 million answer rows.
A year: a county inspection of every facility, planned per county (a plan for the centres, one for
the clinics), 90 % of them finally approved in 2026 (the rest not started, under way, submitted, in
review or returned), all in 2025; a city re-inspection of 15 % (approved, later in the year: the
result that stands) and a self-assessment of 20 % (approved too: never counted). One answer per
item; each item not met at its own rate between 2 % and 16 %, only items that apply to every
facility and carry no document date, and every document in force, so that an item's grade is its
scored outcome. Loaded with COPY (scale.py's Copier) into a database migrated to the revision
before the dashboard's; migrating to head then fills the summary tables, timed: what the upgrade
costs a province.

Measured as each size's top administrator through the API (median of ROUNDS after a warm-up): the
dashboard of the whole region for the centres' family and for the village clinics', and three lists
behind its numbers (未评, the facilities at 推荐 or higher, and those that did not meet the most
frequent item). The baseline, in the same run and on the same database: the same figures by plain
queries over inspections and answers (each facility's latest approved result per year found with
a window function; the items from answers graded not met), without the summary tables, timed the
same way; its figures are checked equal to the API's. The plain queries cannot apply document
dates or facility facts (only the scoring engine can), which is why the data keep grade = outcome.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.scale import CENTRE_CHECKLIST, CLINIC_CHECKLIST, Copier, drop_constraints

ROUNDS = 5
PASSWORD = "bench-dashboard-password"  # noqa: S105 - a throwaway database on loopback
SECRET = "dashboard-" + "s" * 40
YEAR = 2026
REINSPECTED = 0.15
SELF_ASSESSED = 0.20
APPROVED = 0.90
CITY_TARGET_S, PROVINCE_TARGET_S = 1.0, 2.0
TIER_SHARES = {  # family -> (tier, share of final results), lowest first
    "quality_service": (
        ("none", 15),
        ("qualified", 5),
        ("basic", 45),
        ("recommended", 30),
        ("community_hospital", 5),
    ),
    "village_clinic": (("none", 15), ("basic", 60), ("recommended", 25)),
}
FAMILY_OF = {CENTRE_CHECKLIST: "quality_service", CLINIC_CHECKLIST: "village_clinic"}


@dataclass(frozen=True)
class Size:
    name: str
    region: str  # the region measured: the city, or the province
    cities: int
    counties_per_city: int
    centres: int
    clinics: int
    years: tuple[int, ...]

    @property
    def facilities(self) -> int:
        return self.centres + self.clinics

    @property
    def target_s(self) -> float:
        return CITY_TARGET_S if self.cities == 1 else PROVINCE_TARGET_S


def size_of(text: str) -> Size:
    if text == "city":
        return Size("city", "410100", 1, 10, 100, 1900, (YEAR,))
    fraction = 1.0 if text == "province" else float(text)
    cities = max(2, round(18 * fraction))
    return Size(text, "410000", cities, 9, round(2000 * fraction), round(50000 * fraction), (YEAR - 1, YEAR))


# --- the dataset -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    levels: tuple[str, ...]
    rate: int  # per thousand answers not met; 0: never (it has a condition, a document or is monitored)
    document: str | None  # the answer field its document date goes in


def items_of() -> dict[tuple[str, int], list[Item]]:
    import json

    from server.domain.checklist import parse_checklist
    from server.settings import PROJECT_ROOT

    found = {}
    for path, key in (
        ("quality_service/2023-sample/v2.json", CENTRE_CHECKLIST),
        ("village_clinic/2022-sample/v1.json", CLINIC_CHECKLIST),
    ):
        checklist = parse_checklist(json.loads((PROJECT_ROOT / "checklists" / path).read_text()))
        rows = []
        for item in checklist.items():
            plain = item.applies_if is None and not item.monitoring and item.validity is None
            rate = 20 + zlib.crc32(item.id.encode()) % 141 if plain else 0  # 2 % to 16 %
            document = item.validity.date_field if item.validity is not None else None
            rows.append(Item(item.id, tuple(level.code for level in item.levels), rate, document))
        found[key] = rows
    return found


def _mix(*values: int) -> int:
    """A well-spread number in [0, 1000) from integers (the same every run)."""
    return zlib.crc32(":".join(map(str, values)).encode()) % 1000


def _tier(family: str, n: int) -> str:
    spot = _mix(n, 7) % 100
    for tier, share in TIER_SHARES[family]:
        if spot < share:
            return tier
        spot -= share
    return TIER_SHARES[family][-1][0]


@dataclass
class Loaded:
    counts: dict[str, int]
    seconds: float


def generate(url: str, size: Size, log: Callable[[str], None]) -> Loaded:
    """The dataset into the migrated, empty database at `url`, with COPY."""
    import psycopg

    clock = time.perf_counter()
    items = items_of()
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    counts: dict[str, int] = {}
    created = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    with psycopg.connect(conninfo, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '256MB'")
        restore = drop_constraints(cur)
        conn.commit()

        regions = Copier(conninfo, "regions", ("code", "name", "level", "parent_code"))
        regions.add("410000", "河南省", "province", None)
        cities = [f"41{c + 1:02d}00" for c in range(size.cities)]
        counties: list[str] = []
        for c, city in enumerate(cities):
            regions.add(city, f"基准{c + 1}市", "city", "410000")
            for k in range(size.counties_per_city):
                county = f"{city[:4]}{k + 21:02d}"
                regions.add(county, f"基准{c + 1}市{k + 1}县", "county", city)
                counties.append(county)
        townships: list[str] = []
        for t in range(size.centres):
            county = counties[t % len(counties)]
            township = f"{county}{100 + t // len(counties):03d}"
            regions.add(township, f"{township}乡", "township", county)
            townships.append(township)
        villages: list[str] = []
        for v in range(size.clinics):
            township = townships[v % len(townships)]
            village = f"{township}{200 + v // len(townships):03d}"
            regions.add(village, f"{village}村", "village", township)
            villages.append(village)
        counts["regions"] = regions.close()

        facilities = Copier(
            conninfo,
            "facilities",
            (
                "id",
                "name",
                "type_code",
                "region_code",
                "beds",
                "iv_infusion",
                "population_served",
                "facts",
                "created_at",
            ),
        )
        places: list[tuple[int, str, tuple[str, int]]] = []
        centre_facts = {"medical_staff": 31, "community_hospital": False}
        for t, township in enumerate(townships):
            facilities.add(
                t + 1, f"{township}中心卫生院", "C210", township, 40, True, 30000, centre_facts, created
            )
            places.append((t + 1, township, CENTRE_CHECKLIST))
        for v, village in enumerate(villages):
            fid = size.centres + v + 1
            facts = {"tcm_corner": v % 2 == 0}
            facilities.add(fid, f"{village}村卫生室", "D600", village, 0, False, 1500, facts, created)
            places.append((fid, village, CLINIC_CHECKLIST))
        counts["facilities"] = facilities.close()

        from server.services.auth import hash_password

        users = Copier(
            conninfo,
            "users",
            (
                "id",
                "username",
                "display_name",
                "password_hash",
                "role",
                "region_code",
                "active",
                "must_change_password",
                "created_at",
            ),
        )
        users.add(
            1, "bench-admin", "管理员", hash_password(PASSWORD), "admin", size.region, True, False, created
        )
        counts["users"] = users.close()

        # a plan per county and checklist for the county's visits, per city for its re-inspections
        plans = Copier(
            conninfo,
            "plans",
            (
                "id",
                "request_id",
                "name",
                "region_code",
                "starts_on",
                "ends_on",
                "checklist_id",
                "checklist_version",
                "kind",
                "requires_self_assessment",
                "status",
                "size",
                "created_by",
                "created_at",
            ),
        )
        plan_of: dict[tuple[int, str, tuple[str, int], str], int] = {}
        for year in size.years:
            for kind, owners in (("county_inspection", counties), ("city_reinspection", cities)):
                for owner in owners:
                    for checklist in (CENTRE_CHECKLIST, CLINIC_CHECKLIST):
                        plan_id = plans.rows + 1
                        plan_of[(year, owner, checklist, kind)] = plan_id
                        plans.add(
                            plan_id,
                            f"bench-{plan_id:08d}",
                            f"{year}年{owner}评审计划{plan_id}",
                            owner,
                            dt.date(year, 1, 1),
                            dt.date(year, 12, 31),
                            checklist[0],
                            checklist[1],
                            kind,
                            False,
                            "active",
                            0,
                            1,
                            created,
                        )
        counts["plans"] = plans.close()

        ins = Copier(
            conninfo,
            "inspections",
            (
                "id",
                "facility_id",
                "region_code",
                "checklist_id",
                "checklist_version",
                "kind",
                "status",
                "inspection_date",
                "created_by",
                "plan_id",
                "final_tier_code",
                "final_tier_label",
                "sync_seq",
                "created_at",
                "updated_at",
            ),
        )
        answers = Copier(
            conninfo,
            "answers",
            (
                "inspection_id",
                "item_id",
                "revision",
                "grade",
                "document_date",
                "valid_until",
                "author_id",
                "source",
                "updated_at",
            ),
        )
        reports = Copier(
            conninfo,
            "reports",
            (
                "id",
                "inspection_id",
                "number",
                "code",
                "snapshot_sha256",
                "fingerprint",
                "snapshot_key",
                "pdf_key",
                "pdf_sha256",
                "pdf_size",
                "facility_name",
                "tier_label",
                "tier_code",
                "created_at",
            ),
        )
        labels = _tier_labels()
        unfinished = ("draft", "draft_started", "submitted", "county_review", "returned")
        inspection_id = 0
        last_log = time.perf_counter()
        for year in size.years:
            for n, (facility_id, region, checklist) in enumerate(places):
                family = FAMILY_OF[checklist]
                day = dt.date(year, 1, 5) + dt.timedelta(days=(facility_id * 7) % 240)
                visits = [("county_inspection", day)]
                if _mix(facility_id, year, 1) < REINSPECTED * 1000:
                    visits.append(("city_reinspection", day + dt.timedelta(days=60)))
                if year == YEAR and _mix(facility_id, 2) < SELF_ASSESSED * 1000:
                    visits.append(("self_assessment", day - dt.timedelta(days=3)))
                for kind, when in visits:
                    inspection_id += 1
                    status = "approved"
                    if (
                        kind == "county_inspection"
                        and year == YEAR
                        and _mix(facility_id, 3) >= APPROVED * 1000
                    ):
                        status = unfinished[_mix(facility_id, 4) % len(unfinished)]
                    tier = _tier(family, inspection_id) if status == "approved" else None
                    owner = region[:6] if kind == "county_inspection" else region[:4] + "00"
                    plan_id = (
                        plan_of.get((year, owner, checklist, kind)) if kind != "self_assessment" else None
                    )
                    stamp = dt.datetime(when.year, when.month, when.day, 2, tzinfo=dt.UTC)
                    ins.add(
                        inspection_id,
                        facility_id,
                        region,
                        checklist[0],
                        checklist[1],
                        kind,
                        "draft" if status == "draft_started" else status,
                        when,
                        1,
                        plan_id,
                        tier,
                        labels[family][tier] if tier else None,
                        0,
                        stamp,
                        stamp,
                    )
                    if status == "draft":
                        continue  # not started: no answers yet
                    answered = items[checklist]
                    if status == "draft_started":
                        answered = answered[: len(answered) // 3]
                    stamp_s = stamp.isoformat()
                    for i, item in enumerate(answered):
                        if item.rate and _mix(inspection_id, i) < item.rate:
                            grade = "not_met"
                        else:
                            grade = item.levels[(inspection_id + i) % len(item.levels)]
                        document_date = valid_until = "\\N"
                        if item.document == "document_date":
                            document_date = (when - dt.timedelta(days=30)).isoformat()
                        elif item.document == "valid_until":
                            valid_until = (when + dt.timedelta(days=730)).isoformat()
                        answers.line(
                            f"{inspection_id}\t{item.id}\t1\t{grade}\t{document_date}\t{valid_until}\t1\t"
                            f"inspector\t{stamp_s}\n"
                        )
                    if tier is not None and kind != "self_assessment":
                        reports.add(
                            reports.rows + 1,
                            inspection_id,
                            f"DB-{region[:6]}-{inspection_id:07d}",
                            f"r{inspection_id:010d}",
                            "0" * 64,
                            "0" * 64,
                            "-",
                            "-",
                            "0" * 64,
                            1,
                            f"{region}卫生机构",
                            labels[family][tier],
                            tier,
                            stamp,
                        )
                if time.perf_counter() - last_log > 30:
                    last_log = time.perf_counter()
                    log(
                        f"  {year}: {n + 1:,} of {len(places):,} facilities written "
                        f"({time.perf_counter() - clock:.0f} s)"
                    )
        counts["inspections"] = ins.close()
        counts["answers"] = answers.close()
        counts["reports"] = reports.close()
        log(f"  rows written in {time.perf_counter() - clock:.0f} s; indexes and constraints being rebuilt")
        for statement in restore:
            cur.execute(statement)
        for table in ("facilities", "users", "inspections", "reports", "plans"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our names
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return Loaded(counts, time.perf_counter() - clock)


def _tier_labels() -> dict[str, dict[str, str]]:
    import json

    from server.settings import PROJECT_ROOT

    found: dict[str, dict[str, str]] = {}
    for path in ("quality_service/2023-sample/v2.json", "village_clinic/2022-sample/v1.json"):
        definition = json.loads((PROJECT_ROOT / "checklists" / path).read_text())
        found[definition["family"]] = {
            "none": "未达标",
            **{t["code"]: t["label"] for t in definition["tiers"]},
        }
    return found


# --- the baseline: plain queries over inspections and answers ------------------------------------------

BASE_RESULTS = """
SELECT facility_id, id, region_code, checklist_id, final_tier_code,
       extract(year FROM inspection_date)::int AS year
FROM (
    SELECT i.*, row_number() OVER (
        PARTITION BY i.facility_id, extract(year FROM i.inspection_date)
        ORDER BY i.inspection_date DESC, i.id DESC) AS n
    FROM inspections i
    WHERE i.status = 'approved' AND i.kind IN ('county_inspection', 'city_reinspection')
      AND i.final_tier_code IS NOT NULL AND i.checklist_id = ANY(%(checklists)s)
      AND i.inspection_date BETWEEN make_date(%(year)s - 1, 1, 1) AND make_date(%(year)s, 12, 31)
      AND i.region_code LIKE %(prefix)s
) ranked WHERE n = 1
"""


def baseline(
    cur: Any, prefix: str, length: int, checklists: list[str], types: list[str], year: int
) -> dict[str, Any]:
    """The dashboard's figures by plain queries: facilities, standing results by tier and the plan's
    visits per sub-region and year, and the items most often not met with their counts the year
    before."""
    params = {
        "prefix": prefix + "%",
        "checklists": checklists,
        "types": types,
        "year": year,
        "length": length,
    }
    cur.execute(
        "SELECT substr(region_code, 1, %(length)s), count(*) FROM facilities "
        "WHERE region_code LIKE %(prefix)s AND type_code = ANY(%(types)s) GROUP BY 1",
        params,
    )
    facilities = dict(cur.fetchall())
    cur.execute(
        f"SELECT year, substr(region_code, 1, %(length)s), final_tier_code, count(*) FROM ({BASE_RESULTS}) r "  # noqa: S608
        "GROUP BY 1, 2, 3",
        params,
    )
    tiers = {(y, k, t): n for y, k, t, n in cur.fetchall()}
    cur.execute(
        "SELECT extract(year FROM inspection_date)::int, substr(region_code, 1, %(length)s), status, "
        "CASE WHEN status = 'draft' THEN EXISTS (SELECT 1 FROM answers a WHERE a.inspection_id = i.id) "
        "OR EXISTS (SELECT 1 FROM evidence e WHERE e.inspection_id = i.id) ELSE false END, count(*) "
        "FROM inspections i WHERE plan_id IS NOT NULL AND kind IN ('county_inspection', 'city_reinspection') "
        "AND checklist_id = ANY(%(checklists)s) AND region_code LIKE %(prefix)s "
        "AND inspection_date BETWEEN make_date(%(year)s - 1, 1, 1) AND make_date(%(year)s, 12, 31) "
        "GROUP BY 1, 2, 3, 4",
        params,
    )
    visits = {(y, k, s, b): n for y, k, s, b, n in cur.fetchall()}
    cur.execute(
        f"SELECT r.year, r.checklist_id, a.item_id, count(*) FROM ({BASE_RESULTS}) r "  # noqa: S608
        "JOIN answers a ON a.inspection_id = r.id WHERE a.grade = 'not_met' GROUP BY 1, 2, 3",
        params,
    )
    by_year: dict[int, dict[tuple[str, str], int]] = {}
    for y, checklist, item, n in cur.fetchall():
        by_year.setdefault(y, {})[(checklist, item)] = n
    now = sorted(by_year.get(year, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    items = [(c, i, n, by_year.get(year - 1, {}).get((c, i), 0)) for (c, i), n in now]
    return {"facilities": facilities, "tiers": tiers, "visits": visits, "items": items}


def baseline_item_list(
    cur: Any, prefix: str, checklists: list[str], year: int, item: tuple[str, str]
) -> list[int]:
    """The first page of facilities whose standing result did not meet the item, by plain queries."""
    cur.execute(
        f"SELECT r.facility_id FROM ({BASE_RESULTS}) r JOIN answers a ON a.inspection_id = r.id "  # noqa: S608
        "WHERE r.year = %(year)s AND a.item_id = %(item)s AND a.grade = 'not_met' "
        "AND r.checklist_id = %(checklist)s "
        "ORDER BY r.region_code, r.facility_id LIMIT 50",
        {
            "prefix": prefix + "%",
            "checklists": checklists,
            "year": year,
            "item": item[1],
            "checklist": item[0],
        },
    )
    return [row[0] for row in cur.fetchall()]


def _check_equal(api: dict[str, Any], base: dict[str, Any], year: int) -> str:
    """Whether the API's totals and items are the baseline's; the differences otherwise."""
    problems = []
    total = api["total"]
    for y, tiers in ((year, total["tiers"]), (year - 1, total["previous"]["tiers"])):
        counted = {}
        for (ty, _, tier), n in base["tiers"].items():
            if ty == y:
                counted[tier] = counted.get(tier, 0) + n
        mine = {t: n for t, n in tiers.items() if n and t != "unrated"}
        if mine != counted:
            problems.append(f"tiers {y}: {mine} != {counted}")
    facilities = sum(base["facilities"].values())
    if total["facilities"] != facilities:
        problems.append(f"facilities {total['facilities']} != {facilities}")
    planned = sum(n for (y, _, s, _), n in base["visits"].items() if y == year and s != "cancelled")
    if total["plan"]["planned"] != planned:
        problems.append(f"planned {total['plan']['planned']} != {planned}")
    mine_items = [(i["checklist_id"], i["item_id"], i["count"], i["previous_count"]) for i in api["items"]]
    if mine_items != base["items"]:
        problems.append(f"items {mine_items[:3]} != {base['items'][:3]}")
    return "equal" if not problems else "DIFFERENT: " + "; ".join(problems)


# --- running -----------------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], object]) -> float:
    fn()  # warm
    times = []
    for _ in range(ROUNDS):
        clock = time.perf_counter()
        fn()
        times.append(time.perf_counter() - clock)
    return statistics.median(times) * 1000


def _verdict(ms: float, target_s: float) -> str:
    return f"target < {target_s:.0f} s: {'met' if ms < target_s * 1000 else 'NOT met'}"


def run_size(server_url: str, base: Path, size: Size, log: Callable[[str], None]) -> list[str]:
    import psycopg
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.sync import settings
    from server import create_app
    from server.domain import dashboard as domain
    from server.domain import regions
    from server.extensions import db
    from server.services import checklists
    from server.settings import PROJECT_ROOT

    database = f"dashboard_{size.name.replace('.', '_')}"
    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    url = server_url.rsplit("/", 1)[0] + f"/{database}"
    tmp = base / database
    tmp.mkdir()
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    dashboard_revision = next(r for r in script.walk_revisions() if r.path.endswith("_dashboard.py"))
    before = dashboard_revision.down_revision  # the database the data are loaded into
    app = create_app(settings(tmp, url, SECRET))
    with app.app_context():
        upgrade(revision=str(before))
        checklists.sync_published(PROJECT_ROOT / "checklists")
        db.session.commit()
        db.engine.dispose()
    log(f"{size.name}: generating {size.facilities:,} facilities ...")
    loaded = generate(url, size, log)
    counts = loaded.counts
    log(
        f"{size.name}: generated with COPY in {loaded.seconds:.0f} s: {counts['facilities']:,} facilities, "
        f"{counts['inspections']:,} inspections, {counts['answers']:,} answers, "
        f"{counts['reports']:,} reports, {counts['plans']:,} plans"
    )
    with app.app_context():
        clock = time.perf_counter()
        upgrade()
        filled = time.perf_counter() - clock
        results = db.session.scalar(text("SELECT count(*) FROM dashboard_results"))
        not_met = db.session.scalar(text("SELECT count(*) FROM dashboard_not_met"))
        db.session.commit()
        db.engine.dispose()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("ANALYZE")
    lines = [
        f"{size.name}: {counts['facilities']:,} facilities, {counts['inspections']:,} inspections, "
        f"{counts['answers']:,} answer rows (COPY {loaded.seconds:.0f} s); migration {before} -> head filled "
        f"{results:,} final results and {not_met:,} items not met in {filled:.0f} s"
    ]
    log(lines[-1])

    client = app.test_client()
    token = client.post("/api/auth/login", json={"username": "bench-admin", "password": PASSWORD}).json[
        "token"
    ]
    headers = {"Authorization": f"Bearer {token}"}

    def get(url: str) -> Any:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.json)
        return response.json

    children = [c for c in _children(url, size.region)]
    length = domain.child_prefix_length(children) or 0
    prefix = regions.scope_prefix(size.region)
    with app.app_context(), psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        cur = conn.cursor()
        for family, checklist, types in (
            ("quality_service", CENTRE_CHECKLIST, ["C210"]),
            ("village_clinic", CLINIC_CHECKLIST, ["D600"]),
        ):
            page = f"/api/dashboard?region_code={size.region}&year={YEAR}&family={family}"
            body = get(page)
            api_ms = _median_ms(lambda p=page: get(p))
            base = baseline(cur, prefix, length, [checklist[0]], types, YEAR)
            base_ms = _median_ms(lambda c=checklist, t=types: baseline(cur, prefix, length, [c[0]], t, YEAR))
            rows = len(body["rows"])
            lines.append(
                f"{size.name} {family}: GET /api/dashboard ({rows} sub-regions, "
                f"{body['total']['facilities']:,} facilities): {api_ms:.0f} ms, "
                f"{_verdict(api_ms, size.target_s)}; baseline by plain queries "
                f"{base_ms:.0f} ms ({base_ms / api_ms:.1f}x); figures {_check_equal(body, base, YEAR)}"
            )
            log(lines[-1])
            top = body["items"][0]
            item = (top["checklist_id"], top["item_id"])
            lists = (
                ("未评", f"tier={domain.UNRATED}"),
                ("推荐标准及以上", "reached=recommended"),
                (f"item {top['number']} not met", f"checklist_id={item[0]}&item_id={item[1]}"),
            )
            for label, query in lists:
                listing = (
                    f"/api/dashboard/facilities?region_code={size.region}&year={YEAR}&family={family}&{query}"
                )
                found = get(listing)
                ms = _median_ms(lambda u=listing: get(u))
                shown = len(found["items"])
                line = f"{size.name} {family}: list {label}, first page ({shown} rows): {ms:.0f} ms"
                if query.startswith("checklist_id"):
                    ids = baseline_item_list(cur, prefix, [checklist[0]], YEAR, item)
                    base_list = _median_ms(
                        lambda c=checklist, i=item: baseline_item_list(cur, prefix, [c[0]], YEAR, i)
                    )
                    same = "equal" if ids == [r["facility_id"] for r in found["items"]] else "DIFFERENT"
                    line += f"; baseline {base_list:.0f} ms ({base_list / ms:.1f}x), rows {same}"
                lines.append(line)
                log(line)
    return lines


def _children(url: str, code: str) -> list[str]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [
            r[0]
            for r in conn.execute("SELECT code FROM regions WHERE parent_code = %s ORDER BY code", (code,))
        ]


def run(log: Callable[[str], None] = lambda line: print(f"   {line}", flush=True)) -> list[str]:
    from tests.harness.services import PostgresServer

    names = os.environ.get("DABIAO_BENCH_DASHBOARD_SIZES", "city,province").split(",")
    sizes = [size_of(n.strip()) for n in names if n.strip()]
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-dashboard-") as name:
        base = Path(name)
        postgres = PostgresServer(base / "pg")
        try:
            env = postgres.start()
            if not env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            lines = []
            for size in sizes:
                lines += run_size(env["DABIAO_TEST_PG_URL"], base, size, log)
            return lines
        finally:
            postgres.stop()
