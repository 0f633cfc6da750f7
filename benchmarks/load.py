"""Load on the production server (gunicorn) over loopback: bounded in count and time.

Starts gunicorn on 127.0.0.1 with the full real dataset, then drives it with concurrent
clients (default 50) through a fixed number of requests mixing page loads, Compare callback
requests, API CSV and JSON queries and the health check; then the same number of requests for
a trivial static file, as the baseline measured in the same run. Prints throughput, p50, p95,
p99 and errors per kind. Targets (issue 7): zero errors; API p95 under 100 ms at 50 clients.
Not covered yet: PNG export (not built). Usage: python benchmarks/load.py [--db PATH]
[--clients N] [--requests N] [--workers N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
DEADLINE_SECONDS = 300   # the run stops submitting after this, whatever the count


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db_path: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                "app:server"], cwd=PROJECT, env={**os.environ, "UPTAKE_DB": str(db_path)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/health", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def compare_callback_body(catalogue) -> bytes:
    """A real Compare callback request, built from the app's own callback map."""
    from dash._callback import GLOBAL_CALLBACK_MAP

    key = next(k for k in GLOBAL_CALLBACK_MAP if "compare-panel.children" in k)
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in key.strip(".").split("...")]
    row = catalogue[catalogue["councils"] > 0].sample(1).iloc[0]
    values = {"compare-measure": row["measure_id"], "compare-period": row["period"],
              "compare-age_band": row["age_band"], "compare-client_group": row["client_group"],
              "compare-scope": random.choice(["england", "region"]), "compare-region": "E12000001",
              "compare-council": ""}
    inputs = [dict(i, value=values[i["id"]]) for i in GLOBAL_CALLBACK_MAP[key]["inputs"]]
    return json.dumps({"output": key, "outputs": outputs, "inputs": inputs,
                       "changedPropIds": ["compare-period.value"], "state": []}).encode()


def plan(total: int) -> list[tuple[str, str, bytes | None]]:
    """(kind, path, body) for each request, in a shuffled but reproducible order."""
    from dashboards import create_app, db
    from dashboards.context import warehouse

    random.seed(3)
    create_app(os.environ["UPTAKE_DB"])
    catalogue = db.catalogue(warehouse())
    councils = list(db.areas(warehouse(), "council")["area_code"])
    selections = catalogue[catalogue["councils"] > 0]
    requests = []
    for index in range(total):
        kind = random.choices(["page", "callback", "api_csv", "api_json", "health"], [15, 30, 30, 15, 10])[0]
        if kind == "page":
            requests.append((kind, random.choice(["/", "/_dash-layout", "/_dash-dependencies"]), None))
        elif kind == "callback":
            requests.append((kind, "/_dash-update-component", compare_callback_body(catalogue)))
        else:
            row = selections.sample(1).iloc[0]
            query = f"measure={row['measure_id']}&period={row['period']}"
            if random.random() < 0.5:
                query += f"&area={random.choice(councils)}&area=E92000001"
            path = f"/api/v1/observations.{'csv' if kind == 'api_csv' else 'json'}?{query}"
            requests.append((kind, path if kind != "health" else "/health", None))
    return requests


def fetch(url: str, item: tuple[str, str, bytes | None]) -> tuple[str, float, bool]:
    kind, path, body = item
    request = urllib.request.Request(url + path, data=body, method="POST" if body else "GET",
                                     headers={"Content-Type": "application/json"} if body else {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            ok = 200 <= response.status < 300
    except Exception:
        ok = False
    return kind, (time.perf_counter() - start) * 1000, ok


def drive(url: str, requests: list, clients: int) -> tuple[list, float]:
    started = time.perf_counter()
    results = []
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = []
        for item in requests:
            if time.perf_counter() - started > DEADLINE_SECONDS:
                break
            futures.append(pool.submit(fetch, url, item))
        results = [future.result() for future in futures]
    return results, time.perf_counter() - started


def summarise(label: str, results: list, seconds: float) -> None:
    def pct(values, share):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
    kinds = sorted({kind for kind, _, _ in results})
    print(f"{label}: {len(results)} requests in {seconds:.1f} s = {len(results) / seconds:.0f} requests/s; "
          f"errors: {sum(not ok for _, _, ok in results)}")
    print(f"  {'kind':10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in kinds:
        times = [t for k, t, _ in results if k == kind]
        errors = sum(not ok for k, _, ok in results if k == kind)
        print(f"  {kind:10} {len(times):5d} {statistics.median(times):8.1f} {pct(times, 0.95):8.1f} "
              f"{pct(times, 0.99):8.1f} {errors:7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    folder = None
    if args.db is None:
        from etl.build import build
        folder = tempfile.TemporaryDirectory()
        args.db = Path(folder.name) / "uptake.duckdb"
        build([PROJECT.parent / "shared" / "realdata", PROJECT / "data" / "raw"], args.db)
    os.environ["UPTAKE_DB"] = str(args.db)
    requests = plan(args.requests)
    process, url = start_server(args.db, args.workers)
    try:
        for item in requests[:50]:          # warm each worker's caches, as a running server is
            fetch(url, item)
        results, seconds = drive(url, requests, args.clients)
        summarise(f"mixed load, {args.clients} clients, {args.workers} gunicorn workers", results, seconds)
        baseline = [("static", "/assets/style.css", None)] * len(requests)
        results, seconds = drive(url, baseline, args.clients)
        summarise("baseline: a static file, same clients", results, seconds)
    finally:
        process.terminate()
        process.wait(timeout=15)
        if folder:
            folder.cleanup()


if __name__ == "__main__":
    main()
