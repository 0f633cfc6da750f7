"""The Compare page in a real browser: bars, intervals, reference lines, table, the select
controls and the URL."""
from __future__ import annotations

import re

from ..etl.test_table3 import TABLE_3
from .conftest import assert_accessible

COUNCILS = [row for row in TABLE_3 if row[0].startswith(("E06", "E08"))]
NORTH_EAST_2011 = "/?scope=region&region=E12000001&period=2011-12"


def _expected_order(column: int) -> list[tuple[str, float]]:
    ranked = sorted(COUNCILS, key=lambda row: (-row[column][2], row[1]))
    return [(row[1], row[column][2]) for row in ranked]


def wait_for_chart(page, first_label: str):
    page.wait_for_function(
        "label => { const t = [...document.querySelectorAll('#compare-chart g.ytick text')];"
        " return t.length && t.sort((a, b) => a.getBoundingClientRect().y - b.getBoundingClientRect().y)"
        "[0].textContent === label; }", arg=first_label)


# Tick labels top to bottom, a wrapped one's lines joined by a space (a phone wraps long names).
TICKS = """() => [...document.querySelectorAll('#compare-chart g.ytick text')]
    .sort((a, b) => a.getBoundingClientRect().y - b.getBoundingClientRect().y)
    .map(t => { const lines = [...t.querySelectorAll('tspan.line')].map(l => l.textContent);
                return lines.length ? lines.join(' ') : t.textContent; })"""
LABELS = """() => [...document.querySelectorAll('#compare-chart g.scatterlayer g.textpoint text')]
    .sort((a, b) => a.getBoundingClientRect().y - b.getBoundingClientRect().y)
    .map(t => t.textContent.replace(/^\u00a0/, ''))"""


def tick_labels(page) -> list[str]:
    return page.evaluate(TICKS)


def bars_top_to_bottom(page) -> list[tuple[str, str]]:
    """(council, value label) pairs in screen order, read from the rendered SVG."""
    return list(zip(tick_labels(page), page.evaluate(LABELS)))


def description(page) -> str:
    """The chart's text alternative (inside a closed "Describe this chart" disclosure)."""
    return page.locator("#chart-description").text_content()


def choose(page, label: str, option: str) -> None:
    """Pick an option of the labelled native <select> by its visible text."""
    page.get_by_label(label, exact=True).select_option(label=option)


def key_text(page) -> str:
    return page.locator("#compare-key").inner_text()


def table_rows(page) -> list[list[str]]:
    rows = page.locator("#compare-table tbody tr").all()
    return [[cell.inner_text() for cell in row.locator("th, td").all()] for row in rows]


def references(page) -> list[str]:
    return sorted(t.text_content() for t in page.locator("#compare-chart g.annotation text").all())


def test_north_east_all_adults_bars_intervals_and_reference_lines(page, live_url):
    page.goto(live_url + NORTH_EAST_2011)
    expected = _expected_order(2)
    wait_for_chart(page, expected[0][0])
    bars = bars_top_to_bottom(page)
    assert [name for name, _ in bars] == [name for name, _ in expected]
    assert [label.split(" ")[0] for _, label in bars] == [f"{v:.1f}%" for _, v in expected]
    # Significance is in the label's symbol, not only the colour; a quality flag (Sunderland's
    # published 64.6% is further from its counts than rounding explains) in the caveat mark; the
    # note in a dagger.
    assert dict(bars)["Sunderland"] == "64.6% \u25b2 \u26a0 \u2020"
    assert dict(bars)["Stockton-on-Tees"] == "18.5% \u25bc"
    assert references(page) == ["England 43.0%", "North East 43.6%"]
    assert page.locator("#compare-chart .shapelayer path").count() == 2
    assert page.locator("#compare-chart g.errorbar").count() == 12
    # The key sits above the chart (Plotly's legend would be under the last bar).
    key = page.locator("#compare-key")
    assert key.bounding_box()["y"] < page.locator("#compare-chart").bounding_box()["y"]
    assert "\u25b2 better than England" in key_text(page) and "\u25bc worse than England" in key_text(page)
    assert page.console_errors == []


def test_table_rows_equal_the_bars_then_comparators(page, live_url):
    page.goto(live_url + NORTH_EAST_2011)
    expected = _expected_order(2)
    wait_for_chart(page, expected[0][0])
    rows = table_rows(page)
    bars = bars_top_to_bottom(page)
    assert [(r[1], r[3]) for r in rows[:12]] == [(name, label.replace(" \u25b2", "").replace(" \u25bc", "")
                                                  .replace(" \u25cf", "")) for name, label in bars]
    assert rows[0][:7] == ["1", "North Tyneside", "E08000022", "67.8%", "66.3 to 69.3", "2,605", "3,840"]
    # 2011-12 is the only year of its series here: no recent trend.
    assert rows[0][7:10] == ["\u25b2 better than England", "\u2013 Not calculated", "published"]
    assert [r[1] for r in rows[12:]] == ["England", "North East"]
    assert rows[12][3] == "43.0% \u2020" and rows[12][10] == 'Column A printed as "1,407, 190".'
    source = page.locator("#source-line").inner_text()
    assert "Adult Social Care Outcomes Framework - England, 2011-12, Final" in source


def test_choosing_mental_health_changes_chart_table_and_url(page, live_url):
    page.goto(live_url + NORTH_EAST_2011)
    wait_for_chart(page, "North Tyneside")
    choose(page, "Age band", "Adults aged 18-64")
    choose(page, "Client group", "Mental health")
    expected = _expected_order(3)
    wait_for_chart(page, expected[0][0])
    bars = bars_top_to_bottom(page)
    assert [name for name, _ in bars] == [name for name, _ in expected]
    assert bars[0] == ("Gateshead", "41.3% \u25b2 \u2020")
    assert references(page) == ["England 14.6%", "North East 15.3%"]
    assert re.search(r"age_band=18-64&client_group=mental_health&scope=region&region=E12000001$", page.url)
    # The download link follows the view: the same query as the page's URL.
    assert page.locator("#compare-download-csv").get_attribute("href") == "/download/compare.csv?" + page.url.split("?")[1]
    darlington = [r for r in table_rows(page) if r[1] == "Darlington"][0]
    assert darlington[3] == "19.0% \u26a0 \u2020" and darlington[7] == "\u25cf similar to England"
    assert darlington[10].startswith("\u26a0 Differs from its own counts")    # opens on the quality note
    assert "Published 19% is further from the counts' ratio (17.7%)" in darlington[10]
    assert page.console_errors == []


def test_a_saved_url_restores_the_view(page, live_url):
    page.goto(live_url + NORTH_EAST_2011 + "&age_band=18-64&client_group=mental_health")
    wait_for_chart(page, "Gateshead")
    assert page.get_by_label("Age band", exact=True).input_value() == "18-64"
    assert page.get_by_label("Client group", exact=True).input_value() == "mental_health"
    assert bars_top_to_bottom(page)[0] == ("Gateshead", "41.3% \u25b2 \u2020")
    assert description(page).startswith(
        "Bar chart of adults receiving self-directed support, adults aged 18-64, mental health, 2011-12, "
        "councils in North East for 12 councils. Highest: Gateshead (41.3%)")


def test_unknown_values_in_the_url_fall_back_to_valid_ones(page, live_url):
    page.goto(live_url + "/?age_band=99&client_group=<script>&scope=nowhere&period=1900-01")
    wait_for_chart(page, "North Tyneside")
    assert page.get_by_label("Age band", exact=True).input_value() == "all"
    assert page.get_by_label("Which areas", exact=True).input_value() == "england"
    assert page.console_errors == []


def test_full_data_every_control_changes_chart_and_url_and_the_page_is_accessible(page, full_url):
    page.goto(full_url + "/")
    page.wait_for_selector("#compare-chart g.ytick text")
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == "2024-25"
    assert len(bars_top_to_bottom(page)) > 140          # all councils in England
    assert page.title() == "Compare councils - Self-directed support uptake in England"
    assert_accessible(page)
    steps = [("Year (to 31 March)", "2020-21", "period=2020-21"),
             ("Measure", "Adults receiving direct payments", "measure=dp_users"),
             ("Age band", "People aged 65 and over", "age_band=65%2B"),
             ("Which areas", "Councils in one region", "scope=region"),
             ("Region (for councils in one region)", "North West", "region=E12000002")]
    for label, option, in_url in steps:
        before = description(page)
        choose(page, label, option)
        page.wait_for_function("before => document.querySelector('#chart-description').textContent !== before",
                               arg=before)
        assert in_url in page.url, (label, page.url)
        if label == "Which areas":       # the region chooser, behind "More options", opens for it
            page.wait_for_selector("#compare-more[open]")
            assert page.get_by_label("Region (for councils in one region)", exact=True).is_visible()
    assert "adults receiving direct payments, people aged 65 and over, 2020-21, councils in North West" in \
        description(page)
    assert references(page)[1].startswith("North West ")
    rows = table_rows(page)
    assert [r[1] for r in rows if r[0]] == [name for name, _ in bars_top_to_bottom(page)]
    saved = page.url
    page.goto(saved)
    page.wait_for_selector("#compare-chart g.ytick text")
    assert page.get_by_label("Region (for councils in one region)", exact=True).input_value() == "E12000002"
    assert page.get_by_label("Age band", exact=True).input_value() == "65+"
    assert page.console_errors == []


def test_full_data_similar_councils(page, full_url):
    page.goto(full_url + "/?scope=neighbours&council=E06000005&period=2020-21")
    page.wait_for_selector("#compare-chart g.ytick text")
    names = [name for name, _ in bars_top_to_bottom(page)]
    councils = [r for r in table_rows(page) if r[2].startswith(("E06", "E08", "E09", "E10"))]
    assert len(councils) == 16                     # a council with no figure is listed, not dropped
    absent = [r for r in councils if r[3].startswith("no data")]
    assert len(names) + len(absent) == 16
    assert all(r[8] == "missing" and r[9].startswith("No figure for this council") for r in absent)
    assert "15 closest on adult population" in page.locator("main").inner_text()
    assert page.get_by_label("Find your council").input_value() == "Darlington"
    # Its own similar councils mark it, in the bars and in the table.
    assert "\u25c6 Darlington (your council)" in names
    assert page.locator("#compare-table tr.highlight th").inner_text() == "\u25c6 Darlington (your council)"
    assert_accessible(page)
