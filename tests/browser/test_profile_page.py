"""The council profile, /area/<code>, in a real browser on the full dataset: summary, dot chart
and its key, trend lines broken at missing years, series breaks and boundary changes, the trend's
selects and URL state, messages. (The phone's view and the first screen: test_profile_chart_first.py.)"""
from __future__ import annotations

import re

from .conftest import assert_accessible, embed_code

DARLINGTON = "/area/E06000005"

# Segments of each trend line, read from Plotly's SVG: one path per unbroken run of points,
# 'M' then an 'L' per further point ("M" alone is an isolated point, joined to nothing).
LINE_SEGMENTS = """() => Object.fromEntries([...document.querySelectorAll('#profile-trend g.scatterlayer g.trace')]
    .map(g => [[...g.querySelectorAll('path.js-line')].map(l => l.style.stroke)[0] || 'none',
               [...g.querySelectorAll('path.js-line')].map(l => l.getAttribute('d').replace(/[^ML]/g, ''))]))"""
COUNCIL, REGION, ENGLAND = "rgb(29, 79, 145)", "rgb(136, 34, 85)", "rgb(26, 26, 26)"


def wait_for_trend(page):
    page.wait_for_selector("#profile-trend g.scatterlayer g.trace")


def test_darlington_summary_dot_chart_and_accessibility(page, full_url):
    page.goto(full_url + DARLINGTON)
    page.wait_for_selector("#profile-dots g.scatterlayer g.trace")
    wait_for_trend(page)
    assert page.locator("h1").inner_text() == "Darlington: self-directed support and direct payments"
    summary = page.locator("#profile-summary").inner_text()
    # DHSC says 2024-25 self-directed support is not comparable between councils: flagged, not compared.
    assert summary.startswith(
        "In 2024-25, 95.8% of adults using long-term support in Darlington received self-directed support "
        "(790 of 825) \u26a0 but this figure is flagged (not comparable between councils), so it is not compared "
        "with England. In the same year, 28.8% received direct payments (238 of 825), higher than England "
        "(24.5%), significantly.")
    assert summary.endswith("For adults aged 18-64 with mental health needs, 19.0% received self-directed support "
                            "in 2011-12 (70 of 395), similar to England (14.6%) \u26a0 (flagged: differs from its "
                            "own counts).")
    # Three marker sets, each its own shape and colour, named in the key above the chart (text
    # that wraps on a phone, with the marks drawn as the chart draws them).
    assert page.locator("#profile-dots-key li").all_inner_texts() == [
        "Darlington, with its 95% interval", "North East", "England",
        "a figure with a quality flag \u26a0 (see the caveats)"]
    key_box, chart_box = page.locator("#profile-dots-key").bounding_box(), page.locator("#profile-dots").bounding_box()
    assert key_box["y"] + key_box["height"] <= chart_box["y"]
    assert page.locator("#profile-dots g.legend").count() == 0
    assert page.locator("#profile-dots-title").inner_text() == "Latest figure for each measure"
    # A hollow marker (Darlington's flagged 2024-25 dot, the first) is drawn in its stroke.
    markers = page.evaluate("""() => [...document.querySelectorAll('#profile-dots g.scatterlayer g.trace')]
        .map(g => { const p = g.querySelector('path.point');
                    return [p.getAttribute('d').slice(0, 6), p.style.fill, p.style.stroke]; })""")
    assert len({shape for shape, _, _ in markers}) == 3
    assert {stroke if fill == "none" else fill for _, fill, stroke in markers} == {COUNCIL, REGION, ENGLAND}
    assert [fill for _, fill, _ in markers].count("none") == 1
    assert page.locator("#profile-dots g.errorbar").count() >= 10
    ticks = sorted(page.locator("#profile-dots g.ytick text").all(), key=lambda t: t.bounding_box()["y"])
    first_row = ticks[0].text_content()
    assert first_row == "Adults receiving self-directed supportAll adults (18+), 2024-25"
    assert "95.8% \u26a0 not compared: see the caveat" in page.locator("#profile-dots g.annotation").all_text_contents()
    # The text alternative waits in a native <details> under the chart.
    description = page.locator("#profile-dots-description")
    assert not description.is_visible()
    page.locator("#profile-dots-title").locator("xpath=ancestor::figure").get_by_text("The chart in words").click()
    assert description.is_visible()
    described = description.inner_text()
    assert ("Adults receiving self-directed support, all adults (18+), 2024-25: Darlington 95.8% (95% interval "
            "94.2 to 96.9), North East 88.6%, England 82.4%; not compared: see the caveat (\u26a0 flagged: not "
            "comparable between councils).") in described
    # The caveats under the dot chart, as visible text.
    caveats = page.locator("#profile-dots-caveats").inner_text()
    assert "\u26a0 Not comparable between councils (Darlington 2024-25, North East 2024-25, England 2024-25)" in caveats
    assert ("Series break in 2024-25: From 2024-25 ASCOF 3D(1a) is derived from Client Level Data, not the SALT "
            "return") in caveats
    # Counts are in the table, not on the percentage axis.
    assert "People receiving direct payments" not in page.locator("#profile-dots").text_content()
    counts = page.locator("#profile-counts-table").inner_text()
    assert counts.startswith("Data: counts and amounts of money for Darlington, latest year with a figure")
    assert "People receiving direct payments (number)\nAll adults (18+)\t2012-13\t315\tpublished\t6,870\t115,930" in counts
    row = page.locator("#profile-table tbody tr", has_text="2024-25").first.inner_text().split("\t")
    # The recent trend: 2024-25 starts a new series, so the last run of years with counts before it.
    assert row[:10] == ["All adults (18+)", "2024-25", "95.8% \u26a0", "94.2 to 96.9", "790", "825",
                        "\u26a0 not compared: see the caveat", "\u2191 Improving, 2014-15 to 2017-18", "published",
                        "88.6%"]
    assert row[-1].startswith("\u26a0 DHSC, ASCOF 2024-25 note 15")
    assert "ASCOF" in page.locator("#profile-sources").inner_text()
    # Under each chart: its data, picture and embed code, at the chart's canonical URLs.
    assert page.locator("#area-download-csv").get_attribute("href") == "/download/area.csv?code=E06000005"
    assert page.locator("#trend-download-csv").get_attribute("href") == \
        "/download/trend.csv?code=E06000005&measure=sds_users&age_band=all&client_group=all"
    assert not page.locator("#area-embed-code").is_visible()
    code = embed_code(page, "area")
    assert code.startswith("<iframe src=") and full_url + "/embed/area?code=E06000005" in code
    assert page.locator("#area-citation").inner_text().startswith(
        "Self-directed support uptake in England: Darlington: latest figure for each measure.")
    assert_accessible(page)
    assert page.console_errors == []


def description(page) -> str:
    """The trend's text alternative (in a closed <details>: its text, not its rendering)."""
    return page.locator("#profile-trend-description").text_content()


CHANGED = "before => document.querySelector('#profile-trend-description').textContent !== before"


def test_trend_measure_changes_chart_and_url_and_a_saved_url_restores_it(page, full_url):
    page.goto(full_url + DARLINGTON)
    wait_for_trend(page)
    controls = page.get_by_role("group", name="Choose the trend to show")
    measure = controls.get_by_label("Measure", exact=True)
    assert measure.evaluate("e => e.tagName") == "SELECT" and measure.input_value() == "sds_users"
    assert page.locator("main form").count() == 0
    segments = page.evaluate(LINE_SEGMENTS)
    # England: 2011-12 to 2012-13, every year 2014-15 to 2023-24 (the 1C -> 3D code change in
    # 2023-24 is a rename, not a break), 2024-25 alone: never joined across the missing 2013-14 or
    # the 2014-15 and 2024-25 series breaks.
    assert segments[ENGLAND] == ["ML", "MLLLLLLLLL", "M"]
    before = description(page)
    assert "Series break 1, before 2014-15 (lines not joined across it): ASCOF 1C(1A) from 2014-15" in before
    measure.select_option(label="Adults receiving direct payments")
    page.wait_for_function(CHANGED, arg=before)
    assert re.search(r"/area/E06000005\?measure=dp_users&age_band=all&client_group=all$", page.url)
    after = description(page)
    assert after.startswith("Line chart of adults receiving direct payments, all adults (18+) for Darlington")
    assert ("Darlington: 2014-15 30.4%, 2015-16 30.3%, 2016-17 32.0%, 2017-18 45.5%, 2018-19 42.2%, 2019-20 "
            "40.2%, 2020-21 36.5%, 2021-22 35.7%, 2022-23 35.0%, 2023-24 32.4%, 2024-25 28.8%.") in after
    # The trend's share panel follows the controls.
    assert page.locator("#trend-download-csv").get_attribute("href") == \
        "/download/trend.csv?code=E06000005&measure=dp_users&age_band=all&client_group=all"
    assert "/embed/trend?code=E06000005&amp;measure=dp_users" in embed_code(page, "trend")
    controls.get_by_label("Age band", exact=True).select_option(label="People aged 65 and over")
    page.wait_for_function("() => location.search.includes('age_band=65%2B')")
    page.wait_for_function("() => document.querySelector('#profile-trend-description').textContent"
                           ".includes('people aged 65 and over')")
    assert page.locator("#profile-trend-title").inner_text() == "Adults receiving direct payments"
    saved = page.url
    page.goto(saved)
    wait_for_trend(page)
    assert page.get_by_label("Measure", exact=True).input_value() == "dp_users"
    assert page.get_by_label("Age band", exact=True).input_value() == "65+"
    assert "Darlington: 2014-15 12.9%" in description(page)
    assert page.locator("#profile-trend-table tbody tr").first.inner_text().split("\t")[:3] == \
        ["2014-15", "12.9%", "10.3 to 16.2"]
    assert page.console_errors == []


def test_breaks_between_adjacent_years_and_boundary_changes_are_not_joined(page, full_url):
    page.goto(full_url + DARLINGTON + "?measure=dp_recipients&age_band=all&client_group=all")
    wait_for_trend(page)
    # 2006-07 alone (no 2007-08); 2008-09 to 2011-12 are consecutive years, but 2009-10, 2010-11 and
    # 2011-12 each start a new series: 2008-09, 2009-10 and 2010-11 stand alone, 2011-12 joins 2012-13.
    assert page.evaluate(LINE_SEGMENTS)[COUNCIL] == ["M", "M", "M", "M", "ML"]
    assert page.locator("#profile-trend-breaks li").count() == 3
    assert "The 2009-10 return counted 'direct payments and personal budgets'" in \
        page.locator("#profile-trend-breaks").inner_text()
    page.goto(full_url + "/area/E06000058?measure=population&age_band=all&client_group=all")
    wait_for_trend(page)
    # BCP's series starts at its creation in 2019-20 (no figure is kept for it before its
    # lifetime): one run, with the two boundary changes that made it marked where it starts.
    assert page.evaluate(LINE_SEGMENTS)[COUNCIL] == ["ML"]
    annotations = page.locator("#profile-trend g.annotation").all_text_contents()
    assert annotations == ["Boundary change 1", "Boundary change 2"]
    described = description(page)
    assert "Bournemouth, Christchurch and Poole: 2019-20 319,763, 2020-21 320,637." in described
    # A count is drawn for the council alone: the key names it alone, without an interval.
    assert page.locator("#profile-trend-key li").all_inner_texts() == ["Bournemouth, Christchurch and Poole"]
    assert ("Boundary change 1, before 2019-20 (lines not joined across it): Bournemouth (CASSR 810) and Poole "
            "(811) unitaries merged") in described
    assert page.console_errors == []


def test_unknown_and_malformed_codes_show_a_message_with_a_way_back(page, full_url):
    for path, shown in (("/area/E99999999", "E99999999"), ("/area/%3Cscript%3E", "<script>")):
        # The server answers an unknown code itself (dashboards/security.py): a 404 page, no script.
        response = page.goto(full_url + path)
        assert response.status == 404
        assert page.locator("h1").inner_text() == "No such council"
        assert page.locator(".message").inner_text().startswith(
            f"There is no council, region or country with the ONS code \u201c{shown}\u201d.")
        assert page.get_by_role("link", name="Go to the comparison of councils").get_attribute("href") == "/"
    assert_accessible(page)
    # Chromium logs each 404 document as a failed load; nothing else may appear.
    assert [e for e in page.console_errors if "status of 404" not in e] == []


def test_compare_table_links_land_on_the_profile(page, full_url):
    page.goto(full_url + "/?scope=region&region=E12000001")
    page.wait_for_selector("#compare-table")
    page.locator("#compare-table").get_by_role("link", name="Darlington", exact=True).click()
    page.wait_for_selector("#profile-summary")
    assert page.url == full_url + DARLINGTON
    assert "95.8% of adults using long-term support in Darlington" in page.locator("#profile-summary").inner_text()
    page.goto(full_url + "/area/E12000001")
    page.wait_for_selector("#profile-summary")
    assert page.locator("#profile-summary").inner_text().startswith(
        "In 2024-25, 88.6% of adults using long-term support in the North East received self-directed support")
    assert page.locator("#profile-dots-key li").all_inner_texts()[:2] == ["North East, with its 95% interval",
                                                                          "England"]
    assert page.get_by_role("link", name="Compare the councils of the North East").get_attribute("href") == \
        "/?scope=region&region=E12000001"
    assert page.locator("#profile-compare-similar").count() == 0      # a region has no similar councils
    assert page.console_errors == []
