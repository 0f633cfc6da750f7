"""Dash app for self-directed support uptake: pages, figures, API."""
from __future__ import annotations

from pathlib import Path

import dash
from dash import dcc, html

from .context import set_warehouse
from .db import Warehouse

ASSETS = Path(__file__).with_name("assets")


def create_app(db_path: Path | str) -> dash.Dash:
    """The app for one database file. Pages are registered explicitly, not by folder scan."""
    set_warehouse(Warehouse(db_path))
    app = dash.Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
                    title="Self-directed support uptake", suppress_callback_exceptions=True)
    from .pages import compare  # registers its callbacks on import

    dash.register_page("compare", path=compare.PATH, layout=compare.layout,
                       title="Compare councils: self-directed support uptake", name="Compare")
    app.layout = html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header(html.P("Self-directed support uptake in England", className="site-name"),
                    className="site-header"),
        dash.page_container,
    ], lang="en")
    return app
