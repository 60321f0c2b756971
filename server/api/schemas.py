"""Wire schemas: the JSON contract of the API and the source of its OpenAPI document.

Request schemas refuse unknown fields (no mass assignment of status, region, totals or
reviewer). No I/O here.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from server.api.fields import (
    Bool,
    Cursor,
    Date,
    DateTimeText,
    Dict,
    EachOnItsOwn,
    Float,
    Int,
    List,
    Nested,
    Paged,
    Strict,
    Text,
    in_range,
    length,
    one_of,
)
from server.domain import (
    catalog,
    dashboard,
    inputs,
    plans,
    publications,
    rectification,
    regions,
    sampling,
    scoring,
    workflow,
)
from server.domain.checklist import FACT_TYPE_LABELS

# The values a field can take, from the domain (each becomes an enum in the OpenAPI document).
STATUS = one_of(list(workflow.STATUSES))
ROLE = one_of(list(workflow.ROLES))
KIND = one_of(list(workflow.KINDS))
ACTION = one_of(list(workflow.TRANSITIONS))
RESOLVED = one_of(list(workflow.RESOLUTIONS.values()))

ID_TEXT = (r"^[A-Za-z0-9._:-]{1,64}$", "字母、数字和 . _ : -，最多 64 个字符")
DEVICE_ID = (r"^[A-Za-z0-9_-]{8,64}$", "字母、数字和 _ -，8 至 64 个字符")


def ident(**kwargs: object) -> Text:
    return Text(max_length=64, regex=ID_TEXT, **kwargs)  # type: ignore[arg-type]


def ident_int(**kwargs: object) -> Int:
    """An id: an integer column of 32 bits."""
    return Int(min=1, max=inputs.ID_MAX, **kwargs)  # type: ignore[arg-type]


# A written reason: its minimum (server/domain/workflow.py's REASON_MIN, counted after stripping)
# is the domain's check, refused with the catalog code of what the reason is for.
REASON_DOC = {
    "description": f"a reason a person will read later: at least {workflow.REASON_MIN} characters "
    "once surrounding whitespace is stripped"
}


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


class JsonOut(ma.Schema):
    """An output schema of plain JSON built by the domain: a key that is absent stays absent.

    marshmallow falls back to attributes for a missing key, and a dict has attributes named like
    keys of ours (a passed rule has no "items", and dict.items would be dumped)."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return obj.get(attr, default)


# --- health --------------------------------------------------------------------------------------

HEALTH_OK = "ok"
HEALTH_DEGRADED = "degraded"
COMPONENT_OK = "ok"
COMPONENT_ERROR = "error"


class ComponentHealthOut(JsonOut):
    status = fields.String(required=True, validate=one_of([COMPONENT_OK, COMPONENT_ERROR]))
    ms = fields.Float(metadata={"description": "how long the check took; absent when it was not run"})
    error = fields.String(metadata={"description": "error: what failed, safe to show"})


class DatabaseHealthOut(ComponentHealthOut):
    engine = fields.String(metadata={"description": "ok: the SQL dialect (sqlite, postgresql)"})


class StoreHealthOut(ComponentHealthOut):
    backend = fields.String(metadata={"description": "ok: local or s3"})
    bucket = fields.String(metadata={"description": "ok, s3: the bucket"})


class ChecklistsHealthOut(ComponentHealthOut):
    loaded = fields.Integer(metadata={"description": "ok: checklist versions loaded"})


class HealthComponentsOut(JsonOut):
    database = fields.Nested(DatabaseHealthOut, required=True)
    evidence_store = fields.Nested(StoreHealthOut, required=True)
    checklists = fields.Nested(
        ChecklistsHealthOut, required=True, metadata={"description": "not checked while the database is down"}
    )


class HealthOut(JsonOut):
    status = fields.String(required=True, validate=one_of([HEALTH_OK, HEALTH_DEGRADED]))
    components = fields.Nested(HealthComponentsOut, required=True)


# --- auth ----------------------------------------------------------------------------------------


class LoginIn(Strict):
    username = Text(required=True, min_length=1, max_length=64)
    password = Text(required=True, min_length=1, max_length=256, load_only=True)


class PasswordChangeIn(Strict):
    current_password = Text(required=True, min_length=1, max_length=256, load_only=True)
    new_password = Text(required=True, min_length=1, max_length=256, load_only=True)


class UserOut(ma.Schema):
    id = fields.Integer(required=True, attribute="user_id")
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=ROLE)
    region_code = fields.String(required=True)
    facility_id = fields.Integer(required=True, allow_none=True)
    must_change_password = fields.Boolean(
        required=True,
        metadata={
            "description": "a one-time password: only auth.me, auth.logout and auth.change_password "
            "answer until it is changed"
        },
    )
    grantable = fields.List(
        fields.String(validate=ROLE),
        required=True,
        metadata={"description": "the roles the user may give to accounts and manage accounts of"},
    )
    may = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "the endpoints of the policy table the user's role may call "
            "(e.g. payouts.sheet, jobs.list), so the app offers only those"
        },
    )


class LoginOut(ma.Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(UserOut, required=True, attribute="principal")


# --- regions and facilities ----------------------------------------------------------------------


NEXT_DOC = {"description": "`after` for the next page; null on the last"}
REGION_CODE = (r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$", "6、9 或 12 位区划代码")


class RegionOut(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, validate=one_of(list(regions.LEVELS)))
    parent_code = fields.String(required=True, allow_none=True)
    children = fields.Integer(required=True, metadata={"description": "how many direct subregions it has"})
    has_children = fields.Boolean(
        required=True, metadata={"description": "whether it has subregions (?parent= its code lists them)"}
    )


class IssuingBodyOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    issuing_body = fields.String(
        required=True, metadata={"description": "who issues the region's reports, payout sheets and notices"}
    )
    configured = fields.String(
        required=True, allow_none=True, metadata={"description": "the name set; null: the default is used"}
    )
    default = fields.String(required=True, metadata={"description": "the bureau named after the region"})


class IssuingBodyIn(Strict):
    issuing_body = Text(
        required=True,
        allow_none=True,
        max_length=100,
        metadata={"description": "通许县卫生健康委员会; empty or null puts back the default"},
    )


class RegionQuery(Paged):
    parent = Text(
        max_length=12,
        regex=REGION_CODE,
        metadata={"description": "list the subregions of this region; omitted: of the caller's own region"},
    )
    after = Cursor(("code",))
    limit = Int(load_default=500, min=1, max=1000, strict=False)


class RegionLevelOut(ma.Schema):
    region = fields.Nested(
        RegionOut, required=True, metadata={"description": "the region asked for (or the caller's own)"}
    )
    items = fields.List(
        fields.Nested(RegionOut),
        required=True,
        metadata={"description": "one page of its direct subregions, by code"},
    )
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)


class FacilityOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    type_code = fields.String(required=True)
    region_code = fields.String(required=True)
    uscc = fields.String(required=True, allow_none=True)
    licence_no = fields.String(required=True, allow_none=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)
    beds = fields.Integer(required=True)
    iv_infusion = fields.Boolean(required=True)
    population_served = fields.Integer(required=True, allow_none=True)
    facts = fields.Dict(required=True, keys=fields.String())


class Numeric(fields.Float):
    """A JSON number sent as the engine wrote it: an integer stays an integer (3, not 3.0)."""

    def _format_num(self, value: Any) -> Any:
        return value if isinstance(value, int) and not isinstance(value, bool) else float(value)


class FacilityFactOut(JsonOut):
    key = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "the Chinese label the edition declares"})
    type = fields.String(required=True, validate=one_of(sorted(FACT_TYPE_LABELS)))
    type_label = fields.String(
        required=True, metadata={"description": "the type in Chinese (整数, 数值, 是或否, 文本)"}
    )
    unit = fields.String(required=True, allow_none=True)
    min = Numeric(required=True, allow_none=True, metadata={"description": "the smallest allowed value"})
    max = Numeric(required=True, allow_none=True, metadata={"description": "the largest allowed value"})
    value = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "the facility's value (boolean, number or text), null when it has none"},
    )
    editable = fields.Boolean(
        required=True,
        metadata={"description": "false for facts worked out from the record (has_beds, facility_kind)"},
    )


class FacilityFactsOut(JsonOut):
    facility_id = fields.Integer(required=True)
    facts = fields.List(
        fields.Nested(FacilityFactOut),
        required=True,
        metadata={"description": "every fact a loaded edition declares, by key"},
    )


class FacilityFactsIn(Strict):
    facts = fields.Dict(
        required=True,
        keys=Text(min_length=1, max_length=64),
        values=fields.Raw(allow_none=True),
        validate=length(min=1, max=100),
        metadata={"description": "fact key -> new value (null clears a fact the facility may lack)"},
    )
    reason = long_text(required=True, metadata=REASON_DOC)


class ChecklistQuery(Strict):
    facility_id = ident_int(
        strict=False, metadata={"description": "only the checklists meant for this facility's kind"}
    )


class FacilityQuery(Paged):
    type_code = Text(min_length=4, max_length=4)
    family = ident(metadata={"description": "only kinds of facility this checklist family is meant for"})
    last_tier = ident(
        metadata={"description": "the tier code of the last final result, none (未达标) or unrated (未评)"}
    )
    q = Text(max_length=64, metadata={"description": "part of the facility's name"})
    region_code = Text(
        max_length=12, regex=REGION_CODE, metadata={"description": "only facilities inside this region"}
    )
    limit = Int(load_default=200, min=1, max=500, strict=False)
    after = Cursor(("code", "id"))


class TierOptionOut(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class LastResultOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    inspection_date = fields.Date(required=True)
    tier_code = fields.String(required=True)
    tier_label = fields.String(required=True)


class FacilityRowOut(FacilityOut):
    region_name = fields.String(required=True)
    last_result = fields.Nested(
        LastResultOut,
        required=True,
        allow_none=True,
        metadata={"description": "the tier of its newest finally approved inspection; null: 未评"},
    )


class FacilityPageOut(ma.Schema):
    items = fields.List(
        fields.Nested(FacilityRowOut), required=True, metadata={"description": "by region code, then id"}
    )
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)
    tiers = fields.List(
        fields.Nested(TierOptionOut), required=True, metadata={"description": "what last_tier may ask for"}
    )


# --- checklists ----------------------------------------------------------------------------------


class ChecklistRefOut(ma.Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    family = fields.String(required=True)
    edition = fields.String(required=True)
    title = fields.String(required=True)
    sha256 = fields.String(required=True)


# A checklist definition is sent as it was published. Its schema is the JSON Schema the server
# validates it with (too rich for marshmallow); the document says so, and the app's type is
# generated from that file (pwa/src/generated/checklist.ts).
CHECKLIST_SCHEMA_PATH = "checklists/schema/checklist.schema.json"
DEFINITION = {
    "type": "object",
    "additionalProperties": {},
    "description": f"A published checklist definition, as defined by the JSON Schema {CHECKLIST_SCHEMA_PATH}",
}


# --- scores --------------------------------------------------------------------------------------


class ChecklistKeyOut(JsonOut):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class TierMarkOut(JsonOut):
    code = fields.String(required=True, metadata={"description": "a tier code, or none (未达标)"})
    label = fields.String(required=True)


class CountActualOut(JsonOut):
    """all_at_least and count_at_least: items at the grade or above, of the items selected."""

    met = fields.Integer(required=True)
    of = fields.Integer(required=True)


class ShareActualOut(JsonOut):
    """share_at_least (items), points_share_at_least and points_at_least (points earned over
    points possible): the share reached."""

    numerator = Numeric(required=True)
    denominator = Numeric(required=True)
    share = fields.String(
        required=True, allow_none=True, metadata={"description": "4 decimals; null over nothing"}
    )


RULE = one_of(list(scoring.RULES))
# `actual` is one of two shapes: sent as the engine wrote it, documented by reference (the two
# schemas are registered with the document by name: REFERENCED).
ACTUAL = {
    "oneOf": [
        {"$ref": "#/components/schemas/CountActualOut"},
        {"$ref": "#/components/schemas/ShareActualOut"},
    ]
}


class RuleResultOut(JsonOut):
    rule = fields.String(required=True, validate=RULE)
    label = fields.String(required=True)
    passed = fields.Boolean(required=True)
    grade = fields.String(metadata={"description": "the grade the rule counts (not for points rules)"})
    threshold = fields.String(metadata={"description": "share rules: the threshold as published"})
    count = fields.Integer(metadata={"description": "count_at_least: the items needed at the grade"})
    points = fields.String(metadata={"description": "points_at_least: the pass mark as published"})
    actual = fields.Raw(required=True, metadata=ACTUAL)
    needed = Numeric(metadata={"description": "failed: items (or points) still missing"})
    items = fields.List(fields.String(), metadata={"description": "failed: the items below the rule"})
    reason = fields.String(validate=one_of([scoring.RULE_REASON_NO_ITEMS]))


class BlockedByOut(JsonOut):
    """What keeps the next tier out of reach: failed or unanswered veto items, or a failed rule
    (then with the rule's result and its index in the tier)."""

    kind = fields.String(required=True, validate=one_of(list(scoring.BLOCK_KINDS)))
    items = fields.List(fields.String(), required=True)
    index = fields.Integer(metadata={"description": "rule: its index in the tier's rules"})
    rule = fields.String(validate=RULE)
    label = fields.String()
    passed = fields.Boolean()
    grade = fields.String()
    threshold = fields.String()
    count = fields.Integer()
    points = fields.String()
    actual = fields.Raw(metadata=ACTUAL)
    needed = Numeric()
    reason = fields.String(validate=one_of([scoring.RULE_REASON_NO_ITEMS]))


class TierResultOut(JsonOut):
    code = fields.String(required=True)
    label = fields.String(required=True)
    assessed = fields.Boolean(
        required=True, metadata={"description": "false: the tier does not apply to the facility"}
    )
    reached = fields.Boolean(metadata={"description": "assessed tiers only"})
    downgraded = fields.Boolean(
        metadata={
            "description": "true only: the tier was reached, then lowered by a failed downgrade veto (降级)"
        }
    )
    rules = fields.List(
        fields.Nested(RuleResultOut),
        metadata={
            "description": "assessed tiers only: the rules assessed (a rule whose `when` fails is left out)"
        },
    )


class NextTierOut(JsonOut):
    code = fields.String(required=True)
    label = fields.String(required=True)
    blocked_by = fields.List(fields.Nested(BlockedByOut), required=True)


class PointsOut(JsonOut):
    earned = Numeric(required=True)
    possible = Numeric(required=True)


class RollupOut(JsonOut):
    """Counts over the scored (non-monitoring) items; not-applicable ones are left out of the rest."""

    items = fields.Integer(required=True)
    applicable = fields.Integer(required=True)
    not_applicable = fields.Integer(required=True)
    unanswered = fields.Integer(required=True)
    not_met = fields.Integer(required=True, metadata={"description": "unanswered items included"})
    at_least = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "applicable items at each grade of the scale or above"},
    )
    points = fields.Nested(PointsOut, metadata={"description": "points scoring only"})


class ChapterRollupOut(RollupOut):
    id = fields.String(required=True)
    title = fields.String(required=True)


class SectionRollupOut(RollupOut):
    id = fields.String(required=True)
    chapter = fields.String(required=True)
    title = fields.String(required=True)


class ItemResultOut(JsonOut):
    outcome = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "a grade code, not_met or not_applicable; null when unanswered"},
    )
    reason = fields.String(
        validate=one_of(list(scoring.ITEM_REASONS)),
        metadata={"description": "why the outcome differs from the answer, or why it is not applicable"},
    )
    documents = fields.Dict(
        keys=fields.String(),
        values=fields.String(
            validate=one_of([scoring.REASON_DOCUMENT_DATE_MISSING, scoring.REASON_DOCUMENT_EXPIRED])
        ),
        metadata={
            "description": "an item with several documents that is not met because of them: each "
            "failing document's key and why (missing date or out of date), in the checklist's order"
        },
    )
    answered = fields.String(metadata={"description": "the grade answered, when the outcome differs"})
    points = Numeric(metadata={"description": "points scoring, applicable items"})
    flagged = fields.Boolean(metadata={"description": "a monitoring item not met", "enum": [True]})


REFERENCED: tuple[type[ma.Schema], ...] = (CountActualOut, ShareActualOut)


class ScoreOut(JsonOut):
    """The scoring engine's result (server/domain/scoring.py), as the app's engine also writes it."""

    checklist = fields.Nested(ChecklistKeyOut, required=True)
    inspection_date = fields.String(required=True, metadata={"format": "date"})
    complete = fields.Boolean(required=True)
    unanswered = fields.List(fields.String(), required=True)
    tier = fields.Nested(TierMarkOut, required=True, metadata={"description": "the tier reached"})
    veto_failed = fields.List(fields.String(), required=True)
    monitoring_flags = fields.List(fields.String(), required=True)
    tiers = fields.List(fields.Nested(TierResultOut), required=True)
    next_tier = fields.Nested(
        NextTierOut,
        required=True,
        allow_none=True,
        metadata={"description": "the lowest tier not reached and why; null when the top is reached"},
    )
    totals = fields.Nested(RollupOut, required=True)
    chapters = fields.List(fields.Nested(ChapterRollupOut), required=True)
    sections = fields.List(fields.Nested(SectionRollupOut), required=True)
    items = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Nested(ItemResultOut),
        metadata={"description": "by item id"},
    )


# --- inspections ---------------------------------------------------------------------------------


class InspectionOut(ma.Schema):
    id = fields.Integer(required=True)
    facility_id = fields.Integer(required=True)
    region_code = fields.String(required=True)
    checklist_id = fields.String(required=True)
    checklist_version = fields.Integer(required=True)
    kind = fields.String(required=True, validate=KIND)
    status = fields.String(required=True, validate=STATUS)
    inspection_date = fields.Date(required=True)
    created_by = fields.Integer(required=True)
    county_reviewer_id = fields.Integer(required=True, allow_none=True)
    city_reviewer_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class InspectionQuery(Paged):
    status = Text(max_length=20, validate=one_of(list(workflow.STATUSES)))
    facility_id = ident_int(strict=False)
    q = Text(max_length=64, metadata={"description": "part of the facility's name"})
    region = Text(
        max_length=12,
        regex=REGION_CODE,
        metadata={"description": "a county, township or village code: inspections inside it"},
    )
    checklist_id = ident()
    tier = ident(metadata={"description": "a tier code of the loaded checklists, or none (未达标)"})
    awaiting = Bool(metadata={"description": "only what awaits the caller's review"})
    limit = Int(load_default=100, min=1, max=500, strict=False)
    after = Cursor(("date", "id"))


class InspectionPageOut(ma.Schema):
    items = fields.List(
        fields.Nested(InspectionOut),
        required=True,
        metadata={"description": "newest inspection date first, then by id descending"},
    )
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)


class QueueRowOut(ma.Schema):
    inspection = fields.Nested(InspectionOut, required=True)
    facility_name = fields.String(required=True)
    tier = fields.String(
        required=True, allow_none=True, metadata={"description": "the tier reached now (code)"}
    )
    tier_label = fields.String(required=True, allow_none=True)
    inspectors = fields.List(
        fields.String(), required=True, metadata={"description": "the inspectors' display names"}
    )
    sampled_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": "drawn for city re-review"}
    )
    awaiting_me = fields.Boolean(required=True)
    county_name = fields.String(
        required=True, allow_none=True, metadata={"description": "the facility's county (null above one)"}
    )
    township_name = fields.String(
        required=True, allow_none=True, metadata={"description": "the facility's township (null above one)"}
    )


class QueueCountsOut(ma.Schema):
    awaiting = fields.Integer(
        required=True, metadata={"description": "awaiting the caller, under the other filters"}
    )
    all = fields.Integer(required=True)


class ChecklistOptionOut(ma.Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)


class QueueOut(ma.Schema):
    total = fields.Integer(required=True, metadata={"description": "every row under the filters"})
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)
    counts = fields.Nested(QueueCountsOut, required=True)
    items = fields.List(fields.Nested(QueueRowOut), required=True)
    tiers = fields.List(fields.Nested(TierOptionOut), required=True)
    checklists = fields.List(fields.Nested(ChecklistOptionOut), required=True)


class InspectionCreateIn(Strict):
    facility_id = ident_int(required=True)
    checklist_id = ident(required=True)
    checklist_version = ident_int(required=True)
    kind = Text(
        required=True,
        max_length=24,
        validate=KIND,
    )
    inspection_date = Date(required=True)
    inspector_ids = List(ident_int(), load_default=list, validate=length(max=20))


class AssignIn(Strict):
    inspector_ids = List(ident_int(), required=True, validate=length(min=1, max=20))


class AssignOut(ma.Schema):
    inspector_ids = fields.List(fields.Integer(), required=True)


class StatusChangeOut(ma.Schema):
    action = fields.String(required=True, validate=ACTION)
    from_status = fields.String(required=True, validate=STATUS)
    to_status = fields.String(required=True, validate=STATUS)
    actor_id = fields.Integer(required=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class DocumentDateOut(ma.Schema):
    document_date = fields.String(metadata={"format": "date"})
    valid_until = fields.String(metadata={"format": "date"})


def documents_out(**kwargs: Any) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Nested(DocumentDateOut),
        metadata={"description": "an item with several documents: each document's date by its key"},
        **kwargs,
    )


class AnswerValuesOut(ma.Schema):
    """An answer's values as stored: a date or note that is not set is left out."""

    grade = fields.String(required=True)
    document_date = fields.String(metadata={"format": "date"})
    valid_until = fields.String(metadata={"format": "date"})
    documents = documents_out()
    note = fields.String()


class StoredAnswerOut(AnswerValuesOut):
    revision = fields.Integer(required=True)


class DetailAnswerOut(StoredAnswerOut):
    source = fields.String(required=True)
    author_id = fields.Integer(required=True)


class CurrentAnswerOut(StoredAnswerOut):
    author_id = fields.Integer(required=True)
    author_name = fields.String(required=True, allow_none=True)


class SampleMarkOut(ma.Schema):
    sample_id = fields.Integer(required=True)
    drawn_at = fields.DateTime(required=True)


class RefusalOut(ma.Schema):
    action = fields.String(required=True, validate=ACTION)
    code = fields.String(
        required=True, metadata={"description": "the error code the action would be refused with"}
    )
    message = fields.String(required=True)


class InspectionDetailOut(ma.Schema):
    inspection = fields.Nested(InspectionOut, required=True)
    facility = fields.Nested(FacilityOut, required=True)
    inspectors = fields.List(fields.Integer(), required=True)
    people = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "display names of inspectors, answer authors, reviewers and actors by id"},
    )
    sample = fields.Nested(
        SampleMarkOut,
        required=True,
        allow_none=True,
        metadata={"description": "the newest city sample that drew it"},
    )
    answers = fields.Dict(required=True, keys=fields.String(), values=fields.Nested(DetailAnswerOut))
    open_conflicts = fields.Integer(required=True)
    status_changes = fields.List(fields.Nested(StatusChangeOut), required=True)
    actions = fields.List(
        fields.String(validate=ACTION),
        required=True,
        metadata={
            "description": "the workflow actions the caller may take now (reason, completeness asked then)"
        },
    )
    refusals = fields.List(
        fields.Nested(RefusalOut),
        required=True,
        metadata={
            "description": "actions of the caller's role from this state that the server refuses now, and why"
        },
    )
    may_regrade = fields.Boolean(
        required=True, metadata={"description": "whether the caller may regrade answers now"}
    )


class TransitionIn(Strict):
    action = Text(required=True, min_length=1, max_length=32, validate=ACTION)
    reason = long_text(load_default=None, allow_none=True, metadata=REASON_DOC)


class DocumentDateIn(Strict):
    """One document's date: the field its kind uses (the checklist's validity list says which)."""

    document_date = Date(allow_none=True)
    valid_until = Date(allow_none=True)


def documents_in() -> Dict:
    return Dict(
        keys=Text(max_length=32, regex=(r"^[a-z][a-z0-9_]{0,31}$", "小写字母、数字和 _，最多 32 个字符")),
        values=Nested(DocumentDateIn),
        validate=length(max=20),
        load_default=None,
        allow_none=True,
        metadata={
            "description": "an item with several documents (its validity a list): one date per "
            "document key, {key: {document_date | valid_until}}; such an item takes no top-level date"
        },
    )


class RegradeIn(Strict):
    grade = Text(required=True, min_length=1, max_length=16)
    document_date = Date(load_default=None, allow_none=True)
    valid_until = Date(load_default=None, allow_none=True)
    documents = documents_in()
    note = long_text(load_default=None, allow_none=True)
    base_revision = Int(required=True, min=0, max=inputs.ID_MAX)
    reason = long_text(required=True, metadata=REASON_DOC)


class RevisionOut(ma.Schema):
    item_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    grade = fields.String(required=True)
    document_date = fields.Date(required=True, allow_none=True)
    valid_until = fields.Date(required=True, allow_none=True)
    documents = documents_out(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    author_id = fields.Integer(required=True)
    author_name = fields.String(required=True, metadata={"description": "the author's display name"})
    source = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)
    change_id = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True, allow_none=True)
    device_time = fields.String(
        required=True, allow_none=True, metadata={"description": "as claimed by the device"}
    )
    received_at = fields.DateTime(required=True, metadata={"description": "the server's receipt time"})


class AnswerOut(ma.Schema):
    item_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    grade = fields.String(required=True)
    source = fields.String(required=True)


class HistoryQuery(Strict):
    item_id = ident()


class ConflictOut(ma.Schema):
    id = fields.Integer(required=True)
    item_id = fields.String(required=True)
    change_id = fields.String(required=True)
    base_revision = fields.Integer(required=True)
    current_revision = fields.Integer(required=True)
    proposed = fields.Nested(AnswerValuesOut, required=True, metadata={"description": "the answer as sent"})
    author_id = fields.Integer(required=True)
    device_id = fields.String(required=True, allow_none=True)
    device_time = fields.String(required=True, allow_none=True)
    received_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)
    resolution = fields.String(required=True, allow_none=True, validate=RESOLVED)
    resolution_reason = fields.String(required=True, allow_none=True)
    author_name = fields.String(required=True, allow_none=True)
    resolved_by = fields.Integer(required=True, allow_none=True)
    current = fields.Nested(
        CurrentAnswerOut,
        required=True,
        allow_none=True,
        metadata={"description": "the answer the change collided with"},
    )


class ResolveIn(Strict):
    accept = Bool(load_default=None, allow_none=True, metadata={"description": "older form of resolution"})
    resolution = Text(
        load_default=None,
        allow_none=True,
        max_length=12,
        validate=one_of(list(workflow.RESOLUTIONS)),
        metadata={
            "description": "accept: the proposed answer; dismiss: keep the current one; combine: "
            "the chosen grade with both notes joined"
        },
    )
    grade = Text(load_default=None, allow_none=True, min_length=1, max_length=16)
    reason = long_text(required=True, metadata=REASON_DOC)


class ResolveOut(ma.Schema):
    id = fields.Integer(required=True)
    item_id = fields.String(required=True)
    resolution = fields.String(required=True, validate=RESOLVED)
    revision = fields.Integer(required=True, allow_none=True)
    answer = fields.Nested(
        StoredAnswerOut,
        required=True,
        allow_none=True,
        metadata={"description": "the item's answer after the resolution"},
    )
    replayed = fields.Boolean(required=True)


# --- sync ----------------------------------------------------------------------------------------


class ChangeIn(Strict):
    change_id = Text(required=True, max_length=64, regex=DEVICE_ID)
    inspection_id = ident_int(required=True)
    item_id = ident(required=True)
    base_revision = Int(required=True, min=0, max=inputs.ID_MAX)
    grade = Text(required=True, min_length=1, max_length=16)
    document_date = Date(load_default=None, allow_none=True)
    valid_until = Date(load_default=None, allow_none=True)
    documents = documents_in()
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
        required=True,
        allow_none=True,
        metadata={"description": "null when the change did not carry a valid change id"},
    )
    status = fields.String(required=True, validate=one_of(list(workflow.RECEIPT_STATUSES)))
    revision = fields.Integer(metadata={"description": "applied: the answer's new revision"})
    current_revision = fields.Integer(metadata={"description": "conflict: the revision the change missed"})
    error = fields.Nested(ErrorBody, metadata={"description": "rejected: why"})
    received_at = fields.String(required=True, metadata={"format": "date-time"})
    replayed = fields.Boolean(metadata={"description": "the change id was applied before"})


class SyncOut(ma.Schema):
    receipts = fields.List(fields.Nested(ReceiptOut), required=True)


class LastChangeOut(ma.Schema):
    action = fields.String(required=True, validate=ACTION)
    to_status = fields.String(required=True, validate=STATUS)
    actor_name = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class AssignmentOut(ma.Schema):
    inspection = fields.Nested(InspectionOut, required=True)
    last_change = fields.Nested(
        LastChangeOut,
        required=True,
        allow_none=True,
        metadata={"description": "the latest status change (a return's reason)"},
    )
    conflicts = fields.List(
        fields.Nested(ConflictOut), required=True, metadata={"description": "open sync conflicts"}
    )
    checklist_key = fields.String(required=True)
    facts = fields.Dict(required=True, keys=fields.String())
    answers = fields.Dict(required=True, keys=fields.String(), values=fields.Nested(StoredAnswerOut))
    photos = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "stored photos per item"},
    )


class BootstrapOut(ma.Schema):
    server_time = fields.DateTime(required=True)
    user = fields.Nested(UserOut, required=True)
    assignments = fields.List(fields.Nested(AssignmentOut), required=True)
    rectifications = fields.List(
        fields.Nested("RectificationOut"),
        required=True,
        metadata={"description": "a facility user's rectification tasks (none for other roles)"},
    )
    facilities = fields.List(fields.Nested(FacilityOut), required=True)
    checklists = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), metadata={"description": DEFINITION["description"]}),
        metadata={"description": "the definitions of the assignments' checklists, by checklist_key"},
    )


# --- samples and audit ---------------------------------------------------------------------------


class SampleIn(Strict):
    size = Int(min=1, max=1000, metadata={"description": "how many to draw; or give rate_percent"})
    rate_percent = Int(min=1, max=100, metadata={"description": "the share to draw, rounded up"})
    seed = Int(load_default=None, allow_none=True, min=0, max=2**48)
    since = Date(metadata={"description": "the period's first inspection day"})
    until = Date(metadata={"description": "the period's last inspection day"})


class SampleRowOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    region_name = fields.String(required=True)
    inspection_date = fields.Date(required=True)
    status = fields.String(required=True, validate=STATUS)
    review_state = fields.String(required=True, validate=one_of(list(sampling.REVIEW_STATES)))


class SampleOut(ma.Schema):
    id = fields.Integer(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    seed = fields.Integer(required=True)
    size = fields.Integer(required=True)
    population = fields.List(fields.Integer(), required=True, metadata={"description": "the ids drawn from"})
    selected = fields.List(fields.Integer(), required=True)
    drawn_by = fields.Integer(required=True)
    drawn_by_name = fields.String(required=True)
    drawn_at = fields.DateTime(required=True)
    period_start = fields.Date(required=True, allow_none=True)
    period_end = fields.Date(required=True, allow_none=True)
    rate_percent = fields.Integer(required=True, allow_none=True)
    review = fields.Dict(
        required=True,
        keys=fields.String(validate=one_of(list(sampling.REVIEW_STATES))),
        values=fields.Integer(),
        metadata={"description": "the drawn inspections by how far their re-review has come"},
    )
    rows = fields.List(
        fields.Nested(SampleRowOut),
        required=True,
        metadata={"description": "each drawn inspection (empty in the list of samples)"},
    )


class AuditOut(ma.Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    actor = fields.String(required=True, allow_none=True)
    action = fields.String(required=True)
    target_type = fields.String(required=True, allow_none=True)
    target_id = fields.String(required=True, allow_none=True)
    ip = fields.String(required=True, allow_none=True)
    region_code = fields.String(
        required=True, allow_none=True, metadata={"description": "the region the entry concerns"}
    )
    before = fields.Raw(required=True, allow_none=True)
    after = fields.Raw(required=True, allow_none=True)
    hash = fields.String(required=True)


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
    id = fields.Integer(required=True)
    inspection_id = fields.Integer(required=True)
    item_id = fields.String(required=True)
    upload_id = fields.String(required=True, allow_none=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)
    width = fields.Integer(required=True, allow_none=True)
    height = fields.Integer(required=True, allow_none=True)
    original_name = fields.String(required=True, allow_none=True)
    claimed_captured_at = fields.String(required=True, allow_none=True)
    claimed_latitude = fields.Float(required=True, allow_none=True)
    claimed_longitude = fields.Float(required=True, allow_none=True)
    exif_captured_at = fields.String(required=True, allow_none=True)
    exif_latitude = fields.Float(required=True, allow_none=True)
    exif_longitude = fields.Float(required=True, allow_none=True)
    flags = fields.List(fields.String(), required=True)
    status = fields.String(required=True)
    retained_until = fields.DateTime(required=True, allow_none=True)
    uploaded_by = fields.Integer(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": "the server's receipt time"})


# --- background jobs -----------------------------------------------------------------------------


class PayoutSheetRequest(Strict):
    region_code = Text(
        required=True, max_length=12, regex=(r"^\d{6}(\d{3})?(\d{3})?$", "6、9 或 12 位数字地区代码")
    )
    period = Text(
        required=True,
        max_length=10,
        metadata={"description": "a year (2026), quarter (2026Q4) or month (2026-11)"},
    )
    format = Text(required=True, max_length=4, validate=one_of(["pdf", "xlsx"]))


class ResultsExportRequest(Strict):
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    period = Text(
        required=True,
        max_length=10,
        metadata={"description": "a year (2026), quarter (2026Q4) or month (2026-11)"},
    )


class JobProgressOut(ma.Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(
        required=True, metadata={"description": "0 while the amount of work is not known yet"}
    )
    stage = fields.String(required=True, allow_none=True)
    stage_label = fields.String(required=True, allow_none=True)


class JobResultOut(ma.Schema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    reused = fields.Boolean(
        required=True, metadata={"description": "the same document an earlier job made, not made again"}
    )
    once = fields.Boolean(
        required=True, metadata={"description": "downloadable once, by its starter (one-time passwords)"}
    )


class JobErrorOut(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class JobOut(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True, validate=one_of(["queued", "running", "succeeded", "failed"]))
    state_label = fields.String(required=True)
    progress = fields.Nested(JobProgressOut, required=True)
    attempt = fields.Integer(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    created_by_name = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(required=True, allow_none=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    result = fields.Nested(JobResultOut, required=True, allow_none=True)
    summary = fields.String(
        required=True, allow_none=True, metadata={"description": "what a finished job did, in Chinese"}
    )
    error = fields.Nested(JobErrorOut, required=True, allow_none=True)


class JobPageOut(ma.Schema):
    jobs = fields.List(fields.Nested(JobOut), required=True)
    next_before = fields.Integer(
        required=True, allow_none=True, metadata={"description": "pass as `before` for the next (older) page"}
    )


class JobQuery(Strict):
    before = Int(load_default=None, allow_none=True, min=1, max=inputs.ID_MAX, strict=False)
    limit = Int(load_default=50, min=1, max=200, strict=False)


# --- user accounts (the console) -----------------------------------------------------------------

USERNAME = (
    r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$",
    "3 至 64 个字符：字母、数字、点、下划线或连字符，以字母或数字开头",
)


class AccountQuery(Paged):
    q = Text(max_length=64, metadata={"description": "part of the username or the name"})
    role = Text(max_length=20, validate=ROLE)
    active = Bool(metadata={"description": "only enabled (true) or disabled (false) accounts"})
    region_code = Text(
        max_length=12, regex=REGION_CODE, metadata={"description": "only accounts inside this region"}
    )
    limit = Int(load_default=50, min=1, max=200, strict=False)
    after = Cursor(("code", "id"))


class AccountOut(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=ROLE)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    facility_id = fields.Integer(required=True, allow_none=True)
    facility_name = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    must_change_password = fields.Boolean(
        required=True, metadata={"description": "holds a one-time password not yet replaced"}
    )
    blocked_until = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "failed logins block the username until then (from some address)"},
    )
    last_login_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    manageable = fields.Boolean(
        required=True,
        metadata={
            "description": "whether the caller may change this account (a role they grant, not their own)"
        },
    )


class AccountPageOut(ma.Schema):
    items = fields.List(
        fields.Nested(AccountOut), required=True, metadata={"description": "by region code, then id"}
    )
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)


class AccountIn(Strict):
    username = Text(required=True, max_length=64, regex=USERNAME)
    display_name = Text(required=True, min_length=1, max_length=64)
    role = Text(required=True, max_length=20, validate=ROLE)
    region_code = Text(
        max_length=12,
        regex=REGION_CODE,
        allow_none=True,
        load_default=None,
        metadata={"description": "where the account sits; for facility staff their facility's region"},
    )
    facility_id = ident_int(
        allow_none=True, load_default=None, metadata={"description": "facility staff (self_assessor) only"}
    )


class AccountChangeIn(Strict):
    display_name = Text(min_length=1, max_length=64)
    role = Text(max_length=20, validate=ROLE)
    region_code = Text(max_length=12, regex=REGION_CODE)
    facility_id = ident_int(allow_none=True)
    reason = long_text(required=True, metadata=REASON_DOC)


class ReasonIn(Strict):
    reason = long_text(required=True, metadata=REASON_DOC)


class IssuedOut(ma.Schema):
    user = fields.Nested(AccountOut, required=True)
    one_time_password = fields.String(
        required=True,
        attribute="password",
        metadata={"description": "shown this once: the user must replace it at the next login"},
    )


# --- imports from the console --------------------------------------------------------------------

IMPORT_KIND = one_of(["facilities", "users"])


class ImportFile(Strict):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8) or XLSX with a header row"})


class ImportRunForm(Strict):
    sha256 = Text(
        required=True,
        max_length=64,
        regex=(r"^[0-9a-fA-F]{64}$", "64 个十六进制字符"),
        metadata={
            "description": "the file's digest as its preview gave it: the file previewed is the file imported"
        },
    )


class ImportRowOut(ma.Schema):
    line = fields.Integer(
        required=True, metadata={"description": "the row's line in the file (the header is 1)"}
    )
    cells = fields.List(fields.String(allow_none=True), required=True)


class ImportPreviewOut(ma.Schema):
    kind = fields.String(required=True, validate=IMPORT_KIND)
    filename = fields.String(required=True)
    sha256 = fields.String(required=True)
    header = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ImportRowOut), required=True)
    problems = fields.List(
        fields.Nested(ErrorProblem),
        required=True,
        metadata={"description": "every problem, at /rows/<line>/<column>; none: the file can be imported"},
    )
    count = fields.Integer(required=True, metadata={"description": "rows it would add"})
    breakdown = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "rows per facility type or role"},
    )


class ImportPasswordOut(ma.Schema):
    username = fields.String(required=True)
    one_time_password = fields.String(required=True)


class ImportResultOut(ma.Schema):
    kind = fields.String(required=True, validate=IMPORT_KIND)
    count = fields.Integer(required=True)
    breakdown = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    passwords = fields.List(
        fields.Nested(ImportPasswordOut),
        required=True,
        metadata={"description": "users only: the one-time passwords made for rows without one, shown once"},
    )


# --- the console's audit log ---------------------------------------------------------------------


class AuditLogQuery(Strict):
    actor = Text(max_length=64, metadata={"description": "a username"})
    action = Text(
        max_length=64,
        regex=(r"^[a-z_]+(\.[a-z_]*)?$", "操作代码，例如 users.created，或 users. 表示一类"),
        metadata={"description": "an action, or a family of them ending in a dot (users.)"},
    )
    target_type = Text(max_length=32)
    target_id = Text(max_length=64)
    since = Date(metadata={"description": "from this China day"})
    until = Date(metadata={"description": "to this China day, inclusive"})
    before_seq = Int(
        min=1, max=inputs.ID_MAX, strict=False, metadata={"description": "the previous page's next_before"}
    )
    limit = Int(load_default=50, min=1, max=500, strict=False)


class AuditLogEntryOut(ma.Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True, allow_none=True, metadata={"description": "the username"})
    actor_name = fields.String(required=True, allow_none=True)
    action = fields.String(required=True)
    target_type = fields.String(required=True, allow_none=True)
    target_id = fields.String(required=True, allow_none=True)
    target_name = fields.String(
        required=True, allow_none=True, metadata={"description": "what people call the object, when known"}
    )
    region_code = fields.String(required=True, allow_none=True)
    region_name = fields.String(required=True, allow_none=True)
    ip = fields.String(required=True, allow_none=True)
    reason = fields.String(
        required=True, allow_none=True, metadata={"description": "the reason the entry records, if any"}
    )
    before = fields.Raw(required=True, allow_none=True)
    after = fields.Raw(required=True, allow_none=True)


class AuditLogOut(ma.Schema):
    items = fields.List(
        fields.Nested(AuditLogEntryOut), required=True, metadata={"description": "newest first"}
    )
    next_before = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`before_seq` for the next page"}
    )


# --- campaign plans ------------------------------------------------------------------------------

PLAN_KIND = one_of(list(plans.KINDS))
REQUEST_ID = (r"^[0-9A-Za-z-]{8,36}$", "8 至 36 位字母、数字或 -（例如 UUID）")


class PlanEntryIn(Strict):
    facility_id = ident_int(required=True)
    inspector_ids = List(
        ident_int(),
        required=True,
        validate=length(min=1, max=plans.MAX_TEAM),
        metadata={"description": "the team"},
    )
    inspection_date = Date(required=True, metadata={"description": "the planned day of the visit"})


class PlanIn(Strict):
    request_id = Text(
        required=True,
        regex=REQUEST_ID,
        max_length=36,
        metadata={
            "description": "the client's key of this request: sent again, it answers with the same plan"
        },
    )
    name = Text(required=True, min_length=1, max_length=100)
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    checklist_id = ident(required=True)
    checklist_version = ident_int(required=True)
    kind = Text(required=True, max_length=24, validate=PLAN_KIND)
    requires_self_assessment = Bool(
        load_default=False, metadata={"description": "the facility's self-assessment comes before the visit"}
    )
    rectify_days = Int(
        load_default=None,
        allow_none=True,
        min=rectification.DAYS_MIN,
        max=rectification.DAYS_MAX,
        metadata={
            "description": "days a facility has to rectify what its visit failed (None: the checklist's)"
        },
    )
    entries = List(Nested(PlanEntryIn), required=True, validate=length(min=1, max=plans.MAX_FACILITIES))


class PlanQuery(Strict):
    status = Text(max_length=12, validate=one_of(list(plans.STATUSES)))
    q = Text(max_length=64, metadata={"description": "part of the plan's name"})
    region_code = Text(max_length=12, regex=REGION_CODE, metadata={"description": "plans inside this region"})
    before = Int(min=1, max=inputs.ID_MAX, strict=False, metadata={"description": "the previous page's next"})
    limit = Int(load_default=50, min=1, max=200, strict=False)


class PlanOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    checklist_id = fields.String(required=True)
    checklist_version = fields.Integer(required=True)
    checklist_title = fields.String(required=True)
    kind = fields.String(required=True, validate=PLAN_KIND)
    requires_self_assessment = fields.Boolean(required=True)
    rectify_days = fields.Integer(
        required=True,
        metadata={"description": "days a facility has to rectify (the plan's, else the checklist's)"},
    )
    status = fields.String(required=True, validate=one_of(list(plans.STATUSES)))
    size = fields.Integer(required=True, metadata={"description": "facilities in the plan"})
    counts = fields.Dict(
        required=True,
        keys=fields.String(validate=one_of(list(plans.PROGRESS))),
        values=fields.Integer(),
        metadata={"description": "the plan's visits by progress (every progress code, 0 included)"},
    )
    created_by_name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    cancelled_by_name = fields.String(required=True, allow_none=True)
    cancelled_at = fields.DateTime(required=True, allow_none=True)
    cancel_reason = fields.String(required=True, allow_none=True)
    job = fields.Nested(
        "JobOut", required=True, allow_none=True, metadata={"description": "the job creating a large plan"}
    )


class PlanPageOut(ma.Schema):
    items = fields.List(fields.Nested(PlanOut), required=True, metadata={"description": "newest first"})
    next = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`before` for the next page"}
    )


class PlanPersonOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PlanSelfAssessmentOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=STATUS)
    progress = fields.String(required=True, validate=one_of(list(plans.PROGRESS)))
    done = fields.Boolean(required=True, metadata={"description": "submitted: the visit may be submitted"})


class PlanEntryOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    facility_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    facility_type = fields.String(required=True)
    region_name = fields.String(required=True)
    inspection_date = fields.Date(required=True)
    status = fields.String(required=True, validate=STATUS)
    progress = fields.String(required=True, validate=one_of(list(plans.PROGRESS)))
    changeable = fields.Boolean(
        required=True, metadata={"description": "nobody has started: team and date may change"}
    )
    inspectors = fields.List(fields.Nested(PlanPersonOut), required=True)
    self_assessment = fields.Nested(PlanSelfAssessmentOut, required=True, allow_none=True)


class PlanDetailOut(ma.Schema):
    plan = fields.Nested(PlanOut, required=True)
    entries = fields.List(
        fields.Nested(PlanEntryOut), required=True, metadata={"description": "by planned date, then id"}
    )


class PlanEntryChangeIn(Strict):
    inspector_ids = List(ident_int(), validate=length(min=1, max=plans.MAX_TEAM))
    inspection_date = Date()
    reason = long_text(metadata={"description": "why, for the audit log (optional)"})


class PlanListRowOut(ma.Schema):
    line = fields.Integer(
        required=True, metadata={"description": "the row's line in the file (the header is 1)"}
    )
    facility = fields.Nested(FacilityRowOut, required=True, allow_none=True)
    inspectors = fields.List(fields.Nested(PlanPersonOut), required=True)
    inspection_date = fields.Date(required=True, allow_none=True)
    problems = fields.List(
        fields.String(), required=True, metadata={"description": "in Chinese, with the column"}
    )


class PlanListOut(ma.Schema):
    rows = fields.List(fields.Nested(PlanListRowOut), required=True)


# --- facilities in the console -------------------------------------------------------------------


class FacilityHistoryOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=KIND)
    status = fields.String(required=True, validate=STATUS)
    inspection_date = fields.Date(required=True)
    checklist_title = fields.String(required=True)
    checklist_version = fields.Integer(required=True)
    tier_code = fields.String(
        required=True, allow_none=True, metadata={"description": "of its newest report (final once approved)"}
    )
    tier_label = fields.String(required=True, allow_none=True)
    report_number = fields.String(required=True, allow_none=True)
    plan_id = fields.Integer(required=True, allow_none=True)
    plan_name = fields.String(required=True, allow_none=True)


class FacilityProfileOut(ma.Schema):
    facility = fields.Nested(FacilityRowOut, required=True)
    region_path = fields.List(
        fields.String(), required=True, metadata={"description": "the region's names, province first"}
    )
    uscc_problem = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "why its USCC is not valid; null when it is, or has none"},
    )
    history = fields.List(
        fields.Nested(FacilityHistoryOut), required=True, metadata={"description": "newest inspection first"}
    )


# --- reward rules and payout sheets in the console ----------------------------------------------


class PayoutRuleOut(ma.Schema):
    id = fields.Integer(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    family = fields.String(required=True)
    family_label = fields.String(required=True)
    tier_code = fields.String(required=True)
    tier_label = fields.String(required=True)
    amount_yuan = fields.Integer(required=True)
    top_up = fields.Boolean(
        required=True, metadata={"description": "pays the difference to what a lower tier got"}
    )
    valid_from = fields.Date(required=True)
    note = fields.String(required=True, allow_none=True)
    created_by = fields.String(required=True, metadata={"description": "who set it, by name"})
    created_at = fields.DateTime(required=True)
    inherited = fields.Boolean(
        required=True, metadata={"description": "a rule of a region above the user's: read-only for them"}
    )


class PayoutFamilyOut(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    tiers = fields.List(fields.Nested(TierOptionOut), required=True)


class PayoutRulesOut(ma.Schema):
    rules = fields.List(fields.Nested(PayoutRuleOut), required=True)
    families = fields.List(
        fields.Nested(PayoutFamilyOut), required=True, metadata={"description": "what a new rule may name"}
    )


class PayoutRuleIn(Strict):
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    family = ident(required=True)
    tier_code = ident(required=True)
    amount_yuan = Int(required=True, min=0, max=100_000_000)
    top_up = Bool(required=True)
    valid_from = Date(required=True)
    note = Text(max_length=200, allow_none=True, load_default=None)


class PayoutPreviewRowOut(ma.Schema):
    index = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    identifier = fields.String(required=True, allow_none=True, metadata={"description": "the USCC"})
    type_name = fields.String(required=True)
    region_name = fields.String(required=True)
    family_label = fields.String(required=True)
    tier_label = fields.String(required=True)
    rule = fields.String(required=True, metadata={"description": "the rule applied, as people read it"})
    paid_before_yuan = fields.Integer(required=True)
    amount_yuan = fields.Integer(required=True)
    remark = fields.String(required=True)
    report_number = fields.String(required=True)
    recorded = fields.Boolean(required=True)


class PayoutTotalOut(ma.Schema):
    family_label = fields.String(required=True)
    tier_label = fields.String(required=True)
    facilities = fields.Integer(required=True)
    amount_yuan = fields.Integer(required=True)


class PayoutHeldOut(ma.Schema):
    facility_name = fields.String(required=True)
    region_name = fields.String(required=True)
    family_label = fields.String(required=True)
    tier_label = fields.String(required=True)
    report_number = fields.String(required=True)
    reason = fields.String(
        required=True,
        validate=one_of(list(publications.HOLDS)),
        metadata={"description": "why it waits: not published, publication not ended, ..."},
    )


class PayoutPreviewOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    period = fields.String(required=True)
    period_label = fields.String(required=True)
    title = fields.String(required=True)
    digest = fields.String(required=True, metadata={"description": "names this sheet when recording it"})
    total_yuan = fields.Integer(required=True)
    not_reached = fields.Integer(required=True)
    recorded = fields.Integer(required=True, metadata={"description": "rows already recorded"})
    rows = fields.List(fields.Nested(PayoutPreviewRowOut), required=True)
    totals = fields.List(fields.Nested(PayoutTotalOut), required=True)
    held = fields.List(
        fields.Nested(PayoutHeldOut),
        required=True,
        metadata={"description": "results left out until their publication (公示) is done"},
    )
    held_text = fields.String(
        required=True,
        metadata={"description": "the sheet's line on them, as its files print it; empty if none"},
    )


class PayoutRecordIn(Strict):
    digest = Text(required=True, regex=(r"^[0-9a-f]{64}$", "64 位十六进制摘要"), max_length=64)


class PayoutRecordOut(ma.Schema):
    sheet = fields.Nested(PayoutPreviewOut, required=True)
    added = fields.Integer(
        required=True, metadata={"description": "payouts recorded now (0: all were before)"}
    )


class PayoutRecordingOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    period = fields.String(required=True)
    period_label = fields.String(required=True)
    facilities = fields.Integer(required=True)
    amount_yuan = fields.Integer(required=True)
    recorded_by = fields.String(required=True, metadata={"description": "who recorded it, by name"})
    recorded_at = fields.DateTime(required=True)
    recorded_on = fields.Date(required=True, metadata={"description": "the China day"})


# --- the results dashboard -----------------------------------------------------------------------

DASHBOARD_PROGRESS = [*plans.PROGRESS, "planned", "done"]


class DashboardQuery(Strict):
    region_code = Text(
        max_length=12,
        regex=REGION_CODE,
        metadata={"description": "a region inside the caller's; none: theirs"},
    )
    year = Int(
        strict=False,
        min=dashboard.MIN_YEAR,
        max=dashboard.MAX_YEAR,
        metadata={"description": "the campaign year; none: this year"},
    )
    family = ident(metadata={"description": "a checklist family; none: the first with loaded checklists"})


class DashboardFacilityQuery(Paged):
    region_code = Text(max_length=12, regex=REGION_CODE)
    year = Int(strict=False, min=dashboard.MIN_YEAR, max=dashboard.MAX_YEAR)
    family = ident()
    direct = Bool(
        load_default=False,
        metadata={
            "description": "only facilities registered at the region itself (本级), not in a sub-region"
        },
    )
    tier = ident(
        metadata={
            "description": "a tier code of the family, none (未达标), unrated (未评) or rated (any result)"
        }
    )
    reached = Text(
        max_length=16,
        validate=one_of(list(dashboard.SHARES)),
        metadata={"description": "this tier or a higher one"},
    )
    progress = Text(
        max_length=16,
        validate=one_of(DASHBOARD_PROGRESS),
        metadata={
            "description": "planned visits at this progress; planned: all but called off; done: approved"
        },
    )
    checklist_id = ident(metadata={"description": "with item_id: facilities that did not meet the item"})
    item_id = ident()
    overdue = Bool(metadata={"description": "facilities with rectification tasks past their deadline today"})
    limit = Int(load_default=50, min=1, max=200, strict=False)
    after = Cursor(("code", "id"))


class DashboardRegionOut(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)


class DashboardPlaceOut(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DashboardShareOut(ma.Schema):
    count = fields.Integer(required=True, metadata={"description": "facilities at this tier or higher"})
    percent = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "of every facility of the family; null: none"},
    )
    target_percent = fields.Integer(required=True, allow_none=True)
    met = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "compared exactly; null: no target"}
    )


class DashboardSharesOut(ma.Schema):
    basic = fields.Nested(DashboardShareOut, required=True, allow_none=True)
    recommended = fields.Nested(DashboardShareOut, required=True, allow_none=True)


class DashboardPlanOut(ma.Schema):
    planned = fields.Integer(required=True, metadata={"description": "visits planned, called-off ones aside"})
    done = fields.Integer(required=True, metadata={"description": "visits finally approved"})
    progress = fields.Dict(
        keys=fields.String(validate=one_of(list(plans.PROGRESS))),
        values=fields.Integer(),
        metadata={"description": "visits by progress (every progress code)"},
    )


TIER_COUNTS = {"description": "facilities by the tier of their standing result (unrated: none that year)"}


class DashboardPreviousOut(ma.Schema):
    facilities = fields.Integer(required=True)
    tiers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata=TIER_COUNTS)
    shares = fields.Nested(DashboardSharesOut, required=True)
    plan = fields.Nested(DashboardPlanOut, required=True)


class DashboardOverdueOut(ma.Schema):
    tasks = fields.Integer(
        required=True,
        metadata={"description": "rectification tasks still the facility's, deadline passed today"},
    )
    facilities = fields.Integer(required=True, metadata={"description": "facilities with such tasks"})


class DashboardRowOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    direct = fields.Boolean(
        required=True, metadata={"description": "the facilities registered at the region itself"}
    )
    has_children = fields.Boolean(required=True)
    facilities = fields.Integer(required=True, metadata={"description": "facilities of the family's kinds"})
    tiers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata=TIER_COUNTS)
    shares = fields.Nested(DashboardSharesOut, required=True)
    plan = fields.Nested(DashboardPlanOut, required=True)
    overdue = fields.Nested(DashboardOverdueOut, required=True, metadata={"description": "as of today"})
    previous = fields.Nested(DashboardPreviousOut, required=True, metadata={"description": "the year before"})


class DashboardItemOut(ma.Schema):
    checklist_id = fields.String(required=True)
    checklist_title = fields.String(required=True)
    item_id = fields.String(required=True)
    number = fields.String(required=True)
    text = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "facilities whose result did not meet it"})
    checked = fields.Integer(
        required=True, metadata={"description": "facilities with a result on the checklist"}
    )
    percent = fields.Float(required=True, allow_none=True)
    previous_count = fields.Integer(required=True, metadata={"description": "the same, the year before"})


class DashboardTargetOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    basic_percent = fields.Integer(required=True, allow_none=True)
    recommended_percent = fields.Integer(required=True, allow_none=True)
    inherited = fields.Boolean(required=True, metadata={"description": "set by a region above"})
    set_at = fields.DateTime(required=True, allow_none=True)


class DashboardColumnOut(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class DashboardShareColumnOut(DashboardColumnOut):
    tiers = fields.List(fields.String(), required=True, metadata={"description": "the tiers it counts"})


class DashboardOut(ma.Schema):
    region = fields.Nested(DashboardRegionOut, required=True)
    path = fields.List(
        fields.Nested(DashboardPlaceOut),
        required=True,
        metadata={"description": "from the caller's region down to this one"},
    )
    year = fields.Integer(required=True)
    years = fields.List(
        fields.Integer(), required=True, metadata={"description": "years with results, newest first"}
    )
    family = fields.String(required=True)
    family_label = fields.String(required=True)
    families = fields.List(fields.Nested(DashboardColumnOut), required=True)
    tiers = fields.List(
        fields.Nested(DashboardColumnOut), required=True, metadata={"description": "lowest first"}
    )
    shares = fields.List(fields.Nested(DashboardShareColumnOut), required=True)
    target = fields.Nested(DashboardTargetOut, required=True, allow_none=True)
    total = fields.Nested(DashboardRowOut, required=True)
    rows = fields.List(
        fields.Nested(DashboardRowOut), required=True, metadata={"description": "per sub-region"}
    )
    items = fields.List(
        fields.Nested(DashboardItemOut),
        required=True,
        metadata={"description": "the items most often not met"},
    )


class DashboardFacilityOut(ma.Schema):
    facility_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    type_label = fields.String(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    tier_code = fields.String(
        required=True, metadata={"description": "its standing result of the year; unrated: none"}
    )
    tier_label = fields.String(required=True)
    inspection_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the inspection listed"}
    )
    inspection_date = fields.Date(required=True, allow_none=True)
    kind_label = fields.String(required=True, allow_none=True)
    progress = fields.String(
        required=True,
        allow_none=True,
        validate=one_of(list(plans.PROGRESS)),
        metadata={"description": "lists of planned visits: where the visit stands"},
    )
    plan_name = fields.String(
        required=True, allow_none=True, metadata={"description": "lists of planned visits"}
    )
    report_number = fields.String(required=True, allow_none=True)
    overdue = fields.Integer(
        required=True, metadata={"description": "its rectification tasks (of the family) past their deadline"}
    )
    facility_path = fields.String(required=True, metadata={"description": "the facility's page in the app"})
    report_path = fields.String(
        required=True, allow_none=True, metadata={"description": "the report's PDF (an approved inspection)"}
    )


class DashboardFacilityPageOut(ma.Schema):
    title = fields.String(required=True, metadata={"description": "what the list is, as people read it"})
    items = fields.List(fields.Nested(DashboardFacilityOut), required=True)
    next = fields.String(required=True, allow_none=True, metadata=NEXT_DOC)


class DashboardTargetIn(Strict):
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    year = Int(required=True, min=dashboard.MIN_YEAR, max=dashboard.MAX_YEAR)
    family = ident(required=True)
    basic_percent = Int(load_default=None, allow_none=True, min=0, max=100)
    recommended_percent = Int(load_default=None, allow_none=True, min=0, max=100)


class DashboardTargetSetOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    year = fields.Integer(required=True)
    family = fields.String(required=True)
    basic_percent = fields.Integer(required=True, allow_none=True)
    recommended_percent = fields.Integer(required=True, allow_none=True)
    set_at = fields.DateTime(required=True)


# --- rectification (整改) --------------------------------------------------------------------------

RECTIFICATION_STATUS = one_of(list(rectification.STATUSES))


class RectificationFilters(Strict):
    status = List(
        Text(max_length=12, validate=RECTIFICATION_STATUS),
        validate=length(max=len(rectification.STATUSES)),
        metadata={"description": "only tasks in these states (repeat the parameter for several)"},
    )
    overdue = Bool(metadata={"description": "only tasks still the facility's whose deadline has passed"})
    facility_id = ident_int(strict=False)
    inspection_id = ident_int(strict=False)
    region_code = Text(max_length=12, regex=REGION_CODE, metadata={"description": "tasks inside this region"})


class RectificationQuery(RectificationFilters):
    before = Int(min=1, max=inputs.ID_MAX, strict=False, metadata={"description": "the previous page's next"})
    limit = Int(load_default=50, min=1, max=200, strict=False)


class RectificationSummaryQuery(Strict):
    facility_id = ident_int(strict=False)


class RectificationPhotoOut(ma.Schema):
    id = fields.Integer(required=True)
    upload_id = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    width = fields.Integer(required=True, allow_none=True)
    height = fields.Integer(required=True, allow_none=True)
    claimed_captured_at = fields.String(required=True, allow_none=True)
    exif_captured_at = fields.String(required=True, allow_none=True)
    flags = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True, metadata={"description": "the server's receipt time"})


class RectificationEventOut(ma.Schema):
    action = fields.String(required=True, validate=one_of(list(rectification.EVENT_LABELS)))
    from_status = fields.String(required=True, allow_none=True, validate=RECTIFICATION_STATUS)
    to_status = fields.String(required=True, validate=RECTIFICATION_STATUS)
    text = fields.String(required=True, allow_none=True, metadata={"description": "the note or the reason"})
    photo_ids = fields.List(fields.Integer(), required=True)
    actor_name = fields.String(required=True, allow_none=True)
    at = fields.DateTime(required=True)


class RectificationOut(ma.Schema):
    id = fields.Integer(required=True)
    inspection_id = fields.Integer(required=True)
    inspection_date = fields.Date(required=True)
    checklist_title = fields.String(required=True)
    tier_label = fields.String(required=True, allow_none=True, metadata={"description": "the approved tier"})
    facility_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    item_id = fields.String(required=True)
    item_number = fields.String(required=True)
    item_text = fields.String(required=True)
    problem = fields.String(required=True, metadata={"description": "what the approved result found"})
    deadline = fields.Date(required=True, metadata={"description": "the last day to fix (China date)"})
    status = fields.String(required=True, validate=RECTIFICATION_STATUS)
    overdue = fields.Boolean(required=True)
    days_left = fields.Integer(
        required=True, metadata={"description": "days to the deadline (negative: late)"}
    )
    revision = fields.Integer(required=True)
    note = fields.String(
        required=True, allow_none=True, metadata={"description": "the facility's, as submitted"}
    )
    submitted_at = fields.DateTime(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    decision_reason = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    photos = fields.List(fields.Nested(RectificationPhotoOut), required=True)
    events = fields.List(fields.Nested(RectificationEventOut), required=True)
    may_submit = fields.Boolean(
        required=True, metadata={"description": "the caller may add photos and submit"}
    )
    may_decide = fields.Boolean(required=True, metadata={"description": "the caller may accept or return it"})


class RectificationCountsOut(ma.Schema):
    open = fields.Integer(required=True)
    submitted = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "still the facility's, deadline passed"})


class RectificationPageOut(ma.Schema):
    items = fields.List(
        fields.Nested(RectificationOut), required=True, metadata={"description": "newest first"}
    )
    next = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`before` of the next page"}
    )
    counts = fields.Nested(RectificationCountsOut, required=True)


class RectificationSubmitIn(Strict):
    change_id = Text(required=True, max_length=64, regex=DEVICE_ID)
    note = long_text(
        required=True,
        metadata={
            "description": f"what was done (at least {rectification.NOTE_MIN} characters once stripped)"
        },
    )
    photos = List(
        Text(max_length=64, regex=DEVICE_ID),
        load_default=list,
        validate=length(max=rectification.PHOTOS_MAX),
        metadata={"description": "upload ids of this submission's photos, each uploaded to the task before"},
    )
    device_time = DateTimeText(load_default=None, allow_none=True)


class RectificationDecisionIn(Strict):
    decision = Text(required=True, max_length=8, validate=one_of(list(rectification.DECISIONS)))
    reason = long_text(
        load_default=None,
        allow_none=True,
        metadata={"description": f"required to return (at least {rectification.NOTE_MIN} characters)"},
    )


# --- publication of results (公示) -----------------------------------------------------------------

PUBLICATION_STATE = one_of(list(publications.STATES))
PERIOD_TEXT = (r"^[0-9]{4}(?:[Qq][1-4]|-[0-9]{2})?$", "年（2026）、季度（2026Q4）或月份（2026-11）")


class PublicationPreviewQuery(Strict):
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    period = Text(required=True, max_length=8, regex=PERIOD_TEXT)
    starts_on = Date(metadata={"description": "the first day (default: today, China time)"})
    working_days = Int(
        load_default=publications.WORKING_DAYS_DEFAULT,
        min=1,
        max=publications.WORKING_DAYS_MAX,
        strict=False,
    )


class PublicationResultOut(ma.Schema):
    inspection_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    region_name = fields.String(required=True, metadata={"description": "the facility's county"})
    family_label = fields.String(required=True)
    tier_label = fields.String(required=True)
    inspection_date = fields.Date(required=True)
    report_number = fields.String(required=True)


class PublicationPublishedOut(PublicationResultOut):
    publication_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "null: a publication outside the user's region"},
    )
    publication_title = fields.String(required=True, allow_none=True)


class PublicationPreviewOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    period = fields.String(required=True)
    period_label = fields.String(required=True)
    suggested_title = fields.String(required=True)
    suggested_issuer = fields.String(required=True)
    starts_on = fields.Date(required=True)
    working_days = fields.Integer(required=True)
    ends_on = fields.Date(
        required=True, metadata={"description": "the last day, working days counted Mon-Fri"}
    )
    start_problem = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "why it cannot start that day; null when it can"},
    )
    calendar_note = fields.String(required=True)
    entries = fields.List(
        fields.Nested(PublicationResultOut), required=True, metadata={"description": "what it would publish"}
    )
    published = fields.List(
        fields.Nested(PublicationPublishedOut),
        required=True,
        metadata={"description": "results of the period already in a publication: not published again"},
    )
    not_reached = fields.Integer(required=True, metadata={"description": "results that reached no tier"})


class PublicationIn(Strict):
    request_id = Text(
        required=True,
        regex=REQUEST_ID,
        max_length=36,
        metadata={
            "description": "the client's key of this request: sent again, it answers with the same one"
        },
    )
    region_code = Text(required=True, max_length=12, regex=REGION_CODE)
    period = Text(required=True, max_length=8, regex=PERIOD_TEXT)
    title = Text(required=True, max_length=200)
    issuer = Text(required=True, max_length=100, metadata={"description": "开封市卫生健康委员会"})
    contact = Text(
        required=True,
        max_length=publications.CONTACT_MAX,
        multiline=True,
        metadata={"description": "how to object: phone, address, e-mail"},
    )
    starts_on = Date(required=True)
    working_days = Int(required=True, min=1, max=publications.WORKING_DAYS_MAX)
    inspection_ids = List(
        ident_int(),
        required=True,
        validate=length(min=1, max=publications.MAX_ENTRIES),
        metadata={"description": "the results previewed, by inspection"},
    )


class PublicationQuery(Strict):
    before = Int(min=1, max=inputs.ID_MAX, strict=False, metadata={"description": "the previous page's next"})
    limit = Int(load_default=50, min=1, max=200, strict=False)


class PublicationOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    issuer = fields.String(required=True)
    contact = fields.String(required=True)
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    period = fields.String(required=True)
    period_label = fields.String(required=True)
    starts_on = fields.Date(required=True)
    working_days = fields.Integer(required=True)
    ends_on = fields.Date(required=True)
    state = fields.String(
        required=True, validate=PUBLICATION_STATE, metadata={"description": "on today's China date"}
    )
    public_path = fields.String(required=True, metadata={"description": "the public page, no login"})
    public_url = fields.String(required=True)
    entries = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True)
    objections = fields.Integer(required=True)
    pending = fields.Integer(required=True, metadata={"description": "objections not yet decided"})
    created_by_name = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PublicationPageOut(ma.Schema):
    items = fields.List(
        fields.Nested(PublicationOut), required=True, metadata={"description": "newest first"}
    )
    next = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`before` for the next page"}
    )


class ObjectionOut(ma.Schema):
    id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    objector = fields.String(required=True, metadata={"description": "who objected: never shown publicly"})
    summary = fields.String(required=True)
    outcome = fields.String(required=True, validate=one_of(list(publications.OUTCOMES)))
    outcome_reason = fields.String(required=True, allow_none=True)
    recorded_by_name = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    decided_by_name = fields.String(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)


class PublicationEntryOut(ma.Schema):
    id = fields.Integer(required=True)
    inspection_id = fields.Integer(required=True)
    facility_name = fields.String(required=True)
    region_name = fields.String(required=True)
    family_label = fields.String(required=True)
    tier_label = fields.String(required=True)
    inspection_date = fields.Date(required=True)
    report_number = fields.String(required=True)
    status = fields.String(required=True, validate=one_of(list(publications.ENTRY_STATUSES)))
    withdrawn_on = fields.Date(required=True, allow_none=True)
    objections = fields.List(fields.Nested(ObjectionOut), required=True)


class PublicationDetailOut(ma.Schema):
    publication = fields.Nested(PublicationOut, required=True)
    entries = fields.List(fields.Nested(PublicationEntryOut), required=True)


class ObjectionIn(Strict):
    received_on = Date(required=True)
    objector = Text(
        required=True,
        max_length=200,
        metadata={"description": "who objected or how it came in: kept private"},
    )
    summary = long_text(required=True, metadata=REASON_DOC)


class ObjectionDecisionIn(Strict):
    outcome = Text(required=True, max_length=12, validate=one_of(list(publications.DECISIONS)))
    reason = long_text(required=True, metadata=REASON_DOC)


class PayoutSettingOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    requires_publication = fields.Boolean(required=True)
    inherited = fields.Boolean(
        required=True, metadata={"description": "a region above the user's: read-only for them"}
    )
    updated_by = fields.String(required=True, metadata={"description": "who set it, by name"})
    updated_at = fields.DateTime(required=True)


class PayoutSettingsOut(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    requires_publication = fields.Boolean(
        required=True, metadata={"description": "whether the user's region pays only results publicly done"}
    )
    required_by = fields.String(
        required=True, allow_none=True, metadata={"description": "the region whose setting asks for it"}
    )
    requirement = fields.String(required=True)
    settings = fields.List(fields.Nested(PayoutSettingOut), required=True)


class PayoutSettingIn(Strict):
    requires_publication = Bool(required=True)
