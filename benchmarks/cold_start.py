"""Cold start of the production server: how soon a new server answers, and how long its first
answers of each kind take.

Starts gunicorn as `make serve-prod` runs it behind nginx (`gunicorn app:server` in the project
folder, so gunicorn.conf.py's settings apply: threaded workers, two of them), bound to a loopback
port, once per probe, and times from the moment the process is started:
  - health: until /health first answers 200 (a worker has imported the app and opened the build);
then, on that fresh server, the first request of one kind:
  - page: the page's HTML (/, which renders the Compare page for its first paint) and its
    layout (/_dash-layout, the same render as JSON);
  - api: /api/v1/observations.json for one measure and year;
  - callback: one Compare callback (/_dash-update-component), as a reader's first change makes.
Each probe runs on a server of its own, so no probe is warmed by another. No Chromium is
started before a picture is asked for (dashboards/renderer.py).
Targets (issue 16): /health within 2 s of a worker starting; first page and API response within 1 s.
Prints figures; asserts nothing.
Usage: python benchmarks/cold_start.py [--db PATH] [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import launch_gunicorn, real_database  # noqa: E402
from benchmarks.load import compare_callback_body  # noqa: E402

TARGETS_MS = {"health": 2000, "page": 1000, "api": 1000}


def until_healthy(url: str, started: float, limit: float = 60) -> float:
    """Milliseconds from the start until /health answers 200."""
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                if response.status == 200:
                    return (time.perf_counter() - started) * 1000
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"no answer from /health within {limit} s")


def timed(url: str, path: str, body: bytes | None = None, headers: dict | None = None) -> float:
    request = urllib.request.Request(url + path, data=body, headers={
        **({"Content-Type": "application/json"} if body else {}), **(headers or {})})
    begun = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    return (time.perf_counter() - begun) * 1000


def probes(row) -> dict:
    """kind -> function(url) giving the milliseconds of that kind's first answer(s)."""
    api = f"/api/v1/observations.json?measure={row['measure_id']}&period={row['period']}"
    callback = compare_callback_body(row)
    return {
        "page": lambda url: (timed(url, "/"), timed(url, "/_dash-layout", headers={"Referer": url + "/"})),
        "api": lambda url: (timed(url, api),),
        "callback": lambda url: (timed(url, "/_dash-update-component", callback),),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing database (default: build one from ../shared/realdata)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh servers per probe (default 1)")
    args = parser.parse_args()
    with real_database(args.db) as db_path:
        measure(db_path, args.repeat)


def measure(db_path: Path, repeat: int) -> None:
    from dashboards import create_app, db
    from dashboards.context import warehouse

    create_app(db_path)     # the callback request is built from the app's own callback map
    catalogue = db.catalogue(warehouse())
    row = catalogue[(catalogue["measure_id"] == "sds_users") & (catalogue["age_band"] == "all")
                    & (catalogue["client_group"] == "all")].iloc[-1]
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}; "
          f"gunicorn with gunicorn.conf.py, no Chromium until a picture is asked for")
    results: dict[str, list[float]] = {"health": []}
    for kind, probe in probes(row).items():
        for _ in range(repeat):
            process, url, started = launch_gunicorn(db_path)
            try:
                results["health"].append(until_healthy(url, started))
                parts = probe(url)
                results.setdefault(kind, []).append(sum(parts))
                if kind == "page":
                    results.setdefault("  of which /", []).append(parts[0])
                    results.setdefault("  of which /_dash-layout", []).append(parts[1])
            finally:
                process.terminate()
                process.wait(timeout=15)
    print(f"{'first answer':28} {'n':>3} {'median ms':>10} {'max ms':>8} {'target ms':>10}")
    for kind, times in results.items():
        target = TARGETS_MS.get(kind)
        print(f"{kind:28} {len(times):3d} {statistics.median(times):10.0f} {max(times):8.0f} "
              f"{target if target else '':>10}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
