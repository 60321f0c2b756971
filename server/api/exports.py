"""Exports over HTTP: the final results of a region and period as a spreadsheet (评审结果), made
inside the request or, for a large region, by a background job (server/services/exports.py). A
plan's inspection list is under the plans API (server/api/plans.py)."""

from __future__ import annotations

from typing import Any

from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, attachment, now, principal, requires
from server.api.docs import raises
from server.formats.exports import XLSX_TYPE
from server.services import exports, jobs

bp = Blueprint("exports", __name__, url_prefix="/api/exports", description="数据导出")


def send(download: exports.Download) -> Response:
    """A workbook as a download under its Chinese name."""
    response = Response(download.data, mimetype=download.content_type)
    response.headers["Content-Disposition"] = attachment(download.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/results/<region_code>/<period>.xlsx")
@requires("exports.results")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX_TYPE)
@raises(409, 422)
def results(region_code: str, period: str) -> Response:
    """The final results of a region inside the user's own whose inspection date lies in a year
    (2026), quarter (2026Q4) or month (2026-11): one row per facility and checklist family (its
    newest result), one sheet per checklist edition and version. A region with more results than a
    request exports is refused (409 exports.use_job): ask for it with POST /api/exports/results."""
    return send(exports.results_for(principal(), region_code, period, now()))


@bp.route("/results", methods=["POST"])
@requires("exports.results")
@bp.arguments(s.ResultsExportRequest)
@bp.response(202, s.JobOut)
@raises(404, 422)
def request_results(body: dict[str, Any]) -> Any:
    """Export the results as a background job: the answer is the job, to follow at /api/jobs/{id}
    and download from /api/jobs/{id}/result once it succeeded. The same export asked for while a
    job for it is under way is that job."""
    job = exports.request_results(principal(), body["region_code"], body["period"])
    return jobs.view([job])[0]
