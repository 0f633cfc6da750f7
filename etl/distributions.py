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
    q, n and p broadcast together.

    The search starts from the Cornish-Fisher normal estimate, which is within a step or two
    of the answer and costs a fraction of bdtrik's root-finding (the funnel asks for ~1,500
    quantiles a request); the few values still moving after SEARCH_ROUNDS start again from
    bdtrik's estimate."""
    q, n, p = np.broadcast_arrays(np.asarray(q, dtype=float), np.rint(np.asarray(n, dtype=float)),
                                  np.asarray(p, dtype=float))
    k, at_k, below_k, moving = _search(q, n, p, _normal_estimate(q, n, p), SEARCH_ROUNDS)
    if moving.any():
        rest = np.flatnonzero(moving.ravel())
        q_, n_, p_ = (a.ravel()[rest] for a in (q, n, p))
        start = np.clip(np.ceil(np.nan_to_num(special.bdtrik(q_, n_, p_))), 0, n_)
        found = _search(q_, n_, p_, start, None)
        for whole, part in zip((k, at_k, below_k), found):
            whole.ravel()[rest] = part
    return k, at_k, below_k


SEARCH_ROUNDS = 6


def _normal_estimate(q, n, p):
    """ceil(n p + sigma (z + skew (z^2 - 1) / 6) - 1/2) within 0 to n; 0 where undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = special.ndtri(q)
        sigma = np.sqrt(n * p * (1 - p))
        skew = (1 - 2 * p) / sigma
        estimate = np.ceil(n * p + sigma * (z + skew * (z * z - 1) / 6) - 0.5)
    return np.clip(np.nan_to_num(estimate, nan=0.0, posinf=0.0, neginf=0.0), 0, n)


def _search(q, n, p, k, rounds):
    """From k, one step at a time to the least k with cdf(k) >= q; at most `rounds` steps
    (None: until every value has settled). Returns k, cdf(k), cdf(k - 1) and which values
    were still moving. Arrays of one shape, worked on flat; each step only on those moving."""
    shape = k.shape
    q, n, p, k = (np.array(a, dtype=float).ravel() for a in (q, n, p, k))
    at_k, below_k = binomial_cdf(k, n, p), binomial_cdf(k - 1, n, p)
    step = 0
    while True:
        up = at_k < q
        moving = up | ((k > 0) & (below_k >= q))
        if not moving.any() or (rounds is not None and step == rounds):
            return k.reshape(shape), at_k.reshape(shape), below_k.reshape(shape), moving.reshape(shape)
        which = np.flatnonzero(moving)
        k[which] += np.where(up[which], 1.0, -1.0)
        at_k[which] = binomial_cdf(k[which], n[which], p[which])
        below_k[which] = binomial_cdf(k[which] - 1, n[which], p[which])
        step += 1


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
