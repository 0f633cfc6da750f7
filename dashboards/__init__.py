"""Dash app for self-directed support uptake: pages, figures, API."""
from __future__ import annotations

from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html

from .context import set_warehouse
from .db import Warehouse
from .routing import Page, render
from .security import callback_error

ASSETS = Path(__file__).with_name("assets")
# Dash's default page has no language; screen readers need one (WCAG 3.1.1).
INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
    <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def routes() -> list[Page]:
    # Each page module registers its callbacks on import.
    from .pages import client_groups, compare, funnel, map, profile, sources

    return [Page(module.PATH, module.TITLE, module.layout, getattr(module, "PREFIX", False))
            for module in (compare, profile, funnel, map, client_groups, sources)]


def create_app(db_path: Path | str) -> dash.Dash:
    """The app for one database file."""
    set_warehouse(Warehouse(db_path))
    app = dash.Dash(__name__, assets_folder=str(ASSETS), title="Self-directed support uptake",
                    suppress_callback_exceptions=True, index_string=INDEX,
                    on_error=callback_error)  # a vanished database: a message, not a blank page
    from . import api, downloads, embed, security

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
