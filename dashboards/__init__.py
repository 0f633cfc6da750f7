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
    """Every module in dashboards/pages that names a PATH is a page: a new page is a new module,
    and nothing else lists the pages. Each registers its callbacks on import."""
    from .pages import modules
    from .routing import Page

    return [Page(module.PATH, module.TITLE, module.layout, getattr(module, "PREFIX", False),
                 getattr(module, "EXAMPLE", ""), getattr(module, "missing", None))
            for module in modules() if hasattr(module, "PATH")]


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
    from dash import Input, Output, State, dcc, html, no_update

    from . import api, downloads, embed, first_paint, security, structured_data
    from .context import set_warehouse
    from .db import Warehouse
    from .routing import render

    warehouse = Warehouse(db_path)
    set_warehouse(warehouse)
    app = dash.Dash(__name__, assets_folder=str(ASSETS), title="Self-directed support uptake",
                    # assets/early is loaded by the first paint, before Dash: not a page asset.
                    assets_path_ignore=["early"],
                    suppress_callback_exceptions=True, index_string=INDEX,
                    # Responses compressed (flask-compress). plotly.js comes from the one URL the
                    # embeds use too, put in the index by first_paint ahead of Dash's scripts.
                    compress=True,
                    # Pages name themselves (assets/title.js); no "Updating..." in the tab.
                    update_title=None,
                    on_error=security.callback_error)  # a vanished database: a message, not a blank page
    read_one_build_per_request(app.server, warehouse)
    app.server.register_blueprint(api.blueprint)
    app.server.register_blueprint(downloads.blueprint)
    app.server.register_blueprint(embed.blueprint)
    app.server.register_blueprint(security.blueprint)
    app.server.json.sort_keys = False  # columns keep their documented order
    page_routes = routes()

    def app_layout(page, rendered: str | None):
        return html.Div([
            dcc.Location(id="url"),
            dcc.Store(id="rendered-path", data=rendered),
            html.A("Skip to main content", href="#main", className="skip-link"),
            html.Header(html.A("Self-directed support uptake in England", href="/", className="site-name"),
                        className="site-header"),
            html.Div(page, id="page"),
        ])

    def page_layout(path: str, query: str):
        """The app's layout holding the page at path (and query), or None for no page. The
        index carries it (first_paint), and answers the layout request that follows with it:
        the chart draws without waiting for a routing callback's round trip."""
        if security.page_for(page_routes, path) is None:
            return None
        return app_layout(render(page_routes, path, query), f"{path}?{query}")

    def layout():
        """The layout Dash serves when no page asks (no same-site Referer) and checks its
        callbacks against: the page comes from the routing callback, as a change of path does."""
        return app_layout(None, None)
    app.layout = layout

    @app.callback(Output("page", "children"), Output("rendered-path", "data"), Input("url", "pathname"),
                  State("url", "search"), State("rendered-path", "data"))
    def route(pathname, search, rendered):
        if rendered is not None and rendered == f"{pathname}?{(search or '').lstrip('?')}":
            return no_update, None     # the layout already holds this page
        return render(page_routes, pathname, search), None

    structured_data.install(app)
    first_paint.install(app, page_layout, embed.PLOTLY_URL, ASSETS)
    security.install_headers(app)  # after every callback is defined: it hashes inline scripts
    security.install_guards(app, page_routes)  # 404, 503, 400 for forged callbacks, plain 500
    return app
