"""Pure builders: DataFrame in, Plotly figure or text out. No database, no Dash."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

BAR_COLOUR = "#1d4f91"        # dark blue: 8.6:1 against white, distinct in greyscale
REFERENCE_STYLES = [          # line style and weight carry the meaning, not colour alone
    {"dash": "dash", "color": "#1a1a1a"},
    {"dash": "dot", "color": "#6b2c00"},
]
NOTE_MARK = "\u2020"          # dagger: this value has a data-quality note in the table


def format_percent(value: float | None) -> str:
    return "no data" if value is None or pd.isna(value) else f"{value:.1f}%"


def ranked_bars(councils: pd.DataFrame, references: pd.DataFrame, *, value_title: str,
                title: str) -> go.Figure:
    """Horizontal bars, highest at the top, with a labelled vertical line per reference row.

    councils: area_name, value, note; references: area_name, value (e.g. region, England).
    """
    ranked = councils.dropna(subset=["value"]).sort_values(["value", "area_name"],
                                                           ascending=[True, False])
    labels = [format_percent(v) + (f" {NOTE_MARK}" if isinstance(n, str) and n else "")
              for v, n in zip(ranked["value"], ranked["note"])]
    figure = go.Figure(go.Bar(
        x=ranked["value"], y=ranked["area_name"], orientation="h", marker_color=BAR_COLOUR,
        text=labels, textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>", name="Councils"))
    for position, (style, row) in enumerate(zip(REFERENCE_STYLES,
                                                 references.dropna(subset=["value"]).itertuples())):
        figure.add_vline(x=row.value, line_dash=style["dash"], line_color=style["color"],
                         line_width=2)
        figure.add_annotation(x=row.value, y=1, yref="paper", yanchor="bottom",
                              text=f"{row.area_name} {format_percent(row.value)}",
                              yshift=4 + 20 * position, showarrow=False, xanchor="left",
                              font={"color": style["color"], "size": 13},
                              name=f"reference-{position}")
    upper = max([100.0, *ranked["value"].tolist()])
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis={"title": value_title, "range": [0, upper * 1.08], "ticksuffix": "%"},
        yaxis={"automargin": True},
        margin={"l": 10, "r": 30, "t": 90, "b": 50},
        height=max(320, 34 * len(ranked) + 160),
        plot_bgcolor="white", showlegend=False,
        font={"family": "Arial, Helvetica, sans-serif", "size": 14, "color": "#1a1a1a"},
    )
    figure.update_xaxes(gridcolor="#d9d9d9")
    return figure


def describe_ranking(councils: pd.DataFrame, references: pd.DataFrame, *, what: str) -> str:
    """A text alternative to the ranked bar chart."""
    ranked = councils.dropna(subset=["value"]).sort_values("value", ascending=False)
    if ranked.empty:
        return f"No council has a value for {what}."
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    text = (f"Bar chart of {what} for {len(ranked)} councils. Highest: {top.area_name} "
            f"({format_percent(top.value)}); lowest: {bottom.area_name} "
            f"({format_percent(bottom.value)}).")
    for row in references.dropna(subset=["value"]).itertuples():
        above = int((ranked["value"] > row.value).sum())
        text += (f" {row.area_name}: {format_percent(row.value)}, with {above} of "
                 f"{len(ranked)} councils above it.")
    return text
