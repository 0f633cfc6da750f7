"""The council profile opens on a chart, on a laptop (1366x768) and on a phone (390x844): the
first chart starts on the first screen, nothing scrolls sideways, the phone's small multiples
are wide enough to read, the page names the council in its <title>, axe-core finds nothing
serious, and Gateshead's flagged 2024-25 figure keeps its caveat mark and its caveat."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible

LAPTOP, PHONE = (1366, 768), (390, 844)
GATESHEAD, DARLINGTON = "/area/E08000037", "/area/E06000005"
CAVEAT = "\u26a0"
SITE = "Self-directed support uptake in England"

# The first chart drawn on the page, whichever the screen shows: the dot chart (wide) or the
# first small multiple (narrow). Its top edge, in viewport pixels.
FIRST_CHART_TOP = """() => {
  const shown = [...document.querySelectorAll('#profile-dots .js-plotly-plot, #profile-multiples .small-multiple')]
    .filter(e => e.getBoundingClientRect().height > 0);
  return shown.length ? shown[0].getBoundingClientRect().top : null;
}"""


def open_profile(page, url: str, width: int) -> None:
    page.goto(url)
    if width >= 900:
        page.wait_for_selector("#profile-dots g.scatterlayer path.point")
    else:
        page.wait_for_selector("#profile-multiples .small-multiple")
    page.wait_for_selector("#profile-trend g.scatterlayer g.trace")


@pytest.mark.parametrize("sized", [LAPTOP, PHONE], indirect=True, ids=["1366x768", "390x844"])
@pytest.mark.parametrize("path, name", [(GATESHEAD, "Gateshead"), (DARLINGTON, "Darlington")])
def test_the_first_chart_starts_on_the_first_screen_and_nothing_scrolls_sideways(sized, full_url, path, name):
    page, width, height = sized
    open_profile(page, full_url + path, width)
    top = page.evaluate(FIRST_CHART_TOP)
    assert top is not None and 0 < top < height, top
    page.wait_for_function("title => document.title === title", arg=f"{name}: profile - {SITE}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The way to the reader's question, before the chart: this council among councils like it.
    similar = page.get_by_role("link", name="Compare with similar councils")
    assert similar.get_attribute("href") == f"/?council={path.rsplit('/', 1)[1]}&scope=neighbours"
    assert similar.bounding_box()["y"] < top
    # Controls are labelled native selects; no form on the page (Enter can never submit one).
    assert page.locator("main form").count() == 0
    assert page.locator("#profile-trend-controls select").count() == 4   # measure, age, group, change
    # Every table scrolls inside its own box, never the page.
    for box in page.locator(".table-box").all():
        edges = box.bounding_box()
        assert edges["x"] >= 0 and edges["x"] + edges["width"] <= width
    if (path, width) != (DARLINGTON, LAPTOP[0]):   # that view's axe run is in test_profile_page.py
        assert_accessible(page)
    assert page.console_errors == []


@pytest.mark.parametrize("sized", [PHONE], indirect=True, ids=["390x844"])
def test_a_phone_reads_small_multiples_and_the_flagged_figure_keeps_its_caveat(sized, full_url):
    page, width, _ = sized
    open_profile(page, full_url + GATESHEAD, width)
    # The dot chart gives way to small multiples, each at least 300 px wide, held back ones too.
    assert page.locator("#profile-dots").bounding_box() is None
    page.evaluate("() => document.querySelectorAll('#profile-multiples details').forEach(d => d.open = true)")
    boxes = [item.bounding_box() for item in page.locator("#profile-multiples .small-multiple").all()]
    assert len(boxes) == 34
    assert min(box["width"] for box in boxes) >= 300
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)
    # Each names its measure above it as text: the first is self-directed support, 2024-25, flagged.
    first_group = page.locator("#profile-multiples .sm-group").first
    assert first_group.locator("h3").inner_text() == "Adults receiving self-directed support"
    first = first_group.locator(".small-multiple").first
    assert first.locator(".sm-label").inner_text() == "All adults (18+), 2024-25"
    assert first.locator(".sm-value").first.inner_text() == \
        f"Gateshead 22.2% (95% interval 20.3 to 24.2) {CAVEAT} not compared: see the caveat"
    assert first.locator(".sm-plot .mark-hollow").count() == 1
    # The dot on its scale sits at 22.2% of the way along it; England's mark at 82.4%.
    plot = first.locator(".sm-plot").bounding_box()
    at = {shape: (mark.bounding_box()["x"] + mark.bounding_box()["width"] / 2 - plot["x"]) / plot["width"] * 100
          for shape, mark in (("area", first.locator(".sm-plot .mark-circle")),
                              ("england", first.locator(".sm-plot .mark-square")))}
    assert abs(at["area"] - 22.2) < 1.5 and abs(at["england"] - 82.4) < 1.5
    # The key is above the multiples, the caveat visible under them.
    key = page.locator("#profile-dots-key").bounding_box()
    assert key["y"] + key["height"] <= boxes[0]["y"]
    caveats = page.locator("#profile-dots-caveats")
    assert caveats.is_visible()
    assert (f"{CAVEAT} Not comparable between councils; Self-directed support reported equal to direct payments "
            "(Gateshead 2024-25): DHSC, ASCOF 2024-25 note 15") in caveats.inner_text()
    # The trend chart and its title fit the screen.
    for selector in ("#profile-trend", "#profile-trend-title", "#profile-trend-key"):
        edges = page.locator(selector).bounding_box()
        assert edges["x"] >= 0 and edges["x"] + edges["width"] <= width, selector
    assert page.locator("#profile-trend g.legend").count() == 0
    assert page.console_errors == []
