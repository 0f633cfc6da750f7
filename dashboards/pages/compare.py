"""Compare (home): councils ranked for a measure, period and breakdown, within England, a
region or a council's similar councils, against England and the region."""
from __future__ import annotations

import urllib.parse

import pandas as pd
from dash import Input, Output, callback, dcc, html

from .. import caveats, db
from ..charts import Chart, register
from ..components import (MARKS_FOOTNOTE, caveat_list, comparison_table, message, page_shell, radio_group,
                          selection_controls, source_line)
from ..context import warehouse
from ..figures.compare import describe_ranking, ranked_bars
from ..labels import breakdown_label
from ..neighbours import METHOD as NEIGHBOURS_METHOD
from ..neighbours import nearest_councils
from ..routing import query_parameters
from ..sharing import share_panel
from ..state import CompareView, options_for, resolve_compare, selection_options

PATH = "/"
TITLE = "Compare councils: self-directed support uptake"
CONTROLS = ["measure", "period", "age_band", "client_group", "scope", "region", "council"]
SCOPE_LABELS = [("england", "All councils in England"), ("region", "Councils in a region"),
                ("neighbours", "A council and its 15 most similar councils")]
METHOD = ("Bars show each council's value with its 95% confidence interval (Wilson score). A "
          "council is significantly higher or lower than England when England's value lies "
          "outside that interval; counts rounded to the nearest 5 make intervals approximate.")


def _reference_data():
    wh = warehouse()
    areas = db.areas(wh)
    councils = areas[areas["area_type"] == "council"]
    regions = areas[areas["area_type"] == "region"]
    return db.catalogue(wh), regions, councils, db.measures(wh).set_index("measure_id")


def _council_code(name_or_code: str | None, councils: pd.DataFrame) -> str | None:
    if not name_or_code:
        return None
    match = councils[(councils["area_code"] == name_or_code) |
                     (councils["area_name"].str.casefold() == name_or_code.strip().casefold())]
    return None if match.empty else match.iloc[0]["area_code"]


def _view(query: dict[str, str]):
    catalogue, regions, councils, measures = _reference_data()
    query = {**query, "council": _council_code(query.get("council"), councils) or ""}
    view = resolve_compare(query, catalogue, list(regions["area_code"]), list(councils["area_code"]))
    return view, catalogue, regions, councils, measures


def _controls(view: CompareView, catalogue, regions, councils, measures) -> list:
    options = options_for(catalogue, view.selection)
    council_name = councils.set_index("area_code")["area_name"].get(view.council, "")
    return [
        *selection_controls("compare", options, view.selection, measures),
        radio_group("compare-scope", "Which councils", SCOPE_LABELS, view.scope),
        radio_group("compare-region", "Region (for councils in a region)",
                    list(zip(regions["area_code"], regions["area_name"])), view.region or regions.iloc[0]["area_code"]),
        html.Div([
            html.Label("Council (for similar councils)", htmlFor="compare-council"),
            dcc.Input(id="compare-council", type="text", list="council-names", value=council_name,
                      debounce=True, autoComplete="off", placeholder="Type a council's name"),
            html.Datalist(id="council-names", children=[html.Option(value=name) for name in councils["area_name"]]),
        ], className="control"),
    ]


def layout(**query: str) -> html.Div:
    try:
        view, catalogue, regions, councils, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Compare councils"), message(str(error))])
    if view is None:
        return page_shell(PATH, [html.H1("Compare councils"), message("No council data has been loaded yet.")])
    return page_shell(PATH, [
        html.H1("Compare councils: who directs their own support?"),
        html.P("Percentage of people using long-term community support who receive self-directed "
               "support (a personal budget or direct payment), and related measures, by council.",
               className="lede"),
        html.Form(_controls(view, catalogue, regions, councils, measures), id="compare-controls",
                  className="controls", **{"aria-label": "Choose what to compare"}),
        html.Div(compare_panel(view, measures), id="compare-panel", **{"aria-live": "polite"}),
    ], location_id="compare-url")


def _with_absent_councils(rows: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Councils the scope should show but the publication has no row for, listed as missing."""
    absent = expected[~expected["area_code"].isin(rows["area_code"])]
    if absent.empty:
        return rows
    filler = pd.DataFrame({"area_code": absent["area_code"], "area_name": absent["area_name"],
                           "area_type": "council", "region_code": absent["region_code"],
                           "value_status": "missing",
                           "note": "No figure for this council in the loaded publication for this year."})
    return pd.concat([rows, filler], ignore_index=True)


def scope_rows(view: CompareView) -> tuple[pd.DataFrame, str, list[str]]:
    """Rows for the scope, the scope's name, and which areas are reference lines."""
    wh, s = warehouse(), view.selection
    everything = db.observations(wh, measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                                 client_group=s.client_group)
    councils = db.areas(wh, "council")
    if view.scope == "region":
        name = db.area(wh, view.region)["area_name"]
        chosen = everything[(everything["region_code"] == view.region) | (everything["area_code"] == db.ENGLAND)]
        expected = db.councils_alive(wh, s.period)
        return _with_absent_councils(chosen, expected[expected["region_code"] == view.region]), \
            f"councils in {name}", [db.ENGLAND, view.region]
    if view.scope == "neighbours":
        alive = set(db.councils_alive(wh, s.period)["area_code"])
        similar = nearest_councils(db.population_profile(wh), view.council, candidates=alive)
        codes = [view.council, *similar["area_code"]]
        home = db.area(wh, view.council)
        chosen = everything[everything["area_code"].isin(codes + [db.ENGLAND, home["region_code"]])]
        return _with_absent_councils(chosen, councils[councils["area_code"].isin(codes)]), \
            f"{home['area_name']} and its {len(similar)} most similar councils", [db.ENGLAND, home["region_code"]]
    chosen = everything[(everything["area_type"] == "council") | (everything["area_code"] == db.ENGLAND)]
    return _with_absent_councils(chosen, db.councils_alive(wh, s.period)), "all councils in England", [db.ENGLAND]


def compare_chart(view: CompareView, measures: pd.DataFrame) -> Chart:
    """The ranked bars for a view: the page, its embed, image and downloads all draw this."""
    s = view.selection
    measure = measures.loc[s.measure_id]
    rows, scope_name, reference_codes = scope_rows(view)
    councils = rows[rows["area_type"] == "council"]
    references = rows[rows["area_code"].isin(reference_codes)]
    references = references.set_index("area_code").reindex(reference_codes).dropna(subset=["area_name"]).reset_index()
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = f"{measure['label'].lower()}, {breakdown.lower()}, {s.period}, {scope_name}"
    unit = measure["unit"]
    figure = ranked_bars(councils, references, value_title=measure["label"] + (" (%)" if unit == "percent" else ""),
                         title=f"{measure['label']}: {breakdown}, {s.period}", polarity=measure["polarity"], unit=unit,
                         flag_labels=db.flag_labels(warehouse()))
    council_name = db.area(warehouse(), view.council)["area_name"] if view.council else ""
    return Chart(
        view="compare", title=measure["label"], subtitle=f"{breakdown}, {s.period}, {scope_name}",
        figure=figure, rows=rows, description=describe_ranking(councils, references, what=what, unit=unit),
        method=METHOD + (" " + NEIGHBOURS_METHOD if view.scope == "neighbours" else ""),
        page_url="/" + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": council_name} if council_name else {})


@register("compare", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, *_, measures = _view(query)
    return None if view is None else compare_chart(view, measures)


def compare_panel(view: CompareView, measures: pd.DataFrame) -> list:
    chart = compare_chart(view, measures)
    measure = measures.loc[view.selection.measure_id]
    rows = chart.rows
    councils = rows[rows["area_type"] == "council"]
    what = chart.subtitle.lower()
    if councils["value"].notna().sum() == 0:
        return [message(f"No council has a value for {measure['label'].lower()}, {what}. "
                        "Choose another year or breakdown.")]
    extras = [html.P(NEIGHBOURS_METHOD, className="method")] if view.scope == "neighbours" else []
    return [
        html.Figure([part for part in (
            dcc.Graph(id="compare-chart", figure=chart.figure, config={"displaylogo": False}),
            caveat_list(caveats.for_chart(chart), element_id="compare-caveats"),
            html.Figcaption(chart.description, id="chart-description"),
        ) if part is not None], className="chart"),
        comparison_table(pd.concat([councils, rows[rows["area_type"] != "council"].sort_values("area_type")]),
                         caption=f"Data: {measure['label'].lower()}, {what}", count_label="Numerator",
                         base_label="Denominator", polarity=measure["polarity"], unit=measure["unit"],
                         flag_labels=db.flag_labels(warehouse())),
        html.P(MARKS_FOOTNOTE + " " + METHOD, className="footnote method"),
        *extras,
        share_panel(chart),
        source_line(db.sources(warehouse(), sorted(set(rows["source_id"].dropna())))),
    ]


@callback(
    [Output(f"compare-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"compare-{name}", "value") for name in ("measure", "period", "age_band", "client_group", "scope")],
    Output("compare-panel", "children"), Output("compare-url", "search"),
    [Input(f"compare-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_compare(*values):
    query = dict(zip(CONTROLS, values))
    view, catalogue, regions, councils, measures = _view(query)
    options = options_for(catalogue, view.selection)
    s = view.selection
    return (
        *selection_options(options),
        s.measure_id, s.period, s.age_band, s.client_group, view.scope,
        compare_panel(view, measures), view.query())


def view_for_url(search: str) -> CompareView | None:
    """The view a URL shows (for tests and exports)."""
    return _view(query_parameters(search))[0]
