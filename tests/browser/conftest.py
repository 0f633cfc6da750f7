"""A live app on a free loopback port and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.conftest import _free_port


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


LIVE = "() => !document.getElementById('first-paint')"


def wait_for_live(page) -> None:
    """Until the live page has replaced the first paint (dashboards/first_paint.py): the copy
    shown while Dash starts is inert, so tests act on the live page."""
    page.wait_for_function(LIVE)


def _live_after(navigate):
    def navigated(self, *args, **kwargs):
        response = navigate(self, *args, **kwargs)
        if kwargs.get("wait_until") != "commit":     # a test that times the first paint itself
            wait_for_live(self)
        return response
    return navigated


# Every page load in these tests ends on the live page, unless it asks for the moment of commit.
Page.goto, Page.reload = _live_after(Page.goto), _live_after(Page.reload)


def assert_accessible(page) -> None:
    """axe-core in the page: no serious or critical violations (WCAG 2.2 AA rules included)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: browser tests never skip. Run `make test` (it installs "
                    "Debian's chromium as root) or `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def embed_code(page, view: str, *, plain: bool = False) -> str:
    """Open a chart's "Embed or cite this chart" disclosure; the embed code it offers: the
    iframe with its resize script, or (plain) the iframe alone."""
    if not page.locator(f"#{view}-embed-code").is_visible():
        page.locator(f"#{view}-embed-button").click()
    code = page.locator(f"#{view}-embed-code" + ("-plain" if plain else ""))
    code.wait_for(state="visible")
    return code.input_value()


@pytest.fixture
def sized(browser, request):
    """A page at the (width, height) the test is parametrized with (indirect=True), collecting
    the page's script errors: (page, width, height)."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page, width, height
    context.close()


@pytest.fixture
def other_origin(tmp_path):
    """A static site on localhost:<another port>: another origin than the app's 127.0.0.1."""
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://localhost:{server.server_address[1]}"
    server.shutdown()
