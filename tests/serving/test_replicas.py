"""Production serving: gunicorn replicas on two loopback ports share one immutable database
file; a rebuild swapped in is picked up by both without a restart or a failed request."""
from __future__ import annotations

import json

import pytest

from etl.build import build

from ..conftest import copy_bundled
from .conftest import get


@pytest.fixture
def replicas(tmp_path, gunicorn_for):
    raw = copy_bundled(tmp_path / "raw")
    db_path = tmp_path / "uptake.duckdb"
    build([raw], db_path)
    return db_path, raw, [gunicorn_for(db_path) for _ in range(2)]


def test_two_replicas_serve_the_same_build_and_pick_up_a_rebuild(replicas):
    db_path, raw, urls = replicas
    query = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005"
    before = [json.loads(get(url + "/health")[2]) for url in urls]
    assert before[0]["build_id"] == before[1]["build_id"] and before[0]["sources"] == 4
    bodies = [get(url + query)[2] for url in urls]
    assert bodies[0] == bodies[1] and b"Darlington" in bodies[0]
    assert all(get(url + "/")[0] == 200 for url in urls)

    # A rebuild with one more publication, swapped in atomically under both replicas.
    (raw / "extra_figures.csv").write_text(
        "publication,period,area,measure_id,age_band,client_group,numerator,denominator,value,unit,note\n"
        "Test,2013-14,England,pb_eligible,all,all,,,60,percent,\n")
    build([raw], db_path)
    after = [json.loads(get(url + "/health")[2]) for url in urls for _ in range(3)]  # every worker
    assert {a["build_id"] for a in after} != {before[0]["build_id"]}
    assert len({a["build_id"] for a in after}) == 1 and all(a["sources"] == 5 for a in after)
    assert all("2013-14" in a["periods"] for a in after)
