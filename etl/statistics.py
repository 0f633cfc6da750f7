"""Intervals for published proportions and rates, and for a council's gap from England. Pure.

- Proportions: Wilson score intervals (the Fingertips convention), 95% and 99.8%.
- Difference of two proportions: Newcombe's hybrid score interval (Newcombe 1998, method 10),
  built from the two Wilson intervals.
- Counts for rates: exact Poisson limits from the chi-square distribution.
All take numpy arrays (or scalars) and return NaN where the counts cannot support an interval.
"""
from __future__ import annotations

import numpy as np
from .distributions import chi2_quantile, normal_quantile

Z95 = normal_quantile(0.975)
Z998 = normal_quantile(0.999)


def wilson_interval(numerator, denominator, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits of the proportion numerator/denominator (0-1 scale)."""
    k = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = p + z * z / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        scale = 1 + z * z / n
        lower, upper = (centre - spread) / scale, (centre + spread) / scale
    invalid = ~(n > 0) | (k < 0) | (k > n) | np.isnan(k)
    return np.where(invalid, np.nan, np.clip(lower, 0, 1)), np.where(invalid, np.nan, np.clip(upper, 0, 1))


def newcombe_difference(k1, n1, k2, n2, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Limits of p1 - p2 (0-1 scale) for two independent proportions."""
    p1 = np.asarray(k1, dtype=float) / np.asarray(n1, dtype=float)
    p2 = np.asarray(k2, dtype=float) / np.asarray(n2, dtype=float)
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def poisson_interval(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for a Poisson count (Garwood), from chi-square quantiles."""
    k = np.asarray(count, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, chi2_quantile(alpha / 2, 2 * k) / 2, 0.0)
        upper = chi2_quantile(1 - alpha / 2, 2 * (k + 1)) / 2
    invalid = np.isnan(k) | (k < 0)
    return np.where(invalid, np.nan, lower), np.where(invalid, np.nan, upper)
