"""Time to draw a chart image: cold (a new process starting Chromium) and warm (Chromium kept
running, as the server keeps it), against building the same figure without drawing it.

Cold: each run is a fresh `python -c` that draws one PNG, timed from inside that process
(imports excluded, Chromium start included). Warm: one process draws different charts in turn
(no image cache involved), so each is a real render. Target (issue 6): warm PNG under 0.5 s.
Prints figures; asserts nothing.
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
from dashboards.charts import chart_for  # noqa: E402
from dashboards.context import set_warehouse  # noqa: E402
from dashboards.db import Warehouse  # noqa: E402
from dashboards.images import chart_image, report_figure  # noqa: E402

VIEWS = [("compare", {"measure": "sds_users", "period": "2021-22"}),
         ("compare", {"measure": "dp_users", "period": "2021-22", "scope": "region", "region": "E12000001"}),
         ("funnel", {"measure": "dp_users", "period": "2021-22"}),
         ("map", {"measure": "sds_users", "period": "2021-22"}),
         ("client-groups", {}),
         ("trend", {"code": "E06000005", "measure": "dp_users"})]
CONTEXT = {"sources": "benchmark", "data_date": "today", "link": "http://127.0.0.1/"}
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


def measure(db_path: Path, warm_runs: int, cold_runs: int) -> None:
    set_warehouse(Warehouse(db_path))
    charts = available_charts()
    figure_times = []
    for index in range(warm_runs):
        start = time.perf_counter()
        report_figure(charts[index % len(charts)], **CONTEXT)
        figure_times.append(time.perf_counter() - start)
    chart_image(charts[0], "png", **CONTEXT)           # start Chromium once, as a server's first request does
    warm = {}
    for image_format in ("png", "svg", "pdf"):
        times = []
        for index in range(warm_runs):
            start = time.perf_counter()
            chart_image(charts[index % len(charts)], image_format, **CONTEXT)
            times.append(time.perf_counter() - start)
        warm[image_format] = times
    cold = []
    for _ in range(cold_runs):
        result = subprocess.run([sys.executable, "-c", COLD.format(project=str(PROJECT), db=str(db_path))],
                                capture_output=True, text=True, timeout=120, check=True)
        cold.append(float(result.stdout.strip().splitlines()[-1]))
    print(f"charts drawn in turn: {', '.join(c.view for c in charts)}")
    print(f"{'what':34} {'runs':>5} {'median s':>9} {'max s':>7}")
    print(f"{'figure only (no drawing)':34} {len(figure_times):5d} {statistics.median(figure_times):9.3f} "
          f"{max(figure_times):7.3f}")
    for image_format, times in warm.items():
        print(f"{'warm ' + image_format.upper() + (' (2x)' if image_format == 'png' else ''):34} {len(times):5d} "
              f"{statistics.median(times):9.3f} {max(times):7.3f}")
    print(f"{'cold PNG (new process + Chromium)':34} {len(cold):5d} {statistics.median(cold):9.3f} {max(cold):7.3f}")
    print(f"warm PNG median / target 0.5 s: {statistics.median(warm['png']) / 0.5:.2f}; "
          f"cold / warm: {statistics.median(cold) / statistics.median(warm['png']):.1f}x")


if __name__ == "__main__":
    main()
