"""The recent-trend mark: the Cochran-Armitage chi-square test for trend, checked by hand and
against statsmodels, and the verdicts it gives within one comparable series (polarity-aware,
"not calculated" with its reason)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table

from dashboards.recent_trend import MAX_YEARS, cochran_armitage, recent_trend


def test_a_hand_computed_example():
    # p = 60/300 = 0.2; T = 0(10-20) + 1(20-20) + 2(30-20) = 20;
    # Var T = 0.2 * 0.8 * (100 * (0 + 1 + 4) - 300^2 / 300) = 0.16 * 200 = 32; chi-square = 400 / 32.
    test = cochran_armitage([0, 1, 2], [10, 20, 30], [100, 100, 100])
    assert test.chi_square == pytest.approx(12.5, abs=1e-9)
    assert test.z == pytest.approx(20 / np.sqrt(32), abs=1e-9)
    assert test.p_value == pytest.approx(0.000406952017444959, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_matches_statsmodels_ordinal_association(seed):
    """statsmodels' test uses the permutation variance (N - 1 where Armitage's has N): the same
    statistic times (N - 1) / N. Scores are centred there: years near 2014 squared lose digits."""
    rng = np.random.default_rng(seed)
    years = np.arange(2014, 2014 + rng.integers(3, 6))
    denominators = rng.integers(200, 5000, len(years))
    numerators = (denominators * rng.uniform(0.1, 0.4, len(years))).astype(int)
    ours = cochran_armitage(years, numerators, denominators)
    table = np.column_stack([denominators - numerators, numerators])
    theirs = Table(table, shift_zeros=False).test_ordinal_association(
        row_scores=years - years.mean(), col_scores=np.array([0.0, 1.0]))
    total = denominators.sum()
    assert ours.chi_square == pytest.approx(theirs.zscore ** 2 * total / (total - 1), abs=1e-9)
    assert np.sign(ours.z) == np.sign(theirs.zscore)


def test_undefined_tests_are_refused():
    with pytest.raises(ValueError):
        cochran_armitage([2014], [1], [10])
    with pytest.raises(ValueError):
        cochran_armitage([2014, 2015, 2016], [0, 0, 0], [10, 20, 30])
    with pytest.raises(ValueError):
        cochran_armitage([2014, 2015, 2016], [11, 0, 0], [10, 20, 30])


def rows(values: dict[str, tuple[float | None, float | None]]) -> pd.DataFrame:
    """{period: (numerator, denominator)}; the value is their percentage (or given without counts)."""
    frame = []
    for period, (numerator, denominator) in values.items():
        value = 100 * numerator / denominator if numerator is not None and denominator else 30.0
        frame.append({"period": period, "value": value, "numerator": numerator, "denominator": denominator})
    return pd.DataFrame(frame)


RISING = rows({"2014-15": (300, 1000), "2015-16": (330, 1000), "2016-17": (360, 1000), "2017-18": (390, 1000)})
FLAT = rows({"2014-15": (300, 1000), "2015-16": (305, 1000), "2016-17": (298, 1000), "2017-18": (302, 1000)})


def test_verdicts_follow_the_measures_polarity_and_carry_an_arrow():
    better = recent_trend(RISING, [], "higher_is_better")
    assert (better.verdict, better.arrow, better.first_period, better.last_period, better.years) == \
        ("improving", "\u2191", "2014-15", "2017-18", 4)
    assert better.words() == "\u2191 Improving, 2014-15 to 2017-18"
    assert recent_trend(RISING, [], "lower_is_better").verdict == "worsening"
    assert recent_trend(RISING, [], "none").verdict == "increasing"
    falling = RISING.assign(numerator=RISING["numerator"][::-1].to_numpy())
    worse = recent_trend(falling, [], "higher_is_better")
    assert (worse.verdict, worse.arrow) == ("worsening", "\u2193")
    flat = recent_trend(FLAT, [], "higher_is_better")
    assert (flat.verdict, flat.arrow) == ("no significant change", "\u2192")
    assert flat.sentence("Darlington").startswith(
        "Recent trend for Darlington, 2014-15 to 2017-18 (4 years with counts): no significant change "
        "(chi-square for trend ")


def test_only_the_last_five_consecutive_years_with_counts_are_tested():
    long = rows({f"{y}-{(y + 1) % 100:02d}": (300 + 10 * (y - 2010), 1000) for y in range(2010, 2018)})
    trend = recent_trend(long, [], "higher_is_better")
    assert (trend.first_period, trend.last_period, trend.years) == ("2013-14", "2017-18", MAX_YEARS)
    expected = cochran_armitage([2013, 2014, 2015, 2016, 2017], [330, 340, 350, 360, 370], [1000] * 5)
    assert trend.test.chi_square == pytest.approx(expected.chi_square, abs=1e-9)


def test_never_across_a_break_and_later_years_are_named():
    # 2024-25 starts a new series (one year): the test runs on the series before it and says so;
    # 2018-19 has no counts and ends the run of consecutive years.
    data = pd.concat([RISING, rows({"2018-19": (None, None), "2024-25": (100, 1000)})], ignore_index=True)
    trend = recent_trend(data, ["2014-15", "2024-25"], "higher_is_better")
    assert (trend.first_period, trend.last_period) == ("2014-15", "2017-18")
    assert trend.reason == "Later years left out: 2018-19 was published without counts; 2024-25 is after a series break."
    # A break inside the years: 2016-17 onwards is a new series of two years, too short; the
    # years before it are two too: not calculated, and why.
    short = recent_trend(RISING, ["2016-17"], "higher_is_better")
    assert not short.calculated and short.verdict == "not calculated" and short.arrow == "\u2013"
    assert short.sentence("Darlington") == (
        "Recent trend for Darlington: not calculated. 2016-17 and 2017-18 begin a new series after a break, "
        "and no earlier series has 3 consecutive years with counts.")


def test_not_calculated_without_counts_or_years():
    without = rows({"2021-22": (None, None), "2022-23": (None, None), "2023-24": (None, None)})
    trend = recent_trend(without, [], "higher_is_better")
    assert trend.words() == "\u2013 Not calculated"
    assert trend.reason == ("The test needs 3 consecutive years with counts; 2021-22, 2022-23 and 2023-24 were "
                            "published without counts.")
    one = recent_trend(rows({"2011-12": (70, 395)}), [], "higher_is_better")
    assert one.reason == "Only 1 year with a figure (2011-12); the test needs at least 3 consecutive years with counts."
    assert recent_trend(RISING.iloc[0:0], [], "higher_is_better").reason == "There is no figure."
    # A year to end at (the year a table shows): later years are not looked at.
    ended = recent_trend(RISING, [], "higher_is_better", end_period="2016-17")
    assert (ended.first_period, ended.last_period, ended.reason) == ("2014-15", "2016-17", "")


def test_every_year_at_one_hundred_percent_is_no_change_not_an_error():
    full = rows({"2014-15": (500, 500), "2015-16": (480, 480), "2016-17": (510, 510)})
    trend = recent_trend(full, [], "higher_is_better")
    assert (trend.verdict, trend.arrow, trend.test) == ("no significant change", "\u2192", None)
    assert trend.words() == "\u2192 No significant change, 2014-15 to 2016-17"
    assert trend.sentence("Darlington") == ("Recent trend for Darlington, 2014-15 to 2016-17 (3 years with counts): "
                                            "no significant change. Every year's figure is 100%: nothing changed.")
