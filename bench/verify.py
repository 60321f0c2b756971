"""`flask audit verify` and `flask storage verify` at a size where their cost shows, on PostgreSQL.

1. Audit: 50,000 chained entries inserted with executemany. The walk as it was before issue 14
   (ORM objects, 1,000 a query, the whole chain every time) against the new full walk (plain rows,
   5,000 a query) and the new default run from a checkpoint after 1,000 more entries (an hour or
   so of a province's work). Rate in entries/s.
2. Storage on local disk: 10,000 evidence rows = 20,000 objects (a small photo and a thumbnail
   each, written straight to disk). The check as it was (one object at a time, every key kept in
   a set, the local listing sorted in memory) against the new one (keyset batches, 8 threads,
   orphans by a sorted merge), then --since-last after 200 new rows and a 95 %/0.1 % sample.
   Rate in objects/s, and the peak Python memory (tracemalloc) of listing and matching the keys,
   old and new, which is what grows with the store (2 GB at 6.2 million keys before).
3. The same check against a throwaway MinIO when the harness's MinIO binary is there.

Sizes: DABIAO_BENCH_AUDIT (50000), DABIAO_BENCH_EVIDENCE rows (10000), DABIAO_BENCH_S3_EVIDENCE
rows for MinIO (1000). Everything runs on this machine, sharing its cores with the servers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

AUDIT = int(os.environ.get("DABIAO_BENCH_AUDIT", "50000"))
EVIDENCE = int(os.environ.get("DABIAO_BENCH_EVIDENCE", "10000"))
S3_EVIDENCE = int(os.environ.get("DABIAO_BENCH_S3_EVIDENCE", "1000"))
NEW_ENTRIES = 1000
NEW_ROWS = 200
PHOTO_BYTES = 24 * 1024  # small, so that the setup stays quick: the cost measured is per object
THUMB_BYTES = 6 * 1024


# --- the implementations before issue 14, kept here to compare against -----------------------------


def old_audit_verify() -> int:
    """The whole chain as ORM objects, 1,000 a query (server/services/audit.py before issue 14)."""
    from sqlalchemy import select

    from server.db.models import AuditEntry
    from server.domain.audit import ChainEntry, verify_chain
    from server.extensions import db
    from server.services.audit import payload_of

    count = 0

    def entries() -> Iterator[ChainEntry]:
        nonlocal count
        last = 0
        while True:
            stmt = select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(1000)
            rows = list(db.session.scalars(stmt))
            if not rows:
                return
            for row in rows:
                count += 1
                yield ChainEntry(row.seq, row.prev_hash, row.hash, payload_of(row))
            last = rows[-1].seq

    assert verify_chain(entries()) == []
    return count


def old_local_keys(store: Any, prefix: str) -> Iterator[str]:
    """The local listing before issue 14: every path under the store, sorted in memory."""
    base = store.root / "objects"
    for path in sorted(base.rglob("*")):
        if path.is_file() and not path.name.endswith(".meta.json") and not path.name.startswith(".tmp-"):
            key = path.relative_to(base).as_posix()
            if key.startswith(prefix):
                yield key


def old_storage_verify(store: Any, keys: Callable[[str], Iterator[str]]) -> tuple[int, int]:
    """One object at a time, every referenced key kept in a set (before issue 14)."""
    from sqlalchemy import select

    from server.db.models import Evidence
    from server.extensions import db

    referenced: set[str] = set()
    problems = 0
    last = 0
    while True:
        stmt = select(Evidence).where(Evidence.id > last).order_by(Evidence.id).limit(500)
        rows = list(db.session.scalars(stmt))
        if not rows:
            break
        for row in rows:
            for key, digest in ((row.object_key, row.sha256), (row.thumb_key, row.thumb_sha256)):
                referenced.add(key)
                if hashlib.sha256(store.get(key)).hexdigest() != digest:
                    problems += 1
        last = rows[-1].id
    problems += sum(1 for p in ("evidence/", "thumbs/") for k in keys(p) if k not in referenced)
    return len(referenced), problems


# --- data --------------------------------------------------------------------------------------------


def insert_audit(count: int) -> None:
    """`count` chained entries after the current tail, inserted with executemany."""
    from sqlalchemy import insert

    from server.db import audit as queries
    from server.db.models import AuditEntry
    from server.domain.audit import GENESIS, entry_hash
    from server.extensions import db
    from server.services.audit import payload_of

    class Row:
        def __init__(self, values: dict[str, Any]) -> None:
            self.__dict__.update(values)

    tail = queries.tail()
    seq, prev = (tail.seq, tail.hash) if tail else (0, GENESIS)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    chunk: list[dict[str, Any]] = []
    for _ in range(count):
        seq += 1
        values: dict[str, Any] = {
            "seq": seq,
            "at": start + dt.timedelta(seconds=seq * 7, microseconds=seq % 1000),
            "actor_id": None,
            "actor": f"inspector-{seq % 300}",
            "action": "answers.saved",
            "target_type": "inspection",
            "target_id": str(seq // 40),
            "ip": "10.0.0.1",
            "region_code": "410222",
            "before": {"grade": "B", "note": "原记录"},
            "after": {"grade": "A", "note": f"第{seq}次修改"},
            "prev_hash": prev,
        }
        values["hash"] = prev = entry_hash(prev, payload_of(Row(values)))  # type: ignore[arg-type]
        chunk.append(values)
        if len(chunk) == 5000:
            db.session.execute(insert(AuditEntry), chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(AuditEntry), chunk)
    db.session.commit()


def photo_bytes(n: int, size: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest() * (size // 32)


def insert_evidence(
    store: Any, inspections: list[int], user_id: int, first: int, count: int, direct_disk: bool
) -> None:
    """`count` rows and their two objects. On local disk the files and sidecars are written
    straight (the store's put fsyncs every file, which is not what is measured here); on S3 with
    8 threads of put."""
    from sqlalchemy import insert

    from server.db.models import Evidence
    from server.extensions import db

    rows, objects = [], []
    for n in range(first, first + count):
        inspection = inspections[n % len(inspections)]
        name = f"{n:08d}-{secrets.token_hex(6)}"
        photo, thumb = photo_bytes(n, PHOTO_BYTES), photo_bytes(-n, THUMB_BYTES)
        key, thumb_key = f"evidence/{inspection}/{name}.jpg", f"thumbs/{inspection}/{name}.jpg"
        objects += [(key, photo), (thumb_key, thumb)]
        rows.append(
            {
                "inspection_id": inspection,
                "item_id": "B-001",
                "kind": "photo",
                "object_key": key,
                "sha256": hashlib.sha256(photo).hexdigest(),
                "size": len(photo),
                "content_type": "image/jpeg",
                "thumb_key": thumb_key,
                "thumb_sha256": hashlib.sha256(thumb).hexdigest(),
                "thumb_size": len(thumb),
                "flags": [],
                "status": "verified",
                "uploaded_by": user_id,
                "created_at": dt.datetime.now(dt.UTC),
            }
        )
    if direct_disk:
        for key, data in objects:
            path = store.root / "objects" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            meta = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            path.with_name(path.name + ".meta.json").write_text(
                json.dumps({**meta, "content_type": "image/jpeg", "metadata": {}})
            )
    else:
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda item: store.put(
                        item[0], item[1], hashlib.sha256(item[1]).hexdigest(), "image/jpeg"
                    ),
                    objects,
                )
            )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Evidence), rows[start : start + 5000])
    db.session.commit()


# --- measuring ---------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    clock = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - clock


def peak_memory(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mb(size: float) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def audit_lines() -> list[str]:
    from server import registry
    from server.services import audit

    insert_audit(AUDIT)
    old_count, old_s = timed(old_audit_verify)
    store = registry.evidence_store()
    full, full_s = timed(lambda: audit.verify(store, full=True, retain_days=1))
    assert full.problems == [] and full.checked == AUDIT == old_count
    insert_audit(NEW_ENTRIES)
    since, since_s = timed(lambda: audit.verify(store, retain_days=1))
    assert since.problems == [] and since.checked == NEW_ENTRIES and since.start is not None
    return [
        f"audit verify, {AUDIT:,} entries on PostgreSQL:",
        f"  before (ORM objects, whole chain): {old_s:6.2f} s  {old_count / old_s:9,.0f} entries/s",
        f"  --full (plain rows, 5,000/query):  {full_s:6.2f} s  {full.checked / full_s:9,.0f} entries/s"
        f"  ({old_s / full_s:.1f}x)",
        f"  default, {NEW_ENTRIES:,} new entries after the checkpoint: {since_s:6.2f} s"
        f"  ({since.checked / since_s:,.0f} entries/s walked)",
        f"  at 4.3 million entries the full walk would take ~{4_300_000 / (full.checked / full_s):,.0f} s "
        f"(before: ~{4_300_000 / (old_count / old_s):,.0f} s)",
    ]


def storage_lines(
    label: str, rows: int, old_keys: Callable[[str], Iterator[str]], inspections: list[int], user_id: int
) -> list[str]:
    from server import registry
    from server.services import evidence

    store = registry.evidence_store()
    local = store.backend == "local"
    insert_evidence(store, inspections, user_id, 0, rows, direct_disk=local)
    objects = 2 * rows
    (old_checked, old_problems), old_s = timed(lambda: old_storage_verify(store, old_keys))
    assert old_checked == objects and old_problems == 0
    lines = [f"storage verify, {rows:,} rows = {objects:,} objects on {label}:"]
    lines.append(f"  before (one at a time):  {old_s:6.2f} s  {objects / old_s:7,.0f} objects/s")
    for workers in (1, 8):
        report, seconds = timed(lambda w=workers: evidence.verify_store(workers=w, batch=1000))  # type: ignore[misc]
        assert report.problems == 0 and report.checked == objects, report
        lines.append(
            f"  new, {workers} worker(s):      {seconds:6.2f} s  {objects / seconds:7,.0f} objects/s"
            f"  ({old_s / seconds:.1f}x)"
        )
    insert_evidence(store, inspections, user_id, rows, NEW_ROWS, direct_disk=local)
    since, since_s = timed(lambda: evidence.verify_store(since_last=True))
    assert since.checked == 2 * NEW_ROWS and since.problems == 0
    lines.append(f"  --since-last after {NEW_ROWS} new rows: {since.checked} objects in {since_s:.2f} s")
    sample, sample_s = timed(lambda: evidence.verify_store(confidence=0.95, tolerance=0.001))
    assert sample.sample is not None
    lines.append(f"  --confidence 0.95 --tolerance 0.001: {sample.checked} objects in {sample_s:.2f} s")
    lines.append(f"    {sample.sample.statement()}")
    if local:
        from server.db import evidence as queries
        from server.domain.verification import unreferenced

        def old_listing() -> None:
            referenced = {
                k
                for rows in queries.check_batches(0, 1000)
                for r in rows
                for k in (r.object_key, r.thumb_key)
            }
            assert not [k for p in ("evidence/", "thumbs/") for k in old_keys(p) if k not in referenced]

        def new_listing() -> None:
            listed = (k for p in ("evidence/", "thumbs/") for k in store.keys(p))
            assert not list(unreferenced(listed, queries.referenced_keys()))

        total = objects + 2 * NEW_ROWS
        old_peak, new_peak = peak_memory(old_listing), peak_memory(new_listing)
        lines.append(
            f"  peak memory of listing and matching {total:,} keys: before {mb(old_peak)}, "
            f"now {mb(new_peak)}; at 6.2 million keys before ~{mb(old_peak / total * 6_200_000)}"
        )
    return lines


def run() -> list[str]:
    from sqlalchemy import text

    from bench.sync import prepare
    from bench.sync import settings as bench_settings
    from server import create_app
    from server.db.models import User
    from server.extensions import db
    from server.settings import S3Settings
    from server.storage.s3 import S3Store
    from tests.harness.services import MinioServer, PostgresServer

    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
        tmp = Path(name)
        postgres, minio = PostgresServer(tmp / "pg"), MinioServer(tmp / "minio")
        try:
            env = postgres.start()
            if not env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            url, secret = env["DABIAO_TEST_PG_URL"], secrets.token_urlsafe(32)
            inspections = prepare(url, tmp, secret, 1, 50, secrets.token_urlsafe(12))[0]
            app = create_app(bench_settings(tmp, url, secret))
            with app.app_context():
                user_id = db.session.query(User.id).filter(User.username == "bench-0").scalar()
                lines += audit_lines()
                store = app.extensions["evidence_store"]
                lines += storage_lines(
                    "local disk", EVIDENCE, lambda p: old_local_keys(store, p), inspections, user_id
                )
                db.session.execute(text("DELETE FROM evidence"))
                db.session.commit()
                db.engine.dispose()
            s3_env = minio.start()
            if not s3_env:
                return [*lines, "MinIO is not there: the S3 part is skipped"]
            s3 = S3Settings(
                endpoint_url=s3_env["DABIAO_TEST_S3_ENDPOINT"],
                bucket="bench-verify",
                access_key=s3_env["DABIAO_TEST_S3_ACCESS_KEY"],
                secret_key=s3_env["DABIAO_TEST_S3_SECRET_KEY"],
                region="us-east-1",
                connect_timeout=2,
                read_timeout=10,
            )
            S3Store(s3).ensure_bucket(object_lock=True)
            s3_app = create_app(replace(bench_settings(tmp, url, secret), evidence_backend="s3", s3=s3))
            with s3_app.app_context():
                s3_store = s3_app.extensions["evidence_store"]
                lines += storage_lines("MinIO", S3_EVIDENCE, s3_store.keys, inspections, user_id)
                db.engine.dispose()
        finally:
            minio.stop()
            postgres.stop()
    return lines
