"""Ranked bars of councils (or regions) with 95% intervals, coloured and marked by comparison
with England; the reader's own council marked by colour and label; a text alternative."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import plotly.graph_objects as go

from . import (CAVEAT_MARK, FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, NOTE_MARK, REFERENCE_STYLES,
               comparable_ranks, format_value, highlight_label, is_missing, plotly_default_template, records,
               significance_style, tie_ranks)
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
    # Two columns as lists: dropna and itertuples over every column (a namedtuple class made per
    # call) cost more than the rest of the chart.
    present = [row for row in records(references, ["area_name", "value"]) if not is_missing(row["value"])]
    for position, (style, row) in enumerate(zip(REFERENCE_STYLES, present)):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": row["value"], "x1": row["value"],
                       "y0": 0, "y1": 1, "line": {"dash": style["dash"], "color": style["color"], "width": 2}})
        annotations.append({"x": row["value"], "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                            "text": f"{row['area_name']} {format_value(row['value'], unit)}", "yshift": 4 + 20 * position,
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


def ranked_bars(councils: pd.DataFrame, references: pd.DataFrame, **options) -> go.Figure:
    """ranked_bars_spec as a Figure object (for tests and exports)."""
    return go.Figure(dict(ranked_bars_spec(councils, references, **options)), _validate=False)


class FigureSpec(dict):
    """A figure as the plain {"data": [...], "layout": {...}} a callback sends, read as a Figure
    object (built on first use, without validation) where tests and exports ask it for .data,
    .layout or .to_plotly_json(): requests never pay for the Figure."""

    def __getattr__(self, name: str):
        if name.startswith("_"):                  # copy, pickle and the like see a plain dict
            raise AttributeError(name)
        figure = self.__dict__.get("_figure")
        if figure is None:
            figure = self.__dict__["_figure"] = go.Figure(dict(self), _validate=False)
        return getattr(figure, name)


def _ranked_rows(councils: pd.DataFrame, columns: list[str], *, highest_first: bool) -> list[dict]:
    """The rows with a value as dicts, lowest first with names Z-A on a tie (the bars' order,
    bottom up), or highest_first with names A-Z; rows equal on both keep their order, as the
    DataFrame sorts this replaces did (dropna and sort_values copy every column)."""
    rows = [row for row in records(councils, columns) if not is_missing(row["value"])]
    rows.sort(key=lambda row: row["area_name"], reverse=not highest_first)   # stable, reversed too
    rows.sort(key=lambda row: row["value"], reverse=highest_first)
    return rows


def ranked_bars_spec(councils: pd.DataFrame, references: pd.DataFrame, *, value_title: str, title: str,
                     polarity: str = "higher_is_better", unit: str = "percent",
                     flag_labels: dict[str, str] | None = None, highlight: str | None = None,
                     compared: bool = True) -> FigureSpec:
    """Horizontal bars, highest at the top, one trace per comparison category (the legend
    names it), error bars from lower_95/upper_95 where present, a labelled line per reference.
    A value with a quality flag carries the caveat mark on its label and its flag's label
    (`flag_labels`: code -> label, from the quality_flags table) in its hover; one the flag
    forbids comparing is in the 'not compared: see the caveat' category, never better or worse.
    `highlight` (an area code) marks the reader's council: a band of HIGHLIGHT_COLOUR behind
    its row, an outline on its bar and highlight_label() as its name. `compared=False` (counts)
    draws one neutral series without a significance key; pass no references then.

    A plain {"data": [...], "layout": {...}}, as go.Figure(...).to_plotly_json() gave it (Plotly's
    default template included): it runs inside a callback, where building and then serialising a
    Figure of ~150 bars costs more than drawing it. The unit tests validate the same figure in
    full (tests/api/test_figures_valid.py).
    """
    rows = _ranked_rows(councils, ["area_code", "area_name", "value", "lower_95", "upper_95",
                                   "compared_with_england", "note", "quality_flag"], highest_first=False)
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
    mine = [r["area_name"] for r in rows if r["area_code"] == highlight] \
        if highlight and "area_code" in councils else []
    highlighted = highlight_label(mine[0]) if mine else None
    upper = max([0.0, *[r["upper_95"] for r in rows if not is_missing(r["upper_95"])],
                 *[r["value"] for r in rows],
                 *[value for value in references["value"].tolist() if not is_missing(value)]])
    limit = 100.0 if unit == "percent" else float(upper or 1)
    per_bar = 28 if len(rows) <= 40 else 17
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
                  "tickfont": {"size": 12 if len(rows) > 40 else 14}},
        "barmode": "overlay", "bargap": 0.25, "shapes": _highlight_band(order, highlighted) + shapes,
        "annotations": annotations, "showlegend": compared,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xref": "container", "x": 0,
                   # Title above the items: beside them it pushes the categories off a phone's screen.
                   "title": {"text": "Compared with England (95%):", "side": "top"}},
        "margin": {"l": 10, "r": 60, "t": 90, "b": 130 if compared else 60},
        "height": max(380, per_bar * len(rows) + (220 if compared else 150)),
        "plot_bgcolor": "white", "font": FONT}
    template = plotly_default_template()
    if template is not None:
        layout["template"] = template
    return FigureSpec(data=traces, layout=layout)


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


def _extreme(names: list[str], values: list[float], ranks: list[str], position: int, unit: str, noun: str) -> str:
    """The highest (position 0) or lowest (-1) area, or every area tied with it, sharing a rank."""
    rank = ranks[position]
    tied = [name for name, r in zip(names, ranks) if r == rank]
    value = format_value(values[position], unit)
    if len(tied) == 1:
        return f"{tied[0]} ({value})"
    return f"{len(tied)} {noun} tied at {value}, sharing rank {rank} ({_names(tied)})"


def describe_ranking(councils: pd.DataFrame, references: pd.DataFrame, *, what: str,
                     unit: str = "percent", noun: str = "councils", highlight: str | None = None) -> str:
    """A text alternative to the ranked bar chart. Ties share a rank, as in the table."""
    # Column lists, not dropna/sort_values/value_counts on the frame (each copies every column).
    ranked = _ranked_rows(councils, ["area_code", "area_name", "value", "compared_with_england", "quality_flag"],
                          highest_first=True)
    if not ranked:
        return f"No {noun[:-1]} has a value for {what}."
    names, values = [r["area_name"] for r in ranked], [r["value"] for r in ranked]
    ranks = tie_ranks(values, _decimals(unit))
    text = (f"Bar chart of {what} for {len(ranked)} {noun}. "
            f"Highest: {_extreme(names, values, ranks, 0, unit, noun)}; "
            f"lowest: {_extreme(names, values, ranks, -1, unit, noun)}.")
    for name, value in zip(references["area_name"].tolist(), references["value"].tolist()):
        if not is_missing(value):
            above = sum(v > value for v in values)
            text += f" {name}: {format_value(value, unit)}, with {above} of {len(ranked)} {noun} above it."
    codes = [r["area_code"] for r in ranked]
    if highlight and "area_code" in councils and highlight in codes:
        position = codes.index(highlight)
        text += (f" {names[position]} (your council): {format_value(values[position], unit)}, "
                 f"rank {ranks[position]} of {len(ranked)}.")
    if "compared_with_england" in councils:
        counts = Counter(r["compared_with_england"] for r in ranked if isinstance(r["compared_with_england"], str))
        if sum(counts.values()):
            text += (f" Compared with England: {counts.get('higher', 0)} significantly higher, "
                     f"{counts.get('lower', 0)} significantly lower, {counts.get('similar', 0)} similar")
            held_back = counts.get("not_compared", 0)
            text += f", {held_back} not compared because of a quality flag." if held_back else "."
    if "quality_flag" in councils:
        flagged = sum(bool(flag_codes(r["quality_flag"])) for r in ranked)
        if flagged:
            text += (f" {flagged} of {len(ranked)} values carry a quality flag (marked {CAVEAT_MARK}): "
                     "see the caveats with the chart.")
    return text
