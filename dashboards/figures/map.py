"""Maps of councils coloured by value: a hex cartogram and a boundary (choropleth) map. Pure.

Both are plain Plotly scatter polygons on hidden cartesian axes (fill "toself"), one trace per
council so a click names it; no map library and no tiles, so nothing is fetched from the
network. The colour scale is one hue from light to dark (luminance falls steadily, so it reads
in greyscale); councils without a value are hatched grey and named in the legend. A council whose
figure carries a caveat of its own (a quality flag the other councils drawn do not all share, e.g.
self-directed support reported equal to direct payments) is dotted, outlined in black and
labelled ⚠, and its hover gives the caveat in full; a flag every council shares is said once,
under the map. The reader's own council is outlined thick (HIGHLIGHT_OUTLINE, with a
HIGHLIGHT_COLOUR line inside it) and named in a label, so it is found without relying on colour.
"""
from __future__ import annotations

import math
import textwrap
from collections import Counter
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from ..labels import flag_codes
from . import (CAVEAT_MARK, FONT, HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, NOTE_MARK, format_value,
               highlight_label, is_missing, records, tie_ranks)

# Light to dark blue (ColorBrewer Blues, lightest step dropped): relative luminance
# 0.81, 0.54, 0.26, 0.16, 0.03, so darker always means higher, in colour or grey.
COLOURSCALE = [[0.0, "#deebf7"], [0.25, "#9ecae1"], [0.5, "#4292c6"], [0.75, "#2171b5"], [1.0, "#08306b"]]
OUTLINE = "#505a5f"              # 7:1 on white: every shape's edge is visible (WCAG 1.4.11)
NO_DATA_FILL = "#f3f2f1"
NO_DATA_PATTERN = {"shape": "/", "fgcolor": "#6f777b", "bgcolor": NO_DATA_FILL, "size": 7, "solidity": 0.25}
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"   # black or white: at least 4.58:1 on any fill
# A halo in the fill's contrast colour behind a label keeps it readable over the caveat's dots.
HALO = {ink: ", ".join([f"0 0 1px {halo}"] * 3 + [f"0 0 2px {halo}"] * 3)
        for ink, halo in ((DARK_TEXT, "#ffffff"), (LIGHT_TEXT, "#000000"))}
CAVEAT_OUTLINE = {"color": "#000000", "width": 2.5}
CAVEAT_PATTERN = {"shape": ".", "size": 9, "solidity": 0.12}   # sparse dots over the value's own colour
INTENSIVE_UNITS = ("percent", "rate_per_100000", "gbp_per_head")
HOVER_WIDTH = 60                 # characters per hover line: Plotly does not wrap
NAMED_UNITS = 40                 # maps of at most this many hexes name each council in it
HIGHLIGHT_LINE = {"color": HIGHLIGHT_OUTLINE, "width": 6}
HIGHLIGHT_INNER = {"color": HIGHLIGHT_COLOUR, "width": 3}


@lru_cache(maxsize=1024)  # the scale's few stop colours are parsed on every area of every map
def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour_at(fraction: float, scale=COLOURSCALE) -> str:
    """The scale's colour at 0..1, interpolated in RGB between its stops."""
    fraction = min(1.0, max(0.0, fraction))
    for (f0, c0), (f1, c1) in zip(scale, scale[1:]):
        if fraction <= f1:
            t = 0.0 if f1 == f0 else (fraction - f0) / (f1 - f0)
            mixed = [round(a + (b - a) * t) for a, b in zip(_rgb(c0), _rgb(c1))]
            return "#" + "".join(f"{c:02x}" for c in mixed)
    return scale[-1][1]


@lru_cache(maxsize=4096)  # asked for every council on every map; a scale has few distinct fills
def text_colour(fill: str) -> str:
    return DARK_TEXT if contrast(fill, DARK_TEXT) >= contrast(fill, LIGHT_TEXT) else LIGHT_TEXT


def value_range(values, unit: str) -> tuple[float, float]:
    """The colour scale's ends: the data's range, widened to whole numbers; never empty."""
    present = [v for v in values if not is_missing(v)]
    if not present:
        return 0.0, 1.0
    low, high = math.floor(min(present)), math.ceil(max(present))
    if unit == "percent":
        low, high = max(0, low), min(100, high)
    return (float(low), float(high if high > low else low + 1))


def scale_words(values, unit: str) -> str:
    """The colour scale in words, with the ends area_map_spec gives it."""
    low, high = value_range(values, unit)
    return (f"The scale runs from {format_value(low, unit)} (lightest) to {format_value(high, unit)} (darkest), "
            "the councils' range widened to whole numbers.")


def _short(value: float, unit: str) -> str:
    """A label that fits in a hex: 52.3 for 52.3% (one decimal, as everywhere), 1.2k for 1,234."""
    if unit == "percent":
        return f"{value:.1f}"
    if abs(value) >= 10000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def _wrapped_name(name: str) -> str:
    """A council's name in lines short enough for a region's hex."""
    return "<br>".join(textwrap.wrap(name, 12, break_long_words=False))


def _title_lines(text: str, width: int = 22) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def marked(units: pd.DataFrame) -> pd.Series:
    """Units with a value whose figure carries a caveat of its own: a quality flag that not every
    valued unit shares. A flag on every council (a year the publisher says is not comparable)
    would mark them all and single out none; the caveats under the map say it once."""
    if "quality_flag" not in units or units.empty:
        return pd.Series(False, index=units.index)
    return pd.Series(own_caveats(units["value"].tolist(), units["quality_flag"].tolist()), index=units.index)


def own_caveats(values: list, flags: list) -> list[bool]:
    """marked() on column lists: for each unit, whether it has a value and a flag that not every
    valued unit shares."""
    codes = [set(flag_codes(flag)) for flag in flags]
    valued = [not is_missing(value) for value in values]
    shared = set.intersection(*[c for c, v in zip(codes, valued) if v]) if any(valued) else set()
    return [bool(v and (c - shared)) for c, v in zip(codes, valued)]


def _wrapped(text: str) -> str:
    return "<br>".join(textwrap.wrap(text, HOVER_WIDTH))


def _hover(row: dict, unit: str, words_for) -> str:
    name = f"{row['area_name']} ({row['area_code']})"
    if is_missing(row.get("value")):
        status = row.get("value_status")
        why = f" ({str(status).replace('_', ' ')})" if isinstance(status, str) and status != "missing" else ""
        said = row.get("note")
        said = f"<br>{_wrapped(said)}" if isinstance(said, str) and said.strip() else ""
        return f"{name}<br>no data{why}{said}<br>Click for the council's profile"
    note = f" {NOTE_MARK}" if isinstance(row.get("note"), str) and row["note"] else ""
    compared = words_for(row.get("compared_with_england"))
    quality = row.get("quality_note")
    caveat = f"<br>{_wrapped(f'{CAVEAT_MARK} {quality}')}" if isinstance(quality, str) and quality else ""
    return (f"{name}<br>{format_value(row['value'], unit)}{note}"
            + (f"<br>{compared}" if compared else "") + caveat + "<br>Click for the council's profile")


def area_map(units: pd.DataFrame, **options) -> go.Figure:
    """area_map_spec as a Figure object (for tests and exports)."""
    return go.Figure(area_map_spec(units, **options), _validate=False)


def label_side(x: float, low: float, high: float) -> tuple[str, int]:
    """Where a label goes beside a point at x so it stays on a narrow (phone) chart: to its right
    in the left third, to its left in the right third, centred above it in between."""
    fraction = (x - low) / (high - low) if high > low else 0.5
    if fraction < 1 / 3:
        return "left", 24
    if fraction > 2 / 3:
        return "right", -24
    return "center", 0


def _highlight_annotation(row: dict, units: pd.DataFrame) -> dict:
    """The reader's council named beside its shape, on the side with room, with a line to it."""
    anchor, shift = label_side(row["cx"], units["cx"].min(), units["cx"].max())
    return {"x": row["cx"], "y": row["cy"], "text": highlight_label(row["area_name"]), "showarrow": True,
            "arrowhead": 0, "arrowwidth": 1.5, "arrowcolor": HIGHLIGHT_OUTLINE, "ax": shift,
            "ay": -32, "xanchor": anchor, "bgcolor": "rgba(255,255,255,0.92)",
            "bordercolor": HIGHLIGHT_COLOUR, "borderwidth": 2, "borderpad": 3,
            "font": {"color": "#1a1a1a", "size": 13}, "name": "highlight"}


def area_map_spec(units: pd.DataFrame, *, title: str, subtitle: str, colour_title: str, unit: str,
                  kind: str, words_for=lambda compared: "", labels: bool = True,
                  colour_range: tuple[float, float] | None = None, highlight: str | None = None) -> dict:
    """Councils as filled polygons coloured by value.

    `units` has one row per geography unit: geo_code, area_code (the council's code in the
    warehouse, for the click), area_name, value, value_status, note, compared_with_england,
    xs, ys (a ring or rings separated by None) and cx, cy (where a label goes). `kind` is
    "hex" or "boundaries"; labels are drawn only on hexes. `colour_range` fixes the scale's
    ends (a region's map keeps England's scale, so a colour means the same on both);
    `highlight` is the area_code of the reader's council, outlined thick and named.
    """
    values = units["value"].tolist()
    low, high = colour_range or value_range(values, unit)
    span = high - low
    # Column lists, not DataFrame.assign/sort_values/to_dict: each copies or boxes every cell of
    # every council, most of a callback's time.
    rows = records(units, list(units.columns))
    caveated = own_caveats(values, units["quality_flag"].tolist()) if "quality_flag" in units else [False] * len(rows)
    mine = [code == highlight for code in units["area_code"].tolist()]
    # Big shapes first, so a council inside another (Leicester in Leicestershire) is on top;
    # the reader's council last of all, so its thick outline is not covered by a neighbour's.
    # (sorted is stable, as the sort it replaces was.)
    order = sorted(range(len(rows)), key=lambda i: (mine[i], -len(rows[i]["xs"])))
    traces: list[dict] = []
    label_x: dict[str, list] = {DARK_TEXT: [], LIGHT_TEXT: []}
    label_y: dict[str, list] = {DARK_TEXT: [], LIGHT_TEXT: []}
    label_text: dict[str, list] = {DARK_TEXT: [], LIGHT_TEXT: []}
    # A region's few hexes are big enough to carry each council's name as well as its value.
    named = len(units) <= NAMED_UNITS
    annotations = []
    for i in order:
        row, is_marked = rows[i], caveated[i]
        has_value = not is_missing(row.get("value"))
        trace = {"type": "scatter", "x": row["xs"], "y": row["ys"], "mode": "lines", "fill": "toself",
                 "line": {"color": OUTLINE, "width": 0.8 if kind == "hex" else 0.6},
                 "hoveron": "fills", "name": _hover(row, unit, words_for), "showlegend": False,
                 "customdata": [row["area_code"]], "meta": row["area_code"],
                 "hoverlabel": {"bgcolor": "white", "bordercolor": OUTLINE, "font": {"color": "#1a1a1a"},
                                "namelength": 0}}
        if has_value:
            fill = colour_at((row["value"] - low) / span)
            trace["fillcolor"] = fill
            if is_marked:
                trace["fillpattern"] = {**CAVEAT_PATTERN, "fgcolor": text_colour(fill), "bgcolor": fill}
                trace["line"] = dict(CAVEAT_OUTLINE)
            if labels:
                ink = text_colour(fill)
                label_x[ink].append(row["cx"])
                label_y[ink].append(row["cy"])
                value = (CAVEAT_MARK if is_marked else "") + _short(row["value"], unit)
                label_text[ink].append(f"{_wrapped_name(row['area_name'])}<br>{value}" if named else value)
        else:
            trace["fillcolor"] = NO_DATA_FILL
            trace["fillpattern"] = NO_DATA_PATTERN
        traces.append(trace)
        if mine[i]:
            trace["line"] = dict(HIGHLIGHT_LINE)
            traces.append({"type": "scatter", "x": row["xs"], "y": row["ys"], "mode": "lines",
                           "line": dict(HIGHLIGHT_INNER), "hoverinfo": "skip", "showlegend": False,
                           "name": "your council's outline"})
            annotations.append(_highlight_annotation(row, units))
    for ink in (DARK_TEXT, LIGHT_TEXT):
        if label_text[ink]:
            traces.append({"type": "scatter", "x": label_x[ink], "y": label_y[ink], "text": label_text[ink],
                           "mode": "text", "hoverinfo": "skip",
                           "textfont": {"color": ink, "size": 12 if named else 10, "shadow": HALO[ink]},
                           "showlegend": False, "name": "value labels", "meta": "narrow-hide"})
    anchor_x = units["cx"].iloc[0] if len(units) else 0
    anchor_y = units["cy"].iloc[0] if len(units) else 0
    # One invisible point carries the colour bar (Plotly draws bars only for traces).
    traces.append({"type": "scatter", "x": [anchor_x], "y": [anchor_y], "mode": "markers", "hoverinfo": "skip",
                   "showlegend": False, "name": "colour scale",
                   "marker": {"size": 1, "opacity": 0, "color": [low], "cmin": low, "cmax": high,
                              "colorscale": COLOURSCALE, "showscale": True,
                              "colorbar": {"title": {"text": _title_lines(colour_title), "side": "top"},
                                           "ticksuffix": "%" if unit == "percent" else "",
                                           "tickformat": ".1f" if unit == "percent" else "",
                                           "outlinecolor": OUTLINE, "outlinewidth": 1, "len": 0.6,
                                           "thickness": 18, "x": 1.0, "y": 0.98, "yanchor": "top"}}})
    if any(is_missing(value) for value in values):
        # A legend swatch for the hatching: a trace with no points.
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines", "fill": "toself",
                       "fillcolor": NO_DATA_FILL, "fillpattern": NO_DATA_PATTERN,
                       "line": {"color": OUTLINE, "width": 0.8}, "name": "No data (hatched)",
                       "showlegend": True, "hoverinfo": "skip"})
    if any(caveated):
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines", "fill": "toself",
                       "fillcolor": COLOURSCALE[1][1],
                       "fillpattern": {**CAVEAT_PATTERN, "fgcolor": DARK_TEXT, "bgcolor": COLOURSCALE[1][1]},
                       "line": dict(CAVEAT_OUTLINE), "name": f"{CAVEAT_MARK} Caveat: see below the map (dotted)",
                       "showlegend": True, "hoverinfo": "skip"})
    (x0, x1), (y0, y1) = _extent(units)
    width = (x1 - x0) if x0 is not None else 1
    height = (y1 - y0) if y0 is not None else 1
    pad = 0.02 * max(width, height)
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left", "subtitle": {"text": subtitle}},
        "xaxis": {"visible": False, "range": [(0 if x0 is None else x0) - pad, (1 if x1 is None else x1) + pad]},
        "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1,
                  "range": [(0 if y0 is None else y0) - pad, (1 if y1 is None else y1) + pad]},
        "height": 860, "margin": {"l": 10, "r": 10, "t": 90, "b": 40},
        "plot_bgcolor": "white", "paper_bgcolor": "white", "font": FONT, "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 0, "yanchor": "top"}, "dragmode": False,
        "annotations": annotations,
    }
    # A plain dict: one trace per council polygon, so the page wraps it as a Figure once,
    # without validation (pages/map.py, map_drawing); the unit tests validate it in full.
    return {"data": traces, "layout": layout}


def _bounds(xs: list, ys: list) -> tuple:
    """(min x, max x, min y, max y) of a ring list's points (None separates rings); Nones if none."""
    px = [x for x in xs if x is not None]
    py = [y for y in ys if y is not None]
    return (min(px, default=None), max(px, default=None), min(py, default=None), max(py, default=None))


def _extent(units: pd.DataFrame) -> tuple[tuple, tuple]:
    """((min x, max x), (min y, max y)) of every unit's points, None where there are none. From
    the units' "bounds" (worked out once per hex or shape) when they carry them: a boundary map
    has tens of thousands of points."""
    bounds = units["bounds"].tolist() if "bounds" in units else \
        [_bounds(xs, ys) for xs, ys in zip(units["xs"].tolist(), units["ys"].tolist())]
    ends = []
    for column, pick in ((0, min), (1, max), (2, min), (3, max)):
        found = [b[column] for b in bounds if b[column] is not None]
        ends.append(pick(found) if found else None)
    return (ends[0], ends[1]), (ends[2], ends[3])


# What a legend swatch shows, by the legend entry's name: the page draws these as an HTML key
# above the map (it wraps on a phone, where Plotly's legend would sit under the map).
KEY_KINDS = {"No data (hatched)": "no-data", f"{CAVEAT_MARK} Caveat: see below the map (dotted)": "caveat"}


def key_items(spec: dict) -> list[tuple[str, str]]:
    """(words, kind) for each legend entry of a map spec, for the page's key above the map; the
    reader's council joins them when it is drawn."""
    items = [(trace["name"], KEY_KINDS.get(trace["name"], "other"))
             for trace in spec["data"] if trace.get("showlegend")]
    for note in spec["layout"].get("annotations", []):
        if note.get("name") == "highlight":
            items.append((f"{note['text']}: outlined", "highlight"))
    return items


def for_page(spec: dict) -> dict:
    """The map as the page draws it, at any width: no title (the page prints it as text, which
    wraps on a phone), the colour bar along the top instead of beside the map, where on a
    phone it would take half the width, and no legend (the page's key above the map says it,
    key_items). Images and embeds keep the spec as it is."""
    data = []
    for trace in spec["data"]:
        colorbar = (trace.get("marker") or {}).get("colorbar")
        if colorbar:
            # The measure is named in the page's title just above, so the bar needs no title.
            colorbar = {**colorbar, "title": {"text": ""}, "orientation": "h", "lenmode": "pixels", "len": 300,
                        "thickness": 12, "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "ypad": 4}
            trace = {**trace, "marker": {**trace["marker"], "colorbar": colorbar}}
        data.append({**trace, "showlegend": False} if trace.get("showlegend") else trace)
    layout = {key: value for key, value in spec["layout"].items() if key not in ("title", "height")}
    return {"data": data, "layout": {**layout, "showlegend": False, "margin": {**layout["margin"], "t": 80}}}


# The columns a map unit carries from its council's row (records() of only these: callbacks).
UNIT_COLUMNS = ["geo_code", "area_code", "area_name", "value", "value_status", "note", "compared_with_england",
                "quality_flag", "quality_note"]


def _by_geo(placed) -> dict[str, dict]:
    """geo_code -> the council's values: `placed` is that mapping already, or a frame of rows
    with a geo_code (a later row for the same code wins)."""
    if isinstance(placed, dict):
        return placed
    return {r["geo_code"]: r for r in records(placed, UNIT_COLUMNS)}


@lru_cache(maxsize=4096)
def _hex_outline(cell) -> tuple[list, list, tuple]:
    """A hex's ring as x and y lists, and their bounds: worked out once per hex, not on every
    callback (layouts are loaded once per process). Shared, so never changed in place."""
    xs, ys = (list(axis) for axis in zip(*cell.corners))
    return xs, ys, _bounds(xs, ys)


def hex_units(hexmap, placed) -> pd.DataFrame:
    """One row per hex with its council's values (placed: geo_code -> the council's row, as a
    frame with a geo_code column or a dict of dicts)."""
    by_geo = _by_geo(placed)
    geometry = []
    for code, cell in hexmap.hexes.items():
        xs, ys, bounds = _hex_outline(cell)
        geometry.append((code, cell.name, xs, ys, cell.centre[0], cell.centre[1], bounds))
    return _units(geometry, by_geo)


_OUTLINES: dict[int, tuple[list, list, float, float, tuple]] = {}


def _outline(shape) -> tuple[list, list, float, float, tuple]:
    """Every ring of a shape in one None-separated trace, its centre and bounds. Shapes are
    loaded once per process, so this is worked out once per shape, not on every callback."""
    key = id(shape)
    if key not in _OUTLINES:
        xs, ys = [], []
        for polygon in shape.polygons:
            for ring in polygon:
                if xs:
                    xs.append(None)
                    ys.append(None)
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
        _OUTLINES[key] = (xs, ys, *shape.centre, _bounds(xs, ys))
    return _OUTLINES[key]


def shape_units(shapes, placed) -> pd.DataFrame:
    """One row per boundary shape, every ring of it in one trace separated by None."""
    by_geo = _by_geo(placed)
    geometry = []
    for shape in shapes:
        xs, ys, cx, cy, bounds = _outline(shape)
        geometry.append((shape.code, shape.name, xs, ys, cx, cy, bounds))
    return _units(geometry, by_geo)


def _units(geometry: list[tuple], by_geo: dict[str, dict]) -> pd.DataFrame:
    """The units frame, built column by column (a frame from a list of dicts infers every cell):
    geometry is (code, name, xs, ys, cx, cy, bounds) per unit."""
    found = [by_geo.get(code, {}) for code, *_ in geometry]
    columns = {
        "geo_code": [g[0] for g in geometry],
        "area_code": [d.get("area_code", g[0]) for g, d in zip(geometry, found)],
        "area_name": [d.get("area_name", g[1]) for g, d in zip(geometry, found)],
        "value": [d.get("value") for d in found],
        "value_status": [d.get("value_status", "missing") for d in found],
        **{name: [d.get(name) for d in found] for name in UNIT_COLUMNS[5:]},
        "xs": [g[2] for g in geometry], "ys": [g[3] for g in geometry],
        "cx": [g[4] for g in geometry], "cy": [g[5] for g in geometry],
        "bounds": [g[6] for g in geometry],
    }
    return _typed(columns)


def _typed(columns: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=[*UNIT_COLUMNS, "xs", "ys", "cx", "cy", "bounds"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    return frame


def _highlight_words(valued: list[dict], empty: list[dict], highlight: str | None, unit: str) -> str:
    """' Your council, Gateshead: 22.2%, ranked =40 of 152 drawn (outlined and labelled).' ('' without
    one). No rank in a year whose every figure carries a caveat that forbids comparison. `valued`
    rows highest first, `empty` the rows without a value."""
    if not highlight:
        return ""
    mine = [row for row in valued if row["area_code"] == highlight]
    if not mine:
        missing = [row for row in empty if row["area_code"] == highlight]
        return f" Your council, {missing[0]['area_name']}: no data." if missing else ""
    row = mine[0]
    rank = ""
    if not all(r["compared_with_england"] == "not_compared" for r in valued):
        ranks = dict(zip([r["area_code"] for r in valued],
                         tie_ranks([r["value"] for r in valued], 1 if unit == "percent" else 0)))
        rank = f", ranked {ranks[highlight]} of {len(valued)} drawn"
    return f" Your council, {row['area_name']}: {format_value(row['value'], unit)}{rank} (outlined and labelled)."


def describe_map(units: pd.DataFrame, *, what: str, drawing: str, unit: str,
                 england_value: float | None, highlight: str | None = None) -> str:
    """A text alternative: what is drawn, the range, highest and lowest, the reader's council,
    and against England."""
    # Rows as dicts from column lists: pandas' dropna/sort_values/value_counts copy or box every
    # cell, most of this function's time when it ran on the frame.
    rows = records(units, ["area_code", "area_name", "value", "compared_with_england", "quality_flag"])
    # Highest first, then by name (sorted is stable, as the sort it replaces).
    valued = sorted((row for row in rows if not is_missing(row["value"])),
                    key=lambda row: (-row["value"], row["area_name"]))
    empty = [row for row in rows if is_missing(row["value"])]
    if not valued:
        return f"{drawing} of {what}: no council has a value."
    top, bottom = valued[0], valued[-1]
    text = (f"{drawing} of {what}, darker for higher values. {len(valued)} councils have a value, from "
            f"{format_value(bottom['value'], unit)} to {format_value(top['value'], unit)}. "
            f"Highest: {top['area_name']} ({format_value(top['value'], unit)}). "
            f"Lowest: {bottom['area_name']} ({format_value(bottom['value'], unit)}).")
    text += _highlight_words(valued, empty, highlight, unit)
    # Above or below England means something for a rate, not for a count or a sum of money.
    if england_value is not None and not is_missing(england_value) and unit in INTENSIVE_UNITS:
        compared = Counter(row["compared_with_england"] for row in valued
                           if isinstance(row["compared_with_england"], str))
        not_compared = compared.get("not_compared", 0)
        text += f" England: {format_value(england_value, unit)}"
        if not_compared == len(valued):
            # Counting councils above England would rank what the publisher says not to compare.
            text += f". {CAVEAT_MARK} Not compared with England because of a caveat: every council."
        else:
            above = sum(row["value"] > england_value for row in valued)
            below = sum(row["value"] < england_value for row in valued)
            text += f"; {above} councils above it and {below} below."
            if sum(n for how, n in compared.items() if how != "not_compared"):
                text += (f" Significantly higher than England (95% interval): {compared.get('higher', 0)}; "
                         f"significantly lower: {compared.get('lower', 0)}; "
                         f"similar: {compared.get('similar', 0)}.")
            if not_compared:
                text += f" {CAVEAT_MARK} Not compared with England because of a caveat: {not_compared}."
    flagged = [row for row, own in zip(valued, own_caveats([row["value"] for row in valued],
                                                           [row["quality_flag"] for row in valued])) if own]
    if flagged:
        names = ", ".join(sorted(row["area_name"] for row in flagged))
        text += (f" {CAVEAT_MARK} Dotted for a caveat of their own ({len(flagged)}): {names}." if len(flagged) <= 30
                 else f" {CAVEAT_MARK} Dotted for a caveat of their own: {len(flagged)} councils (listed in the table).")
    if empty:
        names = ", ".join(sorted(row["area_name"] for row in empty))
        text += f" No data for {len(empty)}: {names}." if len(empty) <= 12 else \
            f" No data for {len(empty)} (hatched; listed below the map)."
    return text
