"""Funnel plot: every council's value against its denominator, with 95% and 99.8% limits
around England, unadjusted or adjusted for over-dispersion; click a council for its profile.
`region=` plots one region's councils against England's limits; `council=` marks the reader's council."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import Input, Output, callback, html, no_update

from .. import caveats, db, geography
from ..charts import Chart, ChartRequestError, register
from ..components import (EDGE_ROWS, MARKS_FOOTNOTE, caveat_list, control_bar, council_finder, folded_table,
                          message, note_text, page_shell, select_control, source_line, value_text)
from ..context import warehouse
from ..figures import highlight_label
from ..figures.funnel import (FunnelData, all_left_out, describe_funnel, for_page, funnel_data, funnel_figure,
                              funnel_spec, in_region, method_text, placement_words)
from ..labels import AGE_BANDS, CLIENT_GROUPS, breakdown_label
from ..routing import query_parameters
from ..sharing import chart_figure
from ..state import Selection, options_for, resolve_selection
from ..wire import element

PATH = "/funnel"
TITLE = "Funnel plot: self-directed support uptake"
PAGE_TITLE = "Funnel plot: which councils stand out"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "client_group", "limits", "region", "council"]
SELECTS = CONTROLS[:-1]             # the council is a text box (the finder), the rest are selects
LIMITS = [("unadjusted", "Unadjusted (binomial)"), ("adjusted", "Adjusted for over-dispersion")]
LIMITS_NAMES = {"unadjusted": "Unadjusted limits (exact binomial)",
                "adjusted": "Limits adjusted for over-dispersion"}
ALL_ENGLAND = db.ENGLAND            # the region select's "All England"
LABELS = {"measure": "Measure", "period": "Year (to 31 March)", "age_band": "Age band",
          "client_group": "Client group", "region": "Region", "limits": "Limits"}


@dataclass(frozen=True)
class FunnelView:
    selection: Selection
    limits: str
    region: str | None = None       # a region's code: only its councils are plotted
    council: str | None = None      # the reader's council: marked and named

    @property
    def adjusted(self) -> bool:
        return self.limits == "adjusted"

    def query(self) -> str:
        values = {**self.selection.query_values(), "limits": self.limits}
        values.update({name: code for name, code in (("region", self.region), ("council", self.council)) if code})
        return "?" + urllib.parse.urlencode(values)


def resolve_funnel(query: dict[str, str], catalogue: pd.DataFrame, regions=(),
                   councils: pd.DataFrame | None = None) -> FunnelView | None:
    """The view a query asks for, corrected to a percentage measure with council counts.
    `regions` are the region codes a query may name; `councils` (areas rows) the councils it
    may name by code or name."""
    selection = resolve_selection(query, catalogue)
    if selection is None:
        return None
    limits = query.get("limits") if query.get("limits") in dict(LIMITS) else "unadjusted"
    region = query.get("region") if query.get("region") in set(regions) else None
    council = geography.council_code(query.get("council"), councils, selection.period) \
        if councils is not None else None
    return FunnelView(selection, limits, region, council)


def _reference_data():
    wh = warehouse()
    return db.counted_catalogue(wh, "percent"), db.measures(wh).set_index("measure_id")


def _places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regions and the councils (every council the warehouse knows) a reader may choose."""
    wh = warehouse()
    return db.areas(wh, "region"), db.areas(wh, "council")


def _view(query: dict[str, str]):
    catalogue, measures = _reference_data()
    regions, councils = _places()
    return resolve_funnel(query, catalogue, list(regions["area_code"]), councils), catalogue, measures


def _options(catalogue: pd.DataFrame, selection: Selection) -> dict[str, list[tuple[str, str]]]:
    options = options_for(catalogue, selection)
    return {"period": [(p, p) for p in options["period"]],
            "age_band": [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]],
            "client_group": [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]]}


def _values(view: FunnelView) -> dict[str, str]:
    s = view.selection
    return {"measure": s.measure_id, "period": s.period, "age_band": s.age_band, "client_group": s.client_group,
            "limits": view.limits, "region": view.region or ALL_ENGLAND}


def _controls(view: FunnelView, catalogue: pd.DataFrame, measures: pd.DataFrame) -> html.Div:
    """One row of selects and the council finder; the limits behind "More options"."""
    regions, councils = _places()
    choices = {**_options(catalogue, view.selection),
               "measure": [(m, measures.at[m, "label"]) for m in options_for(catalogue, view.selection)["measure"]],
               "region": [(ALL_ENGLAND, "All England"), *zip(regions["area_code"], regions["area_name"])],
               "limits": LIMITS}
    values = _values(view)
    select = {name: select_control(f"funnel-{name}", LABELS[name], choices[name], values[name],
                                   class_name=f"control-{name}") for name in SELECTS}
    return control_bar([select[name] for name in ("measure", "period", "age_band", "client_group", "region")]
                       + [council_finder("funnel-council", councils, view.council)],
                       more=[select["limits"]], label="Choose what the funnel plot shows", bar_id="funnel-controls")


def layout(**query: str) -> html.Div:
    heading = html.H1("Funnel plot: which councils stand out from England?")
    try:
        view, catalogue, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [heading, message(str(error))], title=PAGE_TITLE)
    if view is None:
        return page_shell(PATH, [heading, message("No council percentages with counts have been loaded yet.")],
                          title=PAGE_TITLE)
    return page_shell(PATH, [
        heading,
        _controls(view, catalogue, measures),
        html.Div(funnel_panel(view, measures), id="funnel-panel", **{"aria-live": "polite"}),
    ], location_id="funnel-url", title=PAGE_TITLE)


REGION_METHOD = (" Only the councils of {region} are plotted; the centre line, the limits and the over-dispersion "
                 "estimate are England's, worked out from every council with counts.")
READING = ("Each council's percentage against the number of people it is based on. Small councils vary more by "
           "chance, so the limits around England's value widen as the numbers get smaller: a council outside "
           "them differs from England by more than chance would explain. Select a council's marker, or its name "
           "in the table, to open its profile.")


def _rows(selection: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Councils (including councils of the year with no row, listed as missing) and England."""
    wh, s = warehouse(), selection
    rows = db.observations(wh, measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                           client_group=s.client_group)
    # Positions from the columns' arrays and one take each: a pandas mask copies all ~36 columns.
    codes = rows["area_code"].to_numpy()
    councils = rows.take(np.flatnonzero(rows["area_type"].to_numpy() == "council"))
    expected = db.councils_alive(wh, s.period)
    present = set(councils["area_code"].tolist())
    absent = expected.take([row for row, code in enumerate(expected["area_code"].tolist()) if code not in present])
    if not absent.empty and not councils.empty:
        filler = pd.DataFrame({"area_code": absent["area_code"], "area_name": absent["area_name"],
                               "area_type": "council", "region_code": absent["region_code"], "period": s.period,
                               "measure_id": s.measure_id, "age_band": s.age_band,
                               "client_group": s.client_group, "value_status": "missing",
                               "note": "No figure for this council in the loaded publication for this year."})
        councils = pd.concat([councils, filler], ignore_index=True)
    return councils, rows.take(np.flatnonzero(codes == db.ENGLAND))


def _centre(councils: pd.DataFrame, england: pd.DataFrame) -> tuple[float | None, str]:
    """England's published value; failing that, councils' summed numerators over denominators."""
    if len(england) and pd.notna(england["value"].iloc[0]):
        return float(england["value"].iloc[0]), "England"
    counted = councils[councils["numerator"].notna() & (councils["denominator"].fillna(0) > 0)]
    if counted.empty:
        return None, "England"
    return float(100 * counted["numerator"].sum() / counted["denominator"].sum()), "England (councils summed)"


def denominator_title(measure_id: str) -> str:
    if measure_id.endswith("_carers"):
        return "Carers supported (denominator)"
    if measure_id in ("sds_users", "dp_users"):
        return "People using long-term community support (denominator)"
    return "Denominator"


def _count(value: object) -> str:
    return "" if value is None or value != value else f"{value:,.0f}"    # (NaN is not equal to itself)


# What the table reads of each row; a frame without one of them (a test's) reads it as None.
TABLE_COLUMNS = ("area_code", "area_name", "value", "numerator", "denominator", "value_status", "note",
                 "quality_flag", "quality_note", "position", "not_compared", "caveat", "reason")


def _table_rows(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts of TABLE_COLUMNS, from whole columns (itertuples builds every
    one of ~40 columns' values row by row)."""
    empty = [None] * len(frame)
    columns = [frame[name].tolist() if name in frame else empty for name in TABLE_COLUMNS]
    return [dict(zip(TABLE_COLUMNS, values)) for values in zip(*columns)]


def _value(row: dict, unit: str, note: str) -> str:
    return value_text(row["value"], unit, row["quality_flag"], note)


def _note(row: dict, note: str) -> str:
    return note_text(row["quality_note"], note, row["quality_flag"])


def _council_row(row: dict, fixed: str | None, unit: str, mine: bool, extra: bool) -> dict:
    """A council's row: where it lies against the limits (or why it is not plotted)."""
    note = row["note"] if isinstance(row["note"], str) else ""
    place = placement_words(row["position"], bool(row["not_compared"]), row["caveat"]) if fixed is None \
        else f"Not plotted: {row['reason'].lower()}"
    name = highlight_label(row["area_name"]) if mine else row["area_name"]
    classes = ["council"] + (["not-plotted"] if fixed else []) + (["highlight"] if mine else []) \
        + (["extra"] if extra else [])
    return element("Tr", [
        element("Th", element("A", name, href=f"/area/{row['area_code']}"), scope="row"),
        element("Td", row["area_code"]),
        element("Td", _value(row, unit, note), className="number"),
        element("Td", _count(row["numerator"]), className="number"),
        element("Td", _count(row["denominator"]), className="number"),
        element("Td", place),
        element("Td", str(row["value_status"]).replace("_", " ")),
        element("Td", _note(row, note), className="note"),
    ], className=" ".join(classes))


def funnel_table(data: FunnelData, england: pd.DataFrame, *, caption: str, unit: str,
                 highlight: str | None = None) -> dict:
    """Plotted councils by position (those a quality flag keeps from comparison after them), then
    councils not plotted, then England (in Dash's wire form, dashboards/wire.py: ~150 rows inside
    a callback). The first and last ten councils, the reader's council (marked) and England are
    shown; the rest wait behind "Show all"; the table scrolls in its own box on a phone."""
    head = element("Thead", element("Tr", [element("Th", text, scope="col") for text in (
        "Area", "Code", "Value", "Numerator", "Denominator", "Position relative to the limits", "Status", "Note")]))
    listed = [(row, None) for row in _table_rows(data.points)] + \
        [(row, "not plotted") for row in _table_rows(data.not_plotted)]
    body, hidden = [], 0
    for position, (row, fixed) in enumerate(listed):
        mine = row["area_code"] == highlight
        extra = not mine and EDGE_ROWS <= position < len(listed) - EDGE_ROWS
        hidden += extra
        body.append(_council_row(row, fixed, unit, mine, extra))
    for row in _table_rows(england):
        note = row["note"] if isinstance(row["note"], str) else ""
        body.append(element("Tr", [
            element("Th", row["area_name"], scope="row"), element("Td", row["area_code"]),
            element("Td", _value(row, unit, note), className="number"),
            element("Td", _count(row["numerator"]), className="number"),
            element("Td", _count(row["denominator"]), className="number"),
            element("Td", "Centre line"), element("Td", str(row["value_status"]).replace("_", " ")),
            element("Td", _note(row, note), className="note"),
        ], className="comparator"))
    table = element("Table", [element("Caption", caption), head, element("Tbody", body)], className="data-table",
                    id="funnel-table")
    return folded_table(table, label=caption, councils=len(listed), hidden=hidden, table_id="funnel-table",
                        ends="first and last")


@dataclass(frozen=True)
class FunnelDrawing:
    """A funnel chart and what its page shows around it: the placed councils and England for
    the table, and the name of the limits drawn."""
    chart: Chart
    data: FunnelData
    england: pd.DataFrame
    limits_name: str
    what: str


def _drawn_rows(data: FunnelData, england: pd.DataFrame, councils: pd.DataFrame) -> pd.DataFrame:
    """The observations in the table's order: plotted councils by position, councils listed as
    not plotted, then England (the centre line). The councils' rows are taken from `councils`
    (the frame the funnel's were taken from) at once, so the concatenation is of two frames of
    the same columns, not of three with the funnel's columns besides."""
    listed = councils.index.get_indexer(data.points.index.append(data.not_plotted.index))
    parts = [frame for frame in (councils.take(listed), england) if len(frame)]
    return pd.concat(parts, ignore_index=True).reindex(columns=england.columns)


def _area_name(code: str | None) -> str:
    found = db.area(warehouse(), code) if code else None
    return found["area_name"] if found else ""


def _limits_name(view: FunnelView, data: FunnelData) -> str:
    if all_left_out(data):
        return "Unadjusted limits (figures not comparable between councils)"
    if view.adjusted and not data.funnel.applied:
        return "Unadjusted limits (no over-dispersion beyond chance)"
    return LIMITS_NAMES["adjusted" if view.adjusted and data.funnel.applied else "unadjusted"]


def funnel_drawing(view: FunnelView, measures: pd.DataFrame, *, plain_figure: bool = False) -> FunnelDrawing:
    """The funnel for a view, or ChartRequestError (404) saying why there is nothing to draw.
    The page, its embed, image and downloads all come from this. A region's funnel plots its
    councils against the centre and limits worked out from every council in England.
    plain_figure: the chart's figure as funnel_spec's dict, for the page, which builds the one
    Plotly figure it draws from it (for_page) rather than one more to read it from."""
    s = view.selection
    measure = measures.loc[s.measure_id]
    unit = measure["unit"]
    councils, england = _rows(s)
    breakdown = breakdown_label(s.age_band, s.client_group)
    place = _area_name(view.region) if view.region else "England"
    what = f"{measure['label'].lower()}, {breakdown.lower()}, {s.period}" + \
        (f", councils in {place}" if view.region else "")
    centre, centre_name = _centre(councils, england)
    if centre is None:
        raise ChartRequestError(f"No council has counts for {what}, so there is no funnel to draw. "
                                "Choose another year or breakdown.", status=404)
    data = funnel_data(councils, centre, adjusted=view.adjusted, flags=db.quality_flags(warehouse()))
    if view.region:
        data = in_region(data, view.region)
    if data.points.empty:
        raise ChartRequestError(f"No council has a value with counts for {what}. "
                                "Choose another year or breakdown.", status=404)
    limits_name = _limits_name(view, data)
    draw = funnel_spec if plain_figure else funnel_figure
    figure = draw(data, centre=centre, centre_name=centre_name,
                  title=f"{measure['label']}: {breakdown}, {s.period}" + (f", {place}" if view.region else ""),
                  value_title=measure["label"] + (" (%)" if unit == "percent" else ""),
                  denominator_title=denominator_title(s.measure_id), limits_name=limits_name,
                  polarity=measure["polarity"], unit=unit, highlight=view.council)
    mine = f", {_area_name(view.council)} highlighted" if view.council else ""
    chart = Chart(
        view="funnel", title=measure["label"],
        subtitle=f"{breakdown}, {s.period}, councils in {place}, {limits_name[0].lower()}{limits_name[1:]} "
                 f"around {centre_name}{mine}",
        figure=figure, rows=_drawn_rows(data, england, councils),
        method=method_text(data, centre_name=centre_name, centre=centre, adjusted=view.adjusted, unit=unit)
        + (REGION_METHOD.format(region=place) if view.region else ""),
        description=describe_funnel(data, what=what, centre_name=centre_name, centre=centre,
                                    limits_name=limits_name, unit=unit, highlight=view.council),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])),
        aliases={"council": _area_name(view.council)} if view.council else {})
    return FunnelDrawing(chart, data, england, limits_name, what)


def funnel_chart(view: FunnelView, measures: pd.DataFrame) -> Chart:
    return funnel_drawing(view, measures).chart


def refuse_unknown_places(query: dict[str, str], view: FunnelView | None) -> None:
    """A region or council the view could not find is refused (400), not silently dropped."""
    problem = view and geography.unknown_place(query, view.region, view.council)
    if problem:
        regions = list(_places()[0]["area_code"])
        raise ChartRequestError(problem, valid=regions if problem.startswith("region=") else None)


@register("funnel", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, _, measures = _view(query)
    refuse_unknown_places(query, view)
    return None if view is None else funnel_chart(view, measures)


def _title(chart: Chart) -> html.P:
    """The chart's title and subtitle as text above it (it wraps on a phone; Plotly's does not)."""
    return html.P([html.Span(f"{chart.title}", className="chart-title"), html.Br(),
                   html.Span(chart.subtitle, className="chart-subtitle")], id="funnel-title", className="chart-heading")


def funnel_panel(view: FunnelView, measures: pd.DataFrame) -> list:
    try:
        drawing = funnel_drawing(view, measures, plain_figure=True)
    except ChartRequestError as error:
        return [message(error.message)]
    chart, unit = drawing.chart, measures.at[view.selection.measure_id, "unit"]
    return [
        chart_figure(chart, heading=_title(chart), graph_id="funnel-chart", figure=for_page(chart.figure),
                     in_words="The funnel plot in words", description_id="funnel-description"),
        caveat_list(caveats.for_chart(chart), element_id="funnel-caveats"),
        html.P(READING, className="method"),
        html.P(chart.method, id="funnel-method", className="method"),
        funnel_table(drawing.data, drawing.england, caption=f"Data: {drawing.what}. {drawing.limits_name}.",
                     unit=unit, highlight=view.council),
        html.P(f"{MARKS_FOOTNOTE} Positions compare each published "
               "percentage with the limits as drawn at its denominator. Counts rounded to the nearest 5 "
               "make positions close to a limit approximate. Councils are placed against England, not "
               "ranked: a council inside the limits is not shown to differ from England.",
               className="footnote method"),
        source_line(db.sources(warehouse(), sorted(set(chart.rows["source_id"].dropna()))),
                    element_id="funnel-source", measure_ids=sorted(set(chart.rows["measure_id"].dropna()))),
    ]


def _unmatched(text: str) -> list:
    """What the page says when the finder's text names no council."""
    return [message(f"No council is called \u201c{text.strip()[:60]}\u201d: choose a name from the list that "
                    "appears as you type.", element_id="funnel-council-message")]


@callback(
    [Output(f"funnel-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"funnel-{name}", "value") for name in CONTROLS],
    Output("funnel-panel", "children"), Output("funnel-url", "search"),
    [Input(f"funnel-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_funnel(*values):
    """Any control, or Enter in the council finder: the view for all of them together, so
    choosing a council keeps the measure, year and breakdown."""
    query = dict(zip(CONTROLS, values))
    view, catalogue, measures = _view(query)
    s = view.selection
    choices = _options(catalogue, s)
    typed = query.get("council") or ""
    panel = funnel_panel(view, measures)
    if typed.strip() and view.council is None:
        panel = _unmatched(typed) + panel
    return (
        *[[{"label": label, "value": key} for key, label in choices[name]]
          for name in ("period", "age_band", "client_group")],
        s.measure_id, s.period, s.age_band, s.client_group, view.limits, view.region or ALL_ENGLAND,
        _area_name(view.council) if view.council else typed,
        panel, view.query())


def profile_href(click_data: dict | None) -> str | None:
    """The profile URL of the council a click landed on; None for lines or nothing."""
    for point in (click_data or {}).get("points", []):
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and custom and str(custom[0]).startswith("E"):
            return f"/area/{custom[0]}"
    return None


@callback(Output("funnel-url", "href"), Input("funnel-chart", "clickData"), prevent_initial_call=True)
def open_profile(click_data):
    return profile_href(click_data) or no_update


def view_for_url(search: str) -> FunnelView | None:
    """The view a URL shows (for tests and exports)."""
    return _view(query_parameters(search))[0]
