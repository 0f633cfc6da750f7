"""Files loaded side by side (etl/parallel.py) give the same warehouse and report as one by one,
and a refusal crosses from a worker process with its file, sheet, cell and hint."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from etl.build import build
from etl.errors import SourceError
from etl.parallel import map_in_order, workers_for
from tests.conftest import PROJECT, REALDATA


def test_a_refusal_keeps_where_and_what_to_do_across_processes():
    error = SourceError("holds text where a count belongs.", file="realdata/x.xlsx", sheet="T1", row=7,
                        cell="C7", hint="Correct the cell.")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.sheet, copy.row, copy.cell, copy.hint) == ("realdata/x.xlsx", "T1", 7, "C7", "Correct the cell.")
    assert str(copy) == str(error) == "realdata/x.xlsx, sheet 'T1', row 7, cell C7: holds text where a count belongs. Correct the cell."


def test_work_is_shared_between_processes_and_comes_back_in_order():
    # In a fresh interpreter: this test session runs other threads (servers, a browser), and a
    # process with other threads never forks.
    code = ("import json, os; from etl.parallel import map_in_order, workers_for; "
            "results = map_in_order(lambda n: (n * n, os.getpid()), list(range(6))); "
            "print(json.dumps([workers_for(6), [s for s, _ in results], os.getpid() in {p for _, p in results}]))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    workers, squares, in_parent = json.loads(shown.stdout)
    assert workers >= 2, "CI and this machine have two cores: files should load side by side"
    assert squares == [0, 1, 4, 9, 16, 25] and in_parent is False


def test_with_another_thread_running_nothing_is_forked():
    sleeper = threading.Thread(target=time.sleep, args=(2,), daemon=True)
    sleeper.start()
    assert workers_for(6) == 1
    assert map_in_order(lambda n: os.getpid(), [1, 2]) == [os.getpid()] * 2


def test_with_a_database_open_nothing_is_forked():
    # A DuckDB connection runs native threads Python does not list; a child forked beside them
    # died in a test session. In a fresh interpreter, so the session's own threads do not decide.
    code = ("import duckdb; from etl.parallel import workers_for; before = workers_for(6); "
            "con = duckdb.connect(); con.execute('select 1').fetchall(); during = workers_for(6); "
            "con.close(); print(before, during, workers_for(6))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT)
    before, during, after = map(int, shown.stdout.split())
    assert before >= 2 and during == 1 and after >= 2


def tables(path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_type = 'BASE TABLE' order by 1").fetchall()]
        return {name: sorted(map(repr, con.execute(f'select * from "{name}"').fetchall())) for name in names}


def test_side_by_side_and_one_by_one_build_the_same_warehouse_and_refuse_the_same_file(tmp_path, bundled_raw):
    raw = tmp_path / "raw"
    shutil.copytree(REALDATA, raw / "realdata")
    (raw / "realdata" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    # Side by side: the command line, a process of its own with no other thread.
    subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw / "realdata"), "--raw", str(bundled_raw),
                    "--db", str(tmp_path / "a.duckdb")], cwd=PROJECT, check=True, capture_output=True)
    sleeper = threading.Thread(target=time.sleep, args=(60,), daemon=True)
    sleeper.start()                 # a thread running: this build loads one file at a time
    one_by_one = build([raw / "realdata", bundled_raw], tmp_path / "b.duckdb")
    assert len(one_by_one.refused) == 1 and "broken.xlsx" in one_by_one.refused[0]["file"]
    first, second = tables(tmp_path / "a.duckdb"), tables(tmp_path / "b.duckdb")
    assert first.keys() == second.keys() and "build_files" in first
    differing = [name for name in first if first[name] != second[name] and name != "build_info"]
    assert differing == []          # build_files included: the same file refused for the same reason
