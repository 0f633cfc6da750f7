"""etl.distributions against scipy.stats, which wraps the same special functions: the app
imports the small module, the tests the big one."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from etl import distributions as d

Q = np.array([1e-6, 0.001, 0.0025, 0.025, 0.1, 0.5, 0.9, 0.975, 0.9975, 0.999, 1 - 1e-6])


def test_normal_quantile_and_upper_tail():
    np.testing.assert_allclose(d.normal_quantile(Q), stats.norm.ppf(Q), rtol=1e-12)
    x = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(d.normal_upper_tail(x), stats.norm.sf(x), rtol=1e-12)


@pytest.mark.parametrize("degrees", [1, 2, 3, 5, 10, 30, 200])
def test_t_and_chi_square_quantiles(degrees):
    np.testing.assert_allclose(d.t_quantile(Q, degrees), stats.t.ppf(Q, degrees), rtol=1e-9)
    np.testing.assert_allclose(d.chi2_quantile(Q, degrees), stats.chi2.ppf(Q, degrees), rtol=1e-9)


def test_binomial_cdf_over_and_beyond_the_support():
    n = np.array([1, 7, 50, 1234, 20000])
    for p in (0.001, 0.2, 0.5, 0.87):
        for k in (-3, -1, 0, 1, 3, 6, 7, 25, 49, 50, 600, 1234, 9999, 20000, 30000):
            np.testing.assert_allclose(d.binomial_cdf(k, n, p), stats.binom.cdf(k, n, p), rtol=1e-10, atol=1e-300)


N = np.array([1, 2, 9, 50, 333, 1234, 20000, 150000])
P = (0.001, 0.05, 0.27, 0.5, 0.83, 0.999)


def test_binomial_quantile_is_the_least_k_reaching_q_and_scipys_to_within_rounding():
    for p in P:
        for q in Q:
            k = d.binomial_quantile(q, N, p)
            assert (d.binomial_cdf(k, N, p) >= q).all() and (d.binomial_cdf(k - 1, N, p) < q).all()
            theirs = stats.binom.ppf(q, N, p)
            differ = k != theirs
            assert (np.abs(k - theirs) <= 1).all()
            # Only where scipy's own cdf sits on q to within rounding.
            np.testing.assert_allclose(stats.binom.cdf(np.minimum(k, theirs)[differ], N[differ], p), q, rtol=1e-9)


def test_the_quantiles_search_hands_back_the_cdfs_at_k_and_below_it():
    for p in P:
        for q in Q:
            k, at_k, below_k = d.binomial_quantile_and_cdfs(q, N, p)
            np.testing.assert_array_equal(k, d.binomial_quantile(q, N, p))
            np.testing.assert_array_equal(at_k, d.binomial_cdf(k, N, p))
            np.testing.assert_array_equal(below_k, d.binomial_cdf(k - 1, N, p))
    # Every q for every n in one call: the same k, value for value, as one q at a time.
    together = d.binomial_quantile_and_cdfs(Q[:, np.newaxis], N[np.newaxis, :], 0.27)[0]
    np.testing.assert_array_equal(together, np.array([d.binomial_quantile(q, N, 0.27) for q in Q]))


@pytest.mark.parametrize("rounds", [0, 1])
def test_values_the_normal_estimates_search_leaves_moving_are_found_from_bdtriks(monkeypatch, rounds):
    """With no rounds (or one) from the normal estimate, most or all values take the bdtrik
    path: the answer and its cdfs are the same either way."""
    expected = [d.binomial_quantile_and_cdfs(q, N, p) for p in P for q in Q]
    monkeypatch.setattr(d, "SEARCH_ROUNDS", rounds)
    for (p, q), want in zip([(p, q) for p in P for q in Q], expected):
        for got, wanted in zip(d.binomial_quantile_and_cdfs(q, N, p), want):
            np.testing.assert_array_equal(got, wanted)
        k = want[0]
        assert (d.binomial_cdf(k, N, p) >= q).all() and (d.binomial_cdf(k - 1, N, p) < q).all()


def test_binomial_limits_for_every_level_at_once_equal_each_level_alone():
    from dashboards.funnel_limits import binomial_limits, exact_binomial_limit

    for p0 in P:
        limits = binomial_limits(p0, N)
        for name, probability in (("lower_95", (1 - 0.95) / 2), ("upper_95", 1 - (1 - 0.95) / 2),
                                  ("lower_998", (1 - 0.998) / 2), ("upper_998", 1 - (1 - 0.998) / 2)):
            np.testing.assert_array_equal(limits[name], exact_binomial_limit(p0, N, probability))


def test_the_funnels_interpolated_limits_match_scipys():
    from dashboards.funnel_limits import exact_binomial_limit

    def with_scipy(p0, n, probability):
        whole = np.maximum(np.rint(n), 1)
        r = stats.binom.ppf(probability, whole, p0)
        at_r, below_r = stats.binom.cdf(r, whole, p0), stats.binom.cdf(r - 1, whole, p0)
        step = at_r - below_r
        alpha = np.divide(at_r - probability, step, out=np.zeros_like(step), where=step > 0)
        return np.clip((r - alpha) / whole, 0.0, 1.0)

    for p0 in P:
        for probability in (0.001, 0.025, 0.975, 0.999):
            np.testing.assert_allclose(exact_binomial_limit(p0, N, probability), with_scipy(p0, N, probability),
                                       rtol=1e-9, atol=1e-12)


def test_average_ranks_share_ties_as_rankdata_does():
    rng = np.random.default_rng(7)
    for values in (rng.integers(0, 5, 40).astype(float), rng.normal(size=25), np.array([3.0]),
                   np.array([100.0] * 6 + [99.5, 100.0]), np.array([])):
        np.testing.assert_array_equal(d.average_ranks(values), stats.rankdata(values, method="average"))


def test_the_app_never_imports_scipy_stats():
    """scipy.stats costs every worker ~0.4 s and ~47 MB: the app and the build do without it."""
    code = ("import sys; from dashboards import create_app; import etl.build, etl.correlation, etl.gap_trend, "
            "dashboards.funnel_limits, dashboards.recent_trend; print('scipy.stats' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False", shown.stderr
