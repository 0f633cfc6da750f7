"""The gap-trend statistic on synthetic series: verdicts, agreement with statsmodels WLS, and
refusal to span a series break."""
import numpy as np
import pytest
import statsmodels.api as sm

from etl.gap_trend import Z95, GapTrendError, gap_trend

YEARS = np.arange(2014, 2023)


def interval(gaps, half_widths):
    gaps = np.asarray(gaps, dtype=float)
    return gaps - half_widths, gaps + half_widths


def statsmodels_fit(years, gaps, half_widths, *, fixed_scale: bool):
    design = sm.add_constant(np.asarray(years, dtype=float) - np.mean(years))
    model = sm.WLS(np.asarray(gaps, dtype=float), design, weights=(Z95 / np.asarray(half_widths)) ** 2)
    if fixed_scale:
        return model.fit(cov_type="fixed scale", cov_kwds={"scale": 1.0}, use_t=True)
    return model.fit()


@pytest.mark.parametrize("gaps, verdict", [
    (-12 + 1.5 * np.arange(9), "narrowing"),          # below England, catching up
    (8 - 1.2 * np.arange(9), "narrowing"),            # above England, falling back to it
    (-3 - 1.4 * np.arange(9), "widening"),            # below England, falling further behind
    (-5 + np.array([0.4, -0.3, 0.2, -0.4, 0.3, -0.2, 0.1, 0.3, -0.3]), "no clear change"),
])
def test_verdicts_on_synthetic_series(gaps, verdict):
    lower, upper = interval(gaps, np.full(9, 2.0))
    result = gap_trend(YEARS, gaps, lower, upper, ["1C"] * 9)
    assert result.verdict == verdict
    assert result.years == 9


def test_noisy_series_matches_statsmodels_wls_with_its_estimated_scale():
    rng = np.random.default_rng(7)
    half_widths = rng.uniform(0.8, 3.0, 9)
    gaps = -10 + 0.6 * np.arange(9) + rng.normal(0, 2.5, 9)
    result = gap_trend(YEARS, gaps, *interval(gaps, half_widths), ["1C"] * 9)
    fit = statsmodels_fit(YEARS, gaps, half_widths, fixed_scale=False)
    assert fit.scale > 1 and result.over_dispersion == pytest.approx(fit.scale, abs=1e-9)
    assert abs(result.slope - fit.params[1]) < 1e-9
    low, high = fit.conf_int(alpha=0.05)[1]
    assert abs(result.lower - low) < 1e-9 and abs(result.upper - high) < 1e-9


def test_smooth_series_keeps_sampling_error_and_matches_statsmodels_fixed_scale():
    half_widths = np.linspace(1.0, 2.0, 9)
    gaps = -10 + 0.5 * np.arange(9) + np.array([0.05, -0.04, 0.03, 0.0, -0.05, 0.02, 0.04, -0.03, 0.01])
    result = gap_trend(YEARS, gaps, *interval(gaps, half_widths), ["1C"] * 9)
    fit = statsmodels_fit(YEARS, gaps, half_widths, fixed_scale=True)
    assert result.over_dispersion == 1.0
    assert abs(result.slope - fit.params[1]) < 1e-9
    low, high = fit.conf_int(alpha=0.05)[1]
    assert abs(result.lower - low) < 1e-9 and abs(result.upper - high) < 1e-9
    assert result.verdict == "narrowing"


def test_refuses_to_span_a_series_break():
    gaps = -12 + 1.5 * np.arange(9)
    series = ["1C"] * 7 + ["3D"] * 2
    with pytest.raises(GapTrendError, match="series break"):
        gap_trend(YEARS, gaps, *interval(gaps, np.full(9, 2.0)), series)


def test_missing_years_are_left_out_and_too_few_refused():
    gaps = np.array([-10, np.nan, -8, -7, np.nan, -5, -4, -3, -2], dtype=float)
    result = gap_trend(YEARS, gaps, *interval(gaps, np.full(9, 1.0)), ["1C"] * 9)
    assert result.years == 7 and result.verdict == "narrowing"
    with pytest.raises(GapTrendError, match="at least 3 years"):
        gap_trend(YEARS[:2], gaps[:2], *interval(gaps[:2], np.full(2, 1.0)), ["1C"] * 2)


def test_sentence_states_verdict_figures_and_method():
    gaps = -12 + 1.5 * np.arange(9)
    result = gap_trend(YEARS, gaps, *interval(gaps, np.full(9, 2.0)), ["1C"] * 9)
    sentence = result.sentence("Gateshead", "2014-15", "2022-23")
    assert sentence == ("Gateshead's gap to England is narrowing: from 2014-15 to 2022-23 the gap (Gateshead minus "
                        "England) changed by +1.5 percentage points a year (95% interval +1.2 to +1.8), from -12.0 "
                        "to +0.0 points on the fitted line (weighted trend over 9 years of one comparable series).")
