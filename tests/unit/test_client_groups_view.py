"""Pure pieces of the Client groups page (URL state and the reader's council, columns, order,
table cells, the highlighted row and folded rows, charts), its investment scatter on a tiny
warehouse built from an analyst template, and the Sources page's publications table and build
report section."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import context
from dashboards.db import Warehouse
from dashboards.figures.client_groups import (describe_dots, describe_investment, dot_chart, dot_chart_spec,
                                              investment_scatter, population_base)
from dashboards.figures import HIGHLIGHT_COLOUR
from dashboards.pages import client_groups as page
from dashboards.pages import client_groups_views as views
from dashboards.pages.sources import build_report_section, sources_table
from etl.build import build

CATALOGUE = pd.DataFrame([
    # measure, period, age band, client group, councils, has England
    ("sds_users", "2011-12", "all", "all", 12, True),
    ("sds_users", "2011-12", "18-64", "mental_health", 12, True),
    ("sds_users", "2011-12", "18-64", "learning_disability", 0, True),
    ("sds_users", "2011-12", "18-64", "physical", 0, True),
    ("sds_users", "2021-22", "all", "all", 151, True),
    ("sds_users", "2021-22", "all", "mental_health", 0, True),
    ("sds_users", "2021-22", "18-64", "all", 151, True),
    ("sds_users", "2021-22", "18-64", "mental_health", 0, True),
    ("sds_users", "2020-21", "all", "all", 151, True),                  # no client groups
    ("lts_clients", "2021-22", "all", "all", 151, True),
    ("lts_clients", "2021-22", "all", "mental_health", 151, True),
    ("dp_recipients", "2000-01", "all", "mental_health", 0, True),      # England only, no councils
    ("pb_eligible", "2011-12", "all", "mental_health", 0, False),       # a region only
], columns=["measure_id", "period", "age_band", "client_group", "councils", "has_england"])
REGIONS = ["E12000001", "E12000002"]
COUNCILS = pd.DataFrame([
    ("E08000037", "Gateshead", "council", "E12000001", None, None),
    ("E08000012", "Liverpool", "council", "E12000002", None, None),
], columns=["area_code", "area_name", "area_type", "region_code", "first_period", "last_period"])


def text_of(node) -> str:
    """Visible text of a Dash component or wire-form element, children joined by single spaces."""
    if isinstance(node, (list, tuple)):
        return " ".join(" ".join(text_of(n) for n in node).split())
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, dict):
        return text_of(node.get("props", {}).get("children"))
    return "" if node is None else str(node)


def test_defaults_are_the_reports_view_and_a_valid_query_round_trips():
    view = views.resolve_view({}, CATALOGUE, REGIONS)
    # 2011-12, not the later 2021-22: only 2011-12 has councils' figures by client group.
    assert view == views.ClientGroupView("sds_users", "2011-12", "18-64", "E12000001", "area", None)
    asked = {"measure": "sds_users", "period": "2021-22", "age_band": "all", "region": "england",
             "sort": "mental_health"}
    view = views.resolve_view(asked, CATALOGUE, REGIONS)
    assert view.query() == "?measure=sds_users&period=2021-22&age_band=all&region=england&sort=mental_health"
    assert views.resolve_view(dict(page.urllib.parse.parse_qsl(view.query()[1:])), CATALOGUE, REGIONS) == view


def test_the_readers_council_is_kept_in_the_url_and_chooses_the_region_shown():
    # Named by code or by name; with no region asked for, the council's own region is shown.
    for named in ("E08000012", "liverpool"):
        view = views.resolve_view({"council": named}, CATALOGUE, REGIONS, councils=COUNCILS)
        assert (view.council, view.region) == ("E08000012", "E12000002")
    assert view.query() == ("?measure=sds_users&period=2011-12&age_band=18-64&region=E12000002&sort=area"
                            "&council=E08000012")
    # A region asked for wins; an unknown council is dropped, not guessed.
    asked = views.resolve_view({"council": "E08000012", "region": "england"}, CATALOGUE, REGIONS, councils=COUNCILS)
    assert (asked.council, asked.region) == ("E08000012", "england")
    unknown = views.resolve_view({"council": "Atlantis"}, CATALOGUE, REGIONS, councils=COUNCILS)
    assert (unknown.council, unknown.region) == (None, "E12000001") and "council" not in unknown.query()


def test_invalid_values_fall_back_and_only_client_group_views_are_offered():
    view = views.resolve_view({"measure": "pb_eligible", "period": "2020-21", "age_band": "x", "region": "<b>",
                               "sort": "nothing"}, CATALOGUE, REGIONS)
    assert view == views.ClientGroupView("sds_users", "2011-12", "18-64", "E12000001", "area")
    options = views.options_for_view(CATALOGUE, view)
    # England-only years need councils' totals to draw a table; a region-only figure is not a view.
    assert options["measure"] == ["sds_users", "lts_clients"]
    assert options["period"] == ["2011-12", "2021-22"]
    assert options["age_band"] == ["18-64"]
    assert options["sort"] == [("area", "Area name (A to Z)"),
                               ("all", "All client groups, all adults (18+) (highest first)"),
                               ("mental_health", "Mental health (18-64) (highest first)")]
    # Columns published for England only are drawn, but sorting councils by them sorts nothing:
    # not offered, though a URL naming one still opens.
    assert views.resolve_view({"sort": "physical"}, CATALOGUE, REGIONS).sort == "physical"


def test_columns_put_all_client_groups_first_then_groups_councils_have():
    columns = views.columns_for(CATALOGUE, "sds_users", "2011-12", "18-64")
    assert [(c.key, c.age_band, c.client_group) for c in columns] == [
        ("all", "all", "all"), ("mental_health", "18-64", "mental_health"),
        ("physical", "18-64", "physical"), ("learning_disability", "18-64", "learning_disability")]
    same_band = views.columns_for(CATALOGUE, "sds_users", "2021-22", "18-64")
    assert [(c.label, c.age_band) for c in same_band] == [("All client groups", "18-64"), ("Mental health", "18-64")]


COLUMNS = [views.Column("all", "all", "all", "All client groups, all adults (18+)"),
           views.Column("mental_health", "18-64", "mental_health", "Mental health (18-64)")]
ROWS = pd.DataFrame([
    # code, name, type, band, group, value, status, note, gap, compared, gap interval
    ("E06000005", "Darlington", "council", "all", "all", 42.5, "published", None, -0.5, "similar", -2.2, 1.1),
    ("E06000005", "Darlington", "council", "18-64", "mental_health", 19.0, "published",
     "Published 19% is further from the counts' ratio.", 4.4, "similar", -0.3, 7.2),
    ("E08000037", "Gateshead", "council", "all", "all", 43.7, "published", None, 0.7, "similar", -0.7, 2.0),
    ("E08000037", "Gateshead", "council", "18-64", "mental_health", 41.3, "published",
     "Published 41.3% differs.", 26.7, "higher", 21.4, 33.6),
    ("E06000001", "Hartlepool", "council", "18-64", "mental_health", None, "suppressed",
     "Published 41.3% differs.", None, None, None, None),
    ("E12000001", "North East", "region", "all", "all", 43.6, "published", None, 0.6, "higher", 0.3, 0.9),
    ("E92000001", "England", "country", "all", "all", 43.0, "published", None, None, None, None, None),
    ("E92000001", "England", "country", "18-64", "mental_health", 14.6, "published", None, None, None, None, None),
    ("E12000001", "North East", "region", "65+", "all", 50.0, "published", None, None, None, None, None),
], columns=["area_code", "area_name", "area_type", "age_band", "client_group", "value", "value_status", "note",
            "gap", "compared_with_england", "gap_lower_95", "gap_upper_95"])
AREAS = pd.concat([ROWS[["area_code", "area_name", "area_type"]],
                   pd.DataFrame([("E06000002", "Middlesbrough", "council")],
                                columns=["area_code", "area_name", "area_type"])])


def test_councils_sort_by_name_or_by_a_column_with_comparators_last():
    cells = views.cells_by_area(ROWS, COLUMNS)
    assert ("E12000001", "all") in cells and len(cells) == 8          # the 65+ row is no column's
    by_name = views.arrange(AREAS, cells, "area")
    assert list(by_name["area_name"]) == ["Darlington", "Gateshead", "Hartlepool", "Middlesbrough",
                                          "North East", "England"]
    by_mental_health = views.arrange(AREAS, cells, "mental_health")
    # Suppressed and absent values go last, by name.
    assert list(by_mental_health["area_name"]) == ["Gateshead", "Darlington", "Hartlepool", "Middlesbrough",
                                                   "North East", "England"]


def test_table_cells_show_value_gap_significance_notes_and_missing_figures():
    cells = views.cells_by_area(ROWS, COLUMNS)
    areas = views.arrange(AREAS, cells, "mental_health")
    table, notes = views.client_group_table(areas, cells, COLUMNS, caption="Table 3", unit="percent",
                                           polarity="higher_is_better", sort="mental_health")
    head, body = table["props"]["children"][1], table["props"]["children"][2]
    headers = head["props"]["children"]["props"]["children"]
    assert [text_of(h) for h in headers] == ["Area", "Code", "All client groups, all adults (18+)",
                                             "Mental health (18-64)"]
    assert [h["props"].get("aria-sort") for h in headers] == [None, None, None, "descending"]
    assert all(h["props"]["scope"] == "col" for h in headers)
    rows = {text_of(r["props"]["children"][0]): [text_of(c) for c in r["props"]["children"][1:]]
            for r in body["props"]["children"]}
    assert rows["Gateshead"] == ["E08000037", "43.7% +0.7 pts \u25cf similar", "41.3% \u20201 +26.7 pts \u25b2 higher"]
    assert rows["Darlington"] == ["E06000005", "42.5% -0.5 pts \u25cf similar", "19.0% \u20202 +4.4 pts \u25cf similar"]
    # The same note text keeps its number; a suppressed value says so; no row says "no data".
    assert rows["Hartlepool"] == ["E06000001", "no data", "suppressed \u20201"]
    assert rows["Middlesbrough"] == ["E06000002", "no data", "no data"]
    assert rows["North East"] == ["E12000001", "43.6% +0.6 pts \u25b2 higher", "no data"]
    assert rows["England"] == ["E92000001", "43.0%", "14.6%"]                 # no gap to itself
    assert notes == [(1, "Published 41.3% differs."), (2, "Published 19% is further from the counts' ratio.")]
    gap = body["props"]["children"][0]["props"]["children"][3]["props"]["children"][-1]
    assert gap["props"]["title"] == "better than England; gap 95% interval +21.4 to +33.6 points"


def test_the_readers_council_is_marked_and_its_profile_link_keeps_it():
    cells = views.cells_by_area(ROWS, COLUMNS)
    table, _ = views.client_group_table(views.arrange(AREAS, cells, "area"), cells, COLUMNS, caption="c",
                                        unit="percent", polarity="higher_is_better", sort="area",
                                        highlight="E08000037")
    rows = table["props"]["children"][2]["props"]["children"]
    marked = [r for r in rows if "highlight" in r["props"]["className"].split()]
    assert [text_of(r["props"]["children"][0]) for r in marked] == ["\u25c6 Gateshead (your council)"]
    link = marked[0]["props"]["children"][0]["props"]["children"]
    assert link["props"]["href"] == "/area/E08000037?council=E08000037"
    darlington = rows[0]["props"]["children"][0]["props"]["children"]
    assert darlington["props"]["href"] == "/area/E06000005?council=E08000037"
    boxed = views.table_in_box(table, label="Data")
    # Four councils: nothing folds, so no "Show all"; the box scrolls, focusable and named.
    box = boxed["props"]["children"]
    assert (box["props"]["className"], box["props"]["tabIndex"], box["props"]["aria-label"]) == ("table-box", 0, "Data")


def test_a_long_list_of_councils_folds_between_the_first_and_last_ten_but_keeps_the_readers():
    names = [f"Council {n:02d}" for n in range(30)]
    areas = pd.DataFrame({"area_code": [f"E060000{n:02d}" for n in range(30)], "area_name": names,
                          "area_type": "council"})
    table, _ = views.client_group_table(areas, {}, COLUMNS, caption="c", unit="percent",
                                        polarity="higher_is_better", sort="area", highlight="E06000015")
    classes = [r["props"]["className"].split() for r in table["props"]["children"][2]["props"]["children"]]
    folded = [n for n, c in enumerate(classes) if "extra" in c]
    assert folded == [n for n in range(10, 20) if n != 15] and "highlight" in classes[15]
    boxed = views.table_in_box(table, label="Data")
    toggle, box = boxed["props"]["children"]
    assert toggle["type"] == "Details" and box["props"]["className"] == "table-box"
    assert text_of(toggle) == "Show all 30 councils (9 more between the first and last 10)"


def test_count_measures_show_counts_without_gaps():
    counts = ROWS.assign(value=[1295.0, 150.0, 735.0, 90.0, None, 9000.0, 60000.0, 6000.0, 1.0])
    cells = views.cells_by_area(counts, COLUMNS)
    table, _ = views.client_group_table(views.arrange(AREAS, cells, "area"), cells, COLUMNS, caption="c",
                                       unit="count", polarity="none", sort="area")
    first = table["props"]["children"][2]["props"]["children"][0]
    assert [text_of(c) for c in first["props"]["children"]] == ["Darlington", "E06000005", "1,295", "150 \u20201"]


def test_dot_chart_has_a_trace_per_group_england_lines_in_the_legend_and_a_text_alternative():
    cells = views.cells_by_area(ROWS, COLUMNS)
    areas = views.arrange(AREAS, cells, "area")
    values, england = views.chart_frames(areas, cells, COLUMNS)
    assert list(values["area_name"]) == ["Darlington", "Gateshead", "Darlington", "Gateshead"]
    assert list(england["value"]) == [43.0, 14.6]
    figure = dot_chart(values, england, order=list(areas["area_name"]))
    go.Figure(figure.to_dict())            # built unvalidated for speed: every property must be valid
    markers = [t for t in figure.data if t.mode == "markers"]
    # Legend entries wrap at 30 characters: Plotly never wraps them, and a phone is 390 px wide.
    assert [(t.name, list(t.y), list(t.x)) for t in markers] == [
        ("All client groups, all adults<br>(18+)", ["Darlington", "Gateshead"], [42.5, 43.7]),
        ("Mental health (18-64)", ["Darlington", "Gateshead"], [19.0, 41.3])]
    assert markers[0].marker.symbol != markers[1].marker.symbol            # shape, not colour alone
    connector = [t for t in figure.data if t.mode == "lines" and t.yaxis != "y2"][0]
    assert list(connector.x) == [19.0, 42.5, None, 41.3, 43.7, None]
    assert list(figure.layout.yaxis.categoryarray) == ["Gateshead", "Darlington"]   # first at the top
    assert list(figure.layout.yaxis.range) == [-0.5, 1.5]                   # no empty rows above or below
    # England's values: dashed lines the plot's full height, named in the legend, not over the plot
    # (a label there ran off a phone's screen); no title inside the chart (the page prints it).
    england_lines = [t for t in figure.data if t.yaxis == "y2"]
    assert [(list(t.x), list(t.y), t.line.dash, t.name) for t in england_lines] == [
        ([43.0, 43.0], [0, 1], "dash", "England, all client groups,<br>all adults (18+): 43.0%"),
        ([14.6, 14.6], [0, 1], "dash", "England, mental health<br>(18-64): 14.6%")]
    assert england_lines[1].line.color == markers[1].marker.color
    assert list(figure.layout.yaxis2.range) == [0, 1] and figure.layout.yaxis2.overlaying == "y"
    assert figure.layout.annotations == () and figure.layout.shapes == () and figure.layout.title.text is None
    assert (figure.layout.legend.yref, figure.layout.legend.y, figure.layout.legend.yanchor) == ("container", 1, "top")
    assert figure.layout.xaxis.title.text == "Percentage"
    text = describe_dots(values, england, what="uptake by client group")
    assert text == ("Dot chart of uptake by client group for 2 councils: one marker per client group "
                    "(all client groups, all adults (18+), mental health (18-64)). England's value for each "
                    "is a dashed line: all client groups, all adults (18+) 43.0%; mental health (18-64) 14.6%. "
                    "All client groups, all adults (18+): highest Gateshead (43.7%), lowest Darlington (42.5%). "
                    "Mental health (18-64): highest Gateshead (41.3%), lowest Darlington (19.0%). Mental health "
                    "(18-64) is below all client groups, all adults (18+) in 2 of 2 councils.")
    counts = dot_chart(values, england, order=list(areas["area_name"]), unit="count")
    assert [t for t in counts.data if t.yaxis == "y2"] == []                 # no England line for counts
    assert counts.layout.xaxis.title.text == "Number of people"


def test_the_readers_council_is_named_and_banded_in_the_chart():
    cells = views.cells_by_area(ROWS, COLUMNS)
    areas = views.arrange(AREAS, cells, "area")
    values, england = views.chart_frames(areas, cells, COLUMNS)
    figure = dot_chart(values, england, order=list(areas["area_name"]), highlight="Gateshead")
    go.Figure(figure.to_dict())
    # The label wraps (16 characters a line) so the names leave a phone's plot room.
    mine = "\u25c6 Gateshead<br>(your council)"
    assert list(figure.layout.yaxis.categoryarray) == [mine, "Darlington"]
    markers = [t for t in figure.data if t.mode == "markers"]
    assert all(list(t.y) == ["Darlington", mine] for t in markers)
    # A band in the highlight colour behind its row: Gateshead, listed last, is the bottom row (category 0).
    band = figure.layout.shapes[0]
    assert (band.fillcolor, band.yref, band.y0, band.y1, band.xref) == (HIGHLIGHT_COLOUR, "y", -0.5, 0.5, "paper")
    assert len(figure.layout.shapes) == 1
    # A council not drawn (or none given) marks nothing.
    assert dot_chart(values, england, order=list(areas["area_name"]), highlight="Leeds").layout.shapes == ()


def test_the_callbacks_plain_dot_chart_is_the_figure_dot_chart_draws_and_is_valid():
    cells = views.cells_by_area(ROWS, COLUMNS)
    areas = views.arrange(AREAS, cells, "area")
    values, england = views.chart_frames(areas, cells, COLUMNS)
    for unit, highlight in (("percent", "Gateshead"), ("count", None), ("gbp_thousands", "Darlington")):
        spec = dot_chart_spec(values, england, order=list(areas["area_name"]), unit=unit, highlight=highlight)
        figure = dot_chart(values, england, order=list(areas["area_name"]), unit=unit, highlight=highlight)
        assert spec == figure.to_plotly_json()              # what the page sends, as the figure serialises
        assert spec["layout"]["template"] == go.Figure().to_plotly_json()["layout"]["template"]
        assert go.Figure(spec).layout.height == spec["layout"]["height"]       # every property valid


def test_cells_are_the_rows_records_and_arrange_sorts_as_pandas_does():
    cells = views.cells_by_area(ROWS, COLUMNS)
    records = ROWS.reindex(columns=views.CELL_FIELDS).to_dict("records")
    expected = {(r["area_code"], "all" if r["client_group"] == "all" else r["client_group"]): r for r in records
                if (r["age_band"], r["client_group"]) in {(c.age_band, c.client_group) for c in COLUMNS}}
    assert cells.keys() == expected.keys()
    assert all(str(cells[key]) == str(expected[key]) for key in cells)      # same values, NaN included
    # Names folding alike, a council without a value, and a duplicated area.
    areas = pd.DataFrame([("E2", "b council", "council"), ("E1", "B Council", "council"), ("R1", "Zed", "region"),
                          ("E3", "a council", "council"), ("E1", "B Council", "council"), ("R2", "Alpha", "region"),
                          ("E92000001", "England", "country")], columns=["area_code", "area_name", "area_type"])
    by_name = views.arrange(areas, {}, "area")
    assert list(by_name["area_code"]) == ["E3", "E2", "E1", "R2", "R1", "E92000001"]
    valued = {("E1", "all"): {"value": 5.0}, ("E2", "all"): {"value": 5.0}, ("E3", "all"): {"value": None}}
    by_value = views.arrange(areas, valued, "all")
    assert list(by_value["area_code"]) == ["E1", "E2", "E3", "R2", "R1", "E92000001"]   # ties by name
    assert list(by_value.index) == list(range(6))


def test_the_offer_indexes_the_catalogue_as_the_page_reads_it():
    offer = views.Offer.of(CATALOGUE)
    # Views drawn: a year with councils' values and a client-group breakdown (2020-21 has none;
    # dp_recipients no councils; pb_eligible neither councils nor England).
    assert {m: sorted(years) for m, years in offer.eligible.items()} == {
        "sds_users": ["2011-12", "2021-22"], "lts_clients": ["2021-22"]}
    assert offer.measures == ("sds_users", "lts_clients")
    assert [c.key for c in offer.columns("sds_users", "2011-12", "18-64")] == [
        "all", "mental_health", "physical", "learning_disability"]
    assert [c.key for c in offer.sortable_columns("sds_users", "2011-12", "18-64")] == ["all", "mental_health"]
    by_region = pd.DataFrame([("sds_users", "2011-12", "18-64", "mental_health", "E12000002", 3)],
                             columns=["measure_id", "period", "age_band", "client_group", "region_code", "councils"])
    regional = views.Offer.of(CATALOGUE, by_region)
    # In the North West only mental health has councils' values; England's figures stay.
    assert regional.scoped("sds_users", "2011-12", "E12000002")[("18-64", "mental_health")] == (3, True)
    assert regional.scoped("sds_users", "2011-12", "E12000002")[("all", "all")] == (0, True)
    assert [c.key for c in regional.sortable_columns("sds_users", "2011-12", "18-64", "E12000002")] == [
        "mental_health"]
    assert regional.regions_with_data("sds_users", "2011-12", ["18-64"], REGIONS) == ["E12000002"]
    assert regional.bands_with_data("sds_users", "2011-12", "E12000001", ["18-64"]) == []
    missing = CATALOGUE.assign(has_england=CATALOGUE["has_england"].astype(object))
    missing.loc[missing["measure_id"] == "dp_recipients", "has_england"] = None     # unknown: not England's
    assert "dp_recipients" not in views.Offer.of(missing).eligible


def test_a_flagged_cell_carries_its_caveat_and_is_not_compared():
    flagged = ROWS.copy()
    flagged["quality_flag"] = None
    flagged["quality_note"] = None
    gateshead = (flagged["area_name"] == "Gateshead") & (flagged["client_group"] == "mental_health")
    flagged.loc[gateshead, ["quality_flag", "quality_note", "compared_with_england"]] = [
        "sds_equals_dp", "Reported equal to direct payments.", "not_compared"]
    cells = views.cells_by_area(flagged, COLUMNS)
    table, notes = views.client_group_table(views.arrange(AREAS, cells, "area"), cells, COLUMNS, caption="c",
                                           unit="percent", polarity="higher_is_better", sort="area")
    rows = {text_of(r["props"]["children"][0]): [text_of(c) for c in r["props"]["children"][1:]]
            for r in table["props"]["children"][2]["props"]["children"]}
    # The value, the caveat mark, its numbered note (the caveat first, then the other note), the gap
    # without a significance symbol: a warning sign and the words instead.
    assert rows["Gateshead"][2] == "41.3% \u26a0 \u20202 +26.7 pts \u26a0 not compared"
    assert notes[1] == (2, "\u26a0 Reported equal to direct payments. Published 41.3% differs.")
    # Hartlepool's suppressed cell has the same plain note, but no caveat: a note of its own.
    assert rows["Hartlepool"][2] == "suppressed \u20203" and notes[2] == (3, "Published 41.3% differs.")


def test_money_cells_read_in_pounds_and_the_method_says_there_is_no_interval():
    money = ROWS.assign(value=[4398.0, 117.0, 2828.0, 240.0, None, 57088.25, 1371654.06, 65477.21, 1.0])
    cells = views.cells_by_area(money, COLUMNS)
    table, _ = views.client_group_table(views.arrange(AREAS, cells, "area"), cells, COLUMNS, caption="c",
                                       unit="gbp_thousands", polarity="none", sort="area")
    body = table["props"]["children"][2]["props"]["children"]
    assert [text_of(c) for c in body[0]["props"]["children"]] == ["Darlington", "E06000005", "\u00a34,398k",
                                                                 "\u00a3117k \u20201"]
    assert [text_of(c) for c in body[-1]["props"]["children"]][2:] == ["\u00a31,371,654k", "\u00a365,477k"]
    assert views.method_for("gbp_thousands", money) == views.MONEY_METHOD
    assert views.method_for("count", money) == views.COUNT_METHOD
    shares = ROWS.assign(lower_95=None)          # a share of money: no counts, so no intervals
    assert views.method_for("percent", shares) == views.NO_INTERVAL_METHOD
    assert views.method_for("percent", ROWS.assign(lower_95=1.0)) == views.METHOD
    values, england = views.chart_frames(views.arrange(AREAS, cells, "area"), cells, COLUMNS)
    figure = dot_chart(values, england, order=["Darlington", "Gateshead"], unit="gbp_thousands")
    go.Figure(figure.to_dict())
    assert (figure.layout.xaxis.tickprefix, figure.layout.xaxis.ticksuffix) == ("\u00a3", "k")
    assert figure.layout.xaxis.title.text == "Thousands of pounds"
    markers = [t for t in figure.data if t.mode == "markers"]
    assert list(markers[0].text) == ["\u00a34,398k", "\u00a32,828k"] and "%{text}" in markers[0].hovertemplate


def test_a_long_list_of_notes_folds_and_a_short_one_does_not():
    short = views._notes([(1, "One.")])
    assert short.children[0].children == "Notes on values"
    long = views._notes([(n, f"Note {n}.") for n in range(1, views.FOLDED_NOTES + 2)])
    details = long.children[0]
    assert details.children[0].children == f"Notes on values ({views.FOLDED_NOTES + 1})"
    assert details.children[2].children[-1].id == f"client-groups-note-{views.FOLDED_NOTES + 1}"


def test_population_base_is_read_from_the_note():
    assert population_base(["T. Per head of the population aged 18-64.", None]) == "the population aged 18-64"
    assert population_base(["Spend per capita of all residents; 2011 census"]) == "all residents"
    assert population_base(["Working-age adults"]) == "Working-age adults"
    assert population_base([None, float("nan")]) is None


def test_investment_scatter_names_the_population_base_on_its_axis():
    points = pd.DataFrame({"area_name": ["A", "B", "C", "England"], "area_type": ["council"] * 3 + ["country"],
                           "investment": [100.0, 200.0, 300.0, 220.0], "uptake": [10.0, 20.0, 35.0, 14.6]})
    figure = investment_scatter(points, uptake_label="Uptake (%)", base="adults aged 18-64")
    # Wrapped so a phone shows it whole; the title is the page's text, not the chart's.
    assert figure.layout.xaxis.title.text == ("Investment in adult mental health<br>services, \u00a3 per head of "
                                              "adults aged<br>18-64")
    assert figure.layout.title.text is None and figure.layout.legend.yanchor == "top"
    assert [t.name for t in figure.data] == ["Council", "England"]
    text = describe_investment(points, period="2011-12", uptake_label="Uptake", base="adults aged 18-64")
    assert text.startswith("Scatter of uptake against investment in adult mental health services per head of "
                           "adults aged 18-64, 2011-12, for 4 areas. Investment ranges from \u00a3100.00 (A) to "
                           "\u00a3300.00 (C); uptake from 10.0% (A) to 35.0% (C).")
    assert "Correlation (Pearson r): 0.89, a description of these areas, not evidence of cause." in text


INVESTMENT_CSV = """\
# title: Test survey of investment in adult mental health services
# publisher: Test publisher
# period: 2011-12
# licence: Open Government Licence v3.0
# transcription: Test figures
publication,period,area,measure_id,age_band,client_group,numerator,denominator,value,unit,note
Test,2011-12,Darlington,sds_users,18-64,mental_health,70,395,19.0,percent,
Test,2011-12,Gateshead,sds_users,18-64,mental_health,105,250,41.3,percent,
Test,2011-12,England,sds_users,18-64,mental_health,21050,144030,14.6,percent,
Test,2011-12,Darlington,mh_investment_per_head,18-64,all,,,180.5,gbp_per_head,Per head of the population aged 18-64
Test,2011-12,Gateshead,mh_investment_per_head,18-64,all,,,210.25,gbp_per_head,Per head of the population aged 18-64
Test,2011-12,England,mh_investment_per_head,18-64,all,,,230,gbp_per_head,Per head of the population aged 18-64
"""


@pytest.fixture(scope="module")
def investment_db(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("investment") / "raw"
    raw.mkdir()
    (raw / "investment.csv").write_text(INVESTMENT_CSV, encoding="utf-8")
    db_path = raw.parent / "uptake.duckdb"
    build([raw], db_path)
    return db_path


def test_investment_section_draws_uptake_against_investment_when_loaded(investment_db, monkeypatch):
    monkeypatch.setattr(context, "_warehouse", Warehouse(investment_db))
    parts, sources = page.investment_section("2011-12")
    title, graph, caption = parts[1].children
    figure = graph.figure
    assert figure.layout.xaxis.title.text == ("Investment in adult mental health<br>services, \u00a3 per head of "
                                              "the population<br>aged 18-64")
    assert figure.layout.yaxis.title.text == "Receiving self-directed support (%)"
    assert title.children == ("Self-directed support (adults aged 18-64, mental health) against "
                              "investment in mental health services, 2011-12")
    council = [t for t in figure.data if t.name == "Council"][0]
    assert sorted(zip(council.text, council.x, council.y)) == [("Darlington", 180.5, 19.0), ("Gateshead", 210.25, 41.3)]
    # The text alternative waits in a native <details>.
    details = caption.children
    assert type(details).__name__ == "Details" and details.children[0].children == "The chart in words"
    assert details.children[1].children.startswith(
        "Scatter of self-directed support (adults aged 18-64, mental health) against investment in adult "
        "mental health services per head of the population aged 18-64, 2011-12, for 3 areas.")
    table = text_of(parts[2])
    assert parts[2].className == "table-box" and parts[2].children.id == "investment-table"
    assert "England E92000001 \u00a3230.00 14.6%" in table and "Gateshead E08000037 \u00a3210.25 41.3%" in table
    assert sources == {"investment"}


def test_without_investment_figures_the_page_says_so_in_words_and_links_the_sources(investment_db, monkeypatch):
    monkeypatch.setattr(context, "_warehouse", Warehouse(investment_db))
    parts, sources = page.investment_section("2010-11", council="E08000037")
    said = text_of(parts[1])
    assert said.startswith("No figures on investment in adult mental health services are loaded for 2010-11. "
                           "They come from the Department of Health's National Survey of Investment in Adult "
                           "Mental Health Services")
    # No internal commands or file names for the public; the link keeps the reader's council.
    assert "python" not in said and "template" not in said and ".csv" not in said and sources == set()
    link = parts[1].children[1]
    assert (link.children, link.href) == ("Sources and methods lists every publication loaded",
                                          "/sources?council=E08000037")


def test_sources_table_and_an_absent_build_report(tmp_path):
    sources = pd.DataFrame([{"source_id": "s", "file_name": "../shared/realdata/ascof/a.csv", "layout_id": "l",
                             "title": "T", "publisher": "P", "cites": None, "period": "2014-15",
                             "licence": "OGL", "transcription": None, "sha256": "ab" * 32, "rows_loaded": 2268}])
    table = sources_table(sources, "b1")
    assert text_of(table.children[0]) == "The 1 publications loaded in this build (build b1)."
    # The publication, not its file: the file's name and checksum are listed under the files read.
    row = table.children[2].children[0]
    assert [text_of(c) for c in row.children] == ["T", "2014-15", "P", "Not known", "OGL", "2,268"]
    missing = build_report_section(tmp_path / "build_report.md", "b1")
    assert text_of(missing[1]) == "No build report was found beside the database: the next rebuild of the data writes one."


# ---- charts as data: the client-groups view ---------------------------------------------------

TABLE_3_QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&region=E12000001&sort=mental_health"


from tests.wire_reading import find  # noqa: E402


@pytest.fixture
def bundled_app(bundled_db):
    from dashboards import create_app
    return create_app(bundled_db)


def test_download_is_every_cell_of_the_table_in_its_order(bundled_app):
    import io

    from dashboards.figures import format_value

    response = bundled_app.server.test_client().get("/download/client-groups.csv" + TABLE_3_QUERY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = pd.read_csv(io.StringIO(response.data.decode()), dtype={"period": str})
    query = dict(page.urllib.parse.parse_qsl(TABLE_3_QUERY[1:]))
    layout = page.layout(**query)
    assert find(layout, "client-groups-download-csv").href == "/download/client-groups.csv" + TABLE_3_QUERY
    table = find(layout, "client-groups-table")
    head, body = table["props"]["children"][1], table["props"]["children"][2]
    labels = [text_of(h) for h in head["props"]["children"]["props"]["children"]][2:]
    shown = [[text_of(c) for c in r["props"]["children"]] for r in body["props"]["children"]]
    # The table's areas, in its order (sorted by mental health, then the region and England).
    assert list(dict.fromkeys(rows["area_code"])) == [row[1] for row in shown]
    assert [row[0] for row in shown[:3]] == ["Gateshead", "Hartlepool", "South Tyneside"]
    assert shown[-2][0] == "North East" and shown[-1][0] == "England"
    column_of = {("all", "all"): 0, ("18-64", "mental_health"): 1, ("18-64", "physical"): 2,
                 ("18-64", "learning_disability"): 3}
    assert labels == ["All client groups, all adults (18+)", "Mental health (18-64)",
                      "Physical disability or support (18-64)", "Learning disability (18-64)"]
    downloaded = {(r.area_code, column_of[(r.age_band, r.client_group)]): r.value for r in rows.itertuples()}
    for row in shown:
        for column, cell in enumerate(row[2:]):
            value = downloaded.get((row[1], column))
            # Every cell with a value is a downloaded row with that value; every empty cell has none.
            assert (cell.split()[0] if value is not None else cell) == \
                (format_value(value, "percent") if value is not None else "no data"), (row[0], column, cell)
    assert len(rows) == 30 and set(rows["period"]) == {"2011-12"} and set(rows["measure_id"]) == {"sds_users"}
    darlington = rows[(rows["area_code"] == "E06000005") & (rows["client_group"] == "mental_health")].iloc[0]
    assert (darlington["value"], darlington["numerator"], darlington["denominator"]) == (19.0, 70, 395)


def test_about_sheet_refusals_and_a_region_without_figures(bundled_app):
    import io

    from openpyxl import load_workbook

    from dashboards.charts import ChartRequestError, chart_for

    client = bundled_app.server.test_client()
    about = dict(load_workbook(io.BytesIO(client.get("/download/client-groups.xlsx" + TABLE_3_QUERY).data))
                 ["about"].values)
    assert about["Title"] == ("Adults receiving self-directed support: By client group, adults aged 18-64 "
                              "(all adults (18+) for all client groups), 2011-12, councils in North East")
    assert about["Query URL"].endswith("/client-groups" + TABLE_3_QUERY)
    assert about["Method"].startswith("Gap: the area's value minus England's for the same client group")
    assert "Mental health (18-64): highest Gateshead (41.3%), lowest Northumberland (4.7%)" in about["Description"]
    response = client.get("/download/client-groups.csv?measure=made_up")
    assert response.status_code == 400 and "measure='made_up' is not available" in response.get_json()["error"]
    for query, words in (({"measure": "made_up"}, "measure='made_up'"), ({"region": "E12999999"}, "region="),
                         ({"client_group": "mental_health"}, "Unknown parameter")):
        with pytest.raises(ChartRequestError) as refused:
            chart_for("client-groups", query)
        assert refused.value.status == 400 and words in refused.value.message
    # A region whose councils have no figure that year is not offered: a URL naming it is refused
    # naming the region and the nearest view; the page shows the nearest view and says why.
    with pytest.raises(ChartRequestError) as refused:
        chart_for("client-groups", {"measure": "sds_users", "period": "2011-12", "region": "E12000007"})
    assert refused.value.status == 400
    assert refused.value.message.startswith("region='E12000007' is not available for this view (the nearest "
                                            "view uses region='E12000001')")
    layout = page.layout(region="E12000007")
    assert text_of(find(layout, "client-groups-region-message")) == (
        "No council in London has figures for adults receiving self-directed support by client group in "
        "2011-12: showing North East.")
    assert "None of the councils" not in text_of(layout)
    assert [o["value"] for o in find(layout, "client-groups-region").options] == ["england", "E12000001"]


def test_a_chart_url_with_the_readers_council_highlights_it_everywhere_it_is_drawn(bundled_app):
    from dashboards.charts import ChartRequestError, chart_for

    with bundled_app.server.test_request_context():
        chart = chart_for("client-groups", {"measure": "sds_users", "period": "2011-12", "council": "gateshead"})
        # By name or code; the canonical URL (embed, image, download) carries the code.
        assert chart.resolved["council"] == "E08000037" and chart.resolved["region"] == "E12000001"
        assert chart.url("embed").endswith("&council=E08000037")
        assert chart.subtitle.endswith("councils in North East, Gateshead highlighted")
        assert "\u25c6 Gateshead<br>(your council)" in chart.figure.layout.yaxis.categoryarray
        with pytest.raises(ChartRequestError) as refused:
            chart_for("client-groups", {"council": "Atlantis"})
        assert refused.value.status == 400 and "council='Atlantis' is not a council" in refused.value.message
    layout = page.layout(council="E08000037")
    table = find(layout, "client-groups-table")
    rows = table["props"]["children"][2]["props"]["children"]
    marked = [r for r in rows if "highlight" in r["props"]["className"]]
    assert [text_of(r["props"]["children"][0]) for r in marked] == ["\u25c6 Gateshead (your council)"]
    unknown = find(page.layout(council="Atlantis"), "client-groups-council-message")
    assert text_of(unknown) == "No council is called or has the code \u201cAtlantis\u201d, so none is marked."


def test_outside_the_region_shown_the_page_says_where_the_readers_council_is(full_db, monkeypatch):
    monkeypatch.setattr(context, "_warehouse", Warehouse(full_db[0]))
    layout = page.layout(measure="lts_clients", period="2021-22", region="E12000002", council="E08000037")
    note = find(layout, "client-groups-council-note")
    assert text_of(note) == ("\u25c6 Gateshead (your council) is not among the councils shown: show the councils "
                             "in North East .")
    assert note.children[1].href == ("/client-groups?measure=lts_clients&period=2021-22&age_band=all"
                                     "&region=E12000001&sort=area&council=E08000037")
    assert "highlighted" not in text_of(find(layout, "client-groups-title"))
