"""Mental-health lens: the share of 18-64 direct payments going to people with mental health
needs over the years, and England's uptake by primary support reason. Pure: DataFrames in.
"""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, REFERENCE_STYLES, format_value, highlight_label, is_missing
from .client_groups import group_style

ENGLAND = "E92000001"
COUNCIL_LINE = "#a6a6a6"        # background: councils of the region, one thin grey line each
BREAK_FILL = "#e8e8e8"
MEASURE_STYLES = {               # marker shape carries the measure as well as colour
    "sds_users": ("#1a1a1a", "circle", "Self-directed support"),
    "dp_users": ("#0072B2", "square", "Direct payments"),
}


def _line_points(series: pd.DataFrame, runs: list[list[str]]) -> tuple[list, list]:
    """x and y for one area, with a gap between comparable runs (a series break) and where a
    year has no share; Plotly leaves a gap at every None."""
    values = dict(zip(series["period"], series["share"]))
    xs, ys = [], []
    for number, run in enumerate(runs):
        if number:
            xs.append(None)
            ys.append(None)
        for period in run:
            value = values.get(period)
            xs.append(period)
            ys.append(None if is_missing(value) else round(float(value), 2))
    return xs, ys


def _hover(series: pd.DataFrame, name: str) -> str:
    return name + ", %{x}: %{y:.1f}%<extra></extra>"


def share_lines(shares: pd.DataFrame, periods: list[str], runs: list[list[str]], break_periods: dict[str, str],
                *, region_code: str | None, highlight: str | None = None) -> go.Figure:
    """Councils of the region as thin grey lines, the region and England as heavy dashed and
    dotted lines, the reader's council (`highlight`, a code) in the highlight colour with a
    diamond and a label. Years in `break_periods` (period -> short label) sit on a grey band
    naming the change; no line crosses a series break (`runs`). The y axis starts at zero and
    stops a little above the highest share, not at 100."""
    traces = []
    councils = shares[(shares["area_type"] == "council") & (shares["area_code"] != highlight)]
    first = True
    for _, series in councils.groupby("area_code", sort=False):
        xs, ys = _line_points(series, runs)
        name = series["area_name"].iloc[0]
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "name": "Councils in the region",
                       "legendgroup": "councils", "showlegend": first,
                       "line": {"color": COUNCIL_LINE, "width": 1}, "marker": {"color": COUNCIL_LINE, "size": 5},
                       "hovertemplate": _hover(series, name)})
        first = False
    comparators = [(region_code, REFERENCE_STYLES[1], "square"), (ENGLAND, REFERENCE_STYLES[0], "diamond-open")]
    for code, style, symbol in comparators:
        series = shares[shares["area_code"] == code]
        if series.empty or series["share"].isna().all():
            continue
        xs, ys = _line_points(series, runs)
        name = series["area_name"].iloc[0]
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "name": name,
                       "line": {"color": style["color"], "dash": style["dash"], "width": 3},
                       "marker": {"color": style["color"], "symbol": symbol, "size": 9},
                       "hovertemplate": _hover(series, name)})
    annotations = []
    mine = shares[shares["area_code"] == highlight] if highlight else shares.iloc[0:0]
    if not mine.empty and mine["share"].notna().any():
        xs, ys = _line_points(mine, runs)
        label = highlight_label(mine["area_name"].iloc[0])
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "name": label,
                       "line": {"color": HIGHLIGHT_COLOUR, "width": 4},
                       "marker": {"color": HIGHLIGHT_COLOUR, "symbol": "diamond", "size": 12,
                                  "line": {"color": HIGHLIGHT_OUTLINE, "width": 1.5}},
                       "hovertemplate": _hover(mine, label)})
        peak = mine.dropna(subset=["share"]).sort_values(["share", "period"]).iloc[-1]
        # Above its highest point, where the other lines are lowest: a label at the line's end
        # would sit on England's and the region's lines.
        annotations.append({"x": peak["period"], "y": float(peak["share"]), "text": label, "showarrow": True,
                            "arrowhead": 0, "ax": 0, "ay": -26, "font": {"size": 13, "color": "#1a1a1a"},
                            "bgcolor": "rgba(255,255,255,0.9)"})
    top = float(shares["share"].max()) if shares["share"].notna().any() else 10.0
    ceiling = min(100.0, max(5.0, top * 1.3))
    shapes = []
    for period, text in break_periods.items():
        if period not in periods:
            continue
        position = periods.index(period)
        shapes.append({"type": "rect", "xref": "x", "x0": position - 0.5, "x1": position + 0.5, "yref": "paper",
                       "y0": 0, "y1": 1, "fillcolor": BREAK_FILL, "line": {"width": 0}, "layer": "below"})
    if shapes:
        # The band's meaning in the legend, where it wraps with the other keys on a phone.
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "hoverinfo": "skip",
                       "name": "<br>".join(textwrap.wrap("Grey band: " + next(iter(break_periods.values())), 30)),
                       "marker": {"symbol": "square", "size": 14, "color": BREAK_FILL,
                                  "line": {"color": "#767676", "width": 1}}})
    layout = {
        "xaxis": {"type": "category", "categoryorder": "array", "categoryarray": periods, "range":
                  [-0.5, len(periods) - 0.5], "title": {"text": "Year to 31 March"}},
        "yaxis": {"title": {"text": "Percentage"}, "ticksuffix": "%", "range": [0, ceiling], "rangemode": "tozero",
                  "gridcolor": "#d9d9d9"},
        "legend": {"orientation": "h", "xref": "container", "x": 0, "yref": "container", "y": 1, "yanchor": "top",
                   "font": {"size": 13}},
        "shapes": shapes, "annotations": annotations,
        # Room under the axis for tick labels Plotly turns on a phone, and for an image's footer.
        "margin": {"l": 10, "r": 15, "t": 40, "b": 70}, "height": 480,
        "plot_bgcolor": "white", "font": FONT, "hovermode": "closest"}
    return go.Figure(data=traces, layout=layout, _validate=False)


def describe_shares(shares: pd.DataFrame, periods: list[str], *, scope: str, region_code: str | None,
                    highlight: str | None = None) -> str:
    """Text alternative: what is drawn, England's and the region's shares by year, the councils'
    range in the latest year, and the reader's council."""
    def year_list(code: str) -> str:
        own = shares[(shares["area_code"] == code) & shares["share"].notna()].sort_values("period")
        return "; ".join(f"{p} {v:.1f}%" for p, v in zip(own["period"], own["share"]))
    parts = [f"Line chart of the share of direct payments to adults aged 18-64 that went to people with mental "
             f"health needs, {periods[0]} to {periods[-1]}, {scope}, against England."]
    england = year_list(ENGLAND)
    if england:
        parts.append(f"England: {england}.")
    if region_code:
        region = year_list(region_code)
        name = shares.loc[shares["area_code"] == region_code, "area_name"]
        if region and len(name):
            parts.append(f"{name.iloc[0]}: {region}.")
    councils = shares[(shares["area_type"] == "council") & shares["share"].notna()]
    if not councils.empty:
        latest = councils["period"].max()
        year = councils[councils["period"] == latest].sort_values("share")
        parts.append(f"In {latest} the councils ranged from {year.iloc[0]['share']:.1f}% ({year.iloc[0]['area_name']}) "
                     f"to {year.iloc[-1]['share']:.1f}% ({year.iloc[-1]['area_name']}).")
    if highlight:
        mine = year_list(highlight)
        name = shares.loc[shares["area_code"] == highlight, "area_name"]
        if mine and len(name):
            parts.append(f"Your council, {name.iloc[0]}: {mine}.")
    return " ".join(parts)


def reasons_chart(rows: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """England's uptake by primary support reason: one row per reason (sorted by direct
    payments, highest at the top), a marker per measure; the mental-health row is named with a
    diamond and banded, so it stands out without colour. rows: measure_id, client_group, value."""
    rows = rows[rows["client_group"] != "all"]
    dp = rows[rows["measure_id"] == "dp_users"].set_index("client_group")["value"]
    groups = sorted(set(rows["client_group"]), key=lambda g: (dp.get(g, -1), g))
    def name(group: str) -> str:
        text = labels.get(group, group)
        text = text[0].upper() + text[1:]
        text = f"\u25c6 {text}" if group == "mental_health" else text
        # Two short lines leave a phone's plot room; Plotly never wraps tick labels.
        return "<br>".join(textwrap.wrap(text, 16))
    names = [name(g) for g in groups]
    traces = []
    for measure_id, (colour, symbol, label) in MEASURE_STYLES.items():
        chosen = rows[rows["measure_id"] == measure_id].set_index("client_group")["value"]
        xs = [None if is_missing(chosen.get(g)) else round(float(chosen.get(g)), 2) for g in groups]
        traces.append({"type": "scatter", "x": xs, "y": names, "mode": "markers", "name": label,
                       "marker": {"color": colour, "symbol": symbol, "size": 12, "line": {"color": "#ffffff", "width": 1}},
                       "text": [format_value(x) for x in xs],
                       "hovertemplate": "%{y}, " + label.lower() + ": %{text}<extra></extra>"})
    shapes = []
    if "mental_health" in groups:
        position = groups.index("mental_health")
        colour, _ = group_style("mental_health")
        shapes.append({"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": position - 0.5,
                       "y1": position + 0.5, "fillcolor": colour, "opacity": 0.15, "layer": "below", "line": {"width": 0}})
    layout = {
        "xaxis": {"title": {"text": "Percentage"}, "ticksuffix": "%", "range": [0, 100], "gridcolor": "#d9d9d9"},
        "yaxis": {"automargin": True, "categoryorder": "array", "categoryarray": names,
                  "range": [-0.5, len(names) - 0.5]},
        "legend": {"orientation": "h", "xref": "container", "x": 0, "yref": "container", "y": 1, "yanchor": "top",
                   "font": {"size": 13}},
        "shapes": shapes, "margin": {"l": 10, "r": 20, "t": 40, "b": 50},
        "height": max(320, 50 * len(names) + 130), "plot_bgcolor": "white", "font": FONT}
    return go.Figure(data=traces, layout=layout, _validate=False)


def describe_reasons(rows: pd.DataFrame, labels: dict[str, str], *, what: str) -> str:
    """Text alternative: each reason's direct payments and self-directed support, highest
    direct payments first, and where mental health stands."""
    rows = rows[rows["client_group"] != "all"]
    table = rows.pivot_table(index="client_group", columns="measure_id", values="value", aggfunc="first")
    if table.empty:
        return f"No figures for {what}."
    table = table.sort_values("dp_users", ascending=False) if "dp_users" in table else table
    parts = [f"Dot chart of {what}."]
    for group, row in table.iterrows():
        values = [f"{MEASURE_STYLES[m][2].lower()} {row[m]:.1f}%" for m in MEASURE_STYLES if m in row and not is_missing(row[m])]
        parts.append(f"{labels.get(group, group).capitalize()}: {', '.join(values)}.")
    if "dp_users" in table and "mental_health" in table.index:
        rank = list(table.index).index("mental_health") + 1
        parts.append(f"Mental health support ranks {rank} of {len(table)} reasons for direct payments.")
    return " ".join(parts)
