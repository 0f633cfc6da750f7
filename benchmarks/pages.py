"""Time to first chart and bytes transferred for each page, opened cold in Chromium, against a
static HTML page holding the same figure and plotly.js, measured in the same run.

For each page: a new browser context (empty cache) opens the page served by the app (the
Flask server of `python app.py`, or `--url` of a running server), and the time from navigation
start to the first drawn Plotly chart is read from the page (performance.now() when a
.js-plotly-plot's SVG first holds a trace); bytes are the encoded sizes of every response the
page loaded. The baseline is a static page, served by a plain HTTP server on loopback, holding
the same figure (from the chart registry) and the same plotly.js. Also: every URL from which
plotly.js was fetched across all pages and an embed (target: one).

Each page is loaded once first, uncached (its time printed as "first load ms": the server
renders a page once per build and keeps it in its bounded response cache); the median of the
runs after it is compared with the static page. The first chart may be the first paint (dashboards/first_paint.py: the index carries the page
and its figure, drawn as soon as plotly.js has run); the time until the live Dash page has
replaced it ("live ms") is printed beside it.

Targets (issue 12): every page's first chart within 1.2x of its static page, under 2 MB
transferred, plotly.js from one URL. Prints figures; asserts nothing.
Usage: python benchmarks/pages.py [--db PATH] [--url URL] [--runs N]
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import free_port, real_database  # noqa: E402

# (page URL, the chart view and query its first chart is drawn from)
PAGES = [
    ("/", "compare", {}),
    ("/area/E08000037", "area", {"code": "E08000037"}),
    ("/funnel", "funnel", {}),
    ("/map", "map", {}),
    ("/client-groups", "client-groups", {}),
]
EMBED = "/embed/compare?measure=dp_users&period=2021-22&scope=region&region=E12000001"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Resolves when the first Plotly chart on the page has drawn a trace; the time since navigation.
FIRST_CHART = """() => new Promise(resolve => {
  const drawn = () => document.querySelector('.js-plotly-plot .main-svg .trace, .js-plotly-plot .main-svg path.point, .js-plotly-plot .main-svg g.choroplethlocation, .js-plotly-plot .main-svg .bars');
  if (drawn()) return resolve(performance.now());
  new MutationObserver((_, observer) => { if (drawn()) { observer.disconnect(); resolve(performance.now()); } })
    .observe(document, {childList: true, subtree: true});
})"""
# Resolves when the live page has replaced the first paint (at once for a page without one).
LIVE = """() => new Promise(resolve => {
  const live = () => !document.getElementById('first-paint') && document.querySelector('#react-entry-point #main');
  if (live()) return resolve(performance.now());
  new MutationObserver((_, observer) => { if (live()) { observer.disconnect(); resolve(performance.now()); } })
    .observe(document, {childList: true, subtree: true});
})"""


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def static_pages(db_path: Path, folder: Path) -> dict[str, str]:
    """One static HTML file per page: its first chart's figure, drawn by the same plotly.js."""
    import plotly
    import plotly.io

    from dashboards.charts import chart_for
    from dashboards.context import set_warehouse
    from dashboards.db import Warehouse

    set_warehouse(Warehouse(db_path))
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    (folder / "plotly.min.js").write_bytes(bundle.read_bytes())
    names = {}
    for index, (page, view, query) in enumerate(PAGES):
        figure = plotly.io.to_json(chart_for(view, query).figure_spec(), validate=False)
        name = f"static-{index}.html"
        (folder / name).write_text(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>static</title></head>"
            "<body><div id='chart'></div><script src='plotly.min.js'></script>"
            f"<script>const f = {figure}; Plotly.newPlot('chart', f.data, f.layout);</script></body></html>",
            encoding="utf-8")
        names[page] = name
    return names


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass    # a browser closing a connection early (favicon, prefetch) is no news here


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    port = free_port()
    server = QuietServer(("127.0.0.1", port), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def open_cold(browser, url: str, *, live: bool = False) -> tuple[float, int, list[str], float | None]:
    """(ms to first chart, bytes transferred, URLs of every response, ms to the live page when
    asked) for one cold load."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    session.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    session.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="commit")
    first_chart = page.evaluate(FIRST_CHART)
    live_ms = page.evaluate(LIVE) if live else None
    page.wait_for_load_state("networkidle")
    context.close()
    return first_chart, int(sum(sizes.values())), list(urls.values()), live_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url", help="a running server (default: start `python app.py` on loopback)")
    parser.add_argument("--runs", type=int, default=3, help="cold loads per page (median reported)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with real_database(args.db) as db_path, tempfile.TemporaryDirectory() as folder:
        names = static_pages(db_path, Path(folder))
        static_server, static_url = serve_folder(Path(folder))
        app = None
        base = args.url
        if base is None:
            port = free_port()
            app = subprocess.Popen([sys.executable, "app.py", "--db", str(db_path), "--port", str(port)],
                                   cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/health")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                open_cold(browser, base + "/")          # the server's own first-request costs
                plotly_urls: set[str] = set()
                print(f"{'page':<18} {'first chart ms':>15} {'static ms':>10} {'ratio':>6} "
                      f"{'bytes':>11} {'static bytes':>13} {'live ms':>8} {'first load ms':>14}")
                for page, _, _ in PAGES:
                    uncached = open_cold(browser, base + page)[0]
                    page_runs = [open_cold(browser, base + page, live=True) for _ in range(args.runs)]
                    static_runs = [open_cold(browser, f"{static_url}/{names[page]}") for _ in range(args.runs)]
                    page_ms = statistics.median(r[0] for r in page_runs)
                    static_ms = statistics.median(r[0] for r in static_runs)
                    plotly_urls |= {u.split("?")[0] for r in page_runs for u in r[2] if "plotly" in u.lower()}
                    live_ms = statistics.median(r[3] for r in page_runs)
                    print(f"{page:<18} {page_ms:>15.0f} {static_ms:>10.0f} {page_ms / static_ms:>6.2f} "
                          f"{page_runs[0][1]:>11,} {static_runs[0][1]:>13,} {live_ms:>8.0f} {uncached:>14.0f}")
                embed_ms, embed_bytes, embed_urls, _ = open_cold(browser, base + EMBED)
                plotly_urls |= {u.split("?")[0] for u in embed_urls if "plotly" in u.lower()}
                print(f"{'embed (compare)':<18} {embed_ms:>15.0f} {'':>10} {'':>6} {embed_bytes:>11,}")
                browser.close()
            print(f"plotly.js fetched from {len(plotly_urls)} URL(s): {json.dumps(sorted(plotly_urls))}")
            print("targets: first chart <= 1.2x static, < 2,000,000 bytes per page, plotly.js from 1 URL")
        finally:
            static_server.shutdown()
            if app is not None:
                app.terminate()
                app.wait(timeout=10)


if __name__ == "__main__":
    main()
