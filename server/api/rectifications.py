"""Rectification (整改) tasks: the facility's fixes of what its approved inspection failed, and the
county's checks of them (server/services/rectifications.py)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, read_photo, requires, send_photo, settings
from server.api.docs import raises
from server.services import photos, rectifications
from server.services.imports import XLSX_TYPE

bp = Blueprint("rectifications", __name__, url_prefix="/api/rectifications", description="整改")


@bp.route("")
@requires("rectifications.list")
@bp.arguments(s.RectificationQuery, location="query")
@bp.response(200, s.RectificationPageOut)
def list_tasks(query: dict[str, Any]) -> Any:
    """Tasks in the caller's region (a facility's staff: their facility's), newest first, with the
    counts by state and overdue of the same scope."""
    return rectifications.page(principal(), query, now())


@bp.route("/summary")
@requires("rectifications.list")
@bp.arguments(s.RectificationSummaryQuery, location="query")
@bp.response(200, s.RectificationCountsOut)
def summary(query: dict[str, Any]) -> Any:
    """Counts by state and overdue, of the caller's region or of one facility in it."""
    return rectifications.summary(principal(), query.get("facility_id"), now())


@bp.route("/export.xlsx")
@requires("rectifications.export")
@bp.arguments(s.RectificationFilters, location="query")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX_TYPE)
@raises(404)
def export(query: dict[str, Any]) -> Response:
    """The 整改清单 of the caller's region (or `region_code` inside it) with the list's filters."""
    out = io.BytesIO()
    name = rectifications.export(principal(), query, now(), out)
    response = Response(out.getvalue(), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"rectifications.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:task_id>")
@requires("rectifications.get")
@bp.response(200, s.RectificationOut)
def get_task(task_id: int) -> Any:
    """One task with its photos and history."""
    return rectifications.detail(principal(), task_id, now())


@bp.route("/<int:task_id>/photos", methods=["POST"])
@requires("rectifications.upload")
@bp.arguments(s.EvidenceForm, location="form")
@bp.arguments(s.EvidenceFile, location="files")
@bp.response(201, s.RectificationPhotoOut)
@bp.alt_response(200, schema=s.RectificationPhotoOut, description="the same upload id was stored before")
@raises(403, 409, 413, 415, 422)
def upload_photo(form: dict[str, Any], files: dict[str, Any], task_id: int) -> Any:
    """A photo of the fix, checked like inspection evidence; idempotent by its upload id."""
    upload = files["file"]
    data = read_photo(upload)
    row, created = rectifications.upload_photo(
        settings(),
        principal(),
        task_id,
        form["upload_id"],
        data,
        form["sha256"],
        upload.filename,
        photos.Claims(form["captured_at"], form["latitude"], form["longitude"]),
        now(),
        client_ip(),
    )
    return row, 201 if created else 200


@bp.route("/<int:task_id>/submit", methods=["POST"])
@requires("rectifications.submit")
@bp.arguments(s.RectificationSubmitIn)
@bp.response(200, s.RectificationOut)
@raises(403, 409, 422)
def submit(body: dict[str, Any], task_id: int) -> Any:
    """The facility says the item is fixed, with its note and this submission's photos. The same
    change id again answers with the task as it is now."""
    view, _ = rectifications.submit(
        principal(), task_id, body["change_id"], body["note"], body["photos"], now(), client_ip()
    )
    return view


@bp.route("/<int:task_id>/decision", methods=["POST"])
@requires("rectifications.decide")
@bp.arguments(s.RectificationDecisionIn)
@bp.response(200, s.RectificationOut)
@raises(409, 422)
def decide(body: dict[str, Any], task_id: int) -> Any:
    """The county's check: accept the fix, or return it with a reason."""
    return rectifications.decide(principal(), task_id, body["decision"], body["reason"], now(), client_ip())


@bp.route("/photos/<int:photo_id>/content")
@requires("rectifications.photo")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="image/jpeg")
@raises(410)
def photo_content(photo_id: int) -> Response:
    return send_photo(rectifications.photo_content(principal(), photo_id, thumbnail=False))


@bp.route("/photos/<int:photo_id>/thumbnail")
@requires("rectifications.photo")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="image/jpeg")
@raises(410)
def photo_thumbnail(photo_id: int) -> Response:
    return send_photo(rectifications.photo_content(principal(), photo_id, thumbnail=True))
