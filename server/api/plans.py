"""Campaign plans (评审计划) of the caller's region, as the console makes and follows them
(server/services/plans.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, requires
from server.api.docs import raises
from server.api.exports import send
from server.api.imports import read_upload
from server.services import exports, plan_lists, plans
from server.services.imports import XLSX_TYPE

bp = Blueprint("plans", __name__, url_prefix="/api/plans", description="评审计划")


@bp.route("")
@requires("plans.list")
@bp.arguments(s.PlanQuery, location="query")
@bp.response(200, s.PlanPageOut)
def list_plans(query: dict[str, Any]) -> Any:
    """Plans inside the caller's region, newest first, with their progress counts."""
    items, following = plans.page(principal(), query)
    return {"items": items, "next": following}


@bp.route("", methods=["POST"])
@requires("plans.create")
@bp.arguments(s.PlanIn)
@bp.response(201, s.PlanDetailOut)
@bp.alt_response(200, schema=s.PlanDetailOut, description="the same request_id created this plan before")
@raises(403, 404, 409, 422)
def create_plan(body: dict[str, Any]) -> Any:
    """A plan and, in one transaction, its inspections and their teams; every facility row is
    checked first and all problems answered at once. A plan of more facilities than the server
    creates within a request is answered as 创建中 with the job that creates it."""
    plan, created = plans.create(principal(), body, now(), client_ip())
    view = plans.detail(principal(), plan.id)
    return view if created else (view, 200)


@bp.route("/<int:plan_id>")
@requires("plans.get")
@bp.response(200, s.PlanDetailOut)
def get_plan(plan_id: int) -> Any:
    """The plan and each facility's visit: team, date and progress (and its self-assessment)."""
    return plans.detail(principal(), plan_id)


@bp.route("/<int:plan_id>/inspections.xlsx")
@requires("plans.export")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX_TYPE)
def export_plan(plan_id: int) -> Response:
    """The plan's visits as a spreadsheet (检查名单): facility, region, type, team, planned day,
    progress and status as the plan's page shows them, and the tier and report number of each
    visit finally approved."""
    return send(exports.plan_list(principal(), plan_id, now()))


@bp.route("/<int:plan_id>/inspections/<int:inspection_id>", methods=["PATCH"])
@requires("plans.change")
@bp.arguments(s.PlanEntryChangeIn)
@bp.response(200, s.PlanEntryOut)
@raises(409, 422)
def change_entry(body: dict[str, Any], plan_id: int, inspection_id: int) -> Any:
    """A new team or planned date for a visit nobody has started."""
    return plans.change_entry(principal(), plan_id, inspection_id, body, now(), client_ip())


@bp.route("/<int:plan_id>/cancel", methods=["POST"])
@requires("plans.cancel")
@bp.arguments(s.ReasonIn)
@bp.response(200, s.PlanDetailOut)
@raises(409, 422)
def cancel_plan(body: dict[str, Any], plan_id: int) -> Any:
    """Calls the plan off: visits not yet submitted are cancelled (their answers kept); submitted
    ones go on through review."""
    return plans.cancel(principal(), plan_id, body["reason"], now(), client_ip())


@bp.route("/list/template.xlsx")
@requires("plans.list_template")
@bp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX_TYPE)
def list_template() -> Response:
    """A sheet of the columns a list of a plan's facilities has, with an example row."""
    name, data = plan_lists.template()
    response = Response(data, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/list", methods=["POST"])
@requires("plans.read_list")
@bp.arguments(s.ImportFile, location="files")
@bp.response(200, s.PlanListOut)
@raises(413, 415, 422)
def read_list(files: dict[str, Any]) -> Any:
    """A list of facilities with their teams and days (CSV or XLSX) read for a plan being made:
    each row with the facility and inspectors found and its problems. Nothing is written."""
    filename, data = read_upload(files)
    return plan_lists.read(principal(), filename, data)
