"""The Map and Funnel pages chart first, at a laptop's and a phone's size: the chart starts in
the first screen, nothing scrolls sideways on a phone, the reader's council is marked in the
chart and its table row, Enter in the council finder keeps the view, a region shows only its
councils, and axe-core finds no serious or critical violation."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible

SIZES = [(1366, 768), (390, 844)]
GATESHEAD = "E08000037"
NORTH_EAST = {"E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047", "E06000057",
              "E08000021", "E08000022", "E08000023", "E08000024", "E08000037"}
# page -> (measure, year: views with caveats to show and, for the funnel, counts; chart id; table id)
PAGES = {"map": (("sds_users", "2024-25"), "#map-chart", "#map-table"),
         "funnel": (("dp_users", "2021-22"), "#funnel-chart", "#funnel-table")}
# The councils a chart draws: map polygons carry their code in `meta`, funnel markers in customdata.
DRAWN = {"map": "gd => gd.data.filter(t => t.fill === 'toself' && /^E0/.test(t.meta || '')).map(t => t.meta)",
         "funnel": "gd => gd.data.filter(t => t.mode === 'markers').flatMap(t => t.customdata.map(r => r[0]))"}


def view_path(name: str) -> str:
    measure, period = PAGES[name][0]
    return f"/{name}?measure={measure}&period={period}"


def open_chart(page, url: str, chart: str) -> None:
    page.goto(url)
    page.wait_for_selector(f"{chart} .scatterlayer .trace", timeout=60000)


def drawn_codes(page, name: str, chart: str) -> set[str]:
    return set(page.evaluate(f"({DRAWN[name]})(document.querySelector('{chart} .js-plotly-plot'))"))


@pytest.mark.parametrize("width,height", SIZES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_chart_first_no_sideways_scroll_and_the_readers_council_marked(browser, full_url, name, width, height):
    (measure, period), chart, table = PAGES[name]
    path = view_path(name)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        open_chart(page, f"{full_url}{path}&council={GATESHEAD}", chart)
        top = page.locator(f"{chart} .js-plotly-plot").bounding_box()["y"]
        assert 0 < top < height, f"{name} chart starts at {top}px, below the first {height}px screen"
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Marked in the chart by a label (not colour alone) ...
        label = page.locator(f"{chart} g.annotation-text-g").filter(has_text="Gateshead (your council)")
        assert label.count() == 1 and label.is_visible()
        # ... and in the table, the row marked and always shown.
        row = page.locator(f"{table} tbody tr.highlight")
        assert row.count() == 1 and "Gateshead (your council)" in row.inner_text() and row.is_visible()
        # Download links straight under the chart; caveats visible; the text alternative in a <details>.
        graph = page.locator(chart).bounding_box()
        link = page.locator(f"#{name}-download-csv").bounding_box()
        assert 0 <= link["y"] - (graph["y"] + graph["height"]) < 60
        assert page.locator(f"#{name}-caveats").is_visible()
        assert not page.locator(f"#{name}-description").is_visible()
        page.locator("figure.chart figcaption details > summary").click()
        assert page.locator(f"#{name}-description").is_visible()
        # The legend sits above the plot, so a phone shows it before the points.
        legend = page.locator("#map-key" if name == "map" else f"{chart} g.legend").bounding_box()
        plot = page.locator(f"{chart} .draglayer .nsewdrag").bounding_box()
        assert legend["y"] + legend["height"] <= plot["y"] + 1
        if name == "map":
            # On a phone the map names the reader's council only; on a laptop every hex has its value.
            visible = page.evaluate("[...document.querySelectorAll('#map-chart g.textpoint')]"
                                    ".filter(t => getComputedStyle(t).display !== 'none').length")
            assert visible == (0 if width == 390 else 152)       # Isles of Scilly has no value
        assert page.title().startswith("Map of councils" if name == "map" else "Funnel plot")
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_enter_in_the_council_finder_marks_the_council_and_keeps_the_view(page, full_url, name):
    (measure, period), chart, table = PAGES[name]
    path = view_path(name)
    open_chart(page, full_url + path, chart)
    finder = page.get_by_label("Find your council", exact=True)
    finder.fill("gateshead")
    finder.press("Enter")
    page.wait_for_url(f"**council={GATESHEAD}", timeout=30000)
    assert page.url.startswith(f"{full_url}{path}&")                                    # no form submitted
    page.wait_for_selector(f"{table} tbody tr.highlight")
    assert page.get_by_label("Measure", exact=True).input_value() == measure
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == period
    assert finder.input_value() == "Gateshead"
    page.locator(f"{chart} g.annotation-text-g").filter(has_text="Gateshead (your council)").wait_for()
    # The share links carry the council, so an embed or image marks it too.
    assert f"council={GATESHEAD}" in page.locator(f"#{name}-download-csv").get_attribute("href")
    assert page.console_errors == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_region_shows_only_its_councils(page, full_url, name):
    (measure, period), chart, table = PAGES[name]
    path = view_path(name)
    open_chart(page, f"{full_url}{path}&region=E12000001", chart)
    assert drawn_codes(page, name, chart) == NORTH_EAST
    codes = page.locator(f"{table} tbody tr.council td:nth-of-type(2)" if name == "map"
                         else f"{table} tbody tr.council td:nth-of-type(1)").all_inner_texts()
    assert set(codes) == NORTH_EAST
    assert page.get_by_label("Region", exact=True).input_value() == "E12000001"
    # Back to all England from the select: every council again, and the URL says so.
    page.get_by_label("Region", exact=True).select_option(label="All England")
    page.wait_for_function("() => !location.search.includes('region=')")
    page.wait_for_function(f"() => ({DRAWN[name]})(document.querySelector('{chart} .js-plotly-plot')).length > 100")
    assert page.console_errors == []
