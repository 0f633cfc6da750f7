"""Worker memory of the production server under mixed traffic, without images.

Starts gunicorn as `make serve-prod` runs it (`gunicorn app:server` in the project folder, so
gunicorn.conf.py's settings apply; no Chromium until a picture is asked for), then prints each
worker's memory after start, after 1,000 mixed requests and after 3,000: resident (RSS), its
proportional share (PSS: pages shared with the master and the other worker, such as the
libraries preload_app imports once before forking, counted in part) and its own (USS: private
pages only), from /proc. The mix is benchmarks/load.py's without PNGs: page loads, Compare callbacks, API CSV and
JSON queries and the health check, drawn from the data's own catalogue by 50 clients.
Target (issue 16): at most 250 MB per worker, and no growth between the last two readings.
Prints figures; asserts nothing.
Usage: python benchmarks/memory.py [--db PATH] [--clients N]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import real_database, start_gunicorn  # noqa: E402
from benchmarks.load import MIX, drive, plan  # noqa: E402

TARGET_MB = 250
CHECKPOINTS = (1000, 3000)


def workers(master: int) -> list[int]:
    """The master's child processes: its workers."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return {"RSS": fields["Rss"], "PSS": fields["Pss"],
            "USS": fields["Private_Clean"] + fields["Private_Dirty"]}


def report(label: str, master: int) -> list[float]:
    """Prints each worker's RSS / PSS / USS; returns their PSS."""
    sizes = [memory_mb(pid) for pid in workers(master)]
    print(f"{label:32} " + "  ".join(f"{s['RSS']:6.1f} / {s['PSS']:6.1f} / {s['USS']:6.1f}" for s in sizes)
          + f"   (max PSS {max(s['PSS'] for s in sizes):.1f} MB)")
    return [s["PSS"] for s in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing database (default: build one from ../shared/realdata)")
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with real_database(args.db) as db_path:
        measure(db_path, args.clients)


def measure(db_path: Path, clients: int) -> None:
    from dashboards import create_app
    create_app(db_path)     # the plan is drawn from the data's catalogue and the app's callbacks
    mix = {kind: weight for kind, weight in MIX.items() if kind != "png"}
    requests = plan(CHECKPOINTS[-1], mix, seed=3)
    process, url = start_gunicorn(db_path)
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}; gunicorn with "
          f"gunicorn.conf.py, no Chromium (no pictures asked for); mix {mix}")
    try:
        # Both workers up: a few health checks reach each (gunicorn hands connections to either).
        drive(url, [("health", "/health", None)] * 20, 4)
        print(f"{'worker RSS / PSS / USS, MB':32} " + "  ".join(f"{pid:>24}" for pid in workers(process.pid)))
        readings = [report("after start", process.pid)]
        done = 0
        for checkpoint in CHECKPOINTS:
            results, seconds = drive(url, requests[done:checkpoint], clients)
            done = checkpoint
            errors = sum(not ok for _, _, ok in results)
            readings.append(report(f"after {checkpoint:,} requests", process.pid))
            print(f"{'':32} ({len(results)} requests in {seconds:.0f} s, {errors} errors)")
        growth = max(b - a for a, b in zip(readings[-2], readings[-1]))
        print(f"largest worker (PSS): {max(readings[-1]):.1f} MB (target {TARGET_MB}); growth between the last "
              f"two readings: {growth:+.1f} MB (target none)")
    finally:
        process.terminate()
        process.wait(timeout=15)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
