"""A figure with a known caveat never travels without it, on the map and the funnel plot.

By hand: the over-dispersion estimate without the councils a quality flag keeps from comparison,
and which map units are marked. On the full data: Gateshead's 2024-25 self-directed support
(22.2%, equal to its direct payments) marked on the map and the funnel, the 2014-15 estimate
without Somerset and Bromley, a year the publisher says is not comparable, and the recoded
counties drawn in early and late years.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import funnel_limits as fl
from dashboards.figures.funnel import funnel_data, method_text
from dashboards.figures.map import CAVEAT_OUTLINE, CAVEAT_PATTERN, hex_units, marked
from dashboards.geography import parse_hexjson
from tests.wire_reading import find, wire_table_cells


def _text(node) -> str:
    """Visible text of Dash components and wire-form elements, children joined by spaces."""
    if isinstance(node, (list, tuple)):
        return " ".join(" ".join(_text(child) for child in node).split())
    if hasattr(node, "to_plotly_json"):
        return _text(getattr(node, "children", None))
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children"))
    return "" if node is None else str(node)

FLAGS = pd.DataFrame({
    "quality_flag": ["not_comparable_between_councils", "sds_equals_dp", "small_rounded_counts"],
    "rank": [1, 2, 5],
    "label": ["Not comparable between councils", "Self-directed support reported equal to direct payments",
              "Small rounded counts"],
    "suppresses_comparison": [True, True, False],
    "explanation": ["The publisher says figures for this measure and year should not be compared between "
                    "councils.", "A reporting artefact.", "Rounded counts."]})


# ---------------------------------------------------------------- by hand

# p0 = 0.2, n = 100 each (s = 0.04): z = -3, -2, -1, 0, 0, 1, 1, 2, 3, 5 (test_funnel's example).
EQUAL_Z = [-3, -2, -1, 0, 0, 1, 1, 2, 3, 5]
EQUAL_Y = [0.2 + 0.04 * z for z in EQUAL_Z]


def test_the_dispersion_estimate_leaves_out_the_units_it_is_told_to():
    # Without the last unit (z = 5): z = -3, -2, -1, 0, 0, 1, 1, 2, 3. Percentiles at positions
    # 0.8 and 7.2: 10th = -3 + 0.8 * 1 = -2.2, 90th = 2 + 0.2 * 1 = 2.2. Winsorised squares:
    # 4.84 + 4 + 1 + 0 + 0 + 1 + 1 + 4 + 4.84 = 20.68, so phi = 20.68 / 9 = 2.297778 (3.465 with it).
    # w = 625 each: sum w = 5625, sum w^2 / sum w = 625; tau^2 = (20.68 - 8) / 5000 = 0.002536.
    flagged = [False] * 9 + [True]
    result = fl.funnel(0.2, EQUAL_Y, [100] * 10, adjusted=True, estimate_from=[not f for f in flagged])
    assert result.left_out == 1 and result.dispersion.units == 9
    assert result.dispersion.phi == pytest.approx(20.68 / 9)
    assert result.dispersion.tau2 == pytest.approx((20.68 - 8) / 5000)
    everyone = fl.funnel(0.2, EQUAL_Y, [100] * 10, adjusted=True)
    assert everyone.left_out == 0 and everyone.dispersion.phi == pytest.approx(3.465)
    # The flagged unit still gets limits and a position: above the narrower 99.8% limit,
    # 0.2 + 3.090232 * sqrt(0.0016 + 0.002536) = 0.398740 < 0.40.
    assert result.unit_limits["position"].iloc[-1] == "above_998"
    assert everyone.unit_limits["position"].iloc[-1] == "above_95"
    nobody = fl.funnel(0.2, EQUAL_Y, [100] * 10, adjusted=True, estimate_from=[False] * 10)
    assert nobody.left_out == 10 and nobody.dispersion.units == 0 and not nobody.applied


def _councils(flags: list[str | None]) -> pd.DataFrame:
    values = [100 * y for y in EQUAL_Y]
    return pd.DataFrame({
        "area_code": [f"E0600000{i}" for i in range(10)], "area_name": [f"Council {i}" for i in range(10)],
        "area_type": "council", "value": values, "numerator": values, "denominator": [100.0] * 10,
        "value_status": "published", "note": None, "quality_flag": flags,
        "quality_note": [f"Note on {f}." if f else None for f in flags]})


def test_funnel_data_leaves_a_flagged_council_out_of_the_estimate_and_says_so():
    flags = [None] * 9 + ["sds_equals_dp"]
    data = funnel_data(_councils(flags), 20.0, adjusted=True, flags=FLAGS)
    unflagged = funnel_data(_councils([None] * 10), 20.0, adjusted=True, flags=FLAGS)
    assert data.funnel.left_out == 1 and unflagged.funnel.left_out == 0
    assert data.funnel.dispersion.phi == pytest.approx(20.68 / 9)
    assert unflagged.funnel.dispersion.phi == pytest.approx(3.465)
    assert list(data.left_out["area_name"]) == ["Council 9"] and len(data.compared) == 9
    assert list(data.points["area_name"])[-1] == "Council 9"       # after every council compared
    assert bool(data.points["own_caveat"].iloc[-1])
    text = method_text(data, centre_name="England", centre=20.0, adjusted=True)
    assert "\u03c6 = 2.30 from 9 councils" in text
    assert ("The estimate leaves out 1 council whose figure carries a caveat that forbids comparison "
            "(self-directed support reported equal to direct payments: Council 9)") in text
    plain = method_text(unflagged, centre_name="England", centre=20.0, adjusted=True)
    assert "from 10 councils" in plain and "leaves out" not in plain
    # A flag that does not forbid comparison keeps the council in the estimate and in its place.
    rounded = funnel_data(_councils([None] * 9 + ["small_rounded_counts"]), 20.0, adjusted=True, flags=FLAGS)
    assert rounded.funnel.left_out == 0 and rounded.left_out.empty
    assert rounded.points.set_index("area_name").at["Council 9", "caveat"] == "Small rounded counts"


def test_when_every_council_is_flagged_nothing_is_estimated_and_the_text_says_why():
    flags = ["not_comparable_between_councils"] * 9 + ["not_comparable_between_councils; sds_equals_dp"]
    data = funnel_data(_councils(flags), 20.0, adjusted=True, flags=FLAGS)
    assert data.compared.empty and len(data.left_out) == 10 and data.funnel.left_out == 10
    assert not data.funnel.applied
    own = data.points.set_index("area_name")["own_caveat"]            # only its own flag singles it out
    assert own.to_dict() == {f"Council {i}": i == 9 for i in range(10)}
    text = method_text(data, centre_name="England", centre=20.0, adjusted=True)
    assert ("Every council's figure this year carries a caveat that forbids comparison. The publisher says "
            "figures for this measure and year should not be compared between councils. So no "
            "over-dispersion is estimated (all 10 councils are left out)") in text


def test_a_map_marks_a_council_whose_flag_the_others_do_not_all_share():
    hexmap = parse_hexjson({"layout": "odd-r", "hexes": {f"E0600000{i}": {"n": f"C{i}", "q": i, "r": 0}
                                                         for i in range(4)}})
    placed = pd.DataFrame({
        "geo_code": [f"E0600000{i}" for i in range(3)], "area_code": [f"E0600000{i}" for i in range(3)],
        "area_name": ["A", "B", "C"], "value": [99.0, 98.0, 22.2], "value_status": "published", "note": None,
        "compared_with_england": "not_compared",
        "quality_flag": ["not_comparable_between_councils", "not_comparable_between_councils",
                         "not_comparable_between_councils; sds_equals_dp"],
        "quality_note": ["Not comparable.", "Not comparable.", "Not comparable. Equal to direct payments."]})
    units = hex_units(hexmap, placed)
    assert list(marked(units)) == [False, False, True, False]        # the fourth hex has no value
    alone = hex_units(hexmap, placed.iloc[:1].assign(quality_flag="sds_equals_dp"))
    assert list(marked(alone)) == [False] * 4                        # one council: nothing to single out


# ---------------------------------------------------------------- on the full data

@pytest.fixture(scope="module")
def full_app(full_db):
    from dashboards import create_app

    return create_app(full_db[0])


def test_the_2014_15_estimate_leaves_out_somerset_and_bromley(full_app):
    from dashboards.pages import funnel as page

    drawing = page.funnel_drawing(page.view_for_url("?measure=sds_users&period=2014-15&limits=adjusted"),
                                  page._reference_data()[1])
    data = drawing.data
    assert data.funnel.left_out == 2 and sorted(data.left_out["area_name"]) == ["Bromley", "Somerset"]
    assert data.funnel.dispersion.units == 149 and data.funnel.dispersion.phi == pytest.approx(208.41, abs=0.005)
    # With them, as before: 218.16 from 151 councils.
    points = data.points
    everyone = fl.dispersion(0.837, points["value"] / 100, points["denominator"])
    assert everyone.units == 151 and everyone.phi == pytest.approx(218.16, abs=0.005)
    assert ("The estimate leaves out 2 councils whose figures carry a caveat that forbids comparison "
            "(self-directed support reported equal to direct payments: Somerset; Bromley)") in drawing.chart.method
    assert "\u03c6 = 208.41 from 149 councils" in drawing.chart.method


def test_the_2024_25_funnel_says_the_publisher_says_not_comparable_and_marks_gateshead(full_app):
    from dashboards.pages import funnel as page

    view = page.view_for_url("?measure=sds_users&period=2024-25&limits=adjusted")
    panel = page.funnel_panel(view, page._reference_data()[1])
    method = find(panel, "funnel-method").children
    assert "The publisher says figures for this measure and year should not be compared between councils" in method
    assert "no over-dispersion is estimated (all 152 councils are left out)" in method
    figure = find(panel, "funnel-chart").figure
    markers = {trace.name: trace for trace in figure.data if trace.mode == "markers"}
    assert sorted(markers) == ["\u26a0 Not compared: a caveat of its own (23)",
                               "\u26a0 Not compared: caveat on every council (129)"]
    own = markers["\u26a0 Not compared: a caveat of its own (23)"]
    gateshead = next(row for row in own.customdata if row[0] == "E08000037")
    assert gateshead[2] == "22.2%" and gateshead[5].startswith("\u26a0 Not compared with England")
    assert gateshead[6] == ("<br>\u26a0 Not comparable between councils; Self-directed support reported equal "
                            "to direct payments")
    row = next(cells for cells in wire_table_cells(panel, "funnel-table") if cells[1] == "E08000037")
    assert row[2] == "22.2% \u26a0" and "Above" not in row[5] and "Below the" not in row[5]
    assert row[5].startswith("\u26a0 Not compared with England (quality flag): Not comparable between councils; "
                             "Self-directed support reported equal to direct payments. As drawn:")
    assert "Reported self-directed support (22.2%) equals direct payments (22.2%)" in row[7]
    caveats = _text(find(panel, "funnel-caveats"))
    assert "Self-directed support reported equal to direct payments" in caveats
    assert page.funnel_drawing(view, page._reference_data()[1]).limits_name == \
        "Unadjusted limits (figures not comparable between councils)"


def test_the_2024_25_map_marks_gateshead_and_gives_its_caveat(full_app, monkeypatch):
    from dashboards.pages import map as page

    for name in ("UPTAKE_GEO_DIR", "UPTAKE_HEXJSON", "UPTAKE_BOUNDARIES"):
        monkeypatch.delenv(name, raising=False)
    catalogue, measures = page._reference()
    panel = page.map_panel(page.resolve_map({"measure": "sds_users", "period": "2024-25"}, catalogue), measures)
    figure = go.Figure(find(panel, "map-chart").figure)          # validated in full
    polygons = {trace.meta: trace for trace in figure.data if trace.meta and trace.mode != "text"}
    gateshead, leeds = polygons["E08000037"], polygons["E08000035"]
    assert gateshead.fillpattern.shape == CAVEAT_PATTERN["shape"] and gateshead.line.width == CAVEAT_OUTLINE["width"]
    assert "not compared: see the caveat" in gateshead.name
    assert "equals direct payments (22.2%)" in gateshead.name.replace("<br>", " ")
    # Leeds carries only the caveat every council shares this year: said once, under the map.
    assert leeds.fillpattern.shape is None and leeds.line.width != CAVEAT_OUTLINE["width"]
    labels = [text for trace in figure.data if trace.mode == "text" for text in trace.text]
    assert "\u26a022.2" in labels and sum(label.startswith("\u26a0") for label in labels) == 23   # one decimal
    # The page's key above the map names the dotting (images and embeds keep Plotly's legend).
    assert "\u26a0 Caveat: see below the map (dotted)" in _text(find(panel, "map-key"))
    assert not any(t.showlegend for t in figure.data)
    caveats = _text(find(panel, "map-caveats"))
    assert caveats.startswith("Caveats \u26a0 Not comparable between councils (")
    assert "\u26a0 Self-directed support reported equal to direct payments (" in caveats
    assert "Series break in 2024-25" in caveats
    row = next(cells for cells in wire_table_cells(panel, "map-table") if cells[2] == "E08000037")
    assert row[3] == "22.2% \u26a0" and row[7] == "\u26a0 not compared: see the caveat"
    assert row[9].startswith("\u26a0 Not comparable between councils; Self-directed support reported equal to "
                             "direct paymentsDHSC, ASCOF 2024-25 note 15") and "equals direct payments (22.2%)" in row[9]
    description = find(panel, "map-description").children
    assert "England: 82.4%. \u26a0 Not compared with England because of a caveat: every council." in description
    assert "councils above it" not in description        # no ranking against England this year
    assert "Dotted for a caveat of their own (23):" in description and "Gateshead" in description


REMOVED = {"E10000002", "E10000023", "E10000027"}        # the county codes the recodes replaced


@pytest.mark.parametrize("period", ["2014-15", "2017-18", "2022-23", "2024-25"])
@pytest.mark.parametrize("kind", ["hex", "boundaries"])
def test_recoded_counties_are_drawn_every_year_under_their_one_code(full_app, monkeypatch, period, kind):
    from dashboards.pages import map as page

    for name in ("UPTAKE_GEO_DIR", "UPTAKE_HEXJSON", "UPTAKE_BOUNDARIES"):
        monkeypatch.delenv(name, raising=False)
    catalogue, measures = page._reference()
    drawing = page.map_drawing(page.resolve_map({"measure": "sds_users", "period": period, "view": kind},
                                                catalogue), measures)
    units = drawing.geo.units.set_index("area_code")
    for code, name in (("E06000060", "Buckinghamshire"), ("E06000065", "North Yorkshire"),
                       ("E06000066", "Somerset")):
        assert units.at[code, "area_name"] == name and pd.notna(units.at[code, "value"]), (code, period, kind)
    # Older layouts and boundary years draw them on the county's shape (the same area under the
    # geography file's older code); newer ones on the unitary's. The 2022 boundaries already have
    # Buckinghamshire's unitary and still the North Yorkshire and Somerset counties; the hex layout
    # chosen for 2022-23 is the 2023 one.
    counties = {"E06000060": "E10000002", "E06000065": "E10000023", "E06000066": "E10000027"}
    unitaries = {code: code for code in counties}
    expected = {("2014-15", "hex"): counties, ("2014-15", "boundaries"): counties,
                ("2017-18", "hex"): counties, ("2017-18", "boundaries"): counties,
                ("2022-23", "hex"): unitaries, ("2022-23", "boundaries"): {**counties, "E06000060": "E06000060"},
                ("2024-25", "hex"): unitaries, ("2024-25", "boundaries"): unitaries}[(period, kind)]
    assert {code: units.at[code, "geo_code"] for code in counties} == expected
    # Nothing the reader follows (a click, a table row, a hatched area) names a removed code.
    assert not REMOVED & set(units.index) and not REMOVED & set(drawing.chart.rows["area_code"])
    assert not REMOVED & set(drawing.geo.unplaced["area_code"])
    # Northamptonshire to 2020-21, then North and West Northamptonshire; Cumbria to 2022-23.
    valued = set(drawing.chart.rows.loc[drawing.chart.rows["value"].notna(), "area_code"])
    assert ("E10000021" in valued) == (period <= "2020-21")
    assert {"E06000061", "E06000062"} <= valued if period >= "2021-22" else not {"E06000061", "E06000062"} & valued
    assert ("E10000006" in valued) == (period <= "2022-23")
    assert {"E06000063", "E06000064"} <= valued if period >= "2023-24" else not {"E06000063", "E06000064"} & valued
