"""A measure page in Chromium on the full dataset: its own title, its sources by year, no sideways
scroll on a phone, no serious or critical axe-core violations at desktop and phone sizes; and the
compare chart's source line leads to it."""
from __future__ import annotations

import pytest

from .conftest import assert_accessible

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_sds_users_page_renders_and_is_accessible(browser, full_url, size, tmp_path_factory):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(full_url + "/measure/sds_users")
        page.wait_for_selector("#measure-sources tbody tr", timeout=30000)
        page.wait_for_function("document.title.startsWith('Adults receiving self-directed support')", timeout=10000)
        assert page.title() == "Adults receiving self-directed support - Self-directed support uptake in England"
        years = page.locator("#measure-sources tbody th").all_inner_texts()
        assert years[0] == "2011-12" and years[-1] == "2024-25" and "2021-22" in years
        assert page.locator("#measure-sources a[href^='https://www.gov.uk/']").count() >= 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if size == "phone":
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
        assert_accessible(page)
        shot = tmp_path_factory.getbasetemp() / f"measure-sds_users-{width}x{height}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert errors == []
    finally:
        context.close()


def test_the_compare_charts_source_line_leads_to_the_measure_page(page, full_url):
    page.goto(full_url + "/?measure=dp_users&period=2021-22&age_band=all&client_group=all&scope=england")
    link = page.locator("#source-line a.measure-link")
    link.wait_for(timeout=30000)
    assert link.inner_text() == "Adults receiving direct payments"
    link.click()
    page.wait_for_selector("#measure-title", timeout=30000)
    assert page.locator("#measure-title").inner_text() == "Adults receiving direct payments"
    assert page.url.endswith("/measure/dp_users")
