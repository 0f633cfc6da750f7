"""How closely two council-level measures move together. Pure: arrays in, a Correlation out.

- Pearson's r, with a confidence interval from Fisher's z transformation: atanh(r) is close to
  normal with standard error 1/sqrt(n - 3), so the interval is tanh(atanh(r) +/- z/sqrt(n - 3)).
- Spearman's rank correlation (Pearson's r of the ranks, ties sharing their average rank), as a
  check that r is not carried by a few extreme councils or bent by a ceiling: many councils
  report self-directed support at or near 100%.

Pearson, its interval and the rank correlation are computed here, so the unit tests can check
them against scipy.stats' own; the ranks are etl.distributions' (scipy.stats.rankdata's rule).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .distributions import average_ranks as ranks_of, normal_quantile

# Fisher's normal approximation is poor below about ten pairs, and an interval from so few
# councils spans most of -1 to 1 anyway: a sentence about it would say nothing true.
MIN_PAIRS = 10


class CorrelationError(ValueError):
    """The pairs given cannot support a correlation (too few, or one measure does not vary)."""


@dataclass(frozen=True)
class Correlation:
    n: int               # pairs used
    pearson: float       # r
    lower: float         # the interval of r (Fisher z)
    upper: float
    spearman: float      # rho
    confidence: float = 0.95

    @property
    def clear(self) -> bool:
        """The interval leaves out zero: the data show an association of r's sign."""
        return self.lower > 0 or self.upper < 0


def pearson(x, y) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    if denominator == 0:
        raise CorrelationError("One of the measures has the same value for every council, so no correlation "
                               "can be computed.")
    # Rounding can carry |r| a hair past 1 for perfectly aligned data.
    return float(np.clip((dx * dy).sum() / denominator, -1.0, 1.0))


def fisher_interval(r: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The interval of a Pearson r from n pairs, by Fisher's z transformation."""
    if n <= 3:
        raise CorrelationError(f"Fisher's interval needs at least 4 pairs; there are {n}.")
    z = normal_quantile(0.5 + confidence / 2)
    with np.errstate(divide="ignore"):        # r = +/-1 maps to +/-infinity and back to +/-1
        centre = np.arctanh(r)
    spread = z / np.sqrt(n - 3)
    return float(np.tanh(centre - spread)), float(np.tanh(centre + spread))


def average_ranks(values) -> np.ndarray:
    """Ranks from 1, equal values sharing the average of the ranks they span."""
    return ranks_of(values)


def spearman(x, y) -> float:
    return pearson(average_ranks(x), average_ranks(y))


def correlate(x, y, confidence: float = 0.95) -> Correlation:
    """Pearson's r with its Fisher-z interval and Spearman's rho for paired values; pairs with
    a missing value on either side are dropped. CorrelationError when fewer than MIN_PAIRS
    remain or a measure does not vary."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise CorrelationError(f"{len(x)} values against {len(y)}: the measures must be paired.")
    kept = ~(np.isnan(x) | np.isnan(y))
    x, y = x[kept], y[kept]
    if len(x) < MIN_PAIRS:
        raise CorrelationError(f"Only {len(x)} council{'s' if len(x) != 1 else ''} with both figures: a "
                               f"correlation needs at least {MIN_PAIRS}.")
    r = pearson(x, y)
    lower, upper = fisher_interval(r, len(x), confidence)
    return Correlation(len(x), r, lower, upper, spearman(x, y), confidence)
