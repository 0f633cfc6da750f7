"""Is this area's gap to England closing? The trend page's answer in one sentence. Pure.

The statistic is etl/gap_trend.py's; this module chooses the years it may use: those of the
latest comparable series (series breaks and boundary changes split a series; a renamed code
does not) with a gap and its Newcombe interval, and says which years it left out and why.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from etl.gap_trend import MIN_YEARS, GapTrend, GapTrendError, gap_trend

from .figures import is_missing
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
    if own.empty or "gap" not in own:
        return None
    # Plain lists, and each frame taken once: the trend callback asks this on every change.
    with_gap = [i for i, gap in enumerate(own["gap"].tolist()) if not is_missing(gap)]
    if not with_gap:
        return None
    all_periods = own["period"].tolist()
    series_of = dict(zip(with_gap, series_index([all_periods[i] for i in with_gap], breaks["period"])))
    with_gap.sort(key=lambda i: all_periods[i])   # by period (one row per period, so any sort agrees)
    rows = own.iloc[with_gap]
    rows["series"] = [series_of[i] for i in with_gap]   # a new frame: adding a column copies nothing else
    series_list, periods_list = [series_of[i] for i in with_gap], [all_periods[i] for i in with_gap]
    lower, upper = own["gap_lower_95"].tolist(), own["gap_upper_95"].tolist()
    compared = own["compared_with_england"].tolist()
    usable = [k for k, i in enumerate(with_gap) if not is_missing(lower[i]) and not is_missing(upper[i])
              and compared[i] != "not_compared"]
    counts = Counter(series_list[k] for k in usable)
    eligible = [number for number, count in counts.items() if count >= MIN_YEARS]
    if not eligible:
        return GapSummary(f"Too few comparable years with counts to judge whether {area_name}'s gap to England is "
                          f"changing: a trend needs at least {MIN_YEARS} years with a gap and its interval in one "
                          "comparable series.", rows, rows.iloc[0:0], None)
    series = int(max(eligible))
    chosen = rows.iloc[[k for k in usable if series_list[k] == series]]
    try:
        trend = gap_trend([period_year(p) for p in chosen["period"].tolist()], chosen["gap"].tolist(),
                          chosen["gap_lower_95"].tolist(), chosen["gap_upper_95"].tolist(), chosen["series"].tolist())
    except GapTrendError as error:   # cannot happen with one series of >= MIN_YEARS; said if it does
        return GapSummary(str(error), rows, chosen.iloc[0:0], None)
    periods = chosen["period"].tolist()
    sentence = trend.sentence(area_name, periods[0], periods[-1])
    left_out = sorted({p for p, n in zip(periods_list, series_list) if n == series} - set(periods))
    later = sorted({p for p, n in zip(periods_list, series_list) if n > series})
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



# The gap download's columns: each year's gap with its interval and method, whether the trend
# used the year (and why not), the trend's verdict and slope, and the flags of both figures the
# gap is made from (the area's and England's).
GAP_TABLE_COLUMNS = [
    "area_code", "area_name", "area_type", "region_code", "period", "measure_id", "age_band", "client_group",
    "value", "lower_95", "upper_95", "numerator", "denominator", "england_value",
    "gap_points", "gap_lower_95", "gap_upper_95", "gap_method", "compared_with_england",
    "in_trend", "not_in_trend_because", "trend_verdict", "trend_first_period", "trend_last_period",
    "trend_slope_points_per_year", "trend_slope_lower_95", "trend_slope_upper_95",
    "value_status", "note", "quality_flag", "quality_note", "england_quality_flag", "england_quality_note",
    "source_id", "source_kind", "source_file", "source_sheet", "value_cell"]
NUMBER_COLUMNS = {"value", "lower_95", "upper_95", "numerator", "denominator", "england_value", "gap_points",
                  "gap_lower_95", "gap_upper_95", "trend_slope_points_per_year", "trend_slope_lower_95",
                  "trend_slope_upper_95"}


def _left_out_because(row, used_series: int | None, used: set[str]) -> str | None:
    if row.period in used:
        return None
    if used_series is not None and row.series > used_series:
        return "after a series break: not comparable with the years of the trend"
    if used_series is not None and row.series < used_series:
        return "before a series break: the trend uses the latest comparable series"
    if pd.isna(row.gap_lower_95) or pd.isna(row.gap_upper_95):
        return "no counts, so no interval"
    if row.compared_with_england == "not_compared":
        return "a quality flag forbids comparing it with England"
    return f"too few comparable years with counts (a trend needs {MIN_YEARS})"


def gap_table(summary: GapSummary, england: pd.DataFrame) -> pd.DataFrame:
    """The gap chart's numbers as rows (GAP_TABLE_COLUMNS), one per year drawn. `england`:
    England's observations of the same measure and breakdown, for their flags."""
    rows = summary.rows.reset_index(drop=True)
    trend, used = summary.trend, set(summary.used["period"])
    used_series = int(summary.used["series"].iloc[0]) if trend is not None and not summary.used.empty else None
    flags = england.drop_duplicates("period").set_index("period").reindex(rows["period"])
    periods = sorted(used)
    table = rows.assign(
        gap_points=rows["gap"],
        in_trend=rows["period"].isin(used),
        not_in_trend_because=[_left_out_because(row, used_series, used) for row in rows.itertuples()],
        trend_verdict=trend.verdict if trend is not None else "not calculated",
        trend_first_period=periods[0] if periods else None,
        trend_last_period=periods[-1] if periods else None,
        trend_slope_points_per_year=trend.slope if trend is not None else float("nan"),
        trend_slope_lower_95=trend.lower if trend is not None else float("nan"),
        trend_slope_upper_95=trend.upper if trend is not None else float("nan"),
        england_quality_flag=list(flags.get("quality_flag", pd.Series(index=flags.index, dtype=object))),
        england_quality_note=list(flags.get("quality_note", pd.Series(index=flags.index, dtype=object))))
    table = table.reindex(columns=GAP_TABLE_COLUMNS)
    # Numbers as numbers and the flag as a boolean, however the observations arrived: a CSV
    # writes text that starts with "-" as text a spreadsheet must not run.
    numbers = [c for c in GAP_TABLE_COLUMNS if c in NUMBER_COLUMNS]
    return table.astype({c: float for c in numbers} | {"in_trend": bool})
