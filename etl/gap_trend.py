"""Is an area's gap to England closing? A weighted linear trend in the gap, within one
comparable series. Pure: arrays in, a GapTrend out.

The gap for each year (area minus England, percentage points) comes with its Newcombe 95%
interval. Each year is weighted by the inverse of its sampling variance, taken from the
interval's half-width, so a year with few people counts for less. Year-to-year movement
beyond sampling error (councils change systems, recording and policy) is allowed for by a
multiplicative over-dispersion factor from the residuals, never below 1: the interval is
never narrower than sampling error alone would make it. The slope's interval uses Student's
t with n - 2 degrees of freedom, as a regression on a handful of years should.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .distributions import normal_quantile, t_quantile

Z95 = normal_quantile(0.975)
MIN_YEARS = 3
VERDICTS = ("narrowing", "widening", "no clear change")


class GapTrendError(ValueError):
    """The points given cannot support a trend (too few, or across a series break)."""


@dataclass(frozen=True)
class GapTrend:
    slope: float            # change in the gap, percentage points per year
    lower: float            # 95% interval of the slope
    upper: float
    start_gap: float        # the fitted gap in the first year, percentage points
    end_gap: float          # the fitted gap in the last year
    years: int
    over_dispersion: float  # the factor applied to the sampling variances (>= 1)
    verdict: str

    def sentence(self, area: str, first_period: str, last_period: str) -> str:
        """The verdict in one plain sentence, with its figures and method. The slope is signed
        as the gap is (the area minus England), so its interval reads without translation."""
        verdict = (f"No clear change in {area}'s gap to England" if self.verdict == "no clear change"
                   else f"{area}'s gap to England is {self.verdict}")
        return (f"{verdict}: from {first_period} to {last_period} the gap ({area} minus England) changed by "
                f"{self.slope:+.1f} percentage points a year (95% interval {self.lower:+.1f} to {self.upper:+.1f}), "
                f"from {self.start_gap:+.1f} to {self.end_gap:+.1f} points on the fitted line "
                f"(weighted trend over {self.years} years of one comparable series).")


def gap_trend(years, gaps, lower, upper, series) -> GapTrend:
    """The weighted linear trend of `gaps` (percentage points) over `years` (numbers, e.g. 2014
    for 2014-15), each weighted by its 95% interval [`lower`, `upper`]. `series` names each
    point's comparable series; points from more than one series are refused, since a trend
    across a definitional break would measure the break. Years without a gap or interval
    (NaN) are left out."""
    t = np.asarray(years, dtype=float)
    y = np.asarray(gaps, dtype=float)
    half_width = (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / 2
    kept = ~(np.isnan(t) | np.isnan(y) | np.isnan(half_width)) & (half_width > 0)
    names = {str(name) for name, keep in zip(np.asarray(series, dtype=object), kept) if keep}
    if len(names) > 1:
        raise GapTrendError(f"The years given span a series break ({', '.join(sorted(names))}): "
                            "a trend is computed within one comparable series only.")
    t, y, half_width = t[kept], y[kept], half_width[kept]
    if len(t) < MIN_YEARS:
        raise GapTrendError(f"A trend needs at least {MIN_YEARS} years with a gap and its interval; "
                            f"{len(t)} given.")
    weights = (Z95 / half_width) ** 2
    design = np.column_stack([np.ones_like(t), t - t.mean()])
    information = design.T @ (design * weights[:, None])
    coefficients = np.linalg.solve(information, design.T @ (weights * y))
    residuals = y - design @ coefficients
    degrees = len(t) - 2
    scale = float(weights @ residuals ** 2 / degrees) if degrees > 0 else 1.0
    over_dispersion = max(1.0, scale)
    slope = float(coefficients[1])
    slope_se = float(np.sqrt(over_dispersion * np.linalg.inv(information)[1, 1]))
    spread = t_quantile(0.975, degrees) * slope_se
    start_gap = float(coefficients[0] + slope * (t.min() - t.mean()))
    end_gap = float(coefficients[0] + slope * (t.max() - t.mean()))
    return GapTrend(slope=slope, lower=slope - spread, upper=slope + spread, start_gap=start_gap,
                    end_gap=end_gap, years=len(t), over_dispersion=over_dispersion,
                    verdict=_verdict(slope - spread, slope + spread, slope, start_gap))


def _verdict(lower: float, upper: float, slope: float, start_gap: float) -> str:
    """Narrowing when the slope is clearly non-zero and points back towards England from where
    the area started; widening when it points away."""
    if lower <= 0 <= upper:
        return "no clear change"
    return "narrowing" if np.sign(slope) == -np.sign(start_gap) else "widening"
