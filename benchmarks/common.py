"""What every benchmark needs: the full real database, built into a temporary folder when
none is given, and removed afterwards; a free loopback port; the production server started
on it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PROJECT = Path(__file__).resolve().parents[1]


@contextmanager
def real_database(db_path: Path | None) -> Iterator[Path]:
    """db_path itself, or a database built from ../shared/realdata and data/raw for this run."""
    if db_path is not None:
        yield db_path
        return
    from etl.build import build

    with tempfile.TemporaryDirectory() as folder:
        built = Path(folder) / "uptake.duckdb"
        build([PROJECT.parent / "shared" / "realdata", PROJECT / "data" / "raw"], built)
        yield built


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_gunicorn(db_path: Path, options: list[str] = ()) -> tuple[subprocess.Popen, str, float]:
    """gunicorn serving the app from the project folder (so gunicorn.conf.py applies, with
    options on top) on a free loopback port: the process, its URL and when it was started."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    started = time.perf_counter()
    process = subprocess.Popen([str(gunicorn), *options, "--bind", f"127.0.0.1:{port}", "app:server"],
                               cwd=PROJECT, env={**os.environ, "UPTAKE_DB": str(db_path)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}", started


def start_gunicorn(db_path: Path, options: list[str] = (), seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """launch_gunicorn, once /health answers."""
    process, url, started = launch_gunicorn(db_path, options)
    while time.perf_counter() - started < seconds:
        try:
            urllib.request.urlopen(url + "/health", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")
