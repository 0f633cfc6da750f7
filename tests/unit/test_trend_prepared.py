"""The trend callback's prepared data and plain figures say exactly what the filters and the
go.Figure they replace said: a profile's series by position against a boolean filter of its rows,
the fast applicable_breaks and shown_breaks_in against pandas filters and sorts of every measure
and area, the chart's rows put in order, and the page's plain-dict figures validated in full by
Plotly and equal to the go.Figure the embeds draw. Over the full real warehouse."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import create_app, db
from dashboards.context import warehouse
from dashboards.figures.gap import gap_chart, gap_figure
from dashboards.figures.profile import (applicable_breaks, describe_trend, for_page, shown_breaks_in, trend_chart,
                                        trend_figure, year_of)
from dashboards.gap_summary import gap_summary
from dashboards.pages.profile import load_profile
from dashboards.pages.profile_trend import TrendChoice, _ordered, trend_data

COUNCILS = ["E06000005", "E08000037", "E06000058", "E06000059", "E10000014"]   # BCP and Dorset: boundary changes
KEYS = ["measure_id", "age_band", "client_group"]


@pytest.fixture(scope="module")
def app(full_db):
    return create_app(full_db[0])


def _filtered(rows: pd.DataFrame, measure_id: str, age_band: str, client_group: str) -> pd.DataFrame:
    return rows[(rows["measure_id"] == measure_id) & (rows["age_band"] == age_band)
                & (rows["client_group"] == client_group)]


def _reference_breaks(breaks: pd.DataFrame, measure_id: str, area_code: str) -> pd.DataFrame:
    """applicable_breaks as it was: a boolean filter, then a sort."""
    wanted = ((breaks["measure_id"] == measure_id) & breaks["area_code"].isna()) | \
        ((breaks["area_code"] == area_code) & breaks["measure_id"].isna())
    return breaks[wanted].sort_values(["period", "kind"]).reset_index(drop=True)


def test_a_profiles_series_are_its_rows_filtered_in_the_order_the_chart_lists_them(app):
    with app.server.app_context(), warehouse().reading():
        for code in COUNCILS:
            profile = load_profile(code)
            keys = profile.rows[KEYS].drop_duplicates().itertuples(index=False)
            checked = 0
            for measure_id, age_band, client_group in keys:
                expected = _filtered(profile.rows, measure_id, age_band, client_group)
                own = profile.series(measure_id, age_band, client_group, code)
                # One area's rows: exactly the filter's, index and order.
                pd.testing.assert_frame_equal(own, expected[expected["area_code"] == code])
                # Every area's: the same rows, put by role then period as the chart lists them.
                every = profile.series(measure_id, age_band, client_group)
                assert sorted(every.index) == sorted(expected.index)
                order = {role.code: position for position, role in enumerate(profile.roles)}
                listed = list(zip(every["area_code"].map(order), every["period"]))
                assert listed == sorted(listed)
                checked += 1
            assert checked > 20, code
            assert profile.series("no_such_measure", "all", "all").empty


def test_the_chart_rows_are_in_the_order_a_stable_sort_by_role_and_period_gives(app):
    with app.server.app_context(), warehouse().reading():
        profile = load_profile("E08000037")
        for choice in (TrendChoice("dp_users", "all", "all"),
                       TrendChoice("sds_users", "all", "all", ("E06000005", "E08000021"))):
            selection, roles, _ = trend_data(profile, choice)
            order = {role.code: position for position, role in enumerate(roles)}
            reference = selection.assign(_role=selection["area_code"].map(order)) \
                .sort_values(["_role", "period"], kind="stable").drop(columns="_role").reset_index(drop=True)
            ordered = _ordered(selection, roles)
            pd.testing.assert_frame_equal(ordered, reference)
            # Shuffled rows come back in the same order too.
            pd.testing.assert_frame_equal(_ordered(selection.sample(frac=1, random_state=3), roles), reference)
            assert list(dict.fromkeys(ordered["area_code"])) == [r.code for r in roles
                                                                 if r.code in set(ordered["area_code"])]


def test_applicable_breaks_are_the_filtered_and_sorted_breaks_for_every_measure_and_area(app):
    with app.server.app_context(), warehouse().reading():
        breaks = db.series_breaks(warehouse())
        measures = sorted(set(breaks["measure_id"].dropna())) + ["population"]
        areas = sorted(set(breaks["area_code"].dropna())) + ["E06000005"]
        found_both = False
        for measure_id in measures:
            for area_code in areas:
                chosen = applicable_breaks(breaks, measure_id, area_code)
                pd.testing.assert_frame_equal(chosen, _reference_breaks(breaks, measure_id, area_code))
                found_both |= chosen["area_code"].notna().any() and chosen["measure_id"].notna().any()
        assert found_both   # a measure's breaks and an area's boundary changes, together


def test_shown_breaks_are_those_inside_the_years_once_per_period_and_note():
    breaks = pd.DataFrame({"measure_id": [None, None, "dp_users", None],
                           "area_code": ["E06000055", "E06000056", None, "E06000055"],
                           "period": ["2009-10", "2009-10", "2014-15", "2019-20"],
                           "kind": ["split", "split", "definition", "split"],
                           "note": ["Bedfordshire split", "Bedfordshire split", "New return", None]})
    for years in ([2008, 2015], [2009, 2020], [2010, 2014], [2020, 2024], []):
        shown = shown_breaks_in(breaks, years)
        if not years:
            assert shown.empty
            continue
        inside = breaks[breaks["period"].map(lambda p: years[0] < year_of(p) <= years[-1]).astype(bool)]
        pd.testing.assert_frame_equal(shown, inside.drop_duplicates(["period", "note"]).reset_index(drop=True))
    assert list(shown_breaks_in(breaks, [2008, 2020])["period"]) == ["2009-10", "2014-15", "2019-20"]


def test_the_pages_plain_figures_validate_in_full_and_equal_the_embeds_go_figures(app):
    with app.server.app_context(), warehouse().reading():
        drawn = 0
        for code in COUNCILS:
            profile = load_profile(code)
            for measure_id in ("sds_users", "dp_users", "dp_recipients"):
                choice = TrendChoice(measure_id, "all", "all", ("E06000047",))
                selection, roles, breaks = trend_data(profile, choice)
                unit = profile.unit(measure_id)
                plain = trend_figure(selection, roles, breaks, title="t", unit=unit, flag_labels=profile.flag_labels)
                validated = go.Figure(plain)            # every property checked, as no request does
                assert validated.to_plotly_json() == trend_chart(selection, roles, breaks, title="t", unit=unit,
                                                                 flag_labels=profile.flag_labels).to_plotly_json()
                assert plain["layout"]["template"] == go.Figure().to_plotly_json()["layout"]["template"]
                assert for_page(plain) == for_page(validated)
                assert "title" in plain["layout"]      # for_page left the figure itself as it was
                drawn += len(plain["data"])
                own = profile.series(measure_id, "all", "all", code)
                summary = gap_summary(own, applicable_breaks(profile.breaks, measure_id, code), "x")
                if summary is not None and unit == "percent":
                    gap = gap_figure(summary)
                    assert go.Figure(gap).to_plotly_json() == gap_chart(summary).to_plotly_json()
                    assert gap["data"][0]["x"] and all(isinstance(x, int) for x in gap["data"][0]["x"])
        assert drawn > 20
        # No figures at all: an empty figure either way.
        empty = selection.iloc[0:0]
        assert go.Figure(trend_figure(empty, roles, breaks, title="t")).to_plotly_json() == \
            trend_chart(empty, roles, breaks, title="t").to_plotly_json() == go.Figure().to_plotly_json()
        assert describe_trend(empty, roles, breaks, what="x") == "No figures for x."
