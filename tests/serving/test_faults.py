"""Faults while serving, on the production server (gunicorn, two threaded workers): the database
file deleted or overwritten with junk. Every kind of request then says plainly that the data
is unavailable and how to rebuild (503; pages readable, no traceback), nothing is answered
from the vanished build's caches, and a rebuild to the same path is served without a restart."""
from __future__ import annotations

import json
import os

import pytest

from tests import forged

from dashboards import create_app
from etl.build import build

from ..conftest import copy_bundled
from .conftest import get

DARLINGTON = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005&client_group=all"
JSON_QUERY = "/api/v1/observations.json?measure=sds_users&period=2011-12&area=E06000005"
PAGES = ["/", "/area/E06000005", "/funnel", "/client-groups", "/sources"]
TRIES = 6   # requests per check, so that both workers answer


def route_callback(path: str) -> bytes:
    """The request Dash's renderer sends to draw the page at path."""
    return json.dumps(forged.route_callback(path)).encode()


@pytest.fixture
def served(tmp_path, gunicorn_for):
    raw = copy_bundled(tmp_path / "raw")
    db_path = tmp_path / "uptake.duckdb"
    build([raw], db_path)
    url = gunicorn_for(db_path)
    # Warm every cache the faults must not be answered from: responses, app table, pages.
    for _ in range(TRIES):
        for path in (DARLINGTON, JSON_QUERY, "/health", *PAGES):
            assert get(url + path)[0] == 200, path
    return raw, db_path, url


def assert_unavailable(url: str, says: str) -> None:
    for _ in range(TRIES):
        for path in ("/health", DARLINGTON, JSON_QUERY, "/api/v1/measures.json", "/download/uptake-data.zip"):
            status, kind, body = get(url + path)
            assert (status, kind) == (503, "application/json"), path
            error = json.loads(body)["error"]
            assert says in error and "python -m etl build" in error, path
        for path in PAGES:
            status, kind, body = get(url + path)
            text = body.decode()
            assert (status, kind) == (503, "text/html"), path
            assert "<h1>The data is not available</h1>" in text and says in text and "python -m etl build" in text
            assert "Traceback" not in text and "File \"" not in text
        # A page open in a browser before the fault: its next callback shows the message in the page.
        status, _, body = get(url + "/_dash-update-component", route_callback("/"))
        shown = json.dumps(json.loads(body))    # Dash escapes "/" in its JSON as \u002f
        assert status == 200 and says in shown and "python -m etl build" in shown


def assert_serving(url: str, darlington_row: str) -> None:
    for _ in range(TRIES):
        assert get(url + "/health")[0] == 200
        status, _, body = get(url + DARLINGTON)
        assert status == 200 and body.decode().splitlines()[1].startswith(darlington_row)
        assert all(get(url + path)[0] == 200 for path in PAGES)


def test_deleted_database_gives_503_with_how_to_rebuild_then_recovers_after_a_rebuild(served):
    raw, db_path, url = served
    assert_serving(url, "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,1495,3520,42.5,")
    db_path.unlink()
    assert_unavailable(url, f"No database at {db_path}")
    # Rebuilt with a corrected figure: served at once, new numbers and all.
    table = raw / "report2013_table3_north_east_2011_12.csv"
    table.write_text(table.read_text().replace("Darlington,3520,1495,42.5,", "Darlington,3520,1500,42.6,"))
    build([raw], db_path)
    assert_serving(url, "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,1500,3520,42.6,")


def test_database_overwritten_with_junk_gives_503_then_recovers_when_rebuilt(served):
    raw, db_path, url = served
    size = db_path.stat().st_size
    with db_path.open("r+b") as database:          # in place, as a failing disk or a bad copy would
        database.write(os.urandom(size))
    assert_unavailable(url, f"The database at {db_path} cannot be read")
    build([raw], db_path)
    assert_serving(url, "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,1495,3520,42.5,")


def test_a_database_damaged_after_its_header_says_so_rather_than_failing(raw_copy, tmp_path):
    db_path = tmp_path / "uptake.duckdb"
    build([raw_copy], db_path)
    client = create_app(db_path).server.test_client()
    assert client.get(DARLINGTON).status_code == 200 and client.get("/health").status_code == 200
    header = 3 * 4096       # DuckDB's file header and its two database headers stay valid
    with db_path.open("r+b") as database:
        database.seek(header)
        database.write(os.urandom(db_path.stat().st_size - header))
    for path in ("/health", DARLINGTON):
        response = client.get(path)
        assert response.status_code == 503
        assert response.get_json()["error"].startswith(f"The database at {db_path} cannot be read (Corrupt database file")
    response = client.get("/area/E06000005")
    assert response.status_code == 503 and "python -m etl build" in response.get_data(as_text=True)
    # Every other kind of route says the same, the whole-dataset bundle included (it reads the
    # file through the warehouse, so its read errors are reported like any other).
    query = "measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"
    for path in ("/download/uptake-data.zip", "/api/v1/areas.json", f"/embed/compare?{query}",
                 f"/download/compare.csv?{query}", f"/image/compare.txt?{query}"):
        response = client.get(path)
        assert response.status_code == 503 and "python -m etl build" in response.get_data(as_text=True), path
    assert client.head(f"/image/compare.png?{query}").status_code == 503
