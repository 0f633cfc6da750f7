"""The generic ETL engine's pure pieces, on small hand-made inputs."""
from pathlib import Path

import pytest

from etl.areas import AreaResolver, load_reference
from etl.detect import Match, detect_layouts
from etl.extract import combined_headers, file_period
from etl.readers import Sheet
from etl.registry import _validate, load_layouts, map_key
from etl.transform import Part, combine, compact_refs


def test_compact_refs_makes_ranges_of_adjacent_cells_in_a_row():
    assert compact_refs([(5, 2), (5, 3), (5, 4), (5, 6), (7, 0)]) == "C5:E5, G5, A7"
    assert compact_refs([(33, 27), (33, 26)]) == "AA33:AB33"


def test_a_single_cell_keeps_its_status_and_a_sum_is_derived():
    one = combine([Part(10.0, "published", 3, 1, "10")], suppressed_as=2)
    assert (one.number, one.status, one.refs, one.note) == (10.0, "published", "B3", None)
    total = combine([Part(10.0, "published", 3, 1, "10"), Part(None, "suppressed", 3, 2, "[c]"),
                     Part(5.0, "published", 3, 3, "5")], suppressed_as=2)
    assert (total.number, total.status, total.refs) == (17.0, "derived", "B3:D3")
    assert total.note == "Sums 1 suppressed cell, each counted as 2 (the middle of the suppressed range)."
    # Rounded to 5: the published cell may be 2.5 off; the suppressed one (0-4) counted as 2.
    mixed = combine([Part(10.0, "published", 3, 1, "10"), Part(None, "suppressed", 3, 2, "[c]")],
                    suppressed_as=2, rounded_to=5)
    assert (mixed.number, mixed.error, mixed.imputed) == (12.0, 2.5, 2)


def test_a_sum_whose_every_cell_was_suppressed_is_suppressed_not_a_guess():
    every = combine([Part(None, "suppressed", 3, 1, "[c]"), Part(None, "suppressed", 3, 2, "[c]")],
                    suppressed_as=2)
    assert (every.number, every.status, every.all_suppressed) == (None, "suppressed", True)
    assert every.note == "All 2 cells this figure sums were suppressed by the publisher, so no figure can be given."


def test_a_sum_with_a_missing_or_unimputed_part_is_not_a_number():
    parts = [Part(10.0, "published", 3, 1, "10"), Part(None, "suppressed", 3, 2, "[c]")]
    assert combine(parts, suppressed_as=None).status == "suppressed"
    parts = [Part(10.0, "published", 3, 1, "10"), Part(None, "missing", 3, 2, "..")]
    assert (combine(parts, suppressed_as=2).number, combine(parts, suppressed_as=2).status) == (None, "missing")


def test_combined_headers_carry_merged_spans_rightwards():
    rows = [["Geography code", "18 to 64", None, "65 and over", None, "Total"],
            [None, "Community\nDirect Payment Only", "Nursing", "Community\nDirect Payment Only", "Nursing", None]]
    assert combined_headers(rows, 1, above=1, filled=1) == [
        "geography code", "18 to 64 | community direct payment only", "18 to 64 | nursing",
        "65 and over | community direct payment only", "65 and over | nursing", "total"]


def test_map_keys_ignore_case_spacing_and_punctuation():
    assert map_key("1C(1A)") == map_key("1c1a")
    assert map_key("Physical Support: Access and Mobility Only") == \
        map_key("Physical Support\nAccess and Mobility Only")


@pytest.fixture(scope="module")
def resolver():
    return AreaResolver(load_reference())


def test_names_shared_by_a_county_and_its_successor_resolve_by_period(resolver):
    assert resolver.resolve("Dorset", period="2015-16") == "E10000009"
    assert resolver.resolve("Dorset", period="2020-21") == "E06000059"
    assert resolver.resolve(cassr="809", period="2015-16") == "E10000009"
    assert resolver.resolve(cassr="809", period="2024-25") == "E06000059"
    # Same boundary, new code: one series under the new code, whatever the year.
    assert resolver.resolve("North Yorkshire", period="2017-18") == "E06000065"
    assert resolver.resolve("North Yorkshire", period="2024-25") == "E06000065"
    assert resolver.resolve(code="E10000023", period="2017-18") == "E06000065"


def test_labels_carrying_a_code_resolve_by_the_code_whatever_the_spacing(resolver):
    for label in ("102-Cumbria", "102 - Cumbria ", "102 Cumbria", "102 \u2013 Cumbria County Council"):
        assert resolver.resolve(label, period="2012-13") == "E10000006", label
    assert resolver.resolve("E06000005 Darlington") == "E06000005"
    # The code wins over a name that would resolve elsewhere.
    assert resolver.resolve("117 - Durham", period="2012-13") == "E06000005"
    assert resolver.resolve("H6X4G - Cumberland", period="2023-24") == "E06000063"
    # The code wins even in a year its council did not exist: the extractor then reports the
    # row as outside the council's lifetime rather than loading it under another council.
    assert resolver.resolve("H6X4G - Cumbria", period="2012-13") == "E06000063"
    assert not resolver.existed("E06000063", "2012-13") and resolver.existed("E06000063", "2023-24")
    assert resolver.resolve("Brent", period="2012-13") == "E09000005"
    assert resolver.resolve("Darlington UA", period="2006-07") == "E06000005"
    assert resolver.resolve("612 - Buckinghamshire", period="2012-13") == "E06000060"
    assert resolver.resolve("916 Buckinghamshire", period="2021-22") == "E06000060"


def test_recoded_areas_resolve_to_their_current_code(resolver):
    assert resolver.resolve(code="E08000020") == "E08000037"   # Gateshead, recoded 2013
    assert resolver.resolve(code="E06000048") == "E06000057"   # Northumberland
    assert resolver.resolve("Stockton on Tees") == "E06000004"
    assert resolver.resolve("Hartlepol") is None
    assert resolver.closest("Hartlepol")[0] == "Hartlepool"


def test_a_key_under_the_wrong_toml_table_is_refused(tmp_path):
    data = {"id": "x", "shape": "columns", "signature": {"header": ["a"]}, "period": {"title": True},
            "rounding": {"counts_to": 5, "suppressed_in_sums": 2}}
    with pytest.raises(ValueError, match=r"\[rounding\] has unknown keys \['suppressed_in_sums'\]"):
        _validate(data, tmp_path / "x.toml")
    with pytest.raises(ValueError, match="unknown keys"):
        _validate({**data, "rounding": {}, "colum_rules": []}, tmp_path / "x.toml")


def test_every_shipped_layout_is_valid():
    assert len(load_layouts()) == 18


def _match(rows, layout_id="salt_by_setting"):
    layout = next(l for l in load_layouts() if l.layout_id == layout_id)
    return Match(layout, Sheet("T38", rows), header_index=len(rows) - 1)


def test_period_from_a_title_a_mid_year_or_a_file_name():
    title = [["Table 38: Number of clients accessing long term support at the end of the year, "
              "by age band and support setting, 2021-22"], ["x"]]
    assert file_period(_match(title), Path("any.xlsx")) == "2021-22"
    mid_year = [["MYE2: Population estimates for local authorities in the UK, mid-2017"], ["x"]]
    assert file_period(_match(mid_year, "ons_mye2_persons"), Path("any.xls")) == "2017-18"
    assert file_period(_match([["x"]], "ascof_long_spaced"), Path("eng-2021-open-data.xlsx")) == "2020-21"
    assert file_period(_match([["x"]], "ascof_long_spaced"), Path("open-data.xlsx")) is None


def test_detection_needs_the_title_as_well_as_the_headers():
    settings = ["Community\nDirect Payment Only", "Community\nPart Direct Payment",
                "Community\nCASSR Managed Personal Budget", "Community\nCASSR Commissioned Support Only"]
    during = Sheet("T34", [["Table 34: Number of clients accessing long term support during the year, "
                            "by age band and support setting, 2021-22"], settings])
    matches, closest = detect_layouts([during], load_layouts())
    assert matches == []
    assert closest.closest.layout_id == "salt_by_setting" and "title like" in closest.missing[0]
    at_end = Sheet("T38", [["Table 38: Number of clients accessing long term support at the end "
                            "of the year, by age band and support setting, 2021-22"], settings])
    matches, _ = detect_layouts([at_end], load_layouts())
    assert [(m.layout.layout_id, m.header_index) for m in matches] == [("salt_by_setting", 1)]
