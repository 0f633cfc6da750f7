"""The funnel plot in a real browser on the full dataset: points, limits, controls, URL, click-through."""
from __future__ import annotations

import re

from .conftest import assert_accessible, embed_code

POINTS = "#funnel-chart g.scatterlayer path.point"


def limit_paths(page) -> list[str]:
    """The drawn limit lines' SVG paths (99.8%, then 95%): the first two line traces."""
    return [line.get_attribute("d") for line in page.locator("#funnel-chart g.scatterlayer path.js-line").all()[:2]]


def plotted_rows(page) -> list[list[str]]:
    rows = page.locator("#funnel-table tbody tr.council").all()
    return [[cell.inner_text() for cell in row.locator("th, td").all()] for row in rows]


def wait_for_change(page, selector: str, before: str) -> None:
    page.wait_for_function(
        "([s, before]) => { const e = document.querySelector(s); return e && e.textContent !== before; }",
        arg=[selector, before], timeout=30000)


def choose_limits(page, option: str) -> None:
    """The limits are a less-used choice, behind "More options"."""
    select = page.get_by_label("Limits", exact=True)
    if not select.is_visible():
        page.locator("#funnel-controls details.more > summary").click()
    select.select_option(label=option)


def test_full_data_limits_switch_controls_url_and_saved_view(page, full_url):
    page.goto(full_url + "/funnel?period=2020-21")
    page.wait_for_selector(POINTS, timeout=30000)
    points = page.locator(POINTS).count()
    rows = plotted_rows(page)
    plotted = [r for r in rows if not r[5].startswith("Not plotted")]
    assert 145 <= points <= 152 and points == len(plotted)
    # Every plotted council's position is in words in the table, and the text alternative counts them.
    outside = sum(r[5] in ("\u25b2 Above the 99.8% limit", "\u25bc Below the 99.8% limit") for r in plotted)
    description = page.locator("#funnel-description").text_content()
    assert description.startswith(f"Funnel plot of adults receiving self-directed support, all adults (18+), "
                                  f"2020-21: {points} councils plotted")
    assert f"Outside the 99.8% limits: {outside} councils" in description
    assert "England 92.2%" in page.locator("#funnel-chart g.legend").text_content()
    method = page.locator("#funnel-method").inner_text()
    assert method.startswith("Limits shown: unadjusted, exact binomial")
    assert_accessible(page)

    # Adjusted limits: new lines, new method text with phi and tau-squared, new URL.
    before_lines = limit_paths(page)
    choose_limits(page, "Adjusted for over-dispersion")
    wait_for_change(page, "#funnel-method", method)
    adjusted = page.locator("#funnel-method").inner_text()
    assert adjusted.startswith("Limits shown: adjusted for over-dispersion")
    assert re.search(r"\u03c6 = \d+\.\d\d from \d+ councils", adjusted)
    assert re.search(r"\u03c4\u00b2 = 0\.\d{6} \(\u03c4 = \d+\.\d\d percentage points\)", adjusted)
    assert "limits=adjusted" in page.url
    after_lines = limit_paths(page)
    assert len(after_lines) == 2 and after_lines != before_lines
    adjusted_outside = sum(r[5] in ("\u25b2 Above the 99.8% limit", "\u25bc Below the 99.8% limit")
                           for r in plotted_rows(page))
    assert adjusted_outside < outside       # wider limits, fewer councils outside

    # Year and measure: chart, text alternative and URL follow.
    for label, option, in_url, title in [
            ("Year (to 31 March)", "2017-18", "period=2017-18",
             "Adults receiving self-directed support\nAll adults (18+), 2017-18"),
            ("Measure", "Adults receiving direct payments", "measure=dp_users",
             "Adults receiving direct payments\nAll adults (18+), 2017-18")]:
        before = page.locator("#funnel-description").text_content()
        page.get_by_label(label, exact=True).select_option(label=option)
        wait_for_change(page, "#funnel-description", before)
        assert in_url in page.url, (label, page.url)
        # The title is text above the chart (it wraps on a phone), not drawn in the plot.
        assert page.locator("#funnel-title").inner_text().startswith(title)
        assert page.locator("#funnel-chart .gtitle").count() == 0
    assert "England 28.5%" in page.locator("#funnel-chart g.legend").text_content()
    method = page.locator("#funnel-method").inner_text()

    saved = page.url
    assert saved.endswith("/funnel?measure=dp_users&period=2017-18&age_band=all&client_group=all&limits=adjusted")
    page.goto(saved)
    page.wait_for_selector(POINTS, timeout=30000)
    assert page.get_by_label("Measure", exact=True).input_value() == "dp_users"
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == "2017-18"
    assert page.get_by_label("Limits", exact=True).input_value() == "adjusted"
    assert page.locator("#funnel-method").inner_text() == method

    # The share panel: data and embed code for exactly this view.
    query = saved.split("?")[1]
    assert page.locator("#funnel-download-csv").get_attribute("href") == "/download/funnel.csv?" + query
    assert embed_code(page, "funnel").startswith(f'<iframe src="{full_url}/embed/funnel?{query.replace("&", "&amp;")}"')
    assert page.console_errors == []


def test_clicking_a_council_opens_its_profile(page, full_url):
    page.goto(full_url + "/funnel?period=2020-21")
    page.wait_for_selector(POINTS, timeout=30000)
    # The council with the largest denominator is the rightmost, isolated point.
    rows = [r for r in plotted_rows(page) if r[4]]
    largest = max(rows, key=lambda r: int(r[4].replace(",", "")))
    boxes = [point.bounding_box() for point in page.locator(POINTS).all()]
    right = max(boxes, key=lambda box: box["x"])
    x, y = right["x"] + right["width"] / 2, right["y"] + right["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_function("name => document.querySelector('#funnel-chart .hoverlayer')"
                           ".textContent.includes(name)", arg=largest[0])
    hover = page.locator("#funnel-chart .hoverlayer").text_content()
    assert f"{largest[0]} ({largest[1]})" in hover and f"{largest[3]} of {largest[4]}" in hover
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/area/E\d{8}"), timeout=30000)
    assert page.url.split("?")[0].endswith(f"/area/{largest[1]}")
    page.wait_for_function("() => !document.querySelector('#funnel-chart')")
    assert page.console_errors == []


def test_a_year_the_publisher_says_is_not_comparable_is_drawn_but_nobody_is_ranked(page, full_url):
    page.goto(full_url + "/funnel?measure=sds_users&period=2024-25")
    page.wait_for_selector(POINTS, timeout=30000)
    caveats = page.locator("#funnel-caveats").inner_text()
    assert "The publisher says figures for this measure and year should not be compared between councils" in caveats
    assert re.search(r"\u26a0 Self-directed support reported equal to direct payments \([^)]*\): The council "
                     r"reported exactly as many people", caveats)
    method = page.locator("#funnel-method").inner_text()
    assert "Every council's figure this year carries a caveat that forbids comparison. The publisher says" in method
    assert "no over-dispersion is estimated (all 152 councils are left out)" in method
    legend = page.locator("#funnel-chart g.legend").text_content()
    assert "\u26a0 Not compared: caveat on every council (129)" in legend
    assert "\u26a0 Not compared: a caveat of its own (23)" in legend
    assert "Above the 99.8% limit" not in legend and "Below the 99.8% limit" not in legend
    # No council is placed above or below England in the table; each says where it falls as drawn.
    positions = [row[5] for row in plotted_rows(page) if not row[5].startswith("Not plotted")]
    assert len(positions) == 152 and all(p.startswith("\u26a0 Not compared with England") for p in positions)
    # Gateshead: a diamond with a cross, and its caveat in the hover and the table.
    found = page.evaluate("() => { const gd = document.querySelector('#funnel-chart .js-plotly-plot');"
                          " for (let c = 0; c < gd.data.length; c++) { const rows = gd.data[c].customdata || [];"
                          " for (let p = 0; p < rows.length; p++) { if (rows[p][0] === 'E08000037')"
                          " return [c, p, gd.data[c].marker.symbol]; } } return null; }")
    assert found is not None and found[2] == "diamond-x-open"
    page.evaluate("([c, p]) => Plotly.Fx.hover(document.querySelector('#funnel-chart .js-plotly-plot'),"
                  " [{curveNumber: c, pointNumber: p}])", found[:2])
    page.wait_for_function("() => document.querySelector('#funnel-chart .hoverlayer').textContent.includes('Gateshead')")
    hover = page.locator("#funnel-chart .hoverlayer").text_content()
    assert "22.2%: 395 of 1,782" in hover and "Self-directed support reported equal to direct payments" in hover
    row = next(r for r in plotted_rows(page) if r[1] == "E08000037")
    assert row[2] == "22.2% \u26a0" and "equals direct payments (22.2%)" in row[7]
    assert_accessible(page)
    # Asking for adjusted limits changes nothing: there is nothing to estimate from.
    choose_limits(page, "Adjusted for over-dispersion")
    page.wait_for_url("**limits=adjusted")
    page.wait_for_function("() => document.querySelector('#funnel-method').innerText.includes('all 152 councils')")
    assert page.console_errors == []
