"""A number with a known caveat never travels without it, in a real browser on the full data:
Gateshead's 2024-25 self-directed support (22.2%, reported equal to its direct payments, in a year
DHSC says is not comparable between councils) on the Compare page and on its profile."""
from __future__ import annotations

from .conftest import assert_accessible
from .test_compare_page import bars_top_to_bottom, description, key_text, table_rows
from .test_profile_page import COUNCIL, LINE_SEGMENTS

COMPARE_2024 = "/?measure=sds_users&period=2024-25"
GATESHEAD = "/area/E08000037"
CAVEAT = "\u26a0"


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_compare_shows_the_caveats_under_the_chart_and_marks_gateshead(page, full_url):
    page.goto(full_url + COMPARE_2024)
    page.wait_for_selector("#compare-chart g.ytick text")
    # Every council is held back by DHSC's note: one legend category, never better or worse.
    key = key_text(page)
    assert f"{CAVEAT} not compared: see the caveat" in key
    assert "better than England" not in key and "worse than England" not in key
    assert dict(bars_top_to_bottom(page))["Gateshead"] == f"22.2% {CAVEAT}"
    # The caveats are visible text directly under the chart, above its description (a closed
    # "Describe this chart" disclosure), its download links and its table.
    caveats = page.locator("#compare-caveats")
    assert caveats.is_visible()
    chart, under = _box(page, "#compare-chart"), _box(page, "#compare-caveats")
    described, links, table = _box(page, "#compare-describe"), _box(page, "#compare-download-csv"), \
        _box(page, "#compare-table")
    assert chart["y"] + chart["height"] <= under["y"] < described["y"] < links["y"] < table["y"]
    text = caveats.inner_text()
    assert f"{CAVEAT} Not comparable between councils (" in text
    assert f"{CAVEAT} Self-directed support reported equal to direct payments (" in text
    assert ("Series break in 2024-25: From 2024-25 ASCOF 3D(1a) is derived from Client Level Data, not the SALT "
            "return: not comparable with 1C(1A) for earlier years.") in text
    assert "not compared because of a quality flag" in description(page)
    gateshead = next(row for row in table_rows(page) if row[1] == "Gateshead")
    assert gateshead[2:8] == ["E08000037", f"22.2% {CAVEAT}", "20.3 to 24.2", "395", "1,782",
                              f"{CAVEAT} not compared: see the caveat"]
    # No recent trend for 2024-25 (a new series, one year); the flags on one line; opening it
    # shows the quality note.
    assert gateshead[8] == "\u2013 Not calculated"
    assert gateshead[10] == (f"{CAVEAT} Not comparable between councils; Self-directed support reported "
                            "equal to direct payments")
    note = page.locator("#compare-table tbody tr", has=page.locator("th", has_text="Gateshead")).locator("details")
    note.locator("summary").click()
    opened = note.inner_text()
    assert "DHSC, ASCOF 2024-25 note 15" in opened
    assert "Reported self-directed support (22.2%) equals direct payments (22.2%)" in opened
    assert_accessible(page)
    assert page.console_errors == []


def test_the_year_before_the_break_warns_of_it(page, full_url):
    page.goto(full_url + "/?measure=sds_users&period=2023-24")
    page.wait_for_selector("#compare-caveats")
    assert ("Series break after 2023-24: From 2024-25 ASCOF 3D(1a) is derived from Client Level Data"
            in page.locator("#compare-caveats").inner_text())


def test_gateshead_profile_summary_trend_and_tables_carry_the_caveat(page, full_url):
    page.goto(full_url + GATESHEAD)
    page.wait_for_selector("#profile-trend g.scatterlayer g.trace")
    summary = page.locator("#profile-summary").inner_text()
    assert summary.startswith(
        "In 2024-25, 22.2% of adults using long-term support in Gateshead received self-directed support "
        f"(395 of 1,782) {CAVEAT} but this figure is flagged (not comparable between councils; self-directed "
        "support reported equal to direct payments), so it is not compared with England.")
    assert "lower than England (82.4%)" not in summary
    # The trend: 2011-12 alone, every year 2014-15 to 2023-24 joined, 2024-25 alone past the break.
    assert page.evaluate(LINE_SEGMENTS)[COUNCIL] == ["M", "MLLLLLLLLL", "M"]
    # The 2024-25 point is hollow (its fill is transparent); the others are filled.
    fills = page.evaluate("""() => [...document.querySelectorAll('#profile-trend g.scatterlayer g.trace')]
        .filter(g => [...g.querySelectorAll('path.js-line')].some(l => l.style.stroke === 'rgb(29, 79, 145)'))
        .flatMap(g => [...g.querySelectorAll('path.point')].map(p => p.style.fill))""")
    assert fills[-1] in ("none", "rgba(0, 0, 0, 0)", "transparent") and fills[1] == COUNCIL
    annotations = page.locator("#profile-trend g.annotation").all_text_contents()
    assert annotations == ["Series break 1", "Series break 2"]
    assert "Series break 2, before 2024-25: From 2024-25 ASCOF 3D(1a) is derived from Client Level Data" in \
        page.locator("#profile-trend-breaks").inner_text()
    # The trend's caveats come straight after its figure (chart, key, share links, text alternative).
    assert page.evaluate("() => document.querySelector('#profile-trend').closest('figure')"
                         ".nextElementSibling.id") == "profile-trend-caveats"
    trend_caveats = page.locator("#profile-trend-caveats").inner_text()
    assert (f"{CAVEAT} Not comparable between councils; Self-directed support reported equal to direct "
            "payments (Gateshead 2024-25): DHSC, ASCOF 2024-25 note 15") in trend_caveats
    # The y axis runs from 0 to just past the highest value (98.3%, interval to 98.8%), not 0-100 fixed.
    top = page.evaluate("() => document.querySelector('#profile-trend .js-plotly-plot')._fullLayout.yaxis.range")
    assert top[0] == 0 and 98.8 < top[1] <= 101
    row = page.locator("#profile-trend-table tbody tr", has_text="2024-25").first.inner_text().split("\t")
    assert row[:6] == ["2024-25", f"22.2% {CAVEAT}", "20.3 to 24.2", "395", "1,782", f"{CAVEAT} not compared: see the caveat"]
    assert row[-1].startswith(f"{CAVEAT} DHSC, ASCOF 2024-25 note 15")
    dots = page.locator("#profile-dots g.annotation").all_text_contents()
    assert f"22.2% {CAVEAT} not compared: see the caveat" in dots
    assert_accessible(page)
    assert page.console_errors == []


def test_a_phone_reads_the_caveats_without_scrolling_sideways(browser, full_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for path, selector in ((COMPARE_2024, "#compare-caveats"), (GATESHEAD, "#profile-trend-caveats")):
            page.goto(full_url + path)
            page.wait_for_selector(selector)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            box = _box(page, selector)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()
