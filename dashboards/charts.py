"""Every chart the site draws, as data: one builder per view turns a URL query into a Chart.

The page, its embed (/embed/<view>), its image (/image/<view>.png|svg|pdf), its data download
(/download/<view>.csv|xlsx) and `python -m dashboards.export` all come from the same Chart,
so a chart, its picture and its numbers always agree.

A page registers its builder with `@register("funnel", ("measure", "period", ...))`. Builders
resolve the query as the page does; chart_for() then refuses (400) a request whose values the
builder had to replace, because an embedded or cited chart must show what its URL says.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

LICENCE = "Open Government Licence v3.0"
LICENCE_SHORT = "OGL v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SITE_NAME = "Self-directed support uptake in England"
# Longer values are never a real code, year or measure id: refuse before resolving anything.
MAX_PARAMETER_LENGTH = 120


@dataclass(frozen=True)
class Chart:
    view: str                    # registry name, e.g. "funnel"
    title: str                   # what is measured, e.g. "Direct payments: 18-64, all client groups"
    subtitle: str                # measure, period, breakdown and scope in words
    figure: go.Figure | dict     # as the page draws it (a plain {"data", "layout"} dict is cheaper
                                 # for Dash to send when a figure has thousands of map polygons)
    rows: pd.DataFrame           # exactly the observations drawn (the API's columns)
    method: str                  # the statistical method, a sentence or two
    description: str             # plain-English alt text
    page_url: str                # the full view: path and query, e.g. "/funnel?measure=..."
    resolved: dict[str, str] = field(default_factory=dict)  # every parameter's value as used
    aliases: dict[str, str] = field(default_factory=dict)   # other accepted spellings, e.g. council names
    # What the data download gives when the chart draws numbers made from the observations (a
    # gap to England, a change since a year) rather than the observations themselves: those
    # numbers, under columns that say what they are, with the flags of the figures behind them.
    # None: the download is `rows` in the API's columns.
    table: pd.DataFrame | None = None

    def figure_spec(self) -> dict:
        """The figure as plain {"data": [...], "layout": {...}}."""
        if isinstance(self.figure, go.Figure):
            return self.figure.to_plotly_json()
        return {"data": list(self.figure.get("data", [])), "layout": dict(self.figure.get("layout", {}))}

    @cached_property
    def query(self) -> str:
        """The canonical query string ('?a=b&...') for /embed, /image and /download (kept: a
        share panel writes a dozen URLs of one chart)."""
        return "?" + urllib.parse.urlencode(self.resolved)

    def url(self, kind: str, extension: str = "") -> str:
        """'/embed/funnel?...', '/image/funnel.png?...', '/download/funnel.csv?...'."""
        return f"/{kind}/{self.view}{extension}{self.query}"


class ChartRequestError(ValueError):
    """A request for a chart that cannot be answered as asked: 400 (or 404 for no such view)."""

    def __init__(self, message: str, *, valid: list[str] | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.valid, self.status = message, valid, status


@dataclass(frozen=True)
class View:
    name: str
    parameters: tuple[str, ...]
    build: Callable[[dict[str, str]], Chart | None]


VIEWS: dict[str, View] = {}


def register(name: str, parameters: tuple[str, ...]):
    """Decorator for a page's builder: query dict -> Chart, or None when there is no data."""
    def decorate(build: Callable[[dict[str, str]], Chart | None]):
        VIEWS[name] = View(name, parameters, build)
        return build
    return decorate


def _load_views() -> None:
    # Page modules register their builders on import (as they register their callbacks).
    from .pages import modules
    modules()


def view_names() -> list[str]:
    _load_views()
    return sorted(VIEWS)


def parse_query(arguments) -> dict[str, str]:
    """Request arguments (a MultiDict) -> one value per parameter; repeated ones refused."""
    query = {}
    for name in arguments:
        values = arguments.getlist(name)
        if len(values) > 1:
            raise ChartRequestError(f"Parameter {name[:40]!r} is given {len(values)} times; give it once.")
        query[name] = values[0]
    return query


def chart_for(view_name: str, query: dict[str, str]) -> Chart:
    """The chart a view shows for a query, or ChartRequestError saying what to change."""
    _load_views()
    view = VIEWS.get(view_name)
    if view is None:
        raise ChartRequestError(f"There is no chart view called {view_name[:40]!r}.",
                                valid=sorted(VIEWS), status=404)
    unknown = sorted(set(query) - set(view.parameters))
    if unknown:
        raise ChartRequestError(f"Unknown parameter{'s' if len(unknown) > 1 else ''} for the {view_name} "
                                f"view: {', '.join(repr(u[:40]) for u in unknown[:5])}.",
                                valid=list(view.parameters))
    long = [name for name, value in query.items() if len(value) > MAX_PARAMETER_LENGTH]
    if long:
        raise ChartRequestError(f"Parameter {long[0]} is longer than {MAX_PARAMETER_LENGTH} characters.")
    chart = view.build(query)
    if chart is None:
        raise ChartRequestError(f"No data has been loaded for the {view_name} view.", status=404)
    # A parameter the view did not use (a region while comparing all England) is ignored; one
    # it used with another value (an unknown measure replaced by the default) is refused.
    replaced = {name: value for name, value in query.items()
                if value != "" and chart.resolved.get(name) not in (None, value)
                and chart.aliases.get(name, "").casefold() != value.strip().casefold()}
    if replaced:
        name, value = next(iter(replaced.items()))
        shown = chart.resolved.get(name)
        raise ChartRequestError(
            f"{name}={value[:60]!r} is not available for this view"
            + (f" (the nearest view uses {name}={shown!r})" if shown else "")
            + f". This URL shows the nearest view: {chart.url('embed')}",
            valid=[chart.url("embed")])
    return chart


def cited_sources(source_rows: pd.DataFrame) -> str:
    """'ASCOF 2021-22 (NHS England); ...': each publication once, as the source lines cite it."""
    def text(value) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    cites = [text(row.cites) or text(row.title) for row in source_rows.itertuples()]
    return "; ".join(dict.fromkeys(c for c in cites if c))


def citation(chart: Chart, *, sources: str, data_date: str, base_url: str) -> str:
    """A reference a report can print under the chart."""
    return (f"{SITE_NAME}: {chart.title}. {chart.subtitle}. Source: {sources or 'see the sources page'}. "
            f"Licence: {LICENCE}. Data built {data_date}. {base_url.rstrip('/')}{chart.page_url}")
