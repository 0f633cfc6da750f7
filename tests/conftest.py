"""Shared fixtures: a real DuckDB built from data/raw, and paths to the shared real data."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from etl.build import build

PROJECT = Path(__file__).resolve().parents[1]
RAW = PROJECT / "data" / "raw"
SHARED = PROJECT.parent / "shared"
REALDATA = SHARED / "realdata"


def copy_bundled(target: Path) -> Path:
    """The files the project ships in data/raw, without anything fetched into data/raw/downloaded."""
    target.mkdir(parents=True)
    for path in RAW.iterdir():
        if path.is_file():
            shutil.copy(path, target)
    return target


@pytest.fixture(scope="session")
def bundled_raw(tmp_path_factory) -> Path:
    return copy_bundled(tmp_path_factory.mktemp("bundled") / "raw")


@pytest.fixture(scope="session")
def bundled_db(bundled_raw) -> Path:
    """The warehouse built from the bundled sources only, as `make run` does offline."""
    db_path = bundled_raw.parent / "uptake.duckdb"
    build([bundled_raw], db_path)
    return db_path


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of the bundled sources that a test may break."""
    return copy_bundled(tmp_path / "raw")


@pytest.fixture(scope="session")
def full_db(tmp_path_factory, bundled_raw):
    """The warehouse built from every real publication in ../shared/realdata plus the bundled files."""
    if not REALDATA.is_dir():
        pytest.fail(f"{REALDATA} is missing: the ETL and browser tests read the shared real publications.")
    db_path = tmp_path_factory.mktemp("full") / "uptake.duckdb"
    # --strict, as CI's data test must: any refused or unrecognised file fails the session.
    report = build([REALDATA, bundled_raw], db_path, strict=True)
    return db_path, report


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(db_path: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    # The server logs every request: to a file, never a pipe nobody reads (a full pipe blocks
    # every request thread once ~64 KB of log has been written).
    log = open(db_path.with_name(f"app-{port}.log"), "w+b")
    process = subprocess.Popen(
        [sys.executable, "app.py", "--db", str(db_path), "--port", str(port)], cwd=PROJECT,
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"app exited: {log.read().decode(errors='replace')}")
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("app did not start within 30 s")


@pytest.fixture(scope="session")
def live_url(bundled_db):
    process, url = start_app(bundled_db)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def full_url(full_db):
    """The app serving the full real dataset."""
    process, url = start_app(full_db[0])
    yield url
    process.terminate()
    process.wait(timeout=10)
