"""The mental-health lens on the full real dataset, on a laptop (1366x768) and a phone (390x844),
with the reader's council (Gateshead) in the URL: every block is there with the years it covers
in its heading, at least one gap is stated in words, Gateshead is marked by a label in the
chart, nothing scrolls sideways on the phone, the page has its own title and axe-core finds no
serious or critical violation. Changing the region redraws the councils and writes the URL."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible

URL = "/mental-health?council=E08000037"
HEADINGS = {
    "#mh-dp-heading": "Direct payments, 2006-07 and 2008-09 to 2012-13: share to mental-health clients aged 18-64, "
                      "councils in North East and England",
    "#mh-report-heading": "Self-directed support, 2011-12: councils in North East, adults aged 18-64 with mental "
                          "health needs beside all adults",
    "#mh-reasons-heading": "Uptake by primary support reason, England, 2021-22: mental health beside the others",
    "#mh-spend-heading": "Spending, 2014-15: direct payments' share of community spending on mental health support, "
                         "councils in North East, beside other client groups and England",
}


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_every_block_states_its_years_and_a_gap_and_fits_the_screen(browser, full_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(full_url + URL)
        page.wait_for_selector("#mh-dp-chart .main-svg", timeout=30000)
        page.wait_for_selector("#mh-spend-chart .main-svg", timeout=30000)
        assert page.title() == "Mental health: left behind in self-directed support? - Self-directed support uptake in England"
        for selector, text in HEADINGS.items():
            assert page.locator(selector).inner_text() == text
        # The share chart: Gateshead named on the chart, England's 2012-13 share in the key sentence.
        assert "\u25c6 Gateshead (your council)" in page.locator("#mh-dp-chart .annotation-text").all_text_contents()
        assert ("In 2012-13, 6.5% of direct payments to adults aged 18-64 in Gateshead went to people with mental "
                "health needs (15 of 230), against 9.5% in North East (430 of 4,540) and 11.4% in England "
                "(8,245 of 72,360).") in page.locator("#mh-dp .mh-key").all_inner_texts()
        # Gaps in words: a year with no publication, a suppressed council, the years with nothing at all.
        dp_gaps = page.locator("#mh-dp-gaps").inner_text()
        assert "2007-08: no figures, because no publication for this year is loaded here" in dp_gaps
        assert "2008-09: no share for Darlington" in dp_gaps
        years = page.locator("#mh-years-gaps").inner_text()
        assert "2013-14: no publication for this year is loaded here" in years
        assert "2021-22: mental-health figures are published for England only" in years
        assert "no other region's councils have one" in page.locator("#mh-report-gaps").inner_text()
        # Text alternatives and tables sit in <details>; downloads use the registered views.
        assert page.locator("#mh-dp details.text-alternative #mh-dp-table").count() == 1
        assert page.locator("#mh-dp-download-csv").get_attribute("href") == \
            "/download/mental-health-dp-share.csv?region=E12000001&council=E08000037"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page)
        assert errors == []
    finally:
        context.close()


def test_a_new_region_redraws_its_councils_and_keeps_the_readers_council(browser, full_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(full_url + URL)
        page.wait_for_selector("#mh-dp-chart .main-svg", timeout=30000)
        page.select_option("#mh-region", "E12000007")
        page.wait_for_function("document.querySelector('#mh-dp-heading').textContent.includes('London')",
                               timeout=30000)
        assert page.url.endswith("/mental-health?region=E12000007&council=E08000037")
        assert "councils in London" in page.locator("#mh-spend-heading").inner_text()
        # 2012-13: Islington's count was printed as "..", and the page says so.
        assert "2012-13: no share for Islington: the count of direct payments was not given in the publication." \
            in page.locator("#mh-dp-gaps").inner_text()
    finally:
        context.close()
