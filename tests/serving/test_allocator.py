"""The worker's C heap settings (deploy/allocator.py, applied by gunicorn.conf.py): a real
gunicorn with the project's configuration serves a probe app that looks at its own allocator;
and a real trim gives a fragmented heap's free pages back."""
from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy import allocator

from ..conftest import PROJECT, _free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.skipif(allocator._LIBC is None, reason="glibc's malloc only (Linux)")

# Answers with what its worker's allocator does: how many arenas eight busy threads end up in,
# whether a block of twice the threshold still gets its own mapping after a larger one was
# freed (glibc's dynamic threshold would have risen to that size), how many objects the master
# froze, and how many requests the post_request hook has counted.
PROBE = '''
import ctypes, gc, json, os, tempfile, threading

from deploy import allocator

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]


class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


libc.mallinfo2.restype = Mallinfo2


def heaps_after_busy_threads(count=8):
    barrier = threading.Barrier(count)

    def work():
        block = libc.malloc(1000)
        barrier.wait()
        libc.free(block)
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        return open(report.name).read().count("<heap nr=")


def large_block_mapped():
    libc.free(libc.malloc(8 * allocator.MMAP_THRESHOLD))
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(2 * allocator.MMAP_THRESHOLD)
    mapped = libc.mallinfo2().hblkhd - before
    libc.free(block)
    return mapped >= 2 * allocator.MMAP_THRESHOLD


def app(environ, start_response):
    counted = int(repr(allocator._requests)[len("count("):-1]) - 1
    body = json.dumps({"heaps": heaps_after_busy_threads(), "large_block_mapped": large_block_mapped(),
                       "frozen": gc.get_freeze_count(), "requests_counted": counted}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
'''


@pytest.fixture
def probe(tmp_path):
    """A URL answered by the probe app under gunicorn.conf.py (one worker, four threads)."""
    (tmp_path / "probe.py").write_text(PROBE)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(GUNICORN), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                                    "--pythonpath", str(tmp_path), "probe:app"], cwd=PROJECT,
                                   env={**os.environ, "UPTAKE_RUN_DIR": str(tmp_path)},
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text())
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def ask(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_a_worker_uses_two_arenas_a_fixed_mmap_threshold_and_the_frozen_master_heap(probe):
    seen = ask(probe)
    assert seen["heaps"] <= allocator.ARENA_MAX      # unset: one per thread, up to 16 on two cores
    assert seen["large_block_mapped"] is True
    assert seen["frozen"] > 10_000                    # the app's modules, frozen in the master


def test_every_request_a_worker_answers_counts_towards_its_next_trim(probe):
    first = ask(probe)["requests_counted"]
    for _ in range(4):
        ask(probe)
    time.sleep(0.5)      # the hook runs once the response is sent
    assert ask(probe)["requests_counted"] - first == 5


def test_trims_come_once_every_hundred_requests():
    trimmed = [allocator.trim_now_and_then() for _ in range(3 * allocator.TRIM_EVERY)]
    first = trimmed.index(True)
    assert [i for i, done in enumerate(trimmed) if done] == [first, first + allocator.TRIM_EVERY,
                                                             first + 2 * allocator.TRIM_EVERY]


def private_mb() -> float:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:])
    return (int(fields["Private_Dirty"].split()[0]) + int(fields["Private_Clean"].split()[0])) / 1024


def test_a_trim_gives_back_free_pages_inside_the_heap():
    """Most of 80 MB of small blocks freed, every sixteenth kept: free() cannot shrink a heap
    with blocks still near its top, so the pages stay the process's until a trim."""
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4000) for _ in range(20_000)]
    for block in blocks:
        ctypes.memset(block, 1, 4000)
    kept = blocks[::16]
    for index, block in enumerate(blocks):
        if index % 16:
            libc.free(block)
    try:
        before = private_mb()
        assert allocator.trim() is True
        assert before - private_mb() > 40
    finally:
        for block in kept:
            libc.free(block)
