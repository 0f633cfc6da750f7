"""Dash app for self-directed support uptake: pages, figures, API.

Dash and the pages are imported when an app is made, not with the package: the ETL's bundle
export uses dashboards.csv_safety without starting a web framework.
"""
from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).with_name("assets")
# Dash's default page has no language; screen readers need one (WCAG 3.1.1).
INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
    <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def routes() -> list:
    # Each page module registers its callbacks on import.
    from .pages import client_groups, compare, funnel, map, profile, sources
    from .routing import Page

    return [Page(module.PATH, module.TITLE, module.layout, getattr(module, "PREFIX", False))
            for module in (compare, profile, funnel, map, client_groups, sources)]


def read_one_build_per_request(server, warehouse) -> None:
    """Every request reads the build that was at the path when it started, to its end: a
    response is never half one build and half the next, and one started after a rebuild
    reads the new build. Registered before any other hook that reads the database."""
    from flask import g

    from .db import WarehouseUnavailable

    @server.before_request
    def pin_build():
        try:
            g.release_build = warehouse.pin()
        except WarehouseUnavailable:
            g.release_build = None      # each read will raise it again: answered with a 503

    @server.teardown_request
    def release_build(_error):
        release = g.pop("release_build", None)
        if release is not None:
            release()


def create_app(db_path: Path | str):
    """The app (a dash.Dash) for one database file."""
    import dash
    from dash import Input, Output, State, dcc, html

    from . import api, downloads, embed, security
    from .context import set_warehouse
    from .db import Warehouse
    from .routing import render

    warehouse = Warehouse(db_path)
    set_warehouse(warehouse)
    app = dash.Dash(__name__, assets_folder=str(ASSETS), title="Self-directed support uptake",
                    suppress_callback_exceptions=True, index_string=INDEX,
                    on_error=security.callback_error)  # a vanished database: a message, not a blank page
    read_one_build_per_request(app.server, warehouse)
    app.server.register_blueprint(api.blueprint)
    app.server.register_blueprint(downloads.blueprint)
    app.server.register_blueprint(embed.blueprint)
    app.server.register_blueprint(security.blueprint)
    app.server.json.sort_keys = False  # columns keep their documented order
    page_routes = routes()
    app.layout = html.Div([
        dcc.Location(id="url"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header(html.A("Self-directed support uptake in England", href="/", className="site-name"),
                    className="site-header"),
        html.Div(id="page"),
    ])

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(pathname, search):
        return render(page_routes, pathname, search)

    security.install_headers(app)  # after every callback is defined: it hashes inline scripts
    security.install_guards(app, page_routes)  # 404, 503, 400 for forged callbacks, plain 500
    return app
