"""Client groups: a dot chart of each council's value per client group against England's, and
a scatter of uptake against investment in mental health services. Pure: DataFrames in.
"""
from __future__ import annotations

import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import (FONT, HIGHLIGHT_COLOUR, axis_suffix, format_value, highlight_label, is_missing,
               plotly_default_template)

# One colour and marker per client group, fixed so a group looks the same in every view.
# Colours are at least 3:1 against white (WCAG 1.4.11); the marker shape and the legend carry
# the group too, so colour is never the only signal.
GROUP_STYLES = {
    "all": ("#1a1a1a", "circle"),
    "physical": ("#0072B2", "square"),
    "sensory": ("#6b2c00", "triangle-up"),
    "memory_cognition": ("#8b1a89", "cross"),
    "learning_disability": ("#007a5e", "triangle-down"),
    "mental_health": ("#D55E00", "diamond"),
    "social_support": ("#a0006e", "star"),
    "substance_misuse": ("#5a5a5a", "x"),
    "other_vulnerable": ("#1d4f91", "hexagon"),
}
CONNECTOR = "#9a9a9a"           # decorative: the dots and their legend carry the values
LEGEND_WIDTH = 30               # characters a legend line holds on a 390 px phone
NAME_WIDTH = 16                 # characters of a council's name per line on the y axis (when rows are tall)
CROWDED = 40                    # more rows than this are drawn 17 px apart, one line each
AREA_TYPE_MARKERS = {"council": "circle", "region": "square", "country": "diamond"}


# Tick labels read as the table's values do: 20%, £2,000k, £5m.
MONEY_AFFIXES = {"gbp_thousands": ("£", "k"), "gbp_millions": ("£", "m"), "gbp_per_head": ("£", "")}


# The x axis says the unit only: the chart's title (page text, or the image's own) names the
# measure, and a long axis title would run off a phone's screen. "Percentage", not "of people":
# a spending share is a percentage of money.
AXIS_TITLES = {"percent": "Percentage", "count": "Number of people", "rate_per_100000": "Per 100,000 people",
               "gbp_thousands": "Thousands of pounds", "gbp_millions": "Millions of pounds",
               "gbp_per_head": "Pounds per head"}


def axis_affixes(unit: str) -> dict:
    prefix, suffix = MONEY_AFFIXES.get(unit, ("", axis_suffix(unit)))
    return {"tickprefix": prefix, "ticksuffix": suffix}


def group_style(client_group: str) -> tuple[str, str]:
    return GROUP_STYLES.get(client_group, ("#1a1a1a", "circle-open"))


def _legend_name(text: str) -> str:
    """A legend entry in lines a phone can show: Plotly never wraps legend text."""
    return "<br>".join(textwrap.wrap(text, LEGEND_WIDTH))


def _axis_name(name: str, highlight: str | None, crowded: bool) -> str:
    """A council's name on the y axis; the reader's council marked. Long names wrap onto two
    lines where rows are tall enough, so on a phone the names leave the plot room."""
    label = highlight_label(name) if name == highlight else name
    return label if crowded else "<br>".join(textwrap.wrap(label, NAME_WIDTH, break_on_hyphens=False))


def _rows_drawn(records: list[dict], order: list[str]) -> list[str]:
    present = {r["area_name"] for r in records}
    return [a for a in order if a in present]


def _connectors(records: list[dict], rows: list[str], shown: dict[str, str]) -> list[dict]:
    """A grey line from each council's lowest to its highest client group."""
    by_area: dict[str, list[float]] = {}
    for r in records:
        by_area.setdefault(r["area_name"], []).append(r["value"])
    xs, ys = [], []
    for name in rows:
        low, high = min(by_area[name]), max(by_area[name])
        if high > low:
            xs += [low, high, None]
            ys += [shown[name], shown[name], None]
    if not xs:
        return []
    return [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": CONNECTOR, "width": 2},
             "hoverinfo": "skip", "showlegend": False, "name": "range across client groups"}]


def _group_markers(records: list[dict], shown: dict[str, str], unit: str) -> tuple[list[dict], set[str]]:
    """One marker trace per client-group column; and the columns drawn."""
    columns: dict[str, dict] = {}
    for r in records:
        columns.setdefault(r["column"], {"label": r["label"], "client_group": r["client_group"], "x": [], "y": []})
        columns[r["column"]]["x"].append(r["value"])
        columns[r["column"]]["y"].append(shown[r["area_name"]])
    traces = []
    for column in columns.values():
        colour, symbol = group_style(column["client_group"])
        traces.append({"type": "scatter", "x": column["x"], "y": column["y"], "mode": "markers",
                       "name": _legend_name(column["label"]),
                       "marker": {"color": colour, "symbol": symbol, "size": 11,
                                  "line": {"color": "#ffffff", "width": 1}},
                       "text": [format_value(x, unit) for x in column["x"]],
                       "hovertemplate": "%{y}, " + column["label"] + ": %{text}<extra></extra>"})
    return traces, set(columns)


def _england_lines(england: pd.DataFrame, drawn: set[str], unit: str) -> list[dict]:
    """England's value for each drawn column as a dashed vertical line in the group's colour,
    named in the legend ("England, mental health (18-64): 14.6%"): a label over the plot would
    run off a phone's screen. Drawn on a second y axis spanning the plot's height (0 to 1)."""
    lines = []
    for row in _records(england, ["column", "label", "client_group", "value"]):
        if row["column"] not in drawn or is_missing(row["value"]):
            continue
        colour, _ = group_style(row["client_group"])
        name = f"England, {row['label'].lower()}: {format_value(row['value'], unit)}"
        lines.append({"type": "scatter", "x": [row["value"], row["value"]], "y": [0, 1], "yaxis": "y2",
                      "mode": "lines", "name": _legend_name(name), "meta": f"england-{row['column']}",
                      "line": {"dash": "dash", "color": colour, "width": 2},
                      "hovertemplate": name + "<extra></extra>"})
    return lines


def _highlight_band(rows: list[str], highlight: str | None) -> list[dict]:
    """A band in the highlight colour behind the reader's council's row (its label names it too)."""
    if highlight not in rows:
        return []
    position = rows[::-1].index(highlight)          # the category axis counts from the bottom
    return [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": position - 0.5,
             "y1": position + 0.5, "fillcolor": HIGHLIGHT_COLOUR, "opacity": 0.35, "layer": "below",
             "line": {"width": 0}, "name": "your-council"}]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The frame's rows as dicts, as to_dict("records") makes them, from its column lists."""
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in columns))]


def dot_chart(values: pd.DataFrame, england: pd.DataFrame, *, order: list[str], unit: str = "percent",
              highlight: str | None = None, value_title: str | None = None) -> go.Figure:
    """dot_chart_spec as a go.Figure, wrapped without per-property validation."""
    traces, layout = _dot_chart_parts(values, england, order=order, unit=unit, highlight=highlight,
                                      value_title=value_title)
    return go.Figure(data=traces, layout=layout, _validate=False)


def dot_chart_spec(values: pd.DataFrame, england: pd.DataFrame, *, order: list[str], unit: str = "percent",
                   highlight: str | None = None, value_title: str | None = None) -> dict:
    """The dot chart as the plain {"data", "layout"} that dot_chart(...).to_plotly_json() gives
    (Plotly's default template included), without making the go.Figure: a callback returns it
    as it is. The unit tests check the two are the same and validate the figure in full."""
    traces, layout = _dot_chart_parts(values, england, order=order, unit=unit, highlight=highlight,
                                      value_title=value_title)
    return {"data": traces, "layout": {**layout, "template": plotly_default_template()}}


def _dot_chart_parts(values: pd.DataFrame, england: pd.DataFrame, *, order: list[str], unit: str = "percent",
                     highlight: str | None = None, value_title: str | None = None) -> tuple[list[dict], dict]:
    """One row per council (top to bottom in `order`), one marker per client group, a grey
    line joining a council's lowest and highest group, and England's value for each group
    as a dashed vertical line in the group's colour, named in the legend (percentages only:
    counts have no comparable England line). `highlight` (an area name) is the reader's
    council: its row is named "\u25c6 <name> (your council)" and banded in HIGHLIGHT_COLOUR.

    No title: the page and the embed print it as text above the chart (it wraps on a phone),
    and images add their own. The legend sits above the plot, where a phone shows it first.

    values: area_name, column, label, client_group, value (councils only).
    england: column, label, client_group, value (England's value per column).

    Traces and layout are plain dicts (it runs inside a callback); the unit tests validate the
    same figure in full.
    """
    records = [r for r in _records(values, ["area_name", "column", "label", "client_group", "value"])
               if not is_missing(r["value"])]
    rows = _rows_drawn(records, order)
    crowded = len(rows) > CROWDED
    shown = {name: _axis_name(name, highlight, crowded) for name in rows}
    markers, drawn = _group_markers(records, shown, unit)
    lines = _england_lines(england, drawn, unit) if unit == "percent" else []
    traces = _connectors(records, rows, shown) + markers + lines
    maximum = max((r["value"] for r in records), default=0)
    x_range = [0, 100] if unit == "percent" else [0, float(maximum or 1) * 1.08]
    layout = {
        # The axis title in lines a phone can show; at most six ticks, so "\u00a32,000k" labels do not collide.
        "xaxis": {"title": {"text": "<br>".join(textwrap.wrap(value_title or AXIS_TITLES.get(unit, ""), 24))},
                  "range": x_range,
                  **axis_affixes(unit), "tickformat": ",", "nticks": 6, "side": "bottom", "gridcolor": "#d9d9d9"},
        # The range fixed to the rows: Plotly's own pads a long category axis by several empty rows.
        "yaxis": {"automargin": True, "categoryorder": "array", "categoryarray": [shown[r] for r in rows[::-1]],
                  "range": [-0.5, len(rows) - 0.5],
                  "tickfont": {"size": 12 if crowded else 13}, "gridcolor": "#eeeeee"},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        "shapes": _highlight_band(rows, highlight),
        # Above the plot, against the figure's top edge: Plotly makes room for it at any width.
        "legend": {"orientation": "h", "xref": "container", "x": 0, "yref": "container", "y": 1, "yanchor": "top",
                   "font": {"size": 13}},
        "margin": {"l": 10, "r": 20, "t": 10, "b": 60},
        "height": max(360, (17 if crowded else 34) * len(rows) + 150 + 24 * len(traces)),
        "plot_bgcolor": "white", "font": FONT}
    return traces, layout


def describe_dots(values: pd.DataFrame, england: pd.DataFrame, *, what: str, unit: str = "percent") -> str:
    """A text alternative to the dot chart: what it shows, England's values, each group's
    highest and lowest council, and how often each group is below the first (all groups)."""
    records = [r for r in _records(values, ["area_name", "column", "label", "value"])
               if not is_missing(r["value"])]
    councils = len({r["area_name"] for r in records})
    if councils == 0:
        return f"No council has a value for {what}."
    by_column: dict[str, dict[str, float]] = {}
    labels: dict[str, str] = {}
    for r in records:
        by_column.setdefault(r["column"], {})[r["area_name"]] = r["value"]
        labels[r["column"]] = r["label"]
    columns = list(by_column)
    text = (f"Dot chart of {what} for {councils} council{'s' if councils != 1 else ''}: one marker per "
            f"client group ({', '.join(labels[c].lower() for c in columns)}).")
    if unit == "percent":
        shown = [r for r in _records(england, ["column", "label", "value"])
                 if r["column"] in by_column and not is_missing(r["value"])]
        if shown:
            text += " England's value for each is a dashed line: " + "; ".join(
                f"{r['label'].lower()} {format_value(r['value'], unit)}" for r in shown) + "."
    for column in columns:
        ranked = sorted(by_column[column].items(), key=lambda item: (-item[1], item[0]))
        first, last = ranked[0], ranked[-1]
        if len(ranked) > 1:
            text += (f" {labels[column]}: highest {first[0]} ({format_value(first[1], unit)}),"
                     f" lowest {last[0]} ({format_value(last[1], unit)}).")
        else:
            text += f" {labels[column]}: {first[0]} ({format_value(first[1], unit)})."
    if unit == "percent" and len(columns) > 1:
        base = by_column[columns[0]]
        for column in columns[1:]:
            both = [(base[a], v) for a, v in by_column[column].items() if a in base]
            if both:
                below = sum(v < total for total, v in both)
                text += (f" {labels[column]} is below {labels[columns[0]].lower()} in {below} of "
                         f"{len(both)} councils.")
    return text


def population_base(notes: list[object]) -> str | None:
    """The population an investment 'per head' divides by, as the notes name it:
    'Per head of the population aged 18-64.' -> 'the population aged 18-64'. None if no note."""
    texts = [n for n in dict.fromkeys(notes) if isinstance(n, str) and n.strip()]
    if not texts:
        return None
    bases = []
    for text in texts:
        match = re.search(r"per (?:head|capita) of ([^.;]+)", text, flags=re.IGNORECASE)
        bases.append(match.group(1).strip() if match else text.strip().rstrip("."))
    bases = list(dict.fromkeys(bases))
    return bases[0] if len(bases) == 1 else "; ".join(bases)


def investment_scatter(points: pd.DataFrame, *, uptake_label: str, base: str | None,
                       value_title: str = "Receiving self-directed support (%)") -> go.Figure:
    """Uptake (y, %) against investment in mental health services per head (x, GBP), one
    labelled point per area; marker shape by area type. The x axis title names the
    population base the 'per head' divides by. No title: the page prints it above the chart
    (where it wraps on a phone); the legend sits above the plot.

    points: area_name, area_type, investment, uptake.
    """
    figure = go.Figure()
    for area_type, label in (("council", "Council"), ("region", "Region"), ("country", "England")):
        part = points[points["area_type"] == area_type]
        if part.empty:
            continue
        figure.add_trace(go.Scatter(
            x=part["investment"], y=part["uptake"], mode="markers+text", text=part["area_name"],
            textposition="top center", name=label, cliponaxis=False,
            marker={"symbol": AREA_TYPE_MARKERS[area_type], "size": 11,
                    "color": "#1d4f91" if area_type == "council" else "#B35200" if area_type == "region" else "#1a1a1a"},
            hovertemplate="%{text}: \u00a3%{x:,.2f} per head, %{y:.1f}%<extra></extra>"))
    base_text = f"per head of {base}" if base else "per head (population base not stated)"
    figure.update_layout(
        xaxis={"title": "<br>".join(textwrap.wrap(f"Investment in adult mental health services, \u00a3 {base_text}",
                                                  40)), "tickprefix": "\u00a3"},
        yaxis={"title": value_title, "ticksuffix": "%", "rangemode": "tozero"},
        legend={"orientation": "h", "yref": "container", "y": 1, "yanchor": "top", "x": 0},
        margin={"l": 10, "r": 30, "t": 10, "b": 60}, height=460, plot_bgcolor="white", font=FONT)
    figure.update_xaxes(gridcolor="#d9d9d9")
    figure.update_yaxes(gridcolor="#d9d9d9", automargin=True)
    return figure


def describe_investment(points: pd.DataFrame, *, period: str, uptake_label: str, base: str | None) -> str:
    """A text alternative to the investment scatter, with the correlation where 3+ areas."""
    if points.empty:
        return f"No area has both an investment figure and an uptake figure for {period}."
    by_investment = points.sort_values("investment")
    by_uptake = points.sort_values("uptake")
    text = (f"Scatter of {uptake_label.lower()} against investment in adult mental health services "
            f"per head{' of ' + base if base else ''}, {period}, for {len(points)} area"
            f"{'s' if len(points) != 1 else ''}. Investment ranges from "
            f"{format_value(by_investment.iloc[0].investment, 'gbp_per_head')} ({by_investment.iloc[0].area_name}) to "
            f"{format_value(by_investment.iloc[-1].investment, 'gbp_per_head')} ({by_investment.iloc[-1].area_name}); "
            f"uptake from {format_value(by_uptake.iloc[0].uptake)} ({by_uptake.iloc[0].area_name}) to "
            f"{format_value(by_uptake.iloc[-1].uptake)} ({by_uptake.iloc[-1].area_name}).")
    if len(points) >= 3 and points["investment"].std() > 0 and points["uptake"].std() > 0:
        r = points["investment"].corr(points["uptake"])
        text += f" Correlation (Pearson r): {r:.2f}, a description of these areas, not evidence of cause."
    return text
