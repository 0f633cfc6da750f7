"""Full build time over ../shared/realdata against the time only to parse the same files.

Target (issues 3 and 16): build <= 4x parse. Prints figures; asserts nothing about time.
Wall-clock time is the target's measure: the build loads files side by side, one process per
core (etl/parallel.py), while parse-only reads them one by one in this process, the floor a
single core sets. The processor time of the whole build (DuckDB's threads and the loading
processes included) is printed beside it: it moves less on a shared machine, and it says how
much work the build does beyond parsing, whatever the cores.
Usage: python benchmarks/build.py [--raw DIR]... [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from etl.build import build, discover, sha256_of  # noqa: E402
from etl.readers import read_file  # noqa: E402


def parse_only(raw_dirs: list[Path]) -> int:
    """Read every cell of every file with the same readers (calamine, csv), nothing else.
    Files with the same bytes are read once, as the build does."""
    cells, seen = 0, set()
    for _, path in discover(raw_dirs):
        digest = sha256_of(path)
        if digest in seen:
            continue
        seen.add(digest)
        for sheet in read_file(path, str(path), guarded=False):   # calamine alone: the floor
            cells += sum(len(row) for row in sheet.rows)
    return cells


def processor_seconds() -> float:
    """This process's processor time and its finished children's: the build loads files in
    forked processes (etl/parallel.py), whose time process_time() alone would leave out."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(function, *args) -> tuple[float, float, object]:
    """Wall-clock and processor seconds of one call, and its result."""
    start, start_cpu = time.perf_counter(), processor_seconds()
    result = function(*args)
    return time.perf_counter() - start, processor_seconds() - start_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="append", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw_dirs = args.raw or [PROJECT.parent / "shared" / "realdata", PROJECT / "data" / "raw"]
    parse_times, build_times, parse_cpu, build_cpu = [], [], [], []
    for _ in range(args.repeat):
        seconds, cpu, cells = timed(parse_only, raw_dirs)
        parse_times.append(seconds)
        parse_cpu.append(cpu)
        with tempfile.TemporaryDirectory() as folder:
            seconds, cpu, report = timed(build, raw_dirs, Path(folder) / "uptake.duckdb")
        build_times.append(seconds)
        build_cpu.append(cpu)
    parse, full = statistics.median(parse_times), statistics.median(build_times)
    parse_processor, build_processor = statistics.median(parse_cpu), statistics.median(build_cpu)
    rows = sum(s["rows"] for s in report.sources)
    print(f"files: {len(report.sources)} loaded, {len(report.unrecognised)} unrecognised; "
          f"{cells:,} cells parsed; {rows:,} observations")
    print(f"parse only (calamine/csv), median of {args.repeat}: {parse:.2f} s")
    print(f"full build, median of {args.repeat}:               {full:.2f} s")
    print(f"build / parse: {full / parse:.2f}x (target <= 4x)")
    print(f"processor time, median of {args.repeat}: parse {parse_processor:.2f} s, build "
          f"{build_processor:.2f} s, build / parse {build_processor / parse_processor:.2f}x")


if __name__ == "__main__":
    main()
