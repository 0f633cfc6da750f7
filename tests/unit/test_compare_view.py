"""Pure pieces of the Compare page: URL state, similar councils, the ranked bar figure."""
import pandas as pd

from dashboards.figures.compare import describe_ranking, ranked_bars, ranked_bars_spec
from dashboards.neighbours import nearest_codes, nearest_councils, standardise
from dashboards.state import CompareView, Selection, options_for, resolve_compare, resolve_selection

CATALOGUE = pd.DataFrame({
    "measure_id": ["sds_users"] * 4 + ["dp_users"],
    "period": ["2011-12", "2011-12", "2020-21", "2020-21", "2020-21"],
    "age_band": ["all", "18-64", "all", "65+", "all"],
    "client_group": ["all", "mental_health", "all", "all", "all"],
    "councils": [12, 12, 151, 151, 151], "has_england": [True] * 5})


def test_a_valid_query_is_kept_and_round_trips_through_the_url():
    view = resolve_compare({"measure": "sds_users", "period": "2011-12", "age_band": "18-64",
                            "client_group": "mental_health", "scope": "region", "region": "E12000001"},
                           CATALOGUE, ["E12000001", "E12000002"], ["E06000005"])
    assert view == CompareView(Selection("sds_users", "2011-12", "18-64", "mental_health"), "region", "E12000001", None)
    assert view.query() == ("?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health"
                            "&scope=region&region=E12000001")


def test_invalid_values_fall_back_to_the_latest_period_and_all_adults():
    selection = resolve_selection({"measure": "nonsense", "period": "1999-00", "age_band": "x"}, CATALOGUE)
    assert selection == Selection("sds_users", "2020-21", "all", "all")
    view = resolve_compare({"scope": "neighbours", "council": "E09999999"}, CATALOGUE, ["E12000001"], ["E06000005"])
    # Similar councils need a council that exists: the page asks for one, never shows England instead.
    assert (view.scope, view.council, view.needs_council) == ("neighbours", None, True)
    assert view.query().endswith("&scope=neighbours")


def test_the_readers_council_travels_in_every_scope_and_picks_the_region_to_show():
    homes = {"E08000037": "E12000001", "E09000001": "E12000007"}
    regions = ["E12000001", "E12000007"]
    for scope in ("england", "regions", "neighbours"):
        view = resolve_compare({"scope": scope, "council": "E08000037"}, CATALOGUE, regions, list(homes), homes)
        assert view.query().endswith(f"&scope={scope}&council=E08000037") and not view.needs_council
    # Councils in one region with no region given: the reader's council's region, not the first.
    view = resolve_compare({"scope": "region", "council": "E09000001"}, CATALOGUE, regions, list(homes), homes)
    assert view.query().endswith("&scope=region&region=E12000007&council=E09000001")
    assert resolve_compare({"scope": "region"}, CATALOGUE, regions, list(homes), homes).region == "E12000001"
    assert resolve_compare({"scope": "everywhere"}, CATALOGUE, regions, list(homes)).scope == "england"


def test_options_depend_on_the_other_choices():
    options = options_for(CATALOGUE, Selection("sds_users", "2011-12", "18-64", "mental_health"))
    assert options == {"measure": ["sds_users", "dp_users"], "period": ["2011-12", "2020-21"],
                       "age_band": ["all", "18-64"], "client_group": ["mental_health"]}


def test_similar_councils_prefer_the_same_region_and_existing_councils():
    profile = pd.DataFrame({
        "area_code": ["A", "B", "C", "D", "E"], "area_name": list("ABCDE"),
        "region_code": ["R1", "R1", "R2", "R2", "R1"],
        "adults": [100_000, 105_000, 100_000, 400_000, 1_000_000], "older": [20_000, 21_000, 20_000, 60_000, 150_000]})
    nearest = nearest_councils(profile, "A", count=3)
    assert list(nearest["area_code"]) == ["B", "C", "E"]   # C is as similar as B, but in another region
    assert list(nearest_councils(profile, "A", count=3, candidates={"C", "D"})["area_code"]) == ["C", "D"]
    assert nearest_councils(profile, "Z").empty


ROWS = pd.DataFrame({
    "area_name": ["Alpha", "Beta", "Gamma", "Delta"], "value": [10.0, 40.0, None, 25.0],
    "lower_95": [8.0, 35.0, None, None], "upper_95": [12.0, 45.0, None, None],
    "compared_with_england": ["lower", "higher", None, None], "note": [None, "a note", None, None]})
REFERENCES = pd.DataFrame({"area_name": ["England", "North East"], "value": [20.0, 30.0]})


def test_bars_are_ranked_grouped_by_comparison_with_intervals_and_labels():
    figure = ranked_bars(ROWS, REFERENCES, value_title="%", title="t")
    assert list(figure.layout.yaxis.categoryarray) == ["Alpha", "Delta", "Beta"]
    bars = {trace.name: trace for trace in figure.data if trace.type == "bar"}
    assert set(bars) == {"\u25bc worse than England", "\u25cb not compared (no counts)", "\u25b2 better than England"}
    better = bars["\u25b2 better than England"]
    assert (list(better.y), list(better.error_x.array), list(better.error_x.arrayminus)) == (["Beta"], [5.0], [5.0])
    labels = {t.y[0]: (t.x[0], t.text[0]) for t in figure.data if t.type == "scatter"}
    assert labels["Beta"] == (45.0, "40.0% \u25b2 \u2020")      # past the interval, not on it
    assert labels["Delta"] == (25.0, "25.0% \u25cb")


def test_the_hover_prints_the_value_its_interval_and_its_rank_as_the_labels_do():
    figure = ranked_bars(ROWS, REFERENCES, value_title="%", title="t")
    hovers = {t.y[0]: t.customdata[0][3:] for t in figure.data if t.type == "bar"}
    assert hovers == {"Beta": ["40.0% (95% interval 35.0% to 45.0%)", "rank 1 of 3"],
                      "Delta": ["25.0%", "rank 2 of 3"], "Alpha": ["10.0% (95% interval 8.0% to 12.0%)", "rank 3 of 3"]}
    assert all(t.hovertemplate == "%{y}: %{customdata[3]}, %{customdata[4]}%{customdata[2]}<extra></extra>"
               for t in figure.data if t.type == "bar")


def test_reference_lines_have_their_own_dash_styles_and_labels():
    figure = ranked_bars(ROWS, REFERENCES, value_title="%", title="t")
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert [(line.x0, line.line.dash) for line in lines] == [(20.0, "dash"), (30.0, "dot")]
    assert [a.text for a in figure.layout.annotations] == ["England 20.0%", "North East 30.0%"]


def test_description_names_extremes_comparators_and_significance():
    text = describe_ranking(ROWS, REFERENCES, what="uptake")
    assert text == ("Bar chart of uptake for 3 councils. Highest: Beta (40.0%); lowest: Alpha (10.0%). "
                    "England: 20.0%, with 2 of 3 councils above it. North East: 30.0%, with 1 of 3 "
                    "councils above it. Compared with England: 1 significantly higher, 1 significantly "
                    "lower, 0 similar.")


def test_the_figure_is_valid_plotly_when_validated_in_full():
    import plotly.graph_objects as go
    figure = ranked_bars(ROWS, REFERENCES, value_title="%", title="t")
    validated = go.Figure(figure.to_dict())          # raises on any invalid property
    assert len(validated.data) == len(figure.data) == 6


def test_the_in_memory_selection_answers_exactly_as_the_sql_query(bundled_db):
    """db.observations takes a dictionary lookup for one selection; it must match SQL."""
    from dashboards import db

    warehouse = db.Warehouse(bundled_db)
    fast = db.observations(warehouse, measure_id="sds_users", period="2011-12", age_band="18-64",
                           client_group="mental_health", region_code=["E12000001"])
    slow = db.observations(warehouse, measure_id=["sds_users"], period=["2011-12"], age_band="18-64",
                           client_group="mental_health", region_code=["E12000001"])
    assert fast.equals(slow.reset_index(drop=True)) or fast.to_dict("records") == slow.to_dict("records")
    assert list(fast["area_name"][:3]) == ["Gateshead", "Hartlepool", "South Tyneside"]
    assert fast["area_type"].tolist()[-1] == "region"


FLAGGED = pd.DataFrame({
    "area_name": ["Alpha", "Beta", "Gamma"], "value": [10.0, 40.0, 22.2],
    "lower_95": [8.0, 35.0, 20.3], "upper_95": [12.0, 45.0, 24.2],
    "compared_with_england": ["lower", "higher", "not_compared"], "note": [None, "a note", None],
    "quality_flag": [None, "small_rounded_counts", "not_comparable_between_councils; sds_equals_dp"]})


def test_flagged_bars_carry_the_caveat_mark_once_and_a_held_back_one_is_never_better_or_worse():
    figure = ranked_bars(FLAGGED, REFERENCES, value_title="%", title="t",
                         flag_labels={"small_rounded_counts": "Small rounded counts"})
    bars = {trace.name: list(trace.y) for trace in figure.data if trace.type == "bar"}
    assert bars == {"\u25bc worse than England": ["Alpha"], "\u26a0 not compared: see the caveat": ["Gamma"],
                    "\u25b2 better than England": ["Beta"]}
    labels = {t.y[0]: t.text[0] for t in figure.data if t.type == "scatter"}
    assert labels == {"Alpha": "10.0% \u25bc", "Beta": "40.0% \u25b2 \u26a0 \u2020", "Gamma": "22.2% \u26a0"}
    hovers = {t.y[0]: t.customdata[0][2] for t in figure.data if t.type == "bar"}
    # A label from the flag table; a code without one reads as its words.
    assert hovers == {"Alpha": "", "Beta": "<br>\u26a0 Small rounded counts",
                      "Gamma": "<br>\u26a0 Not comparable between councils; sds equals dp"}
    text = describe_ranking(FLAGGED, REFERENCES, what="uptake")
    assert text.endswith("Compared with England: 1 significantly higher, 1 significantly lower, 0 similar, "
                         "1 not compared because of a quality flag. 2 of 3 values carry a quality flag "
                         "(marked \u26a0): see the caveats with the chart.")


def test_a_year_no_council_may_be_compared_in_offers_the_latest_that_can():
    from dashboards.state import Selection, latest_comparable
    catalogue = pd.DataFrame({
        "measure_id": ["sds_users"] * 4, "period": ["2021-22", "2022-23", "2023-24", "2024-25"],
        "age_band": ["all"] * 4, "client_group": ["all"] * 4, "councils": [150, 0, 151, 152],
        "has_england": [True] * 4, "comparable_councils": [150, 0, 151, 0]})
    flagged = Selection("sds_users", "2024-25", "all", "all")
    assert latest_comparable(catalogue, flagged) == Selection("sds_users", "2023-24", "all", "all")
    assert latest_comparable(catalogue, Selection("sds_users", "2023-24", "all", "all")) is None
    assert latest_comparable(catalogue.assign(comparable_councils=0), flagged) is None


def test_nearest_codes_from_a_standardised_year_match_nearest_councils():
    profile = pd.DataFrame({
        "area_code": ["A", "B", "C", "D", "E", "F"], "area_name": list("ABCDEF"),
        "region_code": ["R1", "R1", "R2", "R2", "R1", "R2"],
        "adults": [100_000, 105_000, 100_000, 400_000, 1_000_000, None],
        "older": [20_000, 21_000, 20_000, 60_000, 150_000, 1_000]})
    everyone = standardise(profile)
    for code in "ABCDE":
        for count in (1, 3, 15):
            assert nearest_codes(everyone, code, count) == tuple(nearest_councils(profile, code, count)["area_code"])
    assert nearest_codes(everyone, "A", 3) == ("B", "C", "E")
    some = standardise(profile, {"A", "C", "D"})
    assert nearest_codes(some, "A", 3) == ("C", "D") == \
        tuple(nearest_councils(profile, "A", 3, candidates={"C", "D"})["area_code"])
    assert nearest_codes(some, "B") is None and nearest_codes(everyone, "F") is None   # ask nearest_councils


def test_the_ranked_bars_are_a_plain_spec_that_validates_and_still_reads_as_a_figure():
    import copy
    import json

    import plotly.graph_objects as go
    import plotly.utils

    spec = ranked_bars_spec(ROWS, REFERENCES, value_title="%", title="t")
    assert type(dict(spec)) is dict and set(spec) == {"data", "layout"}
    # Exactly what the Figure serialised to, Plotly's default template included.
    as_figure = go.Figure(dict(spec), _validate=False).to_plotly_json()
    dumped = [json.dumps(x, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True) for x in (spec, as_figure)]
    assert dumped[0] == dumped[1] and "template" in spec["layout"]
    assert len(go.Figure(dict(spec)).data) == 6                     # valid when validated in full
    assert list(spec.layout.yaxis.categoryarray) == ["Alpha", "Delta", "Beta"]   # read as a Figure
    assert type(copy.deepcopy(spec)) is type(spec) and copy.deepcopy(spec) == spec
