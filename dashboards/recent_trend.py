"""Is an area's own figure going up or down lately? A recent-trend mark for a percentage measure,
as Fingertips shows one: the chi-square test for trend (Cochran-Armitage) on the last up to five
consecutive years with counts, within one comparable series. Pure: rows in, a RecentTrend out.

The test asks whether the proportion changes linearly with the year, from the counts (numerator
and denominator) of each year. Counts rounded to the nearest 5 are used as published: rounding
moves a proportion far less than the year-to-year changes the test can detect. Where the years
or counts are missing, the mark says "not calculated" and why, never a guess.
"""
from __future__ import annotations

import bisect
import math

from dataclasses import dataclass

import numpy as np
import pandas as pd
from etl.distributions import normal_upper_tail

from .geography import period_of, period_year

MAX_YEARS = 5
MIN_YEARS = 3
# Two-sided, as the funnel plot's outer limits: thousands of people a year make small wobbles
# "significant" at 95%, and a mark that flips every year helps nobody.
SIGNIFICANCE = 0.002

RECENT_TREND_METHOD = (
    "Recent trend: the chi-square test for trend (Cochran-Armitage, scores the years) on the last "
    f"{MIN_YEARS} to {MAX_YEARS} consecutive years with counts within one comparable series (never "
    f"across a series break or boundary change); called improving or worsening when p < {SIGNIFICANCE} "
    "(two-sided, 99.8% confidence), by the measure's polarity; otherwise no significant change. "
    "Years published without counts cannot be tested and are left out, as the mark says.")


@dataclass(frozen=True)
class TrendTest:
    chi_square: float   # 1 degree of freedom
    z: float            # signed: positive when the proportion rises with the score
    p_value: float      # two-sided


def cochran_armitage(scores, numerators, denominators) -> TrendTest:
    """The Cochran-Armitage chi-square test for a linear trend in proportions numerators /
    denominators over `scores` (Armitage 1955): T = sum t_i (x_i - n_i p), Var T = p (1 - p)
    (sum n_i t_i^2 - (sum n_i t_i)^2 / N), chi-square = T^2 / Var T. Raises ValueError where the
    test is undefined (fewer than two scores, a proportion of 0 or 1 overall)."""
    # In plain floats, not numpy: a Compare table tests ~150 councils of at most MAX_YEARS
    # years, where numpy's per-call overhead was most of the cost. Sums run left to right, as
    # numpy sums arrays this short, so the figures are the same to the last bit.
    t, x, n = ([float(value) for value in values] for values in (scores, numerators, denominators))
    if len(t) < 2 or any(math.isnan(value) for value in (*t, *x, *n)) or any(size <= 0 for size in n):
        raise ValueError("the test needs at least two years, each with a numerator and a positive denominator")
    if any(count < 0 for count in x) or any(count > size for count, size in zip(x, n)):
        raise ValueError("a numerator is below zero or above its denominator")
    total = sum(n)
    p = sum(x) / total
    # Scores centred on their weighted mean: the same T and spread, without subtracting two
    # numbers near 4 million (years squared) that agree in most of their digits.
    mean = sum(size * score for size, score in zip(n, t)) / total
    t = [score - mean for score in t]
    spread = sum(size * (score * score) for size, score in zip(n, t))
    variance = p * (1 - p) * spread
    if variance <= 0:
        raise ValueError("every year has the same proportion of 0% or 100%, or the years are the same")
    statistic = sum(score * (count - size * p) for score, count, size in zip(t, x, n))
    z = statistic / math.sqrt(variance)
    return TrendTest(chi_square=float(z ** 2), z=float(z), p_value=float(2 * normal_upper_tail(abs(z))))


@dataclass(frozen=True)
class RecentTrend:
    verdict: str               # improving, worsening, increasing, decreasing, no significant change, not calculated
    first_period: str | None
    last_period: str | None
    years: int
    test: TrendTest | None
    reason: str                # why not calculated, or which later years are left out

    @property
    def arrow(self) -> str:
        if self.verdict == "no significant change":
            return "\u2192"
        if self.test is None:
            return "\u2013"          # en dash: nothing to point
        return "\u2191" if self.test.z > 0 else "\u2193"

    @property
    def calculated(self) -> bool:
        return self.first_period is not None

    def words(self) -> str:
        """'↑ Improving, 2014-15 to 2017-18' or '– Not calculated': the mark itself."""
        head = f"{self.arrow} {self.verdict[0].upper()}{self.verdict[1:]}"
        return head + (f", {self.first_period} to {self.last_period}" if self.calculated else "")

    def sentence(self, area: str) -> str:
        """The mark in one sentence, with its figures and what was left out."""
        if not self.calculated:
            return f"Recent trend for {area}: not calculated. {self.reason}".strip()
        if self.test is None:
            return (f"Recent trend for {area}, {self.first_period} to {self.last_period} ({self.years} years with "
                    f"counts): no significant change. {self.reason}").strip()
        direction = "rising" if self.test.z > 0 else "falling"
        figures = f"chi-square for trend {self.test.chi_square:.1f}, p {_p_text(self.test.p_value)}"
        said = {"no significant change": "no significant change",
                "improving": f"improving ({direction})", "worsening": f"worsening ({direction})",
                "increasing": "increasing", "decreasing": "decreasing"}[self.verdict]
        text = (f"Recent trend for {area}, {self.first_period} to {self.last_period} ({self.years} years with "
                f"counts): {said} ({figures}).")
        return text + (f" {self.reason}" if self.reason else "")


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"




def series_index(periods, break_periods) -> list[int]:
    """Which comparable series each period falls in: the number of breaks at or before it."""
    breaks = sorted({period_year(p) for p in break_periods})
    return [bisect.bisect_right(breaks, period_year(p)) for p in periods]


def listed(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else ", ".join(periods[:-1]) + " and " + periods[-1]


def _verdict(test: TrendTest, polarity: str) -> str:
    if test.p_value >= SIGNIFICANCE:
        return "no significant change"
    rising = test.z > 0
    if polarity == "higher_is_better":
        return "improving" if rising else "worsening"
    if polarity == "lower_is_better":
        return "worsening" if rising else "improving"
    return "increasing" if rising else "decreasing"


def not_calculated(reason: str) -> RecentTrend:
    return RecentTrend("not calculated", None, None, 0, None, reason)


def recent_trend(rows: pd.DataFrame, break_periods, polarity: str, end_period: str | None = None) -> RecentTrend:
    """The recent trend of one area's percentage for one measure and breakdown.

    `rows`: its observations (period, value, numerator, denominator); `break_periods`: the first
    periods of new series that apply (definition breaks of the measure, boundary changes of the
    area); `end_period`: the last year to consider (default: the latest with a value).

    The series considered is the latest, up to `end_period`, that holds at least MIN_YEARS
    consecutive years with counts; within it the latest run of such years, its last MAX_YEARS.
    Years after the run (without counts, or in a later series) are named in the reason."""
    return _trend_of(*(rows[column].tolist() for column in ("period", "value", "numerator", "denominator")),
                     break_periods, polarity, end_period)


def _present(value) -> bool:
    return value is not None and value is not pd.NA and value == value      # NaN is not equal to itself


def _trend_of(periods: list, values: list, numerators: list, denominators: list, break_periods, polarity: str,
              end_period: str | None) -> RecentTrend:
    """recent_trend on one area's columns as lists: a table of 150 councils asks for 150 of
    these per request, and a DataFrame per council cost ~1 ms each."""
    valued = [(p, x, n) for p, v, x, n in zip(periods, values, numerators, denominators)
              if _present(v) and (end_period is None or p <= end_period)]
    if not valued:
        return not_calculated("There is no figure" + (f" up to {end_period}." if end_period else "."))
    valued_periods = [p for p, _, _ in valued]
    year_of = {p: period_year(p) for p in valued_periods}     # read once: ~150 areas per table
    series_of = dict(zip(valued_periods, series_index(valued_periods, break_periods)))
    counted_years = {year_of[p]: (x, n) for p, x, n in valued if _present(x) and _present(n) and n > 0}
    latest_period = max(valued_periods)
    chosen: list[int] = []
    for series in sorted(set(series_of.values()), reverse=True):
        years = sorted(year_of[p] for p, s in series_of.items() if s == series and year_of[p] in counted_years)
        runs, run = [], []
        for year in years:
            run = run + [year] if run and year == run[-1] + 1 else [year]
            runs.append(list(run))
        long_enough = [r for r in runs if len(r) >= MIN_YEARS]
        if long_enough:
            chosen = long_enough[-1][-MAX_YEARS:]
            break
    if not chosen:
        return not_calculated(_why_not(series_of, counted_years, latest_period))
    numerators, denominators = [counted_years[y][0] for y in chosen], [counted_years[y][1] for y in chosen]
    if sum(numerators) in (0, sum(denominators)):
        # Every year 0% or every year 100%: nothing moved, and the test's variance is zero.
        level = "100%" if sum(numerators) else "0%"
        return RecentTrend("no significant change", period_of(chosen[0]), period_of(chosen[-1]), len(chosen), None,
                           f"Every year's figure is {level}: nothing changed.")
    test = cochran_armitage(chosen, numerators, denominators)
    later = sorted(p for p in valued_periods if year_of[p] > chosen[-1])
    reason = ""
    if later:
        last_series = series_of[period_of(chosen[-1])]
        without_counts = [p for p in later if series_of[p] == last_series and year_of[p] not in counted_years]
        after_break = [p for p in later if series_of[p] != last_series]
        parts = []
        if without_counts:
            parts.append(f"{listed(without_counts)} {'was' if len(without_counts) == 1 else 'were'} published "
                         "without counts")
        if after_break:
            parts.append(f"{listed(after_break)} {'is' if len(after_break) == 1 else 'are'} after a series break")
        rest = [p for p in later if p not in without_counts and p not in after_break]
        if rest:
            parts.append(f"{listed(rest)} {'is' if len(rest) == 1 else 'are'} not in a run of consecutive years")
        reason = "Later years left out: " + "; ".join(parts) + "."
    return RecentTrend(_verdict(test, polarity), period_of(chosen[0]), period_of(chosen[-1]), len(chosen), test, reason)


def _why_not(series_of: dict[str, int], counted_years: dict, latest_period: str) -> str:
    latest_series = series_of[latest_period]
    in_series = sorted(p for p, s in series_of.items() if s == latest_series)
    without = [p for p in in_series if period_year(p) not in counted_years]
    if len(in_series) < MIN_YEARS and len(series_of) == len(in_series):
        return (f"Only {len(in_series)} year{'s' if len(in_series) > 1 else ''} with a figure ({listed(in_series)}); "
                f"the test needs at least {MIN_YEARS} consecutive years with counts.")
    if len(in_series) < MIN_YEARS:
        return (f"{listed(in_series)} {'begins' if len(in_series) == 1 else 'begin'} a new series after a break, "
                f"and no earlier series has {MIN_YEARS} consecutive years with counts.")
    if without:
        return (f"The test needs {MIN_YEARS} consecutive years with counts; {listed(without)} "
                f"{'was' if len(without) == 1 else 'were'} published without counts.")
    return f"There are not {MIN_YEARS} consecutive years with counts in one comparable series."


def recent_trends_by_area(rows: pd.DataFrame, breaks: pd.DataFrame, polarity: str,
                          end_period: str) -> dict[str, RecentTrend]:
    """Each area's recent trend up to `end_period`, for a table of one measure and breakdown.
    `rows`: every period's observations of that measure and breakdown; `breaks`: the series
    breaks (measure rows have no area_code; boundary changes name theirs). Columns are read as
    lists once and split by area in Python: ~150 areas per table (see _trend_of)."""
    columns = [rows[c].tolist() for c in ("area_code", "measure_id", "period", "value", "numerator", "denominator")]
    positions: dict[tuple, list[int]] = {}
    for position, key in enumerate(zip(columns[0], columns[1])):
        positions.setdefault(key, []).append(position)
    by_area = {key: [[column[i] for i in found] for column in columns[2:]] for key, found in positions.items()}
    # The same breaks as applicable_breaks(): the measure's own (no area) and the area's
    # boundary changes (no measure).
    break_rows = list(zip(*(breaks[c].tolist() if c in breaks else [None] * len(breaks)
                            for c in ("measure_id", "area_code", "period")))) if breaks is not None else []
    measure_breaks: dict[str, list[str]] = {}
    area_breaks: dict[str, list[str]] = {}
    for measure_id, code, period in break_rows:
        if _present(measure_id) and not _present(code):
            measure_breaks.setdefault(measure_id, []).append(period)
        elif _present(code) and not _present(measure_id):
            area_breaks.setdefault(code, []).append(period)
    return {code: _trend_of(*cells, measure_breaks.get(measure_id, []) + area_breaks.get(code, []),
                            polarity, end_period)
            for (code, measure_id), cells in by_area.items()}


def table_mark(trend: RecentTrend | None, period: str) -> str:
    """The mark a ranking table shows for `period`: only a trend whose years end there, since a
    mark from years long past beside this year's figure would read as this year's direction."""
    if trend is None or not trend.calculated or trend.last_period != period:
        return "\u2013 Not calculated"
    return trend.words()
