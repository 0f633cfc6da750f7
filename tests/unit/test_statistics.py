import numpy as np
import pytest
from scipy import stats

from etl.statistics import Z998, newcombe_difference, poisson_interval, wilson_interval


@pytest.mark.parametrize("k, n", [(70, 395), (0, 10), (10, 10), (4025, 6320), (1, 3)])
def test_wilson_matches_scipy(k, n):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lower, upper = wilson_interval(k, n)
    assert (float(lower), float(upper)) == pytest.approx((expected.low, expected.high), abs=1e-9)
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.998, method="wilson")
    assert float(wilson_interval(k, n, Z998)[0]) == pytest.approx(expected.low, abs=1e-9)


def test_wilson_is_nan_where_counts_cannot_support_it():
    lower, upper = wilson_interval([5, np.nan, 3, 6], [0, 10, 10, 5])
    assert np.isnan(lower[[0, 1, 3]]).all() and np.isnan(upper[[0, 1, 3]]).all()
    assert not np.isnan(lower[2])


def test_newcombe_difference_published_example():
    # Newcombe (1998) table II example: 56/70 vs 48/80 -> 0.2000, 95% CI 0.0524 to 0.3339.
    lower, upper = newcombe_difference(56, 70, 48, 80)
    assert (round(float(lower), 4), round(float(upper), 4)) == (0.0524, 0.3339)


def test_poisson_exact_limits_match_the_tables():
    # Exact 95% limits for a count of 10: 4.795 to 18.390.
    lower, upper = poisson_interval(10)
    assert (round(float(lower), 3), round(float(upper), 3)) == (4.795, 18.390)
    assert float(poisson_interval(0)[0]) == 0.0
