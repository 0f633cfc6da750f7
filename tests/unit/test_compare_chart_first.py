"""The Compare page's chart, built from the full build's real rows: counts are ranked without
England's total, percentages print one decimal, the nine regions rank against England, the
reader's council is marked by colour and label, ties share a rank, and similar councils
without a council ask for one."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboards.charts import ChartRequestError
from dashboards.figures import HIGHLIGHT_COLOUR, HIGHLIGHT_OUTLINE, highlight_label
from dashboards.state import Selection, rate_selection
from tests.wire_reading import find, wire_table_cells, wire_text

GATESHEAD, ENGLAND = "E08000037", "E92000001"
REGION_NAMES = {"North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
                "East of England", "London", "South East", "South West"}
# A percentage printed with more than one decimal, anywhere in text a reader sees.
LONG_PERCENT = re.compile(r"\d\.\d{2,}\s?%")


@pytest.fixture(scope="module")
def app(full_db):
    from dashboards import create_app

    return create_app(full_db[0])


@pytest.fixture(scope="module")
def page(app):
    from dashboards.pages import compare

    return compare


def text_of(node) -> str:
    """The visible text of a Dash component or a wire-form element."""
    if hasattr(node, "to_plotly_json"):
        return text_of(getattr(node, "children", None))
    if isinstance(node, (list, tuple)):
        return "".join(text_of(child) for child in node)
    return wire_text(node)


def chart(query: dict[str, str]):
    from dashboards.charts import chart_for

    return chart_for("compare", query)


def bar_names(figure) -> list[str]:
    return [name for trace in figure.data if trace.type == "bar" for name in trace.y]


def visible_text(figure) -> list[str]:
    """Every string the figure shows: labels, hovers (as printed), reference labels, ticks."""
    spec = figure.to_plotly_json()
    texts = [str(t) for trace in spec["data"] for t in (trace.get("text") or [])]
    texts += [str(row[3]) for trace in spec["data"] if trace.get("type") == "bar" for row in trace["customdata"]]
    return texts + [note["text"] for note in spec["layout"].get("annotations", [])]


def test_a_count_is_ranked_among_councils_without_an_england_bar_or_line(page):
    shown = chart({"measure": "dp_recipients", "period": "2011-12", "scope": "region", "region": "E12000001"})
    figure = shown.figure
    # Councils only: no England or North East total on the axis, no reference line or label.
    assert set(shown.rows["area_type"]) == {"council"} and len(shown.rows) == 12
    assert not {"England", "North East"} & set(bar_names(figure))
    assert [s for s in figure.layout.shapes if s.type == "line"] == [] and figure.layout.annotations == ()
    assert figure.layout.xaxis.range[1] < 2000             # the councils' scale, not England's ~130,000
    assert not figure.layout.showlegend                    # no "compared with England" key for a count
    assert [t.name for t in figure.data if t.type == "bar"] == ["councils' own figures"]
    assert "England:" not in shown.description and "not compared with England's or a region's total" in shown.description
    panel = page.compare_panel(page.view_for_url("?measure=dp_recipients&period=2011-12"),
                               page.resolve_view({})[4])
    assert text_of(find(panel, "compare-count-note")).startswith(
        "Counts and spending grow with an area's size, so areas are ranked among themselves and not compared "
        "with England's or a region's total. A rate per 100,000 adults needs population estimates for 2011-12")
    names = [cells[1] for cells in wire_table_cells(panel, "compare-table")]
    assert len(names) == 152 and "England" not in names


def test_a_counts_rate_is_offered_when_the_warehouse_has_it():
    catalogue = pd.DataFrame({"measure_id": ["dp_recipients", "dp_recipients_rate", "dp_recipients_rate"],
                              "period": ["2015-16", "2015-16", "2016-17"], "age_band": ["all", "all", "18-64"],
                              "client_group": ["all"] * 3, "councils": [150, 150, 150]})
    assert rate_selection(Selection("dp_recipients", "2015-16", "all", "all"), catalogue) == \
        Selection("dp_recipients_rate", "2015-16", "all", "all")
    assert rate_selection(Selection("dp_recipients", "2016-17", "all", "all"), catalogue) is None
    assert rate_selection(Selection("population", "2015-16", "all", "all"), catalogue) is None


def test_percentages_print_one_decimal_in_labels_hovers_lines_description_and_table(page):
    # 2021-22's England and regional values are derived from counts: 94.518797...% in the warehouse.
    query = "?measure=sds_users&period=2021-22&age_band=18-64&scope=region&region=E12000001"
    shown = chart(dict(pair.split("=") for pair in query[1:].split("&")))
    england = shown.rows.set_index("area_code").at[ENGLAND, "value"]
    assert round(england, 6) != round(england, 1)           # the raw value has more decimals
    texts = visible_text(shown.figure) + [shown.description]
    assert f"England {england:.1f}%" in texts
    assert [t for t in texts if LONG_PERCENT.search(t)] == []
    panel = page.compare_panel(page.view_for_url(query), page.resolve_view({})[4])
    cells = [cell for row in wire_table_cells(panel, "compare-table") for cell in row]
    assert f"{england:.1f}%" in cells
    assert [c for c in cells if LONG_PERCENT.search(c) or re.search(r"\d\.\d{2,} to", c)] == []


def test_regions_compared_ranks_the_nine_regions_against_england_with_intervals_and_significance(page):
    shown = chart({"measure": "sds_users", "period": "2020-21", "scope": "regions"})
    figure = shown.figure
    assert set(figure.layout.yaxis.categoryarray) == REGION_NAMES
    assert [a.text.split(" ")[0] for a in figure.layout.annotations] == ["England"]
    bars = {trace.name: list(trace.y) for trace in figure.data if trace.type == "bar"}
    assert sum(len(names) for names in bars.values()) == 9
    assert any(name.endswith("than England") for name in bars)           # significance from the gaps table
    assert all(trace.error_x.array is not None for trace in figure.data if trace.type == "bar")
    assert shown.subtitle == "All adults (18+), 2020-21, regions of England"
    assert "for 9 regions" in shown.description and shown.resolved["scope"] == "regions"
    panel = page.compare_panel(page.view_for_url("?measure=sds_users&period=2020-21&scope=regions"),
                               page.resolve_view({})[4])
    rows = wire_table_cells(panel, "compare-table")
    assert [r[0] for r in rows[:9]] != [""] * 9 and rows[0][0] in ("1", "=1")      # regions are ranked
    assert {r[1] for r in rows[:9]} == REGION_NAMES and rows[9][1] == "England"


def test_the_readers_council_is_one_bar_marked_by_colour_and_label_and_its_table_row(page):
    mark = highlight_label("Gateshead")
    query = "?measure=dp_users&period=2024-25&scope=neighbours&council=E08000037"
    shown = chart({"measure": "dp_users", "period": "2024-25", "scope": "neighbours", "council": "Gateshead"})
    figure = shown.figure
    names = bar_names(figure)
    assert names.count(mark) == 1 and "Gateshead" not in names and len(names) == 16
    assert list(figure.layout.yaxis.categoryarray).count(mark) == 1
    outlined = [(name, width) for trace in figure.data if trace.type == "bar"
                for name, width, colour in zip(trace.y, trace.marker.line.width, trace.marker.line.color)
                if width and colour == HIGHLIGHT_OUTLINE]
    assert outlined == [(mark, 3)]
    band = [s for s in figure.layout.shapes if s.type == "rect"]
    position = list(figure.layout.yaxis.categoryarray).index(mark)
    assert [(s.fillcolor, s.y0, s.y1) for s in band] == [(HIGHLIGHT_COLOUR, position - 0.5, position + 0.5)]
    assert "Gateshead (your council): 22.2%, rank" in shown.description
    assert shown.resolved["council"] == GATESHEAD            # embeds, images and downloads mark it too
    panel = page.compare_panel(page.view_for_url(query), page.resolve_view({})[4], "Gateshead")
    table = find(panel, "compare-table")["props"]["children"][2]["props"]["children"]
    marked = [row for row in table if "highlight" in row["props"]["className"].split()]
    assert len(marked) == 1 and wire_text(marked[0]["props"]["children"][1]) == mark
    assert text_of(find(panel, "compare-key")).endswith(mark)


def test_ties_share_a_rank_in_the_description(page):
    # 2024-25: 60 councils reported 100.0% self-directed support.
    shown = chart({"measure": "sds_users", "period": "2024-25"})
    top = shown.rows[shown.rows["area_type"] == "council"]["value"].round(1).eq(100.0).sum()
    assert top > 1
    assert f"Highest: {top} councils tied at 100.0%, sharing rank =1 (Barking and Dagenham, Barnet, Birmingham " \
           f"and {top - 3} more)" in shown.description


def test_similar_councils_without_a_council_ask_for_one_instead_of_showing_england(page):
    view = page.view_for_url("?scope=neighbours&measure=dp_users")
    panel = page.compare_panel(view, page.resolve_view({})[4])
    assert text_of(find(panel, "compare-needs-council")) == (
        "Choose your council in \u201cFind your council\u201d to see it beside its 15 most similar councils.")
    assert find(panel, "compare-chart") is None and find(panel, "compare-table") is None
    with pytest.raises(ChartRequestError, match="scope='neighbours' is not available without a council"):
        chart({"scope": "neighbours"})


def test_the_callback_keeps_the_view_when_a_council_is_typed_and_says_when_none_matches(page):
    outputs = dict(zip(["periods", "bands", "groups", "measure", "period", "age_band", "client_group", "scope",
                        "panel", "search"],
                       page.update_compare("dp_users", "2021-22", "18-64", "all", "england", None, "gateshead")))
    assert outputs["search"] == ("?measure=dp_users&period=2021-22&age_band=18-64&client_group=all&scope=england"
                                 "&council=E08000037")
    assert highlight_label("Gateshead") in find(outputs["panel"], "compare-figure").data["layout"]["yaxis"]["categoryarray"]
    # A fragment that names one council is that council; a name that is none keeps the view and says so.
    assert page.view_for_url("?council=gatesh").council == GATESHEAD
    unknown = dict(zip(outputs, page.update_compare("dp_users", "2021-22", "18-64", "all", "england", None,
                                                    "Atlantis")))
    assert unknown["search"] == "?measure=dp_users&period=2021-22&age_band=18-64&client_group=all&scope=england"
    assert text_of(find(unknown["panel"], "compare-council-message")).startswith("No council is called \u201cAtlantis\u201d")
