"""Council profile figures: a dot chart of the latest figures beside the region and England,
its small multiples for narrow screens (one small chart per measure and breakdown), and trend
lines that are never joined across missing years, series breaks or boundary changes.

Each compared area has its own marker shape, colour and legend words (and, in the trend, line
style), so no comparison rests on colour alone. A value with a quality flag is drawn hollow, with
its flag in the hover and the caveat mark in the words beside it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from . import CAVEAT_MARK, FONT, NOTE_MARK, format_value, is_missing, plotly_default_template, significance_style
from ..labels import breakdown_label, flag_codes, flag_words

AGE_ORDER = ["all", "18-64", "under-65", "65+", "65-84", "85+"]
MEASURE_ORDER = ["sds_users", "dp_users", "sds_carers", "dp_carers", "pb_eligible", "dp_recipients",
                 "dp_recipients_rate", "dp_carer_recipients", "lts_clients", "mh_investment_per_head",
                 "population", "pb_target"]


@dataclass(frozen=True)
class Role:
    """How one compared area is drawn."""
    code: str
    name: str
    symbol: str          # Plotly marker symbol
    glyph: str           # the same shape as text, for legends and tables
    colour: str
    dash: str


AREA_STYLE = ("circle", "\u25cf", "#1d4f91", "solid")        # dark blue, 8.6:1
REGION_STYLE = ("diamond", "\u25c6", "#882255", "dash")      # wine, 9:1
ENGLAND_STYLE = ("square", "\u25a0", "#1a1a1a", "dot")       # near-black

# The hover's number format per unit, as format_value prints it: one decimal for percentages
# and rates, whole numbers for counts and money.
HOVER_FORMATS = {"percent": ".1f", "points": "+.1f", "rate_per_100000": ",.1f", "gbp_per_head": ",.2f"}
HOVER_SUFFIXES = {"percent": "%", "points": " points"}
# Units drawn for every compared area: percentages and their changes. A count grows with an
# area's size, so only the first area's is drawn.
SHARED_UNITS = ("percent", "points")

# Top margin a figure's own title takes, and bottom margin its legend takes: a page prints the
# title as a heading and the legend as a key above the chart (for_page), so it gives them back.
TITLE_SPACE = 40
LEGEND_SPACE = 40


def percent_ticks(step: int) -> dict:
    ticks = list(range(0, 101, step))
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [f"{t}%" for t in ticks]}


def hollow(symbol: str, quality_flag: object) -> str:
    """The marker's open version for a flagged value: 'circle' -> 'circle-open'."""
    return f"{symbol}-open" if flag_codes(quality_flag) else symbol


def flag_hover(quality_flag: object, flag_labels: dict[str, str] | None) -> str:
    """'<br>\u26a0 Not comparable between councils' for a flagged value's hover; '' otherwise."""
    words = flag_words(quality_flag, flag_labels)
    return f"<br>{CAVEAT_MARK} {words[0].upper() + words[1:]}" if words else ""


def percent_axis_top(highest: float) -> float:
    """A little above the highest percentage drawn, so small values are not squashed against a
    fixed 0-100 axis; never far past 100, which a percentage cannot exceed."""
    return min(highest * 1.1 + 1, max(highest + 2, 100.0))


def roles(area_code: str, area_name: str, region: tuple[str, str] | None,
          england: tuple[str, str] | None) -> list[Role]:
    """The area itself, then its region (if any), then England (unless the area is England)."""
    chosen = [Role(area_code, area_name, *AREA_STYLE)]
    if region:
        chosen.append(Role(region[0], region[1], *REGION_STYLE))
    if england and england[0] != area_code:
        chosen.append(Role(england[0], england[1], *ENGLAND_STYLE))
    return chosen


def year_of(period: str) -> int:
    return int(period[:4])


def period_of(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def breakdown_order(measure_id: str, age_band: str, client_group: str) -> tuple:
    return (MEASURE_ORDER.index(measure_id) if measure_id in MEASURE_ORDER else len(MEASURE_ORDER), measure_id,
            AGE_ORDER.index(age_band) if age_band in AGE_ORDER else len(AGE_ORDER), age_band,
            client_group != "all", client_group)


def latest_by_breakdown(rows: pd.DataFrame, area_code: str, comparator_codes: list[str]) -> pd.DataFrame:
    """One row per measure x breakdown the area has: its latest period with a value (else its
    latest row), with the comparators' values for that same period as `value_<code>` columns."""
    own = rows[rows["area_code"] == area_code].copy()
    if own.empty:
        return own
    own["_has_value"] = own["value"].notna()
    own = own.sort_values(["_has_value", "period"])
    latest = own.groupby(["measure_id", "age_band", "client_group"], as_index=False).tail(1).drop(columns="_has_value")
    keys = ["measure_id", "period", "age_band", "client_group"]
    for code in comparator_codes:
        other = rows[rows["area_code"] == code][keys + ["value"]].rename(columns={"value": f"value_{code}"})
        latest = latest.merge(other.drop_duplicates(keys), on=keys, how="left")
    order = [breakdown_order(*key) for key in zip(latest["measure_id"], latest["age_band"], latest["client_group"])]
    return latest.assign(_order=order).sort_values("_order").drop(columns="_order").reset_index(drop=True)


def row_label(measure_label: str, age_band: str, client_group: str, period: str) -> str:
    return f"{measure_label}<br>{breakdown_label(age_band, client_group)}, {period}"


def _flags_of(frame: pd.DataFrame) -> list:
    return frame["quality_flag"].tolist() if "quality_flag" in frame else [None] * len(frame)


def dot_words(row, area_code: str, polarity: str) -> str:
    """'22.2% \u26a0 not compared: see the caveat', '40.0% \u2020 \u25b2 better than England \u26a0':
    the words beside a dot; the caveat mark once for a flagged value."""
    note = f" {NOTE_MARK}" if isinstance(row.note, str) and row.note else ""
    text = format_value(row.value, "percent") + note
    symbol = ""
    if area_code != "E92000001":
        words, _, symbol = significance_style(getattr(row, "compared_with_england", None), polarity)
        text += f" {symbol} {words}"
    if flag_codes(getattr(row, "quality_flag", None)) and symbol != CAVEAT_MARK:
        text += f" {CAVEAT_MARK}"
    return text


def dot_chart(latest: pd.DataFrame, area_roles: list[Role], measure_labels: dict[str, str],
              polarities: dict[str, str], *, title: str, flag_labels: dict[str, str] | None = None) -> go.Figure:
    """Percentages only: one row per measure x breakdown (latest period), a dot per area, the
    first area's 95% interval as a whisker, and its comparison with England in words at the right.
    The first area's flagged values are hollow dots with the flag in the hover."""
    shown = latest[latest["value"].notna()]
    flags = _flags_of(shown)
    labels = [row_label(measure_labels.get(m, m), a, c, p) for m, a, c, p in
              zip(shown["measure_id"], shown["age_band"], shown["client_group"], shown["period"])]
    traces, annotations = [], []
    area = area_roles[0]
    for position, role in reversed(list(enumerate(area_roles))):
        values = shown["value"] if position == 0 else shown.get(f"value_{role.code}", pd.Series(dtype=float))
        values = pd.Series(values).reset_index(drop=True)
        trace = dict(x=values.tolist(), y=labels, mode="markers", name=role.name
                     + (" (with 95% interval)" if position == 0 and shown["lower_95"].notna().any() else ""),
                     marker={"symbol": role.symbol, "color": role.colour, "size": 13 if position == 0 else 11,
                             "line": {"color": "#ffffff", "width": 1}},
                     customdata=list(shown["period"]),
                     hovertemplate=f"{role.name} %{{customdata}}: %{{x:.1f}}%<extra></extra>")
        if position == 0:
            # Hollow where flagged: an open marker's outline takes the marker colour, so the
            # white line that rings a filled dot is dropped for those.
            trace["marker"] = {**trace["marker"], "symbol": [hollow(role.symbol, f) for f in flags],
                               "line": {"color": [role.colour if flag_codes(f) else "#ffffff" for f in flags],
                                        "width": [2 if flag_codes(f) else 1 for f in flags]}}
            trace["customdata"] = [[period, flag_hover(f, flag_labels)] for period, f in zip(shown["period"], flags)]
            trace["hovertemplate"] = f"{role.name} %{{customdata[0]}}: %{{x:.1f}}%%{{customdata[1]}}<extra></extra>"
            has = shown["lower_95"].notna() & shown["upper_95"].notna()
            trace["error_x"] = {"type": "data", "symmetric": False, "color": role.colour, "thickness": 2,
                                "width": 6,
                                "array": (shown["upper_95"] - shown["value"]).where(has).tolist(),
                                "arrayminus": (shown["value"] - shown["lower_95"]).where(has).tolist()}
        traces.append({"type": "scatter", **trace})
    for label, row in zip(labels, shown.itertuples()):
        text = dot_words(row, area.code, polarities.get(row.measure_id, "higher_is_better"))
        annotations.append({"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 12, "y": label, "yref": "y",
                            "text": text, "showarrow": False, "align": "left",
                            "font": {"size": 13, "color": "#1a1a1a"}})
    layout = dict(
        title={"text": title, "x": 0, "xanchor": "left"}, annotations=annotations,
        xaxis={"title": {"text": "Percentage"}, "range": [0, 101], **percent_ticks(10), "gridcolor": "#d9d9d9",
               "zeroline": False, "automargin": True},
        # The range, not autorange: autorange pads a category axis by 5% each side, over 100 px
        # of empty plot above the first row and below the last in a chart of 30 rows.
        yaxis={"automargin": True, "range": [len(set(labels)) - 0.5, -0.5], "tickfont": {"size": 13}},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "traceorder": "reversed"},
        margin={"l": 10, "r": 250, "t": 60, "b": 90}, height=max(320, 58 * len(shown) + 170),
        plot_bgcolor="white", font=FONT)
    return go.Figure(data=traces, layout=layout, _validate=False)


def describe_dots(latest: pd.DataFrame, area_roles: list[Role], measure_labels: dict[str, str],
                  polarities: dict[str, str], flag_labels: dict[str, str] | None = None) -> str:
    """The dot chart in words: every row, every dot, the interval and the comparison."""
    shown = latest[latest["value"].notna()]
    names = ", ".join(role.name for role in area_roles)
    if shown.empty:
        return f"No percentage figures for {area_roles[0].name}."
    parts = [f"Dot chart of the latest percentage for each measure and breakdown: {names}."]
    for row in shown.itertuples():
        label = f"{measure_labels.get(row.measure_id, row.measure_id)}, {breakdown_label(row.age_band, row.client_group).lower()}, {row.period}"
        text = f"{area_roles[0].name} {format_value(row.value, 'percent')}"
        if not is_missing(row.lower_95) and not is_missing(row.upper_95):
            text += f" (95% interval {row.lower_95:.1f} to {row.upper_95:.1f})"
        for role in area_roles[1:]:
            text += f", {role.name} {format_value(getattr(row, f'value_{role.code}', None), 'percent')}"
        if area_roles[0].code != "E92000001":
            words = significance_style(getattr(row, "compared_with_england", None),
                                       polarities.get(row.measure_id, "higher_is_better"))[0]
            text += f"; {words}"
        flagged = flag_words(getattr(row, "quality_flag", None), flag_labels)
        if flagged:
            text += f" ({CAVEAT_MARK} flagged: {flagged})"
        parts.append(f"{label}: {text}.")
    return " ".join(parts)


def for_page(figure: go.Figure | dict) -> dict:
    """The figure as the profile page draws it: no title (the page prints it as a heading, which
    wraps on a phone where Plotly's would be cut off) and no legend (the key above the chart,
    key_items, says it and wraps too). Embeds and images keep the figure as it is. A plain dict
    is read, not copied: its traces are shared with it, and neither is changed."""
    spec = figure if isinstance(figure, dict) else figure.to_plotly_json()
    layout = {key: value for key, value in spec["layout"].items() if key not in ("title", "legend")}
    before = layout.get("margin", {})
    margin = {**before, "t": max(12, before.get("t", TITLE_SPACE) - TITLE_SPACE),
              "b": max(40, before.get("b", LEGEND_SPACE) - LEGEND_SPACE)}
    if layout.get("height"):   # the same plot area: only the space given back goes
        layout["height"] -= (before.get("t", 0) - margin["t"]) + (before.get("b", 0) - margin["b"])
    return {"data": spec["data"], "layout": {**layout, "showlegend": False, "margin": margin}}


@dataclass(frozen=True)
class KeyItem:
    """One entry of a chart's key: a mark drawn as the chart draws it, and its words."""
    shape: str           # Plotly symbol name: circle, diamond, square
    colour: str
    words: str
    hollow: bool = False
    interval: bool = False


def key_items(area_roles: list[Role], *, interval: bool, flagged: bool) -> list[KeyItem]:
    """The key above a profile chart: each area's mark (the first with its interval when one is
    drawn), then the hollow mark of a flagged figure when there is one."""
    items = []
    for position, role in enumerate(area_roles):
        with_interval = position == 0 and interval
        items.append(KeyItem(role.symbol, role.colour, role.name + (", with its 95% interval" if with_interval else ""),
                             interval=with_interval))
    if flagged:
        first = area_roles[0]
        items.append(KeyItem(first.symbol, first.colour,
                             f"a figure with a quality flag {CAVEAT_MARK} (see the caveats)", hollow=True))
    return items


@dataclass(frozen=True)
class MultipleMark:
    """One area's mark on a small multiple, at a percentage along its 0-100% scale."""
    shape: str
    colour: str
    at: float
    hollow: bool
    words: str           # "North East 80.0%"


@dataclass(frozen=True)
class SmallMultiple:
    """One measure and breakdown of the dot chart as a small chart of its own (a phone's view):
    its label above, the area's dot and interval, the comparators' marks, the values in words."""
    measure_id: str
    label: str                             # "All adults (18+), 2024-25"
    interval: tuple[float, float] | None   # the area's 95% interval
    marks: tuple[MultipleMark, ...]        # comparators first, the area last (drawn on top)


def _on_scale(value: float) -> float:
    return max(0.0, min(100.0, float(value)))


def small_multiples(latest: pd.DataFrame, area_roles: list[Role], polarities: dict[str, str]) -> list[SmallMultiple]:
    """The dot chart's rows (percentages, latest period) as small multiples, in the same order,
    on the same 0-100% scale. The area's words carry its interval, its comparison with England
    and the caveat mark, as the dot chart's words do."""
    multiples = []
    area = area_roles[0]
    for row in latest[latest["value"].notna()].itertuples():
        marks = []
        for role in reversed(area_roles[1:]):
            value = getattr(row, f"value_{role.code}", None)
            if not is_missing(value):
                marks.append(MultipleMark(role.symbol, role.colour, _on_scale(value), False,
                                          f"{role.name} {format_value(value, 'percent')}"))
        has_interval = not is_missing(row.lower_95) and not is_missing(row.upper_95)
        value_text = format_value(row.value, "percent")
        interval = f" (95% interval {row.lower_95:.1f} to {row.upper_95:.1f})" if has_interval else ""
        # dot_words starts with the value: the interval goes straight after it.
        rest = dot_words(row, area.code, polarities.get(row.measure_id, "higher_is_better"))[len(value_text):]
        marks.append(MultipleMark(area.symbol, area.colour, _on_scale(row.value),
                                  bool(flag_codes(getattr(row, "quality_flag", None))),
                                  f"{area.name} {value_text}{interval}{rest}"))
        multiples.append(SmallMultiple(
            row.measure_id, f"{breakdown_label(row.age_band, row.client_group)}, {row.period}",
            (_on_scale(row.lower_95), _on_scale(row.upper_95)) if has_interval else None, tuple(marks)))
    return multiples


def applicable_breaks(breaks: pd.DataFrame, measure_id: str, area_code: str) -> pd.DataFrame:
    """Series breaks for this measure (all areas) and boundary changes of this area."""
    if breaks is None or breaks.empty:
        return pd.DataFrame(columns=["measure_id", "area_code", "period", "kind", "note"])
    if {"measure_id", "area_code", "period", "kind"} <= set(breaks.columns):
        # A few dozen rows, read on every trend call: chosen and ordered in plain Python, then
        # taken once (the same rows, in the same order, as the filter and sort below).
        measure_ids, area_codes = breaks["measure_id"].tolist(), breaks["area_code"].tolist()
        wanted = [i for i, (m, a) in enumerate(zip(measure_ids, area_codes))
                  if (m == measure_id and is_missing(a)) or (a == area_code and is_missing(m))]
        periods, kinds = breaks["period"].tolist(), breaks["kind"].tolist()
        if not any(is_missing(periods[i]) or is_missing(kinds[i]) for i in wanted):
            wanted.sort(key=lambda i: (periods[i], kinds[i]))
            return breaks.iloc[wanted].reset_index(drop=True)
    measure_ids = breaks["measure_id"] if "measure_id" in breaks else pd.Series(None, index=breaks.index)
    area_codes = breaks["area_code"] if "area_code" in breaks else pd.Series(None, index=breaks.index)
    wanted = ((measure_ids == measure_id) & area_codes.isna()) | ((area_codes == area_code) & measure_ids.isna())
    # Assign the selected rows' own columns: assigning a full-length column to an empty frame
    # would give it that column's index, and rows of NaN periods (a 500 on every measure
    # without breaks).
    return breaks[wanted].assign(measure_id=measure_ids[wanted], area_code=area_codes[wanted]) \
        .sort_values(["period", "kind"]).reset_index(drop=True)


def break_label(row) -> str:
    return "Boundary change" if isinstance(row.area_code, str) and row.area_code else "Series break"


@dataclass(frozen=True)
class BreakRow:
    period: str
    area_code: object
    note: object


def break_rows(breaks: pd.DataFrame) -> list[BreakRow]:
    """The breaks as rows with the attributes break_label and the captions read (itertuples
    makes a class per call)."""
    return [BreakRow(*values) for values in zip(breaks["period"].tolist(), breaks["area_code"].tolist(),
                                                 breaks["note"].tolist())]


def break_anchor(x: float, years: list[int]) -> str:
    """Where a break's label hangs from its line: centred over it, so on a narrow chart, where
    labels of close breaks stack, each still sits on its own line; near either end, on the
    inner side, so it stays in view."""
    position = (x - (years[0] - 0.6)) / (years[-1] - years[0] + 1.2)
    return "left" if position < 0.2 else "right" if position > 0.8 else "center"


def shown_breaks_in(breaks: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The breaks inside the years drawn, one per period and reason: two councils made by one
    split share its note, and one marker says it."""
    if not years or breaks.empty:
        return breaks.iloc[0:0]
    seen, kept = set(), []
    for position, (period, note) in enumerate(zip(breaks["period"].tolist(), breaks["note"].tolist())):
        key = (period, None if is_missing(note) else note)   # drop_duplicates counts NaN notes alike
        if years[0] < year_of(period) <= years[-1] and key not in seen:
            seen.add(key)
            kept.append(position)
    return breaks.iloc[kept].reset_index(drop=True)


def trend_years(selection: pd.DataFrame, breaks: pd.DataFrame) -> list[int]:
    """Every financial year from the first to the last with a value, so gaps show."""
    years = [year_of(p) for p, v in zip(selection["period"].tolist(), selection["value"].tolist()) if not is_missing(v)]
    if not years:
        return []
    return list(range(min(years), max(years) + 1))


@dataclass
class _Line:
    """One area's rows of a selection as plain lists, in row order."""
    periods: list
    values: list
    flags: list | None       # None when the selection has no quality_flag column
    lowers: list | None      # None when it has no interval columns
    uppers: list | None


def _lines(selection: pd.DataFrame) -> dict[str, _Line]:
    """Each area's rows, split once: a chart reads every line's points, flags and intervals,
    and a filter of the frame per line and per question costs more than the drawing."""
    columns = {c: selection[c].tolist() for c in ("area_code", "period", "value", "quality_flag", "lower_95",
                                                   "upper_95") if c in selection}
    has_flags, has_intervals = "quality_flag" in columns, "lower_95" in columns and "upper_95" in columns
    lines: dict[str, _Line] = {}
    for index, code in enumerate(columns["area_code"]):
        line = lines.get(code)
        if line is None:
            line = lines[code] = _Line([], [], [] if has_flags else None, [] if has_intervals else None,
                                       [] if has_intervals else None)
        line.periods.append(columns["period"][index])
        line.values.append(columns["value"][index])
        if has_flags:
            line.flags.append(columns["quality_flag"][index])
        if has_intervals:
            line.lowers.append(columns["lower_95"][index])
            line.uppers.append(columns["upper_95"][index])
    return lines


_NO_LINE = _Line([], [], [], [], [])


def _line_points(line: _Line, years: list[int], break_years: set[int]) -> tuple[list, list, list[str]]:
    values = {year_of(p): v for p, v in zip(line.periods, line.values) if not is_missing(v)}
    xs, ys, labels = [], [], []
    for year in years:
        if year in break_years and year != years[0]:
            xs.append(year - 0.5), ys.append(None), labels.append("")
        xs.append(year), ys.append(values.get(year)), labels.append(period_of(year))
    return xs, ys, labels


def line_points(selection: pd.DataFrame, area_code: str, years: list[int],
                break_years: set[int]) -> tuple[list, list, list[str]]:
    """x, y and period labels for one area: None at every year without a value and at every
    break (half a year before the break period), so Plotly never joins across either."""
    return _line_points(_lines(selection).get(area_code, _NO_LINE), years, break_years)


def _point_flags(line: _Line, xs: list) -> list:
    if line.flags is None:
        return [None] * len(xs)
    flags = {year_of(p): f for p, v, f in zip(line.periods, line.values, line.flags) if not is_missing(v)}
    return [flags.get(x) if float(x).is_integer() else None for x in xs]


def point_flags(selection: pd.DataFrame, area_code: str, xs: list) -> list:
    """The quality flag of each point line_points gave (None at gaps and breaks)."""
    if "quality_flag" not in selection:
        return [None] * len(xs)
    return _point_flags(_lines(selection).get(area_code, _NO_LINE), xs)


def _interval_arrays(line: _Line, xs: list, ys: list) -> tuple[list, list]:
    bounds = {} if line.lowers is None else \
        {year_of(p): (lo, hi) for p, lo, hi in zip(line.periods, line.lowers, line.uppers)}
    upper, lower = [], []
    for x, y in zip(xs, ys):
        lo, hi = bounds.get(x, (None, None)) if y is not None and float(x).is_integer() else (None, None)
        upper.append(None if is_missing(hi) else hi - y)
        lower.append(None if is_missing(lo) else y - lo)
    return upper, lower


def trend_chart(selection: pd.DataFrame, area_roles: list[Role], breaks: pd.DataFrame, *, title: str,
                unit: str = "percent", value_title: str = "Percentage",
                flag_labels: dict[str, str] | None = None) -> go.Figure:
    """Lines over financial years for each role present in `selection` (one measure and
    breakdown); breaks from `applicable_breaks`. Counts are drawn for the first area only.
    Flagged points are hollow with their flag in the hover; a percentage axis runs from 0 to a
    little above the highest value or interval drawn.

    Built from dicts (trend_figure) and wrapped once without per-property validation; the unit
    tests validate the same figure in full."""
    return go.Figure(**trend_figure(selection, area_roles, breaks, title=title, unit=unit, value_title=value_title,
                                    flag_labels=flag_labels), _validate=False)


def trend_figure(selection: pd.DataFrame, area_roles: list[Role], breaks: pd.DataFrame, *, title: str,
                 unit: str = "percent", value_title: str = "Percentage",
                 flag_labels: dict[str, str] | None = None) -> dict:
    """trend_chart's figure as a plain {"data", "layout"} dict, as the page sends it: building a
    go.Figure and turning it back into a dict costs a trend callback more than the drawing."""
    years = trend_years(selection, breaks)
    if not years:
        return {"data": [], "layout": {"template": plotly_default_template()}}
    traces, shapes, annotations = [], [], []
    highest = 0.0
    drawn = area_roles if unit in SHARED_UNITS else area_roles[:1]
    # Thinner lines and smaller marks when many lines share the plot, so each stays traceable.
    crowded = len(drawn) > 5
    break_periods, break_areas = breaks["period"].tolist(), breaks["area_code"].tolist()
    measure_break_years = {year_of(p) for p, a in zip(break_periods, break_areas) if not isinstance(a, str)}
    lines = _lines(selection)
    for position, role in reversed(list(enumerate(drawn))):
        own_breaks = measure_break_years | {year_of(p) for p, a in zip(break_periods, break_areas) if a == role.code}
        line = lines.get(role.code, _NO_LINE)
        xs, ys, labels = _line_points(line, years, own_breaks)
        if all(y is None for y in ys):
            continue
        flags = _point_flags(line, xs) if "quality_flag" in selection else [None] * len(xs)
        highest = max([highest, *(y for y in ys if y is not None)])
        trace = dict(x=xs, y=ys, mode="lines+markers", connectgaps=False, name=role.name,
                     line={"color": role.colour, "dash": role.dash,
                           "width": (3 if position == 0 else 2) - (0.5 if crowded else 0)},
                     marker={"symbol": [hollow(role.symbol, f) for f in flags], "color": role.colour,
                             "size": (10 if position == 0 else 9) - (2 if crowded else 0),
                             "line": {"color": role.colour, "width": [2 if flag_codes(f) else 0 for f in flags]}},
                     customdata=[[label, flag_hover(f, flag_labels)] for label, f in zip(labels, flags)],
                     hovertemplate=f"{role.name} %{{customdata[0]}}: %{{y:{HOVER_FORMATS.get(unit, ',.0f')}}}"
                                   + HOVER_SUFFIXES.get(unit, "") + "%{customdata[1]}<extra></extra>")
        if position == 0 and unit == "percent":
            upper, lower = _interval_arrays(line, xs, ys)
            if any(u is not None for u in upper):
                trace["error_y"] = {"type": "data", "symmetric": False, "array": upper, "arrayminus": lower,
                                    "color": role.colour, "thickness": 1.5, "width": 5}
                highest = max([highest, *(y + u for y, u in zip(ys, upper) if u is not None)])
        traces.append({"type": "scatter", **trace})
    shown_breaks = shown_breaks_in(breaks, years)
    for index, row in enumerate(break_rows(shown_breaks)):
        x = year_of(row.period) - 0.5
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"dash": "longdash", "color": "#505a5f", "width": 1.5}})
        annotations.append({"x": x, "y": 1, "yref": "paper", "yanchor": "bottom", "xanchor": break_anchor(x, years),
                            "showarrow": False, "text": f"{break_label(row)} {index + 1}",
                            "yshift": 2 + 18 * (index % 3), "font": {"size": 12, "color": "#1a1a1a"},
                            "bgcolor": "#ffffff", "hovertext": row.note, "name": f"break-{index + 1}"})
    y_axis = {"title": {"text": value_title}, "gridcolor": "#d9d9d9", "rangemode": "tozero"}
    if unit == "percent":
        y_axis.update(range=[0, percent_axis_top(highest)], ticksuffix="%")
    elif unit == "points":   # a change runs either side of no change, which the zero line marks
        y_axis.update(rangemode="normal", zeroline=True, zerolinecolor="#505a5f", zerolinewidth=2)
    layout = dict(
        title={"text": title, "x": 0, "xanchor": "left"}, shapes=shapes, annotations=annotations,
        xaxis={"title": {"text": "Year (to 31 March)"}, "tickvals": years, "ticktext": [period_of(y) for y in years],
               "range": [years[0] - 0.6, years[-1] + 0.6], "showgrid": False, "zeroline": False,
               "automargin": True},   # year labels turn upright on a phone and need the room
        yaxis=y_axis,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                "traceorder": "reversed"},
        # The legend below wraps about four names to a row: room for each row it needs.
        margin={"l": 10, "r": 20, "t": 60 + 18 * min(len(shown_breaks), 3), "b": 110 + 22 * max(0, (len(traces) - 1) // 4)},
        height=460 + 22 * max(0, (len(traces) - 1) // 4),
        plot_bgcolor="white", font=FONT, template=plotly_default_template())
    return {"data": traces, "layout": layout}


def describe_trend(selection: pd.DataFrame, area_roles: list[Role], breaks: pd.DataFrame, *, what: str,
                   unit: str = "percent", flag_labels: dict[str, str] | None = None) -> str:
    """The trend chart in words: each line's values (a flagged one marked), the years without
    figures, which values are flagged and why, every break."""
    years = trend_years(selection, breaks)
    if not years:
        return f"No figures for {what}."
    drawn = area_roles if unit in SHARED_UNITS else area_roles[:1]
    names = ", ".join(role.name for role in drawn)
    parts = [f"Line chart of {what} for {names}, {period_of(years[0])} to {period_of(years[-1])}."]
    if unit not in SHARED_UNITS:
        parts.append("A count: only " + area_roles[0].name + " is drawn; other areas are in the table.")
    with_value, flagged = set(), []
    lines = _lines(selection)
    for role in drawn:
        line = lines.get(role.code, _NO_LINE)
        flags = line.flags if line.flags is not None else [None] * len(line.periods)
        # Its rows with a value, by period (a stable sort, as sort_values of so few rows is).
        own = sorted(((p, v, f) for p, v, f in zip(line.periods, line.values, flags) if not is_missing(v)),
                     key=lambda point: point[0])
        with_value |= {year_of(p) for p, _, _ in own}
        if not own:
            parts.append(f"{role.name}: no figures.")
            continue
        values = ", ".join(f"{p} {format_value(v, unit)}" + (f" {CAVEAT_MARK}" if flag_codes(f) else "")
                           for p, v, f in own)
        parts.append(f"{role.name}: {values}.")
        flagged += [f"{role.name} {p} ({flag_words(f, flag_labels)})" for p, _, f in own if flag_codes(f)]
    if flagged:
        parts.append(f"Values marked {CAVEAT_MARK} carry a quality flag and are drawn hollow: "
                     + ", ".join(flagged) + ".")
    gaps = [period_of(y) for y in years if y not in with_value]
    if gaps:
        parts.append("No figures for " + ", ".join(gaps) + ": the lines are not joined across these years.")
    for index, row in enumerate(break_rows(shown_breaks_in(breaks, years))):
        parts.append(f"{break_label(row)} {index + 1}, before {row.period} (lines not joined across it): {row.note}")
    return " ".join(parts)


def trend_table_rows(selection: pd.DataFrame, area_roles: list[Role]) -> pd.DataFrame:
    """One row per period: the first area's figures and each comparator's value beside it."""
    own = selection[selection["area_code"] == area_roles[0].code]
    periods = sorted(set(selection.loc[selection["value"].notna(), "period"]) | set(own["period"]))
    table = pd.DataFrame({"period": periods}).merge(own, on="period", how="left")
    codes, years, values = (selection[c].tolist() for c in ("area_code", "period", "value"))
    for role in area_roles[1:]:
        # Lookups, not merges: this runs in the trend callback, and a merge costs ~2 ms.
        first: dict[str, object] = {}
        for code, year, value in zip(codes, years, values):
            if code == role.code:
                first.setdefault(year, value)
        table[f"value_{role.code}"] = [first.get(year) for year in periods]
    return table
