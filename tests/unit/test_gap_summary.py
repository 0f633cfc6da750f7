"""The profile's 'is the gap to England closing?' sentence: which years it uses (one comparable
series, years with an interval), what it says it left out, and the sentence on the real data."""
import json

import pandas as pd
import pytest

from dashboards import create_app
from dashboards.gap_summary import gap_trend_sentence

BREAKS = pd.DataFrame({"measure_id": ["dp_users", "dp_users"], "area_code": [None, None],
                       "period": ["2014-15", "2024-25"], "kind": ["definition", "definition"], "note": ["", ""]})


def rows(gaps: dict[str, float | None], half_width: float = 2.0, without_interval: tuple[str, ...] = ()):
    periods = list(gaps)
    gap = [gaps[p] for p in periods]
    lower = [None if p in without_interval or g is None else g - half_width for p, g in zip(periods, gap)]
    upper = [None if p in without_interval or g is None else g + half_width for p, g in zip(periods, gap)]
    return pd.DataFrame({"period": periods, "gap": gap, "gap_lower_95": lower, "gap_upper_95": upper,
                         "compared_with_england": ["lower"] * len(periods)}, dtype=object) \
        .astype({"gap": float, "gap_lower_95": float, "gap_upper_95": float})


def test_uses_the_latest_comparable_series_and_names_what_it_left_out():
    own = rows({"2012-13": -20.0, "2013-14": -19.0, "2014-15": -10.0, "2015-16": -8.5, "2016-17": -7.0,
                "2017-18": -5.5, "2018-19": -4.0, "2019-20": -2.5, "2024-25": -30.0},
               without_interval=("2018-19",))
    sentence = gap_trend_sentence(own, BREAKS, "Darlington")
    assert sentence.startswith("Darlington's gap to England is narrowing: from 2014-15 to 2019-20 the gap "
                               "(Darlington minus England) changed by +1.5 percentage points a year")
    assert "weighted trend over 5 years of one comparable series" in sentence
    assert sentence.endswith("2018-19 has no counts, so no interval, and is left out of the trend; "
                             "2024-25 is after a series break and not comparable.")


def test_too_few_years_says_so_and_no_gaps_says_nothing():
    own = rows({"2014-15": -10.0, "2015-16": -8.0})
    assert gap_trend_sentence(own, BREAKS, "Darlington").startswith(
        "Too few comparable years with counts to judge whether Darlington's gap to England is changing")
    assert gap_trend_sentence(own.assign(gap=float("nan")), BREAKS, "England") is None


def test_widening_gap_above_england():
    own = rows({"2014-15": 2.0, "2015-16": 3.6, "2016-17": 5.0, "2017-18": 6.4, "2018-19": 8.1}, half_width=1.0)
    assert gap_trend_sentence(own, BREAKS, "Darlington").startswith("Darlington's gap to England is widening")


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for child in node for t in _texts(child)]
    if isinstance(node, dict):
        found = []
        props = node.get("props", {})
        for key in ("children",):
            if key in props:
                found += _texts(props[key])
        if props.get("id") == "profile-gap-trend":
            found.append("@@" + "".join(_texts(props.get("children"))))
        return found
    return []


def test_gateshead_profile_says_whether_its_direct_payments_gap_is_closing(full_db):
    app = create_app(full_db[0])
    client = app.server.test_client()
    page = "/area/E08000037?measure=dp_users&age_band=all&client_group=all"
    layout = client.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"}).get_json()
    marked = [t for t in _texts(layout) if t.startswith("@@")]
    assert marked == ["@@No clear change in Gateshead's gap to England: from 2014-15 to 2020-21 the gap "
                      "(Gateshead minus England) changed by +0.2 percentage points a year (95% interval -0.5 to "
                      "+0.9), from -7.3 to -6.1 points on the fitted line (weighted trend over 5 years of one "
                      "comparable series). 2018-19, 2019-20, 2021-22, 2022-23 and 2023-24 have no counts, so no "
                      "interval, and are left out of the trend; 2024-25 is after a series break and not comparable."]
    assert "Is the gap to England closing?" in json.dumps(layout)


def test_the_gap_chart_draws_each_year_its_interval_and_the_fitted_trend_only_over_the_years_used():
    import plotly.graph_objects as go

    from dashboards.figures.gap import describe_gap, gap_chart
    from dashboards.gap_summary import gap_summary
    own = rows({"2014-15": -10.0, "2015-16": -8.5, "2016-17": -7.0, "2017-18": -5.5, "2018-19": -4.0,
                "2024-25": -30.0}, half_width=1.0, without_interval=("2018-19",))
    summary = gap_summary(own, BREAKS, "Darlington")
    figure = go.Figure(gap_chart(summary))          # validated in full here, not per request
    dots, hollow, fit = figure.data
    assert list(dots.x) == [2014, 2015, 2016, 2017, 2024] and list(dots.error_y.array) == [1.0] * 5
    assert list(hollow.x) == [2018] and hollow.marker.symbol == "circle-open"
    assert list(fit.x) == [2014, 2017] and fit.name == "Trend: narrowing"
    assert [round(v, 6) for v in fit.y] == [-10.0, -5.5]
    assert [shape.x0 for shape in figure.layout.shapes] == [2023.5]      # before 2024-25's new series
    assert figure.layout.yaxis.zeroline and list(figure.layout.xaxis.ticktext)[-1] == "2024-25"
    words = describe_gap(summary, "Darlington")
    assert words.startswith("Dot chart of Darlington's gap to England in percentage points by year: 2014-15: -10.0 points;")
    assert "2018-19: -4.0 points (no interval)" in words and words.endswith(summary.sentence)
