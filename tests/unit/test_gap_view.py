"""The gap-to-England chart as its own view (`gap`): its download is the gap drawn (each year's gap,
its Newcombe interval, whether the trend used the year and why not, the verdict and slope, both
figures' flags and the series break), it embeds and draws as every chart does, a region has one
too, the profile shows its share links under it, and bad parameters are refused naming them."""
from __future__ import annotations

import io
import urllib.parse

import pandas as pd
import pytest

from dashboards import create_app, db
from dashboards.context import warehouse
from dashboards.gap_summary import GAP_TABLE_COLUMNS, gap_summary, gap_table

GATESHEAD = {"code": "E08000037", "measure": "dp_users", "age_band": "all", "client_group": "all"}
BREAKS = pd.DataFrame({"measure_id": ["dp_users"], "area_code": [None], "period": ["2024-25"],
                       "kind": ["definition"], "note": ["new series"]})


@pytest.fixture(scope="module")
def client(full_db):
    return create_app(full_db[0]).server.test_client()


def _csv(client, view: str, query: dict[str, str]) -> pd.DataFrame:
    response = client.get(f"/download/{view}.csv?" + urllib.parse.urlencode(query))
    assert response.status_code == 200, response.data[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype={"period": str},
                       keep_default_na=False, na_values=[""])


def test_gap_table_says_why_each_year_is_left_out_and_carries_englands_flags():
    own = pd.DataFrame({
        "area_code": "E1", "area_name": "Here", "period": ["2019-20", "2020-21", "2021-22", "2022-23", "2024-25"],
        "measure_id": "dp_users", "age_band": "all", "client_group": "all",
        "value": [20.0, 21.0, 22.0, 23.0, 30.0], "gap": [-6.0, -5.0, -4.0, -3.0, -1.0],
        "gap_lower_95": [-6.2, -5.2, None, -3.2, -1.2], "gap_upper_95": [-5.8, -4.8, None, -2.8, -0.8],
        "compared_with_england": "lower", "quality_flag": [None, None, "small_rounded_counts", None, None]})
    england = pd.DataFrame({"period": ["2020-21", "2021-22"], "quality_flag": [None, "estimate"],
                            "quality_note": [None, "England is an estimate."]})
    summary = gap_summary(own, BREAKS, "Here")
    table = gap_table(summary, england)
    assert list(table.columns) == GAP_TABLE_COLUMNS
    assert list(table["in_trend"]) == [True, True, False, True, False]
    assert list(table["not_in_trend_because"].fillna("")) == [
        "", "", "no counts, so no interval", "", "after a series break: not comparable with the years of the trend"]
    assert set(table["trend_verdict"]) == {"narrowing"}
    assert (table["trend_first_period"].iloc[0], table["trend_last_period"].iloc[0]) == ("2019-20", "2022-23")
    assert table["trend_slope_points_per_year"].iloc[0] == pytest.approx(summary.trend.slope)
    assert list(table["gap_points"]) == [-6.0, -5.0, -4.0, -3.0, -1.0]
    # The area's own flag and England's, each beside the gap made from them.
    assert table.loc[2, "quality_flag"] == "small_rounded_counts"
    assert (table.loc[2, "england_quality_flag"], table.loc[2, "england_quality_note"]) == \
        ("estimate", "England is an estimate.")
    assert pd.isna(table.loc[0, "england_quality_flag"])


def test_the_gap_download_is_the_gap_drawn_with_its_interval_verdict_and_break(client):
    rows = _csv(client, "gap", GATESHEAD).set_index("period")
    expected = db.observations(warehouse(), area_codes=["E08000037"], measure_id="dp_users", age_band="all",
                               client_group="all").set_index("period")
    expected = expected[expected["gap"].notna()]
    assert list(rows.index) == sorted(expected.index) and len(rows) == 11
    for period, row in rows.iterrows():
        assert row["gap_points"] == pytest.approx(expected.at[period, "gap"])
        assert row["england_value"] == pytest.approx(expected.at[period, "england_value"])
        if pd.notna(expected.at[period, "gap_lower_95"]):
            assert row["gap_lower_95"] == pytest.approx(expected.at[period, "gap_lower_95"])
            assert row["gap_method"] == "newcombe_hybrid_score"
    # The trend: 2014-15 to 2020-21, the years with counts; the rest say why they are out.
    used = list(rows.index[rows["in_trend"]])
    assert used == ["2014-15", "2015-16", "2016-17", "2017-18", "2020-21"]
    assert rows.at["2019-20", "not_in_trend_because"] == "no counts, so no interval"
    assert rows.at["2024-25", "not_in_trend_because"].startswith("after a series break")
    assert set(rows["trend_verdict"]) == {"no clear change"}
    assert rows["trend_slope_points_per_year"].round(1).unique().tolist() == [0.2]
    assert rows["trend_slope_lower_95"].round(1).unique().tolist() == [-0.5]
    assert rows.at["2024-25", "series_break"].startswith("Series break in 2024-25: From 2024-25 ASCOF 3D(2a)")


def test_england_flags_travel_with_the_gap_they_are_part_of(client):
    england = db.observations(warehouse(), area_codes=[db.ENGLAND], measure_id="sds_users", age_band="all",
                              client_group="all").set_index("period")
    flagged = england[england["quality_flag"].fillna("") != ""]
    assert not flagged.empty, "the full build has flagged England figures for sds_users"
    rows = _csv(client, "gap", {**GATESHEAD, "measure": "sds_users"}).set_index("period")
    for period in flagged.index.intersection(rows.index):
        assert rows.at[period, "england_quality_flag"] == flagged.at[period, "quality_flag"]
    unflagged = england.index.difference(flagged.index).intersection(rows.index)
    assert rows.loc[unflagged, "england_quality_flag"].isna().all()


def test_a_region_has_its_gap_chart_and_it_embeds_and_draws(client):
    rows = _csv(client, "gap", {**GATESHEAD, "code": "E12000001"})
    assert set(rows["area_code"]) == {"E12000001"} and rows.set_index("period").at["2014-15", "gap_points"] == -2.2
    embed = client.get("/embed/gap?" + urllib.parse.urlencode(GATESHEAD))
    page = embed.get_data(as_text=True)
    assert embed.status_code == 200
    assert '<h1 id="embed-title">Adults receiving direct payments: gap to England over time</h1>' in page
    assert "Gateshead minus England in percentage points" in page and "No clear change in Gateshead" in page
    assert "Series break in 2024-25" in page                  # the caveat under the embed
    text = client.get("/image/gap.txt?" + urllib.parse.urlencode(GATESHEAD)).get_data(as_text=True)
    assert "Newcombe's hybrid score method" in text
    about = client.get("/download/gap.xlsx?" + urllib.parse.urlencode(GATESHEAD))
    assert about.status_code == 200 and about.mimetype.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize("query, status, words", [
    ({"code": "E92000001"}, 400, "code='E92000001' is England"),
    ({**GATESHEAD, "measure": "dp_recipients"}, 400, "measure='dp_recipients' is a count"),
    ({**GATESHEAD, "measure": "made_up"}, 400, "measure='made_up' is not available for Gateshead"),
    ({**GATESHEAD, "age_band": "101+"}, 400, "age_band='101+' is not available"),
    ({**GATESHEAD, "since": "2015-16"}, 400, "Unknown parameter for the gap view: 'since'"),
    ({"code": "E99999999"}, 404, "no council, region or country with the ONS code 'E99999999'"),
    ({}, 400, "Say which area to show: code="),
])
def test_bad_parameters_are_refused_naming_them(client, query, status, words):
    for url in ("/download/gap.csv?", "/image/gap.png?"):
        response = client.get(url + urllib.parse.urlencode(query))
        assert response.status_code == status and words in response.get_json()["error"], response.get_json()
    embed = client.get("/embed/gap?" + urllib.parse.urlencode(query))
    assert embed.status_code == status and words.replace("'", "&#x27;") in embed.get_data(as_text=True)


def test_the_profile_puts_the_gap_charts_share_links_and_embed_code_under_it(client):
    page = "/area/E08000037?measure=dp_users&age_band=all&client_group=all"
    layout = client.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"}).get_json()
    found = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            walk(props.get("children"))
    walk(layout)
    query = "?code=E08000037&measure=dp_users&age_band=all&client_group=all"
    assert found["gap-download-csv"]["href"] == "/download/gap.csv" + query
    assert found["gap-image-svg"]["href"] == "/image/gap.svg" + query
    assert f'src="http://localhost/embed/gap{query.replace("&", "&amp;")}"' in found["gap-embed-code"]["value"]
    assert "profile-gap-chart" in found and "trend-download-csv" in found
