"""Payout sheets (奖补资金分配表) over HTTP: a region's sheet for a period, as PDF or XLSX."""

from __future__ import annotations

from typing import Any

from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, requires
from server.api.docs import raises
from server.formats.payout_sheet import XLSX_TYPE
from server.services import jobs, payout_console, payouts, publications

bp = Blueprint("payouts", __name__, url_prefix="/api/payouts", description="达标奖补")


def _send(download: payouts.Download) -> Response:
    response = Response(download.data, mimetype=download.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Payout-Sheet-Digest"] = download.sheet.digest
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<region_code>/<period>.pdf")
@requires("payouts.sheet")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
@raises(409, 422)
def sheet_pdf(region_code: str, period: str) -> Response:
    """The payout sheet of a region inside the user's own for a year (2026), quarter (2026Q4) or
    month (2026-11), as PDF."""
    return _send(payouts.sheet_for(principal(), region_code, period, "pdf", now()))


@bp.route("/<region_code>/<period>.xlsx")
@requires("payouts.sheet")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX_TYPE)
@raises(409, 422)
def sheet_xlsx(region_code: str, period: str) -> Response:
    """The same sheet as XLSX: the same rows and totals, amounts as numbers."""
    return _send(payouts.sheet_for(principal(), region_code, period, "xlsx", now()))


@bp.route("/sheets", methods=["POST"])
@requires("payouts.sheet")
@bp.arguments(s.PayoutSheetRequest)
@bp.response(202, s.JobOut)
@raises(404, 422)
def request_sheet(body: dict[str, Any]) -> Any:
    """Make the payout sheet as a background job: the answer is the job, to follow at
    /api/jobs/{id} and download from /api/jobs/{id}/result once it succeeded. The same sheet asked
    for while a job for it is under way is that job; an unchanged sheet reuses the earlier file."""
    job, _ = payouts.request_sheet(principal(), body["region_code"], body["period"], body["format"])
    return jobs.view([job])[0]


# --- the console ---------------------------------------------------------------------------------


@bp.route("/rules")
@requires("payouts.rules")
@bp.response(200, s.PayoutRulesOut)
def list_rules() -> Any:
    """The reward rules that apply inside the user's region (those of the regions above it marked
    inherited), newest 生效日期 first, and the families and tiers a rule may name."""
    return payout_console.rules(principal())


@bp.route("/rules", methods=["POST"])
@requires("payouts.add_rule")
@bp.arguments(s.PayoutRuleIn)
@bp.response(201, s.PayoutRuleOut)
@raises(409, 422)
def add_rule(body: dict[str, Any]) -> Any:
    """A new rule for a region inside the user's own: rules are never changed, a new amount is a
    new rule from a later 生效日期."""
    return payout_console.add_rule(principal(), body, client_ip())


@bp.route("/settings")
@requires("payouts.settings")
@bp.response(200, s.PayoutSettingsOut)
def payout_settings() -> Any:
    """Whether the user's region pays only results whose publication (公示) ended with no upheld
    objection (its own setting or one above it), and the settings of the regions above and inside it."""
    return publications.payout_settings(principal())


@bp.route("/settings/<region_code>", methods=["PUT"])
@requires("payouts.set_publication")
@bp.arguments(s.PayoutSettingIn)
@bp.response(200, s.PayoutSettingsOut)
def set_payout_setting(body: dict[str, Any], region_code: str) -> Any:
    """A region inside the user's own pays only results whose publication ended with no upheld
    objection, or no longer asks for it (a region above may still)."""
    return publications.set_payout_setting(
        principal(), region_code, body["requires_publication"], now(), client_ip()
    )


@bp.route("/<region_code>/<period>/preview")
@requires("payouts.preview")
@bp.response(200, s.PayoutPreviewOut)
@raises(409, 422)
def preview(region_code: str, period: str) -> Any:
    """The sheet's rows and totals (the same as its PDF and XLSX) and its digest, to check before
    downloading or recording it."""
    return payout_console.preview(principal(), region_code, period, now())


@bp.route("/<region_code>/<period>/record", methods=["POST"])
@requires("payouts.record")
@bp.arguments(s.PayoutRecordIn)
@bp.response(200, s.PayoutRecordOut)
@raises(409, 422)
def record_sheet(body: dict[str, Any], region_code: str, period: str) -> Any:
    """Records the payouts of the sheet previewed (its digest): refused when the sheet changed
    since; the same sheet recorded again adds nothing."""
    return payout_console.record_sheet(principal(), region_code, period, body["digest"], now())


@bp.route("/records")
@requires("payouts.records")
@bp.response(200, s.PayoutRecordingOut(many=True))
def recordings() -> Any:
    """The sheets recorded inside the user's region, newest first."""
    return payout_console.history(principal())
