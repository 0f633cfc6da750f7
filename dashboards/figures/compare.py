"""Ranked bars of councils with 95% intervals, coloured and marked by comparison with England."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import FONT, NOTE_MARK, REFERENCE_STYLES, axis_suffix, format_value, significance_style


def ranked_bars(councils: pd.DataFrame, references: pd.DataFrame, *, value_title: str, title: str,
                polarity: str = "higher_is_better", unit: str = "percent") -> go.Figure:
    """Horizontal bars, highest at the top, one trace per comparison category (the legend
    names it), error bars from lower_95/upper_95 where present, a labelled line per reference."""
    ranked = councils.dropna(subset=["value"]).sort_values(["value", "area_name"], ascending=[True, False])
    ranked = ranked.assign(**{column: ranked.get(column) for column in
                              ("lower_95", "upper_95", "compared_with_england", "note")
                              if column not in ranked})
    styles = [significance_style(c, polarity) for c in ranked["compared_with_england"]]
    figure = go.Figure()
    for words, colour, symbol in dict.fromkeys(styles):
        chosen = [style == (words, colour, symbol) for style in styles]
        part = ranked[chosen]
        labels = [f"{format_value(v, unit)} {symbol}" + (f" {NOTE_MARK}" if isinstance(n, str) and n else "")
                  for v, n in zip(part["value"], part["note"])]
        has_interval = part["lower_95"].notna() & part["upper_95"].notna()
        has_interval = part["lower_95"].notna() & part["upper_95"].notna()
        # Labels sit just past the interval's upper end, where no whisker can cross them.
        label_x = part["upper_95"].where(has_interval, part["value"])
        figure.add_trace(go.Scatter(
            x=label_x, y=part["area_name"], mode="text", text=labels, textposition="middle right",
            cliponaxis=False, showlegend=False, hoverinfo="skip", name=f"labels: {words}",
            textfont={"color": "#1a1a1a", "size": 13}))
        figure.add_trace(go.Bar(
            x=part["value"], y=part["area_name"], orientation="h", marker_color=colour,
            name=f"{symbol} {words}",
            error_x={"type": "data", "symmetric": False, "color": "#1a1a1a", "thickness": 1.2,
                     "array": (part["upper_95"] - part["value"]).where(has_interval).tolist(),
                     "arrayminus": (part["value"] - part["lower_95"]).where(has_interval).tolist()},
            customdata=part[["lower_95", "upper_95"]].to_numpy(),
            hovertemplate="%{y}: %{x:.1f} (95% interval %{customdata[0]:.1f} to %{customdata[1]:.1f})"
                          "<extra></extra>"))
    for position, (style, row) in enumerate(zip(REFERENCE_STYLES,
                                                 references.dropna(subset=["value"]).itertuples())):
        figure.add_vline(x=row.value, line_dash=style["dash"], line_color=style["color"], line_width=2)
        figure.add_annotation(x=row.value, y=1, yref="paper", yanchor="bottom",
                              text=f"{row.area_name} {format_value(row.value, unit)}",
                              yshift=4 + 20 * position, showarrow=False, xanchor="left",
                              font={"color": style["color"], "size": 13}, name=f"reference-{position}")
    upper = max([ranked["upper_95"].max() if ranked["upper_95"].notna().any() else 0,
                 ranked["value"].max() if len(ranked) else 0, references["value"].max() if len(references) else 0])
    limit = 100.0 if unit == "percent" else float(upper or 1)
    # Room on the right for the labels past the longest bar or interval.
    per_bar = 28 if len(ranked) <= 40 else 17
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis={"title": value_title, "range": [0, max(limit, upper) * 1.18], "ticksuffix": axis_suffix(unit)},
        yaxis={"automargin": True, "categoryorder": "array", "categoryarray": list(ranked["area_name"]),
               "tickfont": {"size": 12 if len(ranked) > 40 else 14}},
        barmode="overlay", bargap=0.25,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "title": {"text": "Compared with England (95%):"}},
        margin={"l": 10, "r": 40, "t": 90, "b": 110}, height=max(380, per_bar * len(ranked) + 220),
        plot_bgcolor="white", font=FONT)
    figure.update_xaxes(gridcolor="#d9d9d9")
    return figure


def describe_ranking(councils: pd.DataFrame, references: pd.DataFrame, *, what: str,
                     unit: str = "percent") -> str:
    """A text alternative to the ranked bar chart."""
    ranked = councils.dropna(subset=["value"]).sort_values("value", ascending=False)
    if ranked.empty:
        return f"No council has a value for {what}."
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    text = (f"Bar chart of {what} for {len(ranked)} councils. Highest: {top.area_name} "
            f"({format_value(top.value, unit)}); lowest: {bottom.area_name} "
            f"({format_value(bottom.value, unit)}).")
    for row in references.dropna(subset=["value"]).itertuples():
        above = int((ranked["value"] > row.value).sum())
        text += (f" {row.area_name}: {format_value(row.value, unit)}, with {above} of "
                 f"{len(ranked)} councils above it.")
    if "compared_with_england" in ranked:
        counts = ranked["compared_with_england"].value_counts()
        if counts.sum():
            text += (f" Compared with England: {counts.get('higher', 0)} significantly higher, "
                     f"{counts.get('lower', 0)} significantly lower, {counts.get('similar', 0)} similar.")
    return text
