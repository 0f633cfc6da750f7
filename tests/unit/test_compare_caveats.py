"""A number with a known caveat never travels without it: the Compare bars and table, the
profile summary and the profile trend, built from the real rows of the full build.

Gateshead (E08000037) reported self-directed support in 2024-25 equal to its direct payments
(22.2%), and DHSC says no council's 2024-25 figure for that measure should be compared with
another's: its value must carry the caveat mark and never be called better or worse than England.
"""
from __future__ import annotations

import pandas as pd
import pytest

from dashboards import db
from dashboards.components import comparison_table
from dashboards.figures import CAVEAT_MARK
from dashboards.figures.compare import describe_ranking, ranked_bars
from dashboards.figures.profile import applicable_breaks, describe_trend, roles, trend_chart
from dashboards.summary import summarise
from tests.wire_reading import wire_table_cells

GATESHEAD, NORTH_EAST, ENGLAND = "E08000037", "E12000001", "E92000001"
NOT_COMPARED = f"{CAVEAT_MARK} not compared: see the caveat"


@pytest.fixture(scope="module")
def warehouse(full_db):
    return db.Warehouse(full_db[0])


@pytest.fixture(scope="module")
def flag_labels(warehouse) -> dict[str, str]:
    flags = db.quality_flags(warehouse)
    return dict(zip(flags["quality_flag"], flags["label"]))


@pytest.fixture(scope="module")
def sds_2024(warehouse) -> pd.DataFrame:
    return db.observations(warehouse, measure_id="sds_users", period="2024-25", age_band="all", client_group="all")


@pytest.fixture(scope="module")
def gateshead_rows(warehouse) -> pd.DataFrame:
    return db.observations(warehouse, area_codes=[GATESHEAD, NORTH_EAST, ENGLAND])


def _councils(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["area_type"] == "council"]


# ---------------------------------------------------------------- Compare: bars, description, table

def test_gateshead_2024_25_is_marked_and_in_the_not_compared_category(sds_2024, flag_labels):
    gateshead = sds_2024[sds_2024["area_code"] == GATESHEAD].iloc[0]
    assert (gateshead["value"], gateshead["compared_with_england"]) == (22.2, "not_compared")
    assert gateshead["quality_flag"] == "not_comparable_between_councils; sds_equals_dp"
    figure = ranked_bars(_councils(sds_2024), sds_2024[sds_2024["area_code"] == ENGLAND], value_title="%",
                         title="t", flag_labels=flag_labels)
    bars = {trace.name: trace for trace in figure.data if trace.type == "bar"}
    # DHSC's note 15 holds every council back: one category, and never better or worse.
    assert list(bars) == [NOT_COMPARED]
    assert len(bars[NOT_COMPARED].y) == len(_councils(sds_2024).dropna(subset=["value"]))
    labels = {name: text for trace in figure.data if trace.type == "scatter" for name, text in zip(trace.y, trace.text)}
    assert labels["Gateshead"] == f"22.2% {CAVEAT_MARK}"          # the mark once, not twice
    hover = dict(zip(bars[NOT_COMPARED].y, bars[NOT_COMPARED].customdata))["Gateshead"][2]
    assert hover == (f"<br>{CAVEAT_MARK} Not comparable between councils; self-directed support reported "
                     "equal to direct payments")


def test_a_flagged_value_that_is_still_compared_keeps_its_comparison_and_gets_the_mark(warehouse, flag_labels):
    rows = db.observations(warehouse, measure_id="sds_users", period="2021-22", age_band="65+", client_group="all")
    councils = _councils(rows)
    rounded = councils[(councils["quality_flag"] == "small_rounded_counts")
                       & (councils["compared_with_england"] == "higher")].iloc[0]
    figure = ranked_bars(councils, rows[rows["area_code"] == ENGLAND], value_title="%", title="t",
                         flag_labels=flag_labels)
    better = next(t for t in figure.data if t.type == "bar" and t.name == "\u25b2 better than England")
    assert rounded["area_name"] in better.y
    labels = {name: text for trace in figure.data if trace.type == "scatter" for name, text in zip(trace.y, trace.text)}
    assert labels[rounded["area_name"]].startswith(f"{rounded['value']:.1f}% \u25b2 {CAVEAT_MARK}")


def test_the_description_counts_the_councils_held_back_by_a_flag(sds_2024):
    councils = _councils(sds_2024)
    held_back = int((councils["compared_with_england"] == "not_compared").sum())
    assert held_back == councils["value"].notna().sum() > 140
    text = describe_ranking(councils, sds_2024[sds_2024["area_code"] == ENGLAND], what="uptake")
    assert (f"Compared with England: 0 significantly higher, 0 significantly lower, 0 similar, {held_back} "
            "not compared because of a quality flag.") in text
    assert f"{held_back} of {held_back} values carry a quality flag (marked {CAVEAT_MARK})" in text


def test_the_table_row_carries_the_mark_the_comparison_and_the_quality_note(sds_2024):
    table = comparison_table(sds_2024, caption="c", count_label="Numerator", base_label="Denominator")
    rows = {cells[2]: cells for cells in wire_table_cells([table], "compare-table")}
    gateshead = rows[GATESHEAD]
    assert gateshead[3:8] == [f"22.2% {CAVEAT_MARK}", "20.3 to 24.2", "395", "1,782", NOT_COMPARED]
    # The flags on one line (a <details> summary), the full quality note inside it.
    assert gateshead[9].startswith(f"{CAVEAT_MARK} not comparable between councils; sds equals dpDHSC, "
                                   "ASCOF 2024-25 note 15")
    assert "Reported self-directed support (22.2%) equals direct payments (22.2%)" in gateshead[9]
    assert not any("better" in cells[7] or "worse" in cells[7] for cells in rows.values())


# ---------------------------------------------------------------- profile: summary and trend

def test_gateshead_summary_says_the_flag_in_the_same_sentence_and_never_significantly(gateshead_rows, flag_labels):
    text = summarise(gateshead_rows, GATESHEAD, "Gateshead", flag_labels)
    first = text.split(". ")[0] + "."
    assert first == (
        "In 2024-25, 22.2% of adults using long-term support in Gateshead received self-directed support "
        f"(395 of 1,782) {CAVEAT_MARK} but this figure is flagged (not comparable between councils; "
        "self-directed support reported equal to direct payments), so it is not compared with England.")
    assert "significantly" not in first and "than England" not in first
    # Direct payments that year carry no flag and are compared as usual.
    assert "In the same year, 22.2% received direct payments (395 of 1,782), lower than England (24.5%), " \
           "significantly." in text


def _gateshead_trend(gateshead_rows, warehouse, measure_id: str):
    selection = gateshead_rows[(gateshead_rows["measure_id"] == measure_id) & (gateshead_rows["age_band"] == "all")
                               & (gateshead_rows["client_group"] == "all")]
    area_roles = roles(GATESHEAD, "Gateshead", (NORTH_EAST, "North East"), (ENGLAND, "England"))
    breaks = applicable_breaks(db.series_breaks(warehouse), measure_id, GATESHEAD)
    return selection, area_roles, breaks


def test_the_trend_joins_2014_15_to_2023_24_and_never_across_the_2024_25_break(gateshead_rows, warehouse, flag_labels):
    selection, area_roles, breaks = _gateshead_trend(gateshead_rows, warehouse, "sds_users")
    figure = trend_chart(selection, area_roles, breaks, title="t", flag_labels=flag_labels)
    council = next(trace for trace in figure.data if trace.name == "Gateshead")
    points = dict(zip(council.x, council.y))
    # Every year 2014-15 to 2023-24 has a point (2017-18 to 2023-24 from the published values
    # without counts), so one unbroken run; then a gap at the break, then 2024-25 alone.
    assert all(points[year] is not None for year in range(2014, 2024))
    assert (points[2017], points[2023], points[2024]) == (95.3, 94.3, 22.2)
    assert 2023.5 in points and points[2023.5] is None
    assert council.x.index(2023) + 2 == council.x.index(2024)     # nothing but the gap between them
    assert council.connectgaps is False
    symbols = dict(zip(council.x, council.marker.symbol))
    assert symbols[2024] == "circle-open" and {symbols[y] for y in range(2014, 2024)} == {"circle"}
    hover = dict(zip(council.x, council.customdata))[2024]
    assert hover == ["2024-25", f"<br>{CAVEAT_MARK} Not comparable between councils; self-directed support "
                                "reported equal to direct payments"]
    # The break's marker and reason, at 2024-25.
    marker = next(a for a in figure.layout.annotations if a.x == 2023.5)
    assert marker.text.startswith("Series break") and "Client Level Data" in marker.hovertext
    # Percentages: 0 to a little above the highest value or interval drawn, not a fixed 0-100.
    highest = max(y + (u or 0) for trace in figure.data for y, u in
                  zip(trace.y, trace.error_y.array if trace.error_y and trace.error_y.array else [0] * len(trace.y))
                  if y is not None)
    assert figure.layout.yaxis.range[0] == 0 and highest < figure.layout.yaxis.range[1] <= max(highest + 2, 100)
    text = describe_trend(selection, area_roles, breaks, what="x", flag_labels=flag_labels)
    assert f"2024-25 22.2% {CAVEAT_MARK}" in text
    assert ("Gateshead 2024-25 (not comparable between councils; self-directed support reported equal to "
            "direct payments)") in text


def test_a_low_percentage_trend_gets_an_axis_that_shows_its_changes(gateshead_rows, warehouse):
    selection, area_roles, breaks = _gateshead_trend(gateshead_rows, warehouse, "dp_users")
    figure = trend_chart(selection, area_roles, breaks, title="t")
    drawn = [y for trace in figure.data for y in trace.y if y is not None]
    assert max(drawn) < 40 and figure.layout.yaxis.range[1] < 45
