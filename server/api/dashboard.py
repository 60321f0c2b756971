"""The results dashboard (评审成果统计) of a region and year: the figures, the lists behind them,
and the targets a bureau sets (server/services/dashboard.py)."""

from __future__ import annotations

from typing import Any

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, requires
from server.api.docs import raises
from server.services import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard", description="评审成果统计")


@bp.route("")
@requires("dashboard.get")
@bp.arguments(s.DashboardQuery, location="query")
@bp.response(200, s.DashboardOut)
@raises(404, 422)
def get_dashboard(query: dict[str, Any]) -> Any:
    """A region's figures for a campaign year and checklist family, per direct sub-region: facilities
    by tier, planned visits, the shares at 基本 and 推荐 against the target, the year before, and the
    items most often not met."""
    return dashboard.overview(principal(), query, now())


@bp.route("/facilities")
@requires("dashboard.facilities")
@bp.arguments(s.DashboardFacilityQuery, location="query")
@bp.response(200, s.DashboardFacilityPageOut)
@raises(404, 422)
def list_facilities(query: dict[str, Any]) -> Any:
    """The facilities behind a number of the dashboard (a tier, a share, a plan state, an item not
    met), one page at a time, each with its result, report and the pages to open."""
    return dashboard.facilities(principal(), query, now())


@bp.route("/targets", methods=["PUT"])
@requires("dashboard.set_target")
@bp.arguments(s.DashboardTargetIn)
@bp.response(200, s.DashboardTargetSetOut)
@raises(422)
def set_target(body: dict[str, Any]) -> Any:
    """The shares a region inside the caller's is to reach at 基本 and 推荐 in a year, for a
    checklist family (replacing those set before; audited)."""
    return dashboard.set_target(principal(), body, client_ip(), now())
