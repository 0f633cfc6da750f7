"""The map's pure pieces: hex geometry, TopoJSON decoding, which layout fits a period, the
figure's colours, the text alternative, click handling, and configuration of the file paths."""
from __future__ import annotations

import json
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import geography as geo
from dashboards.figures import HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE
from dashboards.figures.map import (COLOURSCALE, NAMED_UNITS, NO_DATA_PATTERN, _luminance, area_map, area_map_spec,
                                    colour_at, contrast, describe_map, for_page, hex_units, key_items, label_side,
                                    text_colour)
from dashboards.pages.map import MapView, clicked_code, resolve_map
from dashboards.state import Selection

from ..conftest import PROJECT, SHARED
from ..wire_reading import wire_table_cells, wire_text

GEO = SHARED / "geo"
REFERENCE = PROJECT / "etl" / "reference"
SQRT3 = math.sqrt(3)


# ---------------------------------------------------------------- hex geometry

def test_odd_r_shifts_odd_rows_half_a_hex_east_and_rows_grow_north():
    assert geo.hex_centre(0, 0) == (0.0, 0.0)
    assert geo.hex_centre(0, 1) == pytest.approx((SQRT3 / 2, 1.5))
    assert geo.hex_centre(2, 1) == pytest.approx((2.5 * SQRT3, 1.5))
    assert geo.hex_centre(3, 2) == pytest.approx((3 * SQRT3, 3.0))
    assert geo.hex_centre(0, -1) == pytest.approx((SQRT3 / 2, -1.5))      # -1 is odd too
    assert geo.hex_centre(0, 1, "even-r") == pytest.approx((0.0, 1.5))
    assert geo.hex_centre(0, 2, "even-r") == pytest.approx((SQRT3 / 2, 3.0))
    assert geo.hex_centre(1, 0, "odd-q") == pytest.approx((1.5, SQRT3 / 2))
    with pytest.raises(ValueError, match="unknown HexJSON layout"):
        geo.hex_centre(0, 0, "hexagonal")


@pytest.mark.parametrize("row", [4, 7, -3])
def test_odd_r_neighbours_touch_and_share_an_edge(row):
    # The six neighbours of an odd-r cell (Red Blob Games' offset tables, r growing north).
    q = 5
    if row % 2:
        offsets = [(1, 0), (-1, 0), (0, 1), (1, 1), (0, -1), (1, -1)]
    else:
        offsets = [(1, 0), (-1, 0), (-1, 1), (0, 1), (-1, -1), (0, -1)]
    centre = geo.hex_centre(q, row)
    corners = {(round(x, 4), round(y, 4)) for x, y in geo.hex_corners(q, row)}
    for dq, dr in offsets:
        other = geo.hex_centre(q + dq, row + dr)
        assert math.dist(centre, other) == pytest.approx(SQRT3)
        shared = corners & {(round(x, 4), round(y, 4)) for x, y in geo.hex_corners(q + dq, row + dr)}
        assert len(shared) == 2, (dq, dr)


def test_hex_corners_are_a_closed_pointy_topped_ring_of_unit_radius():
    corners = geo.hex_corners(1, 1)
    assert len(corners) == 7 and corners[0] == corners[-1]
    cx, cy = geo.hex_centre(1, 1)
    assert corners[0] == pytest.approx((cx, cy + 1))                      # the top point
    assert all(math.dist((cx, cy), c) == pytest.approx(1) for c in corners)


def test_parse_hexjson_keeps_english_upper_tier_councils_only():
    hexmap = geo.parse_hexjson({"layout": "odd-r", "hexes": {
        "E06000001": {"n": "Hartlepool", "q": 8, "r": 23},
        "E09000001": {"name": "City of London", "q": "3", "r": "4"},
        "S12000033": {"n": "Aberdeen City", "q": 7, "r": 30},
        "E07000001": {"n": "A district", "q": 1, "r": 1}}})
    assert sorted(hexmap.codes) == ["E06000001", "E09000001"]
    assert hexmap.hexes["E09000001"].name == "City of London" and hexmap.hexes["E09000001"].q == 3
    assert hexmap.hexes["E06000001"].centre == pytest.approx((8.5 * SQRT3, 34.5))


# ---------------------------------------------------------------- matching and choosing a layout

CHANGES = pd.DataFrame({
    "effective_date": pd.to_datetime(["2013-04-01", "2019-04-01", "2019-04-01", "2020-04-01", "2023-04-01",
                                      "2025-04-01"]),
    "kind": ["recode", "merger", "split", "merger", "split", "recode"],
    "old_codes": ["E06000048", "E06000028;E06000029", "E10000009", "E10000002", "E10000006", "E08000016"],
    "new_codes": ["E06000057", "E06000058", "E06000059;E06000058", "E06000060", "E06000063;E06000064",
                  "E08000038"]})
AREAS = pd.DataFrame({
    "area_code": ["E06000028", "E06000029", "E10000009", "E06000058", "E06000059", "E10000002", "E06000060",
                  "E10000006", "E06000063", "E06000064", "E06000057", "E08000038"],
    "first_period": [None, None, None, "2019-20", "2019-20", None, "2020-21", None, "2023-24", "2023-24", None, None],
    "last_period": ["2018-19", "2018-19", "2018-19", None, None, "2019-20", None, "2022-23", None, None, None, None]})


def test_recodes_and_one_to_one_mergers_are_the_same_area_splits_are_not():
    same = geo.same_area_codes(CHANGES)
    assert same["E08000038"] == {"E08000016", "E08000038"}
    assert same["E10000002"] == {"E10000002", "E06000060"}             # same boundary, new council
    assert "E10000006" not in same and "E10000009" not in same          # splits
    assert "E06000028" not in same                                       # a merger of several councils
    placement = geo.place(["E08000038", "E06000060", "E10000006", "E06000001"],
                          ["E08000016", "E10000002", "E06000063", "E06000001"], same)
    assert placement.drawn == {"E08000038": "E08000016", "E06000060": "E10000002", "E06000001": "E06000001"}
    assert placement.unplaced == ("E10000006",) and placement.empty == ("E06000063",)


def test_lifetimes_and_boundary_labels_come_from_the_codes_a_layout_holds():
    lifetimes = geo.code_lifetimes(AREAS, CHANGES)
    assert lifetimes["E08000016"] == (None, "2024-25")                 # known only from the change list
    assert lifetimes["E06000058"] == ("2019-20", None)
    assert geo.boundary_label({"E06000058", "E10000002", "E06000001"}, lifetimes) == \
        "April 2019 boundaries (valid 2019-20)"
    assert geo.boundary_label({"E06000063", "E08000016"}, lifetimes) == \
        "April 2023 boundaries (valid 2023-24 to 2024-25)"
    assert geo.boundary_label({"E06000028", "E06000058"}, lifetimes).startswith("mixed boundaries")
    assert geo.boundary_label({"E06000001"}, lifetimes) == "boundaries of unknown year"


def _hexmap(codes: list[str], name: str) -> geo.HexMap:
    return geo.parse_hexjson({"layout": "odd-r", "hexes": {c: {"n": c, "q": i, "r": 0} for i, c in enumerate(codes)}},
                             geo.Path(name))


def test_the_layout_that_fits_the_periods_councils_is_chosen():
    lifetimes = geo.code_lifetimes(AREAS, CHANGES)
    same = geo.same_area_codes(CHANGES)
    common = ["E06000001", "E06000002"]
    old = _hexmap(common + ["E06000028", "E06000029", "E10000009", "E10000006"], "2018.hexjson")
    in_2019 = _hexmap(common + ["E06000058", "E06000059", "E10000002", "E10000006"], "2019.hexjson")
    in_2023 = _hexmap(common + ["E06000058", "E06000059", "E06000060", "E06000063", "E06000064"], "2023.hexjson")
    layouts = [in_2023, in_2019, old]
    chosen, placement = geo.choose_hexmap(common + ["E06000028", "E06000029", "E10000009", "E10000006"],
                                          layouts, "2017-18", same, lifetimes)
    assert chosen is old and placement.score == (0, 0)
    # 2024-25: Barnsley-style recodes aside, only the 2023 layout has Cumbria's successors.
    chosen, placement = geo.choose_hexmap(common + ["E06000058", "E06000059", "E06000060", "E06000063",
                                                    "E06000064"], layouts, "2024-25", same, lifetimes)
    assert chosen is in_2023 and placement.unplaced == ()
    # 2020-21: Buckinghamshire's new code fits the 2019 layout's county hex (same area).
    chosen, placement = geo.choose_hexmap(common + ["E06000058", "E06000059", "E06000060", "E10000006"],
                                          layouts, "2020-21", same, lifetimes)
    assert chosen is in_2019 and placement.drawn["E06000060"] == "E10000002"
    # A tie on the match goes to the layout whose boundary year is nearest the period.
    chosen, _ = geo.choose_hexmap(common, [in_2023, in_2019], "2019-20", same, lifetimes)
    assert chosen is in_2019


# ---------------------------------------------------------------- TopoJSON and GeoJSON

def _two_squares() -> dict:
    """Two unit squares side by side sharing the arc x=1 (delta-encoded, scaled by 0.5)."""
    return {"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [-2, 50]},
            "arcs": [[[2, 0], [0, 2]],                              # shared edge (1,50)->(1,51) in lon/lat
                     [[2, 2], [-2, 0], [0, -2], [2, 0]],            # west square's other three sides
                     [[2, 0], [2, 0], [0, 2], [-2, 0]]],            # east square's other three sides
            "objects": {
                "ltla": {"type": "GeometryCollection", "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"areacd": "E07000001"}}]},
                "utla": {"type": "GeometryCollection", "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"areacd": "E10000002", "areanm": "West",
                                                                          "end": 2019}},
                    {"type": "MultiPolygon", "arcs": [[[2, ~0]]], "properties": {"areacd": "E06000060",
                                                                                 "areanm": "East", "start": 2020}}]}}}


def test_topojson_arcs_decode_to_closed_rings_sharing_an_edge():
    decoded = geo.decode_topojson(_two_squares(), "utla", tolerance=0)
    (west_props, west), (east_props, east) = decoded
    assert west_props["areacd"] == "E10000002"
    assert west == [[[(-1, 50), (-1, 51), (-2, 51), (-2, 50), (-1, 50)]]]
    assert east == [[[(-1, 50), (0, 50), (0, 51), (-1, 51), (-1, 50)]]]    # arc ~0 reversed
    assert geo.choose_topojson_object(_two_squares()) == "utla"            # the district layer is skipped


def test_boundaries_filter_by_year_and_project_longitude():
    boundaries = geo.parse_boundaries(_two_squares())
    assert boundaries.kind == "TopoJSON" and boundaries.has_years
    assert [s.code for s in boundaries.for_year(2019)] == ["E10000002"]
    assert [s.code for s in boundaries.for_year(2020)] == ["E06000060"]
    east = boundaries.for_year(2024)[0]
    assert east.polygons[0][0][1] == (0.0, 50.0)
    assert east.polygons[0][0][0] == (round(-1 * geo.LON_SCALE, 4), 50.0)
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CTYUA21CD": "E06000001", "CTYUA21NM": "Hartlepool"},
         "geometry": {"type": "Polygon", "coordinates": [[[-1.3, 54.6], [-1.2, 54.6], [-1.2, 54.7], [-1.3, 54.6]]]}},
        {"type": "Feature", "properties": {"CTYUA21CD": "S12000033"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    parsed = geo.parse_boundaries(geojson)
    assert [(s.code, s.name) for s in parsed.shapes] == [("E06000001", "Hartlepool")]
    assert not parsed.has_years and parsed.for_year(2010) == list(parsed.shapes)


def test_douglas_peucker_drops_points_within_tolerance_only():
    line = [(0, 0), (1, 0.001), (2, 0), (3, 1), (4, 0)]
    assert geo.simplify(line, 0.01) == [(0, 0), (2, 0), (3, 1), (4, 0)]
    assert geo.simplify(line, 0) == line


# ---------------------------------------------------------------- the real geography files

@pytest.fixture(scope="module")
def reference():
    areas = pd.read_csv(REFERENCE / "areas.csv", dtype=str)
    changes = pd.read_csv(REFERENCE / "area_changes.csv", dtype=str)
    areas = areas[areas["area_type"] == "council"]
    return areas, changes, geo.code_lifetimes(areas, changes), geo.same_area_codes(changes)


def _alive(areas: pd.DataFrame, period: str) -> list[str]:
    first, last = areas["first_period"].fillna("0000-00"), areas["last_period"].fillna("9999-99")
    return list(areas.loc[(first <= period) & (period <= last), "area_code"])


def test_real_hexmaps_are_found_labelled_and_chosen_by_period(monkeypatch, reference):
    monkeypatch.delenv("UPTAKE_HEXJSON", raising=False)
    monkeypatch.setenv("UPTAKE_GEO_DIR", str(GEO))
    areas, _, lifetimes, same = reference
    hexmaps = {h.path.name: h for h in geo.load_hexmaps()}
    assert sorted(hexmaps) == ["uk-upper-tier-local-authorities.hexjson", "uk-utla-2023.hexjson"]  # no districts
    assert len(hexmaps["uk-utla-2023.hexjson"].hexes) == 153
    assert len(hexmaps["uk-upper-tier-local-authorities.hexjson"].hexes) == 151
    assert geo.boundary_label(hexmaps["uk-utla-2023.hexjson"].codes, lifetimes) == \
        "April 2023 boundaries (valid 2023-24 to 2024-25)"
    assert geo.boundary_label(hexmaps["uk-upper-tier-local-authorities.hexjson"].codes, lifetimes) == \
        "April 2019 boundaries (valid 2019-20)"
    layouts = list(hexmaps.values())
    chosen, placement = geo.choose_hexmap(_alive(areas, "2024-25"), layouts, "2024-25", same, lifetimes)
    assert chosen.path.name == "uk-utla-2023.hexjson" and placement.unplaced == ()
    chosen, placement = geo.choose_hexmap(_alive(areas, "2017-18"), layouts, "2017-18", same, lifetimes)
    assert chosen.path.name == "uk-upper-tier-local-authorities.hexjson"
    assert placement.unplaced == ("E06000028", "E06000029", "E10000009")     # Bournemouth, Poole, Dorset county
    assert placement.empty == ("E06000058", "E06000059")                     # BCP and Dorset Council
    assert geo.load_hexmaps()[0] is geo.load_hexmaps()[0]                    # parsed once


def test_real_topojson_has_the_documented_council_sets_by_year(monkeypatch, reference):
    monkeypatch.delenv("UPTAKE_BOUNDARIES", raising=False)
    monkeypatch.setenv("UPTAKE_GEO_DIR", str(GEO))
    areas, _, _, same = reference
    boundaries = geo.load_boundaries()
    assert boundaries.path.name == "topo.json" and boundaries.has_years
    assert {year: len(boundaries.for_year(year)) for year in (2017, 2019, 2021, 2023)} == \
        {2017: 152, 2019: 151, 2021: 152, 2023: 153}
    placement = geo.place(_alive(areas, "2017-18"), [s.code for s in boundaries.for_year(2017)], same)
    assert placement.unplaced == () and placement.empty == ()
    assert geo.load_boundaries() is boundaries


# ---------------------------------------------------------------- configuration

def test_missing_files_name_the_path_and_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("UPTAKE_HEXJSON", raising=False)
    monkeypatch.delenv("UPTAKE_BOUNDARIES", raising=False)
    monkeypatch.setenv("UPTAKE_GEO_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(geo.GeographyUnavailable, match=r"nowhere\. Set UPTAKE_GEO_DIR .* UPTAKE_HEXJSON"):
        geo.load_hexmaps()
    with pytest.raises(geo.GeographyUnavailable, match=r"nowhere .*UPTAKE_BOUNDARIES"):
        geo.load_boundaries()
    monkeypatch.setenv("UPTAKE_HEXJSON", str(tmp_path / "mine.hexjson"))
    with pytest.raises(geo.GeographyUnavailable, match=r"No HexJSON file at .*mine\.hexjson: set UPTAKE_HEXJSON"):
        geo.load_hexmaps()


def test_explicit_files_override_the_folder(monkeypatch, tmp_path):
    mine = tmp_path / "mine.hexjson"
    mine.write_text(json.dumps({"layout": "even-r", "hexes": {"E06000001": {"n": "Hartlepool", "q": 0, "r": 0}}}))
    boundaries = tmp_path / "areas.topojson"
    boundaries.write_text(json.dumps(_two_squares()))
    monkeypatch.setenv("UPTAKE_GEO_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("UPTAKE_HEXJSON", str(mine))
    monkeypatch.setenv("UPTAKE_BOUNDARIES", str(boundaries))
    [hexmap] = geo.load_hexmaps()
    assert hexmap.layout == "even-r" and list(hexmap.codes) == ["E06000001"]
    assert sorted(s.code for s in geo.load_boundaries().shapes) == ["E06000060", "E10000002"]


# ---------------------------------------------------------------- the figure and its text

def test_the_colour_scale_darkens_steadily_so_it_reads_in_greyscale():
    shades = [_luminance(colour_at(i / 20)) for i in range(21)]
    assert all(a > b for a, b in zip(shades, shades[1:]))
    assert shades[0] - shades[-1] > 0.7
    for i in range(21):        # a label on any hex is readable (WCAG 1.4.3)
        fill = colour_at(i / 20)
        assert contrast(fill, text_colour(fill)) >= 4.5, fill
    assert colour_at(0) == COLOURSCALE[0][1] and colour_at(1) == COLOURSCALE[-1][1]


def _units() -> pd.DataFrame:
    hexmap = _hexmap(["E06000001", "E06000002", "E06000003"], "t.hexjson")
    placed = pd.DataFrame({"geo_code": ["E06000001", "E06000002"], "area_code": ["E06000001", "E06000002"],
                           "area_name": ["Hartlepool", "Middlesbrough"], "value": [40.0, 80.0],
                           "value_status": ["published"] * 2, "note": [None, "A note."],
                           "compared_with_england": ["lower", "higher"]})
    return hex_units(hexmap, placed)


def test_area_map_draws_one_clickable_polygon_per_council_and_hatches_no_data():
    units = _units()
    assert list(units["area_name"]) == ["Hartlepool", "Middlesbrough", "E06000003"]
    figure = area_map(units, title="T", subtitle="S", colour_title="Adults receiving self-directed support (%)",
                      unit="percent", kind="hex", words_for=lambda c: {"higher": "better than England"}.get(c, ""))
    fills = [t for t in figure.data if t.fill == "toself" and t.customdata is not None]
    assert [t.customdata[0] for t in fills] == ["E06000001", "E06000002", "E06000003"]
    assert fills[0].fillcolor == colour_at(0) and fills[1].fillcolor == colour_at(1)    # 40..80 scaled
    assert fills[2].fillpattern.shape == NO_DATA_PATTERN["shape"]
    assert fills[1].name == ("Middlesbrough (E06000002)<br>80.0% \u2020<br>better than England"
                             "<br>Click for the council's profile")
    assert fills[2].name.startswith("E06000003 (E06000003)<br>no data")
    # A few hexes (a region's map) name their council as well as the value, one decimal place.
    labels = sorted(x for t in figure.data if t.mode == "text" for x in t.text)
    assert labels == ["Hartlepool<br>40.0", "Middlesbrough<br>80.0"]
    scale = [t for t in figure.data if t.marker is not None and t.marker.showscale][0]
    assert scale.marker.colorbar.title.text == "Adults receiving<br>self-directed support<br>(%)"
    assert (scale.marker.cmin, scale.marker.cmax) == (40, 80)
    assert [t.name for t in figure.data if t.showlegend] == ["No data (hatched)"]
    # Built without per-property validation for speed: validating it in full must pass.
    import plotly.graph_objects as go
    assert len(go.Figure(figure.to_dict()).data) == len(figure.data)
    assert figure.layout.yaxis.scaleanchor == "x"
    figure.to_plotly_json()
    import plotly.graph_objects as go
    go.Figure(figure.to_dict())          # valid in full


def _many_units(count: int) -> pd.DataFrame:
    codes = [f"E06{n:06d}" for n in range(1, count + 1)]
    hexmap = _hexmap(codes, "many.hexjson")
    placed = pd.DataFrame({"geo_code": codes, "area_code": codes, "area_name": [f"Council {n}" for n in range(count)],
                           "value": [50 + n / 7 for n in range(count)], "value_status": "published", "note": None,
                           "compared_with_england": "similar"})
    return hex_units(hexmap, placed)


def test_a_map_of_all_england_labels_values_with_one_decimal_place_and_no_names():
    units = _many_units(NAMED_UNITS + 1)
    spec = area_map_spec(units, title="T", subtitle="S", colour_title="C", unit="percent", kind="hex")
    labels = [text for trace in spec["data"] if trace.get("mode") == "text" for text in trace["text"]]
    assert len(labels) == NAMED_UNITS + 1 and labels[:3] == ["50.0", "50.1", "50.3"]
    scale = next(trace for trace in spec["data"] if trace.get("name") == "colour scale")
    assert scale["marker"]["colorbar"]["tickformat"] == ".1f"          # "60.0%", as every percentage
    assert spec["layout"]["annotations"] == []                          # no council of the reader's


def test_the_readers_council_is_outlined_on_top_named_and_keyed():
    units = _many_units(60)
    spec = area_map_spec(units, title="T", subtitle="S", colour_title="C", unit="percent", kind="hex",
                         highlight="E06000059")
    polygons = [trace for trace in spec["data"] if trace.get("meta", "").startswith("E06")]
    mine = polygons[-1]                         # drawn last: no neighbour covers its outline
    assert mine["meta"] == "E06000059" and mine["line"] == {"color": HIGHLIGHT_OUTLINE, "width": 6}
    assert all(trace["line"]["width"] < 6 for trace in polygons[:-1])
    inner = spec["data"][spec["data"].index(mine) + 1]
    assert inner["line"] == {"color": HIGHLIGHT_COLOUR, "width": 3} and inner["hoverinfo"] == "skip"
    [label] = spec["layout"]["annotations"]
    assert label["text"] == "◆ Council 58 (your council)"
    assert (label["x"], label["y"]) == (units.set_index("area_code").at["E06000059", "cx"],
                                        units.set_index("area_code").at["E06000059", "cy"])
    # The page draws the legend as a key above the map; the reader's council is in it.
    assert key_items(spec) == [("◆ Council 58 (your council): outlined", "highlight")]
    page = for_page(spec)
    assert not any(trace.get("showlegend") for trace in page["data"]) and page["layout"]["showlegend"] is False
    assert "title" not in page["layout"] and page["layout"]["annotations"] == [label]
    go.Figure(spec)                                                     # valid in full


def test_a_label_beside_a_point_stays_on_a_narrow_chart():
    assert label_side(1, 0, 30) == ("left", 24)            # left third: the label runs right
    assert label_side(15, 0, 30) == ("center", 0)
    assert label_side(29, 0, 30) == ("right", -24)         # right third: it runs left


def test_a_regions_map_keeps_englands_colour_scale():
    units = _many_units(5)
    spec = area_map_spec(units, title="T", subtitle="S", colour_title="C", unit="percent", kind="hex",
                         colour_range=(6.0, 100.0))
    scale = next(trace for trace in spec["data"] if trace.get("name") == "colour scale")
    assert (scale["marker"]["cmin"], scale["marker"]["cmax"]) == (6.0, 100.0)
    fills = [trace["fillcolor"] for trace in spec["data"] if trace.get("meta", "").startswith("E06")]
    assert fills[0] == colour_at((50.0 - 6) / 94)


def test_describe_map_names_extremes_england_and_gaps():
    text = describe_map(_units(), what="adults receiving self-directed support, all adults (18+), 2024-25",
                        drawing="Hex cartogram", unit="percent", england_value=50.0)
    assert text == ("Hex cartogram of adults receiving self-directed support, all adults (18+), 2024-25, darker for "
                    "higher values. 2 councils have a value, from 40.0% to 80.0%. Highest: Middlesbrough (80.0%). "
                    "Lowest: Hartlepool (40.0%). England: 50.0%; 1 councils above it and 1 below. Significantly "
                    "higher than England (95% interval): 1; significantly lower: 1; similar: 0. "
                    "No data for 1: E06000003.")
    mine = describe_map(_units(), what="w", drawing="Hex cartogram", unit="percent", england_value=50.0,
                        highlight="E06000001")
    assert "Lowest: Hartlepool (40.0%). Your council, Hartlepool: 40.0%, ranked 2 of 2 drawn (outlined and " \
           "labelled). England" in mine


def test_a_click_names_a_council_code_or_nothing():
    assert clicked_code({"points": [{"curveNumber": 3, "customdata": ["E08000035"]}]}) == "E08000035"
    assert clicked_code({"points": [{"customdata": "E10000002"}]}) == "E10000002"
    assert clicked_code({"points": [{"customdata": ["javascript:alert(1)"]}]}) is None
    assert clicked_code({"points": [{"curveNumber": 160}]}) is None
    assert clicked_code(None) is None


def test_map_view_round_trips_through_the_url():
    catalogue = pd.DataFrame({"measure_id": ["sds_users", "sds_users"], "period": ["2017-18", "2024-25"],
                              "age_band": ["all", "all"], "client_group": ["all", "all"], "councils": [152, 152],
                              "has_england": [True, True]})
    view = resolve_map({"period": "2017-18", "view": "boundaries"}, catalogue)
    assert view == MapView(Selection("sds_users", "2017-18", "all", "all"), "boundaries")
    assert view.query() == "?measure=sds_users&period=2017-18&age_band=all&client_group=all&view=boundaries"
    assert resolve_map({"view": "globe"}, catalogue).view == "hex"
    # The reader's region and council, by code or name; unknown ones are dropped by the page.
    councils = pd.DataFrame({"area_code": ["E08000037", "E10000009", "E06000059"],
                             "area_name": ["Gateshead", "Dorset", "Dorset"],
                             "region_code": ["E12000001"] + ["E12000009"] * 2,
                             "first_period": [None, None, "2019-20"], "last_period": [None, "2018-19", None]})
    mine = resolve_map({"period": "2017-18", "region": "E12000001", "council": " gateshead "}, catalogue,
                       ["E12000001"], councils)
    assert (mine.region, mine.council) == ("E12000001", "E08000037")
    assert mine.query().endswith("&view=hex&region=E12000001&council=E08000037")
    assert resolve_map({"region": "E12000099", "council": "Atlantis"}, catalogue, ["E12000001"], councils) == \
        MapView(Selection("sds_users", "2024-25", "all", "all"), "hex")


def test_a_council_is_found_by_code_or_name_and_a_shared_name_by_year():
    councils = pd.DataFrame({"area_code": ["E08000037", "E10000009", "E06000059"],
                             "area_name": ["Gateshead", "Dorset", "Dorset"],
                             "first_period": [None, None, "2019-20"], "last_period": [None, "2018-19", None]})
    assert geo.council_code("E08000037", councils) == "E08000037"
    assert geo.council_code("  GATESHEAD ", councils) == "E08000037"
    assert geo.council_code("Dorset", councils, "2017-18") == "E10000009"      # the county, then
    assert geo.council_code("Dorset", councils, "2024-25") == "E06000059"
    assert geo.council_code("Dorset", councils) == "E06000059"                 # no year: the newest
    assert geo.council_code("Atlantis", councils) is None and geo.council_code("", councils) is None
    areas = councils.assign(region_code=["E12000001", "E12000009", "E12000009"])
    assert geo.region_of(["E08000037", "E06000059", "E10000002", "E99999999"], areas,
                         {"E10000002": frozenset({"E10000002", "E06000059"})}) == \
        ["E12000001", "E12000009", "E12000009", None]


def test_without_geography_the_page_says_what_to_set_and_still_shows_the_table(monkeypatch, tmp_path, bundled_db):
    from dashboards.context import set_warehouse
    from dashboards.db import Warehouse
    from dashboards.pages import map as page

    set_warehouse(Warehouse(bundled_db))
    monkeypatch.delenv("UPTAKE_HEXJSON", raising=False)
    monkeypatch.setenv("UPTAKE_GEO_DIR", str(tmp_path / "no-geo"))
    catalogue, measures = page._reference()
    view = resolve_map({"period": "2011-12"}, catalogue)
    panel = page.map_panel(view, measures)
    text = str(panel)
    assert panel[0].id == "map-message"
    assert f"No HexJSON layout of upper-tier councils in {tmp_path / 'no-geo'}. Set UPTAKE_GEO_DIR" in \
        panel[0].children
    assert "map-table" in text and "Sunderland" in text and "source-line" in text


# ---------------------------------------------------------------- the chart as data

HEX_2017 = "?measure=sds_users&period=2017-18&age_band=all&client_group=all&view=hex"


_text, _table_cells = wire_text, wire_table_cells


@pytest.fixture
def full_client(full_db, monkeypatch):
    from dashboards import create_app

    for name in ("UPTAKE_GEO_DIR", "UPTAKE_HEXJSON", "UPTAKE_BOUNDARIES"):
        monkeypatch.delenv(name, raising=False)       # the shared geography files, as served
    return create_app(full_db[0]).server.test_client()


def test_map_csv_is_exactly_the_tables_rows_coloured_listed_and_hatched(full_client):
    import io

    from dashboards.components import value_text
    from dashboards.figures.map import NO_DATA_FILL
    from dashboards.pages import map as page
    from dashboards.routing import query_parameters
    from tests.wire_reading import find

    response = full_client.get("/download/map.csv" + HEX_2017)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = pd.read_csv(io.StringIO(response.data.decode("utf-8")), dtype={"area_code": str})
    catalogue, measures = page._reference()
    panel = page.map_panel(resolve_map(query_parameters(HEX_2017), catalogue), measures)
    table = _table_cells(panel, "map-table")
    # The table's areas, in its order, with the values it prints.
    assert list(rows["area_code"]) == [cells[2] for cells in table]
    assert [value_text(v, "percent", flag, n if isinstance(n, str) else "")
            for v, flag, n in zip(rows["value"], rows["quality_flag"], rows["note"])] == [cells[3] for cells in table]
    # Flagged figures (self-directed support reported equal to direct payments) carry the caveat mark.
    flagged = rows[rows["quality_flag"].fillna("") != ""]
    assert sorted(flagged["area_name"]) == ["Stoke-on-Trent", "West Sussex"]
    assert [cells[3] for cells in table if cells[2] in set(flagged["area_code"])] == ["34.3% \u26a0", "32.6% \u26a0"]
    assert [cells[7] for cells in table if cells[2] in set(flagged["area_code"])] == \
        ["\u26a0 not compared: see the caveat"] * 2
    # Every coloured hex is a row with its value; councils with a value and no hex are rows too
    # (listed under the map); hatched hexes are rows without a value; England closes the table.
    figure = go.Figure(find(panel, "map-chart").figure)   # validated in full here; the page sends a dict
    polygons = [t for t in figure.data if t.meta and t.mode != "text"]   # labels carry meta "narrow-hide"
    coloured = {t.meta for t in polygons if t.fillcolor != NO_DATA_FILL}
    hatched = {t.meta for t in polygons if t.fillcolor == NO_DATA_FILL}
    valued = rows[(rows["area_type"] == "council") & rows["value"].notna()]
    assert len(coloured) == 149 and set(valued["area_code"]) == coloured | {"E06000028", "E06000029", "E10000009"}
    assert hatched == {"E06000058", "E06000059"}
    hatched_rows = rows[rows["area_code"].isin(hatched)].set_index("area_code")
    assert set(hatched_rows["value_status"]) == {"missing"} and hatched_rows["value"].isna().all()
    assert hatched_rows.at["E06000058", "note"] == ("Hatched on the map: no figure for this area in 2017-18 "
                                                    "(created by a merger on 1 April 2019).")
    assert hatched_rows.at["E06000058", "period"] == "2017-18"
    assert rows.iloc[-1][["area_code", "value"]].tolist() == ["E92000001", 89.7] and len(rows) == 155


def test_map_xlsx_about_sheet_states_the_layout_and_colour_scale(full_client):
    import io

    from openpyxl import load_workbook

    response = full_client.get("/download/map.xlsx?measure=sds_users&period=2024-25&age_band=all"
                               "&client_group=all&view=hex")
    workbook = load_workbook(io.BytesIO(response.data))
    assert len(list(workbook["data"].values)) == 155         # header, 152 valued, Isles of Scilly [x], England
    about = dict(workbook["about"].values)
    assert about["Title"] == ("Adults receiving self-directed support: All adults (18+), 2024-25, councils in "
                              "England, one hexagon per council, April 2023 boundaries (valid 2023-24 to 2024-25)")
    assert about["Method"].startswith("Hex cartogram on April 2023 boundaries (valid 2023-24 to 2024-25): "
                                      "a hex layout of 2023 councils (153 councils), the best match of 2 layouts")
    assert ".hexjson" not in about["Method"] and "topo.json" not in about["Method"]     # no file names
    assert "The scale runs from 6.0% (lightest) to 100.0% (darkest)" in about["Method"]
    assert about["Description"].startswith("Hex cartogram of adults receiving self-directed support")
    boundaries = dict(load_workbook(io.BytesIO(full_client.get(
        "/download/map.xlsx" + HEX_2017.replace("hex", "boundaries")).data))["about"].values)
    assert boundaries["Method"].startswith("Boundary map of council boundaries in force in 2017-18 (1 April 2017): "
                                           "152 councils, outlines simplified.")
    assert boundaries["Query URL"].endswith("/map" + HEX_2017.replace("hex", "boundaries"))


def test_map_refuses_an_unknown_measure_view_or_parameter(full_client):
    from dashboards.charts import ChartRequestError, chart_for
    from dashboards.pages import map as page

    for query, words in [("?measure=nonsense", "measure='nonsense' is not available"),
                         ("?view=globe", "view='globe' is not available"),
                         ("?scope=region", "Unknown parameter for the map view: 'scope'")]:
        response = full_client.get("/download/map.csv" + query)
        assert response.status_code == 400 and response.get_json()["error"].startswith(words), query
    with pytest.raises(ChartRequestError) as refused:
        chart_for("map", {"measure": "nonsense"})
    assert refused.value.status == 400
    with pytest.raises(ChartRequestError) as refused:
        chart_for("map", {"colour": "red"})
    assert refused.value.status == 400 and refused.value.valid == page.CONTROLS


def test_a_regions_map_zooms_to_its_councils_with_englands_scale_and_marks_the_readers_council(full_client):
    from dashboards.charts import chart_for
    from dashboards.pages import map as page
    from tests.wire_reading import find

    england = chart_for("map", {"period": "2024-25"})
    chart = chart_for("map", {"period": "2024-25", "region": "E12000001", "council": "gateshead"})
    assert chart.query == ("?measure=sds_users&period=2024-25&age_band=all&client_group=all&view=hex"
                           "&region=E12000001&council=E08000037")          # the name, as its code
    councils = chart.rows[chart.rows["area_type"] == "council"]
    assert len(councils) == 12 and set(councils["region_code"]) == {"E12000001"}
    assert list(chart.rows["area_code"][-2:]) == ["E12000001", "E92000001"]  # the region, then England
    drawn = {trace["meta"] for trace in chart.figure["data"] if str(trace.get("meta", "")).startswith("E")}
    assert drawn == set(councils["area_code"])
    scale = next(t for t in chart.figure["data"] if t.get("name") == "colour scale")["marker"]
    england_scale = next(t for t in england.figure["data"] if t.get("name") == "colour scale")["marker"]
    assert (scale["cmin"], scale["cmax"]) == (england_scale["cmin"], england_scale["cmax"]) == (6.0, 100.0)
    assert [note["text"] for note in chart.figure["layout"]["annotations"]] == ["\u25c6 Gateshead (your council)"]
    assert chart.subtitle.endswith(", Gateshead highlighted")
    assert "Zoomed to the 12 councils of North East." in chart.method
    # 2024-25 figures are not comparable between councils: the reader's council is not ranked.
    assert "Your council, Gateshead: 22.2% (outlined and labelled)." in chart.description
    # The page's table marks the reader's row; its share links keep region and council.
    catalogue, measures = page._reference()
    view = page.resolve_map({"period": "2024-25", "region": "E12000001", "council": "E08000037"}, catalogue,
                            ["E12000001"], page._places()[1])
    panel = page.map_panel(view, measures)
    rows = find(panel, "map-table")["props"]["children"][2]["props"]["children"]
    mine = [row for row in rows if "highlight" in row["props"]["className"].split()]
    # No rank: DHSC says 2024-25 self-directed support is not comparable between councils.
    assert len(mine) == 1 and _text(mine[0]).startswith("\u25c6 Gateshead (your council)E08000037")
    assert find(panel, "map-download-csv").href == "/download/map.csv" + chart.query
    response = full_client.get("/download/map.csv" + chart.query)
    import io
    downloaded = pd.read_csv(io.StringIO(response.data.decode("utf-8")), dtype={"area_code": str})
    assert response.status_code == 200 and list(downloaded["area_code"]) == list(chart.rows["area_code"])


def test_an_unknown_region_or_council_is_refused_not_dropped(full_client):
    for query, words in [("?region=E12000099", "region='E12000099' is not a region"),
                         ("?council=Atlantis", "council='Atlantis' is not a council")]:
        response = full_client.get("/download/map.csv" + query)
        assert response.status_code == 400 and response.get_json()["error"].startswith(words), query
    assert full_client.get("/download/map.csv?region=E92000001").status_code == 200     # all England, said so
    embed = full_client.get("/embed/map?period=2024-25&council=E08000037").data.decode()
    assert "Gateshead (your council)" in embed and "Gateshead highlighted" in embed


def test_a_maps_extent_is_the_same_from_each_units_bounds_as_from_every_point():
    from dashboards.figures.map import own_caveats

    units = _many_units(45)
    assert "bounds" in units
    options = dict(title="T", subtitle="S", colour_title="C", unit="percent", kind="hex", highlight="E06000007")
    with_bounds = area_map_spec(units, **options)
    without = area_map_spec(units.drop(columns="bounds"), **options)
    assert with_bounds == without
    xs = [x for trace in with_bounds["data"] if trace.get("fill") == "toself" and trace.get("meta")
          for x in trace["x"] if x is not None]
    assert with_bounds["layout"]["xaxis"]["range"][0] < min(xs) and with_bounds["layout"]["xaxis"]["range"][1] > max(xs)
    # A unit's own caveat: a flag not every valued unit shares; missing values are never marked.
    assert own_caveats([1.0, 2.0, float("nan")], ["a", "a; b", "b"]) == [False, True, False]
    assert own_caveats([1.0, 2.0], ["a", "a"]) == [False, False]
