"""A page on another origin frames /embed/ (the chart renders) but not a full page (refused)."""
from __future__ import annotations

from .conftest import embed_code

QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"


def _host_page(folder, name: str, iframe_code: str) -> str:
    (folder / name).write_text(f"<!DOCTYPE html><html lang='en'><head><title>A campaign report</title></head>"
                               f"<body><h1>Our report</h1>{iframe_code}</body></html>")
    return name


def test_the_embed_snippet_renders_on_another_site_and_a_full_page_is_refused(page, live_url, other_origin):
    folder, origin = other_origin
    # The snippet exactly as the Embed button offers it.
    page.goto(live_url + "/" + QUERY)
    snippet = embed_code(page, "compare")
    assert snippet.startswith(f'<iframe src="{live_url}/embed/compare?') and 'title="Adults receiving' in snippet
    citation = page.locator("#compare-citation").inner_text()
    assert citation.startswith("Self-directed support uptake in England: Adults receiving self-directed support. "
                               "Adults aged 18-64, mental health, 2011-12, councils in North East.")
    assert citation.endswith(live_url + "/" + QUERY)

    page.goto(f"{origin}/{_host_page(folder, 'report.html', snippet)}")
    frame = page.frame_locator("iframe")
    frame.locator("#chart[data-rendered=true]").wait_for(timeout=30000)
    assert frame.locator("#embed-title").inner_text() == "Adults receiving self-directed support"
    assert "Open Government Licence v3.0" in frame.locator("#embed-source").inner_text()
    bars = frame.locator("#chart g.trace.bars g.point")
    assert bars.count() == 12
    assert frame.locator("#chart .ytick text").all_text_contents()[-1] == "Gateshead"

    # The same host page framing a full dashboard page: the browser refuses (frame-ancestors 'self').
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text, timeout=30000) as refused:
        page.goto(f"{origin}/{_host_page(folder, 'full.html', snippet.replace('/embed/compare', '/'))}")
    assert f"Framing '{live_url}/" in refused.value.text
    assert "violates the following Content Security Policy directive: \"frame-ancestors 'self'\"" in refused.value.text
    assert page.frame_locator("iframe").locator("#main").count() == 0


def test_embed_reads_at_320px(page, live_url):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_url + "/embed/compare" + QUERY)
    page.wait_for_selector("#chart[data-rendered=true]", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator("#chart .main-svg").first.bounding_box()["width"] <= 320
    # Narrow frames drop value labels but keep every bar and both reference lines' labels.
    assert page.locator("#chart g.trace.bars g.point").count() == 12
    labels = page.locator("#chart .annotation-text").all_text_contents()
    assert labels == ["England 14.6%", "North East 15.3%"]
    assert page.console_errors == []


def test_embedded_map_and_client_groups_read_at_320px(page, full_url):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(full_url + "/embed/map?measure=sds_users&period=2021-22")
    page.wait_for_selector("#chart[data-rendered=true]", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    bar = page.locator("#chart .colorbar").first.bounding_box()
    assert bar["width"] > 250 and bar["height"] < bar["width"] / 2     # laid along the top
    assert page.locator("#chart path.js-fill").count() >= 150           # every hex still drawn
    page.goto(full_url + "/embed/client-groups?measure=sds_users&period=2011-12&age_band=18-64"
              "&region=E12000001&sort=area")
    page.wait_for_selector("#chart[data-rendered=true]", timeout=30000)
    # England's values are dashed lines named in the legend (labels beside them ran out of the frame).
    legend = page.evaluate("""() => [...document.querySelectorAll('#chart text.legendtext')].map(t =>
        [...t.querySelectorAll('tspan.line')].map(s => s.textContent).join(' ') || t.textContent)""")
    assert [entry for entry in legend if entry.startswith("England")] == [
        "England, all client groups, all adults (18+): 43.0%", "England, mental health (18-64): 14.6%"]
    outside = page.evaluate("""() => [...document.querySelectorAll('#chart .main-svg text')]
        .filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect())
        .filter(r => r.left < 0 || r.right > 320).length""")
    assert outside == 0                     # no text runs out of the frame
    assert page.console_errors == []


def test_an_embeds_caveats_are_visible_and_wrap_at_320px(page, full_url):
    """Gateshead's 2024-25 figure equals its direct payments: at phone width the caveat naming
    it is on screen in full, inside the frame, and the key still explains the bars' mark."""
    from .conftest import assert_accessible

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(full_url + "/embed/compare?measure=sds_users&period=2024-25&scope=region&region=E12000001")
    page.wait_for_selector("#chart[data-rendered=true]", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    caveats = page.locator("#embed-caveats li")
    assert caveats.count() == 3
    flag = caveats.nth(1)
    assert flag.is_visible()
    assert flag.inner_text().startswith("\u26a0 Self-directed support reported equal to direct payments "
                                        "(South Tyneside, Gateshead):")
    box = flag.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["height"] > 100   # wrapped, not cut
    # Narrow frames hide the value labels (and their marks); the legend stays to explain them.
    assert page.locator("#chart .legend text").all_text_contents() == [
        "Compared with England (95%):", "\u26a0 not compared: see the caveat"]
    assert_accessible(page)
    assert page.console_errors == []
