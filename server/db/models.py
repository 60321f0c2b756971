"""Tables. Column defaults are callables, evaluated per row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.types import UTCDateTime
from server.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ChecklistVersion(db.Model):  # type: ignore[name-defined,misc]
    """One published checklist version, loaded from checklists/ and never changed afterwards."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("checklist_id", "version", name="uq_checklist_versions_id_version"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    edition: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Region(db.Model):  # type: ignore[name-defined,misc]
    """A region by its administrative (6-digit) or statistical (9/12-digit) code."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True, index=True)
    # who issues the region's documents, when not the default named after it (domain.regions)
    issuing_body: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Facility(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "facilities"
    # keyset pages of the facility list follow (region_code, id)
    __table_args__ = (Index("ix_facilities_region_id", "region_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    type_code: Mapped[str] = mapped_column(String(4), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, unique=True)
    licence_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    beds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    iv_infusion: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    population_served: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # further checklist facts (community_hospital, tcm_corner, obstetric_ultrasound, ...)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # set by someone else (a new account, a reset): changed by its user before anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    """A login. Only the token's SHA-256 is stored; logout and expiry end it for good."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginThrottle(db.Model):  # type: ignore[name-defined,misc]
    """Failed logins of one username from one client address. Kept for unknown usernames too,
    so a throttled name and an unknown one answer alike; a stranger elsewhere never blocks a
    user's own device. The row with the username " *" counts an address's failures across every
    username (password spraying); no stripped username can be " *"."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Plan(db.Model):  # type: ignore[name-defined,misc]
    """A campaign plan (评审计划): which facilities of a region are inspected on which checklist,
    by whom and when. Its inspections carry its id; a plan too large to create within a request
    waits as `pending` until its background job has created them."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_region_id", "region_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the client's key of the request that created it: the same request sent again is this plan
    request_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    checklist_id: Mapped[str] = mapped_column(String(64), nullable=False)
    checklist_version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    requires_self_assessment: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # facilities in the plan
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # days a facility has to rectify what its approved inspection failed (None: the checklist's)
    rectify_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Inspection(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "inspections"
    # keyset pages of lists and the review queue follow (inspection_date, id), newest first
    __table_args__ = (Index("ix_inspections_date_id", "inspection_date", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)  # the facility's
    checklist_id: Mapped[str] = mapped_column(String(64), nullable=False)
    checklist_version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    inspection_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    county_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    city_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True, index=True)
    # the tier reached when finally approved (cleared when reopened): what lists and filters read
    final_tier_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    final_tier_label: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sync_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Assignment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assignments"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Answer(db.Model):  # type: ignore[name-defined,misc]
    """The current answer to one item; every change to it is also an AnswerRevision."""

    __tablename__ = "answers"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(16), nullable=False)
    document_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # an item with several documents: {document key: {"document_date" | "valid_until": "YYYY-MM-DD"}}
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(12), nullable=False)  # inspector, review, migration
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AnswerRevision(db.Model):  # type: ignore[name-defined,misc]
    """Append-only history of every answer: the inspector's original stays beside every regrade."""

    __tablename__ = "answer_revisions"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id", "revision", name="uq_answer_revisions_item_revision"),
        # an inspection's revisions, and their count and newest id read from the index alone
        # (a report's change markers: server/db/reports.py, server/db/payouts.py)
        Index("ix_answer_revisions_inspection_id_id", "inspection_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(16), nullable=False)
    document_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # an item with several documents: {document key: {"document_date" | "valid_until": "YYYY-MM-DD"}}
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    change_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_time: Mapped[str | None] = mapped_column(String(40), nullable=True)  # as the device claimed it
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Conflict(db.Model):  # type: ignore[name-defined,misc]
    """A change made on a stale base: kept whole for a person to resolve, never dropped."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False, index=True)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    change_id: Mapped[str] = mapped_column(String(64), nullable=False)
    base_revision: Mapped[int] = mapped_column(Integer, nullable=False)
    current_revision: Mapped[int] = mapped_column(Integer, nullable=False)
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_time: Mapped[str | None] = mapped_column(String(40), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(12), nullable=True)  # accepted, dismissed
    resolution_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class SyncReceipt(db.Model):  # type: ignore[name-defined,misc]
    """The idempotency record of one device change, written in the same transaction as its data."""

    __tablename__ = "sync_receipts"

    change_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str] = mapped_column(String(64), nullable=False)
    payload_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Evidence(db.Model):  # type: ignore[name-defined,misc]
    """A photo attached to an inspection item. The object is stored before this row is written,
    so every row points at bytes that exist; capture time and place are kept both as the device
    claimed them and as the photo's EXIF says, beside the server's receipt time."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_inspection_id_id", "inspection_id", "id"),)  # as answer_revisions'

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="photo")
    object_key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    original_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    thumb_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    thumb_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thumb_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_captured_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    claimed_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    exif_captured_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    exif_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    exif_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="verified")
    retained_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class StatusChange(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_inspection_id_id", "inspection_id", "id"),)  # as above

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ReviewSample(db.Model):  # type: ignore[name-defined,misc]
    """A city's random draw of county-approved inspections, reproducible from seed and population."""

    __tablename__ = "review_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    population: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    selected: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    drawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # the inspection days the population was drawn from (None: any), and the rate when drawn by one
    period_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rate_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SampledInspection(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "sampled_inspections"

    sample_id: Mapped[int] = mapped_column(ForeignKey("review_samples.id"), primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True, index=True)


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Append-only, hash-chained: `flask audit verify` finds an edited or deleted entry."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(48), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(24), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the region the entry concerns (the target's, else the actor's): audit lists are scoped by it
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class Report(db.Model):  # type: ignore[name-defined,misc]
    """A rendered inspection report: the digest of the snapshot it was made from, its number,
    and where the snapshot and the PDF are kept in the evidence store."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    snapshot_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    snapshot_key: Mapped[str] = mapped_column(String(512), nullable=False)
    pdf_key: Mapped[str] = mapped_column(String(512), nullable=False)
    pdf_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    pdf_size: Mapped[int] = mapped_column(Integer, nullable=False)
    facility_name: Mapped[str] = mapped_column(String(100), nullable=False)
    tier_label: Mapped[str] = mapped_column(String(40), nullable=False)
    tier_code: Mapped[str] = mapped_column(String(40), nullable=False)
    # rendered from a finally approved inspection (None: rendered before this was kept; see its snapshot)
    final: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PayoutRule(db.Model):  # type: ignore[name-defined,misc]
    """The reward (奖补) for reaching a tier of a checklist family in a region, in force from
    `valid_from`. Never edited: a new amount is a new rule with a later `valid_from`."""

    __tablename__ = "payout_rules"
    __table_args__ = (
        UniqueConstraint("region_code", "family", "tier_code", "valid_from", name="uq_payout_rules_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    tier_code: Mapped[str] = mapped_column(String(40), nullable=False)
    amount_yuan: Mapped[int] = mapped_column(BigInteger, nullable=False)
    top_up: Mapped[bool] = mapped_column(Boolean, nullable=False)  # pay the difference to lower tiers paid
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Payout(db.Model):  # type: ignore[name-defined,misc]
    """A payout recorded from a payout sheet: what a facility was allotted for the tier its approved
    inspection reached, and the report it rests on. One per report of an inspection, so recording
    the same sheet again adds nothing."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("inspection_id", "report_sha256", name="uq_payouts_inspection_report"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False, index=True)
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    tier_code: Mapped[str] = mapped_column(String(40), nullable=False)  # the tier paid for (the rule's)
    amount_yuan: Mapped[int] = mapped_column(BigInteger, nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)  # the sheet's
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    report_number: Mapped[str] = mapped_column(String(40), nullable=False)
    report_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("payout_rules.id"), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)


class Job(db.Model):  # type: ignore[name-defined,misc]
    """A piece of heavy work (a payout sheet, a report, a verification) done outside any request, as
    its users see it: state, progress, and the result to download once it succeeded.

    The queue itself is procrastinate's (its `procrastinate_*` tables, on PostgreSQL only); this row
    is the record people read. `attempt` fences a run: a run writes its result only while the row
    still carries its attempt number, so a run that a retry replaced can never publish. At most one
    job per `key` is queued or running at a time (the partial unique index)."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index(
            "uq_jobs_active_key",
            "key",
            unique=True,
            postgresql_where=text("state IN ('queued', 'running')"),
            sqlite_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_jobs_key_state", "key", "state"),
        Index("ix_jobs_region_id", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_done: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    progress_total: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    result_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    result_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    result_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    result_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    result_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    result_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    queue_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DashboardResult(db.Model):  # type: ignore[name-defined,misc]
    """A final result as the results dashboard counts it (server/domain/dashboard.py): one row per
    finally approved county inspection or city re-inspection, written in the transaction of its
    final approval and removed in that of its reopening (server/db/dashboard.py). `latest` marks
    the result that stands for its facility in its checklist family and campaign year."""

    __tablename__ = "dashboard_results"
    __table_args__ = (
        # counts and lists of a family and year inside a region, by region code then facility
        Index("ix_dashboard_results_scope", "family", "year", "latest", "region_code", "facility_id"),
        Index("ix_dashboard_results_facility", "facility_id", "family", "year"),
    )

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id"), primary_key=True, autoincrement=False
    )
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)  # the facility's
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    checklist_id: Mapped[str] = mapped_column(String(64), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # of the inspection date
    inspection_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    tier_code: Mapped[str] = mapped_column(String(40), nullable=False)
    latest: Mapped[bool] = mapped_column(Boolean, nullable=False)


class DashboardNotMet(db.Model):  # type: ignore[name-defined,misc]
    """An item on the rectification list of a final result (not met, monitoring items aside), with
    its result's place, family, year and `latest` copied so the most frequent items of a region are
    counted from one index."""

    __tablename__ = "dashboard_not_met"
    __table_args__ = (
        Index(
            "ix_dashboard_not_met_scope",
            "family",
            "year",
            "latest",
            "checklist_id",
            "item_id",
            "region_code",
            "facility_id",
        ),
    )

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("dashboard_results.inspection_id"), primary_key=True, autoincrement=False
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(64), nullable=False)
    facility_id: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    latest: Mapped[bool] = mapped_column(Boolean, nullable=False)


class DashboardTarget(db.Model):  # type: ignore[name-defined,misc]
    """The shares a bureau sets itself for a campaign year and checklist family: at least this
    percent of the family's facilities at 基本标准 (or higher), and at 推荐标准 (or higher). The
    nearest region at or above the one shown that has a target gives it."""

    __tablename__ = "dashboard_targets"
    __table_args__ = (UniqueConstraint("region_code", "year", "family", name="uq_dashboard_targets_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    basic_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recommended_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RectificationTask(db.Model):  # type: ignore[name-defined,misc]
    """One item a finally approved inspection found below what the checklist asks: the facility's
    task to fix it by `deadline`, and the county's check of the fix (server/domain/rectification.py).
    `revision` counts the task's changes; `problem` is what the result said when the task was made."""

    __tablename__ = "rectification_tasks"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id", name="uq_rectification_tasks_item"),
        # lists of a region and of a facility, newest first, by keyset on the id
        Index("ix_rectification_tasks_region_id", "region_code", "id"),
        Index("ix_rectification_tasks_facility_id", "facility_id", "id"),
        Index("ix_rectification_tasks_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)  # the facility's
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    problem: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the facility's, as last submitted
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RectificationPhoto(db.Model):  # type: ignore[name-defined,misc]
    """A photo of a fix: checked and stored like inspection evidence (server/services/photos.py),
    idempotent by the device's upload id, kept apart from the inspection's evidence so that an
    approved result and its report never change."""

    __tablename__ = "rectification_photos"
    __table_args__ = (Index("ix_rectification_photos_task_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("rectification_tasks.id"), nullable=False)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    upload_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    object_key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    original_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    thumb_key: Mapped[str] = mapped_column(String(512), nullable=False)
    thumb_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    thumb_size: Mapped[int] = mapped_column(Integer, nullable=False)
    claimed_captured_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    claimed_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    exif_captured_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    exif_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    exif_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RectificationEvent(db.Model):  # type: ignore[name-defined,misc]
    """A task's history, append-only: made, submitted (with the photos it showed), accepted,
    returned, withdrawn. A device's submission carries its change id: sent again, it is this row."""

    __tablename__ = "rectification_events"
    __table_args__ = (Index("ix_rectification_events_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("rectification_tasks.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(12), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12), nullable=False)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # the note submitted, the reason given
    photo_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    change_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Publication(db.Model):  # type: ignore[name-defined,misc]
    """A publication of results (公示) of a region and period: the list people may object to for
    `working_days` working days from `starts_on` (its last day `ends_on`), on a public page found by
    its `token` (random, not guessable, never the id)."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_region_id", "region_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the client's key of the request that created it: the same request sent again is this one
    request_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    token: Mapped[str] = mapped_column(String(43), nullable=False, unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)  # 2026, 2026Q4, 2026-11
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer: Mapped[str] = mapped_column(String(100), nullable=False)  # 开封市卫生健康委员会
    contact: Mapped[str] = mapped_column(Text, nullable=False)  # how to object, as the bureau wrote it
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    working_days: Mapped[int] = mapped_column(Integer, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PublicationEntry(db.Model):  # type: ignore[name-defined,misc]
    """One published result, as it was when published (facility, tier, date, report), and whether
    it still stands. A result (an inspection's report) is published once: unique."""

    __tablename__ = "publication_entries"
    __table_args__ = (
        UniqueConstraint("inspection_id", "report_sha256", name="uq_publication_entries_result"),
        Index("ix_publication_entries_publication_id", "publication_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), nullable=False)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), nullable=False)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), nullable=False)
    facility_name: Mapped[str] = mapped_column(String(100), nullable=False)
    region_name: Mapped[str] = mapped_column(String(100), nullable=False)  # the facility's county
    family: Mapped[str] = mapped_column(String(32), nullable=False)
    family_label: Mapped[str] = mapped_column(String(100), nullable=False)
    tier_code: Mapped[str] = mapped_column(String(40), nullable=False)
    tier_label: Mapped[str] = mapped_column(String(40), nullable=False)
    inspection_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    report_number: Mapped[str] = mapped_column(String(40), nullable=False)
    report_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # published, withdrawn
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # the China day


class PublicationObjection(db.Model):  # type: ignore[name-defined,misc]
    """An objection (异议) to one published result, as the bureau recorded it, and its outcome.
    Who objected is kept for the bureau only: the public page never shows it."""

    __tablename__ = "publication_objections"
    __table_args__ = (Index("ix_publication_objections_publication_id", "publication_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), nullable=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("publication_entries.id"), nullable=False, index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    objector: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)  # pending, upheld, dismissed
    outcome_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PayoutSetting(db.Model):  # type: ignore[name-defined,misc]
    """A region's payout setting: whether its payout sheets pay only results whose publication
    (公示) ended with no upheld objection. A region above that asks for it binds the regions below."""

    __tablename__ = "payout_settings"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    requires_publication: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
