"""Fill one worker's response cache with the cheapest entries there are (empty API results,
each a different query) and print, as JSON, the process's resident memory before and after.

    python -m tests.serving.fill_cache DB_PATH MEGABYTES

test_cache.py runs it in a process of its own, so nothing else a test session did (memory
freed earlier and reused now) moves the figures.
"""
from __future__ import annotations

import gc
import itertools
import json
import sys
from collections.abc import Iterator

# A measure and a year that are both in the bundled data, but never together: every query
# below is valid and answers with no rows, so its response is as small as responses get.
EMPTY = "measure=pb_target&period=2011-12"


def resident_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def tiny_queries(codes: list[str], largest_subset: int) -> Iterator[str]:
    """Distinct empty queries: every set of up to largest_subset areas, as CSV (with and
    without a byte order mark) and as JSON."""
    for size in range(1, largest_subset + 1):
        for areas in itertools.combinations(codes, size):
            where = EMPTY + "".join(f"&area={code}" for code in areas)
            yield f"/api/v1/observations.json?{where}"
            yield f"/api/v1/observations.csv?{where}"
            yield f"/api/v1/observations.csv?{where}&bom=true"


def main(db_path: str, megabytes: float) -> dict:
    from dashboards import create_app
    from dashboards.api import wait_for_warming
    from dashboards.context import warehouse

    client = create_app(db_path).server.test_client()
    cache = warehouse().responses
    codes = sorted({row["area_code"] for row in client.get("/api/v1/observations.json").get_json()["rows"]})
    # Every code path warmed first with nothing kept, so what grows afterwards is the cache.
    cache.max_bytes = 0
    for url in itertools.islice(tiny_queries(codes[::-1], 2), 300):
        assert client.get(url).status_code == 200, url
    wait_for_warming()
    gc.collect()
    before = resident_bytes()
    cache.max_bytes = int(megabytes * 1024 * 1024)
    sent = bodies = 0
    for url in tiny_queries(codes, 4):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.data[:500])
        if url.startswith("/api/v1/observations.json"):
            assert response.get_json()["count"] == 0, url
        sent, bodies = sent + 1, bodies + len(response.data)
    gc.collect()
    return {"before": before, "after": resident_bytes(), "bound": cache.max_bytes, "counted": cache.size,
            "entries": len(cache), "requests": sent, "body_bytes": bodies}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], float(sys.argv[2]))))
