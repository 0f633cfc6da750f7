"""Build step: confidence intervals for every counted row, and each area's gap from England.

Written to the tables `intervals` and `gaps` after all facts are loaded; the observations view
joins the intervals. Intervals from counts rounded to 5 carry that caveat in the methods.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from .statistics import Z95, Z998, newcombe_difference, poisson_interval, wilson_interval

GRAIN = ["area_code", "period", "measure_id", "age_band", "client_group"]
ENGLAND = "E92000001"


def interval_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """Wilson limits for percentages, exact Poisson limits for rates per 100,000."""
    percent = facts[facts["unit"] == "percent"].dropna(subset=["numerator", "denominator"])
    out = percent[GRAIN].copy()
    for suffix, z in (("95", Z95), ("998", Z998)):
        lower, upper = wilson_interval(percent["numerator"], percent["denominator"], z)
        out[f"lower_{suffix}"], out[f"upper_{suffix}"] = 100 * lower, 100 * upper
    out["interval_method"] = "wilson"
    rates = facts[facts["unit"] == "rate_per_100000"].dropna(subset=["numerator", "denominator"])
    rate_out = rates[GRAIN].copy()
    for suffix, confidence in (("95", 0.95), ("998", 0.998)):
        lower, upper = poisson_interval(rates["numerator"], confidence)
        scale = 100000 / rates["denominator"].to_numpy()
        rate_out[f"lower_{suffix}"], rate_out[f"upper_{suffix}"] = lower * scale, upper * scale
    rate_out["interval_method"] = "poisson_exact"
    frames = [f for f in (out, rate_out) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else out


def _has_flag(flags: pd.Series, wanted: frozenset[str]) -> np.ndarray:
    """Whether each row's '; '-separated quality flags include one of `wanted`: judged once
    per distinct text (a few dozen), not once per row."""
    codes, texts = pd.factorize(flags)      # a missing flag gets code -1
    judged = np.array([isinstance(text, str) and not wanted.isdisjoint(text.split("; "))
                       for text in texts] + [False], dtype=bool)
    return judged[codes]                    # code -1 reads the final False


def gap_rows(facts: pd.DataFrame, intervals: pd.DataFrame,
             not_compared: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Percentage-point gap of each council and region from England's value for the same
    period, measure and breakdown, with Newcombe's interval where both have counts.

    A row (or England's row) carrying a flag in `not_compared` keeps its gap but is marked
    'not_compared': the publisher or the data say the comparison would mislead."""
    percent = facts[facts["unit"] == "percent"].dropna(subset=["value"])
    areas = percent[percent["area_code"] != ENGLAND].merge(
        intervals[GRAIN + ["lower_95", "upper_95"]], on=GRAIN, how="left")
    if "quality_flag" not in percent:
        percent = percent.assign(quality_flag=None)
        areas = areas.assign(quality_flag=None)
    paired = areas.merge(percent.loc[percent["area_code"] == ENGLAND,
                                     GRAIN[1:] + ["value", "numerator", "denominator", "quality_flag"]],
                         on=GRAIN[1:], suffixes=("", "_england"))
    gap = paired["value"] - paired["value_england"]
    both = paired[["numerator", "denominator", "numerator_england", "denominator_england"]].notna().all(axis=1)
    lower, upper = newcombe_difference(paired["numerator"], paired["denominator"],
                                       paired["numerator_england"], paired["denominator_england"])
    area_only = paired["numerator"].notna() & paired["denominator"].notna() & ~both
    gap_lower = np.where(both, 100 * lower, np.where(area_only, paired["lower_95"] - paired["value_england"], np.nan))
    gap_upper = np.where(both, 100 * upper, np.where(area_only, paired["upper_95"] - paired["value_england"], np.nan))
    # Fingertips: significantly different when England's value is outside the area's interval.
    significance = np.select(
        [paired["lower_95"] > paired["value_england"], paired["upper_95"] < paired["value_england"],
         paired["lower_95"].notna()], ["higher", "lower", "similar"], default=None)
    flagged = _has_flag(paired["quality_flag"], not_compared) | \
        _has_flag(paired["quality_flag_england"], not_compared)
    significance = np.where(flagged, "not_compared", significance)
    return pd.DataFrame({
        **{column: paired[column] for column in GRAIN},
        "value": paired["value"], "england_value": paired["value_england"], "gap": gap.round(10),
        "gap_lower_95": gap_lower, "gap_upper_95": gap_upper,
        "gap_method": np.select([both, area_only], ["newcombe_hybrid_score", "wilson_minus_england_value"],
                                default=None),
        "compared_with_england": significance,
    })


def write_intervals_and_gaps(connection: duckdb.DuckDBPyConnection) -> None:
    # Only the columns the intervals and gaps read: the notes and cell references of every
    # fact cost more to bring into pandas than the arithmetic on the rest.
    facts = connection.execute(
        f"SELECT {', '.join(f'f.{c}' for c in GRAIN)}, f.numerator, f.denominator, f.value, "
        "f.quality_flag, m.unit FROM facts AS f JOIN measures AS m USING (measure_id)").fetch_df()
    not_compared = frozenset(connection.execute(
        "SELECT quality_flag FROM quality_flags WHERE suppresses_comparison").fetch_df()["quality_flag"])
    intervals = interval_rows(facts)
    gaps = gap_rows(facts, intervals, not_compared)
    for table, frame in (("intervals", intervals), ("gaps", gaps)):
        connection.register("incoming", frame)
        connection.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) "
                           f"SELECT {', '.join(frame.columns)} FROM incoming")
        connection.unregister("incoming")
