"""Trends for several councils on the profile, in a real browser on the full dataset, at 1366x768
and 390x844: three councils added by name (button and Enter), the URL carries them, a reload shows
the same lines, a council removed by its button, the axis fitted to the data, change since a
year, the recent-trend mark, axe-core with nothing serious, nothing scrolling sideways."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import assert_accessible

LAPTOP, PHONE = (1366, 768), (390, 844)
DARLINGTON = "/area/E06000005?measure=dp_users&age_band=all&client_group=all"
ADDED = [("Newcastle upon Tyne", "E08000021"), ("County Durham", "E06000047"), ("Sunderland", "E08000024")]
LINES = ["Darlington, with its 95% interval", "North East", "England", "Newcastle upon Tyne", "County Durham",
         "Sunderland"]
SHOTS = Path(os.environ.get("UPTAKE_SHOTS", "/tmp/uptake-shots"))

# The trend's y axis and the highest value or interval end drawn, from Plotly's own figure.
AXIS = """() => { const gd = document.querySelector('#profile-trend .js-plotly-plot');
  let highest = 0;
  for (const t of gd.data) { (t.y || []).forEach((y, i) => { if (y === null) return;
      const up = t.error_y && t.error_y.array ? (t.error_y.array[i] || 0) : 0;
      highest = Math.max(highest, y + up); }); }
  return {range: gd._fullLayout.yaxis.range, highest: highest, traces: gd.data.map(t => t.name)}; }"""


def key_texts(page) -> list[str]:
    return page.locator("#profile-trend-key li").all_inner_texts()


def wait_for_lines(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('#profile-trend g.scatterlayer g.trace').length === n", arg=count)


@pytest.mark.parametrize("sized", [LAPTOP, PHONE], indirect=True, ids=["1366x768", "390x844"])
def test_three_councils_added_travel_in_the_url_and_a_reload_shows_the_same_lines(sized, full_url):
    page, width, height = sized
    page.goto(full_url + DARLINGTON)
    wait_for_lines(page, 3)
    box = page.get_by_label("Add councils to the chart (up to 10)")
    for index, (name, _) in enumerate(ADDED):
        box.fill(name)
        if index == 1:
            box.press("Enter")            # the keyboard adds too
        else:
            page.get_by_role("button", name="Add", exact=True).click()
        page.wait_for_function("n => document.querySelectorAll('#profile-trend-key li').length === n", arg=4 + index)
    codes = ",".join(code for _, code in ADDED)
    page.wait_for_function("codes => window.location.search.includes('with=' + codes)", arg=codes)
    assert page.locator("#profile-with-message").inner_text() == "Added Sunderland."
    assert key_texts(page) == LINES
    url = page.url
    assert url.endswith(f"/area/E06000005?measure=dp_users&age_band=all&client_group=all&with={codes}")

    page.goto(url)
    wait_for_lines(page, 6)
    assert key_texts(page) == LINES
    axis = page.evaluate(AXIS)
    assert sorted(axis["traces"]) == sorted(name.split(",")[0] for name in LINES)
    # Percentages from zero, the top a little above the highest value or interval, never 100.
    assert axis["range"][0] == 0 and axis["highest"] < axis["range"][1] <= axis["highest"] + 10
    # Every added council is in the table beside the area, with its own column.
    heads = page.locator("#profile-trend-table thead th").all_inner_texts()
    assert [h for h in heads if any(name in h for name, _ in ADDED)] == \
        ["\u25b2 Newcastle upon Tyne", "\u25bc County Durham", "\u2b1f Sunderland"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#profile-trend-title").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"several-{width}.png"), full_page=False)
    page.locator("#profile-trend-controls").screenshot(path=str(SHOTS / f"several-controls-{width}.png"))
    page.locator("figure.chart:has(#profile-trend)").screenshot(path=str(SHOTS / f"several-chart-{width}.png"))
    assert_accessible(page)

    # Each council added is a button that removes it, named for what it does.
    page.get_by_role("button", name="Remove County Durham from the chart").click()
    wait_for_lines(page, 5)
    page.wait_for_function("() => window.location.search.includes('with=E08000021,E08000024')")
    assert key_texts(page) == [line for line in LINES if line != "County Durham"]
    assert page.locator("#profile-with-message").inner_text() == "Removed County Durham."
    assert page.console_errors == []


@pytest.mark.parametrize("sized", [LAPTOP], indirect=True, ids=["1366x768"])
def test_change_since_a_year_and_the_recent_trend_mark(sized, full_url):
    page, width, _ = sized
    page.goto(full_url + DARLINGTON + "&with=E08000021")
    wait_for_lines(page, 4)
    # The area's own recent trend, in words with an arrow, and its method.
    mark = page.locator("#profile-recent-trend").inner_text()
    assert re.match(r"^[\u2191\u2193\u2192] (Improving|Worsening|No significant change), 2014-15 to 2017-18 ", mark)
    assert "chi-square" in page.locator(".recent-trend .method").inner_text().lower()
    page.get_by_label("Figures or change").select_option("2015-16")
    page.wait_for_function("() => window.location.search.endsWith('with=E08000021&since=2015-16')")
    page.wait_for_function("() => document.querySelector('#profile-trend-title').innerText.includes('change since')")
    assert page.locator("#profile-trend-title").inner_text() == "Adults receiving direct payments: change since 2015-16"
    # Not across the 2024-25 series break: it is said, and the lines stop at 2023-24.
    assert "not measured across a break" in page.locator("#profile-change-notes").inner_text()
    years = page.locator("#profile-trend-table tbody th").all_inner_texts()
    assert years[0] == "2015-16" and years[-1] == "2023-24"
    first = page.locator("#profile-trend-table tbody tr").first.locator("td").first.inner_text()
    assert first.endswith("(+0.0 points)")
    page.locator("figure.chart:has(#profile-trend)").screenshot(path=str(SHOTS / f"change-{width}.png"))
    assert_accessible(page)
    assert page.console_errors == []


FOCUSED = "() => { const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.id || e.tagName) : null; }"


@pytest.mark.parametrize("sized", [LAPTOP, PHONE], indirect=True, ids=["1366x768", "390x844"])
def test_removing_a_council_by_keyboard_keeps_the_focus_in_the_list_then_in_the_box(sized, full_url):
    """The remove buttons are drawn anew without the council removed: the focus moves to the
    button now in its place, else the last one left, else the box to add a council; never to
    the top of the page."""
    page, _, _ = sized
    codes = ",".join(code for _, code in ADDED)
    page.goto(full_url + DARLINGTON + f"&with={codes}")
    wait_for_lines(page, 6)
    steps = [("County Durham", "Remove Sunderland from the chart", 5),          # the next one
             ("Sunderland", "Remove Newcastle upon Tyne from the chart", 4),    # the last left
             ("Newcastle upon Tyne", "profile-with-input", 3)]                  # none left: the box
    for name, focus, lines in steps:
        page.get_by_role("button", name=f"Remove {name} from the chart").focus()
        page.keyboard.press("Enter")
        wait_for_lines(page, lines)
        page.wait_for_function(f"want => ({FOCUSED})() === want", arg=focus, timeout=10000)
        assert page.locator("#profile-with-message").inner_text() == f"Removed {name}."
    assert page.evaluate(FOCUSED) == "profile-with-input"
    assert page.url.endswith(DARLINGTON)
    # Typing goes straight into the box the focus came to.
    page.keyboard.type("Sunderland")
    page.keyboard.press("Enter")
    wait_for_lines(page, 4)
    assert page.console_errors == []
