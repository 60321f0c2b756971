"""Wire schemas: the JSON contract of the API and the source of its OpenAPI document.

Request schemas refuse unknown fields (no mass assignment of status, region, totals or
reviewer). No I/O here.
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

ID_TEXT = validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$")
TEXT = validate.Length(max=2000)


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ErrorProblem(ma.Schema):
    code = fields.String(required=True)
    pointer = fields.String(required=True)
    message = fields.String(required=True)


class ErrorBody(ma.Schema):
    code = fields.String(required=True, metadata={"description": "stable error code"})
    message = fields.String(required=True)
    problems = fields.List(fields.Nested(ErrorProblem))


class Error(ma.Schema):
    error = fields.Nested(ErrorBody, required=True)


# --- auth ----------------------------------------------------------------------------------------


class LoginIn(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


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


class FacilityQuery(Strict):
    type_code = fields.String(validate=validate.Length(equal=4))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


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
    status = fields.String()
    facility_id = fields.Integer()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class InspectionCreateIn(Strict):
    facility_id = fields.Integer(required=True, strict=True)
    checklist_id = fields.String(required=True, validate=ID_TEXT)
    checklist_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(
        required=True, validate=validate.OneOf(["self_assessment", "county_inspection", "city_reinspection"])
    )
    inspection_date = fields.Date(required=True)
    inspector_ids = fields.List(
        fields.Integer(strict=True), load_default=list, validate=validate.Length(max=20)
    )


class AssignIn(Strict):
    inspector_ids = fields.List(
        fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=20)
    )


class AssignOut(ma.Schema):
    inspector_ids = fields.List(fields.Integer())


class StatusChangeOut(ma.Schema):
    action = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    actor_id = fields.Integer()
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class InspectionDetailOut(ma.Schema):
    inspection = fields.Nested(InspectionOut)
    facility = fields.Nested(FacilityOut)
    inspectors = fields.List(fields.Integer())
    answers = fields.Dict(keys=fields.String(), values=fields.Dict())
    open_conflicts = fields.Integer()
    status_changes = fields.List(fields.Nested(StatusChangeOut))


class TransitionIn(Strict):
    action = fields.String(required=True, validate=validate.Length(min=1, max=32))
    reason = fields.String(load_default=None, allow_none=True, validate=TEXT)


class RegradeIn(Strict):
    grade = fields.String(required=True, validate=validate.Length(min=1, max=16))
    document_date = fields.Date(load_default=None, allow_none=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=TEXT)
    base_revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class RevisionOut(ma.Schema):
    item_id = fields.String()
    revision = fields.Integer()
    grade = fields.String()
    document_date = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    author_id = fields.Integer()
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
    item_id = fields.String(validate=ID_TEXT)


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
    resolution = fields.String(allow_none=True)
    resolution_reason = fields.String(allow_none=True)


class ResolveIn(Strict):
    accept = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ResolveOut(ma.Schema):
    id = fields.Integer()
    resolution = fields.String()
    revision = fields.Integer(allow_none=True)


# --- sync ----------------------------------------------------------------------------------------


class ChangeIn(Strict):
    change_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"))
    inspection_id = fields.Integer(required=True, strict=True)
    item_id = fields.String(required=True, validate=ID_TEXT)
    base_revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    grade = fields.String(required=True, validate=validate.Length(min=1, max=16))
    document_date = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))
    valid_until = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))
    note = fields.String(load_default=None, allow_none=True, validate=TEXT)
    device_time = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class SyncIn(Strict):
    device_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    changes = fields.List(fields.Nested(ChangeIn), required=True, validate=validate.Length(min=1, max=1000))


class ReceiptOut(ma.Schema):
    change_id = fields.String()
    status = fields.String(metadata={"description": "applied, conflict or rejected"})
    revision = fields.Integer()
    current_revision = fields.Integer()
    error = fields.Nested(ErrorBody)
    received_at = fields.String()
    replayed = fields.Boolean()


class SyncOut(ma.Schema):
    receipts = fields.List(fields.Nested(ReceiptOut))


class AssignmentOut(ma.Schema):
    inspection = fields.Nested(InspectionOut)
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
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    seed = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=2**48)
    )


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
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    hash = fields.String()


class AuditQuery(Strict):
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


# --- evidence ------------------------------------------------------------------------------------


class EvidenceForm(Strict):
    upload_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"))
    captured_at = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "capture time as the device claims it (ISO 8601)"},
    )
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))


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
