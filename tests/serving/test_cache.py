"""The per-worker response cache: bounded by bytes (UPTAKE_CACHE_MB), least recently used out
first, and keyed by the database build so a rebuild is answered with its own numbers at once."""
from __future__ import annotations

import itertools

import pytest

from dashboards import create_app
from dashboards.api import wait_for_warming
from dashboards.context import warehouse
from dashboards.db import BoundedCache, Warehouse
from etl.build import build

DARLINGTON = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005&client_group=all"


def test_the_bound_holds_and_the_least_recently_used_go_first():
    cache = BoundedCache(1000)
    for number in range(6):
        assert cache.put(f"k{number}", b"x" * 150, 150)
    assert cache.size == 900 and cache.keys() == ["k0", "k1", "k2", "k3", "k4", "k5"]
    assert cache.get("k0") == b"x" * 150           # read: now the most recently used
    cache.put("k6", b"y" * 200, 200)               # 1100 bytes: k1, the oldest unread, goes
    assert cache.size == 950 <= cache.max_bytes
    assert cache.keys() == ["k2", "k3", "k4", "k5", "k0", "k6"]
    cache.put("k7", b"z" * 240, 240)
    assert cache.size == 890 and "k2" not in cache and "k3" not in cache and cache.get("k7") == b"z" * 240
    # Larger than a quarter of the bound: answered by its caller, never kept, nothing evicted.
    assert not cache.put("huge", b"h" * 251, 251)
    assert "huge" not in cache and cache.size == 890 and len(cache) == 5


def test_the_bound_comes_from_uptake_cache_mb(monkeypatch, tmp_path):
    monkeypatch.setenv("UPTAKE_CACHE_MB", "0.5")
    assert Warehouse(tmp_path / "any.duckdb").responses.max_bytes == 512 * 1024
    monkeypatch.delenv("UPTAKE_CACHE_MB")
    assert Warehouse(tmp_path / "any.duckdb").responses.max_bytes == 64 * 1024 * 1024
    monkeypatch.setenv("UPTAKE_CACHE_MB", "lots")
    with pytest.raises(ValueError, match=r"UPTAKE_CACHE_MB='lots' is not a number of megabytes"):
        Warehouse(tmp_path / "any.duckdb")


def test_api_responses_stay_within_the_bound_and_repeat_from_the_cache(bundled_db, monkeypatch):
    monkeypatch.setenv("UPTAKE_CACHE_MB", "0.015")    # 15,728 bytes: a few responses of ~1-2 KB
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
