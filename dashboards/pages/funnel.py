"""Funnel plot: every council's value against its denominator, with 95% and 99.8% limits
around England, unadjusted or adjusted for over-dispersion; click a council for its profile."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
from dash import Input, Output, callback, dcc, html, no_update

from .. import caveats, db
from ..charts import Chart, ChartRequestError, register
from ..components import (MARKS_FOOTNOTE, caveat_list, message, note_text, page_shell, radio_group,
                          source_line, value_text)
from ..context import warehouse
from ..figures.funnel import (FunnelData, all_left_out, describe_funnel, funnel_data, funnel_figure,
                              method_text, placement_words)
from ..labels import AGE_BANDS, CLIENT_GROUPS, breakdown_label
from ..routing import query_parameters
from ..sharing import share_panel
from ..state import Selection, options_for, resolve_selection
from ..wire import element

PATH = "/funnel"
TITLE = "Funnel plot: self-directed support uptake"
PREFIX = False
CONTROLS = ["measure", "period", "age_band", "client_group", "limits"]
LIMITS = [("unadjusted", "Unadjusted (binomial)"), ("adjusted", "Adjusted for over-dispersion")]
LIMITS_NAMES = {"unadjusted": "Unadjusted limits (exact binomial)",
                "adjusted": "Limits adjusted for over-dispersion"}


@dataclass(frozen=True)
class FunnelView:
    selection: Selection
    limits: str

    @property
    def adjusted(self) -> bool:
        return self.limits == "adjusted"

    def query(self) -> str:
        return "?" + urllib.parse.urlencode({**self.selection.query_values(), "limits": self.limits})


def resolve_funnel(query: dict[str, str], catalogue: pd.DataFrame) -> FunnelView | None:
    """The view a query asks for, corrected to a percentage measure with council counts."""
    selection = resolve_selection(query, catalogue)
    if selection is None:
        return None
    limits = query.get("limits") if query.get("limits") in dict(LIMITS) else "unadjusted"
    return FunnelView(selection, limits)


def _reference_data():
    wh = warehouse()
    return db.counted_catalogue(wh, "percent"), db.measures(wh).set_index("measure_id")


def _view(query: dict[str, str]):
    catalogue, measures = _reference_data()
    return resolve_funnel(query, catalogue), catalogue, measures


def _options(catalogue: pd.DataFrame, selection: Selection) -> dict[str, list[tuple[str, str]]]:
    options = options_for(catalogue, selection)
    return {"period": [(p, p) for p in options["period"]],
            "age_band": [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]],
            "client_group": [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]]}


def _controls(view: FunnelView, catalogue: pd.DataFrame, measures: pd.DataFrame) -> list:
    s = view.selection
    choices = _options(catalogue, s)
    measure_ids = options_for(catalogue, s)["measure"]
    return [
        radio_group("funnel-measure", "Measure", [(m, measures.at[m, "label"]) for m in measure_ids], s.measure_id),
        radio_group("funnel-period", "Year (to 31 March)", choices["period"], s.period),
        radio_group("funnel-age_band", "Age band", choices["age_band"], s.age_band),
        radio_group("funnel-client_group", "Client group", choices["client_group"], s.client_group),
        radio_group("funnel-limits", "Limits", LIMITS, view.limits),
    ]


def layout(**query: str) -> html.Div:
    heading = html.H1("Funnel plot: which councils stand out from England?")
    try:
        view, catalogue, measures = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [heading, message(str(error))])
    if view is None:
        return page_shell(PATH, [heading, message("No council percentages with counts have been loaded yet.")])
    return page_shell(PATH, [
        heading,
        html.P("Each council's percentage against the number of people it is based on. Small councils "
               "vary more by chance, so the limits around England's value widen as the numbers get "
               "smaller: a council outside them differs from England by more than chance would explain. "
               "Select a council's marker, or its name in the table, to open its profile.", className="lede"),
        html.Form(_controls(view, catalogue, measures), id="funnel-controls", className="controls",
                  **{"aria-label": "Choose what the funnel plot shows"}),
        html.Div(funnel_panel(view, measures), id="funnel-panel", **{"aria-live": "polite"}),
    ], location_id="funnel-url")


def _rows(selection: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Councils (including councils of the year with no row, listed as missing) and England."""
    wh, s = warehouse(), selection
    rows = db.observations(wh, measure_id=s.measure_id, period=s.period, age_band=s.age_band,
                           client_group=s.client_group)
    councils = rows[rows["area_type"] == "council"]
    expected = db.councils_alive(wh, s.period)
    absent = expected[~expected["area_code"].isin(councils["area_code"])]
    if not absent.empty and not councils.empty:
        filler = pd.DataFrame({"area_code": absent["area_code"], "area_name": absent["area_name"],
                               "area_type": "council", "region_code": absent["region_code"], "period": s.period,
                               "measure_id": s.measure_id, "age_band": s.age_band,
                               "client_group": s.client_group, "value_status": "missing",
                               "note": "No figure for this council in the loaded publication for this year."})
        councils = pd.concat([councils, filler], ignore_index=True)
    return councils, rows[rows["area_code"] == db.ENGLAND]


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
    return "" if value is None or pd.isna(value) else f"{value:,.0f}"


def _value(row, unit: str, note: str) -> str:
    return value_text(row.value, unit, getattr(row, "quality_flag", None), note)


def _note(row, note: str) -> str:
    return note_text(getattr(row, "quality_note", None), note, getattr(row, "quality_flag", None))


def funnel_table(data: FunnelData, england: pd.DataFrame, *, caption: str, unit: str) -> dict:
    """Plotted councils by position (those a quality flag keeps from comparison after them), then
    councils not plotted, then England (in Dash's wire form, dashboards/wire.py: ~150 rows inside
    a callback)."""
    head = element("Thead", element("Tr", [element("Th", text, scope="col") for text in (
        "Area", "Code", "Value", "Numerator", "Denominator", "Position relative to the limits", "Status", "Note")]))
    body = []
    listed = [(data.points, None), (data.not_plotted, "not plotted")]
    for frame, fixed in listed:
        for row in frame.itertuples():
            note = row.note if isinstance(row.note, str) else ""
            place = placement_words(row.position, bool(row.not_compared), row.caveat) if fixed is None \
                else f"Not plotted: {row.reason.lower()}"
            body.append(element("Tr", [
                element("Th", element("A", row.area_name, href=f"/area/{row.area_code}"), scope="row"),
                element("Td", row.area_code),
                element("Td", _value(row, unit, note), className="number"),
                element("Td", _count(row.numerator), className="number"),
                element("Td", _count(row.denominator), className="number"),
                element("Td", place),
                element("Td", str(row.value_status).replace("_", " ")),
                element("Td", _note(row, note), className="note"),
            ], className="council" if fixed is None else "council not-plotted"))
    for row in england.itertuples():
        note = row.note if isinstance(row.note, str) else ""
        body.append(element("Tr", [
            element("Th", row.area_name, scope="row"), element("Td", row.area_code),
            element("Td", _value(row, unit, note), className="number"),
            element("Td", _count(row.numerator), className="number"), element("Td", _count(row.denominator), className="number"),
            element("Td", "Centre line"), element("Td", str(row.value_status).replace("_", " ")),
            element("Td", _note(row, note), className="note"),
        ], className="comparator"))
    return element("Table", [element("Caption", caption), head, element("Tbody", body)], className="data-table", id="funnel-table")


@dataclass(frozen=True)
class FunnelDrawing:
    """A funnel chart and what its page shows around it: the placed councils and England for
    the table, and the name of the limits drawn."""
    chart: Chart
    data: FunnelData
    england: pd.DataFrame
    limits_name: str
    what: str


def _drawn_rows(data: FunnelData, england: pd.DataFrame) -> pd.DataFrame:
    """The observations in the table's order: plotted councils by position, councils listed as
    not plotted, then England (the centre line)."""
    parts = [frame for frame in (data.points, data.not_plotted, england) if len(frame)]
    return pd.concat(parts, ignore_index=True).reindex(columns=england.columns)


def funnel_drawing(view: FunnelView, measures: pd.DataFrame) -> FunnelDrawing:
    """The funnel for a view, or ChartRequestError (404) saying why there is nothing to draw.
    The page, its embed, image and downloads all come from this."""
    s = view.selection
    measure = measures.loc[s.measure_id]
    unit = measure["unit"]
    councils, england = _rows(s)
    breakdown = breakdown_label(s.age_band, s.client_group)
    what = f"{measure['label'].lower()}, {breakdown.lower()}, {s.period}"
    centre, centre_name = _centre(councils, england)
    if centre is None:
        raise ChartRequestError(f"No council has counts for {what}, so there is no funnel to draw. "
                                "Choose another year or breakdown.", status=404)
    data = funnel_data(councils, centre, adjusted=view.adjusted, flags=db.quality_flags(warehouse()))
    if data.points.empty:
        raise ChartRequestError(f"No council has a value with counts for {what}. "
                                "Choose another year or breakdown.", status=404)
    limits_name = LIMITS_NAMES["adjusted" if view.adjusted and data.funnel.applied else "unadjusted"]
    if all_left_out(data):
        limits_name = "Unadjusted limits (figures not comparable between councils)"
    elif view.adjusted and not data.funnel.applied:
        limits_name = "Unadjusted limits (no over-dispersion beyond chance)"
    figure = funnel_figure(data, centre=centre, centre_name=centre_name,
                           title=f"{measure['label']}: {breakdown}, {s.period}",
                           value_title=measure["label"] + (" (%)" if unit == "percent" else ""),
                           denominator_title=denominator_title(s.measure_id), limits_name=limits_name,
                           polarity=measure["polarity"], unit=unit)
    chart = Chart(
        view="funnel", title=measure["label"],
        subtitle=f"{breakdown}, {s.period}, councils in England, {limits_name[0].lower()}{limits_name[1:]} "
                 f"around {centre_name}",
        figure=figure, rows=_drawn_rows(data, england),
        method=method_text(data, centre_name=centre_name, centre=centre, adjusted=view.adjusted, unit=unit),
        description=describe_funnel(data, what=what, centre_name=centre_name, centre=centre,
                                    limits_name=limits_name, unit=unit),
        page_url=PATH + view.query(), resolved=dict(urllib.parse.parse_qsl(view.query()[1:])))
    return FunnelDrawing(chart, data, england, limits_name, what)


def funnel_chart(view: FunnelView, measures: pd.DataFrame) -> Chart:
    return funnel_drawing(view, measures).chart


@register("funnel", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, _, measures = _view(query)
    return None if view is None else funnel_chart(view, measures)


def funnel_panel(view: FunnelView, measures: pd.DataFrame) -> list:
    try:
        drawing = funnel_drawing(view, measures)
    except ChartRequestError as error:
        return [message(error.message)]
    chart, unit = drawing.chart, measures.at[view.selection.measure_id, "unit"]
    return [
        html.Figure([
            dcc.Graph(id="funnel-chart", figure=chart.figure, config={"displaylogo": False}),
            html.Figcaption(chart.description, id="funnel-description"),
        ], className="chart"),
        caveat_list(caveats.for_chart(chart), element_id="funnel-caveats"),
        html.P(chart.method, id="funnel-method", className="method"),
        funnel_table(drawing.data, drawing.england, caption=f"Data: {drawing.what}. {drawing.limits_name}.",
                     unit=unit),
        html.P(f"{MARKS_FOOTNOTE} Positions compare each published "
               "percentage with the limits as drawn at its denominator. Counts rounded to the nearest 5 "
               "make positions close to a limit approximate. Councils are placed against England, not "
               "ranked: a council inside the limits is not shown to differ from England.",
               className="footnote method"),
        share_panel(chart),
        source_line(db.sources(warehouse(), sorted(set(chart.rows["source_id"].dropna()))),
                    element_id="funnel-source"),
    ]


@callback(
    [Output(f"funnel-{name}", "options") for name in ("period", "age_band", "client_group")],
    [Output(f"funnel-{name}", "value") for name in CONTROLS],
    Output("funnel-panel", "children"), Output("funnel-url", "search"),
    [Input(f"funnel-{name}", "value") for name in CONTROLS],
    prevent_initial_call=True)
def update_funnel(*values):
    view, catalogue, measures = _view(dict(zip(CONTROLS, values)))
    s = view.selection
    choices = _options(catalogue, s)
    return (
        *[[{"label": label, "value": key} for key, label in choices[name]]
          for name in ("period", "age_band", "client_group")],
        s.measure_id, s.period, s.age_band, s.client_group, view.limits,
        funnel_panel(view, measures), view.query())


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
