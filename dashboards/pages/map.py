"""Map: councils coloured by a measure, as a hex cartogram (one equal hex per council) or on
their boundaries, for a period and breakdown. The layout is chosen to fit the period's
councils and the page says which boundary year it shows. Clicking a council opens its profile.

Geography files are read in place; see dashboards/geography.py for UPTAKE_GEO_DIR,
UPTAKE_HEXJSON and UPTAKE_BOUNDARIES.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import pandas as pd
from dash import Input, Output, callback, dcc, html, no_update


from .. import caveats, db, geography
from ..charts import Chart, ChartRequestError, register
from ..components import (MARKS_FOOTNOTE, caveat_list, comparison_table, message, page_shell, radio_group,
                          selection_controls, source_line)
from ..context import warehouse
from ..figures import format_value, significance_style
from ..figures.map import area_map_spec, describe_map, for_page, hex_units, scale_words, shape_units
from ..labels import breakdown_label
from ..sharing import share_panel
from ..state import Selection, options_for, resolve_selection, selection_options

PATH = "/map"
TITLE = "Map: self-directed support uptake"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "client_group", "view"]
VIEWS = [("hex", "Hex cartogram"), ("boundaries", "Boundaries")]
COUNCIL_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")
COLOUR_METHOD = ("Colours run from light (low) to dark (high) blue over the range of council values shown, "
                 "so they read in greyscale too; councils with no value are hatched grey; a council whose figure "
                 "carries a caveat of its own is dotted, outlined in black and labelled \u26a0.")
TABLE_METHOD = ("The table gives each value with its 95% confidence interval (Wilson score) and whether it "
                "is significantly higher or lower than England (England's value outside the interval). "
                "A hex cartogram gives every council the same space, so small urban councils are as visible "
                "as large rural ones; the boundary map shows true shapes.")
METHOD = f"{COLOUR_METHOD} {TABLE_METHOD}"


@dataclass(frozen=True)
class MapView:
    selection: Selection
    view: str

    def query(self) -> str:
        return "?" + urllib.parse.urlencode({**self.selection.query_values(), "view": self.view})


def resolve_map(query: dict[str, str], catalogue: pd.DataFrame) -> MapView | None:
    selection = resolve_selection(query, catalogue)
    if selection is None:
        return None
    view = query.get("view") if query.get("view") in dict(VIEWS) else "hex"
    return MapView(selection, view)


def _reference():
    wh = warehouse()
    return db.catalogue(wh), db.measures(wh).set_index("measure_id")


def _controls(view: MapView, catalogue: pd.DataFrame, measures: pd.DataFrame) -> list:
    options = options_for(catalogue, view.selection)
    s = view.selection
    return [
        *selection_controls("map", options, s, measures),
        radio_group("map-view", "Map", VIEWS, view.view),
    ]


def layout(**query: str) -> html.Div:
    try:
        catalogue, measures = _reference()
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Map"), message(str(error))])
    view = resolve_map(query, catalogue)
    if view is None:
        return page_shell(PATH, [html.H1("Map"), message("No council data has been loaded yet.")])
    return page_shell(PATH, [
        html.H1("Map: self-directed support by council"),
        html.P("Each council coloured by the chosen measure, as a hex cartogram (one equal hexagon per "
               "council) or on its boundaries. Select a council on the map, or its name in the table, to open "
               "its profile.", className="lede"),
        html.Form(_controls(view, catalogue, measures), id="map-controls", className="controls",
                  **{"aria-label": "Choose what to map"}),
        html.Div(map_panel(view, measures), id="map-panel", **{"aria-live": "polite"}),
    ], location_id="map-url")


# ---------------------------------------------------------------- the panel

@dataclass
class _Geography:
    units: pd.DataFrame            # one row per hex or shape, with the council's values
    statement: str                 # which layout / boundary year is shown, and why
    drawing: str                   # "Hex cartogram" or "Boundary map", for the text alternative
    subtitle: str
    unplaced: pd.DataFrame         # councils with data and no hex or shape
    moved: list[tuple[str, str, str]]   # (name, data code, geography code) drawn under another code
    attribution: str


def _placed(councils: pd.DataFrame, placement: geography.Placement) -> pd.DataFrame:
    placed = councils[councils["area_code"].isin(placement.drawn)].copy()
    placed["geo_code"] = placed["area_code"].map(placement.drawn)
    return placed


def _change_notes(changes: pd.DataFrame) -> dict[str, str]:
    """Code -> 'merged 1 April 2019' for codes that a change ended or began."""
    notes = {}
    for row in changes.itertuples():
        date = pd.Timestamp(row.effective_date)
        when = f"{date.day} {date:%B %Y}"
        for code in str(row.old_codes or "").split(";"):
            notes.setdefault(code, f"{row.kind} on {when}: replaced by {str(row.new_codes).replace(';', ', ')}")
        for code in str(row.new_codes or "").split(";"):
            notes.setdefault(code, f"created by a {row.kind} on {when}")
    return notes


def _geography(view: MapView, councils: pd.DataFrame) -> _Geography:
    wh, s = warehouse(), view.selection
    changes, areas = db.area_changes(wh), db.areas(wh, "council")
    # Per database build: which codes are the same area, and when each code was in use.
    same_area = wh.cached("map_same_area", lambda _: geography.same_area_codes(changes))
    lifetimes = wh.cached("map_lifetimes", lambda _: geography.code_lifetimes(areas, changes))
    valued = councils.dropna(subset=["value"])
    if view.view == "hex":
        hexmaps = geography.load_hexmaps()
        # The best layout depends only on which councils have values in the period.
        key = f"map_hexmap:{s.period}:{hash(tuple(sorted(valued['area_code'])))}"
        hexmap, chosen = wh.cached(key, lambda _: geography.choose_hexmap(
            valued["area_code"], hexmaps, s.period, same_area, lifetimes))
        boundary = geography.boundary_label(hexmap.codes, lifetimes)
        drawing_all = geography.place(councils["area_code"], hexmap.codes, same_area)
        units = hex_units(hexmap, _placed(councils, drawing_all))
        others = [h.path.name for h in hexmaps if h is not hexmap]
        statement = (f"Hex cartogram on {boundary}: layout {hexmap.path.name} ({len(hexmap.hexes)} councils), "
                     f"the best match of {len(hexmaps)} layouts to the {len(valued)} councils with a value in "
                     f"{s.period}" + (f" (others: {', '.join(others)})." if others else "."))
        first, last = geography.valid_periods(hexmap.codes, lifetimes)
        if (first and s.period < first) or (last and s.period > last):
            statement += (f" {s.period} is outside the years this layout fits, so councils whose boundaries "
                          "changed are listed below the map.")
        drawing, subtitle, attribution = "Hex cartogram", f"One hexagon per council, {boundary}", hexmap.attribution
    else:
        boundaries = geography.load_boundaries()
        year = geography.period_year(s.period)
        shapes = boundaries.for_year(year) if boundaries.has_years else list(boundaries.shapes)
        codes = {shape.code for shape in shapes}
        chosen = geography.place(valued["area_code"], codes, same_area)
        drawing_all = geography.place(councils["area_code"], codes, same_area)
        units = shape_units(shapes, _placed(councils, drawing_all))
        if boundaries.has_years:
            boundary = f"council boundaries in force in {s.period} (1 April {year})"
            statement = (f"Boundary map of {boundary}: {len(shapes)} councils from {boundaries.path.name} "
                         f"({boundaries.kind}, upper-tier layer filtered to {year}; outlines simplified).")
        else:
            boundary = geography.boundary_label(codes, lifetimes)
            statement = (f"Boundary map on {boundary}: {len(shapes)} councils from {boundaries.path.name} "
                         f"({boundaries.kind}; outlines simplified). The file has no years, so it is drawn "
                         f"for every period.")
        drawing, subtitle, attribution = "Boundary map", boundary[0].upper() + boundary[1:], boundaries.attribution
    unplaced = valued[valued["area_code"].isin(chosen.unplaced)]
    # Three columns zipped: itertuples over every column costs ~4 ms in the callback.
    moved = [(name, code, drawing_all.drawn[code])
             for name, code in zip(councils["area_name"].tolist(), councils["area_code"].tolist())
             if drawing_all.drawn.get(code, code) != code]
    # A hex with no data still opens a profile: under the warehouse's code for the same area.
    known = set(areas["area_code"]) | set(councils["area_code"])
    units["area_code"] = [code if code in known else
                          next(iter(sorted(same_area.get(code, frozenset()) & known)), code)
                          for code in units["area_code"]]
    return _Geography(units, statement, drawing, subtitle, unplaced, moved, attribution)


def _list(heading: str, items: list, list_id: str, intro: str | None = None) -> list:
    """A heading and a list; a long list folds into a disclosure so the table stays close."""
    body = [html.P(intro)] if intro else []
    body.append(html.Ul(items, id=list_id))
    if len(items) > 12:
        return [html.Details([html.Summary(heading), *body])]
    return [html.H2(heading), *body]


def _lists(geo: _Geography, changes_note: dict[str, str], kind: str, unit: str) -> list:
    unit_word = "hex" if kind == "hex" else "shape"
    parts = []
    if len(geo.unplaced):
        items = [html.Li(f"{row.area_name} ({row.area_code}): {format_value(row.value, unit)}"
                         + (f"; {changes_note[row.area_code]}" if row.area_code in changes_note else ""))
                 for row in geo.unplaced.sort_values("area_name").itertuples()]
        parts += _list(f"Councils with a value and no {unit_word} in this layout ({len(items)})", items,
                       "map-unplaced", "They are not drawn on the map; their values are in the table.")
    empty = geo.units[geo.units["value"].isna()].sort_values("area_name")
    if len(empty):
        items = [html.Li(f"{row.area_name} ({row.geo_code})"
                         + (f"; {changes_note[row.geo_code]}" if row.geo_code in changes_note else ""))
                 for row in empty.itertuples()]
        plural = "Hexes" if kind == "hex" else "Shapes"
        parts += _list(f"{plural} with no data, hatched grey ({len(items)})", items, "map-empty")
    if geo.moved:
        items = [html.Li(f"{name} ({code}) drawn on the {unit_word} coded {geo_code} in the geography file, "
                         f"the same area under another code") for name, code, geo_code in sorted(geo.moved)]
        parts += _list(f"Drawn under another code ({len(items)})", items, "map-moved")
    return [html.Div(parts, className="map-notes", id="map-notes")] if parts else []


def _observed(view: MapView) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's council rows and England's."""
    s = view.selection
    rows = db.observations(warehouse(), measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                           client_group=s.client_group)
    return rows[rows["area_type"] == "council"], rows[rows["area_code"] == db.ENGLAND]


def _hatched_rows(geo: _Geography, councils: pd.DataFrame, view: MapView,
                  changes_note: dict[str, str]) -> pd.DataFrame:
    """Areas hatched on the map that the publication has no row for, as missing rows, so the
    data behind the map names every area it draws."""
    empty = geo.units[geo.units["value"].isna() & ~geo.units["area_code"].isin(councils["area_code"])]
    empty = empty.drop_duplicates("area_code")
    if empty.empty:
        return empty.iloc[:0, :0]
    s = view.selection
    regions = db.areas(warehouse(), "council").set_index("area_code")["region_code"]
    notes = []
    for row in empty.itertuples():
        change = changes_note.get(row.geo_code) or changes_note.get(row.area_code)
        notes.append(f"Hatched on the map: no figure for this area in {s.period}"
                     + (f" ({change})." if change else " in the loaded publication."))
    return pd.DataFrame({"area_code": empty["area_code"], "area_name": empty["area_name"], "area_type": "council",
                         "region_code": empty["area_code"].map(regions), "period": s.period,
                         "measure_id": s.measure_id, "age_band": s.age_band, "client_group": s.client_group,
                         "value_status": "missing", "note": notes})


def _table_order(councils: pd.DataFrame, england: pd.DataFrame) -> pd.DataFrame:
    """Councils with a value (highest first, as queried), councils without, then England: the
    order the table lists them in."""
    parts = [councils[councils["value"].notna()], councils[councils["value"].isna()], england]
    return pd.concat([part for part in parts if len(part)], ignore_index=True).reindex(columns=england.columns)


def _mid_sentence(label: str) -> str:
    """'Gross spending ... (GBP thousands)' -> 'gross spending ... (GBP thousands)'."""
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class MapDrawing:
    """A map chart and what its page lists around it."""
    chart: Chart
    geo: _Geography
    changes_note: dict[str, str]
    what: str


def map_drawing(view: MapView, measures: pd.DataFrame) -> MapDrawing:
    """The map for a view. Raises ChartRequestError (404) when no council has a value and
    geography.GeographyUnavailable when the layout or boundary files cannot be read. The page,
    its embed, image and downloads all come from this."""
    wh, s = warehouse(), view.selection
    measure = measures.loc[s.measure_id]
    unit, polarity = measure["unit"], measure["polarity"]
    councils, england = _observed(view)
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = f"{_mid_sentence(measure['label'])}, {breakdown.lower()}, {s.period}"
    if councils["value"].notna().sum() == 0:
        raise ChartRequestError(f"No council has a value for {what}. Choose another year or breakdown.", status=404)
    england_value = england["value"].iloc[0] if len(england) and pd.notna(england["value"].iloc[0]) else None
    geo = _geography(view, councils)
    changes_note = _change_notes(db.area_changes(wh))
    colour_title = measure["label"] + (" (%)" if unit == "percent" else "")
    spec = area_map_spec(geo.units, title=f"{measure['label']}: {breakdown}, {s.period}", subtitle=geo.subtitle,
                         colour_title=colour_title, unit=unit, kind=view.view,
                         words_for=lambda compared: significance_style(compared, polarity)[0]
                         if isinstance(compared, str) else "",
                         labels=view.view == "hex")
    hatched = _hatched_rows(geo, councils, view, changes_note)
    rows = _table_order(pd.concat([councils, hatched], ignore_index=True) if len(hatched) else councils, england)
    chart = Chart(
        view="map", title=measure["label"],
        subtitle=f"{breakdown}, {s.period}, councils in England, {geo.subtitle[0].lower()}{geo.subtitle[1:]}",
        # Wrapped once without validation: the spec is one trace per council (validated in the tests).
        figure=spec, rows=rows,
        method=f"{geo.statement} {COLOUR_METHOD} {scale_words(geo.units['value'], unit)} {TABLE_METHOD}",
        description=describe_map(geo.units, what=what, drawing=geo.drawing, unit=unit, england_value=england_value),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])))
    return MapDrawing(chart, geo, changes_note, what)


def map_chart(view: MapView, measures: pd.DataFrame) -> Chart:
    return map_drawing(view, measures).chart


@register("map", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    catalogue, measures = _reference()
    view = resolve_map(query, catalogue)
    if view is None:
        return None
    try:
        return map_chart(view, measures)
    except geography.GeographyUnavailable as error:
        # The server's geography files are missing: not the request's fault.
        raise ChartRequestError(f"The map cannot be drawn: {error}", status=503) from error


def _footer(rows: pd.DataFrame, what: str, measure: pd.Series) -> list:
    table = comparison_table(rows, caption=f"Data: {what}, councils and England", count_label="Numerator",
                             base_label="Denominator", polarity=measure["polarity"], unit=measure["unit"],
                             table_id="map-table", flag_labels=db.flag_labels(warehouse()))
    return [table, html.P(f"{MARKS_FOOTNOTE} " + METHOD, className="footnote method")]


def _sources(rows: pd.DataFrame) -> html.P:
    return source_line(db.sources(warehouse(), sorted(set(rows["source_id"].dropna()))))


def map_panel(view: MapView, measures: pd.DataFrame) -> list:
    measure = measures.loc[view.selection.measure_id]
    try:
        drawing = map_drawing(view, measures)
    except ChartRequestError as error:
        return [message(error.message)]
    except geography.GeographyUnavailable as error:
        councils, england = _observed(view)
        rows = _table_order(councils, england)
        s = view.selection
        what = f"{_mid_sentence(measure['label'])}, {breakdown_label(s.age_band, s.client_group).lower()}, {s.period}"
        return [message(f"The map cannot be drawn: {error}", element_id="map-message"),
                *_footer(rows, what, measure), _sources(rows)]
    chart, geo = drawing.chart, drawing.geo
    title = chart.figure["layout"]["title"]
    return [
        html.P(geo.statement, id="map-geography", className="map-geography"),
        html.Figure([
            html.P([html.Span(title["text"], className="map-chart-title"), html.Br(),
                    html.Span(title["subtitle"]["text"], className="map-chart-subtitle")], id="map-title"),
            # Responsive: the box's height comes from map.css, so on a phone the map is not a
            # small drawing in a tall empty box (the figure's own height is for images and embeds).
            html.Div(dcc.Graph(id="map-chart", figure=for_page(chart.figure), responsive=True,
                               className="map-graph", config={"displaylogo": False, "scrollZoom": False}),
                     className="map-graph-box"),
            html.Figcaption(chart.description, id="map-description"),
        ], className="chart"),
        caveat_list(caveats.for_chart(chart), element_id="map-caveats"),
        *_lists(geo, drawing.changes_note, view.view, measure["unit"]),
        *_footer(chart.rows, drawing.what, measure),
        share_panel(chart),
        _sources(chart.rows),
        html.P(geo.attribution, className="source-line", id="map-geo-source"),
    ]


# ---------------------------------------------------------------- callbacks

@callback(
    [Output(f"map-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"map-{name}", "value") for name in CONTROLS],
    Output("map-panel", "children"), Output("map-url", "search"),
    [Input(f"map-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_map(*values):
    catalogue, measures = _reference()
    view = resolve_map(dict(zip(CONTROLS, values)), catalogue)
    options = options_for(catalogue, view.selection)
    s = view.selection
    return (
        *selection_options(options),
        s.measure_id, s.period, s.age_band, s.client_group, view.view,
        map_panel(view, measures), view.query())


def clicked_code(click_data: dict | None) -> str | None:
    """The council code a click on the map names, or None."""
    for point in (click_data or {}).get("points", []):
        code = point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if isinstance(code, str) and COUNCIL_CODE.match(code):
            return code
    return None


@callback(Output("map-url", "href"), Input("map-chart", "clickData"), prevent_initial_call=True)
def open_profile(click_data):
    code = clicked_code(click_data)
    return f"/area/{code}" if code else no_update
