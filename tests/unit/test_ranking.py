"""Ranks that tie share a number, and long ranked tables keep to the top and bottom ten, the
reader's council and the comparators until "Show all" is opened (issue 12)."""
from __future__ import annotations

import pandas as pd

from dashboards.components import comparison_table
from dashboards.figures import tie_ranks
from tests.wire_reading import find, wire_text


def test_equal_values_as_printed_share_a_rank():
    assert tie_ranks([100.0, 100.0, 100.04, 99.8, 98.0]) == ["=1", "=1", "=1", "4", "5"]
    assert tie_ranks([5.0, 4.0, None]) == ["1", "2", ""]
    assert tie_ranks([1234.4, 1234.0], decimals=0) == ["=1", "=1"]


def _councils(count: int) -> pd.DataFrame:
    values = [100.0] * 3 + [90.0 - i for i in range(count - 3)]
    return pd.DataFrame({
        "area_type": "council", "area_code": [f"E0600{i:04d}" for i in range(count)],
        "area_name": [f"Council {i}" for i in range(count)], "value": values,
        "lower_95": None, "upper_95": None, "numerator": None, "denominator": None,
        "compared_with_england": None, "value_status": "published", "note": None,
        "quality_flag": None, "quality_note": None})


def _rows(panel):
    table = find(panel, "compare-table")
    return [(row["props"]["className"], [wire_text(c) for c in row["props"]["children"]])
            for row in table["props"]["children"][2]["props"]["children"]]


def test_a_long_table_shows_the_edges_and_my_council_and_the_rest_on_request():
    panel = comparison_table(_councils(30), caption="c", count_label="n", base_label="d",
                             highlight="E06000015")
    rows = _rows(panel)
    shown = [cells for classes, cells in rows if "extra" not in classes]
    assert [cells[0] for cells in shown[:4]] == ["=1", "=1", "=1", "4"]
    assert len(shown) == 21 and len(rows) == 30           # ten and ten, and mine
    mine = next((classes, cells) for classes, cells in rows if cells[2] == "E06000015")
    assert "highlight" in mine[0] and mine[1][1] == "\u25c6 Council 15 (your council)"
    toggle = find(panel, "compare-table-show-all")
    assert wire_text(toggle) == "Show all 30 councils (9 more between the top and bottom 10)"


def test_a_short_table_has_nothing_to_hide():
    panel = comparison_table(_councils(12), caption="c", count_label="n", base_label="d")
    assert all("extra" not in classes for classes, _ in _rows(panel))
    assert find(panel, "compare-table-show-all") is None


def test_a_value_a_flag_forbids_comparing_is_listed_but_not_ranked():
    from dashboards.figures import comparable_ranks
    assert comparable_ranks([99.0, 90.0, 90.0, 80.0], ["higher", "not_compared", "similar", "lower"]) == \
        ["1", "", "2", "3"]
    assert comparable_ranks([22.2, 20.0], ["not_compared", "not_compared"]) == ["", ""]
