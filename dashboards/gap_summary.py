"""Is this area's gap to England closing? The trend page's answer in one sentence. Pure.

The statistic is etl/gap_trend.py's; this module chooses the years it may use: those of the
latest comparable series (series breaks and boundary changes split a series; a renamed code
does not) with a gap and its Newcombe interval, and says which years it left out and why.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.gap_trend import MIN_YEARS, GapTrend, GapTrendError, gap_trend

from .geography import period_year
from .recent_trend import listed, series_index

GAP_TREND_METHOD = (
    "Method: each year's gap to England (percentage points) is weighted by the inverse of its variance, "
    "taken from its Newcombe 95% interval, and a straight line is fitted by weighted least squares. "
    "Year-to-year movement beyond sampling error widens the slope's interval, never narrows it; the "
    "interval uses Student's t. The gap is called narrowing or widening only when that interval leaves "
    f"out no change, from at least {MIN_YEARS} years with counts within one comparable series.")




@dataclass(frozen=True)
class GapSummary:
    sentence: str
    rows: pd.DataFrame                 # every year with a gap: period, gap, its interval, series
    used: pd.DataFrame                 # the years the trend was fitted to (empty if none)
    trend: GapTrend | None


def gap_summary(own: pd.DataFrame, breaks: pd.DataFrame, area_name: str) -> GapSummary | None:
    """`own`: one area's observations of one measure and breakdown (period, gap, gap_lower_95,
    gap_upper_95, compared_with_england). `breaks`: the applicable breaks. None when the area
    has no gaps to England at all (England itself, counts)."""
    if own.empty or "gap" not in own or own["gap"].notna().sum() == 0:
        return None
    rows = own[own["gap"].notna()].assign(series=lambda f: series_index(f["period"], breaks["period"])).sort_values("period")
    usable = rows[rows["gap_lower_95"].notna() & rows["gap_upper_95"].notna()
                  & (rows["compared_with_england"] != "not_compared")]
    counts = usable.groupby("series").size()
    eligible = counts[counts >= MIN_YEARS]
    if eligible.empty:
        return GapSummary(f"Too few comparable years with counts to judge whether {area_name}'s gap to England is "
                          f"changing: a trend needs at least {MIN_YEARS} years with a gap and its interval in one "
                          "comparable series.", rows, usable.iloc[0:0], None)
    series = int(eligible.index.max())
    chosen = usable[usable["series"] == series]
    try:
        trend = gap_trend([period_year(p) for p in chosen["period"]], chosen["gap"], chosen["gap_lower_95"],
                          chosen["gap_upper_95"], chosen["series"])
    except GapTrendError as error:   # cannot happen with one series of >= MIN_YEARS; said if it does
        return GapSummary(str(error), rows, chosen.iloc[0:0], None)
    periods = list(chosen["period"])
    sentence = trend.sentence(area_name, periods[0], periods[-1])
    left_out = sorted(set(rows.loc[rows["series"] == series, "period"]) - set(periods))
    later = sorted(set(rows.loc[rows["series"] > series, "period"]))
    notes = []
    if left_out:
        verb = "has" if len(left_out) == 1 else "have"
        notes.append(f"{listed(left_out)} {verb} no counts, so no interval, and {'is' if len(left_out) == 1 else 'are'} "
                     "left out of the trend")
    if later:
        notes.append(f"{listed(later)} {'is' if len(later) == 1 else 'are'} after a series break and not comparable")
    return GapSummary(sentence + ("" if not notes else " " + "; ".join(notes) + "."), rows, chosen, trend)


def gap_trend_sentence(own: pd.DataFrame, breaks: pd.DataFrame, area_name: str) -> str | None:
    summary = gap_summary(own, breaks, area_name)
    return None if summary is None else summary.sentence

