"""Background jobs over HTTP: where a job stands, and its result once it succeeded."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context

from server.api import schemas as s
from server.api.base import Blueprint, attachment, principal, requires
from server.api.docs import raises
from server.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs", description="后台任务")


@bp.route("")
@requires("jobs.list")
@bp.arguments(s.JobQuery, location="query")
@bp.response(200, s.JobPageOut)
def list_jobs(query: dict[str, Any]) -> Any:
    """The jobs the user started, and those of the user's region they may see; newest first."""
    rows, next_before = jobs.page(principal(), query["before"], query["limit"])
    return {"jobs": jobs.view(rows), "next_before": next_before}


@bp.route("/<int:job_id>")
@requires("jobs.get")
@bp.response(200, s.JobOut)
def get_job(job_id: int) -> Any:
    return jobs.view([jobs.get(principal(), job_id)])[0]


@bp.route("/<int:job_id>/result")
@requires("jobs.get")
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
@raises(409)
def job_result(job_id: int) -> Response:
    """The job's file: only once it succeeded (409 before)."""
    download = jobs.result(principal(), job_id)
    response = Response(
        stream_with_context(download.chunks), mimetype=download.content_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(download.size)
    response.headers["Content-Disposition"] = attachment(download.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Content-SHA256"] = download.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response
