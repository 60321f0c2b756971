"""The JSON API under /api. Handlers are thin: parse through a schema, call one service, dump."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from flask import Response, jsonify, stream_with_context

from server.api import schemas as s
from server.api.base import (
    Blueprint,
    client_ip,
    now,
    principal,
    problems_of,
    read_photo,
    requires,
    send_photo,
    settings,
)
from server.api.docs import raises
from server.api.fields import Refused
from server.domain.errors import Problem
from server.services import (
    audit,
    auth,
    checklists,
    evidence,
    facilities,
    inspections,
    places,
    rectifications,
    reports,
    review_queue,
    sync,
)

auth_bp = Blueprint("auth", __name__, url_prefix="/api/auth", description="登录与会话")
catalog_bp = Blueprint("catalog", __name__, url_prefix="/api", description="地区、机构和评审标准")
inspections_bp = Blueprint("inspections", __name__, url_prefix="/api/inspections", description="评审与审核")
sync_bp = Blueprint("sync", __name__, url_prefix="/api/sync", description="离线同步")
admin_bp = Blueprint("admin", __name__, url_prefix="/api", description="抽样与审计")
evidence_bp = Blueprint("evidence", __name__, url_prefix="/api", description="照片证据")
BLUEPRINTS = (auth_bp, catalog_bp, inspections_bp, sync_bp, admin_bp, evidence_bp)


# --- auth ----------------------------------------------------------------------------------------


@auth_bp.route("/login", methods=["POST"])
@auth_bp.arguments(s.LoginIn)
@auth_bp.response(200, s.LoginOut)
@raises(401, 429)
def login(body: dict[str, Any]) -> Any:
    return auth.login(settings(), body["username"], body["password"], client_ip(), now())


@auth_bp.route("/logout", methods=["POST"])
@requires("auth.logout")
@auth_bp.response(204)
def logout() -> None:
    auth.logout(principal(), now(), client_ip())


@auth_bp.route("/password", methods=["POST"])
@requires("auth.change_password")
@auth_bp.arguments(s.PasswordChangeIn)
@auth_bp.response(200, s.UserOut)
@raises(422, 429)
def change_password(body: dict[str, Any]) -> Any:
    """The user's own password: the current one (a one-time password included) and a new one of
    at least 10 characters. The user's other sessions end."""
    current, new = body["current_password"], body["new_password"]
    return auth.change_password(settings(), principal(), current, new, now(), client_ip())


@auth_bp.route("/me")
@requires("auth.me")
@auth_bp.response(200, s.UserOut)
def me() -> Any:
    return principal()


# --- catalog -------------------------------------------------------------------------------------


@catalog_bp.route("/checklists")
@requires("checklists.list")
@catalog_bp.arguments(s.ChecklistQuery, location="query")
@catalog_bp.response(200, s.ChecklistRefOut(many=True))
@raises(404)
def list_checklists(query: dict[str, Any]) -> Any:
    if query.get("facility_id") is not None:
        return inspections.checklists_for(principal(), query["facility_id"])
    return checklists.list_loaded()


@catalog_bp.route("/checklists/<checklist_id>/<int:version>")
@requires("checklists.get")
@catalog_bp.response(200, s.DEFINITION)
def get_checklist(checklist_id: str, version: int) -> Response:
    # sent as published (a dict schema documents it; smorest only allows one with a Response)
    return jsonify(checklists.get_definition(checklist_id, version))


@catalog_bp.route("/regions")
@requires("regions.list")
@catalog_bp.arguments(s.RegionQuery, location="query")
@catalog_bp.response(200, s.RegionLevelOut)
@raises(404)
def list_regions(query: dict[str, Any]) -> Any:
    """One level of the region tree: a region (the caller's own unless `parent` names another
    inside their region) and a page of its direct subregions, each with how many it has."""
    return places.region_level(principal(), query.get("parent"), query.get("after"), query["limit"])


@catalog_bp.route("/regions/<region_code>/issuing-body")
@requires("regions.issuing_body")
@catalog_bp.response(200, s.IssuingBodyOut)
@raises(404)
def get_issuing_body(region_code: str) -> Any:
    """Who issues the documents of a county, city or province inside the caller's region: the
    cover of its reports, its payout sheets, its notices."""
    return places.issuing_body(principal(), region_code)


@catalog_bp.route("/regions/<region_code>/issuing-body", methods=["PUT"])
@requires("regions.set_issuing_body")
@catalog_bp.arguments(s.IssuingBodyIn)
@catalog_bp.response(200, s.IssuingBodyOut)
@raises(404)
def set_issuing_body(body: dict[str, Any], region_code: str) -> Any:
    """Names who issues the region's documents (empty: the bureau named after the region).
    Reports already issued keep the name they carry."""
    return places.set_issuing_body(principal(), region_code, body["issuing_body"], now(), client_ip())


@catalog_bp.route("/facilities")
@requires("facilities.list")
@catalog_bp.arguments(s.FacilityQuery, location="query")
@catalog_bp.response(200, s.FacilityPageOut)
def list_facilities(query: dict[str, Any]) -> Any:
    """The caller's facilities by region code, then id, a page at a time (keyset cursor)."""
    return places.facilities(principal(), query)


@catalog_bp.route("/facilities/<int:facility_id>")
@requires("facilities.get")
@catalog_bp.response(200, s.FacilityOut)
def get_facility(facility_id: int) -> Any:
    return places.facility(principal(), facility_id)


@catalog_bp.route("/facilities/<int:facility_id>/profile")
@requires("facilities.profile")
@catalog_bp.response(200, s.FacilityProfileOut)
def facility_profile(facility_id: int) -> Any:
    """The facility's page: its record, region, whether its USCC holds, and its inspections with
    their tiers over the years."""
    return places.profile(principal(), facility_id)


@catalog_bp.route("/facilities/<int:facility_id>/facts")
@requires("facilities.facts")
@catalog_bp.response(200, s.FacilityFactsOut)
def get_facility_facts(facility_id: int) -> Any:
    """The facts the loaded checklists declare (label, type, unit, allowed range) and the
    facility's values."""
    return facilities.facts_of(principal(), facility_id)


@catalog_bp.route("/facilities/<int:facility_id>/facts", methods=["PATCH"])
@requires("facilities.set_facts")
@catalog_bp.arguments(s.FacilityFactsIn)
@catalog_bp.response(200, s.FacilityFactsOut)
@raises(409)
def set_facility_facts(body: dict[str, Any], facility_id: int) -> Any:
    """Set some of a facility's facts (null clears one): each value is checked against the
    declaration (type, allowed range); a written reason is required; the change is audited."""
    return facilities.set_facts(principal(), facility_id, body["facts"], body["reason"], client_ip(), now())


# --- inspections ---------------------------------------------------------------------------------


@inspections_bp.route("")
@requires("inspections.list")
@inspections_bp.arguments(s.InspectionQuery, location="query")
@inspections_bp.response(200, s.InspectionPageOut)
@raises(422)
def list_inspections(query: dict[str, Any]) -> Any:
    rows, next_page = review_queue.page(principal(), query)
    return {"items": rows, "next": next_page}


@inspections_bp.route("/queue")
@requires("inspections.list")
@inspections_bp.arguments(s.InspectionQuery, location="query")
@inspections_bp.response(200, s.QueueOut)
@raises(422)
def inspection_queue(query: dict[str, Any]) -> Any:
    """The reviewers' queue: one page under the filters, with counts and filter options."""
    return review_queue.queue(principal(), query)


@inspections_bp.route("", methods=["POST"])
@requires("inspections.create")
@inspections_bp.arguments(s.InspectionCreateIn)
@inspections_bp.response(201, s.InspectionOut)
@raises(400, 403, 404, 409, 422)
def create_inspection(body: dict[str, Any]) -> Any:
    return inspections.create(
        principal(),
        body["facility_id"],
        body["checklist_id"],
        body["checklist_version"],
        body["kind"],
        body["inspection_date"],
        body["inspector_ids"],
        client_ip(),
    )


@inspections_bp.route("/<int:inspection_id>")
@requires("inspections.get")
@inspections_bp.response(200, s.InspectionDetailOut)
def get_inspection(inspection_id: int) -> Any:
    return inspections.detail(principal(), inspection_id)


@inspections_bp.route("/<int:inspection_id>/score")
@requires("inspections.score")
@inspections_bp.response(200, s.ScoreOut)
@raises(400)
def score_inspection(inspection_id: int) -> Any:
    return inspections.score_of(inspections.load(principal(), inspection_id))


@inspections_bp.route("/<int:inspection_id>/history")
@requires("inspections.history")
@inspections_bp.arguments(s.HistoryQuery, location="query")
@inspections_bp.response(200, s.RevisionOut(many=True))
def inspection_history(query: dict[str, Any], inspection_id: int) -> Any:
    return inspections.history(principal(), inspection_id, query.get("item_id"))


@inspections_bp.route("/<int:inspection_id>/assignments", methods=["POST"])
@requires("inspections.assign")
@inspections_bp.arguments(s.AssignIn)
@inspections_bp.response(200, s.AssignOut)
@raises(409, 422)
def assign_inspectors(body: dict[str, Any], inspection_id: int) -> Any:
    return {
        "inspector_ids": inspections.assign(principal(), inspection_id, body["inspector_ids"], client_ip())
    }


@inspections_bp.route("/<int:inspection_id>/transitions", methods=["POST"])
@requires("inspections.transition")
@inspections_bp.arguments(s.TransitionIn)
@inspections_bp.response(200, s.InspectionOut)
@raises(400, 403, 409)
def transition(body: dict[str, Any], inspection_id: int) -> Any:
    return inspections.transition(
        principal(), inspection_id, body["action"], body["reason"], client_ip(), now()
    )


@inspections_bp.route("/<int:inspection_id>/items/<item_id>/grade", methods=["PUT"])
@requires("inspections.regrade")
@inspections_bp.arguments(s.RegradeIn)
@inspections_bp.response(200, s.AnswerOut)
@raises(400, 403, 409, 422)
def regrade(body: dict[str, Any], inspection_id: int, item_id: str) -> Any:
    fields: dict[str, Any] = {"grade": body["grade"]}
    for key in ("document_date", "valid_until"):
        if body[key] is not None:
            fields[key] = body[key].isoformat()
    if body["documents"] is not None:
        fields["documents"] = _documents(body["documents"])
    if body["note"] is not None:
        fields["note"] = body["note"]
    return inspections.regrade(
        principal(), inspection_id, item_id, fields, body["base_revision"], body["reason"], client_ip(), now()
    )


@inspections_bp.route("/<int:inspection_id>/conflicts")
@requires("inspections.conflicts")
@inspections_bp.response(200, s.ConflictOut(many=True))
def list_conflicts(inspection_id: int) -> Any:
    inspection = inspections.load(principal(), inspection_id)
    return inspections.conflict_views(inspection.id)


@inspections_bp.route("/<int:inspection_id>/conflicts/<int:conflict_id>/resolution", methods=["POST"])
@requires("inspections.resolve_conflict")
@inspections_bp.arguments(s.ResolveIn)
@inspections_bp.response(200, s.ResolveOut)
@raises(400, 403, 409, 422)
def resolve_conflict(body: dict[str, Any], inspection_id: int, conflict_id: int) -> Any:
    resolution = body["resolution"]
    if resolution is None and body["accept"] is not None:
        resolution = "accept" if body["accept"] else "dismiss"
    return inspections.resolve_conflict(
        principal(),
        inspection_id,
        conflict_id,
        resolution or "",
        body["reason"],
        client_ip(),
        now(),
        grade=body["grade"],
    )


# --- sync ----------------------------------------------------------------------------------------


@sync_bp.route("/bootstrap")
@requires("sync.bootstrap")
@sync_bp.response(200, s.BootstrapOut)
def bootstrap() -> Any:
    return {
        "server_time": now(),
        "user": principal(),
        **sync.bootstrap(principal()),
        "rectifications": rectifications.of_facility(principal(), now()),
    }


@sync_bp.route("", methods=["POST"])
@requires("sync.push")
@sync_bp.arguments(s.SyncIn)
@sync_bp.response(200, s.SyncOut)
def push(body: dict[str, Any]) -> Any:
    # Receipts are plain JSON built by the service; they are sent as they are (SyncOut documents
    # them) because dumping hundreds of them through a schema costs more than the sync itself.
    changes = [_change(c) for c in body["changes"]]
    return jsonify(
        {"receipts": sync.apply_batch(principal(), body["device_id"], changes, now(), client_ip())}
    )


def _documents(documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    """The documents map as the domain reads it: dates back to their text."""
    return {
        key: {name: value.isoformat() if value is not None else None for name, value in body.items()}
        for key, body in documents.items()
    }


def _change(c: dict[str, Any] | Refused) -> sync.Change | sync.Refusal:
    if isinstance(c, Refused):
        change_id = c.field("change_id")
        valid_id = isinstance(change_id, str) and re.fullmatch(s.DEVICE_ID[0], change_id) is not None
        problems = problems_of(c.messages)
        first = problems[0] if problems else Problem("request.invalid_field", "").to_json()
        return sync.Refusal(change_id if valid_id else None, first["code"], first["message"], problems)
    return sync.Change(
        change_id=c["change_id"],
        inspection_id=c["inspection_id"],
        item_id=c["item_id"],
        base_revision=c["base_revision"],
        fields={
            k: c[k].isoformat()
            if isinstance(c[k], dt.date)
            else _documents(c[k])
            if k == "documents"
            else c[k]
            for k in sync.ANSWER_FIELDS
            if c.get(k) is not None
        },
        device_time=c["device_time"],
    )


# --- samples and audit ---------------------------------------------------------------------------


@admin_bp.route("/samples", methods=["POST"])
@requires("samples.draw")
@admin_bp.arguments(s.SampleIn)
@admin_bp.response(201, s.SampleOut)
@raises(409, 422)
def draw_sample(body: dict[str, Any]) -> Any:
    """A random sample of the city's county-approved inspections (of a period, when given), by
    size or by rate; the population, seed and drawn list are kept."""
    sample = inspections.draw_sample(
        principal(),
        body.get("size"),
        body["seed"],
        client_ip(),
        rate_percent=body.get("rate_percent"),
        since=body.get("since"),
        until=body.get("until"),
    )
    return inspections.sample_views(principal(), [sample], with_rows=True)[0]


@admin_bp.route("/samples")
@requires("samples.list")
@admin_bp.response(200, s.SampleOut(many=True))
def list_samples() -> Any:
    """The samples drawn in the caller's region, newest first, with their re-review progress."""
    samples = inspections.samples_in(principal())
    return inspections.sample_views(principal(), samples, with_rows=False)


@admin_bp.route("/samples/<int:sample_id>")
@requires("samples.get")
@admin_bp.response(200, s.SampleOut)
def get_sample(sample_id: int) -> Any:
    """The sample with each inspection it drew and how far its re-review has come."""
    sample = inspections.get_sample(principal(), sample_id)
    return inspections.sample_views(principal(), [sample], with_rows=True)[0]


@admin_bp.route("/audit")
@requires("audit.list")
@admin_bp.arguments(s.AuditQuery, location="query")
@admin_bp.response(200, s.AuditOut(many=True))
def list_audit(query: dict[str, Any]) -> Any:
    return audit.entries(principal(), query["after_seq"], query["limit"])


@admin_bp.route("/audit/log")
@requires("audit.list")
@admin_bp.arguments(s.AuditLogQuery, location="query")
@admin_bp.response(200, s.AuditLogOut)
def audit_log(query: dict[str, Any]) -> Any:
    """The entries of the admin's region, newest first, filtered by who, what, which object and when."""
    items, next_before = audit.console_page(principal(), query)
    return {"items": items, "next_before": next_before}


@admin_bp.route("/audit/log.csv")
@requires("audit.export")
@admin_bp.arguments(s.AuditLogQuery, location="query")
@admin_bp.response(200, {"format": "binary", "type": "string"}, content_type="text/csv")
def audit_log_csv(query: dict[str, Any]) -> Response:
    """The same entries as CSV (UTF-8, every cell plain text), at most 50,000 of them."""
    response = Response(stream_with_context(audit.console_csv(principal(), query)), mimetype="text/csv")
    name = quote("审计日志.csv")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- evidence ------------------------------------------------------------------------------------


@evidence_bp.route("/inspections/<int:inspection_id>/items/<item_id>/evidence", methods=["POST"])
@requires("evidence.upload")
@evidence_bp.arguments(s.EvidenceForm, location="form")
@evidence_bp.arguments(s.EvidenceFile, location="files")
@evidence_bp.response(201, s.EvidenceOut)
@evidence_bp.alt_response(200, schema=s.EvidenceOut, description="the same upload id was stored before")
@raises(403, 409, 413, 415, 422)
def upload_evidence(form: dict[str, Any], files: dict[str, Any], inspection_id: int, item_id: str) -> Any:
    upload = files["file"]
    data = read_photo(upload)
    row, created = evidence.upload(
        settings(),
        principal(),
        inspection_id,
        item_id,
        form["upload_id"],
        data,
        form["sha256"],
        upload.filename,
        evidence.Claims(form["captured_at"], form["latitude"], form["longitude"]),
        now(),
        client_ip(),
    )
    return row, 201 if created else 200


@evidence_bp.route("/inspections/<int:inspection_id>/evidence")
@requires("evidence.list")
@evidence_bp.response(200, s.EvidenceOut(many=True))
def list_evidence(inspection_id: int) -> Any:
    return evidence.listing(principal(), inspection_id)


@evidence_bp.route("/evidence/<int:evidence_id>/content")
@requires("evidence.content")
@evidence_bp.response(200, {"format": "binary", "type": "string"}, content_type="image/jpeg")
@raises(410)
def evidence_content(evidence_id: int) -> Response:
    return send_photo(evidence.content(principal(), evidence_id, thumbnail=False))


@evidence_bp.route("/evidence/<int:evidence_id>/thumbnail")
@requires("evidence.content")
@evidence_bp.response(200, {"format": "binary", "type": "string"}, content_type="image/jpeg")
@raises(410)
def evidence_thumbnail(evidence_id: int) -> Response:
    return send_photo(evidence.content(principal(), evidence_id, thumbnail=True))


# --- reports -------------------------------------------------------------------------------------


@inspections_bp.route("/<int:inspection_id>/report")
@requires("reports.get")
@inspections_bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
@raises(400, 409)
def inspection_report(inspection_id: int) -> Response:
    report, pdf = reports.report_for(principal(), inspection_id, now())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.number}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Report-Number"] = report.number
    response.headers["X-Report-Digest"] = report.snapshot_sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response
