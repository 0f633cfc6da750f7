"""Full build time over ../shared/realdata against the time only to parse the same files.

Target (issue 3): build <= 4x parse. Prints figures; asserts nothing about time.
Usage: python benchmarks/build.py [--raw DIR]... [--repeat N]
"""
from __future__ import annotations

import argparse
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


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="append", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw_dirs = args.raw or [PROJECT.parent / "shared" / "realdata", PROJECT / "data" / "raw"]
    parse_times, build_times = [], []
    for _ in range(args.repeat):
        seconds, cells = timed(parse_only, raw_dirs)
        parse_times.append(seconds)
        with tempfile.TemporaryDirectory() as folder:
            seconds, report = timed(build, raw_dirs, Path(folder) / "uptake.duckdb")
        build_times.append(seconds)
    parse, full = statistics.median(parse_times), statistics.median(build_times)
    rows = sum(s["rows"] for s in report.sources)
    print(f"files: {len(report.sources)} loaded, {len(report.unrecognised)} unrecognised; "
          f"{cells:,} cells parsed; {rows:,} observations")
    print(f"parse only (calamine/csv), median of {args.repeat}: {parse:.2f} s")
    print(f"full build, median of {args.repeat}:               {full:.2f} s")
    print(f"build / parse: {full / parse:.2f}x (target <= 4x)")


if __name__ == "__main__":
    main()
