"""Ranked bars of councils (or regions) with 95% intervals, coloured and marked by comparison
with England; the reader's own council marked by colour and label; a text alternative."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import (CAVEAT_MARK, FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, NOTE_MARK, REFERENCE_STYLES,
               format_value, highlight_label, is_missing, records, significance_style, tie_ranks,
               comparable_ranks)
from ..labels import flag_codes, flag_words

# Counts are not compared with England: one neutral colour, no significance key.
COUNT_STYLE = ("councils' own figures", "#1d4f91", "")
# The key reads better, similar, worse, then the values not compared (by symbol).
_KEY_ORDER = {"\u25b2": 0, "\u25cf": 1, "\u25bc": 2, "\u26a0": 3, "\u25cb": 4}
_UNIT_AFFIXES = {"percent": ("", "%"), "gbp_thousands": ("\u00a3", "k"), "gbp_millions": ("\u00a3", "m"),
                 "gbp_per_head": ("\u00a3", "")}


def bar_label(record: dict, symbol: str, unit: str) -> str:
    """'40.0% \u25b2', plus the caveat mark for a flagged value (once: a value not compared
    because of its flag already has it as its symbol) and the dagger for a note."""
    text = f"{format_value(record['value'], unit)} {symbol}".rstrip()
    if flag_codes(record.get("quality_flag")) and symbol != CAVEAT_MARK:
        text += f" {CAVEAT_MARK}"
    if isinstance(record.get("note"), str) and record["note"]:
        text += f" {NOTE_MARK}"
    return text


def _flag_hover(quality_flag: object, flag_labels: dict[str, str] | None) -> str:
    words = flag_words(quality_flag, flag_labels)
    return f"<br>{CAVEAT_MARK} {words[0].upper() + words[1:]}" if words else ""


def interval_text(lower: object, upper: object, unit: str) -> str:
    """' (95% interval 20.3% to 24.2%)', or '' without an interval: as the value is printed."""
    if is_missing(lower) or is_missing(upper):
        return ""
    return f" (95% interval {format_value(lower, unit)} to {format_value(upper, unit)})"


def _decimals(unit: str) -> int:
    return 1 if unit in ("percent", "rate_per_100000") else 0


def _shown_name(record: dict, highlight: str | None) -> str:
    return highlight_label(record["area_name"]) if highlight and record.get("area_code") == highlight \
        else record["area_name"]


def _bar_trace(part: list[dict], style: tuple[str, str, str], *, unit: str, highlight: str | None,
               ranks: dict[str, str], total: int, flag_labels: dict[str, str] | None) -> dict:
    words, colour, symbol = style
    names = [_shown_name(r, highlight) for r in part]
    lower = [None if is_missing(r["lower_95"]) else r["lower_95"] for r in part]
    upper = [None if is_missing(r["upper_95"]) else r["upper_95"] for r in part]
    mine = [bool(highlight) and r.get("area_code") == highlight for r in part]
    return {
        "type": "bar", "x": [r["value"] for r in part], "y": names, "orientation": "h",
        # The reader's council: a dark outline on its bar (its fill keeps the comparison colour).
        "marker": {"color": colour, "line": {"color": [HIGHLIGHT_OUTLINE if m else colour for m in mine],
                                             "width": [3 if m else 0 for m in mine]}},
        "name": f"{symbol} {words}".strip(),
        "error_x": {"type": "data", "symmetric": False, "color": "#1a1a1a", "thickness": 1.2,
                    "array": [None if u is None else u - r["value"] for u, r in zip(upper, part)],
                    "arrayminus": [None if l is None else r["value"] - l for l, r in zip(lower, part)]},
        # Printed by format_value, as the labels and table print it: one decimal for percentages.
        "customdata": [[l, u, _flag_hover(r["quality_flag"], flag_labels),
                        format_value(r["value"], unit) + interval_text(l, u, unit),
                        f"rank {ranks[name]} of {total}" if ranks[name] else "not ranked: see the caveat"]
                       for l, u, r, name in zip(lower, upper, part, names)],
        "hovertemplate": "%{y}: %{customdata[3]}, %{customdata[4]}%{customdata[2]}<extra></extra>"}


def _label_trace(part: list[dict], style: tuple[str, str, str], *, unit: str, highlight: str | None) -> dict:
    words, _, symbol = style
    # Labels sit just past the interval's upper end, where no whisker can cross them.
    return {"type": "scatter", "x": [r["value"] if is_missing(r["upper_95"]) else r["upper_95"] for r in part],
            "y": [_shown_name(r, highlight) for r in part], "mode": "text",
            "text": [bar_label(r, symbol, unit) for r in part],
            # A no-break space keeps the label clear of the interval's end cap.
            "texttemplate": "\u00a0%{text}", "textposition": "middle right", "cliponaxis": False, "showlegend": False,
            "hoverinfo": "skip", "name": f"labels: {words}", "meta": "narrow-hide",
            "textfont": {"color": "#1a1a1a", "size": 13}}


def _reference_marks(references: pd.DataFrame, unit: str) -> tuple[list[dict], list[dict]]:
    """A vertical line per comparator (England, the region), each with its own dash style and
    a label above the plot."""
    shapes, annotations = [], []
    for position, (style, row) in enumerate(zip(REFERENCE_STYLES, references.dropna(subset=["value"]).itertuples())):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": row.value, "x1": row.value,
                       "y0": 0, "y1": 1, "line": {"dash": style["dash"], "color": style["color"], "width": 2}})
        annotations.append({"x": row.value, "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                            "text": f"{row.area_name} {format_value(row.value, unit)}", "yshift": 4 + 20 * position,
                            "showarrow": False, "font": {"color": style["color"], "size": 13},
                            "name": f"reference-{position}"})
    return shapes, annotations


def _highlight_band(order: list[str], highlight_name: str | None) -> list[dict]:
    """A band of the highlight colour behind the reader's council's row, across the plot."""
    if highlight_name not in order:
        return []
    index = order.index(highlight_name)
    return [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": index - 0.5, "y1": index + 0.5,
             "fillcolor": HIGHLIGHT_COLOUR, "opacity": 0.35, "line": {"width": 0}, "layer": "below",
             "name": "highlight"}]


def ranked_bars(councils: pd.DataFrame, references: pd.DataFrame, *, value_title: str, title: str,
                polarity: str = "higher_is_better", unit: str = "percent",
                flag_labels: dict[str, str] | None = None, highlight: str | None = None,
                compared: bool = True) -> go.Figure:
    """Horizontal bars, highest at the top, one trace per comparison category (the legend
    names it), error bars from lower_95/upper_95 where present, a labelled line per reference.
    A value with a quality flag carries the caveat mark on its label and its flag's label
    (`flag_labels`: code -> label, from the quality_flags table) in its hover; one the flag
    forbids comparing is in the 'not compared: see the caveat' category, never better or worse.
    `highlight` (an area code) marks the reader's council: a band of HIGHLIGHT_COLOUR behind
    its row, an outline on its bar and highlight_label() as its name. `compared=False` (counts)
    draws one neutral series without a significance key; pass no references then.

    Traces and layout are built as plain dicts and wrapped once without per-property
    validation: it runs inside a callback, where validating ~150 points costs ~20 ms. The
    unit tests validate the same figure in full.
    """
    ranked = councils.dropna(subset=["value"]).sort_values(["value", "area_name"], ascending=[True, False])
    rows = records(ranked, ["area_code", "area_name", "value", "lower_95", "upper_95", "compared_with_england",
                            "note", "quality_flag"])
    order = [_shown_name(r, highlight) for r in rows]
    ranks = dict(zip(order[::-1], comparable_ranks([r["value"] for r in rows[::-1]],
                                                   [r["compared_with_england"] for r in rows[::-1]], _decimals(unit))))
    groups: dict[tuple, list[dict]] = {}
    for record in rows:
        style = significance_style(record["compared_with_england"], polarity) if compared else COUNT_STYLE
        groups.setdefault(style, []).append(record)
    traces: list[dict] = []
    for style, part in sorted(groups.items(), key=lambda item: _KEY_ORDER.get(item[0][2], len(_KEY_ORDER))):
        traces.append(_label_trace(part, style, unit=unit, highlight=highlight))
        traces.append(_bar_trace(part, style, unit=unit, highlight=highlight, ranks=ranks, total=len(rows),
                                 flag_labels=flag_labels))
    shapes, annotations = _reference_marks(references, unit)
    highlighted = highlight_label(ranked.loc[ranked["area_code"] == highlight, "area_name"].iloc[0]) \
        if highlight and "area_code" in ranked and (ranked["area_code"] == highlight).any() else None
    upper = max([0.0, *[r["upper_95"] for r in rows if not is_missing(r["upper_95"])],
                 *[r["value"] for r in rows], *references["value"].dropna().tolist()])
    limit = 100.0 if unit == "percent" else float(upper or 1)
    per_bar = 28 if len(ranked) <= 40 else 17
    prefix, suffix = _UNIT_AFFIXES.get(unit, ("", ""))
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        # Room on the right for the labels past the longest bar or interval.
        "xaxis": {"title": {"text": value_title}, "range": [0, max(limit, upper) * 1.18],
                  "tickprefix": prefix, "ticksuffix": suffix, "gridcolor": "#d9d9d9",
                  "tickformat": ",.0f" if unit != "percent" else ""},
        # A fixed range: autorange pads a category axis for the text labels, which left a
        # band of empty rows (~140 px) above and below the bars.
        "yaxis": {"automargin": True, "categoryorder": "array", "categoryarray": order,
                  "range": [-0.6, len(order) - 0.4], "autorange": False,
                  "tickfont": {"size": 12 if len(ranked) > 40 else 14}},
        "barmode": "overlay", "bargap": 0.25, "shapes": _highlight_band(order, highlighted) + shapes,
        "annotations": annotations, "showlegend": compared,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xref": "container", "x": 0,
                   # Title above the items: beside them it pushes the categories off a phone's screen.
                   "title": {"text": "Compared with England (95%):", "side": "top"}},
        "margin": {"l": 10, "r": 60, "t": 90, "b": 130 if compared else 60},
        "height": max(380, per_bar * len(ranked) + (220 if compared else 150)),
        "plot_bgcolor": "white", "font": FONT}
    return go.Figure(data=traces, layout=layout, _validate=False)


def legend_entries(figure: go.Figure | dict) -> list[tuple[str, str]]:
    """(name, colour) of each bar series, in the figure's order: the key a page prints above a
    long chart (Plotly's own legend sits under the last bar)."""
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    return [(trace["name"], trace["marker"]["color"]) for trace in spec["data"] if trace.get("type") == "bar"]


def _names(names: list[str], limit: int = 3) -> str:
    """'A', 'A and B', 'A, B, C and 4 more'."""
    if len(names) <= limit:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _extreme(ranked: pd.DataFrame, ranks: list[str], position: int, unit: str, noun: str) -> str:
    """The highest (position 0) or lowest (-1) area, or every area tied with it, sharing a rank."""
    rank = ranks[position]
    tied = [name for name, r in zip(ranked["area_name"], ranks) if r == rank]
    value = format_value(ranked["value"].iloc[position], unit)
    if len(tied) == 1:
        return f"{tied[0]} ({value})"
    return f"{len(tied)} {noun} tied at {value}, sharing rank {rank} ({_names(tied)})"


def describe_ranking(councils: pd.DataFrame, references: pd.DataFrame, *, what: str,
                     unit: str = "percent", noun: str = "councils", highlight: str | None = None) -> str:
    """A text alternative to the ranked bar chart. Ties share a rank, as in the table."""
    ranked = councils.dropna(subset=["value"]).sort_values(["value", "area_name"], ascending=[False, True])
    if ranked.empty:
        return f"No {noun[:-1]} has a value for {what}."
    names, values = ranked["area_name"].tolist(), ranked["value"].to_numpy()
    ranks = tie_ranks(values.tolist(), _decimals(unit))
    text = (f"Bar chart of {what} for {len(ranked)} {noun}. Highest: {_extreme(ranked, ranks, 0, unit, noun)}; "
            f"lowest: {_extreme(ranked, ranks, -1, unit, noun)}.")
    for name, value in zip(references["area_name"], references["value"]):
        if pd.notna(value):
            above = int((values > value).sum())
            text += f" {name}: {format_value(value, unit)}, with {above} of {len(ranked)} {noun} above it."
    if highlight and "area_code" in ranked and (ranked["area_code"] == highlight).any():
        position = ranked["area_code"].tolist().index(highlight)
        text += (f" {names[position]} (your council): {format_value(values[position], unit)}, "
                 f"rank {ranks[position]} of {len(ranked)}.")
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
