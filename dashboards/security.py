"""Response headers for every route, and the health endpoint.

CSP: scripts only from this server plus Dash's own inline renderer script (by hash, from
Dash's csp_hashes); Plotly needs 'unsafe-eval' and inline styles. Only /embed/ pages may be
framed by other sites; everything else only by this site.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import db
from .context import warehouse

EMBEDDABLE_PREFIX = "/embed/"
blueprint = Blueprint("health", __name__)


def content_security_policy(script_hashes: list[str], *, embeddable: bool) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["*"] if embeddable else ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_headers(app) -> None:
    """Add the security headers to every response of the Dash app's server."""
    hashes = list(app.csp_hashes())  # already quoted: "'sha256-...'"
    policies = {embeddable: content_security_policy(hashes, embeddable=embeddable) for embeddable in (True, False)}

    @app.server.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = policies[request.path.startswith(EMBEDDABLE_PREFIX)]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response


@blueprint.get("/health")
def health():
    """For load balancers and people: which build is serving, its periods and sources."""
    try:
        wh = warehouse()
        info = db.build_info(wh)
        periods = sorted(set(db.catalogue(wh)["period"]))
        sources = len(db.all_sources(wh))
    except db.WarehouseUnavailable as error:
        return jsonify({"status": "unavailable", "error": str(error)}), 503
    return jsonify({"status": "ok", "build_id": info.get("build_id"), "periods": periods, "sources": sources})
