"""The few distribution functions the statistics need, from scipy.special: scipy.stats wraps
the same special functions but importing it costs every process about 0.4 s and 47 MB
(benchmarks/cold_start.py, benchmarks/memory.py). Each matches scipy.stats on its support;
tests/unit/test_distributions.py checks them against it."""
from __future__ import annotations

import numpy as np
from scipy import special


def normal_quantile(q):
    """scipy.stats.norm.ppf."""
    return special.ndtri(q)


def normal_upper_tail(x):
    """scipy.stats.norm.sf: P(Z > x)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def t_quantile(q, degrees):
    """scipy.stats.t.ppf."""
    return special.stdtrit(degrees, q)


def chi2_quantile(q, degrees):
    """scipy.stats.chi2.ppf (chdtri inverts the upper tail)."""
    return special.chdtri(degrees, 1 - np.asarray(q, dtype=float))


def binomial_cdf(k, n, p):
    """scipy.stats.binom.cdf: 0 below the support, 1 at and above n (n whole)."""
    k, n = np.floor(np.asarray(k, dtype=float)), np.rint(np.asarray(n, dtype=float)).astype(np.int64)
    inside = special.bdtr(np.clip(k, 0, n), n, p)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def binomial_quantile(q, n, p):
    """scipy.stats.binom.ppf for 0 < q < 1: the least k with cdf(k) >= q. Found from bdtrik's
    estimate and then by this module's cdf, so the two agree; scipy.stats uses Boost's, which
    can differ by one where cdf(k) equals q to within rounding (the funnel's interpolated limit
    is the same either way: tests/unit/test_distributions.py)."""
    return binomial_quantile_and_cdfs(q, n, p)[0]


def binomial_quantile_and_cdfs(q, n, p):
    """binomial_quantile's k with binomial_cdf(k) and binomial_cdf(k - 1), which its search
    has worked out already (an interpolated quantile needs both: dashboards/funnel_limits.py).
    q, n and p broadcast together."""
    n = np.rint(np.asarray(n, dtype=float))
    k = np.clip(np.ceil(np.nan_to_num(special.bdtrik(q, n, p))), 0, n)
    for _ in range(3):              # the estimate is within one or two of the answer
        at_k = binomial_cdf(k, n, p)
        up = at_k < q
        k = np.where(up, k + 1, k)
        below_k = binomial_cdf(k - 1, n, p)
        down = (k > 0) & (below_k >= q)
        k = np.where(down, k - 1, k)
        if not (up.any() or down.any()):
            # Nothing moved, so nothing would in the rounds left: k is where both were taken.
            return k, at_k, below_k
    return k, binomial_cdf(k, n, p), binomial_cdf(k - 1, n, p)


def average_ranks(values) -> np.ndarray:
    """scipy.stats.rankdata(method="average"): ranks from 1, ties sharing their average."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.r_[first, len(values)])
    average = first + (counts + 1) / 2          # 1-based mean of each group's positions
    ranks = np.empty(len(values))
    ranks[order] = average[group]
    return ranks
