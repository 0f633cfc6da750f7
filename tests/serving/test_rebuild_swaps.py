"""Rebuilds under load, on the production server (gunicorn, two threaded workers): while
bundle, API and page requests are in flight, new builds are swapped in as the ETL does it
(built beside the file, then an atomic rename). Every response started after a swap (and a
second's grace) carries the new build's id and its rows, and none mixes two builds; a database
truncated to nothing is answered with 503s only, on every route, until a rebuild is swapped in.

Nothing in the server may open the database except through its warehouse (dashboards/db.py):
a second connection of its own (as the bundle export once had) made DuckDB hand the app's
reconnect the old, still-open build, and workers served old numbers for minutes.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dashboards import create_app
from etl.build import build

from ..conftest import PROJECT, copy_bundled

GRACE = 1.0                 # seconds after a swap within which either build may answer
LOAD_THREADS = 5
SERVER_THREADS = 8
TABLE_3 = "report2013_table3_north_east_2011_12.csv"
# Darlington's 2011-12 self-directed support (denominator, numerator, percentage) in each build.
DARLINGTON_FIGURES = ["3520,1495,42.5", "3520,1500,42.6", "3520,1505,42.8", "3520,1510,42.9"]
DARLINGTON_ROW = "E06000005,Darlington,council,E12000001,2011-12,sds_users,all,all,"
QUERY = "measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"
API_CSV = "/api/v1/observations.csv?measure=sds_users&period=2011-12&area=E06000005&client_group=all"
API_JSON = "/api/v1/observations.json?measure=sds_users&period=2011-12&area=E06000005&client_group=all"
ZIP = "/download/uptake-data.zip"
PAGE = "/area/E06000005"
# Every kind of route, each of which must answer 503 while the database cannot be read.
EVERY_ROUTE = ["/health", "/", PAGE, API_CSV, API_JSON, "/api/v1/areas.json", ZIP,
               f"/embed/compare?{QUERY}", f"/image/compare.txt?{QUERY}", f"/download/compare.csv?{QUERY}"]


@dataclass(frozen=True)
class Build:
    path: Path
    build_id: str
    darlington_value: float


@dataclass(frozen=True)
class Answer:
    started: float
    finished: float
    path: str
    status: int
    build: int | None       # which build the body came from, when it says
    mixed: bool = False     # parts of the body from different builds


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> list[Build]:
    """Four builds of the bundled data, each with its own Darlington figure (and so its own id)."""
    folder = tmp_path_factory.mktemp("builds")
    raw = copy_bundled(folder / "raw")
    table = raw / TABLE_3
    original = table.read_text()
    made = []
    for number, figures in enumerate(DARLINGTON_FIGURES):
        table.write_text(original.replace(f"Darlington,{DARLINGTON_FIGURES[0]},", f"Darlington,{figures},"))
        path = folder / f"build-{number}.duckdb"
        build([raw], path)
        with duckdb.connect(str(path), read_only=True) as connection:   # the test's own look, not the server's
            build_id = connection.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()[0]
        made.append(Build(path, build_id, float(figures.rsplit(",", 1)[1])))
    assert len({b.build_id for b in made}) == len(made)
    return made


def swap_in(build: Build, live: Path) -> float:
    """As the ETL does it: a complete file beside the live one, renamed over it. Returns the
    moment just before the rename: a request started before it may be answered by either build."""
    temporary = live.with_name(f".{live.name}.swap")
    shutil.copyfile(build.path, temporary)
    swapped = time.monotonic()
    os.replace(temporary, live)
    return swapped


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def darlington_value(csv_text: str) -> float:
    line = next(line for line in csv_text.splitlines() if line.startswith(DARLINGTON_ROW))
    return float(next(csv.reader([line]))[10])


def which_build(path: str, body: bytes, builds: list[Build]) -> tuple[int | None, bool]:
    """(the build a 200's body came from, whether parts of it came from different builds)."""
    by_id = {b.build_id: number for number, b in enumerate(builds)}
    by_value = {b.darlington_value: number for number, b in enumerate(builds)}
    if path == "/health":
        return by_id[json.loads(body)["build_id"]], False
    if path == API_CSV:
        return by_value[darlington_value(body.decode())], False
    if path == API_JSON:
        answer = json.loads(body)
        named, shown = by_id[answer["build_id"]], by_value[answer["rows"][0]["value"]]
        return named, named != shown
    if path == ZIP:
        archive = zipfile.ZipFile(io.BytesIO(body))
        named = by_id[json.loads(archive.read("metadata.json"))["build_id"]]
        shown = by_value[darlington_value(archive.read("observations.csv").decode())]
        return named, named != shown
    return None, False


class Load:
    """Threads asking for paths in turn until stopped, recording every answer."""

    def __init__(self, url: str, paths: list[str], builds: list[Build]):
        self.url, self.paths, self.builds = url, paths, builds
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(offset,)) for offset in range(LOAD_THREADS)]

    def _run(self, offset: int) -> None:
        turn = offset
        while not self._stop.is_set():
            self._ask(self.paths[turn % len(self.paths)])
            turn += 1

    def ask_now(self, path: str, times: int) -> list[threading.Thread]:
        """times requests for path at once, recorded like the others: join the threads returned."""
        threads = [threading.Thread(target=self._ask, args=(path,)) for _ in range(times)]
        for thread in threads:
            thread.start()
        return threads

    def _ask(self, path: str) -> None:
        started = time.monotonic()
        status, body = fetch(self.url + path)
        build, mixed = which_build(path, body, self.builds) if status == 200 else (None, False)
        self.answers.append(Answer(started, time.monotonic(), path, status, build, mixed))

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def answered_since(self, moment: float, paths: list[str], timeout: float = 30.0) -> None:
        """Wait until every path has been asked for after moment and answered: a slow machine
        takes longer, a quick one no longer than it needs."""
        deadline = time.monotonic() + timeout
        while {a.path for a in self.started_between(moment)} < set(paths):
            assert time.monotonic() < deadline, f"no answers since the change for {paths}"
            time.sleep(0.05)

    def started_between(self, start: float, end: float = float("inf")) -> list[Answer]:
        return [a for a in self.answers if start <= a.started < end]


@pytest.fixture
def live(tmp_path, builds) -> Path:
    path = tmp_path / "uptake.duckdb"
    swap_in(builds[0], path)
    return path


def test_every_response_after_a_swap_carries_the_new_build_and_its_rows(builds, live, gunicorn_for):
    url = gunicorn_for(live, threads=SERVER_THREADS)
    paths = ["/health", API_JSON, API_CSV, "/api/v1/areas.json", PAGE]
    swapped = [time.monotonic()]
    with Load(url, paths, builds) as load:
        for number in (1, 2, 3):
            load.answered_since(swapped[-1] + GRACE, paths)     # every kind answered from this build
            # Each build's bundle is first asked for just before the next swap, so both workers
            # are making it (reading the build) as the file changes under them.
            bundles = load.ask_now(ZIP, times=4)
            time.sleep(0.02)
            swapped.append(swap_in(builds[number], live))
            for thread in bundles:
                thread.join()
        load.answered_since(swapped[-1] + GRACE, paths)
        for thread in load.ask_now(ZIP, times=4):
            thread.join()
    answers = load.answers
    assert answers and all(a.status == 200 for a in answers), {(a.path, a.status) for a in answers if a.status != 200}
    assert not [a for a in answers if a.mixed], "a response mixed two builds"
    # Each answer comes from a build no older than the last one swapped in a second or more
    # before it was asked for, and no newer than the last one swapped in before it arrived.
    wrong = [(a.path, a.build, allowed) for a in answers if a.build is not None
             and a.build not in (allowed := range(newest_swap(swapped, a.started - GRACE),
                                                   newest_swap(swapped, a.finished) + 1))]
    assert not wrong, f"answered from the wrong build: {wrong[:5]}"
    for number, swap in enumerate(swapped):
        # Each kind of response that names its build was asked for, and answered, in each build's time.
        settled = [a for a in load.started_between(swap + GRACE, swapped[number + 1] if number < 3 else float("inf"))
                   if a.build == number]
        assert {a.path for a in settled} >= {"/health", API_JSON, API_CSV}, number
    # Every bundle was made from one build (checked above), and the last ones from the last build.
    bundles = [a for a in answers if a.path == ZIP]
    assert len(bundles) == 16 and {a.build for a in bundles if a.started > swapped[3] + GRACE} == {3}


def newest_swap(swapped: list[float], moment: float) -> int:
    """The number of the build that was at the path at that moment (swapped[0]: the first)."""
    return max(number for number, swap in enumerate(swapped) if swap <= moment or number == 0)


def test_a_truncated_database_gives_only_503s_on_every_route_until_a_rebuild(builds, live, gunicorn_for):
    url = gunicorn_for(live, threads=SERVER_THREADS)
    for _ in range(4):        # both workers: every cache the fault must not be answered from...
        for path in EVERY_ROUTE:
            if path != ZIP:   # ...but the bundle, which is being made when the file breaks
                assert fetch(url + path)[0] == 200, path
    paths = [API_JSON, "/api/v1/areas.json", "/health", API_CSV, PAGE]
    with Load(url, paths, builds) as load:
        load.answered_since(time.monotonic(), paths)
        bundles = load.ask_now(ZIP, times=4)
        time.sleep(0.02)
        os.truncate(live, 0)
        truncated = time.monotonic()
        for thread in bundles:
            thread.join()
        for _ in range(3):        # enough for both workers
            for path in EVERY_ROUTE:
                status, body = fetch(url + path)
                assert status == 503 and b"python -m etl build" in body, (path, status, body[:200])
            # A picture would be drawn for a GET and described for a HEAD: neither gets that far.
            assert fetch(f"{url}/image/compare.png?{QUERY}")[0] == 503
            assert fetch(f"{url}/image/compare.png?{QUERY}", method="HEAD")[0] == 503
        load.answered_since(truncated, paths)
        rebuilt = swap_in(builds[1], live)
        load.answered_since(rebuilt + GRACE, paths)
    # Asked for after the truncation and answered before the rebuild: 503, whatever the route.
    during = [a for a in load.started_between(truncated) if a.finished < rebuilt]
    assert during and {a.status for a in during} == {503}, {(a.path, a.status) for a in during if a.status != 503}
    # Asked for before the rebuild, answered after it: 503, or the new build; never the old one.
    straddling = [a for a in load.started_between(truncated, rebuilt) if a.finished >= rebuilt]
    assert all(a.status == 503 or (a.status == 200 and a.build in (None, 1)) for a in straddling)
    after = load.started_between(rebuilt + GRACE)
    assert after and {a.status for a in after} == {200} and {a.build for a in after} <= {None, 1}
    for path in EVERY_ROUTE:
        status, body = fetch(url + path)
        assert status == 200, path
        if path == "/health":
            assert json.loads(body)["build_id"] == builds[1].build_id


def test_a_connection_left_open_elsewhere_in_the_process_does_not_hold_the_app_to_the_old_build(builds, live):
    """DuckDB hands a connect() of a path still open in the process the instance already open,
    whatever file is at the path now: the app's builds must not depend on anyone else's."""
    client = create_app(live).server.test_client()
    assert client.get("/health").get_json()["build_id"] == builds[0].build_id
    with duckdb.connect(str(live), read_only=True):      # as the bundle export once did, mid-swap
        swap_in(builds[1], live)
        assert client.get("/health").get_json()["build_id"] == builds[1].build_id
        assert darlington_value(client.get(API_CSV).get_data(as_text=True)) == builds[1].darlington_value
        os.truncate(live, 0)
        assert client.get("/api/v1/areas.json").status_code == 503
        assert client.get(ZIP).status_code == 503


def test_serving_every_route_opens_the_file_only_through_the_warehouse(bundled_db, monkeypatch):
    """The warehouse opens each build in an instance of its own (duckdb.connect(":memory:") and
    ATTACH); nothing the server does, the dataset bundle included, connects to the file's path."""
    connected = []
    real_connect = duckdb.connect

    def connect(database=":memory:", *args, **kwargs):
        connected.append(str(database))
        return real_connect(database, *args, **kwargs)
    monkeypatch.setattr(duckdb, "connect", connect)
    client = create_app(bundled_db).server.test_client()
    for path in EVERY_ROUTE:
        assert client.get(path).status_code == 200, path
    assert connected and set(connected) == {":memory:"}


def test_only_the_warehouse_module_calls_duckdb_connect():
    calls = [f"{path.relative_to(PROJECT)}:{node.lineno}"
             for path in sorted((PROJECT / "dashboards").rglob("*.py")) if path.name != "db.py"
             for node in ast.walk(ast.parse(path.read_text(), str(path)))
             if isinstance(node, ast.Attribute) and node.attr == "connect"]
    assert not calls
