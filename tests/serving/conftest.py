"""The production server for serving tests: gunicorn with threaded workers on a loopback port."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..conftest import PROJECT, _free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


def get(url: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) for any status, 4xx and 5xx included."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def start_gunicorn(db_path: Path, log: Path, *, workers: int = 2, threads: int = 4) -> tuple[subprocess.Popen, str]:
    """gunicorn app:server as `make serve-prod` runs it. Its output goes to a file: a pipe
    nobody reads fills up and stalls the server."""
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(GUNICORN), "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "app:server"], cwd=PROJECT,
            env={**os.environ, "UPTAKE_DB": str(db_path)},
            stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            urllib.request.urlopen(url + "/_dash-layout", timeout=2)   # answers with or without a database
            return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {log.read_text()}")


@pytest.fixture
def gunicorn_for(tmp_path):
    """start(db_path) -> url of a gunicorn serving it; every server is stopped after the test."""
    processes = []

    def start(db_path: Path, **settings) -> str:
        process, url = start_gunicorn(db_path, tmp_path / f"gunicorn-{len(processes)}.log", **settings)
        processes.append(process)
        return url
    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=15)
