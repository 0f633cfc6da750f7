"""Ranked bars of councils with 95% intervals, coloured and marked by comparison with England."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import (CAVEAT_MARK, FONT, NOTE_MARK, REFERENCE_STYLES, axis_suffix, format_value, is_missing,
               records, significance_style)
from ..labels import flag_codes, flag_words


def bar_label(record: dict, symbol: str, unit: str) -> str:
    """'40.0% \u25b2', plus the caveat mark for a flagged value (once: a value not compared
    because of its flag already has it as its symbol) and the dagger for a note."""
    text = f"{format_value(record['value'], unit)} {symbol}"
    if flag_codes(record.get("quality_flag")) and symbol != CAVEAT_MARK:
        text += f" {CAVEAT_MARK}"
    if isinstance(record.get("note"), str) and record["note"]:
        text += f" {NOTE_MARK}"
    return text


def _flag_hover(quality_flag: object, flag_labels: dict[str, str] | None) -> str:
    words = flag_words(quality_flag, flag_labels)
    return f"<br>{CAVEAT_MARK} {words[0].upper() + words[1:]}" if words else ""


def ranked_bars(councils: pd.DataFrame, references: pd.DataFrame, *, value_title: str, title: str,
                polarity: str = "higher_is_better", unit: str = "percent",
                flag_labels: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars, highest at the top, one trace per comparison category (the legend
    names it), error bars from lower_95/upper_95 where present, a labelled line per reference.
    A value with a quality flag carries the caveat mark on its label and its flag's label
    (`flag_labels`: code -> label, from the quality_flags table) in its hover; one the flag
    forbids comparing is in the 'not compared: see the caveat' category, never better or worse.

    Traces and layout are built as plain dicts and wrapped once without per-property
    validation: it runs inside a callback, where validating ~150 points costs ~20 ms. The
    unit tests validate the same figure in full.
    """
    ranked = councils.dropna(subset=["value"]).sort_values(["value", "area_name"], ascending=[True, False])
    rows = records(ranked, ["area_name", "value", "lower_95", "upper_95", "compared_with_england", "note",
                            "quality_flag"])
    groups: dict[tuple, list[dict]] = {}
    for record in rows:
        groups.setdefault(significance_style(record["compared_with_england"], polarity), []).append(record)
    traces: list[dict] = []
    for (words, colour, symbol), part in groups.items():
        names = [r["area_name"] for r in part]
        values = [r["value"] for r in part]
        lower = [None if is_missing(r["lower_95"]) else r["lower_95"] for r in part]
        upper = [None if is_missing(r["upper_95"]) else r["upper_95"] for r in part]
        labels = [bar_label(r, symbol, unit) for r in part]
        # Labels sit just past the interval's upper end, where no whisker can cross them.
        traces.append({"type": "scatter", "x": [u if u is not None else v for u, v in zip(upper, values)],
                       "y": names, "mode": "text", "text": labels,
                       "textposition": "middle right", "cliponaxis": False, "showlegend": False,
                       "hoverinfo": "skip", "name": f"labels: {words}", "meta": "narrow-hide",
                       "textfont": {"color": "#1a1a1a", "size": 13}})
        traces.append({
            "type": "bar", "x": values, "y": names, "orientation": "h",
            "marker": {"color": colour}, "name": f"{symbol} {words}",
            "error_x": {"type": "data", "symmetric": False, "color": "#1a1a1a", "thickness": 1.2,
                        "array": [None if u is None else u - v for u, v in zip(upper, values)],
                        "arrayminus": [None if l is None else v - l for l, v in zip(lower, values)]},
            "customdata": [[l, u, _flag_hover(r["quality_flag"], flag_labels)]
                           for l, u, r in zip(lower, upper, part)],
            "hovertemplate": "%{y}: %{x:.1f} (95% interval %{customdata[0]:.1f} to %{customdata[1]:.1f})"
                             "%{customdata[2]}<extra></extra>"})
    shapes, annotations = [], []
    for position, (style, row) in enumerate(zip(REFERENCE_STYLES,
                                                 references.dropna(subset=["value"]).itertuples())):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": row.value, "x1": row.value,
                       "y0": 0, "y1": 1, "line": {"dash": style["dash"], "color": style["color"], "width": 2}})
        annotations.append({"x": row.value, "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                            "text": f"{row.area_name} {format_value(row.value, unit)}", "yshift": 4 + 20 * position,
                            "showarrow": False, "font": {"color": style["color"], "size": 13},
                            "name": f"reference-{position}"})
    upper = max([0.0, *[r["upper_95"] for r in rows if not is_missing(r["upper_95"])],
                 *[r["value"] for r in rows], *references["value"].dropna().tolist()])
    limit = 100.0 if unit == "percent" else float(upper or 1)
    per_bar = 28 if len(ranked) <= 40 else 17
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        # Room on the right for the labels past the longest bar or interval.
        "xaxis": {"title": {"text": value_title}, "range": [0, max(limit, upper) * 1.18],
                  "ticksuffix": axis_suffix(unit), "gridcolor": "#d9d9d9"},
        "yaxis": {"automargin": True, "categoryorder": "array", "categoryarray": [r["area_name"] for r in rows],
                  "tickfont": {"size": 12 if len(ranked) > 40 else 14}},
        "barmode": "overlay", "bargap": 0.25, "shapes": shapes, "annotations": annotations,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xref": "container", "x": 0,
                   # Title above the items: beside them it pushes the categories off a phone's screen.
                   "title": {"text": "Compared with England (95%):", "side": "top"}},
        "margin": {"l": 10, "r": 60, "t": 90, "b": 130}, "height": max(380, per_bar * len(ranked) + 220),
        "plot_bgcolor": "white", "font": FONT}
    return go.Figure(data=traces, layout=layout, _validate=False)


def describe_ranking(councils: pd.DataFrame, references: pd.DataFrame, *, what: str,
                     unit: str = "percent") -> str:
    """A text alternative to the ranked bar chart."""
    ranked = councils.dropna(subset=["value"]).sort_values("value", ascending=False)
    if ranked.empty:
        return f"No council has a value for {what}."
    names, values = ranked["area_name"].tolist(), ranked["value"].to_numpy()
    text = (f"Bar chart of {what} for {len(ranked)} councils. Highest: {names[0]} "
            f"({format_value(values[0], unit)}); lowest: {names[-1]} ({format_value(values[-1], unit)}).")
    for name, value in zip(references["area_name"], references["value"]):
        if pd.notna(value):
            above = int((values > value).sum())
            text += f" {name}: {format_value(value, unit)}, with {above} of {len(ranked)} councils above it."
    if "compared_with_england" in ranked:
        counts = ranked["compared_with_england"].value_counts()
        if counts.sum():
            text += (f" Compared with England: {counts.get('higher', 0)} significantly higher, "
                     f"{counts.get('lower', 0)} significantly lower, {counts.get('similar', 0)} similar")
            held_back = counts.get("not_compared", 0)
            text += f", {held_back} not compared because of a quality flag." if held_back else "."
    if "quality_flag" in ranked:
        flagged = sum(bool(flag_codes(flag)) for flag in ranked["quality_flag"])
        if flagged:
            text += (f" {flagged} of {len(ranked)} values carry a quality flag (marked {CAVEAT_MARK}): "
                     "see the caveats with the chart.")
    return text
