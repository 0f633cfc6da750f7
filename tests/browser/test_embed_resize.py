"""Self-sizing embeds: the embed code, copied from the share panel of the real app and pasted
into a page on another origin, shows the chart's legend, source, licence and link back whole,
for a short chart (North East councils) and a long one (all England), on a phone and a desktop.

The app runs on 127.0.0.1 and the host pages on localhost:<another port>: another origin, as
a campaigner's site is. Screenshots of each host page go to the test's tmp_path."""
from __future__ import annotations

import re

import pytest

from .conftest import embed_code

NORTH_EAST = "?measure=sds_users&period=2024-25&scope=region&region=E12000001"
ENGLAND = "?measure=sds_users&period=2024-25"
EMBEDS = {"north-east": NORTH_EAST, "england": ENGLAND}
# A phone, and a desktop page; the host page keeps the browser's 8 px body margins, so on the
# phone the frame is 304 px wide.
WIDTHS = [320, 1000]

# Inside the frame: where the chart's context sits, relative to the frame's own viewport, and
# whether the frame scrolls (it must not, or a reader sees only the top of the embed).
FRAME_STATE = """() => {
  const box = selector => { const r = document.querySelector(selector).getBoundingClientRect();
                            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  return {width: window.innerWidth, height: window.innerHeight,
          scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
          content: Math.ceil(document.documentElement.getBoundingClientRect().height),
          chart: document.querySelector('#chart').getBoundingClientRect().height,
          boxes: {source: box('#embed-source'), licence: box('#embed-source a'),
                  link: box('#embed-full-view'), legend: box('#chart .legend')}};
}"""


def _snippets(page, app_url: str, query: str) -> tuple[str, str]:
    """Both embed codes exactly as the compare page's share panel shows them."""
    page.goto(app_url + "/" + query)
    page.wait_for_selector("#compare-panel .js-plotly-plot", timeout=60000)
    return embed_code(page, "compare"), embed_code(page, "compare", plain=True)


def _copied(page, app_url: str, selector: str) -> str:
    """What a reader copying the box's text with the keyboard gets."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.locator(selector).focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    return page.evaluate("navigator.clipboard.readText()")


def _host_page(folder, name: str, snippet: str) -> str:
    (folder / name).write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>"
        "<title>A campaign report</title>"
        "</head><body><h1>Our report</h1><p>What the figures say about our area.</p>"
        f"{snippet}<p>The report goes on after the chart.</p></body></html>")
    return name


def _open(page, origin: str, name: str, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{origin}/{name}")
    frame = page.frame_locator("iframe").first
    frame.locator("#chart[data-rendered=true]").wait_for(timeout=60000)
    return next(f for f in page.frames if f.url.startswith("http://127.0.0.1"))


def _iframe_height(page, index: int = 0) -> float:
    return page.evaluate(f"document.querySelectorAll('iframe')[{index}].getBoundingClientRect().height")


def _wait_until_fitted(page, frame, index: int = 0) -> dict:
    """The frame's state once the iframe's height equals its content's (the script's work)."""
    for _ in range(100):
        state = frame.evaluate(FRAME_STATE)
        if abs(_iframe_height(page, index) - state["content"]) <= 1:
            return state
        page.wait_for_timeout(100)
    raise AssertionError(f"the iframe is {_iframe_height(page, index)} px tall, its content {state['content']} px")


def _assert_context_whole(state: dict) -> None:
    """Legend, source, licence and link back are inside the frame's box, none cut off, and the
    frame does not scroll."""
    assert state["scrollHeight"] <= state["height"] and state["scrollWidth"] <= state["width"], state
    for name, box in state["boxes"].items():
        assert 0 <= box["top"] < box["bottom"] <= state["height"], (name, box, state["height"])
        assert 0 <= box["left"] and box["right"] <= state["width"], (name, box, state["width"])


def _assert_visible(page) -> None:
    frame = page.frame_locator("iframe").first
    assert "Licence: Open Government Licence v3.0." in frame.locator("#embed-source").inner_text()
    assert frame.locator("#embed-full-view").inner_text() == \
        "See the full view, the data and the method on Self-directed support uptake in England"
    for selector in ("#embed-source", "#embed-source a", "#embed-full-view", "#chart .legend"):
        assert frame.locator(selector).is_visible(), selector


def _screenshot(page, path) -> None:
    """The whole host page as a reader scrolling it sees it. Chromium paints a cross-origin
    frame only near the viewport, so the viewport is made as tall as the page first."""
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.wait_for_timeout(500)
    page.screenshot(path=path)


def _plain_height(snippet: str) -> int:
    return int(re.search(r'height="(\d+)"', snippet).group(1))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("embed", EMBEDS)
def test_the_script_snippet_fits_the_frame_to_the_chart(page, full_url, other_origin, embed, width):
    folder, origin = other_origin
    with_script, plain = _snippets(page, full_url, EMBEDS[embed])
    assert with_script == plain + f'<script src="{full_url}/embed-assets/resize.js" async></script>'
    assert _copied(page, full_url, "#compare-embed-code") == with_script
    assert _copied(page, full_url, "#compare-embed-code-plain") == plain
    frame = _open(page, origin, _host_page(folder, "report.html", with_script), width)
    state = _wait_until_fitted(page, frame)
    # The script set the height: the plain snippet's own height is a different (larger) one.
    assert state["content"] < _plain_height(plain)
    assert state["height"] == pytest.approx(state["content"], abs=1)
    _assert_context_whole(state)
    _assert_visible(page)
    _screenshot(page, folder / f"script-{embed}-{width}.png")
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("embed", EMBEDS)
def test_the_plain_snippet_is_tall_enough_without_script(page, full_url, other_origin, embed, width):
    """Sized for a 300 px column, it holds everything at 320 px too; at 1,000 px the frame is
    taller than the embed and leaves blank space under the link back."""
    folder, origin = other_origin
    _, plain = _snippets(page, full_url, EMBEDS[embed])
    assert "<script" not in plain
    frame = _open(page, origin, _host_page(folder, "plain.html", plain), width)
    page.wait_for_timeout(500)        # nothing would resize it, whatever the embed reports
    assert _iframe_height(page) == _plain_height(plain)
    state = frame.evaluate(FRAME_STATE)
    assert state["content"] <= _plain_height(plain)
    _assert_context_whole(state)
    _assert_visible(page)
    _screenshot(page, folder / f"plain-{embed}-{width}.png")
    assert page.console_errors == []


def test_each_frame_follows_its_own_chart_as_the_page_narrows(page, full_url, other_origin):
    """Two embeds on one page: each gets the height its own frame reports (the script matches
    the message's sender to the iframe), and both grow when the page narrows."""
    folder, origin = other_origin
    north_east, _ = _snippets(page, full_url, NORTH_EAST)
    england, _ = _snippets(page, full_url, ENGLAND)
    _open(page, origin, _host_page(folder, "two.html", north_east + england), 1000)
    page.frame_locator("iframe").nth(1).locator("#chart[data-rendered=true]").wait_for(timeout=60000)
    frames = [f for f in page.frames if f.url.startswith("http://127.0.0.1")]
    wide = [_wait_until_fitted(page, frame, index) for index, frame in enumerate(frames)]
    assert 800 < wide[0]["content"] < 1200 and wide[1]["content"] > 3000
    page.set_viewport_size({"width": 320, "height": 900})
    for index, frame in enumerate(frames):
        # Chromium holds back layout in a cross-origin frame out of sight until it is scrolled
        # to; and plotly redraws the chart to the new width a moment after the resize.
        # Until then its innerWidth is the old one, so wait for the frame to be the new width.
        page.locator("iframe").nth(index).scroll_into_view_if_needed()
        frame.wait_for_function("window.innerWidth <= 320 && document.documentElement.scrollWidth <= window.innerWidth")
    narrow = [_wait_until_fitted(page, frame, index) for index, frame in enumerate(frames)]
    for before, after in zip(wide, narrow):
        assert after["chart"] == before["chart"]                   # redrawn narrower, not shorter
        assert after["content"] > before["content"] + 150          # the text wraps into more lines
    _assert_context_whole(frames[0].evaluate(FRAME_STATE))


def _post_from(page, sender, message: dict) -> None:
    """sender (a frame) posts message to the host page, then "done"; returns once "done" has
    arrived. Messages from one sender arrive in the order posted, so by then the first has
    been through every listener, the resize script's included."""
    page.evaluate("""() => { window.settled = new Promise(resolve => window.addEventListener('message',
        event => { if (event.data === 'done') { resolve(); } })); }""")
    sender.evaluate("message => { window.parent.postMessage(message, '*'); window.parent.postMessage('done', '*'); }",
                    message)
    page.evaluate("() => window.settled")


def test_a_height_from_another_origin_is_ignored(page, full_url, other_origin):
    """Well-formed heights posted by the host page, by a frame of its own, and by the embed's
    own frame once navigated to the host's origin: the iframe keeps its size. The same message
    from the embed page itself is obeyed."""
    folder, origin = other_origin
    snippet, _ = _snippets(page, full_url, NORTH_EAST)
    advert = "<iframe id='advert' title='An advert' srcdoc='<p>advert</p>' height='50'></iframe>"
    frame = _open(page, origin, _host_page(folder, "forged.html", snippet + advert), 1000)
    fitted = _wait_until_fitted(page, frame)["content"]
    forged = {"type": "uptake-embed-height", "version": 1, "src": full_url + "/embed/compare" + NORTH_EAST}
    _post_from(page, page.main_frame, {**forged, "height": 200})
    _post_from(page, next(f for f in page.frames if f.url == "about:srcdoc"), {**forged, "height": 250})
    assert _iframe_height(page) == pytest.approx(fitted, abs=1)

    _post_from(page, frame, {**forged, "height": 120})
    assert _iframe_height(page) == 120
    # The sender is the embed's iframe, but what it holds now is not this site's page.
    (folder / "elsewhere.html").write_text("<!DOCTYPE html><title>Elsewhere</title><p>Not the chart</p>")
    frame.evaluate("url => { location.href = url; }", f"{origin}/elsewhere.html")
    page.wait_for_function("""() => { try { return document.querySelector('iframe').contentDocument
                                                 .querySelector('p').textContent === 'Not the chart'; }
                                      catch (error) { return false; } }""")
    elsewhere = next(f for f in page.frames if f.url.endswith("/elsewhere.html"))
    _post_from(page, elsewhere, {**forged, "height": 300})
    assert _iframe_height(page) == 120
