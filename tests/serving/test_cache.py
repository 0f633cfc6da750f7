"""The per-worker response cache: bounded by what its entries cost in memory (UPTAKE_CACHE_MB),
least recently used out first, and keyed by the database build so a rebuild is answered with
its own numbers at once."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pandas as pd
import pytest

from dashboards import create_app
from dashboards.api import wait_for_warming
from dashboards.context import warehouse
from dashboards.db import ENTRY_OVERHEAD, BoundedCache, Warehouse, deep_size, entry_cost
from etl.build import build

from ..conftest import PROJECT

DARLINGTON = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005&client_group=all"
MB = 1024 * 1024
# What resident memory may grow by beyond the bound while the cache fills: the allocator's
# pools and arenas around the entries (memory moves in pages, and freed pools are kept for reuse).
RESIDENT_ALLOWANCE = 1 * MB


def test_the_bound_holds_and_the_least_recently_used_go_first():
    unit = entry_cost("k0", b"x" * 150)      # every key here is as long: every entry costs as much
    cache = BoundedCache(10 * unit + unit // 2)
    keys = [f"k{number}" for number in range(10)]
    for key in keys:
        assert cache.put(key, b"x" * 150)
    assert cache.size == 10 * unit and cache.keys() == keys
    assert cache.get("k0") == b"x" * 150           # read: now the most recently used
    cache.put("ka", b"y" * 150)                    # over the bound: k1, the oldest unread, goes
    assert cache.size == 10 * unit <= cache.max_bytes
    assert cache.keys() == [*keys[2:], "k0", "ka"]
    bigger = b"z" * (unit + 150)                   # costs two units: two go
    assert entry_cost("kb", bigger) == 2 * unit and cache.put("kb", bigger)
    assert "k2" not in cache and "k3" not in cache and cache.get("kb") == bigger
    assert cache.size == 10 * unit and len(cache) == 9
    # Costing more than a quarter of the bound: answered by its caller, never kept, nothing evicted.
    assert not cache.put("huge", b"h" * (cache.max_bytes // 4))
    assert "huge" not in cache and len(cache) == 9 and cache.size == 10 * unit
    assert not BoundedCache(0).put("k", b"")       # 0: no cache


def test_an_entry_costs_its_key_its_value_and_the_caches_own_bookkeeping():
    """A 260-byte empty API result is not 260 bytes kept: its key (the query and the build's
    identity) and the cache's own slot cost more than the body."""
    body = b"x" * 260
    key = (warehouse_identity := (2049, 1234567, 2_600_000, 1_700_000_000_000_000_000),
           ("observations", "json", (("measure", ("sds_users",)), ("period", ("2011-12",)),
                                     ("area", ("E06000005", "E06000047")))))
    cost = entry_cost(key, body)
    assert cost == deep_size(key) + deep_size(body) + ENTRY_OVERHEAD
    assert deep_size(body) == sys.getsizeof(body) > 260
    assert deep_size(warehouse_identity) > 4 * 28 and cost > 4 * 260
    frame = pd.DataFrame({"area_code": ["E06000005"] * 3, "csv": ["a,b\n"] * 3})
    assert deep_size(frame) > frame.memory_usage(index=True, deep=True).sum()
    with pytest.raises(TypeError, match="cannot size a object"):
        entry_cost("k", object())                  # a type without a rule is refused, not guessed


def test_the_bound_comes_from_uptake_cache_mb(monkeypatch, tmp_path):
    monkeypatch.setenv("UPTAKE_CACHE_MB", "0.5")
    assert Warehouse(tmp_path / "any.duckdb").responses.max_bytes == 512 * 1024
    monkeypatch.delenv("UPTAKE_CACHE_MB")
    assert Warehouse(tmp_path / "any.duckdb").responses.max_bytes == 64 * 1024 * 1024
    monkeypatch.setenv("UPTAKE_CACHE_MB", "lots")
    with pytest.raises(ValueError, match=r"UPTAKE_CACHE_MB='lots' is not a number of megabytes"):
        Warehouse(tmp_path / "any.duckdb")


def test_api_responses_stay_within_the_bound_and_repeat_from_the_cache(bundled_db, monkeypatch):
    monkeypatch.setenv("UPTAKE_CACHE_MB", "0.05")     # 52,428 bytes: a dozen responses of ~2-4 KB
    client = create_app(bundled_db).server.test_client()
    cache = warehouse().responses
    codes = sorted({row["area_code"] for row in client.get("/api/v1/observations.json").get_json()["rows"]})
    assert len(codes) == 14
    wait_for_warming()      # the background fill of group text stops at half the bound
    # One measure and year per query: each touches one group's text, so responses, not the
    # text of every group, fill the cache.
    url = lambda kind, areas: (f"/api/v1/observations.{kind}?measure=sds_users&period=2011-12&"
                               + "&".join(f"area={a}" for a in areas))
    first = client.get(url("csv", codes[:1])).data
    [first_key] = [key for key in cache.keys() if key[1][:2] == ("observations", "csv")]
    pairs = list(itertools.combinations(codes, 2))
    bodies = {pair: client.get(url("json", pair)).data for pair in pairs}
    assert sum(map(len, bodies.values())) > 2 * cache.max_bytes
    assert 0 < cache.size <= cache.max_bytes and len(cache) >= 3
    assert first_key not in cache                          # the oldest went first
    # A repeat of a kept query is answered from the cache, byte for byte, however it is spelt.
    last = [pair for pair in pairs if len(bodies[pair]) <= cache.max_bytes / 4][-1]   # small enough to keep
    kept = [key for key in cache.keys()
            if key[1][:2] == ("observations", "json") and ("area", tuple(sorted(last))) in key[1][2]]
    assert len(kept) == 1 and cache.get(kept[0]) == bodies[last]
    assert client.get(url("json", (last[1], last[0], last[1]))).data == bodies[last]
    assert client.get(url("csv", codes[:1])).data == first


def test_a_rebuild_is_answered_with_its_own_numbers_at_once(raw_copy, tmp_path):
    db_path = tmp_path / "uptake.duckdb"
    build([raw_copy], db_path)
    client = create_app(db_path).server.test_client()
    for _ in range(2):      # the second answer comes from the cache
        assert client.get(DARLINGTON).data.decode().splitlines()[1].startswith(
            "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,1495,3520,42.5,")
    old_build = client.get("/api/v1/observations.json?area=E06000005").get_json()["build_id"]
    assert len(warehouse().responses) >= 2

    table = raw_copy / "report2013_table3_north_east_2011_12.csv"
    table.write_text(table.read_text().replace("Darlington,3520,1495,42.5,", "Darlington,3520,1500,42.6,"))
    build([raw_copy], db_path)
    assert client.get(DARLINGTON).data.decode().splitlines()[1].startswith(
        "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,1500,3520,42.6,")
    body = client.get("/api/v1/observations.json?area=E06000005&period=2011-12&client_group=all"
                      "&measure=sds_users").get_json()
    assert body["build_id"] != old_build and body["rows"][0]["value"] == 42.6
    assert all(key[0] == warehouse().stamp() for key in warehouse().responses.keys())


def test_filled_with_the_smallest_responses_the_process_grows_by_no_more_than_the_bound(bundled_db):
    """Thousands of distinct empty API queries (the most entries a bound can hold, each the
    most overhead for its size), in a process of its own: its resident memory grows by the
    bound and RESIDENT_ALLOWANCE at most. Counting body bytes alone, the same run grew ~3x the
    bound before the cache was even full."""
    bound_mb = 2
    result = subprocess.run([sys.executable, "-m", "tests.serving.fill_cache", str(bundled_db), str(bound_mb)],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    filled = json.loads(result.stdout.strip().splitlines()[-1])
    assert filled["bound"] == bound_mb * MB and filled["counted"] <= filled["bound"]
    # Filled to the bound, with far more queries than it holds: the oldest went.
    assert filled["counted"] > 0.95 * filled["bound"] and filled["requests"] > 3 * filled["entries"] > 1500
    assert filled["body_bytes"] / filled["requests"] < 700      # each response tiny: the worst case
    grown = filled["after"] - filled["before"]
    assert grown <= filled["bound"] + RESIDENT_ALLOWANCE, (
        f"resident memory grew {grown / MB:.1f} MB for a {bound_mb} MB cache holding {filled['entries']} entries")
