"""A build killed midway (SIGKILL: no handler, no cleanup) leaves the database being served byte
for byte as it was, and its leftovers do not trouble the next build, which removes them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.__main__ import main
from etl.build import remove_leftover_temporaries

from .conftest import sha256
from ..conftest import PROJECT, REALDATA

TEMPORARIES = ".uptake.duckdb.tmp-*"


def observations(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute("SELECT count(*) FROM observations").fetchone()[0]


def start_full_build(db: Path, bundled_raw: Path) -> subprocess.Popen:
    """`python -m etl build` over every real publication (about 4 s of work) into `db`."""
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "build", "--raw", str(REALDATA), "--raw", str(bundled_raw),
         "--db", str(db)], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)   # reaped: its pid is gone, as after any crash
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be killed"


def test_killed_while_writing_the_new_database_the_old_one_serves_on(served, bundled_raw, capsys):
    before = sha256(served)
    process = start_full_build(served, bundled_raw)
    deadline = time.monotonic() + 120
    # Wait (polling, not sleeping a guessed time) for the temporary database to appear: from
    # then on the build is writing, which takes it about half a second.
    while not list(served.parent.glob(TEMPORARIES)):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.002)
    kill(process)
    leftovers = sorted(p.name for p in served.parent.glob(TEMPORARIES))
    assert f".uptake.duckdb.tmp-{socket.gethostname()}-{process.pid}" in leftovers

    assert sha256(served) == before
    assert observations(served) == 45       # still opens, still the old build

    code = main(["build", "--raw", str(bundled_raw), "--db", str(served)])
    stderr = capsys.readouterr().err
    assert code == 0, stderr
    for name in leftovers:
        assert f"removed {name}, left by an interrupted build" in stderr
    assert not list(served.parent.glob(TEMPORARIES))
    assert observations(served) == 45


def test_killed_while_reading_files_nothing_is_written(served, bundled_raw):
    before = sha256(served)
    process = start_full_build(served, bundled_raw)
    first = process.stderr.readline().decode()   # progress: one line per file loaded
    assert first.startswith("loaded "), first
    kill(process)
    assert sha256(served) == before
    assert observations(served) == 45
    assert not list(served.parent.glob(TEMPORARIES))
    assert sorted(p.name for p in served.parent.iterdir()) == ["uptake.duckdb"]


def test_a_temporary_file_of_a_build_still_running_is_left_alone(tmp_path):
    db = tmp_path / "uptake.duckdb"
    host = socket.gethostname()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = tmp_path / f".uptake.duckdb.tmp-{host}-{sleeper.pid}"
        other_host = tmp_path / ".uptake.duckdb.tmp-some-other-host-1"
        dead = tmp_path / f".uptake.duckdb.tmp-{host}-{_a_dead_pid()}"
        dead_log = dead.with_name(dead.name + ".wal")
        for path in (running, other_host, dead, dead_log):
            path.write_bytes(b"partial")
        assert remove_leftover_temporaries(db) == [dead, dead_log]
        assert running.exists() and other_host.exists()
        assert not dead.exists() and not dead_log.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def _a_dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
