"""Which source's value is shown when several give the same grain (etl/precedence.py)."""
from __future__ import annotations

import pandas as pd

from etl.precedence import rank_sources

PRECEDENCE = {"official_with_counts": 1, "published_without_counts": 2, "derived": 3}
KINDS = {"ascof": "official_with_counts", "stack": "published_without_counts", "salt": "official_with_counts",
         "stack_copy": "published_without_counts"}


def _row(source_id, value, *, numerator=None, denominator=None, status="published", flag=None,
         area="E06000005"):
    return {"area_code": area, "period": "2021-22", "measure_id": "sds_users", "age_band": "all",
            "client_group": "all", "numerator": numerator, "denominator": denominator, "value": value,
            "value_status": status, "quality_flag": flag, "source_id": source_id}


def _ranked(rows):
    out = rank_sources(pd.DataFrame(rows), KINDS, PRECEDENCE)
    return list(zip(out["source_id"], out["source_kind"], out["precedence"], out["preferred"]))


def test_a_published_value_beats_a_derivation_from_an_official_file():
    # SALT is an official file, but a value computed here from it is 'derived'.
    assert _ranked([_row("salt", 99.7, numerator=770, denominator=772, status="derived"),
                    _row("stack", 100.0)]) == [
        ("salt", "derived", 3, False), ("stack", "published_without_counts", 2, True)]


def test_an_official_file_with_counts_beats_the_same_value_without():
    assert _ranked([_row("stack", 98.0), _row("ascof", 98.0, numerator=980, denominator=1000)]) == [
        ("stack", "published_without_counts", 2, False), ("ascof", "official_with_counts", 1, True)]


def test_among_equals_counts_then_a_value_then_the_source_id_decide():
    assert [p for *_, p in _ranked([_row("stack_copy", 50.0), _row("stack", 50.0)])] == [False, True]
    assert [p for *_, p in _ranked([_row("stack", None, status="missing"), _row("stack_copy", 50.0)])] == \
        [False, True]


def test_a_sum_that_came_out_suppressed_is_derived_and_grains_are_ranked_apart():
    rows = [_row("salt", None, status="suppressed", flag="derived_from_suppressed"),
            _row("stack", 90.0), _row("salt", 80.0, area="E06000001")]
    assert _ranked(rows) == [("salt", "derived", 3, False), ("stack", "published_without_counts", 2, True),
                             ("salt", "official_with_counts", 1, True)]
