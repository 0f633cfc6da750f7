"""Does it deliver control? Councils' self-directed support or direct payment uptake against the
share of people who use services who say they have control over their daily life, per year,
with the correlation between them. `region=` plots and correlates one region's councils;
`council=` marks the reader's council."""
from __future__ import annotations

import pandas as pd
from dash import Input, Output, callback, html, no_update

from .. import db, geography
from ..charts import Chart, ChartRequestError, register
from ..components import control_bar, council_finder, message, page_shell, select_control
from ..context import warehouse
from ..figures.control import CONTROL_MEASURE, UPTAKE_MEASURES
from ..routing import query_parameters
from .control_views import ALL_ENGLAND, ControlView, area_name, control_panel, control_drawing

PATH = "/control"
TITLE = "Does self-directed support deliver control?"
PAGE_TITLE = "Does it deliver control? Uptake against control over daily life"
CONTROLS = ["measure", "period", "region", "council"]
LABELS = {"measure": "Uptake of (across)", "period": "Year (to 31 March)", "region": "Region"}
LEDE = ("Do councils where more people direct their own support have more people who feel in control of "
        "their daily life? Each dot is a council.")
# Short option names: two selects then share a row on a phone, and the chart starts higher.
MEASURE_OPTIONS = {"sds_users": "Self-directed support", "dp_users": "Direct payments"}


def paired_periods(catalogue: pd.DataFrame) -> dict[str, list[str]]:
    """For each uptake measure, the years in which councils have both it and control over daily
    life (all adults), oldest first."""
    whole = catalogue[(catalogue["age_band"] == "all") & (catalogue["client_group"] == "all")
                      & (catalogue["councils"] > 0)]
    control = set(whole.loc[whole["measure_id"] == CONTROL_MEASURE, "period"])
    return {m: sorted(set(whole.loc[whole["measure_id"] == m, "period"]) & control) for m in UPTAKE_MEASURES}


def nearest_period(asked: str | None, available: list[str]) -> str:
    """The year asked for if it has both figures; else the nearest that does (the later of two
    as near); the latest when none or no year is asked for."""
    if asked in available:
        return asked
    try:
        start = int((asked or "")[:4])
    except ValueError:
        return available[-1]
    return min(reversed(available), key=lambda period: abs(int(period[:4]) - start))


def resolve_control(query: dict[str, str], periods: dict[str, list[str]], regions=(),
                    councils: pd.DataFrame | None = None) -> ControlView | None:
    """The view a query asks for, corrected to a measure and year with both figures (the latest
    year by default, else the nearest to the year asked). None when no year has both."""
    available = [m for m in UPTAKE_MEASURES if periods.get(m)]
    if not available:
        return None
    measure = query.get("measure") if query.get("measure") in available else available[0]
    period = nearest_period(query.get("period"), periods[measure])
    region = query.get("region") if query.get("region") in set(regions) else None
    council = geography.council_code(query.get("council"), councils, period) if councils is not None else None
    return ControlView(measure, period, region, council)


def _places() -> tuple[pd.DataFrame, pd.DataFrame]:
    wh = warehouse()
    return db.areas(wh, "region"), db.areas(wh, "council")


def _view(query: dict[str, str]) -> tuple[ControlView | None, dict[str, list[str]]]:
    periods = paired_periods(db.catalogue(warehouse()))
    regions, councils = _places()
    return resolve_control(query, periods, list(regions["area_code"]), councils), periods


def _choices(view: ControlView, periods: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    regions = _places()[0]
    return {"measure": [(m, MEASURE_OPTIONS[m]) for m in UPTAKE_MEASURES if periods.get(m)],
            "period": [(p, p) for p in reversed(periods[view.measure])],
            "region": [(ALL_ENGLAND, "All England"), *zip(regions["area_code"], regions["area_name"])]}


def _controls(view: ControlView, periods: dict[str, list[str]]) -> html.Div:
    choices = _choices(view, periods)
    values = {"measure": view.measure, "period": view.period, "region": view.region or ALL_ENGLAND}
    return control_bar([select_control(f"control-{name}", LABELS[name], choices[name], values[name],
                                       class_name=f"control-{name}") for name in ("measure", "period", "region")]
                       + [council_finder("control-council", _places()[1], view.council)],
                       label="Choose what the chart shows", bar_id="control-controls")


def _corrected(query: dict[str, str], view: ControlView) -> list:
    """Another page's view (carried by the navigation) may ask for a year or measure this one
    cannot show: say which it shows instead, rather than let the reader think it is theirs."""
    asked = query.get("period")
    if not asked or asked == view.period:
        return []
    return [message(f"Control over daily life has no council figures for {asked[:20]} beside "
                    f"{MEASURE_OPTIONS[view.measure].lower()}: showing {view.period}, the nearest year with both.",
                    element_id="control-corrected")]


def layout(**query: str) -> html.Div:
    heading = html.H1("Does it deliver control?")
    try:
        view, periods = _view(query)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [heading, message(str(error))], title=PAGE_TITLE)
    if view is None:
        return page_shell(PATH, [heading, message("No year with both uptake and control over daily life has been "
                                                  "loaded yet.")], title=PAGE_TITLE)
    return page_shell(PATH, [
        heading, html.P(LEDE, className="lede"),
        _controls(view, periods), *_corrected(query, view),
        html.Div(control_panel(view), id="control-panel", **{"aria-live": "polite"}),
    ], location_id="control-url", title=PAGE_TITLE)


@register("control", tuple(CONTROLS))
def chart_from_query(query: dict[str, str]) -> Chart | None:
    view, _ = _view(query)
    problem = view and geography.unknown_place(query, view.region, view.council)
    if problem:
        raise ChartRequestError(problem, valid=list(_places()[0]["area_code"]) if problem.startswith("region=")
                                else None)
    return None if view is None else control_drawing(view).chart


@callback(
    Output("control-period", "options"), [Output(f"control-{name}", "value") for name in CONTROLS],
    Output("control-panel", "children"), Output("control-url", "search"),
    [Input(f"control-{name}", "value") for name in CONTROLS], prevent_initial_call=True)
def update_control(*values):
    """Any control, or Enter in the council finder: the view for all of them together."""
    # The callback guard lets any scalar through: a number or null is no choice, not a crash.
    query = {name: value if isinstance(value, str) else "" for name, value in zip(CONTROLS, values)}
    view, periods = _view(query)
    typed = query.get("council") or ""
    panel = control_panel(view)
    if typed.strip() and view.council is None:
        panel = [message(f"No council is called \u201c{typed.strip()[:60]}\u201d: choose a name from the list that "
                         "appears as you type.", element_id="control-council-message")] + panel
    return ([{"label": label, "value": key} for key, label in _choices(view, periods)["period"]],
            view.measure, view.period, view.region or ALL_ENGLAND,
            area_name(view.council) if view.council else typed, panel, view.query())


@callback(Output("control-url", "href"), Input("control-chart", "clickData"), prevent_initial_call=True)
def open_profile(click_data):
    """A click on a council's marker opens its profile."""
    for point in (click_data or {}).get("points", []):
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and custom and str(custom[0]).startswith("E0"):
            return f"/area/{custom[0]}"
    return no_update


def view_for_url(search: str) -> ControlView | None:
    """The view a URL shows (for tests)."""
    return _view(query_parameters(search))[0]
