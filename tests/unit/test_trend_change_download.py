"""The trend's "change since a chosen year" mode downloads what it draws: each line's change in
percentage points from its own figure in the base year, under columns that say so, with both
years' figures, both years' flags and the break that ends the line; the figures mode still
downloads the observations."""
from __future__ import annotations

import io
import urllib.parse

import pandas as pd
import pytest

from dashboards import create_app, db
from dashboards.context import warehouse
from dashboards.figures.profile import roles
from dashboards.figures.trend import CHANGE_COLUMNS, change_since, change_table

AREA, REGION, ENGLAND = "E06000005", "E12000001", "E92000001"
BREAKS = pd.DataFrame({"measure_id": ["dp_users"], "area_code": [None], "period": ["2024-25"],
                       "kind": ["definition"], "note": ["Client Level Data from 2024-25."]})
GATESHEAD = {"code": "E08000037", "measure": "dp_users", "age_band": "all", "client_group": "all"}


def test_change_table_gives_the_change_both_figures_both_flags_and_the_break_that_ends_the_line():
    rows = pd.DataFrame([
        (AREA, "2021-22", 30.0, None), (AREA, "2022-23", 32.5, "small_rounded_counts"), (AREA, "2023-24", 35.1, None),
        (AREA, "2024-25", 20.0, None), (ENGLAND, "2021-22", 26.7, "estimate"), (ENGLAND, "2022-23", 26.2, None)],
        columns=["area_code", "period", "value", "quality_flag"]).assign(
        area_name=lambda f: f["area_code"], measure_id="dp_users", age_band="all", client_group="all",
        lower_95=None, upper_95=None, quality_note=lambda f: f["quality_flag"].map(
            {"estimate": "England is grossed up.", "small_rounded_counts": "Rounded counts."}))
    every = roles(AREA, "Darlington", (REGION, "North East"), (ENGLAND, "England"))
    table = change_table(change_since(rows, every, BREAKS, "2021-22"), BREAKS)
    assert list(table.columns) == CHANGE_COLUMNS and "value" not in table
    got = [(r.area_code, r.period, r.change_since_base_period_points, r.value_in_base_period, r.value_in_period)
           for r in table.itertuples()]
    assert got == [(AREA, "2021-22", 0.0, 30.0, 30.0), (AREA, "2022-23", 2.5, 30.0, 32.5),
                   (AREA, "2023-24", 5.1, 30.0, 35.1),          # 35.1 - 30.0 exactly, not 5.100000000000001
                   (ENGLAND, "2021-22", 0.0, 26.7, 26.7), (ENGLAND, "2022-23", -0.5, 26.7, 26.2)]
    assert set(table["base_period"]) == {"2021-22"}
    # The year's own flag, and the base year's flag on every change measured from it.
    assert table.loc[1, "quality_flag"] == "small_rounded_counts"
    assert list(table.loc[table["area_code"] == ENGLAND, "base_period_quality_flag"]) == ["estimate", "estimate"]
    assert set(table.loc[table["area_code"] == ENGLAND, "base_period_quality_note"]) == {"England is grossed up."}
    assert table.loc[table["area_code"] == AREA, "base_period_quality_flag"].isna().all()
    assert set(table["line_stops_at_break"]) == {
        "Series break in 2024-25: Client Level Data from 2024-25. No change is measured across it."}


@pytest.fixture(scope="module")
def client(full_db):
    return create_app(full_db[0]).server.test_client()


def _csv(client, query: dict[str, str]) -> pd.DataFrame:
    response = client.get("/download/trend.csv?" + urllib.parse.urlencode(query))
    assert response.status_code == 200, response.data[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype={"period": str, "base_period": str},
                       keep_default_na=False, na_values=[""])


def test_the_change_download_is_each_lines_change_as_drawn(client):
    rows = _csv(client, {**GATESHEAD, "with": "E08000021", "since": "2015-16"})
    assert list(rows.columns) == CHANGE_COLUMNS + ["series_break"]
    assert list(dict.fromkeys(rows["area_code"])) == ["E08000037", "E12000001", "E92000001", "E08000021"]
    assert set(rows["base_period"]) == {"2015-16"}
    # 2015-16 to 2023-24: the 3D series from 2024-25 is not comparable, so no change into it.
    assert sorted(set(rows["period"])) == ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20", "2020-21",
                                           "2021-22", "2022-23", "2023-24"]
    assert rows["line_stops_at_break"].str.startswith("Series break in 2024-25").all()
    observed = db.observations(warehouse(), area_codes=list(set(rows["area_code"])), measure_id="dp_users",
                               age_band="all", client_group="all").set_index(["area_code", "period"])["value"]
    for row in rows.itertuples():
        base, now = observed[(row.area_code, "2015-16")], observed[(row.area_code, row.period)]
        assert (row.value_in_base_period, row.value_in_period) == (base, now)
        assert row.change_since_base_period_points == pytest.approx(now - base, abs=1e-9)
    gateshead = rows[rows["area_code"] == "E08000037"].set_index("period")
    assert gateshead.at["2023-24", "change_since_base_period_points"] == -2.8      # 18.3 - 21.1
    # The figures mode downloads the observations, as before.
    figures = _csv(client, {**GATESHEAD, "with": "E08000021"})
    assert "value" in figures and "change_since_base_period_points" not in figures
    assert len(figures) > len(rows)


def test_a_flagged_figure_in_the_base_year_flags_every_change_from_it(client):
    # Stoke-on-Trent's self-directed support equals its direct payments in several years (flagged).
    own = db.observations(warehouse(), area_codes=["E06000021"], measure_id="sds_users", age_band="all",
                          client_group="all").set_index("period")
    flagged = sorted(own.index[own["quality_flag"].fillna("").str.contains("sds_equals_dp")])
    base = flagged[0]
    assert base < "2023-24", flagged
    rows = _csv(client, {**GATESHEAD, "code": "E06000021", "measure": "sds_users", "since": base})
    mine = rows[rows["area_code"] == "E06000021"].set_index("period")
    assert len(mine) >= 2 and set(mine["base_period_quality_flag"]) == {own.at[base, "quality_flag"]}
    for period in mine.index:      # each year's own flag, as the warehouse has it
        assert (mine.at[period, "quality_flag"] if pd.notna(mine.at[period, "quality_flag"]) else None) == \
            (own.at[period, "quality_flag"] or None)
