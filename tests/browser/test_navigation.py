"""The reader's council travels with them: every page's navigation carries the council the URL
names, so the next page marks it too (assets/nav.js), and each page has its own title."""
from __future__ import annotations


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
    page.wait_for_selector(".js-plotly-plot .main-svg")
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
