"""Trends for several councils: each added council's line style, the fitted axis, breaks (never a
rename), hollow flagged points on every line, change since a year (never across a break), the
URL state, and the trend view's refusals."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards.figures.profile import (applicable_breaks, describe_trend, percent_axis_top, roles, shown_breaks_in,
                                        trend_chart)
from dashboards.figures.trend import ADDED_STYLES, MAX_ADDED, added_roles, change_periods, change_since

AREA, REGION, ENGLAND = "E06000005", "E12000001", "E92000001"
BASE = roles(AREA, "Darlington", (REGION, "North East"), (ENGLAND, "England"))
ADDED = [(f"E0800{n:04d}", f"Council {n}") for n in range(21, 31)]
NO_BREAKS = pd.DataFrame(columns=["measure_id", "area_code", "period", "kind", "note"])


def line_rows(values: dict[str, dict[str, float]], flags: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """{code: {period: value}} as observations of dp_users."""
    rows = []
    for code, by_period in values.items():
        for period, value in by_period.items():
            rows.append({"area_code": code, "area_name": code, "period": period, "measure_id": "dp_users",
                         "age_band": "all", "client_group": "all", "value": value, "lower_95": None,
                         "upper_95": None, "quality_flag": (flags or {}).get((code, period))})
    return pd.DataFrame(rows)


def contrast(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_each_added_council_has_its_own_colour_shape_and_dash_and_is_visible_on_white():
    added = added_roles(ADDED + [("E08000099", "One too many")])
    assert len(added) == MAX_ADDED == len(ADDED_STYLES)
    every = BASE + added
    assert len({role.colour for role in every}) == len(every)
    assert len({role.symbol for role in every}) == len(every)
    # Never told apart by colour alone: no two lines share both shape and dash.
    assert len({(role.symbol, role.dash) for role in every}) == len(every)
    assert min(contrast(role.colour) for role in added) >= 3.0
    assert [role.name for role in added[:2]] == ["Council 21", "Council 22"]


def test_thirteen_lines_each_named_hollow_where_flagged_on_an_axis_fitted_to_the_data():
    every = BASE + added_roles(ADDED)
    values = {role.code: {"2021-22": 10.0 + i, "2022-23": 12.0 + i, "2023-24": 14.0 + i} for i, role in enumerate(every)}
    rows = line_rows(values, flags={(ADDED[4][0], "2022-23"): "small_rounded_counts"})
    figure = trend_chart(rows, every, NO_BREAKS, title="t", flag_labels={"small_rounded_counts": "Small rounded counts"})
    go.Figure(figure.to_plotly_json())      # valid in full
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {role.name for role in every}
    flagged = traces["Council 25"]
    assert list(flagged.marker.symbol) == ["star", "star-open", "star"]
    assert "\u26a0 Small rounded counts" in flagged.customdata[1][1]
    assert traces["Council 25"].line.dash == "dash" and traces["Council 21"].line.dash == "longdash"
    assert traces["Council 21"].line.width < 2 and traces["Darlington"].line.width > traces["Council 21"].line.width
    highest = max(v for by_period in values.values() for v in by_period.values())
    top = figure.layout.yaxis.range[1]
    assert figure.layout.yaxis.range[0] == 0 and highest < top <= highest + 10
    assert figure.layout.height > 460      # room for the legend's extra rows


@pytest.mark.parametrize("highest", [13.0, 30.4, 45.5, 88.0, 99.0])
def test_a_percentage_axis_tops_out_within_ten_points_of_the_highest_value(highest):
    assert highest < percent_axis_top(highest) <= min(highest + 10, 100.0) or highest >= 98


def test_a_rename_draws_no_break_and_a_split_shared_by_two_councils_one_marker(bundled_db):
    """The warehouse's breaks (all_series_breaks) leave out the 1C to 3D rename of 2023-24."""
    import duckdb

    with duckdb.connect(str(bundled_db), read_only=True) as connection:
        breaks = connection.sql("SELECT * FROM all_series_breaks").df()
    sds = applicable_breaks(breaks, "sds_users", AREA)
    assert "2023-24" not in set(sds["period"]) and "2024-25" in set(sds["period"])
    rows = line_rows({AREA: {"2021-22": 96.8, "2022-23": 97.2, "2023-24": 96.2, "2024-25": 95.8}}).assign(
        measure_id="sds_users")
    figure = trend_chart(rows, BASE[:1], sds, title="t")
    assert [a.text for a in figure.layout.annotations] == ["Series break 1"]
    assert [shape.x0 for shape in figure.layout.shapes] == [2023.5]
    # Bedford and Central Bedfordshire share the note of Bedfordshire's split: one marker.
    both = pd.concat([applicable_breaks(breaks, "dp_users", code) for code in ("E06000055", "E06000056")])
    assert len(both[both["period"] == "2009-10"]) == 2
    assert len(shown_breaks_in(both, list(range(2008, 2012)))) == 1


def test_change_since_a_year_stops_at_a_break_and_refuses_a_line_without_that_year():
    added = added_roles(ADDED[:2])
    every = BASE + added
    values = {AREA: {"2021-22": 30.0, "2022-23": 32.5, "2023-24": 35.0, "2024-25": 20.0},
              ENGLAND: {"2021-22": 26.7, "2022-23": 26.2, "2023-24": 25.6, "2024-25": 24.5},
              ADDED[0][0]: {"2021-22": 17.4, "2023-24": 17.7},
              ADDED[1][0]: {"2022-23": 15.0, "2023-24": 13.9}}
    rows = line_rows(values)
    breaks = pd.DataFrame({"measure_id": ["dp_users"], "area_code": [None], "period": ["2024-25"],
                           "kind": ["definition"], "note": ["Client Level Data from 2024-25."]})
    assert change_periods(rows, AREA) == ["2021-22", "2022-23", "2023-24"]
    change = change_since(rows, every, breaks, "2021-22")
    got = {(r.area_code, r.period): round(r.value, 6) for r in change.rows.itertuples()}
    assert got == {(AREA, "2021-22"): 0.0, (AREA, "2022-23"): 2.5, (AREA, "2023-24"): 5.0,
                   (ENGLAND, "2021-22"): 0.0, (ENGLAND, "2022-23"): -0.5, (ENGLAND, "2023-24"): -1.1,
                   (ADDED[0][0], "2021-22"): 0.0, (ADDED[0][0], "2023-24"): 0.3}
    assert change.until == "2023-24"
    assert change.refused == {REGION: "North East has no figure for 2021-22, so no change from it.",
                              ADDED[1][0]: "Council 22 has no figure for 2021-22, so no change from it."}
    assert change.rows["upper_95"].isna().all()
    figure = trend_chart(change.rows, every, breaks, title="t", unit="points", value_title="Change")
    assert figure.layout.yaxis.zeroline is True and figure.layout.yaxis.range is None
    assert "%{y:+.1f} points" in figure.data[0].hovertemplate
    text = describe_trend(change.rows, every, breaks, what="change", unit="points")
    assert "Darlington: 2021-22 +0.0 points, 2022-23 +2.5 points, 2023-24 +5.0 points." in text
    assert "North East: no figures." in text and "Series break" not in text


@pytest.fixture
def bundled_app(bundled_db):
    from dashboards import create_app
    return create_app(bundled_db)


def test_url_state_round_trips_with_councils_and_since(bundled_app):
    from dashboards.pages.profile_trend import TrendChoice, parse_with, resolve_trend

    known = {"E08000021", "E06000047", "E06000005"}
    assert parse_with("e08000021, E06000047,E06000047,E06000005,E99999999", known, "E06000005") == \
        ("E08000021", "E06000047")
    assert len(parse_with(",".join(f"E080000{n:02d}" for n in range(11, 25)),
                          {f"E080000{n:02d}" for n in range(11, 25)}, "")) == MAX_ADDED
    available = pd.DataFrame({"measure_id": ["dp_users"], "age_band": ["all"], "client_group": ["all"]})
    choice = resolve_trend({"measure": "dp_users", "with": "E08000021,E06000047", "since": "2015-16"}, available,
                           known, "E06000005")
    assert choice == TrendChoice("dp_users", "all", "all", ("E08000021", "E06000047"), "2015-16")
    assert choice.query() == "?measure=dp_users&age_band=all&client_group=all&with=E08000021,E06000047&since=2015-16"
    assert TrendChoice("dp_users", "all", "all").query() == "?measure=dp_users&age_band=all&client_group=all"


def test_the_trend_view_draws_added_councils_and_refuses_what_it_cannot_show(bundled_app):
    """The bundled report figures: North East councils' 2011-12 self-directed support."""
    from dashboards.charts import ChartRequestError, chart_for

    with bundled_app.server.app_context():
        query = {"code": "E06000005", "measure": "sds_users", "age_band": "18-64", "client_group": "mental_health"}
        chart = chart_for("trend", {**query, "with": "E08000021,E06000047"})
        assert chart.resolved["with"] == "E08000021,E06000047"
        assert list(dict.fromkeys(chart.rows["area_code"])) == ["E06000005", "E12000001", "E92000001",
                                                                 "E08000021", "E06000047"]
        names = [trace.name for trace in chart.figure.data]
        assert {"Newcastle upon Tyne", "County Durham", "Darlington"} <= set(names)
        assert "and 2 other councils" in chart.subtitle
        assert "with=E08000021%2CE06000047" in chart.url("embed")
        for bad in ({"with": "E99999999"}, {"with": "E06000005"}, {"since": "2030-31"}):
            with pytest.raises(ChartRequestError) as refused:
                chart_for("trend", {**query, **bad})
            assert refused.value.status == 400 and refused.value.valid[0].startswith("/embed/trend?")


def test_adding_councils_by_name_says_what_happened(bundled_app):
    from dashboards.pages.profile_trend import add_council, councils

    with bundled_app.server.app_context():
        known = councils()

        def change_councils(_clicks, _submits, _removed, typed, current, own):
            return add_council(typed, current, own, known)

        assert change_councils(1, 0, [], "newcastle upon tyne", [], "E06000005") == \
            (["E08000021"], "", "Added Newcastle upon Tyne.")
        assert change_councils(2, 0, [], "E08000021", ["E08000021"], "E06000005")[1:] == \
            ("", "Newcastle upon Tyne is already on the chart.")
        assert change_councils(2, 0, [], "Darlington", [], "E06000005")[2] == "Darlington is already on the chart."
        assert change_councils(3, 0, [], "Atlantis", [], "E06000005")[2] == \
            "No council called \u201cAtlantis\u201d: choose a name from the list."
        full = [f"E0800{n:04d}" for n in range(1, 11)]
        assert change_councils(4, 0, [], "Newcastle upon Tyne", full, "E06000005")[2] == \
            "At most 10 councils: remove one to add Newcastle upon Tyne."


def test_the_callback_guard_accepts_the_remove_buttons_pattern_as_dash_files_it():
    """Dash's callback map holds a pattern id as JSON text; the renderer sends a list for ALL."""
    import jsonschema_rs

    from dashboards.callback_guard import dependency_schema

    schema = dependency_schema({"id": '{"code":["ALL"],"type":"profile-with-remove"}', "property": "n_clicks"},
                               "inputs", 2)
    validator = jsonschema_rs.Draft202012Validator(schema)
    press = {"id": {"code": "E08000021", "type": "profile-with-remove"}, "property": "n_clicks", "value": 1}
    assert validator.is_valid([]) and validator.is_valid([press])
    assert not validator.is_valid([{**press, "value": "x"}]) and not validator.is_valid("a string")
