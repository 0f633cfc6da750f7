"""A 200 MB callback body sent to the production server (real gunicorn, one worker) is refused
with 413 without the worker taking it into memory, whether its size is declared
(Content-Length) or not (chunked); each refusal is one line in the server's log, and the
server goes on answering."""
from __future__ import annotations

import http.client
import json
import select
import socket
import urllib.parse
from pathlib import Path

from dashboards.callback_guard import MAX_BODY_BYTES
from tests.forged import route_callback

from .conftest import get, start_gunicorn

ENDPOINT = "/_dash-update-component"
BODY_BYTES = 200 * 1024 * 1024
PIECE = b" " * (1024 * 1024)
# What the worker may grow by while a 200 MB body streams past it: far below the body's size.
ALLOWED_GROWTH_KB = 8 * 1024
ROUTE = route_callback("/")


def worker_pid(master: int) -> int:
    [child] = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(child)


def memory_kb(pid: int, field: str) -> int:
    """VmRSS (resident now) or VmHWM (the most it has ever been) of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def send_200_mb(url: str, pid: int, *, chunked: bool) -> tuple[int, dict, int]:
    """POST a 200 MB body a megabyte at a time, reading the worker's RSS after each megabyte,
    until the server answers (as a browser does: an early answer ends the upload).
    Returns (status, JSON answer, the highest RSS seen in kB)."""
    address = urllib.parse.urlsplit(url)
    connection = socket.create_connection((address.hostname, address.port), timeout=30)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}"
    connection.sendall(f"POST {ENDPOINT} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
                       f"{length}\r\n\r\n".encode())
    frame = b"%x\r\n%s\r\n" % (len(PIECE), PIECE) if chunked else PIECE
    highest, sent = memory_kb(pid, "VmRSS"), 0
    try:
        while sent < BODY_BYTES and not select.select([connection], [], [], 0)[0]:
            connection.sendall(frame)
            sent += len(PIECE)
            highest = max(highest, memory_kb(pid, "VmRSS"))
        if chunked and sent == BODY_BYTES:
            connection.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass                    # the server answered and stopped reading mid-megabyte
    highest = max(highest, memory_kb(pid, "VmRSS"))
    response = http.client.HTTPResponse(connection, method="POST")
    response.begin()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer, highest


def test_a_200_mb_callback_body_is_refused_without_growing_the_worker(bundled_db, tmp_path):
    log = tmp_path / "gunicorn.log"
    process, url = start_gunicorn(bundled_db, log, workers=1, threads=2)
    try:
        pid = worker_pid(process.pid)
        status, _, body = get(url + ENDPOINT, json.dumps(ROUTE).encode())     # the worker is warm
        assert status == 200 and b"Compare councils" in body
        before_rss, before_peak = memory_kb(pid, "VmRSS"), memory_kb(pid, "VmHWM")

        status, answer, highest = send_200_mb(url, pid, chunked=False)
        assert status == 413
        assert answer == {"error": f"The body is {BODY_BYTES:,} bytes; at most {MAX_BODY_BYTES:,} are accepted."}
        assert highest - before_rss < ALLOWED_GROWTH_KB, (before_rss, highest)

        status, answer, highest = send_200_mb(url, pid, chunked=True)
        assert status == 413
        assert answer == {"error": f"The body is over {MAX_BODY_BYTES:,} bytes; at most {MAX_BODY_BYTES:,} "
                                   "are accepted."}
        assert highest - before_rss < ALLOWED_GROWTH_KB, (before_rss, highest)
        assert memory_kb(pid, "VmHWM") - before_peak < ALLOWED_GROWTH_KB

        # Still serving, and the same worker: nothing restarted it.
        status, _, body = get(url + ENDPOINT, json.dumps(ROUTE).encode())
        assert status == 200 and b"Compare councils" in body and worker_pid(process.pid) == pid
    finally:
        process.terminate()
        process.wait(timeout=15)
    refusals = [line for line in log.read_text().splitlines() if "Refused POST" in line]
    assert len(refusals) == 2, refusals
    assert refusals[0].endswith(f"Refused POST {ENDPOINT}: 413 The body is {BODY_BYTES:,} bytes; at most "
                                f"{MAX_BODY_BYTES:,} are accepted. (body {BODY_BYTES:,} bytes)")
    assert refusals[1].endswith(f"Refused POST {ENDPOINT}: 413 The body is over {MAX_BODY_BYTES:,} bytes; at most "
                                f"{MAX_BODY_BYTES:,} are accepted. (body over {MAX_BODY_BYTES:,} bytes)")
