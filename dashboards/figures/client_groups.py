"""Client groups: a dot chart of each council's value per client group against England's, and
a scatter of uptake against investment in mental health services. Pure: DataFrames in.
"""
from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from . import FONT, axis_suffix, format_value

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
    """
    values = values.dropna(subset=["value"])
    figure = go.Figure()
    spans = values.groupby("area_name")["value"].agg(["min", "max"])
    spans = spans[spans["max"] > spans["min"]].reindex([a for a in order if a in spans.index]).dropna()
    if len(spans):
        xs, ys = [], []
        for name, row in spans.iterrows():
            xs += [row["min"], row["max"], None]
            ys += [name, name, None]
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": CONNECTOR, "width": 2},
                                    hoverinfo="skip", showlegend=False, name="range across client groups"))
    columns = list(dict.fromkeys(values["column"]))
    labels = dict(zip(values["column"], values["label"]))
    groups = dict(zip(values["column"], values["client_group"]))
    for column in columns:
        part = values[values["column"] == column]
        colour, symbol = group_style(groups[column])
        figure.add_trace(go.Scatter(
            x=part["value"], y=part["area_name"], mode="markers", name=labels[column],
            marker={"color": colour, "symbol": symbol, "size": 11, "line": {"color": "#ffffff", "width": 1}},
            hovertemplate="%{y}, " + labels[column] + ": %{x:,.1f}" + axis_suffix(unit) + "<extra></extra>"))
    if unit == "percent":
        shown = england[england["column"].isin(columns)].dropna(subset=["value"])
        for position, row in enumerate(shown.itertuples()):
            colour, _ = group_style(row.client_group)
            figure.add_vline(x=row.value, line_dash="dash", line_color=colour, line_width=2)
            figure.add_annotation(x=row.value, y=1, yref="paper", yanchor="bottom", xanchor="left",
                                  text=f"England, {row.label.lower()}: {format_value(row.value, unit)}",
                                  yshift=4 + 20 * position, showarrow=False,
                                  font={"color": colour, "size": 13}, name=f"england-{row.column}")
        top = 40 + 20 * len(shown)
    else:
        top = 40
    rows = len([a for a in order if a in set(values["area_name"])])
    maximum = values["value"].max() if len(values) else 0
    x_range = [0, 100] if unit == "percent" else [0, float(maximum or 1) * 1.08]
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "pad": {"t": 8}},
        xaxis={"title": value_title, "range": x_range, "ticksuffix": axis_suffix(unit), "side": "bottom"},
        yaxis={"automargin": True, "categoryorder": "array",
               "categoryarray": [a for a in reversed(order) if a in set(values["area_name"])],
               "tickfont": {"size": 12 if rows > 40 else 14}},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "title": {"text": "Client group:"}},
        margin={"l": 10, "r": 30, "t": top + 40, "b": 110},
        height=max(360, (17 if rows > 40 else 28) * rows + top + 190),
        plot_bgcolor="white", font=FONT)
    figure.update_xaxes(gridcolor="#d9d9d9")
    figure.update_yaxes(gridcolor="#eeeeee")
    return figure


def describe_dots(values: pd.DataFrame, england: pd.DataFrame, *, what: str, unit: str = "percent") -> str:
    """A text alternative to the dot chart: what it shows, England's values, each group's
    highest and lowest council, and how often the first client group is below 'all'."""
    values = values.dropna(subset=["value"])
    councils = values["area_name"].nunique()
    if councils == 0:
        return f"No council has a value for {what}."
    columns = list(dict.fromkeys(values["column"]))
    labels = dict(zip(values["column"], values["label"]))
    text = (f"Dot chart of {what} for {councils} council{'s' if councils != 1 else ''}: one marker per "
            f"client group ({', '.join(labels[c].lower() for c in columns)}).")
    if unit == "percent":
        shown = england[england["column"].isin(columns)].dropna(subset=["value"])
        if len(shown):
            text += " England's value for each is a dashed line: " + "; ".join(
                f"{row.label.lower()} {format_value(row.value, unit)}" for row in shown.itertuples()) + "."
    for column in columns:
        part = values[values["column"] == column].sort_values(["value", "area_name"], ascending=[False, True])
        if len(part) > 1:
            text += (f" {labels[column]}: highest {part.iloc[0].area_name} ({format_value(part.iloc[0].value, unit)}),"
                     f" lowest {part.iloc[-1].area_name} ({format_value(part.iloc[-1].value, unit)}).")
        else:
            text += f" {labels[column]}: {part.iloc[0].area_name} ({format_value(part.iloc[0].value, unit)})."
    if unit == "percent" and len(columns) > 1:
        wide = values.pivot_table(index="area_name", columns="column", values="value", aggfunc="first")
        first, others = columns[0], columns[1:]
        for column in others:
            both = wide[[first, column]].dropna()
            if len(both):
                below = int((both[column] < both[first]).sum())
                text += (f" {labels[column]} is below {labels[first].lower()} in {below} of "
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
                       base: str | None) -> go.Figure:
    """Uptake (y, %) against investment in mental health services per head (x, GBP), one
    labelled point per area; marker shape by area type. The x axis title names the
    population base the 'per head' divides by.

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
        title={"text": f"Uptake against investment in adult mental health services, {period}", "x": 0},
        xaxis={"title": f"Investment in adult mental health services, \u00a3 {base_text}", "tickprefix": "\u00a3"},
        yaxis={"title": uptake_label, "ticksuffix": "%", "rangemode": "tozero"},
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
