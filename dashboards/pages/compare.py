"""Compare (home): councils of a region ranked against the region and England."""
from __future__ import annotations

import urllib.parse

import pandas as pd
from dash import Input, Output, callback, dcc, html

from .. import db
from ..components import comparison_table, message, source_line
from ..context import warehouse
from ..figures import describe_ranking, ranked_bars
from ..labels import breakdown_key, breakdown_label, parse_breakdown_key

PATH = "/"
TITLE = "Compare councils: self-directed support uptake"
MEASURE_ID = "sds_users"
REGION_CODE = "E12000001"   # North East: the region the source report tabulated


def _options(period: str) -> list[dict]:
    pairs = db.breakdowns(warehouse(), MEASURE_ID, period, REGION_CODE)
    return [{"label": breakdown_label(a, c), "value": breakdown_key(a, c)}
            for a, c in zip(pairs["age_band"], pairs["client_group"])]


def layout(age_band: str = "all", client_group: str = "all", **_other) -> html.Div:
    try:
        period = db.latest_period(warehouse(), MEASURE_ID, REGION_CODE)
    except db.WarehouseUnavailable as error:
        return html.Main(message(str(error)), id="main")
    if period is None:
        return html.Main(message("No council data has been loaded for this region yet."), id="main")
    options = _options(period)
    chosen = breakdown_key(age_band, client_group)
    if chosen not in {o["value"] for o in options}:
        chosen = options[0]["value"]
    return html.Main([
        html.H1(f"Self-directed support in the {db.area_name(warehouse(), REGION_CODE)}, {period}"),
        html.P("Percentage of people receiving community-based social care who direct their "
               "own support (a personal budget or direct payment), by council.", className="lede"),
        html.Fieldset([
            html.Legend("Breakdown"),
            dcc.RadioItems(id="breakdown", options=options, value=chosen,
                           labelClassName="radio-option", className="radio-group"),
        ], className="controls"),
        dcc.Store(id="period", data=period),
        html.Div(id="compare-panel", **{"aria-live": "polite"}),
    ], id="main")


def compare_panel(period: str, key: str) -> tuple[list, str]:
    """The chart, its text alternative, table and source line for one breakdown; and the URL query."""
    age_band, client_group = parse_breakdown_key(key)
    rows = db.region_comparison(warehouse(), MEASURE_ID, period, age_band, client_group,
                                REGION_CODE)
    query = "?" + urllib.parse.urlencode({"age_band": age_band, "client_group": client_group})
    councils = rows[rows["area_type"] == "council"]
    if councils.empty:
        return [message(f"No council values for {breakdown_label(age_band, client_group)} "
                        f"in {period}.")], query
    references = rows[rows["area_type"] != "council"].sort_values("area_type")  # country first
    what = f"self-directed support, {breakdown_label(age_band, client_group).lower()}, {period}"
    figure = ranked_bars(councils, references, value_title="Receiving self-directed support (%)",
                         title=f"{breakdown_label(age_band, client_group)}, {period}")
    description = describe_ranking(councils, references, what=what)
    count_label, base_label = "Receiving SDS", "Receiving community support"
    return [
        html.Figure([
            dcc.Graph(id="compare-chart", figure=figure, config={"displaylogo": False}),
            html.Figcaption(description, id="chart-description"),
        ], className="chart"),
        comparison_table(pd.concat([councils, references]), caption=f"Data: {what}",
                         count_label=count_label, base_label=base_label),
        html.P("\u2020 This value has a note in the table: a difference from its own counts, "
               "or how it was printed. Counts are rounded to the nearest 5.", className="footnote"),
        source_line(db.sources(warehouse(), sorted(set(rows["source_id"])))),
    ], query


@callback(Output("compare-panel", "children"), Output("url", "search"),
          Input("period", "data"), Input("breakdown", "value"))
def update_compare(period: str, key: str):
    return compare_panel(period, key)
