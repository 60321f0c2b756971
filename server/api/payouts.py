"""Payout sheets (奖补资金分配表) over HTTP: a region's sheet for a period, as PDF or XLSX."""

from __future__ import annotations

from typing import Any

from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, now, principal, requires
from server.api.docs import raises
from server.formats.payout_sheet import XLSX_TYPE
from server.services import jobs, payouts

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
