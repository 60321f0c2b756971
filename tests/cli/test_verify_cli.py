"""`flask audit verify` from its checkpoint and `flask storage verify` in batches, in parallel, since
the last run and as a random sample: on the local store and on the real MinIO, on SQLite and
PostgreSQL. Batch sizes are tiny so that every run crosses batch boundaries."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text

from server.db.models import AuditEntry, Evidence, Inspection
from server.domain.audit import entry_hash
from server.extensions import db
from server.services import audit
from server.storage import EvidenceStore
from tests.api.world import World
from tests.conftest import private_bucket
from tests.photos import sha256


@pytest.fixture(params=["local", "s3"])
def app(request: pytest.FixtureRequest, app_factory: Callable[..., Flask]) -> Flask:
    if request.param == "s3":
        return app_factory(evidence_backend="s3", s3=private_bucket(request))
    return app_factory()


def store(world: World) -> EvidenceStore:
    return world.client.application.extensions["evidence_store"]  # type: ignore[no-any-return]


def cli(world: World) -> FlaskCliRunner:
    return world.client.application.test_cli_runner()


# --- audit verify ----------------------------------------------------------------------------------


def _record(n: int) -> None:
    for i in range(n):
        audit.record("test.entry", actor=f"tester-{i}", after={"i": i, "名": "记录"})
    db.session.commit()


def _tamper(seq: int) -> None:
    """Edit an entry without touching its hash (the append-only trigger is lifted on PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    db.session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = :seq"), {"seq": seq})
    db.session.expire_all()


def _head() -> int:
    return int(db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0)


def test_audit_verify_walks_only_what_follows_its_checkpoint(world: World) -> None:
    runner = cli(world)
    _record(12)
    first = runner.invoke(args=["audit", "verify", "--batch", "5"])
    assert first.exit_code == 0, first.output
    checkpoint = _head()
    assert "checked the whole chain from its first entry" in first.stdout
    assert f"walked {checkpoint} entries in " in first.stdout
    assert re.search(r"\(\d[\d,]* entries/s\)", first.stdout)
    assert f"checkpoint written: audit-checkpoints/{checkpoint:012d}.json" in first.stdout
    body = json.loads(store(world).get(f"audit-checkpoints/{checkpoint:012d}.json"))
    assert body["seq"] == checkpoint
    assert body["hash"] == db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == checkpoint))
    assert dt.datetime.fromisoformat(body["verified_at"]).tzinfo is not None

    # Untouched entries after the checkpoint pass, and only they are walked.
    _record(7)
    second = runner.invoke(args=["audit", "verify", "--batch", "5"])
    assert second.exit_code == 0, second.output
    assert f"checked from checkpoint at entry {checkpoint} " in second.stdout
    assert "walked 7 entries in " in second.stdout
    assert f"audit chain intact: {checkpoint + 7} entries" in second.stdout
    checkpoint += 7

    # An entry after the checkpoint is edited: found. One before it: found by --full only.
    _record(6)
    before, after = checkpoint - 10, checkpoint + 3
    _tamper(before)
    _tamper(after)
    third = runner.invoke(args=["audit", "verify", "--batch", "5"])
    assert third.exit_code == 1
    assert f"entry {after}: content does not match its hash (edited)" in third.stderr
    assert f"entry {before}:" not in third.stderr
    assert "walked 6 entries" in third.stdout
    assert "checkpoint written" not in third.stdout  # a broken run records nothing
    full = runner.invoke(args=["audit", "verify", "--full", "--batch", "5"])
    assert full.exit_code == 1
    assert f"entry {before}: content does not match its hash (edited)" in full.stderr
    assert f"entry {after}: content does not match its hash (edited)" in full.stderr
    assert f"walked {checkpoint + 6} entries" in full.stdout


def test_a_checkpoint_the_log_no_longer_matches_is_reported_and_the_whole_chain_walked(world: World) -> None:
    runner = cli(world)
    _record(9)
    assert runner.invoke(args=["audit", "verify", "--batch", "4"]).exit_code == 0
    head = _head()
    # The chain is rewritten from an early entry to its end, hashes recomputed: it links up,
    # but the checkpoint's entry no longer has the hash the checkpoint recorded.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    prev = None
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= 3).order_by(AuditEntry.seq)):
        if prev is not None:
            entry.prev_hash = prev
        if entry.seq == 3:
            entry.actor = "someone-else"
        entry.hash = entry_hash(entry.prev_hash, audit.payload_of(entry))
        db.session.flush()
        prev = entry.hash
    assert runner.invoke(args=["audit", "verify", "--no-anchors"]).exit_code == 0  # links up
    result = runner.invoke(args=["audit", "verify", "--batch", "4"])
    assert result.exit_code == 1
    assert (
        f"checkpoint at entry {head}: its hash differs from the checkpoint (the log changed before it); "
        "the whole chain was checked"
    ) in result.stderr
    assert "checked the whole chain from its first entry" in result.stdout
    assert f"walked {head} entries" in result.stdout


# --- storage verify --------------------------------------------------------------------------------


def _add_rows(world: World, inspection: Inspection, n: int) -> list[Evidence]:
    """Rows whose photo and thumbnail are in the store (small bytes: the check is about keys and
    digests, the photo pipeline has its own tests)."""
    rows = []
    for _ in range(n):
        name = secrets.token_hex(8)
        photo, thumb = f"photo {name}".encode(), f"thumb {name}".encode()
        key, thumb_key = f"evidence/{inspection.id}/{name}.jpg", f"thumbs/{inspection.id}/{name}.jpg"
        store(world).put(key, photo, sha256(photo), "image/jpeg")
        store(world).put(thumb_key, thumb, sha256(thumb), "image/jpeg")
        row = Evidence(
            inspection_id=inspection.id,
            item_id="M-B01",
            object_key=key,
            sha256=sha256(photo),
            size=len(photo),
            content_type="image/jpeg",
            thumb_key=thumb_key,
            thumb_sha256=sha256(thumb),
            thumb_size=len(thumb),
            flags=[],
            uploaded_by=world.users["inspector"].id,
        )
        db.session.add(row)
        db.session.flush()
        rows.append(row)
    db.session.commit()
    return rows


def _remove(world: World, key: str) -> None:
    evidence_store = store(world)
    if evidence_store.backend == "local":
        (evidence_store.root / "objects" / key).unlink()  # type: ignore[attr-defined]
    else:
        evidence_store.client.delete_object(Bucket=evidence_store.bucket, Key=key)  # type: ignore[attr-defined]


def _overwrite(world: World, key: str) -> None:
    evidence_store = store(world)
    if evidence_store.backend == "local":
        (evidence_store.root / "objects" / key).write_bytes(b"tampered")  # type: ignore[attr-defined]
    else:  # a new version on top of the old one
        evidence_store.client.put_object(Bucket=evidence_store.bucket, Key=key, Body=b"tampered")  # type: ignore[attr-defined]


def _put(world: World, key: str) -> None:
    store(world).put(key, b"stray", sha256(b"stray"), "image/jpeg")


def test_storage_verify_in_batches_and_in_parallel_finds_every_kind_of_problem(world: World) -> None:
    inspection = world.inspection()
    rows = _add_rows(world, inspection, 5)
    args = ["storage", "verify", "--batch", "2", "--workers", "3"]
    clean = cli(world).invoke(args=args)
    assert clean.exit_code == 0, clean.output
    assert "checked 10 objects: 0 missing, 0 mismatched, 0 orphaned" in clean.stdout
    assert re.search(
        r"hashed 10 objects of 5 evidence rows in [\d.]+ s \(\d[\d,]* objects/s, 3 workers\)", clean.stdout
    )

    _remove(world, rows[0].object_key)
    _overwrite(world, rows[3].thumb_key or "")
    _remove(world, rows[4].thumb_key or "")
    # Orphans on both sides of the row keys in byte order: "12-x" sorts before "12/..." ('-' < '/')
    strays = [
        f"evidence/{inspection.id}-stray.jpg",
        f"evidence/{inspection.id}/zz-stray.jpg",
        f"thumbs/{inspection.id}/00-stray.jpg",
    ]
    for key in strays:
        _put(world, key)
    _put(world, f"reports/{inspection.id}/not-evidence.pdf")  # other prefixes are not orphans

    result = cli(world).invoke(args=args)
    assert result.exit_code == 1
    assert "checked 10 objects: 2 missing, 1 mismatched, 3 orphaned" in result.stdout
    assert f"missing: {rows[0].object_key} (evidence {rows[0].id})" in result.stderr
    assert f"missing: {rows[4].thumb_key} (evidence {rows[4].id})" in result.stderr
    assert f"mismatched: {rows[3].thumb_key} (evidence {rows[3].id})" in result.stderr
    orphaned = [
        line.removeprefix("orphaned: ") for line in result.stderr.splitlines() if line.startswith("orphaned")
    ]
    assert orphaned == sorted(strays)
    assert "run recorded" not in result.stdout


def test_storage_verify_since_last_checks_only_rows_added_since_the_last_clean_run(world: World) -> None:
    inspection = world.inspection()
    old = _add_rows(world, inspection, 3)
    first = cli(world).invoke(args=["storage", "verify", "--since-last", "--batch", "2"])
    assert first.exit_code == 0, first.output
    assert "no earlier clean run recorded: checked every evidence row" in first.stdout
    assert "checked 6 objects: 0 missing, 0 mismatched, orphans not checked" in first.stdout
    assert f"run recorded: verify-runs/storage/{old[-1].id:012d}.json" in first.stdout

    new = _add_rows(world, inspection, 2)
    _overwrite(world, old[1].object_key)  # before the recorded run: not looked at again
    second = cli(world).invoke(args=["storage", "verify", "--since-last", "--batch", "1"])
    assert second.exit_code == 0, second.output
    assert f"evidence rows after id {old[-1].id}" in second.stdout
    assert "checked 4 objects: 0 missing, 0 mismatched, orphans not checked" in second.stdout
    assert f"run recorded: verify-runs/storage/{new[-1].id:012d}.json" in second.stdout

    newest = _add_rows(world, inspection, 1)
    _remove(world, newest[0].thumb_key or "")
    third = cli(world).invoke(args=["storage", "verify", "--since-last"])
    assert third.exit_code == 1
    assert f"evidence rows after id {new[-1].id}" in third.stdout
    assert "checked 2 objects: 1 missing, 0 mismatched" in third.stdout
    assert f"missing: {newest[0].thumb_key} (evidence {newest[0].id})" in third.stderr

    # A run of everything still finds the photo changed before the recorded run.
    everything = cli(world).invoke(args=["storage", "verify", "--batch", "2"])
    assert everything.exit_code == 1
    assert "checked 12 objects: 1 missing, 1 mismatched, 0 orphaned" in everything.stdout
    assert f"mismatched: {old[1].object_key} (evidence {old[1].id})" in everything.stderr


def test_storage_verify_of_a_random_sample_states_its_size_and_confidence(world: World) -> None:
    inspection = world.inspection()
    rows = _add_rows(world, inspection, 5)
    sized = cli(world).invoke(args=["storage", "verify", "--sample", "3", "--seed", "11", "--batch", "2"])
    assert sized.exit_code == 0, sized.output
    assert "sample: a random sample of 3 of 10 objects (no confidence was asked for" in sized.stdout
    assert "(seed 11)" in sized.stdout
    assert "checked 3 objects: 0 missing, 0 mismatched, orphans not checked" in sized.stdout
    assert "run recorded" not in sized.stdout  # a sample is not a clean run of everything
    again = cli(world).invoke(args=["storage", "verify", "--sample", "3", "--seed", "11", "--batch", "2"])
    assert again.stdout.splitlines()[0] == sized.stdout.splitlines()[0]

    # n = ceil(ln(1 - 0.95) / ln(1 - 0.5)) = 5; drawn without replacement from 10 objects of which
    # at least 5 would be bad, the chance of finding one is 1 - C(5,5)/C(10,5) = 251/252.
    stated = cli(world).invoke(args=["storage", "verify", "--confidence", "0.95", "--tolerance", "0.5"])
    assert stated.exit_code == 0, stated.output
    assert (
        "sample: a random sample of 5 of 10 objects: if at least 50.0000% of all objects were missing "
        "or altered, a sample this size would have found at least one with probability 99.60% "
        "(asked for at least 95%)"
    ) in stated.stdout
    assert "checked 5 objects: " in stated.stdout

    # A sample as large as the population is every object: the damaged one is found.
    _overwrite(world, rows[2].object_key)
    whole = cli(world).invoke(args=["storage", "verify", "--sample", "50"])
    assert whole.exit_code == 1
    assert "sample: all 10 objects were checked: this is not an estimate" in whole.stdout
    assert f"mismatched: {rows[2].object_key} (evidence {rows[2].id})" in whole.stderr

    refused = cli(world).invoke(args=["storage", "verify", "--confidence", "0.95"])
    assert refused.exit_code == 2
    assert "--confidence and --tolerance go together" in refused.output


def test_both_checks_report_progress_for_a_background_job(world: World) -> None:
    from server.services import evidence

    _add_rows(world, world.inspection(), 3)
    _record(11)
    seen: list[tuple[int, int]] = []
    report = evidence.verify_store(
        batch=2, workers=2, progress=lambda done, total: seen.append((done, total))
    )
    assert report.checked == 6
    assert seen[-1] == (6, 6) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    steps: list[tuple[int, int]] = []
    result = audit.verify(store(world), full=True, batch=4, progress=lambda d, t: steps.append((d, t)))
    assert result.problems == []
    head = _head()
    assert steps[-1] == (head, head) and len(steps) == -(-head // 4)
