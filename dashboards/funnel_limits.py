"""Control limits for funnel plots of proportions. Pure: numpy and scipy, no database, no Dash.

Method (Spiegelhalter DJ, "Funnel plots for comparing institutional performance", Statistics in
Medicine 2005; 24: 1185-1202):

- Unadjusted limits are exact binomial around the target p0 (England's value). The binomial
  quantile is a step function of the denominator n, so, as in the paper's appendix, the limit
  is interpolated between the discrete quantiles: with r the p-th quantile of Binomial(n, p0)
  and F its distribution function, alpha = (F(r) - p) / (F(r) - F(r - 1)) and the limit is
  (r - alpha) / n. This gives smooth curves over a grid of denominators.
- Over-dispersion: z_i = (y_i - p0) / s_i with s_i^2 = p0 (1 - p0) / n_i; the z-scores are
  winsorised at their 10th and 90th percentiles; phi = mean(z_w^2). If I * phi > I - 1 (more
  spread than chance allows), tau^2 = (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w)) with
  w_i = 1 / s_i^2, and the adjusted limits are p0 +/- z * sqrt(s^2 + tau^2) (normal
  approximation); otherwise tau^2 = 0 and the limits are unchanged.
- Units whose figures are known artefacts (a quality flag says they must not be compared) are
  left out of the over-dispersion estimate (`estimate_from`): one reporting error can inflate
  phi many times over and widen every council's limits. They still get limits and a position.

Proportions here are 0-1; callers scale to percentages.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from etl.distributions import binomial_quantile_and_cdfs, normal_quantile

LEVELS = {"95": 0.95, "998": 0.998}
Z = {name: float(normal_quantile(1 - (1 - level) / 2)) for name, level in LEVELS.items()}
WINSOR_PERCENTILES = (10, 90)

# Where a value lies relative to the limits, from highest to lowest.
POSITIONS = ("above_998", "above_95", "inside", "below_95", "below_998")


def exact_binomial_limit(p0: float, n, probability) -> np.ndarray:
    """The interpolated p-th binomial quantile of Binomial(n, p0), divided by n, clipped to 0-1.
    `probability` and `n` broadcast: every level for every denominator in one pass."""
    n = np.asarray(n, dtype=float)
    whole = np.maximum(np.rint(n), 1)
    r, at_r, below_r = binomial_quantile_and_cdfs(probability, whole, p0)
    step = at_r - below_r
    alpha = np.divide(at_r - probability, step, out=np.zeros_like(step), where=step > 0)
    return np.clip((r - alpha) / whole, 0.0, 1.0)


# The tail probability of each limit, in the order binomial_limits returns them.
TAILS = {f"{side}_{name}": (1 - level) / 2 if side == "lower" else 1 - (1 - level) / 2
         for name, level in LEVELS.items() for side in ("lower", "upper")}


def binomial_limits(p0: float, n) -> dict[str, np.ndarray]:
    """Exact (interpolated) binomial limits at 95% and 99.8% for each denominator."""
    n = np.asarray(n, dtype=float)
    every = exact_binomial_limit(p0, np.atleast_1d(n)[np.newaxis, :], np.array(list(TAILS.values()))[:, np.newaxis])
    return {name: limits.reshape(n.shape) for name, limits in zip(TAILS, every)}


def normal_limits(p0: float, n, tau2: float = 0.0) -> dict[str, np.ndarray]:
    """p0 +/- z * sqrt(p0 (1 - p0) / n + tau^2) at 95% and 99.8%, clipped to 0-1."""
    n = np.asarray(n, dtype=float)
    spread = np.sqrt(p0 * (1 - p0) / n + tau2)
    limits = {}
    for name, z in Z.items():
        limits[f"lower_{name}"] = np.clip(p0 - z * spread, 0.0, 1.0)
        limits[f"upper_{name}"] = np.clip(p0 + z * spread, 0.0, 1.0)
    return limits


@dataclass(frozen=True)
class Dispersion:
    """Spiegelhalter's multiplicative over-dispersion factor and additive random effect."""
    units: int
    phi: float               # mean of the squared winsorised z-scores
    tau2: float              # between-unit variance (0 when phi is within chance)
    z: np.ndarray            # z-scores, in the order given
    z_winsorised: np.ndarray

    @property
    def over_dispersed(self) -> bool:
        return self.tau2 > 0


def dispersion(p0: float, y, n) -> Dispersion:
    """Winsorised z-score estimate of over-dispersion for proportions y with denominators n."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    units = len(y)
    if units < 2 or not 0 < p0 < 1:
        return Dispersion(units, float("nan"), 0.0, np.full(units, np.nan), np.full(units, np.nan))
    variance = p0 * (1 - p0) / n
    z = (y - p0) / np.sqrt(variance)
    low, high = np.percentile(z, WINSOR_PERCENTILES)
    z_w = np.clip(z, low, high)
    phi = float(np.mean(z_w ** 2))
    tau2 = 0.0
    if units * phi > units - 1:
        w = 1 / variance
        tau2 = float((units * phi - (units - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return Dispersion(units, phi, tau2, z, z_w)


def position(y, limits: dict[str, np.ndarray]) -> np.ndarray:
    """Each value's place: strictly beyond a limit counts as outside; on it, as inside."""
    y = np.asarray(y, dtype=float)
    return np.select(
        [y > limits["upper_998"], y > limits["upper_95"], y < limits["lower_998"], y < limits["lower_95"]],
        ["above_998", "above_95", "below_998", "below_95"], default="inside")


@dataclass(frozen=True)
class Funnel:
    p0: float
    adjusted: bool           # the over-dispersion adjustment was asked for
    applied: bool            # ... and changed the limits (tau^2 > 0)
    dispersion: Dispersion   # estimated from the units in estimate_from only
    left_out: int            # units left out of the dispersion estimate
    unit_limits: pd.DataFrame     # per unit: lower_95, upper_95, lower_998, upper_998, position
    grid: pd.DataFrame            # denominator, lower_95, upper_95, lower_998, upper_998

    @property
    def method(self) -> str:
        return "normal approximation with additive tau-squared" if self.applied else "exact binomial"


def denominator_grid(n_min: float, n_max: float, points: int = 240) -> np.ndarray:
    """Whole denominators from n_min to n_max, spaced evenly on a log scale (dense where the
    funnel bends), always including both ends."""
    low, high = max(1.0, float(n_min)), max(1.0, float(n_max))
    if high <= low:
        return np.array([round(low)], dtype=float)
    grid = np.unique(np.rint(np.geomspace(low, high, points)))
    return np.unique(np.concatenate([[round(low)], grid, [round(high)]])).astype(float)


def limits_at(p0: float, n, tau2: float | None) -> dict[str, np.ndarray]:
    """Exact binomial limits, or over-dispersed normal ones when tau2 is positive."""
    return normal_limits(p0, n, tau2) if tau2 else binomial_limits(p0, n)


def funnel(p0: float, y, n, *, adjusted: bool = False, estimate_from=None, grid_points: int = 240) -> Funnel:
    """Limits for each unit and over a grid of denominators, and each unit's position.
    estimate_from: a boolean per unit, True for those the over-dispersion is estimated from
    (default: all)."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    used = np.ones(len(y), dtype=bool) if estimate_from is None else np.asarray(estimate_from, dtype=bool)
    spread = dispersion(p0, y[used], n[used])
    tau2 = spread.tau2 if adjusted else 0.0
    grid_n = denominator_grid(n.min(), n.max(), grid_points) if len(n) else np.array([], dtype=float)
    # The units' limits and the grid's in one pass (the exact ones cost a search per value).
    both = limits_at(p0, np.concatenate([n, grid_n]), tau2)
    at_units = {name: limits[:len(n)] for name, limits in both.items()}
    unit_limits = pd.DataFrame(at_units)
    unit_limits["position"] = position(y, at_units)
    grid = pd.DataFrame({"denominator": grid_n, **{name: limits[len(n):] for name, limits in both.items()}})
    return Funnel(p0, adjusted, bool(adjusted and tau2 > 0), spread, int((~used).sum()), unit_limits, grid)
