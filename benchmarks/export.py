"""Time to draw a chart image: cold (a new process starting the renderer and its Chromium) and
warm (the shared renderer running, as a server keeps it), against building the same figure
without drawing it.

Cold: each run is a fresh `python -c` that draws one PNG, timed from inside that process
(imports excluded; the renderer's and Chromium's start included). Warm: one process draws
different charts in turn, each with a link of its own so that no picture is a repeat and
each is a real render; "inside the renderer" is the renderer's part alone (figure JSON in,
PNG out), and "repeat" a picture asked for again (from the renderer's cache).
Targets (issue 16): warm PNG median at most 0.5 s, and half the last figure (0.61 s on a quiet
machine, kaleido with a page reload per picture). Prints figures; asserts nothing.
Usage: python benchmarks/export.py [--db PATH] [--warm N] [--cold N]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import real_database  # noqa: E402
from dashboards import renderer  # noqa: E402
from dashboards.charts import chart_for  # noqa: E402
from dashboards.context import set_warehouse  # noqa: E402
from dashboards.db import Warehouse  # noqa: E402
from dashboards.images import PNG_SCALE, _legend_may_push_footer, chart_image, report_figure  # noqa: E402

VIEWS = [("compare", {"measure": "sds_users", "period": "2021-22"}),
         ("compare", {"measure": "dp_users", "period": "2021-22", "scope": "region", "region": "E12000001"}),
         ("funnel", {"measure": "dp_users", "period": "2021-22"}),
         ("map", {"measure": "sds_users", "period": "2021-22"}),
         ("client-groups", {}),
         ("trend", {"code": "E06000005", "measure": "dp_users"})]
CONTEXT = {"sources": "benchmark", "data_date": "today", "link": "http://127.0.0.1/"}
LAST_WARM_PNG = 0.61    # seconds: the last figure before the shared renderer (issue 16)
COLD = """
import sys, time
sys.path.insert(0, {project!r})
from dashboards.charts import chart_for
from dashboards.context import set_warehouse
from dashboards.db import Warehouse
from dashboards.images import chart_image
set_warehouse(Warehouse({db!r}))
chart = chart_for("compare", {{"measure": "sds_users", "period": "2021-22"}})
start = time.perf_counter()
chart_image(chart, "png", sources="benchmark", data_date="today", link="http://127.0.0.1/")
print(time.perf_counter() - start)
"""


def available_charts():
    charts = []
    for view, query in VIEWS:
        try:
            charts.append(chart_for(view, query))
        except Exception as error:  # a view without data in this database is reported, not fatal
            print(f"  (skipping {view}: {error})")
    return charts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing database (default: build one from ../shared/realdata)")
    parser.add_argument("--warm", type=int, default=30, help="warm renders (default 30)")
    parser.add_argument("--cold", type=int, default=3, help="cold starts (default 3)")
    args = parser.parse_args()
    with real_database(args.db) as db_path:
        measure(db_path, args.warm, args.cold)


def context(run: int) -> dict[str, str]:
    """A link of its own for each run: the footer differs, so no picture is a repeat."""
    return {**CONTEXT, "link": f"{CONTEXT['link']}?run={run}"}


def row(what: str, times: list[float]) -> None:
    print(f"{what:34} {len(times):5d} {statistics.median(times):9.3f} {max(times):7.3f}")


def measure(db_path: Path, warm_runs: int, cold_runs: int) -> None:
    set_warehouse(Warehouse(db_path))
    charts = available_charts()
    figure_times = []
    for index in range(warm_runs):
        start = time.perf_counter()
        report_figure(charts[index % len(charts)], **context(index))
        figure_times.append(time.perf_counter() - start)
    chart_image(charts[0], "png", **CONTEXT)           # start the renderer once, as a server's first picture does
    warm = {}
    for image_format in ("png", "svg", "pdf"):
        times = []
        for index in range(warm_runs):
            start = time.perf_counter()
            chart_image(charts[index % len(charts)], image_format, **context(index + 1000 * len(warm)))
            times.append(time.perf_counter() - start)
        warm[image_format] = times
    inside = []
    for index in range(warm_runs):
        figure = report_figure(charts[index % len(charts)], **context(index + 5000))
        figure_json, pin = figure.to_json().encode(), "footer" if _legend_may_push_footer(figure) else None
        start = time.perf_counter()
        renderer.draw(figure_json, "png", scale=PNG_SCALE, pin=pin)
        inside.append(time.perf_counter() - start)
    repeat = []
    for index in range(warm_runs):
        start = time.perf_counter()
        chart_image(charts[index % len(charts)], "png", **context(index))      # drawn above
        repeat.append(time.perf_counter() - start)
    counts = renderer.stats()
    cold = []
    for _ in range(cold_runs):
        result = subprocess.run([sys.executable, "-c", COLD.format(project=str(PROJECT), db=str(db_path))],
                                capture_output=True, text=True, timeout=120, check=True)
        cold.append(float(result.stdout.strip().splitlines()[-1]))
    print(f"charts drawn in turn: {', '.join(c.view for c in charts)}")
    print(f"{'what':34} {'runs':>5} {'median s':>9} {'max s':>7}")
    row("figure only (no drawing)", figure_times)
    for image_format, times in warm.items():
        row("warm " + image_format.upper() + (" (2x)" if image_format == "png" else ""), times)
    row("  PNG inside the renderer", inside)
    row("repeat PNG (renderer's cache)", repeat)
    row("cold PNG (new process + Chromium)", cold)
    png = statistics.median(warm["png"])
    print(f"renderer: {counts['drawn']} drawn, {counts['cached']} from its cache, "
          f"Chromium started {counts['chromium_starts']} time(s)")
    print(f"warm PNG median / target 0.5 s: {png / 0.5:.2f}; / last figure {LAST_WARM_PNG} s: "
          f"{png / LAST_WARM_PNG:.2f} (target 0.5); inside the renderer: "
          f"{statistics.median(inside) / png:.0%} of it; cold / warm: {statistics.median(cold) / png:.1f}x")


if __name__ == "__main__":
    main()
