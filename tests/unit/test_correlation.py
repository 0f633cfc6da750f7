"""Pearson's r, its Fisher-z interval and Spearman's rho, checked against scipy.stats."""
import numpy as np
import pytest
from scipy import stats

from etl.correlation import MIN_PAIRS, CorrelationError, average_ranks, correlate, fisher_interval


def synthetic(seed: int, n: int, slope: float, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Council-like percentages: uptake x and a survey share y that depends on it by `slope`."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(10, 100, n)
    if ties:      # a ceiling, as self-directed support has: many councils at exactly 100.0
        x = np.minimum(np.round(x, 0), 90.0)
    y = 75 + slope * (x - 50) + rng.normal(0, 4, n)
    return x, np.round(y, 1) if ties else y


@pytest.mark.parametrize("seed, n, slope, ties", [
    (1, 150, 0.05, False), (2, 150, -0.1, False), (3, 12, 0.3, False), (4, 40, 0.0, False),
    (5, 150, 0.08, True), (6, 33, -0.2, True)])
def test_pearson_interval_and_spearman_match_scipy(seed, n, slope, ties):
    x, y = synthetic(seed, n, slope, ties)
    found = correlate(x, y)
    expected = stats.pearsonr(x, y)
    interval = expected.confidence_interval(confidence_level=0.95)
    assert found.n == n
    assert found.pearson == pytest.approx(expected.statistic, abs=1e-9)
    assert (found.lower, found.upper) == pytest.approx((interval.low, interval.high), abs=1e-9)
    assert found.spearman == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-9)


def test_other_confidence_levels_match_scipy():
    x, y = synthetic(7, 60, 0.1)
    interval = stats.pearsonr(x, y).confidence_interval(confidence_level=0.99)
    assert fisher_interval(correlate(x, y).pearson, 60, 0.99) == pytest.approx((interval.low, interval.high), abs=1e-9)


def test_ties_share_their_average_rank():
    assert average_ranks([30, 10, 30, 20, 30]).tolist() == [4.0, 1.0, 4.0, 2.0, 4.0]


def test_a_strong_association_is_clear_and_none_is_not():
    x, y = synthetic(8, 150, 0.3)
    strong = correlate(x, y)
    assert strong.pearson > 0.8 and strong.clear
    rng = np.random.default_rng(9)
    unrelated = correlate(rng.normal(size=150), rng.normal(size=150))
    assert unrelated.lower < 0 < unrelated.upper and not unrelated.clear


def test_missing_values_drop_their_pair():
    x, y = synthetic(10, 30, 0.1)
    x_gappy, y_gappy = x.copy(), y.copy()
    x_gappy[3], y_gappy[7] = np.nan, np.nan
    found = correlate(x_gappy, y_gappy)
    kept = np.ones(30, bool)
    kept[[3, 7]] = False
    assert found.n == 28
    assert found.pearson == pytest.approx(stats.pearsonr(x[kept], y[kept]).statistic, abs=1e-9)


def test_too_few_pairs_or_no_variation_are_refused():
    x, y = synthetic(11, MIN_PAIRS - 1, 0.1)
    with pytest.raises(CorrelationError, match=f"Only {MIN_PAIRS - 1} councils"):
        correlate(x, y)
    with pytest.raises(CorrelationError, match="same value"):
        correlate(np.full(20, 100.0), np.arange(20.0))


def test_a_perfect_line_has_a_degenerate_interval_at_one():
    found = correlate(np.arange(20.0), 2 * np.arange(20.0) + 1)
    assert (found.pearson, found.lower, found.upper, found.spearman) == pytest.approx((1, 1, 1, 1))
