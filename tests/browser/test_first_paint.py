"""The first paint in Chromium: the page's first chart is drawn from the index before Dash has
started, in the same place as the live page draws it, its controls disabled and its links
working, and replaced by the live page."""
from __future__ import annotations

import pytest

from tests.browser.conftest import LIVE

DRAWN = ".main-svg .trace, .main-svg .bars, .main-svg g.choroplethlocation, .main-svg path.point"
FIRST_PAINT_DRAWN = f"() => !!document.querySelector('#first-paint .first-paint-chart') && " \
                    f"!!document.querySelector('#first-paint .first-paint-chart').querySelector({DRAWN!r})"
PAGES = ["/?measure=dp_users&period=2021-22&council=E08000037", "/area/E08000037", "/funnel", "/map",
         "/client-groups", "/mental-health", "/control"]


def without_dash(page) -> None:
    """Dash's renderer never arrives: what the reader has is the first paint alone."""
    page.route("**/dash_renderer*", lambda route: route.abort())


@pytest.mark.parametrize("sized", [(1366, 768), (390, 844)], indirect=True)
@pytest.mark.parametrize("path", PAGES)
def test_the_first_chart_is_drawn_before_dash_starts_above_the_fold_with_its_controls_disabled(sized, full_url, path):
    page, width, height = sized
    without_dash(page)
    page.goto(full_url + path, wait_until="commit")
    page.wait_for_selector("#first-paint")
    if path.startswith("/area/") and width < 560:
        # A phone shows the profile as small multiples (HTML) and hides the dot chart.
        first = page.locator("#first-paint .sm-chart").first
        assert page.locator("#first-paint .first-paint-chart").bounding_box() is None
    else:
        page.wait_for_function(FIRST_PAINT_DRAWN, timeout=30000)
        first = page.locator("#first-paint .first-paint-chart")
    assert page.evaluate("() => !document.querySelector('#react-entry-point #main')")
    top = first.bounding_box()["y"]
    if path.startswith("/?") and width < 560:
        # Fitted to a phone as the live page fits it: the reader's mark on its own line.
        lines = page.evaluate("() => [...document.querySelectorAll('#first-paint .yaxislayer-above text')]"
                              ".filter(t => t.textContent.includes('Gateshead'))"
                              ".map(t => t.querySelectorAll('tspan.line').length)")
        assert lines == [2], lines
    assert top < height, f"{path}: the first chart starts at {top:.0f} px, below a {height} px screen"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # Its controls are disabled: a choice made there would be lost at the swap.
    assert page.evaluate("() => [...document.querySelectorAll('#first-paint select, #first-paint input')]"
                         ".every(control => control.disabled)")
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))
    assert page.title().endswith("Self-directed support uptake in England") and page.title() != "Self-directed support uptake"


@pytest.mark.parametrize("sized", [(1366, 768)], indirect=True)
def test_the_live_page_takes_over_in_the_same_place(sized, full_url):
    page, _, _ = sized
    held = []       # Dash's renderer waits until the first paint has been measured
    page.route("**/dash_renderer*", lambda route: held.append(route))
    page.goto(full_url + "/funnel?measure=dp_users&period=2021-22", wait_until="commit")
    page.wait_for_function(FIRST_PAINT_DRAWN, timeout=30000)
    early = page.locator("#first-paint .dash-graph").bounding_box()
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function(LIVE, timeout=30000)
    page.wait_for_selector(f"#funnel-chart :is({DRAWN})")
    live = page.locator("#funnel-chart").bounding_box()
    assert abs(early["y"] - live["y"]) <= 2 and abs(early["width"] - live["width"]) <= 2
    assert page.evaluate("() => document.querySelectorAll('[id^=\"first-paint\"]').length") == 0
    assert page.evaluate("() => document.body.className") == ""
    assert page.console_errors == []


@pytest.mark.parametrize("sized", [(1366, 768)], indirect=True)
def test_the_copys_links_work_before_dash_has_started(sized, full_url):
    page, _, _ = sized
    without_dash(page)
    page.goto(full_url + "/map", wait_until="commit")
    page.wait_for_selector("#first-paint .site-nav a")
    page.locator("#first-paint .site-nav a", has_text="Funnel plot").click()
    page.wait_for_url("**/funnel")
    page.wait_for_selector("#first-paint h1")
    assert page.locator("#first-paint h1").inner_text().startswith("Funnel plot")
