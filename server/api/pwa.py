"""Serves the built PWA (pwa/dist) with an app-shell fallback for client-side routes."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import Blueprint, Response, current_app, send_from_directory

from server.api.errors import catalog_response

bp = Blueprint("pwa", __name__)

NO_CACHE = {"index.html", "sw.js", "manifest.webmanifest", "registerSW.js"}
# What the build writes; a missing path with one of these suffixes is a missing file.
STATIC_SUFFIXES = {
    ".js",
    ".mjs",
    ".css",
    ".map",
    ".png",
    ".svg",
    ".ico",
    ".webmanifest",
    ".json",
    ".txt",
    ".woff2",
}

# The app keeps its session token on the device: no script, style sheet or connection from
# anywhere but this origin. Vant sets inline style attributes, hence 'unsafe-inline' for styles;
# photos and downloads are shown from blob: URLs made on the device.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' blob: data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _dist() -> Path:
    return Path(current_app.config["PWA_DIST"])


@bp.get("/")
@bp.get("/<path:path>")
def shell(path: str = "index.html") -> Response:
    dist = _dist()
    if path.startswith(("api/", "healthz")):
        return catalog_response("http.not_found")
    if not (dist / "index.html").is_file():
        return catalog_response("pwa.not_built", command="make run")
    target = dist / path
    if not target.is_file():
        if PurePosixPath(path).suffix.lower() in STATIC_SUFFIXES:
            return catalog_response("http.not_found")  # a missing file, not a page
        path = "index.html"  # a page of the app, ids with dots included (/inspections/8/items/QS-2.2.03)
    response = send_from_directory(dist, path)
    if path in NO_CACHE:
        response.headers["Cache-Control"] = "no-cache"
    elif path.startswith("assets/"):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers.update(SECURITY_HEADERS)
    return response
