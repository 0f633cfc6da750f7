"""Which source's value the warehouse shows when several give the same grain. Pure.

The order is data (etl/reference/source_precedence.csv): each layout names its kind of source;
a value computed here (a sum, a derivation from SALT's settings, or a sum that came out
suppressed) is of kind 'derived' whatever file it came from. Among equals the value with
counts wins (it can carry an interval), then the one with a value, then the source id, so the
choice is the same in every build.
"""
from __future__ import annotations

import pandas as pd

GRAIN = ["area_code", "period", "measure_id", "age_band", "client_group"]


def rank_sources(facts: pd.DataFrame, layout_kinds: dict[str, str],
                 precedence: dict[str, int]) -> pd.DataFrame:
    """facts with source_kind, precedence and preferred set; `layout_kinds` maps each row's
    source_id to its layout's kind, `precedence` each kind to its rank (1 first)."""
    derived = (facts["value_status"] == "derived") | (facts["quality_flag"] == "derived_from_suppressed")
    kinds = facts["source_id"].map(layout_kinds).where(~derived, "derived")
    ranked = facts.assign(source_kind=kinds, precedence=kinds.map(precedence).astype("Int64"))
    order = ranked.assign(
        _no_counts=~(ranked["numerator"].notna() & ranked["denominator"].notna()),
        _no_value=ranked["value"].isna(),
    ).sort_values(["precedence", "_no_counts", "_no_value", "source_id"], kind="stable")
    first = ~order.duplicated(GRAIN, keep="first")
    return ranked.assign(preferred=first.reindex(ranked.index))
