"""Dash app for self-directed support uptake: pages, figures, API."""
from __future__ import annotations

from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html

from .context import set_warehouse
from .db import Warehouse
from .routing import Page, render

ASSETS = Path(__file__).with_name("assets")


def create_app(db_path: Path | str) -> dash.Dash:
    """The app for one database file."""
    set_warehouse(Warehouse(db_path))
    app = dash.Dash(__name__, assets_folder=str(ASSETS), title="Self-directed support uptake",
                    suppress_callback_exceptions=True)
    from .pages import compare  # registers its callbacks on import

    pages = [Page(path=compare.PATH, title=compare.TITLE, layout=compare.layout)]
    app.layout = html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header(html.P("Self-directed support uptake in England", className="site-name"),
                    className="site-header"),
        html.Div(id="page"),
    ], lang="en")

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(pathname, search):
        return render(pages, pathname, search)

    return app
