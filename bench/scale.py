"""The scale benchmark: a city- or province-sized dataset loaded with COPY, and the growth table of
issue 14 measured on it (time and peak memory of each heavy operation, each in its own process).

    python -m bench scale                          # the city (2,100 facilities), a few minutes
    python -m bench scale --province               # the province (52,000 facilities)
    python -m bench scale --sizes city,province    # both, with the growth table city | province
    python -m bench scale --sizes city,0.2         # the city and a fifth of the province
    python -m bench scale --province --browser     # then the province's sheets through the app

Province size (issue 14): 52,000 facilities (2,000 township centres, 50,000 village clinics, each
clinic in its own village), 18 cities, 162 counties, 3,161 users, two inspections a facility (2025
and 2026: all of 2025 and 92 % of 2026 final-approved, with their status changes and a stored report
whose fingerprint is current; the rest drafts assigned to inspectors), one answer and one answer
revision per checklist item (4.2 million each), evidence rows for three items in four (3.1
million), and an audit entry per answer revision and per final approval (4.3 million) chained with
the real hash, so `flask audit verify` passes. 905 payout rules over the province, its cities and
counties. The city is the province scaled by 1/25; a number is any other fraction of the province.

Evidence objects: the rows only, except the first DABIAO_BENCH_SCALE_OBJECTS objects (20,000 by
default, a small photo and its thumbnail a row) written to local disk; `storage verify` checks those
rows (a copy of them in a schema of their own, put first on the search path of that measurement).

Everything runs in a throwaway PostgreSQL (the test harness's) on this machine. The reports' tiers
are assigned, not scored from the answers: the payout sheet reads stored reports only (the results
export scores the answers again, bench/exports.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OBJECTS = int(os.environ.get("DABIAO_BENCH_SCALE_OBJECTS", "20000"))
CHILD_TIMEOUT = int(os.environ.get("DABIAO_BENCH_SCALE_TIMEOUT", "900"))  # seconds per operation
PASSWORD = "bench-scale-password"  # noqa: S105 - a throwaway database on loopback
SECRET = "scale-" + "s" * 42
PERIOD = "2026"
CENTRE_CHECKLIST = ("qs-2023-sample", 2)
CLINIC_CHECKLIST = ("vc-2022-sample", 1)
# the facts the checklists' conditions read, so that a result can be scored again (the export)
CENTRE_FACTS = {"community_hospital": False, "medical_staff": 30, "population_served": 30_000}
CLINIC_FACTS = {"tcm_corner": False}
COUNTIES_PER_CITY = 9
APPROVED_2026 = 0.92
EVIDENCE_SHARE = 0.74  # evidence rows per answer
PHOTO_BYTES = 24 * 1024
THUMB_BYTES = 6 * 1024
FLAT = 1.5  # the same work measured twice on this (shared) machine varies this much


# --- sizes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    fraction: float  # of the province
    cities: int
    centres: int
    clinics: int
    users: int
    rules: int

    @property
    def facilities(self) -> int:
        return self.centres + self.clinics

    @property
    def sheet_region(self) -> str:
        return "410100" if self.cities == 1 else "410000"


def size_of(text: str) -> Size:
    """'city' (1/25 of the province), 'province', or a fraction of the province such as 0.2."""
    fraction = {"city": 0.04, "province": 1.0}.get(text)
    if fraction is None:
        fraction = float(text)
        if not 0 < fraction <= 1:
            raise ValueError(f"a size is city, province or a fraction in (0, 1]: {text}")
    return Size(
        name=text,
        fraction=fraction,
        cities=max(1, round(18 * fraction)),
        centres=max(1, round(2000 * fraction)),
        clinics=round(50000 * fraction),
        users=max(30, round(3161 * fraction)),
        rules=max(12, round(905 * fraction)),
    )


# --- COPY --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """One value in COPY's text format (the generated data has no tabs, newlines or backslashes)."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class Copier:
    """Rows of one table streamed into PostgreSQL's COPY in blocks of about a megabyte, on a
    connection of its own (a connection runs one COPY at a time; several tables fill at once)."""

    def __init__(self, conninfo: str, table: str, columns: Sequence[str]) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo)
        self.manager = self.conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self.copy = self.manager.__enter__()
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values: Any) -> None:
        self.line("\t".join(map(_text, values)) + "\n")

    def line(self, text: str) -> None:
        """One row already in COPY's text format, ending in a newline (the fast path)."""
        self.buffer.write(text)
        self.rows += 1
        if self.buffer.tell() > 1 << 20:
            self.flush()

    def flush(self) -> None:
        self.copy.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer = io.StringIO()

    def close(self) -> int:
        self.flush()
        self.manager.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()
        return self.rows


LOADED = (
    "regions",
    "facilities",
    "users",
    "inspections",
    "assignments",
    "answers",
    "answer_revisions",
    "evidence",
    "status_changes",
    "reports",
    "audit_log",
    "payout_rules",
)


def drop_constraints(cursor: Any) -> list[str]:
    """Drop the foreign keys, unique constraints and secondary indexes of the loaded tables (COPY
    into bare tables is several times faster); returns the statements that put them back."""
    tables = list(LOADED)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype",
        (tables,),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (tables,),
    )
    indexes = cursor.fetchall()
    restore = []
    for table, name, _, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
        restore.append(definition)
    # unique constraints before the foreign keys that may rest on them
    for table, name, definition, _ in sorted(constraints, key=lambda c: c[3] != "u"):
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return restore


# --- the dataset -------------------------------------------------------------------------------------


def checklist_items() -> dict[tuple[str, int], list[tuple[str, list[str]]]]:
    from server.settings import PROJECT_ROOT

    found = {}
    for path, key in (
        ("quality_service/2023-sample/v2.json", CENTRE_CHECKLIST),
        ("village_clinic/2022-sample/v1.json", CLINIC_CHECKLIST),
    ):
        definition = json.loads((PROJECT_ROOT / "checklists" / path).read_text())
        found[key] = [
            (item["id"], [level["code"] for level in item["levels"]])
            for chapter in definition["chapters"]
            for section in chapter["sections"]
            for item in section["items"]
        ]
    return found


def checklist_tiers() -> dict[str, list[tuple[str, str, int | None]]]:
    """Family -> (tier code, label, default reward) from the checklists the dataset uses."""
    from server.settings import PROJECT_ROOT

    tiers = {}
    for path in ("quality_service/2023-sample/v2.json", "village_clinic/2022-sample/v1.json"):
        definition = json.loads((PROJECT_ROOT / "checklists" / path).read_text())
        tiers[definition["family"]] = [
            (t["code"], t["label"], t.get("reward_yuan")) for t in definition["tiers"]
        ]
    return tiers


def photo_bytes(n: int, size: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest() * (size // 32)


@dataclass
class Loaded:
    counts: dict[str, int]
    seconds: float
    objects: int
    object_rows: int
    checkpoint_behind: int  # audit entries after the checkpoint written for the default verify


def generate(url: str, evidence_root: Path, size: Size, log: Callable[[str], None]) -> Loaded:
    """The dataset of `size` into the migrated, empty database at `url`, with COPY."""
    import psycopg

    from server.domain.audit import GENESIS, entry_hash
    from server.services.audit import payload_of
    from server.services.reports import fingerprint_of

    clock = time.perf_counter()
    items = checklist_items()
    tiers = checklist_tiers()
    family_of = {CENTRE_CHECKLIST: "quality_service", CLINIC_CHECKLIST: "village_clinic"}
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '256MB'")
        restore = drop_constraints(cur)
        conn.commit()

        # regions: the province, cities, counties, a township per centre, a village per clinic
        regions = Copier(conninfo, "regions", ("code", "name", "level", "parent_code"))
        regions.add("410000", "河南省", "province", None)
        counties: list[str] = []
        cities = [f"41{c + 1:02d}00" for c in range(size.cities)]
        for c, city in enumerate(cities):
            regions.add(city, f"基准{c + 1}市", "city", "410000")
            for k in range(COUNTIES_PER_CITY):
                county = f"{city[:4]}{k + 1:02d}"
                regions.add(county, f"基准{c + 1}市{k + 1}县", "county", city)
                counties.append(county)
        townships: list[str] = []
        per_county: dict[str, int] = {}
        for t in range(size.centres):
            county = counties[t % len(counties)]
            per_county[county] = per_county.get(county, 0) + 1
            township = f"{county}{per_county[county]:03d}"
            regions.add(township, f"{township}乡", "township", county)
            townships.append(township)
        villages = []
        per_township: dict[str, int] = {}
        for v in range(size.clinics):
            township = townships[v % len(townships)]
            per_township[township] = per_township.get(township, 0) + 1
            village = f"{township}{per_township[township]:03d}"
            regions.add(village, f"{village}村", "village", township)
            villages.append(village)
        counts["regions"] = regions.close()

        # facilities: centres first, then clinics
        facilities = Copier(
            conninfo,
            "facilities",
            ("id", "name", "type_code", "region_code", "beds", "iv_infusion", "facts", "created_at"),
        )
        created = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
        places: list[tuple[int, str, tuple[str, int]]] = []  # (facility id, region, checklist)
        for t, township in enumerate(townships):
            facilities.add(t + 1, f"{township}中心卫生院", "C210", township, 40, True, CENTRE_FACTS, created)
            places.append((t + 1, township, CENTRE_CHECKLIST))
        for v, village in enumerate(villages):
            fid = size.centres + v + 1
            facilities.add(fid, f"{village}村卫生室", "D600", village, 0, False, CLINIC_FACTS, created)
            places.append((fid, village, CLINIC_CHECKLIST))
        counts["facilities"] = facilities.close()

        # users: the province admin, a city reviewer a city, two county reviewers a county, inspectors
        from server.services.auth import hash_password

        real_hash = hash_password(PASSWORD)
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
        users.add(1, "bench-admin", "省管理员", real_hash, "admin", "410000", True, False, created)
        uid = 1
        reviewers: dict[str, int] = {}
        for city in cities:
            uid += 1
            users.add(uid, f"city-{city}", f"市复核{city}", "!", "city_reviewer", city, True, False, created)
        for county in counties:
            for r in range(2):
                uid += 1
                name = f"county-{county}-{r}"
                users.add(
                    uid,
                    name,
                    f"县审核{county}",
                    real_hash if uid == 1 + len(cities) + 1 else "!",
                    "county_reviewer",
                    county,
                    True,
                    False,
                    created,
                )
                reviewers.setdefault(county, uid)
        inspectors: dict[str, list[int]] = {county: [] for county in counties}
        first_inspector = uid + 1
        while uid < max(size.users, 1 + len(cities) + 3 * len(counties)):
            uid += 1
            county = counties[(uid - first_inspector) % len(counties)]
            username = "bench-inspector" if uid == first_inspector else f"inspector-{uid}"
            users.add(
                uid,
                username,
                f"检查员{uid}",
                real_hash if uid == first_inspector else "!",
                "inspector",
                county,
                True,
                False,
                created,
            )
            inspectors[county].append(uid)
        counts["users"] = users.close()

        # inspections and everything that hangs off them, in one pass
        copiers = {
            "inspections": Copier(
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
                    "county_reviewer_id",
                    "city_reviewer_id",
                    "sync_seq",
                    "created_at",
                    "updated_at",
                ),
            ),
            "assignments": Copier(
                conninfo, "assignments", ("inspection_id", "user_id", "assigned_by", "assigned_at")
            ),
            "answers": Copier(
                conninfo,
                "answers",
                ("inspection_id", "item_id", "revision", "grade", "author_id", "source", "updated_at"),
            ),
            "answer_revisions": Copier(
                conninfo,
                "answer_revisions",
                (
                    "id",
                    "inspection_id",
                    "item_id",
                    "revision",
                    "grade",
                    "author_id",
                    "source",
                    "change_id",
                    "device_id",
                    "device_time",
                    "received_at",
                ),
            ),
            "evidence": Copier(
                conninfo,
                "evidence",
                (
                    "id",
                    "inspection_id",
                    "facility_id",
                    "item_id",
                    "kind",
                    "object_key",
                    "sha256",
                    "size",
                    "content_type",
                    "thumb_key",
                    "thumb_sha256",
                    "thumb_size",
                    "flags",
                    "status",
                    "uploaded_by",
                    "created_at",
                ),
            ),
            "status_changes": Copier(
                conninfo,
                "status_changes",
                ("id", "inspection_id", "action", "from_status", "to_status", "actor_id", "created_at"),
            ),
            "reports": Copier(
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
            ),
            "audit_log": Copier(
                conninfo,
                "audit_log",
                (
                    "seq",
                    "at",
                    "actor_id",
                    "actor",
                    "action",
                    "target_type",
                    "target_id",
                    "ip",
                    "region_code",
                    "before",
                    "after",
                    "prev_hash",
                    "hash",
                ),
            ),
        }
        ins, aud, sch, rev, evi, answers = (
            copiers[n]
            for n in ("inspections", "audit_log", "status_changes", "answer_revisions", "evidence", "answers")
        )
        real_rows = OBJECTS // 2
        objects_dir = evidence_root / "objects"
        seq, prev = 0, GENESIS
        inspection_id = 0
        tier_cycle: dict[str, list[tuple[str, str]]] = {
            family: [(code, label) for code, label, _ in found] for family, found in tiers.items()
        }

        class Entry:
            def __init__(self, values: dict[str, Any]) -> None:
                self.__dict__.update(values)

        def audit(
            at: dt.datetime,
            at_s: str,
            actor_id: int,
            actor: str,
            action: str,
            target: int,
            region: str,
            after: dict[str, Any],
        ) -> None:
            nonlocal seq, prev
            seq += 1
            values = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "actor": actor,
                "action": action,
                "target_type": "inspection",
                "target_id": str(target),
                "ip": "10.0.0.1",
                "region_code": region[:12],
                "before": None,
                "after": after,
            }
            digest = entry_hash(prev, payload_of(Entry(values)))  # type: ignore[arg-type]
            aud.line(
                f"{seq}\t{at_s}\t{actor_id}\t{actor}\t{action}\tinspection\t{target}\t10.0.0.1\t"
                f"{region[:12]}\t\\N\t{_text(after)}\t{prev}\t{digest}\n"
            )
            prev = digest

        last_log = time.perf_counter()
        turn: dict[str, int] = {}
        for year in (2025, 2026):
            for n, (facility_id, region, checklist) in enumerate(places):
                inspection_id += 1
                county = region[:6]
                pool = inspectors[county] or [first_inspector]
                turn[county] = turn.get(county, -1) + 1  # round robin: every inspector the same share
                inspector = pool[turn[county] % len(pool)]
                if facility_id == 1 + size.centres and year == 2026:
                    inspector = first_inspector  # a few open drafts for the measured inspector
                reviewer = reviewers[county]
                city_reviewer = 1 + cities.index(county[:4] + "00") + 1
                day = dt.date(year, 1, 1) + dt.timedelta(days=(facility_id * 7) % 300)
                approved = year == 2025 or (facility_id * 37) % 100 < APPROVED_2026 * 100
                if facility_id == 1 + size.centres and year == 2026:
                    approved = False
                status = "approved" if approved else "draft"
                stamp = dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)
                done = stamp + dt.timedelta(days=20, seconds=facility_id % 3600)
                ins.add(
                    inspection_id,
                    facility_id,
                    region,
                    checklist[0],
                    checklist[1],
                    "county_inspection",
                    status,
                    day,
                    reviewer,
                    reviewer if approved else None,
                    city_reviewer if approved else None,
                    len(items[checklist]),
                    stamp,
                    done if approved else stamp,
                )
                copiers["assignments"].add(inspection_id, inspector, reviewer, stamp)
                user = f"inspector-{inspector}"
                item_list = items[checklist]
                with_photo = round(len(item_list) * EVIDENCE_SHARE)
                for i, (item_id, levels) in enumerate(item_list):
                    grade = levels[(inspection_id + i) % len(levels)]
                    at = stamp + dt.timedelta(seconds=30 * i, microseconds=inspection_id % 999_983)
                    at_s = at.isoformat(timespec="microseconds")
                    answers.line(f"{inspection_id}\t{item_id}\t1\t{grade}\t{inspector}\tinspector\t{at_s}\n")
                    rev.line(
                        f"{rev.rows + 1}\t{inspection_id}\t{item_id}\t1\t{grade}\t{inspector}\tinspector\t"
                        f"c-{inspection_id}-{i}\tdevice-{inspector}\t{at_s}\t{at_s}\n"
                    )
                    audit(
                        at,
                        at_s,
                        inspector,
                        user,
                        "sync.answer",
                        inspection_id,
                        region,
                        {"item_id": item_id, "grade": grade, "revision": 1},
                    )
                    if i < with_photo:
                        eid = evi.rows + 1
                        key = f"evidence/{inspection_id}/{eid:08d}.jpg"
                        thumb_key = f"thumbs/{inspection_id}/{eid:08d}.jpg"
                        if eid <= real_rows:
                            photo, thumb = photo_bytes(eid, PHOTO_BYTES), photo_bytes(-eid, THUMB_BYTES)
                            digest, thumb_digest = (
                                hashlib.sha256(photo).hexdigest(),
                                hashlib.sha256(thumb).hexdigest(),
                            )
                            for object_key, data, sha in (
                                (key, photo, digest),
                                (thumb_key, thumb, thumb_digest),
                            ):
                                path = objects_dir / object_key
                                path.parent.mkdir(parents=True, exist_ok=True)
                                path.write_bytes(data)
                                meta = {
                                    "sha256": sha,
                                    "size": len(data),
                                    "content_type": "image/jpeg",
                                    "metadata": {},
                                }
                                path.with_name(path.name + ".meta.json").write_text(json.dumps(meta))
                        else:  # a row only: the digest of its key stands in for the photo's
                            digest = hashlib.sha256(key.encode()).hexdigest()
                            thumb_digest = hashlib.sha256(thumb_key.encode()).hexdigest()
                        evi.line(
                            f"{eid}\t{inspection_id}\t{facility_id}\t{item_id}\tphoto\t{key}\t{digest}\t"
                            f"{PHOTO_BYTES}\timage/jpeg\t{thumb_key}\t{thumb_digest}\t{THUMB_BYTES}\t[]\t"
                            f"verified\t{inspector}\t{at_s}\n"
                        )
                revisions = (len(item_list), rev.rows)
                evidence_marker = (with_photo, evi.rows) if with_photo else (0, 0)
                if approved:
                    first_change = sch.rows + 1
                    moves = (
                        ("submit", "draft", "submitted", inspector, 1),
                        ("start_county_review", "submitted", "county_review", reviewer, 3),
                        ("county_approve", "county_review", "county_approved", reviewer, 10),
                        ("approve", "county_approved", "approved", city_reviewer, 20),
                    )
                    for action, before, after, actor, days in moves:
                        when = stamp + dt.timedelta(days=days, seconds=facility_id % 3600)
                        sch.add(sch.rows + 1, inspection_id, action, before, after, actor, when)
                    audit(
                        done,
                        done.isoformat(timespec="microseconds"),
                        city_reviewer,
                        f"city-{county[:4]}00",
                        "inspection.approve",
                        inspection_id,
                        region,
                        {"status": "approved"},
                    )
                    markers = (*revisions, *evidence_marker, 4, first_change + 3, 0, 0)
                    fingerprint = fingerprint_of(inspection_id, "approved", checklist[1], markers)
                    family = family_of[checklist]
                    cycle = tier_cycle[family]
                    tier_code, tier_label = (
                        cycle[(facility_id + year) % len(cycle)] if n % 10 else ("none", "未达标")
                    )
                    snapshot = hashlib.sha256(f"snapshot-{inspection_id}".encode()).hexdigest()
                    copiers["reports"].add(
                        inspection_id,
                        inspection_id,
                        f"DB-{county}-{inspection_id:07d}-{snapshot[:6].upper()}",
                        f"r{inspection_id:010d}",
                        snapshot,
                        fingerprint,
                        "-",
                        "-",
                        "0" * 64,
                        1,
                        f"{region}卫生机构",
                        tier_label,
                        tier_code,
                        done,
                    )
                if time.perf_counter() - last_log > 30:
                    last_log = time.perf_counter()
                    log(
                        f"  {inspection_id:,} of {2 * len(places):,} inspections written "
                        f"({time.perf_counter() - clock:.0f} s)"
                    )
        for name, copier in copiers.items():
            counts[name] = copier.close()

        # payout rules: the province, then each city, then each county, six a region, up to the count
        rules = Copier(
            conninfo,
            "payout_rules",
            (
                "id",
                "region_code",
                "family",
                "tier_code",
                "amount_yuan",
                "top_up",
                "valid_from",
                "note",
                "created_by",
                "created_at",
            ),
        )
        for code in ["410000", *cities, *counties]:
            for family, found in sorted(tiers.items()):
                for t, (tier_code, _, reward) in enumerate(found):
                    if rules.rows < size.rules:
                        amount = int(reward) if reward is not None else 10000 * (t + 1)
                        amount += 1000 * (len(code) + rules.rows % 3) if code != "410000" else 0
                        rules.add(
                            rules.rows + 1,
                            code,
                            family,
                            tier_code,
                            amount,
                            True,
                            dt.date(2018, 1, 1),
                            "基准规则",
                            "bench",
                            created,
                        )
        counts["payout_rules"] = rules.close()
        log(f"  rows written in {time.perf_counter() - clock:.0f} s; indexes and constraints being rebuilt")
        for statement in restore:
            cur.execute(statement)
        for table, column in (
            ("facilities", "id"),
            ("users", "id"),
            ("inspections", "id"),
            ("answer_revisions", "id"),
            ("evidence", "id"),
            ("status_changes", "id"),
            ("reports", "id"),
            ("payout_rules", "id"),
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608 - our names
                f"(SELECT coalesce(max({column}), 1) FROM {table}))"
            )
        # storage verify reads the rows whose objects exist: a copy of them in a schema of its own
        cur.execute("CREATE SCHEMA objects")
        cur.execute("CREATE TABLE objects.evidence (LIKE public.evidence INCLUDING ALL)")
        cur.execute("INSERT INTO objects.evidence SELECT * FROM public.evidence WHERE id <= %s", (real_rows,))
        object_rows = cur.rowcount
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    behind = max(1, round(seq / 730))  # about a day of the two years' entries
    return Loaded(counts, time.perf_counter() - clock, 2 * object_rows, object_rows, behind)


def write_checkpoint(url: str, tmp: Path, behind: int) -> None:
    """A checkpoint `behind` entries before the tail, as a clean run a day ago would have left."""
    from sqlalchemy import select

    from server import create_app, registry
    from server.db.models import AuditEntry
    from server.domain.audit import Anchor
    from server.extensions import db
    from server.services import audit

    app = create_app(settings(tmp, url))
    with app.app_context():
        tail = db.session.scalar(select(func_max(AuditEntry.seq))) or 0
        row = db.session.get(AuditEntry, int(tail) - behind)
        assert row is not None
        audit.write_checkpoint(
            registry.evidence_store(), Anchor(row.seq, row.hash), dt.datetime.now(dt.UTC), 1
        )
        db.engine.dispose()


def func_max(column: Any) -> Any:
    from sqlalchemy import func

    return func.max(column)


def settings(tmp: Path, url: str) -> Any:
    from bench.sync import settings as bench_settings

    return bench_settings(tmp, url, SECRET)


# --- the operations, each run in a child process -------------------------------------------------------


def _client(app: Any, username: str) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    reset_peak()  # the password hash (scrypt) is not what is measured
    return client, {"Authorization": f"Bearer {response.get_json()['token']}"}


def _get(app: Any, username: str, path: str | Callable[[Any, dict[str, str]], str]) -> dict[str, Any]:
    """The median of three timed requests after one warm-up, and the size of the answer."""
    client, headers = _client(app, username)
    url = path(client, headers) if callable(path) else path
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    times = []
    for _ in range(3):
        clock = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - clock)
        assert response.status_code == 200
    body = response.get_data()
    items = response.get_json()
    count = (
        len(items) if isinstance(items, list) else len(items.get("items") or items.get("assignments") or [])
    )
    return {
        "seconds": statistics.median(times),
        "bytes": len(body),
        "detail": f"{url}: {count} items, {len(body) / 1024:,.0f} KB",
    }


def _deep_facilities(client: Any, headers: dict[str, str]) -> str:
    """The last page of the facility list, reached as the app reaches it: by the keyset cursor of
    the row before it (the list is ordered by region code, then id)."""
    from sqlalchemy import select

    from server.db.models import Facility
    from server.domain import cursors
    from server.extensions import db

    total = db.session.query(Facility).count()
    before = db.session.execute(
        select(Facility.region_code, Facility.id)
        .order_by(Facility.region_code, Facility.id)
        .offset(max(0, total - 201))
        .limit(1)
    ).one()
    return f"/api/facilities?limit=200&after={cursors.encode([before[0], before[1]])}"


def rss_mb(field: str) -> float:
    """VmRSS or VmHWM of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> bool:
    """Reset this process's high-water mark of memory to what it uses now (Linux 4.0 and later)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(name: str, tmp: Path, url: str, region: str) -> dict[str, Any]:
    """One operation, with the memory the process had before it started (the app loaded) and its
    peak while the operation ran (the high-water mark is reset once the app is loaded)."""
    from server import create_app

    app = create_app(settings(tmp, url))
    reset = reset_peak()
    baseline = rss_mb("VmRSS")
    result = _op(name, app, region)
    peak = result.pop("tree_peak_mb", None) or (rss_mb("VmHWM") if reset else None)
    return {**result, "baseline_mb": baseline, "op_peak_mb": peak}


def _op(name: str, app: Any, region: str) -> dict[str, Any]:
    from server import registry
    from server.extensions import db

    if name.startswith("results"):
        from bench import exports

        return exports.op(name, app, region)

    with app.app_context():
        if name in ("xlsx", "pdf", "build"):
            from server.services import payouts

            if name == "build":
                clock = time.perf_counter()
                sheet = payouts.build_sheet(region, PERIOD, dt.datetime.now(dt.UTC))
                return {"seconds": time.perf_counter() - clock, "detail": f"{len(sheet.rows):,} rows"}
            # as the background job makes it (build, then write; the PDF's parts in renderers),
            # its memory the PSS of the job's process and the renderers together
            from bench.payouts import Tree
            from server.services import jobs

            tree = Tree()
            stages: dict[str, float] = {}
            clock = time.perf_counter()

            def progress(done: int, total: int, stage: str) -> None:
                stages.setdefault(stage, time.perf_counter() - clock)

            params = {"region_code": region, "period": PERIOD, "format": name}
            with tempfile.TemporaryDirectory(prefix="dabiao-scale-job-") as scratch:
                output = jobs.HANDLERS[payouts.SHEET_JOB](params, progress, Path(scratch))
                total = time.perf_counter() - clock
                tree.stop()
                assert output.path is not None
                megabytes = Path(output.path).stat().st_size / 1e6
            built = stages.get("render", total)
            return {
                "seconds": total,
                "detail": f"{output.meta['rows']:,} rows, build {built:.1f} s, "
                f"write {total - built:.1f} s, {megabytes:.1f} MB",
                "tree_peak_mb": tree.peak,
            }
        if name in ("audit", "audit_full"):
            from server.services import audit

            result = audit.verify(registry.evidence_store(), full=name == "audit_full", retain_days=1)
            assert result.problems == [], result.problems[:5]
            rate = result.checked / result.seconds if result.seconds else 0
            return {"seconds": result.seconds, "detail": f"{result.checked:,} entries, {rate:,.0f}/s"}
        if name == "storage":
            from server.services import evidence

            report = evidence.verify_store()
            assert report.problems == 0, report
            return {
                "seconds": report.seconds,
                "detail": f"{report.checked:,} objects on local disk, "
                f"{report.checked / report.seconds:,.0f}/s",
            }
        if name == "regions":  # one level of the tree: the province and its cities
            return _get(app, "bench-admin", "/api/regions")
        if name == "facilities":
            return _get(app, "bench-admin", _deep_facilities)
        if name == "bootstrap":
            return _get(app, "bench-inspector", "/api/sync/bootstrap")
        if name == "inspections":
            return _get(app, "bench-admin", "/api/inspections?limit=100")
        db.engine.dispose()
    raise ValueError(name)


@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    basis: str  # what its size is counted in: facilities, objects, entries


OPERATIONS = (
    Operation("xlsx", "payout sheet XLSX (build + write)", "facilities"),
    Operation("pdf", "payout sheet PDF (build + write)", "facilities"),
    Operation("build", "payout rule matching: sheet build", "facilities"),
    Operation("results", "results export XLSX (job: read, score, write)", "facilities"),
    Operation("results_request", "GET /api/exports/results (request)", "facilities"),
    Operation("audit", "audit verify (from checkpoint)", "entries behind"),
    Operation("audit_full", "audit verify --full", "entries"),
    Operation("storage", "storage verify (real objects)", "objects"),
    Operation("regions", "GET /api/regions (one level)", "facilities"),
    Operation("facilities", "GET /api/facilities, last page", "facilities"),
    Operation("bootstrap", "GET /api/sync/bootstrap (inspector)", "facilities"),
    Operation("inspections", "GET /api/inspections (first 100)", "facilities"),
)


@dataclass
class Measured:
    seconds: float | None
    peak_mb: float
    detail: str
    baseline_mb: float = 0.0
    process_peak_mb: float = 0.0  # including starting the app


def measure(op: Operation, tmp: Path, url: str, region: str) -> Measured:
    """Run one operation in a child process; its time as the child measured it, its peak RSS."""
    from server.settings import PROJECT_ROOT

    command = [
        sys.executable,
        "-m",
        "bench.scale",
        "--child",
        op.key,
        "--tmp",
        str(tmp),
        "--url",
        url,
        "--region",
        region,
    ]
    with tempfile.TemporaryFile() as out:
        return _measured(
            subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT), out
        )


def _measured(proc: subprocess.Popen[bytes], out: Any) -> Measured:
    clock = time.monotonic()
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - clock > CHILD_TIMEOUT:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Measured(None, usage.ru_maxrss / 1024, f"stopped after {CHILD_TIMEOUT} s")
            time.sleep(0.1)
    except BaseException:  # interrupted or stopped: the child goes too
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.returncode != 0 or not last.startswith("{"):
        return Measured(None, peak, "failed: " + " | ".join(text.strip().splitlines()[-3:])[:300])
    result = json.loads(last)
    op_peak = result["op_peak_mb"] or peak
    return Measured(result["seconds"], op_peak, result["detail"], result["baseline_mb"], peak)


# --- running -----------------------------------------------------------------------------------------


@dataclass
class SizeRun:
    size: Size
    loaded: Loaded
    results: dict[str, Measured]
    url: str = ""  # its database, kept until the run ends
    tmp: Path = Path()  # its folder (evidence, instance)

    def basis(self, op: Operation) -> float:
        if op.basis == "objects":
            return self.loaded.objects
        if op.basis == "entries":
            return self.loaded.counts["audit_log"]
        if op.basis == "entries behind":
            return self.loaded.checkpoint_behind
        return self.size.facilities


def run_size(
    server_url: str,
    base: Path,
    size: Size,
    log: Callable[[str], None],
    operations: Sequence[str] | None = None,
) -> SizeRun:
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.services import checklists
    from server.settings import PROJECT_ROOT

    database = f"scale_{size.name.replace('.', '_')}"
    import psycopg

    with psycopg.connect(
        server_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    url = server_url.rsplit("/", 1)[0] + f"/{database}"
    tmp = base / database
    tmp.mkdir()
    app = create_app(settings(tmp, url))
    with app.app_context():
        upgrade()
        checklists.sync_published(PROJECT_ROOT / "checklists")
        db.session.commit()
        evidence_root = app.extensions["evidence_store"].root
        db.engine.dispose()
    log(f"{size.name}: generating {size.facilities:,} facilities ...")
    loaded = generate(url, evidence_root, size, log)
    write_checkpoint(url, tmp, loaded.checkpoint_behind)
    counts = loaded.counts
    log(
        f"{size.name}: generated in {loaded.seconds:.0f} s: {counts['facilities']:,} facilities, "
        f"{counts['regions']:,} regions, {counts['users']:,} users, {counts['inspections']:,} inspections, "
        f"{counts['answers']:,} answers, {counts['answer_revisions']:,} answer revisions, "
        f"{counts['evidence']:,} evidence rows ({loaded.objects:,} real objects on local disk for "
        f"{loaded.object_rows:,} of them; the rest rows only), {counts['status_changes']:,} status changes, "
        f"{counts['reports']:,} stored reports, {counts['audit_log']:,} audit entries (hash chain), "
        f"{counts['payout_rules']:,} payout rules"
    )
    objects_url = url + "?options=-csearch_path%3Dobjects,public"
    results = {}
    for op in OPERATIONS:
        if operations is not None and op.key not in operations:
            continue
        measured = measure(op, tmp, objects_url if op.key == "storage" else url, size.sheet_region)
        results[op.key] = measured
        seconds = f"{measured.seconds:8.2f} s" if measured.seconds is not None else "       — "
        log(
            f"{size.name}: {op.label:40} {seconds} {measured.peak_mb:7.0f} MB peak "
            f"(app loaded: {measured.baseline_mb:.0f} MB, process: {measured.process_peak_mb:.0f} MB)  "
            f"{measured.detail}"
        )
    return SizeRun(size, loaded, results, url, tmp)


def table(runs: list[SizeRun], operations: Sequence[str] | None = None) -> list[str]:
    chosen = [op for op in OPERATIONS if operations is None or op.key in operations]
    head = "operation".ljust(40) + "".join(
        f" | {r.size.name} ({r.size.facilities:,})".ljust(28) for r in runs
    )
    lines = [
        "seconds of the operation; MB: peak RSS of its process while it ran (the app loaded, "
        "about 130 MB, included); for the payout sheets, made as their job makes them, the peak PSS "
        "of the job's process and its PDF renderers together (bench.payouts.Tree)",
        head,
        "-" * len(head),
    ]
    for op in chosen:
        cells = []
        for r in runs:
            m = r.results[op.key]
            cells.append(
                f" | {m.seconds:8.2f} s {m.peak_mb:6.0f} MB".ljust(28)
                if m.seconds is not None
                else f" | {m.detail[:24]}".ljust(28)
            )
        lines.append(op.label.ljust(40) + "".join(cells))
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        lines.append("")
        lines.append(
            f"growth {small.size.name} -> {large.size.name} (time ratio / size ratio; linear or better "
            "is at most ~1.2; work of the same size at both stays flat, within the machine's noise, "
            f"x{FLAT}):"
        )
        for op in chosen:
            a, b = small.results[op.key], large.results[op.key]
            size_ratio = large.basis(op) / small.basis(op)
            if a.seconds is None or b.seconds is None or a.seconds <= 0:
                lines.append(f"  {op.label:40} no verdict: {b.detail if b.seconds is None else a.detail}")
                continue
            growth = (b.seconds / a.seconds) / size_ratio
            if size_ratio <= 1.0:  # the same work at both sizes (storage: the same real objects)
                verdict = "flat" if growth <= FLAT else "GROWS WITH THE REST OF THE DATABASE"
            else:
                verdict = "linear or better" if growth <= 1.2 else "WORSE THAN LINEAR"
            lines.append(
                f"  {op.label:40} time x{b.seconds / a.seconds:7.1f} for {op.basis} x{size_ratio:5.1f}: "
                f"{growth:5.2f} {verdict}; memory above the loaded app "
                f"{a.peak_mb - a.baseline_mb:+.0f} MB -> {b.peak_mb - b.baseline_mb:+.0f} MB"
            )
    return lines


def walk(url: str, tmp: Path, size: Size, log: Callable[[str], None]) -> list[str]:
    """The province's payout sheet as its admin gets it, in the app: gunicorn and a job worker
    (`flask jobs worker`, jobs queued on PostgreSQL) on the loaded database, Chromium at 1366×900
    on the 后台任务 page. For XLSX and then PDF: ask, wait for 已完成, download through the app.
    Each line gives the time from the click to the finished job, the file, and the peak PSS of
    the worker with its job process and PDF renderers. Screenshots and the downloaded files go to
    $DABIAO_SCREENSHOTS (else the run's folder, deleted after it)."""
    from playwright.sync_api import sync_playwright

    from bench.payouts import Tree, pages_of
    from server.settings import PROJECT_ROOT
    from tests.browser.conftest import chromium_path
    from tests.browser.server import AppServer, ask_sheet, download_job, log_in, wait_job

    try:
        chromium = chromium_path()
    except BaseException as missing:  # pytest's skip (or failure under CI): not a test here
        return [f"{size.name}: browser walk skipped: {missing}"]
    shots = Path(os.environ.get("DABIAO_SCREENSHOTS") or tmp / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    server = AppServer(
        tmp / "walk",
        jobs_worker=True,
        shared={
            "DABIAO_SECRET_KEY": SECRET,
            "DABIAO_DATABASE_URL": url,
            "DABIAO_EVIDENCE_BACKEND": "local",
            "DABIAO_EVIDENCE_DIR": str(tmp / "evidence"),
            "DABIAO_PWA_DIST": str(PROJECT_ROOT / "pwa" / "dist"),
        },
    )
    server.logins["bench-admin"] = PASSWORD
    lines = []
    server.start()
    try:
        assert server.worker is not None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True
            )
            page = context.new_page()
            log_in(page, server, "bench-admin")
            page.wait_for_function("() => !location.pathname.endsWith('/login')", timeout=30_000)
            page.goto(server.url + "/jobs")
            page.get_by_test_id("sheet-submit").wait_for(timeout=30_000)
            region = page.get_by_test_id("sheet-region-0").locator("option:checked").inner_text()
            for fmt in ("xlsx", "pdf"):
                tree = Tree(server.worker.pid)
                clock = time.perf_counter()
                card = ask_sheet(page, fmt, 30)
                state = wait_job(page, card, CHILD_TIMEOUT)
                seconds = time.perf_counter() - clock
                tree.stop()
                page.screenshot(path=str(shots / f"scale-{size.name}-{fmt}.png"))
                if state != "succeeded":
                    lines.append(f"{size.name}: {fmt} job {state}: {card.inner_text()[:200]}")
                    continue
                saved = download_job(page, card, shots, f"scale-{size.name}-", 120)  # kept to look at
                detail = f"{saved.stat().st_size / 1e6:.1f} MB"
                if fmt == "pdf":
                    detail += f", {pages_of(saved):,} pages"
                lines.append(
                    f"{size.name}: {region} sheet as {fmt.upper()} from the 后台任务 page: finished "
                    f"{seconds:.0f} s after the click, downloaded {saved.name} ({detail}); worker, job "
                    f"process and renderers peaked at {tree.peak} MB (PSS)"
                )
                log(lines[-1])
            context.close()
            browser.close()
    finally:
        server.stop()
    return lines


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so that the PostgreSQL started here stops too


def scale(
    sizes: Sequence[Size],
    log: Callable[[str], None] = print,
    browser: bool = False,
    operations: Sequence[str] | None = None,
) -> list[str]:
    """Each size loaded and measured (every operation, or those named)."""
    from tests.harness.services import PostgresServer

    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="dabiao-scale-") as name:
        base = Path(name)
        postgres = PostgresServer(base / "pg")
        try:
            env = postgres.start()
            if not env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            runs = [run_size(env["DABIAO_TEST_PG_URL"], base, size, log, operations) for size in sizes]
            walked = walk(runs[-1].url, runs[-1].tmp, runs[-1].size, log) if browser else []
        finally:
            postgres.stop()
    lines = [f"{r.size.name}: dataset generated with COPY in {r.loaded.seconds:.0f} s" for r in runs]
    return [*lines, *walked, "", *table(runs, operations)]


def run() -> list[str]:
    """`make bench`: the city size only (a few minutes)."""
    return scale([size_of("city")], log=lambda line: print(f"   {line}", flush=True))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", action="store_true", help="the province size instead of the city")
    parser.add_argument("--sizes", help="comma-separated sizes: city, province or a fraction of the province")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="then, on the last size, the sheets through the app in Chromium, made by a job worker",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--region", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, Path(args.tmp), args.url, args.region)), flush=True)
        return 0
    names = args.sizes.split(",") if args.sizes else ["province" if args.province else "city"]
    sizes = [size_of(n.strip()) for n in names]
    for line in scale(sizes, log=lambda line: print(line, flush=True), browser=args.browser):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
