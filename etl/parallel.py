"""Files loaded side by side, one process per core: each file is read, recognised, extracted
and assembled on its own, and that is most of a build (the workbook guard, calamine and the
cell-by-cell extraction), so two cores take about half the time. Results come back in the
order given, so the build's report, ids and database do not depend on which finished first.

Processes are forked (a spawned one would spend longer importing pandas than loading a file),
and only from a process running no other thread, Python's or native (DuckDB's): a fork copies
locks another thread may hold. Elsewhere (a test process with a browser's threads or an open
database) the files load one by one.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

# The work and what it reads, set before the fork: inherited, never pickled.
_work: Callable | None = None


def _run(task):
    return _work(task)


def threads_running() -> int:
    """Threads of this process, native ones included where the system lists them (Linux)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


# The numerical libraries' idle thread pools start when they are imported and are safe to fork
# with (they register fork handlers); anything started after (a DuckDB connection's worker
# threads, which Python does not see) is not: a test session that had opened a database lost
# its forked children ("BrokenProcessPool"). So a fork is allowed only with no more threads
# than there were once those libraries were loaded.
import numpy  # noqa: E402,F401
import scipy.special  # noqa: E402,F401

SAFE_THREADS = threads_running()


def workers_for(count: int) -> int:
    """How many processes to load count files with: 1 means in this process."""
    if count < 2 or threading.active_count() > 1 or threads_running() > SAFE_THREADS \
            or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(count, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def map_in_order(work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    """[work(task) for task in tasks], in processes when that helps. work must return (not
    raise) what it wants reported: an exception ends the whole map."""
    global _work
    workers = workers_for(len(tasks))
    if workers == 1:
        return [work(task) for task in tasks]
    _work = work
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, tasks))
    finally:
        _work = None
