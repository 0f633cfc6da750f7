"""'Does it deliver control?' (/control) at a laptop's and a phone's size: the chart starts in the
first screen, nothing scrolls sideways on a phone, the reader's council is named in the chart,
flagged councils are marked by shape and a ⚠ label, the finding and the caution are on the page,
the controls change the view and the URL, and axe-core finds no serious or critical violation.
Screenshots are left in the session's temporary folder for a person to look at."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible

SIZES = [(1366, 768), (390, 844)]
GATESHEAD = "E08000037"
CHART = "#control-chart"


def open_chart(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(f"{CHART} .scatterlayer .trace", timeout=60000)


@pytest.mark.parametrize("width,height", SIZES)
def test_chart_first_the_readers_council_named_and_flagged_councils_marked(browser, full_url, tmp_path_factory,
                                                                           width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_chart(page, f"{full_url}/control?measure=sds_users&period=2023-24&council={GATESHEAD}")
        top = page.locator(f"{CHART} .js-plotly-plot").bounding_box()["y"]
        assert 0 < top < height, f"the chart starts at {top}px, below the first {height}px screen"
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        label = page.locator(f"{CHART} g.annotation-text-g").filter(has_text="Gateshead (your council)")
        assert label.count() == 1 and label.is_visible()
        # Four councils report SDS equal to DP in 2023-24: a ⚠ beside each open diamond, and the legend says why.
        assert page.locator(f"{CHART} .scatterlayer .textpoint").filter(has_text="\u26a0").count() == 4
        assert page.locator(f"{CHART} g.legend").filter(has_text="Left out: quality flag (4)").count() == 1
        finding = page.locator("#control-finding").inner_text()
        assert finding.startswith("Across the 146 councils compared in England in 2023-24") and "95% interval" in finding
        assert "4 councils are left out of the correlation" in page.locator("#control-left-out").inner_text()
        assert "ecological fallacy" in page.locator("#control-caution").inner_text()
        assert page.title().startswith("Does it deliver control?")
        assert not page.locator("#control-description").is_visible()
        page.locator("figure.chart figcaption details > summary").click()
        assert page.locator("#control-description").is_visible()
        page.screenshot(path=str(tmp_path_factory.mktemp("control") / f"control-{width}.png"), full_page=True)
        assert_accessible(page)
        assert errors == []
    finally:
        context.close()


def test_the_controls_change_the_view_and_the_url(page, full_url):
    open_chart(page, f"{full_url}/control")
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == "2023-24"
    page.get_by_label("Uptake of (across)", exact=True).select_option("dp_users")
    page.wait_for_url("**measure=dp_users**", timeout=30000)
    page.get_by_label("Region", exact=True).select_option(label="North East")
    page.wait_for_url("**region=E12000001**", timeout=30000)
    page.wait_for_function("() => document.querySelector('#control-finding').innerText.includes('12 councils')")
    finder = page.get_by_label("Find your council", exact=True)
    finder.fill("gateshead")
    finder.press("Enter")
    page.wait_for_url(f"**council={GATESHEAD}**", timeout=30000)
    page.locator(f"{CHART} g.annotation-text-g").filter(has_text="Gateshead (your council)").wait_for()
    assert f"council={GATESHEAD}" in page.locator("#control-download-csv").get_attribute("href")
    # The voluntary survey year: drawn, but no correlation, and the page says why.
    page.get_by_label("Year (to 31 March)", exact=True).select_option("2020-21")
    page.wait_for_function("() => document.querySelector('#control-panel').innerText.includes('Voluntary survey year')"
                           " || document.querySelector('#control-panel').innerText.includes('Choose another year')")
    assert page.console_errors == []
