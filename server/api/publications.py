"""Publications of results (公示) of the caller's region, as the console makes and follows them
(server/services/publications.py), and their public page (no login)."""

from __future__ import annotations

from typing import Any

import flask
from flask import Response

from server.api import schemas as s
from server.api.base import Blueprint, client_ip, now, principal, requires
from server.api.docs import raises
from server.reports.render import render_html
from server.services import publications

bp = Blueprint("publications", __name__, url_prefix="/api/publications", description="结果公示")


@bp.route("")
@requires("publications.list")
@bp.arguments(s.PublicationQuery, location="query")
@bp.response(200, s.PublicationPageOut)
def list_publications(query: dict[str, Any]) -> Any:
    """Publications inside the caller's region, newest first, each with where it stands today."""
    return publications.page(principal(), query, now())


@bp.route("/preview")
@requires("publications.preview")
@bp.arguments(s.PublicationPreviewQuery, location="query")
@bp.response(200, s.PublicationPreviewOut)
@raises(404, 422)
def preview(query: dict[str, Any]) -> Any:
    """What a publication of a region inside the caller's and a period would list: each facility's
    latest final result of the period that reached a tier, and apart those already published; with
    the last day of its period. Nothing is written (a missing report is rendered)."""
    return publications.preview(principal(), query, now())


@bp.route("", methods=["POST"])
@requires("publications.create")
@bp.arguments(s.PublicationIn)
@bp.response(201, s.PublicationDetailOut)
@bp.alt_response(200, schema=s.PublicationDetailOut, description="the same request_id created it before")
@raises(404, 409, 422)
def create_publication(body: dict[str, Any]) -> Any:
    """Publishes the results previewed (by inspection): refused whole when one of them is no longer
    one to publish, so the clerk previews again."""
    publication, created = publications.create(principal(), body, now(), client_ip())
    view = publications.detail(principal(), publication.id, now())
    return view if created else (view, 200)


@bp.route("/<int:publication_id>")
@requires("publications.get")
@bp.response(200, s.PublicationDetailOut)
def get_publication(publication_id: int) -> Any:
    """The publication, its results and the objections to each, with their outcomes."""
    return publications.detail(principal(), publication_id, now())


@bp.route("/<int:publication_id>/entries/<int:entry_id>/objections", methods=["POST"])
@requires("publications.object")
@bp.arguments(s.ObjectionIn)
@bp.response(201, s.PublicationDetailOut)
@raises(409, 422)
def record_objection(body: dict[str, Any], publication_id: int, entry_id: int) -> Any:
    """Records an objection (异议) to one published result, pending until decided."""
    return publications.record_objection(principal(), publication_id, entry_id, body, now(), client_ip())


@bp.route("/<int:publication_id>/objections/<int:objection_id>/decision", methods=["POST"])
@requires("publications.decide")
@bp.arguments(s.ObjectionDecisionIn)
@bp.response(200, s.PublicationDetailOut)
@raises(409, 422)
def decide_objection(body: dict[str, Any], publication_id: int, objection_id: int) -> Any:
    """Decides a pending objection with a reason: upheld (成立) withdraws the result, dismissed (不成立)
    leaves it. A decision is final."""
    return publications.decide(principal(), publication_id, objection_id, body, now(), client_ip())


# --- the public page -----------------------------------------------------------------------------

public_bp = flask.Blueprint("notices", __name__)
TOKEN_MAX = 64


@public_bp.get("/public/notices/<token>")
def notice(token: str) -> Response:
    """The publication's public page: no login, printable; a Chinese 404 page for an unknown token."""
    found = publications.public_notice(token, now()) if len(token) <= TOKEN_MAX else None
    html = render_html("notice.html", notice=found)
    response = Response(html, status=200 if found else 404, mimetype="text/html")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
