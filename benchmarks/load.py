"""Load on the production server (gunicorn) over loopback: bounded in count and time.

Starts gunicorn on 127.0.0.1 with the full real dataset, with the production settings below
(threaded workers), then drives it with concurrent clients (default 50), three runs of a fixed
number of requests each, all in one process and one server:
  1. mixed: page loads, Compare callback requests, API CSV and JSON queries, the health check
     and PNG exports of the Compare chart (/image/compare.png?...);
  2. API only: observations.csv and .json queries;
  3. baseline: a trivial static file.
Before the mixed run, a few PNGs of other charts are drawn one at a time: their median is the
warm PNG time the mixed run's PNGs are set against.
Prints throughput, p50, p95, p99 and errors per kind, and the machine's load average (the
clients share its cores with the server, and anything else running skews every figure).
Targets (issue 16): zero errors; API p95 in the mixed run at most 2x the API-only run's; PNG
p95 in the mixed run at most 5x the warm PNG median. Queries are drawn at random from the
data's own catalogue (a seeded, reproducible plan), half of them for one council and England,
so most are not repeats: the response cache helps only where real traffic repeats itself.

Usage: python benchmarks/load.py [--db PATH] [--clients N] [--requests N] [--workers N]
[--threads N] [--skip KIND]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import real_database, start_gunicorn  # noqa: E402

DEADLINE_SECONDS = 300   # each run stops submitting after this, whatever the count
# The production settings (make serve-prod): threaded workers, so a quick API request is not
# queued behind slow callbacks in a worker's accept queue; one worker per core, threads for every client.
WORKERS, THREADS = 2, 32
MIX = {"page": 15, "callback": 25, "api_csv": 30, "api_json": 15, "health": 10, "png": 5}


def start_server(db_path: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    return start_gunicorn(db_path, ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)])


def compare_callback_body(row) -> bytes:
    """A real Compare callback request, built from the app's own callback map."""
    from dash._callback import GLOBAL_CALLBACK_MAP

    keys = [k for k in GLOBAL_CALLBACK_MAP if "compare-panel.children" in k]
    if not keys:
        raise RuntimeError("no callback writes compare-panel.children: update compare_callback_body")
    key = keys[0]
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in key.strip(".").split("...")]
    values = {"compare-measure": row["measure_id"], "compare-period": row["period"],
              "compare-age_band": row["age_band"], "compare-client_group": row["client_group"],
              "compare-scope": random.choice(["england", "region"]), "compare-region": "E12000001",
              "compare-council": ""}
    inputs = [dict(i, value=values.get(i["id"])) for i in GLOBAL_CALLBACK_MAP[key]["inputs"]]
    return json.dumps({"output": key, "outputs": outputs, "inputs": inputs,
                       "changedPropIds": ["compare-period.value"], "state": []}).encode()


def plan(total: int, kinds: dict[str, int], seed: int) -> list[tuple[str, str, bytes | None]]:
    """(kind, path, body) for each request, in a shuffled order reproducible from seed."""
    from dashboards import db
    from dashboards.context import warehouse

    random.seed(seed)
    catalogue = db.catalogue(warehouse())
    councils = list(db.areas(warehouse(), "council")["area_code"])
    selections = catalogue[catalogue["councils"] > 0].reset_index(drop=True)
    pick = lambda: selections.iloc[random.randrange(len(selections))]  # noqa: E731
    # Pictures are linked from reports: a few popular charts, each drawn once per host (the
    # shared renderer's cache) and kept by each worker that served it.
    pictures = [selections.iloc[i] for i in random.sample(range(len(selections)), 8)]
    requests = []
    for _ in range(total):
        kind = random.choices(list(kinds), list(kinds.values()))[0]
        if kind == "page":
            requests.append((kind, random.choice(["/", "/_dash-layout", "/_dash-dependencies"]), None))
        elif kind == "callback":
            requests.append((kind, "/_dash-update-component", compare_callback_body(pick())))
        elif kind == "health":
            requests.append((kind, "/health", None))
        elif kind == "png":
            row = random.choice(pictures)
            query = urllib.parse.urlencode({"measure": row["measure_id"], "period": row["period"],
                                            "age_band": row["age_band"], "client_group": row["client_group"]})
            requests.append((kind, f"/image/compare.png?{query}", None))
        else:
            row = pick()
            query = urllib.parse.urlencode({"measure": row["measure_id"], "period": row["period"]})
            if random.random() < 0.5:
                query += f"&area={random.choice(councils)}&area=E92000001"
            requests.append((kind, f"/api/v1/observations.{'csv' if kind == 'api_csv' else 'json'}?{query}", None))
    return requests


class Client:
    """One simulated client: a kept-alive HTTP connection, as browsers and scripts keep one."""

    def __init__(self, url: str, timeout: float = 60):
        self.host, self.port = urllib.parse.urlsplit(url)[1].split(":")
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def fetch(self, item: tuple[str, str, bytes | None]) -> tuple[str, float, bool]:
        kind, path, body = item
        headers = {"Content-Type": "application/json"} if body else {}
        start = time.perf_counter()
        for attempt in (1, 2):   # a kept-alive connection the server has closed: reconnect once
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, int(self.port), timeout=self.timeout)
                self.connection.request("POST" if body else "GET", path, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                ok = 200 <= response.status < 300
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                break
            except (http.client.HTTPException, OSError):
                if self.connection is not None:
                    self.connection.close()
                self.connection, ok = None, False
        return kind, (time.perf_counter() - start) * 1000, ok


_clients = threading.local()


def fetch(url: str, item: tuple[str, str, bytes | None], timeout: float = 60) -> tuple[str, float, bool]:
    client = getattr(_clients, url, None)
    if client is None:
        client = Client(url, timeout)
        setattr(_clients, url, client)
    return client.fetch(item)


def png_available(url: str, requests: list) -> bool:
    """The PNG route answers (it renders through Chromium): else the mix runs without it."""
    probe = next((item for item in requests if item[0] == "png"), None)
    if probe is None:
        return False
    try:
        with urllib.request.urlopen(url + probe[1], timeout=120) as response:
            return response.status == 200 and response.read(8) == b"\x89PNG\r\n\x1a\n"
    except (urllib.error.URLError, OSError) as error:
        print(f"PNG export skipped: {url + probe[1]} answered {error}")
        return False


def warm_png_median(url: str, requests: list) -> float | None:
    """The median time (ms) of the plan's distinct PNGs drawn one at a time: a warm picture
    with nothing else running. The first is left out (it may start the renderer)."""
    paths = list(dict.fromkeys(path for kind, path, _ in requests if kind == "png"))
    times = [fetch(url, ("png", path, None), timeout=120) for path in paths]
    if len(times) < 2 or not all(ok for _, _, ok in times):
        return None
    return statistics.median(t for _, t, _ in times[1:])


def drive(url: str, requests: list, clients: int, timeout: float = 60) -> tuple[list, float]:
    """Each request by one of `clients` threads; one that has no answer within `timeout`
    seconds (twice: it is retried once) counts as an error."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = []
        for item in requests:
            if time.perf_counter() - started > DEADLINE_SECONDS:
                print(f"stopped submitting after {DEADLINE_SECONDS} s")
                break
            futures.append(pool.submit(fetch, url, item, timeout))
        results = [future.result() for future in futures]
    return results, time.perf_counter() - started


def pct(values: list[float], share: float) -> float:
    """The value below which `share` of values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def p95(results: list, kind_prefix: str) -> float | None:
    times = [t for kind, t, _ in results if kind.startswith(kind_prefix)]
    return pct(times, 0.95) if times else None


def summarise(label: str, results: list, seconds: float) -> None:
    kinds = sorted({kind for kind, _, _ in results})
    print(f"{label}: {len(results)} requests in {seconds:.1f} s = {len(results) / seconds:.0f} requests/s; "
          f"errors: {sum(not ok for _, _, ok in results)}")
    print(f"  {'kind':10} {'n':>5} {'req/s':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    groups = [(kind, [r for r in results if r[0] == kind]) for kind in kinds]
    api = [r for r in results if r[0].startswith("api_")]
    if api and len(api) < len(results):
        groups.append(("api (all)", api))
    for kind, rows in groups:
        times = [t for _, t, _ in rows]
        errors = sum(not ok for _, _, ok in rows)
        print(f"  {kind:10} {len(times):5d} {len(times) / seconds:6.0f} {statistics.median(times):8.1f} "
              f"{pct(times, 0.95):8.1f} {pct(times, 0.99):8.1f} {errors:7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--skip", action="append", default=[], choices=sorted(MIX),
                        help="leave a kind of request out of the mixed run (may repeat)")
    args = parser.parse_args()
    with real_database(args.db) as db_path:
        run(db_path, args)


def run(db_path: Path, args: argparse.Namespace) -> None:
    from dashboards import create_app
    create_app(db_path)   # the plans are drawn from the data's catalogue and the app's callbacks
    # Three seeds: the warm-up and the two runs do not share their queries.
    mix = {kind: weight for kind, weight in MIX.items() if kind not in args.skip}
    warm_up = plan(100, mix, seed=1)
    mixed = plan(args.requests, mix, seed=3)
    api_only = plan(args.requests, {"api_csv": 2, "api_json": 1}, seed=5)
    solo_pictures = plan(60, {"png": 1}, seed=7)
    process, url = start_server(db_path, args.workers, args.threads)
    settings = f"{args.clients} clients, gunicorn gthread {args.workers} workers x {args.threads} threads"
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
    warm_png = None
    try:
        if "png" in mix and not png_available(url, warm_up):
            mixed, warm_up = ([item for item in items if item[0] != "png"] for items in (mixed, warm_up))
        drive(url, warm_up, args.clients)   # each worker loads the app table, as a running server has
        if any(kind == "png" for kind, _, _ in mixed):
            warm_png = warm_png_median(url, solo_pictures)
            print(f"warm PNG, one at a time: median {warm_png:.1f} ms" if warm_png else "warm PNG: failed")
        mixed_results, seconds = drive(url, mixed, args.clients)
        summarise(f"mixed load, {settings}", mixed_results, seconds)
        api_results, seconds = drive(url, api_only, args.clients)
        summarise(f"API only, {settings}", api_results, seconds)
        baseline = [("static", "/assets/style.css", None)] * args.requests
        results, seconds = drive(url, baseline, args.clients)
        summarise(f"baseline: a static file, {settings}", results, seconds)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        verdict(mixed_results, api_results, warm_png)
    finally:
        process.terminate()
        process.wait(timeout=30)


def verdict(mixed: list, api_only: list, warm_png: float | None) -> None:
    """The targets of issue 16, as ratios within this run."""
    mixed_api, alone_api = p95(mixed, "api_"), p95(api_only, "api_")
    print(f"API p95: mixed {mixed_api:.1f} ms / API only {alone_api:.1f} ms = {mixed_api / alone_api:.2f}x "
          "(target at most 2x)")
    png = p95(mixed, "png")
    if png is not None and warm_png:
        print(f"PNG p95 in the mixed run: {png:.1f} ms / warm median {warm_png:.1f} ms = {png / warm_png:.2f}x "
              "(target at most 5x)")
    errors = sum(not ok for _, _, ok in mixed) + sum(not ok for _, _, ok in api_only)
    print(f"errors in the mixed and API-only runs: {errors} (target 0)")


if __name__ == "__main__":
    main()
