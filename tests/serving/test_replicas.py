"""Production serving: gunicorn replicas on two loopback ports share one immutable database
file; a rebuild swapped in is picked up by both without a restart or a failed request."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from etl.build import build

from ..conftest import PROJECT, _free_port, copy_bundled

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def _start(db_path: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:server"], cwd=PROJECT,
        env={**os.environ, "UPTAKE_DB": str(db_path)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read().decode())
        try:
            _get(url + "/health")
            return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


@pytest.fixture
def replicas(tmp_path):
    raw = copy_bundled(tmp_path / "raw")
    db_path = tmp_path / "uptake.duckdb"
    build([raw], db_path)
    servers = [_start(db_path) for _ in range(2)]
    yield db_path, raw, [url for _, url in servers]
    for process, _ in servers:
        process.terminate()
        process.wait(timeout=15)


def test_two_replicas_serve_the_same_build_and_pick_up_a_rebuild(replicas, tmp_path):
    db_path, raw, urls = replicas
    query = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005"
    before = [json.loads(_get(url + "/health")[1]) for url in urls]
    assert before[0]["build_id"] == before[1]["build_id"] and before[0]["sources"] == 3
    bodies = [_get(url + query)[1] for url in urls]
    assert bodies[0] == bodies[1] and b"Darlington" in bodies[0]
    assert all(_get(url + "/")[0] == 200 for url in urls)

    # A rebuild with one more publication, swapped in atomically under both replicas.
    (raw / "extra_figures.csv").write_text(
        "publication,period,area,measure_id,age_band,client_group,numerator,denominator,value,unit,note\n"
        "Test,2013-14,England,pb_eligible,all,all,,,60,percent,\n")
    build([raw], db_path)
    after = [json.loads(_get(url + "/health")[1]) for url in urls for _ in range(3)]  # every worker
    assert {a["build_id"] for a in after} != {before[0]["build_id"]}
    assert len({a["build_id"] for a in after}) == 1 and all(a["sources"] == 4 for a in after)
    assert all("2013-14" in a["periods"] for a in after)
