"""The Compare page chart first, on a laptop (1366x768) and a phone (390x844), on the full data:
the chart starts on the first screen, nothing scrolls sideways, "Find your council" + Enter
marks the council in the bars and the table and keeps the view, and axe finds nothing serious."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible
from .test_compare_page import choose, table_rows, tick_labels

SIZES = [pytest.param({"width": 1366, "height": 768}, id="1366x768"),
         pytest.param({"width": 390, "height": 844}, id="390x844")]
VIEWS = ["/", "/?council=E08000037&scope=neighbours&measure=dp_users", "/?scope=regions",
         "/?measure=dp_recipients&period=2011-12"]
MARK = "\u25c6 Gateshead (your council)"


@pytest.fixture
def sized(browser, request):
    context = browser.new_context(viewport=request.param)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def chart_drawn(page) -> None:
    page.wait_for_selector("#compare-chart g.ytick text", timeout=30000)


@pytest.mark.parametrize("sized", SIZES, indirect=True)
def test_the_chart_starts_on_the_first_screen_and_nothing_scrolls_sideways(sized, full_url):
    page, viewport = sized, sized.viewport_size
    for view in VIEWS:
        page.goto(full_url + view)
        chart_drawn(page)
        top = page.locator("#compare-chart").bounding_box()["y"]
        assert 0 < top < viewport["height"] - 100, (view, top)       # and some of the chart shows
        heading = page.locator("#compare-chart-title").bounding_box()
        assert heading["y"] < top and heading["x"] + heading["width"] <= viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], view
        # The chart fits its column: no tick label is cut off at the left edge.
        lefts = page.evaluate("[...document.querySelectorAll('#compare-chart g.ytick text')]"
                              ".map(t => t.getBoundingClientRect().left)")
        assert min(lefts) >= 0, view
    assert page.title() == "Compare councils - Self-directed support uptake in England"
    assert page.console_errors == []


@pytest.mark.parametrize("sized", SIZES, indirect=True)
def test_find_your_council_and_enter_marks_it_and_keeps_the_view(sized, full_url):
    page = sized
    page.goto(full_url + "/?scope=region&region=E12000001")      # its region: a short page for axe
    chart_drawn(page)
    choose(page, "Measure", "Adults receiving direct payments")
    page.wait_for_function("() => location.search.includes('measure=dp_users')")
    choose(page, "Year (to 31 March)", "2021-22")
    page.wait_for_function("() => location.search.includes('period=2021-22')")
    finder = page.get_by_label("Find your council")
    finder.fill("Gateshead")
    finder.press("Enter")
    page.wait_for_function("mark => [...document.querySelectorAll('#compare-chart g.ytick text')]"
                           ".some(t => [...t.querySelectorAll('tspan.line')].map(l => l.textContent).join(' ') === mark"
                           " || t.textContent === mark)", arg=MARK)
    # Enter submitted nothing: the same page, the choices made before kept, the council added.
    assert page.url.endswith("/?measure=dp_users&period=2021-22&age_band=all&client_group=all&scope=region"
                             "&region=E12000001&council=E08000037")
    assert page.get_by_label("Measure", exact=True).input_value() == "dp_users"
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == "2021-22"
    assert finder.input_value() == "Gateshead"
    # Marked by colour and label: one bar's tick, its band, the key and one table row.
    assert tick_labels(page).count(MARK) == 1 and "Gateshead" not in tick_labels(page)
    assert page.locator("#compare-chart .shapelayer path[style*='rgb(204, 121, 167)']").count() == 1
    assert MARK in page.locator("#compare-key").inner_text()
    marked = page.locator("#compare-table tbody tr.highlight")
    assert marked.count() == 1 and marked.locator("th").inner_text() == MARK
    assert marked.is_visible()
    assert [r for r in table_rows(page) if r[1] == MARK][0][2] == "E08000037"
    assert_accessible(page)
    assert page.console_errors == []
