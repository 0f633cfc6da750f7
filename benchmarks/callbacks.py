"""Server time per dashboard callback over the full real dataset.

For each page callback: the median and 95th percentile time of calling it directly (the work
the server does per request, without HTTP) over every measure x period x breakdown the data
has and over councils, printed beside a trivial query on the same DuckDB connection.
Target (issue 5): every callback's p95 under 50 ms. Prints figures; asserts nothing.
Usage: python benchmarks/callbacks.py [--db PATH] [--limit N] [--only NAME]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import real_database  # noqa: E402
from dashboards import create_app, db  # noqa: E402
from dashboards.context import warehouse  # noqa: E402


def compare_calls(catalogue, councils, regions):
    """update_compare(measure, period, age_band, client_group, scope, region, council)."""
    selections = catalogue[catalogue["councils"] > 0][["measure_id", "period", "age_band", "client_group"]]
    for row in selections.itertuples(index=False):
        yield (*row, "england", None, "")
        yield (*row, "region", random.choice(regions), "")
    for council in councils:
        row = selections.sample(1, random_state=len(council)).iloc[0]
        yield (*row, "neighbours", None, council)


def selection_rows(catalogue, measures: list[str] | None = None):
    rows = catalogue[catalogue["councils"] > 0]
    if measures is not None:
        rows = rows[rows["measure_id"].isin(measures)]
    return rows[["measure_id", "period", "age_band", "client_group"]].itertuples(index=False)


def funnel_calls(catalogue, councils, regions):
    """update_funnel(measure, period, age_band, client_group, limits, region, council)."""
    for row in selection_rows(catalogue, ["sds_users", "dp_users", "sds_carers", "dp_carers"]):
        for limits in ("unadjusted", "adjusted"):
            yield (*row, limits, None, "")


def profile_calls(catalogue, councils, regions):
    """update_trend(measure, age_band, client_group, since, with, code) for every council."""
    for index, council in enumerate(councils):
        measure = ("sds_users", "dp_users", "dp_recipients")[index % 3]
        yield (measure, "all", "all", "", [], council)


def map_calls(catalogue, councils, regions):
    """update_map(measure, period, age_band, client_group, view, region, council)."""
    for row in selection_rows(catalogue):
        for view in ("hex", "boundaries"):
            yield (*row, view, None, "")


def client_group_calls(catalogue, councils, regions):
    """update_client_groups(measure, period, age_band, region, sort)."""
    rows = catalogue[(catalogue["councils"] > 0) & (catalogue["client_group"] != "all")]
    for row in rows[["measure_id", "period", "age_band"]].drop_duplicates().itertuples(index=False):
        for region in [*regions, "england"]:
            yield (*row, region, "area")


def warmed(calls, warm):
    """The calls, each marked to have warm(council) run untimed just before it: a trend
    callback follows its own page's render, so that council's rows are the latest cached.
    (Warming every council first let the bounded cache evict most before their turn.)"""
    def generate(catalogue, councils, regions):
        return [WarmFirst(case, warm) for case in calls(catalogue, councils, regions)]
    return generate


class WarmFirst(tuple):
    def __new__(cls, case, warm):
        made = super().__new__(cls, case)
        made.warm = warm
        return made


def page_callbacks():
    """(name, callback, calls) for every page callback the benchmark covers."""
    from dashboards.pages import client_groups, compare, funnel, map as map_page, profile, profile_trend
    yield "compare.update_compare", compare.update_compare, compare_calls
    yield "funnel.update_funnel", funnel.update_funnel, funnel_calls
    # A trend callback fires only after its profile page has rendered, which loads the
    # council's rows; warm them the same way (untimed) before timing.
    yield "profile_trend.update_trend (after page)", profile_trend.update_trend, warmed(profile_calls, profile.load_profile)
    yield "map.update_map", map_page.update_map, map_calls
    yield "client_groups.update_client_groups", client_groups.update_client_groups, client_group_calls


def timed(function, args) -> float:
    from dash.exceptions import PreventUpdate

    if isinstance(args, WarmFirst):
        args.warm(args[-1])
    start = time.perf_counter()
    # Pinned to the build for the call, as the app pins every request (dashboards/__init__.py).
    with warehouse().reading():
        try:
            function(*args)
        except PreventUpdate:  # "nothing to change" is an answer the server gives too
            pass
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing database (default: build one from ../shared/realdata)")
    parser.add_argument("--limit", type=int, default=0, help="at most N calls per callback (0: all)")
    parser.add_argument("--only", help="only the callbacks whose name contains this (e.g. funnel)")
    args = parser.parse_args()
    random.seed(1)
    with real_database(args.db) as db_path:
        measure(db_path, args.limit, args.only)


def measure(db_path: Path, limit: int, only: str | None = None) -> None:
    create_app(db_path)
    wh = warehouse()
    catalogue = db.catalogue(wh)
    councils = list(db.areas(wh, "council")["area_code"])
    regions = list(db.areas(wh, "region")["area_code"])
    trivial = [timed(wh.query, ("SELECT 1",)) for _ in range(200)]
    print(f"trivial query on the same connection: median {statistics.median(trivial):.2f} ms, "
          f"p95 {percentile(trivial, 0.95):.2f} ms")
    print(f"{'callback':40} {'calls':>6} {'median ms':>10} {'p95 ms':>8} {'p95/trivial':>12}")
    for name, function, calls in page_callbacks():
        if only and only not in name:
            continue
        cases = list(calls(catalogue, councils, regions))
        if limit:
            cases = random.sample(cases, min(limit, len(cases)))
        function(*cases[0])  # warm caches once, as a running server would be
        times = [timed(function, case) for case in cases]
        p95 = percentile(times, 0.95)
        print(f"{name:40} {len(times):6d} {statistics.median(times):10.1f} {p95:8.1f} "
              f"{p95 / statistics.median(trivial):12.0f}x")


if __name__ == "__main__":
    main()
