"""Facilities and users from a spreadsheet, in the console: the template, a preview of every row
with its problems, then the import of the file previewed, all rows or none (server/services/imports.py,
the same rules as `flask import`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, jsonify, make_response

from server.api import schemas as s
from server.api.base import Blueprint, principal, requires, settings
from server.api.docs import raises
from server.services import import_jobs, imports

bp = Blueprint("imports", __name__, url_prefix="/api/imports", description="批量导入")


def read_upload(files: dict[str, Any]) -> tuple[str, bytes]:
    upload = files["file"]
    try:
        data = upload.stream.read(settings().max_content_length + 1)
    finally:
        upload.close()
    return upload.filename or "", data


@bp.route("/<kind>/template.xlsx")
@requires("imports.template")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=imports.XLSX_TYPE)
def template(kind: str) -> Response:
    """A sheet with the columns the import reads and an example row."""
    name, data = imports.template(kind)
    response = Response(data, mimetype=imports.XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/<kind>/preview", methods=["POST"])
@requires("imports.preview")
@bp.arguments(s.ImportFile, location="files")
@bp.response(200, s.ImportPreviewOut)
@raises(413, 415, 422)
def preview(files: dict[str, Any], kind: str) -> Any:
    """Every row of the file with every problem the import would find; nothing is written."""
    filename, data = read_upload(files)
    return imports.preview(principal(), kind, filename, data)


@bp.route("/<kind>", methods=["POST"])
@requires("imports.run")
@bp.arguments(s.ImportRunForm, location="form")
@bp.arguments(s.ImportFile, location="files")
@bp.response(201, s.ImportResultOut)
@bp.alt_response(202, schema=s.JobOut, description="a large file: the background job that imports it")
@raises(409, 413, 415, 422)
def run(form: dict[str, Any], files: dict[str, Any], kind: str) -> Any:
    """The file previewed (its digest), imported: every row, or none when any has a problem. A
    file of more rows than a request imports is answered with the job that imports it."""
    filename, data = read_upload(files)
    result = import_jobs.run_or_queue(principal(), kind, filename, data, form["sha256"])
    if isinstance(result, dict):  # the job: its own schema, not the import result's
        return make_response(jsonify(s.JobOut().dump(result)), 202)
    return {
        "kind": result.kind,
        "count": result.count,
        "breakdown": result.breakdown,
        "passwords": [{"username": u, "one_time_password": p} for u, p in result.passwords],
    }
