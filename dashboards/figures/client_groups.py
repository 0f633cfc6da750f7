"""Client groups: a dot chart of each council's value per client group against England's, and
a scatter of uptake against investment in mental health services. Pure: DataFrames in.
"""
from __future__ import annotations

import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import FONT, axis_suffix, format_value, is_missing

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
AREA_TYPE_MARKERS = {"council": "circle", "region": "square", "country": "diamond"}


# Tick labels read as the table's values do: 20%, £2,000k, £5m.
MONEY_AFFIXES = {"gbp_thousands": ("£", "k"), "gbp_millions": ("£", "m"), "gbp_per_head": ("£", "")}


def axis_affixes(unit: str) -> dict:
    prefix, suffix = MONEY_AFFIXES.get(unit, ("", axis_suffix(unit)))
    return {"tickprefix": prefix, "ticksuffix": suffix}


def group_style(client_group: str) -> tuple[str, str]:
    return GROUP_STYLES.get(client_group, ("#1a1a1a", "circle-open"))


def dot_chart(values: pd.DataFrame, england: pd.DataFrame, *, order: list[str], title: str,
              value_title: str, unit: str = "percent") -> go.Figure:
    """One row per council (top to bottom in `order`), one marker per client group, a grey
    line joining a council's lowest and highest group, and England's value for each group
    as a dashed vertical line in the group's colour (percentages only: counts have no
    comparable England line).

    values: area_name, column, label, client_group, value (councils only).
    england: column, label, client_group, value (England's value per column).

    Traces and layout are plain dicts wrapped once without per-property validation (it runs
    inside a callback); the unit tests validate the same figure in full.
    """
    records = [r for r in values[["area_name", "column", "label", "client_group", "value"]].to_dict("records")
               if not is_missing(r["value"])]
    present = {r["area_name"] for r in records}
    shown_order = [a for a in order if a in present]
    by_area: dict[str, list[float]] = {}
    for r in records:
        by_area.setdefault(r["area_name"], []).append(r["value"])
    xs, ys = [], []
    for name in shown_order:
        low, high = min(by_area[name]), max(by_area[name])
        if high > low:
            xs += [low, high, None]
            ys += [name, name, None]
    traces: list[dict] = []
    if xs:
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines",
                       "line": {"color": CONNECTOR, "width": 2}, "hoverinfo": "skip", "showlegend": False,
                       "name": "range across client groups"})
    columns: dict[str, dict] = {}
    for r in records:
        columns.setdefault(r["column"], {"label": r["label"], "client_group": r["client_group"], "x": [], "y": []})
        columns[r["column"]]["x"].append(r["value"])
        columns[r["column"]]["y"].append(r["area_name"])
    for column in columns.values():
        colour, symbol = group_style(column["client_group"])
        traces.append({"type": "scatter", "x": column["x"], "y": column["y"], "mode": "markers",
                       "name": column["label"],
                       "marker": {"color": colour, "symbol": symbol, "size": 11,
                                  "line": {"color": "#ffffff", "width": 1}},
                       "text": [format_value(x, unit) for x in column["x"]],
                       "hovertemplate": "%{y}, " + column["label"] + ": %{text}<extra></extra>"})
    shapes, annotations = [], []
    if unit == "percent":
        shown = [r for r in england[["column", "label", "client_group", "value"]].to_dict("records")
                 if r["column"] in columns and not is_missing(r["value"])]
        for position, row in enumerate(shown):
            colour, _ = group_style(row["client_group"])
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": row["value"], "x1": row["value"],
                           "y0": 0, "y1": 1, "line": {"dash": "dash", "color": colour, "width": 2}})
            annotations.append({"x": row["value"], "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                                "text": f"England, {row['label'].lower()}: {format_value(row['value'], unit)}",
                                "yshift": 4 + 20 * position, "showarrow": False,
                                "font": {"color": colour, "size": 13}, "name": f"england-{row['column']}"})
    top = 40 + 20 * len(shapes)
    rows = len(shown_order)
    maximum = max((r["value"] for r in records), default=0)
    x_range = [0, 100] if unit == "percent" else [0, float(maximum or 1) * 1.08]
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "pad": {"t": 8}},
        # The axis title in lines a phone can show; at most six ticks, so "£2,000k" labels do not collide.
        "xaxis": {"title": {"text": "<br>".join(textwrap.wrap(value_title, 40))}, "range": x_range,
                  **axis_affixes(unit), "tickformat": ",", "nticks": 6, "side": "bottom", "gridcolor": "#d9d9d9"},
        "yaxis": {"automargin": True, "categoryorder": "array", "categoryarray": shown_order[::-1],
                  "tickfont": {"size": 12 if rows > 40 else 14}, "gridcolor": "#eeeeee"},
        "shapes": shapes, "annotations": annotations,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                   "title": {"text": "Client group:"}},
        "margin": {"l": 10, "r": 30, "t": top + 40, "b": 110},
        "height": max(360, (17 if rows > 40 else 28) * rows + top + 190),
        "plot_bgcolor": "white", "font": FONT}
    return go.Figure(data=traces, layout=layout, _validate=False)


def describe_dots(values: pd.DataFrame, england: pd.DataFrame, *, what: str, unit: str = "percent") -> str:
    """A text alternative to the dot chart: what it shows, England's values, each group's
    highest and lowest council, and how often each group is below the first (all groups)."""
    records = [r for r in values[["area_name", "column", "label", "value"]].to_dict("records")
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
        shown = [r for r in england[["column", "label", "value"]].to_dict("records")
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


def investment_scatter(points: pd.DataFrame, *, period: str, uptake_label: str,
                       base: str | None, value_title: str = "Receiving self-directed support (%)") -> go.Figure:
    """Uptake (y, %) against investment in mental health services per head (x, GBP), one
    labelled point per area; marker shape by area type. The x axis title names the
    population base the 'per head' divides by; uptake_label (what the uptake counts) heads it.

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
        title={"text": f"{uptake_label} against investment in mental health services, {period}", "x": 0},
        xaxis={"title": f"Investment in adult mental health services, \u00a3 {base_text}", "tickprefix": "\u00a3"},
        yaxis={"title": value_title, "ticksuffix": "%", "rangemode": "tozero"},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 30, "t": 60, "b": 110}, height=460, plot_bgcolor="white", font=FONT)
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
