"""Funnel plot: each council's value against its denominator, with limits around England.

Pure: DataFrames in, a Plotly figure, DataFrames or text out. Where a council lies relative to
the limits is shown by marker shape (filled triangle outside 99.8%, open triangle between 95%
and 99.8%, circle inside), colour, and words in the legend, hover and table.

A council whose figure carries a quality flag that forbids comparison (quality_flags.
suppresses_comparison, e.g. self-directed support reported equal to direct payments) is drawn
where its figure falls, as an open diamond marked ⚠ (with a cross when the caveat is its own,
not one every council shares), never as above or below England, and is left out of the
over-dispersion estimate.

The reader's own council is drawn on top as a diamond in HIGHLIGHT_COLOUR, named beside it
("◆ Gateshead (your council)") and in the legend: colour and words, never colour alone.
"""
from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import funnel_limits
from ..labels import flag_codes
from . import (CAVEAT_MARK, FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, axis_suffix, format_value,
               highlight_label, plotly_default_template, significance_style)
from .map import label_side

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
NOT_COMPARED_WORDS = f"{CAVEAT_MARK} Not compared with England (quality flag)"
# (legend words, marker, colour): a caveat every plotted council shares (a year the publisher
# says is not comparable), or one of the council's own (a reporting artefact such as
# self-directed support equal to direct payments), which the reader should be able to pick out.
NOT_COMPARED_STYLES = {
    False: (f"{CAVEAT_MARK} Not compared: caveat on every council", "diamond-open", "#5A5A5A"),
    True: (f"{CAVEAT_MARK} Not compared: a caveat of its own", "diamond-x-open", "#1a1a1a"),
}
FLAG_COLUMNS = ["quality_flag", "label", "suppresses_comparison", "explanation"]


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
    points: pd.DataFrame        # plotted councils with position, the limits at their denominator,
                                # caveat (flag labels) and not_compared (a flag forbids comparison)
    not_plotted: pd.DataFrame   # councils without a value or counts, with the reason
    funnel: funnel_limits.Funnel | None
    grid: pd.DataFrame          # limits over denominators, as percentages
    flags: pd.DataFrame | None = None   # quality_flags rows (FLAG_COLUMNS) of the flags present

    # Worked out once per funnel (the figure, the text and the method all ask).
    @cached_property
    def compared(self) -> pd.DataFrame:
        return self.points[~self.points["not_compared"]] if "not_compared" in self.points else self.points

    @cached_property
    def columns(self) -> dict[str, list]:
        """The points' MARKER_COLUMNS as lists, in the points' order."""
        return _marker_columns(self.points)

    @cached_property
    def left_out(self) -> pd.DataFrame:
        """Plotted councils a quality flag keeps out of the comparison and the estimate."""
        return self.points[self.points["not_compared"]] if "not_compared" in self.points else self.points.iloc[:0]


def plottable(councils: pd.DataFrame) -> pd.Series:
    return councils["value"].notna() & councils["numerator"].notna() & (councils["denominator"].fillna(0) > 0)


def _plottable(councils: pd.DataFrame) -> np.ndarray:
    """plottable() on the columns' arrays: a mask per call without building Series."""
    value, numerator, denominator = (councils[column].to_numpy(dtype=float, na_value=np.nan)
                                     for column in ("value", "numerator", "denominator"))
    return ~np.isnan(value) & ~np.isnan(numerator) & (denominator > 0)


def _codes(councils: pd.DataFrame) -> list[list[str]]:
    """Each council's quality flag codes."""
    flags = councils["quality_flag"].tolist() if "quality_flag" in councils else [None] * len(councils)
    return [flag_codes(flag) for flag in flags]


def _caveats(codes: list[list[str]], flags: pd.DataFrame) -> tuple[list[str], list[bool]]:
    """Each council's caveat (its flags' labels, most serious first) and whether one of its
    flags forbids comparison with England."""
    codes_of_flags = flags["quality_flag"].tolist()
    labels = dict(zip(codes_of_flags, flags["label"].tolist()))
    # bool() of each, as astype(bool) reads them (a missing value counts as True).
    suppressing = {code for code, suppresses in zip(codes_of_flags, flags["suppresses_comparison"].tolist())
                   if bool(suppresses)}
    return (["; ".join(labels.get(c, c) for c in found) for found in codes],
            [any(c in suppressing for c in found) for found in codes])


def with_caveats(councils: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Councils with `caveat` (their flags' labels, most serious first) and `not_compared`
    (one of their flags forbids comparison with England)."""
    caveat, not_compared = _caveats(_codes(councils), flags)
    return councils.assign(caveat=caveat, not_compared=not_compared)


def _own(codes: list[list[str]]) -> list[bool]:
    """True for a council with a flag that not every one of these councils shares."""
    sets = [set(found) for found in codes]
    shared = set.intersection(*sets) if sets else set()
    return [bool(found - shared) for found in sets]


def own_caveats(points: pd.DataFrame) -> pd.Series:
    """True for a council with a flag that not every plotted council shares."""
    return pd.Series(_own(_codes(points)), index=points.index, dtype=bool)


LIMIT_COLUMNS = ("lower_95", "upper_95", "lower_998", "upper_998")
POSITION_RANK = {name: rank for rank, name in enumerate(funnel_limits.POSITIONS)}


def _placed_order(not_compared, positions, values, names) -> list[int]:
    """Compared councils first, then by position (highest first), value (highest first) and
    name; stable, as pandas' multi-column sort_values."""
    return sorted(range(len(values)), key=lambda i: (not_compared[i], POSITION_RANK[positions[i]], -values[i],
                                                     names[i]))


def funnel_data(councils: pd.DataFrame, centre: float, *, adjusted: bool,
                flags: pd.DataFrame | None = None) -> FunnelData:
    """Split councils into plotted and not plotted and place each plotted one against the
    limits around `centre` (a percentage). Values are the published ones. `flags` is the
    quality_flags table: councils whose flag forbids comparison are left out of the
    over-dispersion estimate and listed after the councils compared with England.

    Worked on the columns' arrays and each part taken from `councils` once (it runs inside a
    callback, and every pandas mask or sort copies all ~36 columns)."""
    flags = pd.DataFrame(columns=FLAG_COLUMNS) if flags is None else flags
    codes = _codes(councils)
    caveat, not_compared = _caveats(codes, flags)
    present = {code for found in codes for code in found}
    flags = flags[flags["quality_flag"].isin(present)].reset_index(drop=True)
    mask = _plottable(councils)
    plotted, unplotted = np.flatnonzero(mask), np.flatnonzero(~mask)
    not_plotted = councils.take(unplotted)
    not_plotted = not_plotted.assign(
        caveat=pd.array([caveat[i] for i in unplotted], dtype="str"),
        not_compared=np.array([not_compared[i] for i in unplotted], dtype=bool),
        reason=np.where(np.isnan(not_plotted["value"].to_numpy(dtype=float, na_value=np.nan)),
                        "No value", "No counts published"))
    own = _own([codes[i] for i in plotted])
    if not len(plotted):
        points = with_caveats(councils, flags).take(plotted)
        points["own_caveat"] = pd.Series(own, index=points.index, dtype=bool)
        empty = pd.DataFrame(columns=["denominator", "lower_95", "upper_95", "lower_998", "upper_998"])
        return FunnelData(points.assign(position=pd.Series(dtype=str)), not_plotted, None, empty, flags)
    values = councils["value"].to_numpy(dtype=float)[plotted]
    compared_not = np.array([not_compared[i] for i in plotted], dtype=bool)
    result = funnel_limits.funnel(centre / 100, values / 100, councils["denominator"].to_numpy(dtype=float)[plotted],
                                  adjusted=adjusted, estimate_from=~compared_not)
    positions = result.unit_limits["position"].to_numpy()
    order = _placed_order(compared_not, positions, values, councils["area_name"].to_numpy()[plotted])
    points = councils.take(plotted[order])
    points = points.assign(caveat=pd.array([caveat[plotted[i]] for i in order], dtype="str"), not_compared=compared_not[order],
                           own_caveat=np.array(own, dtype=bool)[order],
                           **{f"limit_{column}": result.unit_limits[column].to_numpy()[order] * 100
                              for column in LIMIT_COLUMNS},
                           position=positions[order])
    grid = pd.DataFrame({"denominator": result.grid["denominator"].to_numpy(),
                         **{column: result.grid[column].to_numpy() * 100 for column in LIMIT_COLUMNS}})
    return FunnelData(points, not_plotted, result, grid, flags)


def in_region(data: FunnelData, region: str) -> FunnelData:
    """One region's councils, placed against the limits worked out from every council in
    England: the centre, the limits and the over-dispersion estimate stay England's."""
    def inside(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["region_code"] == region] if "region_code" in frame else frame.iloc[:0]
    return replace(data, points=inside(data.points), not_plotted=inside(data.not_plotted))


def placement_words(position: str, not_compared: bool, caveat: str = "") -> str:
    """Where a council is placed, in words: its position, or for a flagged figure that it is not
    compared, why, and where it falls as drawn."""
    if not not_compared:
        return position_words(position)
    why = f": {caveat}" if caveat else ""
    return f"{NOT_COMPARED_WORDS}{why}. As drawn: {position_words(position)[2:].lower()}"


def _count(value: object) -> str:
    return "" if value is None or value != value else f"{value:,.0f}"    # (NaN is not equal to itself)


def _limit_trace(grid: pd.DataFrame, level: str, name: str, dash: str, width: float) -> dict:
    x = [*grid["denominator"].tolist(), None, *grid["denominator"].tolist()]
    y = [*grid[f"upper_{level}"].tolist(), None, *grid[f"lower_{level}"].tolist()]
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name, "hoverinfo": "skip",
            "connectgaps": False, "line": {"color": LINE_COLOUR, "dash": dash, "width": width}}


def _caveat_lines(caveats) -> list[str]:
    """'<br>⚠ Small rounded counts' for a flagged council, '' for the others."""
    return [f"<br>{CAVEAT_MARK} {c}" if isinstance(c, str) and c else "" for c in caveats]


# What the markers read of each plotted council, and what a frame without the column reads.
MARKER_COLUMNS = {"area_code": None, "area_name": None, "value": None, "numerator": None, "denominator": None,
                  "position": None, "not_compared": False, "own_caveat": False, "caveat": "", "quality_flag": None}


def _marker_columns(points: pd.DataFrame) -> dict[str, list]:
    """The points' MARKER_COLUMNS as lists, read once: each trace then picks its rows by
    position (a pandas mask per trace copies every column)."""
    return {name: points[name].tolist() if name in points else [default] * len(points)
            for name, default in MARKER_COLUMNS.items()}


def _marker_trace(columns: dict[str, list], rows: list[int], unit: str, *, name: str, words: list[str],
                  marker: dict) -> dict:
    """One trace of council markers (`rows` of the points' columns); each carries its code (for
    click-through), its figures, its placement in words and its caveat for the hover."""
    code, area, value, numerator, denominator = (columns[c] for c in (
        "area_code", "area_name", "value", "numerator", "denominator"))
    caveats = _caveat_lines([columns["caveat"][i] for i in rows])
    customdata = [[code[i], area[i], format_value(value[i], unit), _count(numerator[i]), _count(denominator[i]),
                   words[k], caveats[k]] for k, i in enumerate(rows)]
    return {"type": "scatter", "x": [denominator[i] for i in rows], "y": [value[i] for i in rows],
            "mode": "markers", "name": name, "cliponaxis": False, "customdata": customdata, "marker": marker,
            "hovertemplate": "<b>%{customdata[1]}</b> (%{customdata[0]})<br>%{customdata[2]}: "
                             "%{customdata[3]} of %{customdata[4]}<br>%{customdata[5]}%{customdata[6]}"
                             "<br>Click to open the council's profile<extra></extra>"}


def _highlight(columns: dict[str, list], code: str | None, unit: str, x_span: list[float]) -> tuple[list, list]:
    """The reader's council: a trace on top of its marker (same hover and click) and a label
    beside it, on the side with more room. Nothing when it is not plotted."""
    found = columns["area_code"].index(code) if code and code in columns["area_code"] else None
    if found is None:
        return [], []
    row = {name: values[found] for name, values in columns.items()}
    label = highlight_label(row["area_name"])
    words = [placement_words(row["position"], bool(row["not_compared"]), row["caveat"])]
    trace = _marker_trace(columns, [found], unit, name=label, words=words, marker={
        "symbol": "diamond", "color": HIGHLIGHT_COLOUR, "size": 15,
        "line": {"color": HIGHLIGHT_OUTLINE, "width": 2}})
    anchor, shift = label_side(float(row["denominator"]), 0.0, x_span[1])
    note = {"x": float(row["denominator"]), "y": float(row["value"]), "text": label, "showarrow": True,
            "arrowhead": 0, "arrowwidth": 1.5, "arrowcolor": HIGHLIGHT_OUTLINE, "ax": shift,
            "ay": -34, "xanchor": anchor, "bgcolor": "rgba(255,255,255,0.92)",
            "bordercolor": HIGHLIGHT_COLOUR, "borderwidth": 2, "borderpad": 3,
            "font": {"color": "#1a1a1a", "size": 13}, "name": "highlight"}
    return [trace], [note]


def funnel_figure(data: FunnelData, **options) -> go.Figure:
    """funnel_spec's figure as a Plotly figure, wrapped once without per-property validation (it
    runs inside a callback); the unit tests validate the same figure in full."""
    return go.Figure(funnel_spec(data, **options), _validate=False)


def funnel_spec(data: FunnelData, *, centre: float, centre_name: str, title: str, value_title: str,
                denominator_title: str, limits_name: str, polarity: str = "higher_is_better",
                unit: str = "percent", highlight: str | None = None) -> dict:
    """Councils as markers by position, limits at 95% (dashed) and 99.8% (dotted), England as a
    solid centre line; councils a quality flag keeps from comparison as open diamonds marked ⚠;
    each marker carries its area code for click-through; `highlight` (a council code) is the
    reader's council, marked on top and named. A plain {"data", "layout"} dict: the page wraps
    it once, as it draws it (for_page)."""
    grid, points = data.grid, data.points
    traces = [_limit_trace(grid, "998", "99.8% limits", "dot", 2),
              _limit_trace(grid, "95", "95% limits", "dash", 1.5)]
    x_span = [float(grid["denominator"].min()), float(grid["denominator"].max())] if len(grid) else [0, 1]
    traces.append({"type": "scatter", "x": x_span, "y": [centre, centre], "mode": "lines",
                   "name": f"{centre_name} {format_value(centre, unit)}", "hoverinfo": "skip",
                   "line": {"color": CENTRE_COLOUR, "width": 2}})
    columns = data.columns
    by_position: dict[str, list[int]] = {}
    for row, (position, not_compared) in enumerate(zip(columns["position"], columns["not_compared"])):
        if not not_compared:
            by_position.setdefault(position, []).append(row)
    for position in funnel_limits.POSITIONS:
        part = by_position.get(position, [])
        if not part:
            continue
        words, symbol, marker, _ = POSITION_STYLES[position]
        colour = position_colour(position, polarity)
        hollow = marker.endswith("-open")
        traces.append(_marker_trace(columns, part, unit, name=f"{symbol} {words} ({len(part)})",
                                    words=[f"{symbol} {words}"] * len(part), marker={
                                        "symbol": marker, "color": colour, "size": 10 if hollow else 9,
                                        "line": {"color": colour if hollow else "white",
                                                 "width": 2 if hollow else 0.5}}))
    for own, (words, marker, colour) in NOT_COMPARED_STYLES.items():
        part = [row for row, (not_compared, own_caveat) in enumerate(zip(columns["not_compared"],
                                                                          columns["own_caveat"]))
                if not_compared and own_caveat == own]
        if not part:
            continue
        traces.append(_marker_trace(
            columns, part, unit, name=f"{words} ({len(part)})",
            words=[placement_words(columns["position"][row], True) for row in part],
            marker={"symbol": marker, "color": colour, "size": 12 if own else 11,
                    "line": {"color": colour, "width": 2}}))
    mine, annotations = _highlight(columns, highlight, unit, x_span)
    traces += mine
    layout = dict(
        title={"text": _wrapped(title, 40), "x": 0, "xanchor": "left"},
        xaxis={"title": {"text": _wrapped(denominator_title)}, "rangemode": "tozero", "separatethousands": True, "tickformat": ",d",
               "gridcolor": "#d9d9d9", "zeroline": False},
        yaxis={"title": {"text": value_title}, "ticksuffix": axis_suffix(unit),
               "range": _value_range(points, grid, centre, unit),
               "tickformat": ".1f" if unit == "percent" else "", "gridcolor": "#d9d9d9", "zeroline": False},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "title": {"text": _wrapped(limits_name + ":"), "side": "top"}},
        margin={"l": 10, "r": 30, "t": 100, "b": 150}, height=670, plot_bgcolor="white", font=FONT,
        hovermode="closest", clickmode="event", annotations=annotations)
    return {"data": traces, "layout": layout}


def page_layout(layout: dict) -> dict:
    """The layout without its title and with the legend above the plot (for_page); `layout`
    itself is left as it is."""
    layout = {name: value for name, value in layout.items() if name != "title"}
    layout["legend"] = {**layout.get("legend", {}), "yref": "paper", "y": 1.02, "yanchor": "bottom"}
    layout["margin"] = {**layout.get("margin", {}), "t": 10, "b": 60}
    return layout


def _with_default_template(layout: dict) -> dict:
    """The layout with Plotly's default template named in it, as a figure built from funnel_spec
    carries it: given with the rest, the template takes the same place in the page's JSON."""
    template = plotly_default_template()
    if template is None or "template" in layout:
        return layout
    return {**layout, "template": template}


def for_page(figure: go.Figure | dict) -> go.Figure:
    """The funnel as its page draws it: no title (the page prints it as text, which wraps on a
    phone) and the legend above the plot, where a phone shows it before the points. Images and
    embeds keep the figure as it is (their frame puts the title above and the footer below).
    From funnel_spec's dict, the one Plotly figure the page builds."""
    if isinstance(figure, dict):
        return go.Figure({"data": figure["data"], "layout": _with_default_template(page_layout(figure["layout"]))},
                         _validate=False)
    return go.Figure(data=figure.data, layout=page_layout(figure.layout.to_plotly_json()), _validate=False)


def _wrapped(text: str, width: int = 36) -> str:
    """A title in lines of at most `width` characters: Plotly does not wrap, and on a phone one
    long line runs off the chart."""
    return "<br>".join(textwrap.wrap(text, width))


def _value_range(points: pd.DataFrame, grid: pd.DataFrame, centre: float, unit: str) -> list[float]:
    """Every council and the funnel's body; the widest tip of the limits may run off the axis."""
    values = [centre, *points["value"].tolist()]
    if len(points) and len(grid):
        body = grid["denominator"].to_numpy() >= points["denominator"].quantile(0.1)
        values += [*grid["lower_998"].to_numpy()[body].tolist(), *grid["upper_998"].to_numpy()[body].tolist()]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.05, 0.5)
    low, high = low - pad, high + pad
    if unit == "percent":
        low, high = max(low, 0.0), min(high, 100.0)
    return [low, high]


def _councils(number: int) -> str:
    return f"{number} council" + ("" if number == 1 else "s")


def _names(names: list[str], limit: int = 8) -> str:
    return "; ".join(names[:limit]) + (f"; and {len(names) - limit} more" if len(names) > limit else "")


def _flags_on(rows: pd.DataFrame, flags: pd.DataFrame | None, *, every: bool) -> pd.DataFrame:
    """The flags (quality_flags rows, most serious first) that forbid comparison and that every
    row (every=True) or any row carries."""
    return _flags_held([flag_codes(flag) for flag in rows.get("quality_flag", [None] * len(rows))], flags,
                       every=every)


def _flags_held(codes: list[list[str]], flags: pd.DataFrame | None, *, every: bool) -> pd.DataFrame:
    """_flags_on for rows' flag codes."""
    if flags is None or flags.empty or not codes:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    codes = [set(found) for found in codes]
    held = set.intersection(*codes) if every else set.union(*codes)
    return flags[flags["quality_flag"].isin(held) & flags["suppresses_comparison"].astype(bool)]


def all_left_out(data: FunnelData) -> bool:
    """Every plotted council carries a flag that forbids comparison (sds_users 2024-25)."""
    return len(data.points) > 0 and all(data.columns["not_compared"])


def highlight_words(data: FunnelData, code: str | None, unit: str = "percent") -> str:
    """' Your council, Gateshead: 22.2% (395 of 1,782), ▲ Above the 99.8% limit.' ('' without one)."""
    if not code:
        return ""
    columns = data.columns
    if code not in columns["area_code"]:
        absent = data.not_plotted["area_code"].tolist() if "area_code" in data.not_plotted else []
        if code not in absent:
            return ""
        at = absent.index(code)
        return (f" Your council, {data.not_plotted['area_name'].iloc[at]}: not plotted "
                f"({data.not_plotted['reason'].iloc[at].lower()}).")
    at = columns["area_code"].index(code)
    row = {name: values[at] for name, values in columns.items()}
    place = placement_words(row["position"], bool(row["not_compared"]), row["caveat"])
    return (f" Your council, {row['area_name']}: {format_value(row['value'], unit)} ({_count(row['numerator'])} of "
            f"{_count(row['denominator'])}), {place}.")


def describe_funnel(data: FunnelData, *, what: str, centre_name: str, centre: float, limits_name: str,
                    unit: str = "percent", highlight: str | None = None) -> str:
    """A text alternative: how many councils lie outside each limit, and which; councils whose
    figures a quality flag keeps from comparison are counted apart; where the reader's council
    (`highlight`) lies."""
    points, columns = data.points, data.columns
    compared = [row for row, not_compared in enumerate(columns["not_compared"]) if not not_compared]
    left_out = [row for row, not_compared in enumerate(columns["not_compared"]) if not_compared]
    names, positions, caveats = columns["area_name"], columns["position"], columns["caveat"]
    if points.empty:
        return f"No council has a value with counts for {what}, so nothing is plotted."
    text = (f"Funnel plot of {what}: {_councils(len(points))} plotted by value against denominator, "
            f"with {limits_name.lower()} around {centre_name}'s value of {format_value(centre, unit)}.")
    text += highlight_words(data, highlight, unit)
    if all_left_out(data):
        labels = "; ".join(_flags_on(points, data.flags, every=True)["label"]) or "a quality flag"
        text += (f" {CAVEAT_MARK} Every council's figure carries a caveat that forbids comparison with England "
                 f"({labels}), so no council is placed above or below the limits; each open diamond "
                 "shows where a published figure falls.")
        own = [name for name, own in zip(names, columns["own_caveat"]) if own]
        if len(own):
            text += (f" {_councils(len(own))} also {'carries' if len(own) == 1 else 'carry'} a caveat of "
                     f"their own (diamonds with a cross; see the caveats): {_names(own)}.")
    else:
        counts = Counter(positions[row] for row in compared)
        n = {position: counts.get(position, 0) for position in funnel_limits.POSITIONS}
        text += (f" Outside the 99.8% limits: {_councils(n['above_998'] + n['below_998'])} "
                 f"({n['above_998']} above, {n['below_998']} below). "
                 f"Between the 95% and 99.8% limits: {_councils(n['above_95'] + n['below_95'])} "
                 f"({n['above_95']} above, {n['below_95']} below). "
                 f"Within the 95% limits: {_councils(n['inside'])}.")
        for position, label in (("above_998", "Above the 99.8% limit"), ("below_998", "Below the 99.8% limit")):
            outside = [names[row] for row in compared if positions[row] == position]
            if outside:
                text += f" {label}: {_names(outside)}."
        if len(left_out):
            verb = "carries" if len(left_out) == 1 else "carry"
            text += (f" {CAVEAT_MARK} {_councils(len(left_out))} {verb} a caveat that forbids comparison with "
                     f"England, drawn as {'an open diamond' if len(left_out) == 1 else 'open diamonds'} and not "
                     "counted above or below: "
                     f"{_names([f'{names[row]} ({caveats[row]})' for row in left_out])}.")
    if len(data.not_plotted):
        verb = "is" if len(data.not_plotted) == 1 else "are"
        text += f" {_councils(len(data.not_plotted))} without a value or counts {verb} not plotted."
    return text


def left_out_words(data: FunnelData) -> str:
    """Which councils the over-dispersion estimate leaves out, and why; '' when none."""
    left_out = [(name, flag_codes(flag)) for name, flag, not_compared in zip(
        data.columns["area_name"], data.columns["quality_flag"], data.columns["not_compared"]) if not_compared]
    if not left_out:
        return ""
    by_flag = []
    held = _flags_held([codes for _, codes in left_out], data.flags, every=False)
    for code, label in zip(held["quality_flag"].tolist(), held["label"].tolist()):
        names = [name for name, codes in left_out if code in codes]
        by_flag.append(f"{label.lower()}: {_names(names, 5)}")
    one = len(left_out) == 1
    return (f" The estimate leaves out {_councils(len(left_out))} whose "
            f"{'figure carries' if one else 'figures carry'} a caveat that forbids comparison "
            f"({'; '.join(by_flag)}): a figure known to be unreliable would inflate \u03c6 and widen every "
            "council's limits. "
            f"{'It is drawn as an open diamond' if one else 'They are drawn as open diamonds'} and not placed "
            "against England.")


def method_text(data: FunnelData, *, centre_name: str, centre: float, adjusted: bool, unit: str = "percent") -> str:
    """Which limits are shown and how they were worked out, with phi and tau-squared, and which
    councils the over-dispersion estimate leaves out."""
    result = data.funnel
    if result is None:
        return ""
    spread = result.dispersion
    exact = (f"exact binomial 95% and 99.8% limits around {centre_name}'s value ({format_value(centre, unit)}) for each "
             "denominator, interpolated between the binomial quantiles so they are smooth")
    reference = ("(Spiegelhalter 2005, \u201cFunnel plots for comparing institutional performance\u201d, "
                 "Statistics in Medicine)")
    if all_left_out(data):
        shared = _flags_on(data.points, data.flags, every=True)
        why = " ".join(shared["explanation"]) or "Each carries a quality flag that forbids comparison."
        return (f"Limits shown: {exact} {reference}. {CAVEAT_MARK} Every council's figure this year carries a "
                f"caveat that forbids comparison. {why} So no over-dispersion is estimated (all "
                f"{_councils(len(data.points))} are left out), the limits stay unadjusted, and no council is "
                "placed above or below England: the limits show only how far chance alone would scatter "
                "comparable figures.")
    if np.isnan(spread.phi):
        return (f"Limits shown: {exact} {reference}. Too few councils to estimate over-dispersion."
                + left_out_words(data))
    phi = (f"The councils' z-scores against {centre_name}, winsorised at their 10th and 90th percentiles, "
           f"give a dispersion factor \u03c6 = {spread.phi:.2f} from {spread.units} councils "
           "(about 1 if councils differed only by chance)")
    tau = f"\u03c4\u00b2 = {spread.tau2:.6f} (\u03c4 = {np.sqrt(spread.tau2) * 100:.2f} percentage points)"
    left = left_out_words(data)
    if adjusted and result.applied:
        return (f"Limits shown: adjusted for over-dispersion {reference}. {phi}, so the between-council "
                f"variance {tau} is added to each denominator's binomial variance: limits are "
                f"{centre_name} \u00b1 z\u00b7\u221a(p\u2080(1\u2212p\u2080)/n + \u03c4\u00b2), a normal "
                "approximation, with z = 1.96 (95%) and 3.09 (99.8%). They show which councils stand out "
                f"even allowing for the usual spread between councils.{left}")
    if adjusted:
        return (f"Limits shown: {exact} {reference}. The adjustment for over-dispersion was asked for, but "
                f"{phi}, within what chance allows, so \u03c4\u00b2 = 0 and the limits are unchanged.{left}")
    extra = (f" {phi}; choose \u201cAdjusted for over-dispersion\u201d to widen the limits by {tau}."
             if spread.over_dispersed else f" {phi}: no more spread than chance, so \u03c4\u00b2 = 0.")
    return (f"Limits shown: unadjusted, {exact} {reference}. About 1 in 20 councils would lie outside "
            f"the 95% limits, and 1 in 500 outside the 99.8% limits, by chance alone.{extra}{left}")
