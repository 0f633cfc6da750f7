"""Trends for several councils: how each added council is drawn, and each line's change since a
chosen year. Pure: DataFrames in, DataFrames and Roles out; figures/profile.py draws them.

Up to ten councils join the area, its region and England. Each has its own colour (at least 3:1
against white, so a line is visible to most readers), marker shape and dash pattern: two lines
never share all three, and none is told apart by colour alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .profile import Role, year_of

MAX_ADDED = 10

# (colour, Plotly symbol, glyph, dash): the most distinct first, as most readers add two or three.
ADDED_STYLES = (
    ("#D55E00", "triangle-up", "\u25b2", "longdash"),        # vermillion, 3.9:1
    ("#117733", "triangle-down", "\u25bc", "dashdot"),       # green, 5.7:1
    ("#6A3D9A", "pentagon", "\u2b1f", "longdashdot"),        # purple, 7.6:1
    ("#CC3377", "hexagon", "\u2b22", "solid"),               # pink, 4.9:1
    ("#7A6A00", "star", "\u2605", "dash"),                   # olive, 5.4:1
    ("#0F7FB6", "cross", "\u271a", "dot"),                   # sky blue, 4.4:1
    ("#8C510A", "x", "\u2716", "longdash"),                  # brown, 6.4:1
    ("#00786F", "triangle-left", "\u25c0", "dashdot"),       # teal, 5.4:1
    ("#666666", "triangle-right", "\u25b6", "longdashdot"),  # grey, 5.7:1
    ("#C1272D", "hourglass", "\u29d7", "solid"),             # red, 5.8:1
)


def added_roles(councils: list[tuple[str, str]]) -> list[Role]:
    """A Role per added council (code, name), in the order added, styled from ADDED_STYLES."""
    chosen = []
    for (code, name), (colour, symbol, glyph, dash) in zip(councils[:MAX_ADDED], ADDED_STYLES):
        chosen.append(Role(code, name, symbol, glyph, colour, dash))
    return chosen


def break_years_for(breaks: pd.DataFrame, code: str) -> list[int]:
    """The first years of new series for one line: the measure's definition breaks and the
    area's own boundary changes."""
    if breaks.empty:
        return []
    area_codes = breaks["area_code"] if "area_code" in breaks else pd.Series(None, index=breaks.index)
    mine = area_codes.isna() | (area_codes == code)
    return sorted({year_of(p) for p in breaks.loc[mine, "period"]})


@dataclass(frozen=True)
class Change:
    """Each line's change since a year, as rows trend_chart draws (value = the change in
    percentage points; `level` the figure itself), and why any line could not be drawn."""
    rows: pd.DataFrame
    since: str
    until: str | None                 # the last year comparable with `since` for the area, if cut by a break
    refused: dict[str, str]           # area code -> why it has no change line


def change_since(selection: pd.DataFrame, area_roles: list[Role], breaks: pd.DataFrame, since: str) -> Change:
    """Each role's change in percentage points from its value in `since`, for `since` and the
    years after it within the same comparable series: never across a series break or the
    line's own boundary change, never from a year without a figure."""
    refused: dict[str, str] = {}
    parts = []
    until = None
    start = year_of(since)
    for position, role in enumerate(area_roles):
        own = selection[(selection["area_code"] == role.code) & selection["value"].notna()]
        base = own[own["period"] == since]
        if base.empty:
            refused[role.code] = f"{role.name} has no figure for {since}, so no change from it."
            continue
        later_breaks = [y for y in break_years_for(breaks, role.code) if y > start]
        stop = later_breaks[0] if later_breaks else None
        kept = own[own["period"].map(year_of).ge(start) & (own["period"].map(year_of).lt(stop) if stop else True)]
        if position == 0 and stop is not None:
            until = max(kept["period"])
        level = float(base["value"].iloc[0])
        parts.append(kept.assign(level=kept["value"], value=kept["value"] - level,
                                 lower_95=float("nan"), upper_95=float("nan")))
    rows = pd.concat(parts, ignore_index=True) if parts else selection.iloc[0:0].assign(level=[])
    return Change(rows, since, until, refused)


def change_periods(selection: pd.DataFrame, area_code: str) -> list[str]:
    """The years a change can be measured from: those with a figure for the area, but its last."""
    own = sorted(set(selection.loc[(selection["area_code"] == area_code) & selection["value"].notna(), "period"]))
    return own[:-1]


# The change download's columns: each line's change from its own figure in the base year, the two
# figures it is the difference of, and the flags of both (a change is as sound as its weaker end).
CHANGE_COLUMNS = [
    "area_code", "area_name", "area_type", "region_code", "measure_id", "age_band", "client_group",
    "base_period", "period", "change_since_base_period_points", "value_in_base_period", "value_in_period",
    "value_status", "note", "quality_flag", "quality_note", "base_period_quality_flag", "base_period_quality_note",
    "line_stops_at_break", "source_id", "source_kind", "source_file", "source_sheet", "value_cell"]


def _stop_note(breaks: pd.DataFrame, code: str, since: str) -> str | None:
    """Why a line's change ends where it does: the first break after the base year that applies
    to it (its measure's, or its own boundary change)."""
    if breaks.empty:
        return None
    area_codes = breaks["area_code"] if "area_code" in breaks else pd.Series(None, index=breaks.index)
    mine = breaks[(area_codes.isna() | (area_codes == code)) & (breaks["period"].map(year_of) > year_of(since))]
    if mine.empty:
        return None
    first = mine.sort_values("period").iloc[0]
    return f"Series break in {first['period']}: {first['note']} No change is measured across it."


def change_table(change: Change, breaks: pd.DataFrame) -> pd.DataFrame:
    """The changes trend_chart draws as rows (CHANGE_COLUMNS), one per line and year, in the
    order of change.rows; `breaks` as change_since had them, to say where a line stops and why."""
    rows = change.rows.reset_index(drop=True)
    base = rows[rows["period"] == change.since].drop_duplicates("area_code").set_index("area_code")

    def from_base(column: str) -> list:
        found = base[column] if column in base else pd.Series(dtype=object)
        return [found.get(code) for code in rows["area_code"]]

    table = rows.assign(
        base_period=change.since,
        change_since_base_period_points=rows["value"],
        value_in_base_period=from_base("level"),
        value_in_period=rows["level"],
        base_period_quality_flag=from_base("quality_flag"),
        base_period_quality_note=from_base("quality_note"),
        line_stops_at_break=[_stop_note(breaks, code, change.since) for code in rows["area_code"]])
    table = table.reindex(columns=CHANGE_COLUMNS)
    numbers = ["change_since_base_period_points", "value_in_base_period", "value_in_period"]
    table = table.astype({c: float for c in numbers})
    # Figures are published to a decimal place or two: a difference of them carries no more.
    return table.assign(change_since_base_period_points=table["change_since_base_period_points"].round(10))
