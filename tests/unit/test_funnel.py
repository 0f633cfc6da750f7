"""Funnel plot limits, over-dispersion, positions, text, URL state and callbacks.

Expected numbers are worked by hand (shown in the comments), not by the code under test.
"""
import math

import numpy as np
import pandas as pd
import pytest

from dashboards import funnel_limits as fl
from dashboards.figures import HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE
from dashboards.figures.funnel import (describe_funnel, for_page, funnel_data, funnel_figure, funnel_spec, in_region,
                                       method_text, page_layout, position_words)
from dashboards.state import Selection
from tests.wire_reading import find

Z95, Z998 = 1.959963984540054, 3.090232306167813


def test_exact_binomial_limits_interpolate_between_quantiles():
    # Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024, F(8) = 1013/1024.
    # Lower 2.5%: r = 2, alpha = (56 - 25.6) / 45 = 0.675556, limit = (2 - alpha) / 10.
    # Upper 97.5%: r = 8, alpha = (1013 - 998.4) / 45 = 0.324444, limit = (8 - alpha) / 10.
    limits = fl.binomial_limits(0.5, [10])
    assert limits["lower_95"][0] == pytest.approx((2 - 30.4 / 45) / 10, abs=1e-12)   # 0.132444
    assert limits["upper_95"][0] == pytest.approx((8 - 14.6 / 45) / 10, abs=1e-12)   # 0.767556
    # Binomial(10, 0.5) 99.9%: F(9) = 1023/1024 >= 0.999 > F(8), so r = 9;
    # alpha = (1023 - 1022.976) / 10 = 0.0024, limit = (9 - 0.0024) / 10.
    assert fl.binomial_limits(0.5, [10])["upper_998"][0] == pytest.approx((9 - 0.024 / 10) / 10, abs=1e-12)


def test_exact_limits_are_smooth_nested_and_close_to_the_normal_ones_for_large_n():
    grid = fl.denominator_grid(12, 30000)
    assert grid[0] == 12 and grid[-1] == 30000 and np.all(np.diff(grid) > 0)
    exact = fl.binomial_limits(0.922, grid)
    assert np.all(np.diff(exact["upper_95"]) <= 0) and np.all(np.diff(exact["lower_95"]) >= 0)
    assert np.all(exact["lower_998"] <= exact["lower_95"]) and np.all(exact["upper_95"] <= exact["upper_998"])
    normal = fl.normal_limits(0.922, [30000])
    # 0.922 +/- 1.96 * sqrt(0.922 * 0.078 / 30000) = 0.922 +/- 0.0030346
    assert normal["upper_95"][0] == pytest.approx(0.922 + Z95 * math.sqrt(0.922 * 0.078 / 30000))
    assert exact["upper_95"][-1] == pytest.approx(normal["upper_95"][0], abs=1e-4)
    assert exact["lower_998"][-1] == pytest.approx(normal["lower_998"][0], abs=1e-4)


def test_normal_limits_by_hand():
    # p0 = 0.2, n = 100: s = sqrt(0.16 / 100) = 0.04.
    limits = fl.normal_limits(0.2, [100])
    assert limits["lower_95"][0] == pytest.approx(0.2 - Z95 * 0.04)      # 0.1216014
    assert limits["upper_998"][0] == pytest.approx(0.2 + Z998 * 0.04)    # 0.3236093


# Equal denominators: p0 = 0.2, n = 100 each, so s = 0.04 and z = (y - 0.2) / 0.04 are whole numbers.
EQUAL_Z = [-3, -2, -1, 0, 0, 1, 1, 2, 3, 5]
EQUAL_Y = [0.2 + 0.04 * z for z in EQUAL_Z]


def test_over_dispersion_with_equal_denominators_by_hand():
    # Sorted z: 10th percentile (position 0.9) = -3 + 0.9 * 1 = -2.1; 90th (position 8.1) = 3 + 0.1 * 2 = 3.2.
    # Winsorised: -2.1, -2, -1, 0, 0, 1, 1, 2, 3, 3.2; squares sum to 34.65, so phi = 3.465.
    # w = 1 / 0.0016 = 625 each: sum w = 6250, sum w^2 / sum w = 625, so
    # tau^2 = (10 * 3.465 - 9) / (6250 - 625) = 25.65 / 5625 = 0.00456.
    spread = fl.dispersion(0.2, EQUAL_Y, [100] * 10)
    assert spread.units == 10
    assert list(spread.z) == pytest.approx(EQUAL_Z)
    assert list(spread.z_winsorised) == pytest.approx([-2.1, -2, -1, 0, 0, 1, 1, 2, 3, 3.2])
    assert spread.phi == pytest.approx(3.465)
    assert spread.tau2 == pytest.approx(0.00456)
    result = fl.funnel(0.2, EQUAL_Y, [100] * 10, adjusted=True)
    assert result.applied
    # Adjusted: 0.2 +/- z * sqrt(0.0016 + 0.00456) = 0.2 +/- z * 0.0784857
    assert result.unit_limits["upper_95"].iloc[0] == pytest.approx(0.2 + Z95 * math.sqrt(0.00616))   # 0.353829
    assert result.unit_limits["upper_998"].iloc[0] == pytest.approx(0.2 + Z998 * math.sqrt(0.00616))  # 0.442539
    assert result.unit_limits["lower_998"].iloc[0] == 0        # 0.2 - 0.242539 < 0: clipped to 0
    # Unadjusted (normal, for reference 0.2 +/- 3.09 * 0.04 = 0.0764 to 0.3236): 0.40 (z = 5) is above the
    # 99.8% limit; adjusted (0.2 + 0.2425 = 0.4425 at 99.8%, 0.3538 at 95%) it lies between 95% and 99.8%.
    assert result.unit_limits["position"].tolist()[-1] == "above_95"
    assert fl.funnel(0.2, EQUAL_Y, [100] * 10).unit_limits["position"].tolist()[-1] == "above_998"


def test_over_dispersion_with_unequal_denominators_by_hand():
    # p0 = 0.3; (numerator, denominator): (15, 50), (40, 100), (50, 200), (140, 400), (30, 80), (90, 250).
    # s_i^2 = 0.21 / n_i; z = (y - 0.3) / s: 0, 2.182179, -1.543033, 2.182179, 1.463850, 2.070197.
    # Sorted: -1.543033, 0, 1.463850, 2.070197, 2.182179, 2.182179. Percentiles at positions 0.5 and 4.5:
    # 10th = -0.771517, 90th = 2.182179 (no change to the top). Winsorised squares:
    # 0 + 4.761905 + 0.595238 + 4.761905 + 2.142857 + 4.285714 = 16.547619 = 695/42, phi = 695/252 = 2.757937.
    # w = n / 0.21: sum w = 1080 / 0.21 = 5142.857; sum w^2 = 281400 / 0.0441; sum w^2 / sum w = 1240.741.
    # tau^2 = (6 * 2.757937 - 5) / (5142.857 - 1240.741) = 11.547619 / 3902.116 = 0.00295932.
    numerators = np.array([15, 40, 50, 140, 30, 90])
    denominators = np.array([50, 100, 200, 400, 80, 250])
    spread = fl.dispersion(0.3, numerators / denominators, denominators)
    assert list(spread.z) == pytest.approx([0, 2.1821789, -1.5430335, 2.1821789, 1.4638501, 2.0701967])
    assert spread.phi == pytest.approx(695 / 252)
    sum_w = 1080 / 0.21
    sum_w2 = (50**2 + 100**2 + 200**2 + 400**2 + 80**2 + 250**2) / 0.21**2
    assert sum_w2 == pytest.approx(281400 / 0.0441)
    assert spread.tau2 == pytest.approx((6 * 695 / 252 - 5) / (sum_w - sum_w2 / sum_w))
    assert spread.tau2 == pytest.approx(0.0029593220339, rel=1e-9)
    limits = fl.normal_limits(0.3, [100], spread.tau2)
    # 0.3 +/- z * sqrt(0.0021 + 0.002959322) = 0.3 +/- z * 0.0711289
    assert limits["lower_998"][0] == pytest.approx(0.0801951, abs=1e-7)
    assert limits["upper_95"][0] == pytest.approx(0.4394101, abs=1e-7)


def test_no_over_dispersion_leaves_the_limits_unchanged_and_says_so():
    # z = -1, -0.5, 0, 0, 0.5, 1 (p0 = 0.5, n = 100, s = 0.05): phi < 5/6, so tau^2 = 0.
    y = [0.5 + 0.05 * z for z in (-1, -0.5, 0, 0, 0.5, 1)]
    result = fl.funnel(0.5, y, [100] * 6, adjusted=True)
    assert result.dispersion.tau2 == 0 and not result.applied
    plain = fl.funnel(0.5, y, [100] * 6, adjusted=False)
    pd.testing.assert_frame_equal(result.grid, plain.grid)
    councils = _councils([45, 47.5, 50, 50, 52.5, 55], [45, 47.5, 50, 50, 52.5, 55], [100] * 6)
    text = method_text(funnel_data(councils, 50, adjusted=True), centre_name="England", centre=50, adjusted=True)
    assert "within what chance allows, so \u03c4\u00b2 = 0 and the limits are unchanged" in text
    assert "exact binomial" in text


def test_a_value_on_a_limit_is_inside_and_beyond_it_outside():
    limits = {"lower_998": np.array([0.1] * 5), "lower_95": np.array([0.2] * 5),
              "upper_95": np.array([0.8] * 5), "upper_998": np.array([0.9] * 5)}
    assert list(fl.position([0.8, 0.85, 0.95, 0.15, 0.05], limits)) == [
        "inside", "above_95", "above_998", "below_95", "below_998"]


def _councils(values, numerators, denominators, names=None):
    names = names or [f"Council {i}" for i in range(len(values))]
    return pd.DataFrame({"area_code": [f"E0600000{i}" for i in range(len(values))], "area_name": names,
                         "area_type": "council", "value": values, "numerator": numerators,
                         "denominator": denominators, "value_status": "published", "note": None})


def test_funnel_data_places_councils_and_lists_those_without_counts():
    councils = _councils([60.0, 50.0, 20.0, 55.0, None, 52.0],
                         [600, 5000, 200, 55, None, None], [1000, 10000, 1000, 100, None, None],
                         ["High", "Centre", "Low", "Small", "No value", "No counts"])
    data = funnel_data(councils, 50.0, adjusted=False)
    placed = dict(zip(data.points["area_name"], data.points["position"]))
    # n = 1000 around 50%: 99.8% limits about 45.1% to 54.9%, so 60% and 20% are outside.
    assert placed == {"High": "above_998", "Centre": "inside", "Low": "below_998", "Small": "inside"}
    assert list(data.points["area_name"]) == ["High", "Small", "Centre", "Low"]   # by position, then value
    assert dict(zip(data.not_plotted["area_name"], data.not_plotted["reason"])) == {
        "No value": "No value", "No counts": "No counts published"}
    assert data.grid["denominator"].min() == 100 and data.grid["denominator"].max() == 10000
    assert data.grid["upper_95"].iloc[-1] == pytest.approx(50 + 100 * Z95 * math.sqrt(0.25 / 10000), abs=0.01)
    text = describe_funnel(data, what="uptake, 2020-21", centre_name="England", centre=50.0,
                           limits_name="Unadjusted limits (exact binomial)")
    assert text == ("Funnel plot of uptake, 2020-21: 4 councils plotted by value against denominator, with "
                    "unadjusted limits (exact binomial) around England's value of 50.0%. Outside the 99.8% "
                    "limits: 2 councils (1 above, 1 below). Between the 95% and 99.8% limits: 0 councils "
                    "(0 above, 0 below). Within the 95% limits: 2 councils. Above the 99.8% limit: High. "
                    "Below the 99.8% limit: Low. 2 councils without a value or counts are not plotted.")
    assert position_words("above_998") == "\u25b2 Above the 99.8% limit"
    assert position_words("not plotted") == "Not plotted (no counts)"


def test_figure_has_limits_centre_and_a_trace_per_position_with_codes_for_click_through():
    councils = _councils([60.0, 50.0, 20.0, 55.0], [600, 5000, 200, 55], [1000, 10000, 1000, 100],
                         ["High", "Centre", "Low", "Small"])
    data = funnel_data(councils, 50.0, adjusted=False)
    figure = funnel_figure(data, centre=50.0, centre_name="England", title="t", value_title="v",
                           denominator_title="d", limits_name="Unadjusted limits (exact binomial)")
    names = [trace.name for trace in figure.data]
    assert names == ["99.8% limits", "95% limits", "England 50.0%", "\u25b2 Above the 99.8% limit (1)",
                     "\u25cf Within the 95% limits (2)", "\u25bc Below the 99.8% limit (1)"]
    # Built without per-property validation for speed: validating it in full must pass.
    import plotly.graph_objects as go
    assert len(go.Figure(figure.to_dict()).data) == 6
    above = figure.data[3]
    assert above.marker.symbol == "triangle-up" and above.marker.color == "#0072B2"
    assert list(above.customdata[0]) == ["E06000000", "High", "60.0%", "600", "1,000", "\u25b2 Above the 99.8% limit",
                                         ""]      # no caveat line
    assert figure.data[5].marker.color == "#B35200"
    assert figure.layout.legend.title.text.startswith("Unadjusted limits (exact binomial)")
    assert figure.layout.yaxis.tickformat == ".1f"             # one decimal place, as every percentage
    assert figure.layout.annotations == ()                     # no reader's council asked for
    # On the page the legend sits above the plot (a phone shows it before the points) and the title
    # is text above the chart; images keep both where their frame expects them.
    page = for_page(figure)
    assert (page.layout.legend.y, page.layout.legend.yanchor, page.layout.legend.yref) == (1.02, "bottom", "paper")
    assert page.layout.title.text is None and figure.layout.title.text == "t"
    assert (figure.layout.legend.y, figure.layout.legend.yref) == (0, "container")


def test_the_readers_council_is_a_diamond_in_the_highlight_colour_named_beside_it():
    councils = _councils([60.0, 50.0, 20.0, 55.0], [600, 5000, 200, 55], [1000, 10000, 1000, 100],
                         ["High", "Centre", "Low", "Small"])
    data = funnel_data(councils, 50.0, adjusted=False)
    figure = funnel_figure(data, centre=50.0, centre_name="England", title="t", value_title="v",
                           denominator_title="d", limits_name="Unadjusted limits (exact binomial)",
                           highlight="E06000002")
    mine = figure.data[-1]                                # drawn last, on top of its own marker
    assert mine.name == "◆ Low (your council)" and list(mine.x) == [1000] and list(mine.y) == [20.0]
    assert mine.marker.color == HIGHLIGHT_COLOUR and mine.marker.line.color == HIGHLIGHT_OUTLINE
    assert mine.customdata[0][0] == "E06000002"           # its hover and click are the council's
    [label] = figure.layout.annotations
    assert (label.text, label.x, label.y) == ("◆ Low (your council)", 1000, 20.0)
    assert label.xanchor == "left"                        # near the left edge: the label runs right
    text = describe_funnel(data, what="uptake", centre_name="England", centre=50.0,
                           limits_name="Unadjusted limits (exact binomial)", highlight="E06000002")
    assert "of 50.0%. Your council, Low: 20.0% (200 of 1,000), \u25bc Below the 99.8% limit. Outside" in text
    import plotly.graph_objects as go
    go.Figure(figure.to_dict())                           # valid in full


def test_the_page_draws_the_same_figure_from_the_plain_spec_as_from_the_plotly_figure():
    """The page builds its one Plotly figure from funnel_spec's dict: the JSON it sends is the
    same, byte for byte, as for_page of funnel_figure's, and the spec is valid in full."""
    import json

    import plotly.graph_objects as go
    import plotly.utils

    councils = _councils([60.0, 50.0, 20.0, 55.0], [600, 5000, 200, 55], [1000, 10000, 1000, 100],
                         ["High", "Centre", "Low", "Small"])
    data = funnel_data(councils, 50.0, adjusted=False)
    options = dict(centre=50.0, centre_name="England", title="t", value_title="v", denominator_title="d",
                   limits_name="Unadjusted limits (exact binomial)", highlight="E06000002")
    spec = funnel_spec(data, **options)
    legend_before = dict(spec["layout"]["legend"])

    def sent(figure):
        return json.dumps(figure, cls=plotly.utils.PlotlyJSONEncoder)

    assert sent(for_page(spec)) == sent(for_page(funnel_figure(data, **options)))
    assert spec["layout"]["title"]["text"] == "t" and spec["layout"]["legend"] == legend_before   # left as it was
    assert page_layout(spec["layout"])["legend"]["yref"] == "paper" and "title" not in page_layout(spec["layout"])
    assert len(go.Figure(spec).data) == 7                  # validated in full: limits, centre, 3 positions, yours


def test_a_regions_councils_are_placed_against_englands_limits():
    councils = _councils([60.0, 50.0, 20.0, 55.0, None], [600, 5000, 200, 55, None], [1000, 10000, 1000, 100, None])
    councils["region_code"] = ["E12000001", "E12000002", "E12000001", "E12000002", "E12000001"]
    england = funnel_data(councils, 50.0, adjusted=True)
    region = in_region(england, "E12000001")
    assert list(region.points["area_code"]) == ["E06000000", "E06000002"]
    assert list(region.not_plotted["area_code"]) == ["E06000004"]
    assert region.funnel is england.funnel                # the estimate and the limits are England's
    pd.testing.assert_frame_equal(region.grid, england.grid)


# --- the page: URL state and callbacks --------------------------------------------------------

from dashboards.pages import funnel as page  # noqa: E402  (registers the page's callbacks)

CATALOGUE = pd.DataFrame({
    "measure_id": ["sds_users", "sds_users", "dp_users"], "period": ["2011-12", "2020-21", "2020-21"],
    "age_band": ["all", "all", "all"], "client_group": ["all", "all", "all"],
    "councils": [12, 150, 150], "has_england": [True] * 3})


def test_url_state_round_trips_and_falls_back():
    view = page.resolve_funnel({"measure": "dp_users", "period": "2020-21", "limits": "adjusted"}, CATALOGUE)
    assert view == page.FunnelView(Selection("dp_users", "2020-21", "all", "all"), "adjusted")
    assert view.query() == "?measure=dp_users&period=2020-21&age_band=all&client_group=all&limits=adjusted"
    fallback = page.resolve_funnel({"measure": "x", "limits": "<script>"}, CATALOGUE)
    assert fallback == page.FunnelView(Selection("sds_users", "2020-21", "all", "all"), "unadjusted")


def test_a_click_on_a_council_gives_its_profile_and_elsewhere_nothing():
    assert page.profile_href({"points": [{"x": 803, "y": 98.6, "customdata": ["E06000005", "Darlington"]}]}) \
        == "/area/E06000005"
    assert page.profile_href({"points": [{"x": 803, "y": 93.1}]}) is None
    assert page.profile_href(None) is None


@pytest.fixture(scope="module")
def full_app(full_db):
    from dashboards import create_app

    return create_app(full_db[0])


def test_callback_on_the_full_data_adjusts_limits_and_writes_the_url(full_app):
    outputs = dict(zip(["periods", "bands", "groups", "measure", "period", "age_band", "client_group",
                        "limits", "region", "council", "panel", "search"],
                       page.update_funnel("sds_users", "2020-21", "all", "all", "unadjusted", "E92000001", "")))
    assert outputs["search"] == "?measure=sds_users&period=2020-21&age_band=all&client_group=all&limits=unadjusted"
    figure, method = find(outputs["panel"], "funnel-chart").figure, find(outputs["panel"], "funnel-method").children
    points = sum(len(trace.x) for trace in figure.data if trace.mode == "markers")
    assert 145 <= points <= 152
    assert figure.data[2].name == "England 92.2%"
    assert method.startswith("Limits shown: unadjusted, exact binomial 95% and 99.8% limits around England's "
                             "value (92.2%)")
    adjusted = dict(zip(outputs, page.update_funnel("sds_users", "2020-21", "all", "all", "adjusted", "E92000001",
                                                    "")))
    adjusted_method = find(adjusted["panel"], "funnel-method").children
    assert adjusted["search"].endswith("&limits=adjusted")
    assert adjusted_method.startswith("Limits shown: adjusted for over-dispersion")
    assert "\u03c6 = " in adjusted_method and "\u03c4\u00b2 = " in adjusted_method
    wide = find(adjusted["panel"], "funnel-chart").figure.data[0]
    narrow = figure.data[0]
    # With tau^2 > 0 the lower 99.8% limit at the largest denominator (the trace's last point)
    # is far below the binomial one: about 92.2 - 3.09 * 6.70 = 71.5% against 91.4% (tau from the 149
    # councils without a caveat: Stoke-on-Trent's self-directed support equal to its direct payments
    # is left out of the estimate).
    assert narrow.y[-1] == pytest.approx(91.4, abs=0.1) and wide.y[-1] == pytest.approx(71.5, abs=0.1)
    rows = find(adjusted["panel"], "funnel-table")["props"]["children"][2]["props"]["children"]   # wire-form body
    assert len(rows) >= 151 and rows[-1]["props"]["children"][0]["props"]["children"] == "England"
    # The first and last ten councils are shown, the rest wait behind "Show all".
    classes = [row["props"]["className"].split() for row in rows[:-1]]
    assert [n for n, c in enumerate(classes) if "extra" not in c] == [*range(10), *range(len(rows) - 11, len(rows) - 1)]
    assert _text(find(adjusted["panel"], "funnel-table-show-all")).startswith(f"Show all {len(rows) - 1} councils")


def test_typing_a_council_keeps_the_view_and_marks_it_and_a_region_limits_the_points(full_app):
    outputs = dict(zip(["periods", "bands", "groups", "measure", "period", "age_band", "client_group",
                        "limits", "region", "council", "panel", "search"],
                       page.update_funnel("dp_users", "2021-22", "18-64", "all", "adjusted", "E12000001", "gateshead")))
    assert outputs["search"] == ("?measure=dp_users&period=2021-22&age_band=18-64&client_group=all&limits=adjusted"
                                 "&region=E12000001&council=E08000037")
    assert (outputs["council"], outputs["region"], outputs["limits"]) == ("Gateshead", "E12000001", "adjusted")
    figure = find(outputs["panel"], "funnel-chart").figure
    plotted = {row[0] for trace in figure.data if trace.mode == "markers" for row in trace.customdata}
    regions = page._places()[1].set_index("area_code")["region_code"]
    assert len(plotted) == 12 and {regions[code] for code in plotted} == {"E12000001"}
    assert figure.data[-1].name == "◆ Gateshead (your council)"
    assert [note.text for note in figure.layout.annotations] == ["◆ Gateshead (your council)"]
    # England's centre and limits: the same lines as the funnel of all England.
    england = dict(zip(outputs, page.update_funnel("dp_users", "2021-22", "18-64", "all", "adjusted", "E92000001", "")))
    everyone = find(england["panel"], "funnel-chart").figure
    assert figure.data[0].y == everyone.data[0].y and figure.data[2].name == everyone.data[2].name
    row = next(cells for cells in wire_table_cells(outputs["panel"], "funnel-table") if cells[1] == "E08000037")
    assert row[0] == "◆ Gateshead (your council)"
    highlighted = [r for r in find(outputs["panel"], "funnel-table")["props"]["children"][2]["props"]["children"]
                   if "highlight" in r["props"]["className"].split()]
    assert len(highlighted) == 1
    # A name that is no council: the view stays, and the page says so.
    unknown = dict(zip(outputs, page.update_funnel("dp_users", "2021-22", "18-64", "all", "adjusted", "E92000001",
                                                   "Atlantis")))
    assert unknown["search"].endswith("&limits=adjusted") and unknown["council"] == "Atlantis"
    assert find(unknown["panel"], "funnel-council-message").children.startswith("No council is called “Atlantis”")



# --- the chart as data: download, about sheet, refusals ---------------------------------------

import io  # noqa: E402

from openpyxl import load_workbook  # noqa: E402

from tests.wire_reading import wire_table_cells, wire_text  # noqa: E402
from dashboards.charts import ChartRequestError, chart_for  # noqa: E402
from dashboards.components import value_text  # noqa: E402

ADJUSTED_2020 = "?measure=sds_users&period=2020-21&age_band=all&client_group=all&limits=adjusted"


_text, _table_cells = wire_text, wire_table_cells


def create_app_for(full_db):
    from dashboards import create_app

    return create_app(full_db[0]).server.test_client()


def _shown(value, flag, note) -> str:
    return value_text(value, "percent", flag, note if isinstance(note, str) else "")


def test_funnel_csv_is_exactly_the_tables_rows_and_the_plotted_points(full_db):
    client = create_app_for(full_db)
    response = client.get("/download/funnel.csv" + ADJUSTED_2020)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = pd.read_csv(io.StringIO(response.data.decode("utf-8")), dtype={"area_code": str})
    panel = page.funnel_panel(page.view_for_url(ADJUSTED_2020), page._reference_data()[1])
    table = _table_cells(panel, "funnel-table")
    # Same areas in the same order as the table, each with the value the table prints.
    assert list(rows["area_code"]) == [cells[1] for cells in table]
    assert [_shown(v, f, n) for v, f, n in zip(rows["value"], rows["quality_flag"], rows["note"])] == \
        [cells[2] for cells in table]
    # Plotted councils (the one a caveat keeps from comparison last), then the one listed as not
    # plotted (Hackney, [x]), then England, the centre line.
    figure = find(panel, "funnel-chart").figure
    plotted = {row[0]: y for trace in figure.data if trace.mode == "markers"
               for row, y in zip(trace.customdata, trace.y)}
    councils = rows[rows["area_type"] == "council"]
    assert len(plotted) == 150 and list(councils["area_code"][:150]) == [c[1] for c in table[:150]]
    assert {code: plotted[code] for code in councils["area_code"][:150]} == \
        dict(zip(councils["area_code"][:150], councils["value"][:150]))
    assert councils.iloc[150][["area_name", "value_status"]].tolist() == ["Hackney", "not_applicable"]
    assert table[150][5] == "Not plotted: no value"
    england = rows.iloc[-1]
    assert (england["area_code"], england["value"]) == ("E92000001", 92.2) and len(rows) == 152
    assert figure.data[2].y[0] == 92.2 and table[-1][5] == "Centre line"
    stoke = rows[rows["area_name"] == "Stoke-on-Trent"].iloc[0]
    assert (stoke["value"], stoke["period"], stoke["measure_id"]) == (33.3, "2020-21", "sds_users")
    # Stoke-on-Trent reported self-directed support equal to direct payments: placed last among the
    # plotted, marked, not compared, its caveat in full in the note.
    assert table[149][:3] == ["Stoke-on-Trent", "E06000021", "33.3% \u26a0"]
    assert table[149][5] == ("\u26a0 Not compared with England (quality flag): Self-directed support reported "
                             "equal to direct payments. As drawn: below the 99.8% limit")
    assert table[149][7].startswith("\u26a0 ") and "direct payments" in table[149][7]
    diamonds = [trace for trace in figure.data if trace.mode == "markers" and trace.marker.symbol == "diamond-x-open"]
    assert [[row[0] for row in trace.customdata] for trace in diamonds] == [["E06000021"]]
    assert diamonds[0].name == "\u26a0 Not compared: a caveat of its own (1)"


def test_funnel_xlsx_about_sheet_names_the_chart_and_its_limits(full_db):
    response = create_app_for(full_db).get("/download/funnel.xlsx" + ADJUSTED_2020)
    workbook = load_workbook(io.BytesIO(response.data))
    assert len(list(workbook["data"].values)) == 153          # header, 150 plotted, Hackney, England
    about = dict(workbook["about"].values)
    assert about["Title"] == ("Adults receiving self-directed support: All adults (18+), 2020-21, councils in "
                              "England, limits adjusted for over-dispersion around England")
    assert about["Method"].startswith("Limits shown: adjusted for over-dispersion (Spiegelhalter 2005")
    # The estimate leaves out Stoke-on-Trent (self-directed support equal to direct payments): with it,
    # phi was 199.49 from 150 councils and tau-squared 0.004894.
    assert "\u03c6 = 183.69 from 149 councils" in about["Method"] and "\u03c4\u00b2 = 0.004493" in about["Method"]
    assert ("The estimate leaves out 1 council whose figure carries a caveat that forbids comparison "
            "(self-directed support reported equal to direct payments: Stoke-on-Trent)") in about["Method"]
    assert about["Query URL"].endswith("/funnel" + ADJUSTED_2020)
    assert about["Description"].startswith("Funnel plot of adults receiving self-directed support, all adults "
                                           "(18+), 2020-21: 150 councils plotted")
    unadjusted = dict(load_workbook(io.BytesIO(create_app_for(full_db).get(
        "/download/funnel.xlsx" + ADJUSTED_2020.replace("adjusted", "unadjusted")).data))["about"].values)
    assert unadjusted["Method"].startswith("Limits shown: unadjusted, exact binomial 95% and 99.8% limits around "
                                           "England's value (92.2%)")


def test_funnel_refuses_an_unknown_measure_limits_or_parameter(full_db):
    client = create_app_for(full_db)
    for query, words in [("?measure=nonsense", "measure='nonsense' is not available"),
                         ("?measure=dp_recipients", "measure='dp_recipients' is not available"),   # a count
                         ("?limits=wide", "limits='wide' is not available"),
                         ("?colour=red", "Unknown parameter for the funnel view: 'colour'"),
                         ("?region=London", "region='London' is not a region"),
                         ("?council=Atlantis", "council='Atlantis' is not a council")]:
        response = client.get("/download/funnel.csv" + query)
        assert response.status_code == 400 and response.get_json()["error"].startswith(words), query
    with pytest.raises(ChartRequestError) as refused:
        chart_for("funnel", {"measure": "nonsense", "period": "2020-21"})
    assert refused.value.status == 400 and "/embed/funnel?measure=sds_users&period=2020-21" in refused.value.message
    with pytest.raises(ChartRequestError) as refused:
        chart_for("funnel", {"scope": "region"})
    assert refused.value.status == 400 and refused.value.valid == page.CONTROLS
    chart = chart_for("funnel", {"period": "2020-21", "limits": "adjusted"})   # omitted values are filled in
    assert chart.query == ADJUSTED_2020 and chart.page_url == "/funnel" + ADJUSTED_2020
