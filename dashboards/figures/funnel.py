"""Funnel plot: each council's value against its denominator, with limits around England.

Pure: DataFrames in, a Plotly figure, DataFrames or text out. Where a council lies relative to
the limits is shown by marker shape (filled triangle outside 99.8%, open triangle between 95%
and 99.8%, circle inside), colour, and words in the legend, hover and table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import funnel_limits
from . import FONT, axis_suffix, format_value, significance_style

INSIDE_COLOUR = "#767676"   # grey, 4.5:1 against white
LINE_COLOUR = "#1a1a1a"
CENTRE_COLOUR = "#1d4f91"

# position -> (words, symbol character, Plotly marker symbol, comparison for the colour)
POSITION_STYLES = {
    "above_998": ("Above the 99.8% limit", "\u25b2", "triangle-up", "higher"),
    "above_95": ("Between the 95% and 99.8% limits, above", "\u25b3", "triangle-up-open", "higher"),
    "inside": ("Within the 95% limits", "\u25cf", "circle", None),
    "below_95": ("Between the 95% and 99.8% limits, below", "\u25bd", "triangle-down-open", "lower"),
    "below_998": ("Below the 99.8% limit", "\u25bc", "triangle-down", "lower"),
}
NOT_PLOTTED = "Not plotted (no counts)"


def position_words(position: str) -> str:
    """'\u25b2 Above the 99.8% limit', or the not-plotted words."""
    if position not in POSITION_STYLES:
        return NOT_PLOTTED
    words, symbol, _, _ = POSITION_STYLES[position]
    return f"{symbol} {words}"


def position_colour(position: str, polarity: str) -> str:
    compared = POSITION_STYLES[position][3]
    return INSIDE_COLOUR if compared is None else significance_style(compared, polarity)[1]


@dataclass(frozen=True)
class FunnelData:
    points: pd.DataFrame        # plotted councils with position and the limits at their denominator
    not_plotted: pd.DataFrame   # councils without a value or counts, with the reason
    funnel: funnel_limits.Funnel | None
    grid: pd.DataFrame          # limits over denominators, as percentages


def plottable(councils: pd.DataFrame) -> pd.Series:
    return councils["value"].notna() & councils["numerator"].notna() & (councils["denominator"].fillna(0) > 0)


def funnel_data(councils: pd.DataFrame, centre: float, *, adjusted: bool) -> FunnelData:
    """Split councils into plotted and not plotted and place each plotted one against the
    limits around `centre` (a percentage). Values are the published ones."""
    mask = plottable(councils)
    points = councils[mask].copy()
    not_plotted = councils[~mask].copy()
    not_plotted["reason"] = np.where(not_plotted["value"].isna(), "No value", "No counts published")
    if points.empty:
        empty = pd.DataFrame(columns=["denominator", "lower_95", "upper_95", "lower_998", "upper_998"])
        return FunnelData(points.assign(position=pd.Series(dtype=str)), not_plotted, None, empty)
    result = funnel_limits.funnel(centre / 100, points["value"].to_numpy() / 100,
                                  points["denominator"].to_numpy(), adjusted=adjusted)
    at_units = result.unit_limits.set_axis(points.index)
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        points[f"limit_{column}"] = at_units[column] * 100
    points["position"] = at_units["position"]
    order = {name: rank for rank, name in enumerate(funnel_limits.POSITIONS)}
    points = points.sort_values(["position", "value", "area_name"], ascending=[True, False, True],
                                key=lambda column: column.map(order) if column.name == "position" else column)
    grid = result.grid.copy()
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        grid[column] = grid[column] * 100
    return FunnelData(points, not_plotted, result, grid)


def _count(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.0f}"


def _limit_trace(grid: pd.DataFrame, level: str, name: str, dash: str, width: float) -> dict:
    x = [*grid["denominator"].tolist(), None, *grid["denominator"].tolist()]
    y = [*grid[f"upper_{level}"].tolist(), None, *grid[f"lower_{level}"].tolist()]
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name, "hoverinfo": "skip",
            "connectgaps": False, "line": {"color": LINE_COLOUR, "dash": dash, "width": width}}


def funnel_figure(data: FunnelData, *, centre: float, centre_name: str, title: str, value_title: str,
                  denominator_title: str, limits_name: str, polarity: str = "higher_is_better",
                  unit: str = "percent") -> go.Figure:
    """Councils as markers by position, limits at 95% (dashed) and 99.8% (dotted), England as a
    solid centre line; each marker carries its area code for click-through.

    Built from dict traces and wrapped once without per-property validation (it runs inside a
    callback); the unit tests validate the same figure in full."""
    grid, points = data.grid, data.points
    traces = [_limit_trace(grid, "998", "99.8% limits", "dot", 2),
              _limit_trace(grid, "95", "95% limits", "dash", 1.5)]
    x_span = [float(grid["denominator"].min()), float(grid["denominator"].max())] if len(grid) else [0, 1]
    traces.append({"type": "scatter", "x": x_span, "y": [centre, centre], "mode": "lines",
                   "name": f"{centre_name} {format_value(centre, unit)}", "hoverinfo": "skip",
                   "line": {"color": CENTRE_COLOUR, "width": 2}})
    for position in funnel_limits.POSITIONS:
        part = points[points["position"] == position]
        if part.empty:
            continue
        words, symbol, marker, _ = POSITION_STYLES[position]
        colour = position_colour(position, polarity)
        hollow = marker.endswith("-open")
        customdata = np.column_stack([
            part["area_code"], part["area_name"], [format_value(v, unit) for v in part["value"]],
            [_count(v) for v in part["numerator"]], [_count(v) for v in part["denominator"]],
            [f"{symbol} {words}"] * len(part)])
        traces.append({
            "type": "scatter", "x": part["denominator"].tolist(), "y": part["value"].tolist(), "mode": "markers",
            "name": f"{symbol} {words} ({len(part)})", "cliponaxis": False, "customdata": customdata.tolist(),
            "marker": {"symbol": marker, "color": colour, "size": 10 if hollow else 9,
                       "line": {"color": colour if hollow else "white", "width": 2 if hollow else 0.5}},
            "hovertemplate": "<b>%{customdata[1]}</b> (%{customdata[0]})<br>%{customdata[2]}: "
                             "%{customdata[3]} of %{customdata[4]}<br>%{customdata[5]}"
                             "<br>Click to open the council's profile<extra></extra>"})
    layout = dict(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis={"title": {"text": denominator_title}, "rangemode": "tozero", "separatethousands": True, "tickformat": ",d",
               "gridcolor": "#d9d9d9", "zeroline": False},
        yaxis={"title": {"text": value_title}, "ticksuffix": axis_suffix(unit), "range": _value_range(points, grid, centre, unit),
               "gridcolor": "#d9d9d9", "zeroline": False},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "title": {"text": f"{limits_name}:<br>"}},
        margin={"l": 10, "r": 30, "t": 70, "b": 150}, height=640, plot_bgcolor="white", font=FONT,
        hovermode="closest", clickmode="event")
    return go.Figure(data=traces, layout=layout, _validate=False)


def _value_range(points: pd.DataFrame, grid: pd.DataFrame, centre: float, unit: str) -> list[float]:
    """Every council and the funnel's body; the widest tip of the limits may run off the axis."""
    values = [centre, *points["value"]]
    if len(points) and len(grid):
        body = grid[grid["denominator"] >= points["denominator"].quantile(0.1)]
        values += [*body["lower_998"], *body["upper_998"]]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.05, 0.5)
    low, high = low - pad, high + pad
    if unit == "percent":
        low, high = max(low, 0.0), min(high, 100.0)
    return [low, high]


def describe_funnel(data: FunnelData, *, what: str, centre_name: str, centre: float, limits_name: str,
                    unit: str = "percent") -> str:
    """A text alternative: how many councils lie outside each limit, and which."""
    points = data.points
    if points.empty:
        return f"No council has a value with counts for {what}, so nothing is plotted."
    counts = points["position"].value_counts()
    n = {position: int(counts.get(position, 0)) for position in funnel_limits.POSITIONS}

    def councils(number: int) -> str:
        return f"{number} council" + ("" if number == 1 else "s")

    text = (f"Funnel plot of {what}: {councils(len(points))} plotted by value against denominator, "
            f"with {limits_name.lower()} around {centre_name}'s value of {format_value(centre, unit)}. "
            f"Outside the 99.8% limits: {councils(n['above_998'] + n['below_998'])} "
            f"({n['above_998']} above, {n['below_998']} below). "
            f"Between the 95% and 99.8% limits: {councils(n['above_95'] + n['below_95'])} "
            f"({n['above_95']} above, {n['below_95']} below). "
            f"Within the 95% limits: {councils(n['inside'])}.")
    for position, label in (("above_998", "Above the 99.8% limit"), ("below_998", "Below the 99.8% limit")):
        names = list(points.loc[points["position"] == position, "area_name"])
        if names:
            shown = "; ".join(names[:8]) + (f"; and {len(names) - 8} more" if len(names) > 8 else "")
            text += f" {label}: {shown}."
    if len(data.not_plotted):
        verb = "is" if len(data.not_plotted) == 1 else "are"
        text += f" {councils(len(data.not_plotted))} without a value or counts {verb} not plotted."
    return text


def method_text(data: FunnelData, *, centre_name: str, centre: float, adjusted: bool, unit: str = "percent") -> str:
    """Which limits are shown and how they were worked out, with phi and tau-squared."""
    result = data.funnel
    if result is None:
        return ""
    spread = result.dispersion
    exact = (f"exact binomial 95% and 99.8% limits around {centre_name}'s value ({format_value(centre, unit)}) for each "
             "denominator, interpolated between the binomial quantiles so they are smooth")
    reference = ("(Spiegelhalter 2005, \u201cFunnel plots for comparing institutional performance\u201d, "
                 "Statistics in Medicine)")
    if np.isnan(spread.phi):
        return f"Limits shown: {exact} {reference}. Too few councils to estimate over-dispersion."
    phi = (f"The councils' z-scores against {centre_name}, winsorised at their 10th and 90th percentiles, "
           f"give a dispersion factor \u03c6 = {spread.phi:.2f} from {spread.units} councils "
           "(about 1 if councils differed only by chance)")
    tau = f"\u03c4\u00b2 = {spread.tau2:.6f} (\u03c4 = {np.sqrt(spread.tau2) * 100:.2f} percentage points)"
    if adjusted and result.applied:
        return (f"Limits shown: adjusted for over-dispersion {reference}. {phi}, so the between-council "
                f"variance {tau} is added to each denominator's binomial variance: limits are "
                f"{centre_name} \u00b1 z\u00b7\u221a(p\u2080(1\u2212p\u2080)/n + \u03c4\u00b2), a normal "
                "approximation, with z = 1.96 (95%) and 3.09 (99.8%). They show which councils stand out "
                "even allowing for the usual spread between councils.")
    if adjusted:
        return (f"Limits shown: {exact} {reference}. The adjustment for over-dispersion was asked for, but "
                f"{phi}, within what chance allows, so \u03c4\u00b2 = 0 and the limits are unchanged.")
    extra = (f" {phi}; choose \u201cAdjusted for over-dispersion\u201d to widen the limits by {tau}."
             if spread.over_dispersed else f" {phi}: no more spread than chance, so \u03c4\u00b2 = 0.")
    return (f"Limits shown: unadjusted, {exact} {reference}. About 1 in 20 councils would lie outside "
            f"the 95% limits, and 1 in 500 outside the 99.8% limits, by chance alone.{extra}")
