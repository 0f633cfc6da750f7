"""The Client groups page opens on its chart, on a laptop (1366x768) and on a phone (390x844),
with the reader's council (council=E08000037, Gateshead) marked in the chart and its table row:
nothing overflows sideways, nothing in the chart is cut off, the page has its own title, the
share links sit under the chart, and axe-core finds no serious or critical violation."""
from __future__ import annotations

import re

import pytest

from .conftest import assert_accessible

GATESHEAD_URL = "/client-groups?council=E08000037"
HIGHLIGHT_FILL = "rgb(204, 121, 167)"          # HIGHLIGHT_COLOUR, #CC79A7
HIGHLIGHT_ROW = "rgb(246, 230, 239)"

# Every text drawn in the chart (titles, ticks, legend) as its left and right edges on screen.
CHART_TEXT_EDGES = """() => [...document.querySelectorAll('#client-groups-chart .main-svg text')]
    .filter(t => t.textContent.trim()).map(t => { const r = t.getBoundingClientRect();
        return [t.textContent, r.left, r.right]; })"""

# The band behind a row in the highlight colour, and the y tick label it stands behind.
MARKED_IN_CHART = """fill => {
    const band = [...document.querySelectorAll('#client-groups-chart .shapelayer path')]
        .find(p => getComputedStyle(p).fill === fill);
    const tick = [...document.querySelectorAll('#client-groups-chart g.ytick text')]
        .find(t => t.textContent.includes('Gateshead'));
    if (!band || !tick) return null;
    const b = band.getBoundingClientRect(), t = tick.getBoundingClientRect();
    return {label: [...tick.querySelectorAll('tspan.line')].map(s => s.textContent).join(' ') || tick.textContent,
            bandTop: b.top, bandBottom: b.bottom, tickMiddle: (t.top + t.bottom) / 2};
}"""


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_chart_comes_first_fits_the_screen_and_marks_the_readers_council(browser, full_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(full_url + GATESHEAD_URL)
        page.wait_for_selector("#client-groups-chart g.ytick text", timeout=30000)
        # The chart's top edge (its title, then the plot) is in the first screen.
        chart = page.locator("#client-groups-chart").bounding_box()
        title = page.locator("#client-groups-title h2").bounding_box()
        assert 0 < title["y"] < chart["y"] < height, (title, chart)
        # Nothing scrolls sideways, and nothing in or above the chart runs off the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert title["x"] + title["width"] <= width
        subtitle = page.locator("#client-groups-title .chart-subtitle").bounding_box()
        assert subtitle["x"] + subtitle["width"] <= width
        edges = page.evaluate(CHART_TEXT_EDGES)
        assert edges and [e for e in edges if e[1] < 0 or e[2] > width] == []
        # The page names itself.
        assert page.title() == "Client groups: who directs their own support? - Self-directed support uptake in England"
        # Gateshead in the chart: its label names it, a band in the highlight colour lies behind its row.
        marked = page.evaluate(MARKED_IN_CHART, HIGHLIGHT_FILL)
        assert marked is not None and marked["label"] == "\u25c6 Gateshead (your council)"
        assert marked["bandTop"] < marked["tickMiddle"] < marked["bandBottom"]
        assert page.locator("#client-groups-title").inner_text().endswith("Gateshead highlighted")
        # ... and in its table row, which links on to its profile keeping the council.
        row = page.locator("#client-groups-table tr.highlight")
        assert row.count() == 1 and row.locator("th").inner_text() == "\u25c6 Gateshead (your council)"
        assert row.locator("th").evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT_ROW
        assert row.locator("th a").get_attribute("href") == "/area/E08000037?council=E08000037"
        # Share and download links directly under the chart, carrying the council.
        csv = page.locator("#client-groups-download-csv")
        gap = csv.bounding_box()["y"] - (chart["y"] + chart["height"])
        assert 0 <= gap < 80, gap
        assert csv.get_attribute("href").endswith("&council=E08000037")
        # The text alternative is a native <details>, closed; the caveats are visible text.
        assert page.locator("details:has(#client-groups-description)").get_attribute("open") is None
        assert page.locator("#client-groups-caveats").is_visible()
        # The table scrolls inside its own box on a phone; the page does not.
        box = page.locator("#client-groups-table-box")
        assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        if width == 390:
            assert box.evaluate("e => e.scrollWidth > e.clientWidth")
        # Percentages print one decimal place.
        assert re.findall(r"\d+\.\d{2,}%", page.locator("main").inner_text()) == []
        assert_accessible(page)
        assert errors == []
    finally:
        context.close()
