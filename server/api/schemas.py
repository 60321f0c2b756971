"""Wire schemas: the JSON contract of the API and the source of its OpenAPI document.

Request schemas refuse unknown fields (no mass assignment of status, region, totals or
reviewer). No I/O here.
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from server.api.fields import (
    Bool,
    Date,
    DateTimeText,
    EachOnItsOwn,
    Float,
    Int,
    List,
    Nested,
    Strict,
    Text,
    in_range,
    length,
    one_of,
)
from server.domain import catalog, inputs, workflow

ID_TEXT = (r"^[A-Za-z0-9._:-]{1,64}$", "字母、数字和 . _ : -，最多 64 个字符")
DEVICE_ID = (r"^[A-Za-z0-9_-]{8,64}$", "字母、数字和 _ -，8 至 64 个字符")


def ident(**kwargs: object) -> Text:
    return Text(max_length=64, regex=ID_TEXT, **kwargs)  # type: ignore[arg-type]


def ident_int(**kwargs: object) -> Int:
    """An id: an integer column of 32 bits."""
    return Int(min=1, max=inputs.ID_MAX, **kwargs)  # type: ignore[arg-type]


def long_text(**kwargs: object) -> Text:
    return Text(max_length=inputs.NOTE_MAX, multiline=True, **kwargs)  # type: ignore[arg-type]


class ErrorProblem(ma.Schema):
    code = fields.String(required=True)
    pointer = fields.String(required=True)
    message = fields.String(required=True)


class ErrorBody(ma.Schema):
    code = fields.String(
        required=True,
        validate=one_of(sorted(catalog.CATALOG)),
        metadata={"description": "stable error code: one of the catalog (`x-error-catalog`)"},
    )
    message = fields.String(required=True)
    problems = fields.List(fields.Nested(ErrorProblem))


class Error(ma.Schema):
    error = fields.Nested(ErrorBody, required=True)


# --- auth ----------------------------------------------------------------------------------------


class LoginIn(Strict):
    username = Text(required=True, min_length=1, max_length=64)
    password = Text(required=True, min_length=1, max_length=256, load_only=True)


class UserOut(ma.Schema):
    id = fields.Integer(attribute="user_id")
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    region_code = fields.String()
    facility_id = fields.Integer(allow_none=True)


class LoginOut(ma.Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut, attribute="principal")


# --- regions and facilities ----------------------------------------------------------------------


class RegionOut(ma.Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)


class FacilityOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    type_code = fields.String()
    region_code = fields.String()
    uscc = fields.String(allow_none=True)
    licence_no = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    beds = fields.Integer()
    iv_infusion = fields.Boolean()
    population_served = fields.Integer(allow_none=True)
    facts = fields.Dict()


class ChecklistQuery(Strict):
    facility_id = ident_int(
        strict=False, metadata={"description": "only the checklists meant for this facility's kind"}
    )


class FacilityQuery(Strict):
    type_code = Text(min_length=4, max_length=4)
    limit = Int(load_default=200, min=1, max=500, strict=False)
    offset = Int(load_default=0, min=0, max=inputs.ID_MAX, strict=False)


# --- checklists ----------------------------------------------------------------------------------


class ChecklistRefOut(ma.Schema):
    id = fields.String()
    version = fields.Integer()
    family = fields.String()
    edition = fields.String()
    title = fields.String()
    sha256 = fields.String()


# --- inspections ---------------------------------------------------------------------------------


class InspectionOut(ma.Schema):
    id = fields.Integer()
    facility_id = fields.Integer()
    region_code = fields.String()
    checklist_id = fields.String()
    checklist_version = fields.Integer()
    kind = fields.String()
    status = fields.String()
    inspection_date = fields.Date()
    created_by = fields.Integer()
    county_reviewer_id = fields.Integer(allow_none=True)
    city_reviewer_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class InspectionQuery(Strict):
    status = Text(max_length=20, validate=one_of(list(workflow.STATUSES)))
    facility_id = ident_int(strict=False)
    q = Text(max_length=64, metadata={"description": "part of the facility's name"})
    region = Text(
        max_length=12,
        regex=(r"^(\d{6}|\d{9}|\d{12})$", "6、9 或 12 位区划代码"),
        metadata={"description": "a county, township or village code: inspections inside it"},
    )
    checklist_id = ident()
    tier = ident(metadata={"description": "a tier code of the loaded checklists, or none (未达标)"})
    awaiting = Bool(metadata={"description": "only what awaits the caller's review"})
    limit = Int(load_default=100, min=1, max=500, strict=False)
    offset = Int(load_default=0, min=0, max=inputs.ID_MAX, strict=False)


class QueueRowOut(ma.Schema):
    inspection = fields.Nested(InspectionOut)
    facility_name = fields.String()
    tier = fields.String(allow_none=True, metadata={"description": "the tier reached now (code)"})
    tier_label = fields.String(allow_none=True)
    inspectors = fields.List(fields.String(), metadata={"description": "the inspectors' display names"})
    sampled_at = fields.DateTime(allow_none=True, metadata={"description": "drawn for city re-review"})
    awaiting_me = fields.Boolean()


class QueueCountsOut(ma.Schema):
    awaiting = fields.Integer(metadata={"description": "awaiting the caller, under the other filters"})
    all = fields.Integer()


class TierOptionOut(ma.Schema):
    code = fields.String()
    label = fields.String()


class ChecklistOptionOut(ma.Schema):
    id = fields.String()
    title = fields.String()


class QueueOut(ma.Schema):
    total = fields.Integer(metadata={"description": "every row under the filters"})
    counts = fields.Nested(QueueCountsOut)
    items = fields.List(fields.Nested(QueueRowOut))
    tiers = fields.List(fields.Nested(TierOptionOut))
    checklists = fields.List(fields.Nested(ChecklistOptionOut))


class InspectionCreateIn(Strict):
    facility_id = ident_int(required=True)
    checklist_id = ident(required=True)
    checklist_version = ident_int(required=True)
    kind = Text(
        required=True,
        max_length=24,
        validate=one_of(["self_assessment", "county_inspection", "city_reinspection"]),
    )
    inspection_date = Date(required=True)
    inspector_ids = List(ident_int(), load_default=list, validate=length(max=20))


class AssignIn(Strict):
    inspector_ids = List(ident_int(), required=True, validate=length(min=1, max=20))


class AssignOut(ma.Schema):
    inspector_ids = fields.List(fields.Integer())


class StatusChangeOut(ma.Schema):
    action = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    actor_id = fields.Integer()
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class SampleMarkOut(ma.Schema):
    sample_id = fields.Integer()
    drawn_at = fields.DateTime()


class RefusalOut(ma.Schema):
    action = fields.String()
    code = fields.String(metadata={"description": "the error code the action would be refused with"})
    message = fields.String()


class InspectionDetailOut(ma.Schema):
    inspection = fields.Nested(InspectionOut)
    facility = fields.Nested(FacilityOut)
    inspectors = fields.List(fields.Integer())
    people = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "display names of inspectors, answer authors, reviewers and actors by id"},
    )
    sample = fields.Nested(
        SampleMarkOut, allow_none=True, metadata={"description": "the newest city sample that drew it"}
    )
    answers = fields.Dict(keys=fields.String(), values=fields.Dict())
    open_conflicts = fields.Integer()
    status_changes = fields.List(fields.Nested(StatusChangeOut))
    actions = fields.List(
        fields.String(),
        metadata={
            "description": "the workflow actions the caller may take now (reason, completeness asked then)"
        },
    )
    refusals = fields.List(
        fields.Nested(RefusalOut),
        metadata={
            "description": "actions of the caller's role from this state that the server refuses now, and why"
        },
    )
    may_regrade = fields.Boolean(metadata={"description": "whether the caller may regrade answers now"})


class TransitionIn(Strict):
    action = Text(required=True, min_length=1, max_length=32)
    reason = long_text(load_default=None, allow_none=True)


class RegradeIn(Strict):
    grade = Text(required=True, min_length=1, max_length=16)
    document_date = Date(load_default=None, allow_none=True)
    valid_until = Date(load_default=None, allow_none=True)
    note = long_text(load_default=None, allow_none=True)
    base_revision = Int(required=True, min=0, max=inputs.ID_MAX)
    reason = long_text(required=True, min_length=2)


class RevisionOut(ma.Schema):
    item_id = fields.String()
    revision = fields.Integer()
    grade = fields.String()
    document_date = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    author_id = fields.Integer()
    author_name = fields.String(metadata={"description": "the author's display name"})
    source = fields.String()
    reason = fields.String(allow_none=True)
    change_id = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    device_time = fields.String(allow_none=True, metadata={"description": "as claimed by the device"})
    received_at = fields.DateTime(metadata={"description": "the server's receipt time"})


class AnswerOut(ma.Schema):
    item_id = fields.String()
    revision = fields.Integer()
    grade = fields.String()
    source = fields.String()


class HistoryQuery(Strict):
    item_id = ident()


class ConflictOut(ma.Schema):
    id = fields.Integer()
    item_id = fields.String()
    change_id = fields.String()
    base_revision = fields.Integer()
    current_revision = fields.Integer()
    proposed = fields.Dict()
    author_id = fields.Integer()
    device_id = fields.String(allow_none=True)
    device_time = fields.String(allow_none=True)
    received_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={"description": "accepted, dismissed or combined"})
    resolution_reason = fields.String(allow_none=True)
    author_name = fields.String(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)
    current = fields.Dict(
        allow_none=True,
        metadata={"description": "the answer the change collided with: grade, note, revision, author"},
    )


class ResolveIn(Strict):
    accept = Bool(load_default=None, allow_none=True, metadata={"description": "older form of resolution"})
    resolution = Text(
        load_default=None,
        allow_none=True,
        max_length=12,
        validate=one_of(["accept", "dismiss", "combine"]),
        metadata={
            "description": "accept: the proposed answer; dismiss: keep the current one; combine: "
            "the chosen grade with both notes joined"
        },
    )
    grade = Text(load_default=None, allow_none=True, min_length=1, max_length=16)
    reason = long_text(required=True, min_length=1)


class ResolveOut(ma.Schema):
    id = fields.Integer()
    item_id = fields.String()
    resolution = fields.String()
    revision = fields.Integer(allow_none=True)
    answer = fields.Dict(allow_none=True, metadata={"description": "the item's answer after the resolution"})
    replayed = fields.Boolean()


# --- sync ----------------------------------------------------------------------------------------


class ChangeIn(Strict):
    change_id = Text(required=True, max_length=64, regex=DEVICE_ID)
    inspection_id = ident_int(required=True)
    item_id = ident(required=True)
    base_revision = Int(required=True, min=0, max=inputs.ID_MAX)
    grade = Text(required=True, min_length=1, max_length=16)
    document_date = Date(load_default=None, allow_none=True)
    valid_until = Date(load_default=None, allow_none=True)
    note = long_text(load_default=None, allow_none=True)
    device_time = DateTimeText(load_default=None, allow_none=True)


class SyncIn(Strict):
    device_id = Text(required=True, max_length=64, regex=(r"^[A-Za-z0-9_-]{1,64}$", "字母、数字和 _ -"))
    changes = EachOnItsOwn(
        Nested(ChangeIn),
        required=True,
        validate=length(min=1, max=1000),
        metadata={
            "description": "each change is checked on its own: a bad one gets a rejected receipt, "
            "the others are applied"
        },
    )


class ReceiptOut(ma.Schema):
    change_id = fields.String(
        allow_none=True, metadata={"description": "null when the change did not carry a valid change id"}
    )
    status = fields.String(metadata={"description": "applied, conflict or rejected"})
    revision = fields.Integer()
    current_revision = fields.Integer()
    error = fields.Nested(ErrorBody)
    received_at = fields.String()
    replayed = fields.Boolean()


class SyncOut(ma.Schema):
    receipts = fields.List(fields.Nested(ReceiptOut))


class LastChangeOut(ma.Schema):
    action = fields.String()
    to_status = fields.String()
    actor_name = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AssignmentOut(ma.Schema):
    inspection = fields.Nested(InspectionOut)
    last_change = fields.Nested(
        LastChangeOut,
        allow_none=True,
        metadata={"description": "the latest status change (a return's reason)"},
    )
    conflicts = fields.List(fields.Nested(ConflictOut), metadata={"description": "open sync conflicts"})
    checklist_key = fields.String()
    facts = fields.Dict()
    answers = fields.Dict()
    photos = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "stored photos per item"}
    )


class BootstrapOut(ma.Schema):
    server_time = fields.DateTime()
    user = fields.Nested(UserOut)
    assignments = fields.List(fields.Nested(AssignmentOut))
    facilities = fields.List(fields.Nested(FacilityOut))
    checklists = fields.Dict(keys=fields.String(), values=fields.Dict())


# --- samples and audit ---------------------------------------------------------------------------


class SampleIn(Strict):
    size = Int(required=True, min=1, max=1000)
    seed = Int(load_default=None, allow_none=True, min=0, max=2**48)


class SampleOut(ma.Schema):
    id = fields.Integer()
    region_code = fields.String()
    seed = fields.Integer()
    size = fields.Integer()
    population = fields.List(fields.Integer())
    selected = fields.List(fields.Integer())
    drawn_by = fields.Integer()
    drawn_at = fields.DateTime()


class AuditOut(ma.Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String(allow_none=True)
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    region_code = fields.String(allow_none=True, metadata={"description": "the region the entry concerns"})
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    hash = fields.String()


class AuditQuery(Strict):
    after_seq = Int(load_default=0, min=0, max=inputs.ID_MAX, strict=False)
    limit = Int(load_default=100, min=1, max=1000, strict=False)


# --- evidence ------------------------------------------------------------------------------------


class EvidenceForm(Strict):
    upload_id = Text(required=True, max_length=64, regex=DEVICE_ID)
    sha256 = Text(required=True, max_length=64, regex=(r"^[0-9a-fA-F]{64}$", "64 个十六进制字符"))
    captured_at = DateTimeText(
        load_default=None,
        allow_none=True,
        metadata={"description": "capture time as the device claims it (ISO 8601 with an offset)"},
    )
    latitude = Float(load_default=None, allow_none=True, validate=in_range(-90, 90))
    longitude = Float(load_default=None, allow_none=True, validate=in_range(-180, 180))


class EvidenceFile(Strict):
    file = Upload(required=True)


class EvidenceOut(ma.Schema):
    id = fields.Integer()
    inspection_id = fields.Integer()
    item_id = fields.String()
    upload_id = fields.String(allow_none=True)
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    original_name = fields.String(allow_none=True)
    claimed_captured_at = fields.String(allow_none=True)
    claimed_latitude = fields.Float(allow_none=True)
    claimed_longitude = fields.Float(allow_none=True)
    exif_captured_at = fields.String(allow_none=True)
    exif_latitude = fields.Float(allow_none=True)
    exif_longitude = fields.Float(allow_none=True)
    flags = fields.List(fields.String())
    status = fields.String()
    retained_until = fields.DateTime(allow_none=True)
    uploaded_by = fields.Integer()
    created_at = fields.DateTime(metadata={"description": "the server's receipt time"})
