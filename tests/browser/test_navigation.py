"""The reader's council travels with them: every page's navigation carries the council the URL
names, so the next page marks it too (assets/nav.js), and each page has its own title."""
from __future__ import annotations

from tests.browser.conftest import wait_for_live


def nav_links(page) -> dict[str, str]:
    page.wait_for_selector(".site-nav a")
    return {link.inner_text(): link.get_attribute("href") for link in page.locator(".site-nav a").all()}


def test_the_navigation_carries_the_readers_council_from_page_to_page(page, full_url):
    page.goto(full_url + "/map?council=E08000037", wait_until="networkidle")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    links = nav_links(page)
    assert links["Compare councils"] == "/?council=E08000037"
    assert links["Funnel plot"] == "/funnel?council=E08000037" and links["Sources and methods"] == "/sources"
    page.click(".site-nav a:has-text('Funnel plot')")
    page.wait_for_url("**/funnel?council=E08000037")
    wait_for_live(page)
    assert "Gateshead (your council)" in page.locator("#funnel-chart").inner_text()
    assert page.title() == "Funnel plot: which councils stand out - Self-directed support uptake in England"


def test_a_councils_profile_is_the_council_the_other_pages_mark(page, full_url):
    page.goto(full_url + "/area/E06000005", wait_until="networkidle")
    page.wait_for_function("() => document.querySelector('.site-nav a[href^=\"/map\"]')"
                           "?.getAttribute('href') === '/map?council=E06000005'")
    assert nav_links(page)["Map"] == "/map?council=E06000005"
    page.goto(full_url + "/area/E12000001", wait_until="networkidle")     # a region is no council
    page.wait_for_selector("#profile-summary")
    assert nav_links(page)["Map"] == "/map"
    assert page.title() == "North East: profile - Self-directed support uptake in England"


def test_the_view_travels_too_so_the_next_page_shows_the_same_figures(page, full_url):
    page.goto(full_url + "/map?measure=dp_users&period=2020-21&council=E08000037", wait_until="networkidle")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    links = nav_links(page)
    assert links["Compare councils"] == "/?measure=dp_users&period=2020-21&council=E08000037"
    assert links["Sources and methods"] == "/sources"
    page.click(".site-nav a:has-text('Compare councils')")
    page.wait_for_selector("#compare-chart .main-svg")
    assert page.locator("#compare-chart-title").inner_text().startswith("Adults receiving direct payments")
    assert "2020-21" in page.locator("#compare-chart-title").inner_text()
    assert "Gateshead (your council)" in page.locator("#compare-key").inner_text()


def test_a_profiles_compare_link_carries_the_trend_the_reader_chose(page, full_url):
    page.goto(full_url + "/area/E08000037?measure=dp_users&age_band=65%2B&client_group=all", wait_until="networkidle")
    page.wait_for_function("() => document.querySelector('#profile-compare-similar')"
                           "?.getAttribute('href').includes('measure=dp_users')")
    href = page.locator("#profile-compare-similar").get_attribute("href")
    assert href == "/?council=E08000037&scope=neighbours&measure=dp_users&age_band=65%2B&client_group=all"
    page.click("#profile-compare-similar")
    page.wait_for_selector("#compare-chart .main-svg")
    # 2024-25, the default year, has no age bands: the page shows the nearest view it can.
    title = page.locator("#compare-chart-title").inner_text()
    assert title.startswith("Adults receiving direct payments") and "Gateshead and its 15 most similar" in title


def test_a_council_in_the_ranking_opens_its_profile_on_the_measure_being_compared(page, full_url):
    page.goto(full_url + "/?measure=dp_users&period=2024-25&age_band=all&client_group=all&scope=neighbours"
              "&council=E08000037", wait_until="networkidle")
    page.wait_for_selector("#compare-chart .main-svg")
    link = page.locator("#compare-table tr.highlight th a")
    page.wait_for_function("() => document.querySelector('#compare-table tr.highlight th a')"
                           "?.getAttribute('href').includes('measure=dp_users')")
    assert link.get_attribute("href") == ("/area/E08000037?measure=dp_users&period=2024-25&age_band=all"
                                          "&client_group=all&council=E08000037")
    link.click()
    page.wait_for_selector("#profile-trend .main-svg")
    assert page.locator("#profile-trend-title").inner_text().startswith("Adults receiving direct payments")
