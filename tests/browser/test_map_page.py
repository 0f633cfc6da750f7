"""The Map page on the full dataset: hexes per council, the layout chosen for the period and
described on the page (never by its file name), the boundary view, URL state, and a click
through to a council's profile."""
from __future__ import annotations

import re

from .conftest import assert_accessible, embed_code

GRAPH = "document.querySelector('#map-chart .js-plotly-plot')"


def wait_for_map(page):
    page.wait_for_selector("#map-chart .scatterlayer .trace path.js-fill")


def councils_drawn(page) -> int:
    """Council polygons in the figure (each carries its code in `meta`) that Plotly rendered."""
    return page.evaluate(
        f"() => {{ const gd = {GRAPH}; const traces = [...gd.querySelectorAll('.scatterlayer .trace')];"
        " return gd.data.filter((t, i) => t.meta && traces[i].querySelector('path.js-fill')"
        " && traces[i].querySelector('path.js-fill').getAttribute('d').length > 20).length; }")


def choose(page, label: str, option: str) -> None:
    """Pick an option of a labelled select (opening "More options" first if it is behind it)."""
    before = page.locator("#map-geography").text_content() + page.locator("#map-description").text_content()
    select = page.get_by_label(label, exact=True)
    if not select.is_visible():
        page.locator("#map-controls details.more > summary").click()
    select.select_option(label=option)
    page.wait_for_function(
        "before => { const g = document.querySelector('#map-geography'), d = document.querySelector('#map-description');"
        " return g && d && g.textContent + d.textContent !== before; }", arg=before)
    wait_for_map(page)


def test_hexes_layout_by_period_boundaries_view_and_saved_url(page, full_url):
    page.goto(full_url + "/map?measure=sds_users&period=2024-25")
    wait_for_map(page)
    assert councils_drawn(page) == 153                          # the 2023 layout's English councils
    geography = page.locator("#map-geography").inner_text()
    assert geography.startswith("Hex cartogram on April 2023 boundaries (valid 2023-24 to 2024-25): "
                                "a hex layout of 2023 councils (153 councils), the best match of 2 layouts")
    assert ".hexjson" not in page.locator("main").inner_text()          # no file names in public text
    assert page.locator("#map-title").inner_text().splitlines() == [
        "Adults receiving self-directed support: All adults (18+), 2024-25",
        "One hexagon per council, April 2023 boundaries (valid 2023-24 to 2024-25)"]
    # The text alternative waits in a native <details> under the chart, after the share links.
    assert page.locator("figure.chart details.text-alternative > summary").inner_text() == "The map in words"
    description = page.locator("#map-description").text_content()
    assert description.startswith("Hex cartogram of adults receiving self-directed support, all adults (18+), "
                                  "2024-25, darker for higher values. 152 councils have a value")
    assert "No data for 1: Isles of Scilly." in description
    assert page.locator("#map-empty").inner_text() == "Isles of Scilly (E06000053)"
    assert "100.0%" in page.locator("#map-chart .colorbar").text_content()     # one decimal place
    assert page.locator("#map-table tbody tr").count() == 154     # 152 values, Isles of Scilly [x], England
    assert_accessible(page)

    choose(page, "Year (to 31 March)", "2017-18")
    assert "period=2017-18" in page.url
    geography = page.locator("#map-geography").inner_text()
    assert geography.startswith("Hex cartogram on April 2019 boundaries (valid 2019-20): "
                                "a hex layout of 2019 councils (151 councils)")
    assert "2017-18 is outside the years this layout fits" in geography
    assert councils_drawn(page) == 151
    unplaced = page.locator("#map-unplaced").inner_text()
    assert "Bournemouth (E06000028)" in unplaced and "Poole (E06000029)" in unplaced
    assert "Dorset (E10000009)" in unplaced and "split on 1 April 2019" in unplaced
    assert page.locator("#map-empty").inner_text().splitlines() == [
        "Bournemouth, Christchurch and Poole (E06000058); created by a merger on 1 April 2019",
        "Dorset (E06000059); created by a split on 1 April 2019"]

    choose(page, "Map type", "Boundaries")
    assert "view=boundaries" in page.url
    assert page.locator("#map-geography").inner_text().startswith(
        "Boundary map of council boundaries in force in 2017-18 (1 April 2017): 152 councils, outlines simplified.")
    assert councils_drawn(page) == 152
    assert page.locator("#map-description").text_content().startswith("Boundary map of adults receiving")
    assert page.locator("#map-unplaced").count() == 0          # the 2017 boundaries have every council

    page.goto(page.url)
    wait_for_map(page)
    assert page.get_by_label("Year (to 31 March)", exact=True).input_value() == "2017-18"
    assert page.get_by_label("Map type", exact=True).input_value() == "boundaries"
    assert page.locator("#map-geography").inner_text().startswith("Boundary map of council boundaries in force "
                                                                  "in 2017-18")
    assert councils_drawn(page) == 152

    # The share panel: data and embed code for exactly this view.
    query = page.url.split("?")[1]
    assert query == "measure=sds_users&period=2017-18&age_band=all&client_group=all&view=boundaries"
    assert page.locator("#map-download-csv").get_attribute("href") == "/download/map.csv?" + query
    assert embed_code(page, "map").startswith(f'<iframe src="{full_url}/embed/map?{query.replace("&", "&amp;")}"')
    assert page.console_errors == []


def test_clicking_a_hex_opens_the_councils_profile(page, full_url):
    page.goto(full_url + "/map?measure=sds_users&period=2024-25&view=hex")
    wait_for_map(page)
    index = page.evaluate(f"code => {GRAPH}.data.findIndex(t => t.meta === code)", "E08000035")
    assert index >= 0
    fill = page.locator("#map-chart .scatterlayer .trace").nth(index).locator("path.js-fill")
    fill.scroll_into_view_if_needed()
    box = fill.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)
    page.wait_for_function("() => document.querySelector('#map-chart .hoverlayer').textContent.includes('Leeds')")
    assert "Leeds (E08000035)" in page.locator("#map-chart .hoverlayer").text_content()
    page.mouse.click(*centre)
    page.wait_for_url("**/area/E08000035")
    page.wait_for_function("() => !document.querySelector('#map-chart') && "
                           "document.querySelector('h1') && document.querySelector('h1').innerText.includes('Leeds')")
    assert page.console_errors == []


def test_a_year_the_publisher_says_is_not_comparable_says_so_under_the_map_and_marks_gateshead(page, full_url):
    page.goto(full_url + "/map?measure=sds_users&period=2024-25")
    wait_for_map(page)
    # The caveats come straight after the map, before any list or table.
    assert page.evaluate("() => document.querySelector('figure.chart').nextElementSibling.id") == "map-caveats"
    caveats = page.locator("#map-caveats").inner_text()
    # Each flag once: its label, where it applies (the wording is dashboards/caveats.py's), what it means.
    assert re.search(r"\u26a0 Not comparable between councils \([^)]+\): The publisher says figures for this "
                     r"measure and year should not be compared between councils", caveats)
    assert re.search(r"\u26a0 Self-directed support reported equal to direct payments \([^)]*\): The council "
                     r"reported exactly as many people", caveats)
    # Gateshead (22.2%, equal to its direct payments): dotted, outlined and labelled, not colour alone.
    index = page.evaluate(f"code => {GRAPH}.data.findIndex(t => t.meta === code)", "E08000037")
    trace = page.evaluate(f"i => {{ const t = {GRAPH}.data[i]; return [t.fillpattern && t.fillpattern.shape, "
                          "t.line.width]; }", index)
    assert trace == [".", 2.5]
    fill = page.locator("#map-chart .scatterlayer .trace").nth(index).locator("path.js-fill")
    assert "url(" in fill.evaluate("path => getComputedStyle(path).fill")          # the dot pattern, drawn
    assert "\u26a022.2" in page.locator("#map-chart .scatterlayer").text_content()
    # The key above the map (the legend, where a phone shows it first) names the dotting.
    key = page.locator("#map-key")
    assert "\u26a0 Caveat: see below the map (dotted)" in key.inner_text()
    assert key.bounding_box()["y"] < page.locator("#map-chart .scatterlayer").bounding_box()["y"]
    fill.scroll_into_view_if_needed()
    box = fill.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelector('#map-chart .hoverlayer').textContent.includes('Gateshead')")
    hover = page.locator("#map-chart .hoverlayer").text_content()
    assert "22.2%" in hover and "not compared: see the caveat" in hover and "equals direct payments (22.2%)" in hover
    row = page.locator("#map-table tbody tr", has=page.locator("th", has_text="Gateshead"))
    cells = [c.inner_text() for c in row.locator("th, td").all()]
    assert cells[3] == "22.2% \u26a0" and cells[7] == "\u26a0 not compared: see the caveat"
    assert cells[9] == ("\u26a0 Not comparable between councils; Self-directed support reported equal to "
                        "direct payments")
    assert "Dotted for a caveat of their own (23)" in page.locator("#map-description").text_content()
    assert_accessible(page)
    # On a phone the map fills the width: the box is no taller than the map needs, the colour scale
    # sits above it, and value labels (too big for a hex there) give way to the dots.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.querySelector('.map-graph-box').getBoundingClientRect().height < 760")
    hexes = page.locator("#map-chart .scatterlayer").bounding_box()
    assert hexes["width"] > 300
    assert page.locator("#map-chart .scatterlayer .textpoint").first.evaluate(
        "t => getComputedStyle(t).display") == "none"
    assert page.console_errors == []
