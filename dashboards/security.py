"""What every request goes through: security headers, the health endpoint, and the guards that
turn bad requests and failures into plain answers.

CSP: scripts only from this server plus Dash's own inline renderer script (by hash, from
Dash's csp_hashes); Plotly needs 'unsafe-eval' and inline styles. Only /embed/ pages may be
framed by other sites; everything else only by this site. An embed tells its host page its
height with postMessage, which CSP does not govern, and other sites' pages load
/embed-assets/resize.js with a plain script tag: no Cross-Origin-Resource-Policy header may be
added to it (tests/embed/test_embed_pages.py checks).

Guards (install_guards):
- A query string over MAX_QUERY_BYTES gets 414 and a message, whatever the path.
- A path that is no page gets HTTP 404 and a readable page (Dash alone answers every path with
  its shell and 200); so does the profile of an unknown area code.
- While the database is missing or unreadable, pages answer 503 with a readable page, the API,
  downloads and /health 503 with JSON, each saying how to rebuild; a callback that meets it
  replaces the page with the same message. Nothing is served from a vanished build's caches.
- A request to Dash's callback endpoint that the renderer could not have sent (a body over 1 MB,
  nested too deep, junk JSON, an unknown output, inputs of the wrong shape) gets a 4xx naming
  what is wrong, before any callback runs; a callback that fails on a value it was sent, 400
  (dashboards/callback_guard.py). Each refusal is logged as one line.
- Any other exception is logged (one line: type, message, where) and answered with a plain 500
  page: no traceback, no debug mode.
- Heavy endpoints (callbacks and embeds, downloads) run at most UPTAKE_HEAVY_PER_WORKER
  (default 1) at a time per class in each worker process: the quick ones (API, health, static
  files) keep their latency under load instead of sharing the interpreter with a crowd of chart
  builds (server.extensions["uptake_heavy"] lists them).
"""
from __future__ import annotations

import html
import os
import threading
from functools import wraps

from dash import set_props
from dash.exceptions import DependencyException
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import callback_guard, db
from .context import warehouse

EMBEDDABLE_PREFIX = "/embed/"
SITE_NAME = "Self-directed support uptake in England"
blueprint = Blueprint("health", __name__)

# Flask endpoints through which Dash serves its page shell: "/" and its catch-all path.
DASH_PAGE_ENDPOINTS = {"/", "/<path:path>"}
CALLBACK_ENDPOINT = "/_dash-update-component"
# Every real link is far shorter: all 150 councils as repeated area= filters take 2.3 KB. The
# same as gunicorn's request-line limit, so every server answers a long link alike.
MAX_QUERY_BYTES = 4000
HEAVY_ENV = "UPTAKE_HEAVY_PER_WORKER"
HEAVY_WAIT_SECONDS = float(os.environ.get("UPTAKE_HEAVY_WAIT_SECONDS", "30"))
# Endpoint -> class of heavy work; each class has its own limit so a slow picture does not hold
# up chart building. A name ending in "." is a blueprint: all its endpoints.
# Images are not here: the shared renderer (dashboards/renderer.py) has its own bounded queue,
# and a picture waits there, or is turned away at once, without holding a worker's gate.
HEAVY_ENDPOINTS = {CALLBACK_ENDPOINT: "charts", "embed.embed": "charts", "downloads.": "downloads"}


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


# --- plain pages -------------------------------------------------------------------------

def _shown(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "\u2026"


def plain_page(status: int, title: str, text: str) -> Response:
    """A small page in the site's style that needs no script: for answers Dash cannot give."""
    body = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - {SITE_NAME}</title><link rel="stylesheet" href="/assets/style.css"></head>
<body>
<header class="site-header"><a class="site-name" href="/">{SITE_NAME}</a></header>
<main id="main">
<h1>{html.escape(title)}</h1>
<p class="message" role="status">{html.escape(text)}</p>
<p><a href="/">Go to the comparison of councils</a></p>
</main>
</body>
</html>
"""
    return Response(body, status=status, mimetype="text/html")


def _wants_page() -> bool:
    return request.endpoint in DASH_PAGE_ENDPOINTS


def unavailable_response(error: db.WarehouseUnavailable):
    if _wants_page():
        return plain_page(503, "The data is not available", str(error))
    return jsonify({"status": "unavailable", "error": str(error)}), 503


# --- which paths are pages ---------------------------------------------------------------

def _profile_exists(code: str) -> bool:
    from .pages.profile import normalise_code
    return db.area(warehouse(), normalise_code(code)) is not None


# Prefix pages whose remainder names something that may not exist: 404 when it does not.
PREFIX_CHECKS = {"/area/": _profile_exists}


def page_for(pages, path: str):
    """The page that serves path, as routing.render chooses it, or None."""
    for page in pages:
        if page.prefix:
            rest = path[len(page.path):]
            # One path segment (a trailing slash allowed): "/area/x/../../y" is no page.
            if path.startswith(page.path) and rest.strip("/") and "/" not in rest.rstrip("/"):
                return page
        elif page.path == path:
            return page
    return None


def _not_a_page(path: str) -> Response:
    return plain_page(404, "Page not found", f"There is no page at {_shown(path)}.")


# --- Dash's callback endpoint ------------------------------------------------------------

def callback_error(error: Exception):
    """Dash's on_error for every callback: a vanished database replaces the page with the
    message saying how to rebuild; anything else is a bug and goes on to the 500 handler."""
    if isinstance(error, db.WarehouseUnavailable):
        set_props("page", {"children": html_message(str(error))})
        return None
    raise error


def html_message(text: str):
    from .components import message
    from dash import html as dash_html
    return dash_html.Main([dash_html.H1("The data is not available"), message(text)], id="main")


# --- heavy work ----------------------------------------------------------------------------

def heavy_limit_from_environment() -> int:
    text = os.environ.get(HEAVY_ENV, "1")
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{HEAVY_ENV}={text!r}: give a whole number of heavy requests per worker, 1 or more.")
    return int(text)


def limit_heavy_endpoints(server, limit: int, heavy: dict[str, str] = HEAVY_ENDPOINTS) -> dict[str, str]:
    """Let at most `limit` requests per class of heavy endpoint run at once in this process;
    the rest wait their turn (their threads sleep, so quick requests get the interpreter).
    Returns endpoint -> class for the endpoints it limited."""
    gates = {kind: threading.BoundedSemaphore(limit) for kind in set(heavy.values())}
    limited = {}
    for endpoint, view in list(server.view_functions.items()):
        kind = next((k for name, k in heavy.items()
                     if endpoint == name or (name.endswith(".") and endpoint.startswith(name))), None)
        if kind is None:
            continue
        limited[endpoint] = kind

        def gated(*args, _view=view, _gate=gates[kind], **kwargs):
            # A request that has waited HEAVY_WAIT_SECONDS is told to come back rather than
            # holding its thread (and the client) indefinitely behind a queue of pictures.
            if not _gate.acquire(timeout=HEAVY_WAIT_SECONDS):
                response = jsonify({"error": "The server is busy drawing other charts; try again in a few seconds."})
                response.status_code, response.headers["Retry-After"] = 503, "5"
                return response
            try:
                return _view(*args, **kwargs)
            finally:
                _gate.release()
        server.view_functions[endpoint] = wraps(view)(gated)
    return limited


# --- installing ----------------------------------------------------------------------------

def install_guards(app, pages) -> None:
    """404 for paths that are no page, 503 while the database is unavailable, 400 for forged
    callback requests, a plain logged 500 for anything unexpected, limits on heavy work."""
    server = app.server
    server.debug = False
    page_callbacks = callback_guard.PageCallbacks(app)
    schemas = callback_guard.CallbackSchemas(app, page_callbacks.all())
    # Flask's own limit, for anything else that reads a body; the callback guard counts a
    # chunked body itself, whatever the WSGI server tells Flask about where it ends.
    server.config["MAX_CONTENT_LENGTH"] = callback_guard.MAX_BODY_BYTES
    server.view_functions[CALLBACK_ENDPOINT] = callback_guard.answer_unusable_values(
        server.view_functions[CALLBACK_ENDPOINT], server.logger)

    @server.before_request
    def guard():
        page_callbacks.add_missing()
        if len(request.query_string) > MAX_QUERY_BYTES:
            text = (f"The query string is {len(request.query_string):,} bytes long; at most "
                    f"{MAX_QUERY_BYTES:,} are accepted. Shorten the link, or ask for less at a time.")
            if _wants_page():
                return plain_page(414, "Link too long", text)
            return jsonify({"error": text}), 414
        if request.endpoint in DASH_PAGE_ENDPOINTS:
            page = page_for(pages, request.path)
            if page is None:
                return _not_a_page(request.path)
            try:
                db.build_info(warehouse())   # cached per build: a file check when all is well
                check = PREFIX_CHECKS.get(page.path)
                if check is not None and not check(request.path[len(page.path):]):
                    return plain_page(404, "No such council", (
                        f"There is no council, region or country with the ONS code "
                        f"\u201c{_shown(request.path[len(page.path):].strip('/'), 40)}\u201d. "
                        "Council codes look like E06000005 (Darlington)."))
                found = page.missing(request.path[len(page.path):]) if page.prefix and page.missing else None
                if found is not None:
                    return plain_page(404, *found)
            except db.WarehouseUnavailable as error:
                return unavailable_response(error)
        elif request.endpoint == CALLBACK_ENDPOINT and request.method == "POST":
            return callback_guard.guard_callback_request(schemas, server.logger)
        return None

    @server.errorhandler(db.WarehouseUnavailable)
    def unavailable(error):
        return unavailable_response(error)

    @server.errorhandler(DependencyException)
    def no_such_script(error):
        # Dash's answer to a component-suite path it never registered (a guess or a traversal).
        return Response("No such file.", status=404, mimetype="text/plain")

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = callback_guard.MAX_BODY_BYTES
        return callback_guard.refuse(server.logger, 413, f"The body is over {limit:,} bytes; at most {limit:,} "
                                     "are accepted.", callback_guard.body_size())

    @server.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return error          # 400, 404, 405...: werkzeug's own short pages
        # One line: where it failed is enough to find the bug, and an exception's message can
        # hold a whole layout (Dash quotes a callback's return value).
        server.logger.error("Unexpected error on %s %s: %s: %s at %s", request.method, _shown(request.path, 200),
                            type(error).__name__, callback_guard.one_line(error), callback_guard.where_raised(error))
        if _wants_page() or request.endpoint is None:
            return plain_page(500, "Something went wrong", "This page could not be shown because of an error "
                                   "on our side. It has been logged; please try again later.")
        return jsonify({"error": "An error on our side stopped this request. It has been logged; "
                                 "please try again later."}), 500

    server.extensions["uptake_heavy"] = limit_heavy_endpoints(server, heavy_limit_from_environment())
