"""The production stack as `make serve-prod` starts it (deploy/serve.py: nginx in front of
gunicorn): slow clients are held by the proxy, not by the app's threads; oversized bodies stop
at the proxy; static files are served by the proxy, cached and compressed; SIGTERM stops both
servers.

One stack for the module (starting it costs seconds); the last test stops it."""
from __future__ import annotations

import gzip
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import plotly
import pytest

from dashboards import ASSETS, embed

from ..conftest import PROJECT, _free_port

SERVE = PROJECT / "deploy" / "serve.py"
SLOW_CLIENTS = 200
HEADER_LINE_EVERY = 2.0     # seconds between a slow client's header lines
ROUNDS = 3                  # of header lines, with the probes in between
HEADER_TIMEOUT = 10         # client_header_timeout in deploy/nginx.conf.template
PROXY_413 = b"Request body over 1 MB: refused.\n"
OBSERVATIONS = "/api/v1/observations.csv?measure=dp_recipients&area=E92000001"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Stack:
    url: str
    port: int
    process: subprocess.Popen
    run_dir: Path
    log: Path


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None, timeout: float = 10):
    """(status, headers, body) for any status."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with DIRECT.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def children(pid: int) -> list[int]:
    """The processes whose parent is pid (from /proc: no psutil needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(bundled_db, tmp_path_factory):
    """The stack on a free loopback port, run folder in a temp folder, with the command line
    the Makefile's serve-prod target uses."""
    folder = tmp_path_factory.mktemp("proxy")
    port, log = _free_port(), folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(SERVE), "--bind", f"127.0.0.1:{port}", "--db", str(bundled_db),
             "--workers", "2", "--threads", "4", "--run-dir", str(folder / "run"),
             "--access-log", str(folder / "access.log")],
            cwd=PROJECT, env={**os.environ}, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while b"Serving http://" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the stack did not start:\n{log.read_text()}")
        time.sleep(0.2)
    yield Stack(f"http://127.0.0.1:{port}", port, process, folder / "run", log)
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=60)


def open_slow_clients(port: int, count: int) -> list[socket.socket]:
    """Sockets that have sent a request line and one header, and will never finish."""
    clients = []
    for number in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{number}: 0\r\n".encode())
        clients.append(client)
    return clients


def closed_by_server(client: socket.socket, wait: float = 0.0) -> bool:
    """The server has closed (or reset) this socket: it reads as end of file."""
    if not select.select([client], [], [], wait)[0]:
        return False
    try:
        client.recv(1024)   # end of file, or a 408 before it: either way the request is over
    except ConnectionResetError:
        pass
    return True


def timed(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, _, body = get(url, timeout=5)
    return time.perf_counter() - started, status, body


def test_health_and_the_api_answer_within_a_second_while_200_slow_clients_hold_connections(stack):
    opened = time.monotonic()
    clients = open_slow_clients(stack.port, SLOW_CLIENTS)
    try:
        probes = []
        for line in range(1, ROUNDS + 1):
            time.sleep(HEADER_LINE_EVERY)
            for client in clients:
                client.sendall(f"X-Line-{line}: still sending\r\n".encode())
            probes.append(("health", *timed(stack.url + "/health")))
            probes.append(("measures", *timed(stack.url + "/api/v1/measures.json")))
            probes.append(("observations", *timed(stack.url + OBSERVATIONS)))
        # The attack really was in place while the probes ran: no slow socket had been dropped.
        assert time.monotonic() - opened < HEADER_TIMEOUT
        assert not [client for client in clients if closed_by_server(client)]
        for name, seconds, status, body in probes:
            assert status == 200, (name, status, body[:200])
            assert seconds < 1.0, (name, seconds)
        assert b'"dp_recipients"' in probes[1][3] and probes[2][3].startswith(b"area_code,")
        # A header line every few seconds does not keep a socket: nginx's header timeout is a
        # total, so every slow client is cut off soon after it.
        deadline = opened + HEADER_TIMEOUT + 5
        still_open = [client for client in clients
                      if not closed_by_server(client, max(0.0, deadline - time.monotonic()))]
        assert not still_open, f"{len(still_open)} slow clients still connected after {HEADER_TIMEOUT + 5} s"
    finally:
        for client in clients:
            client.close()


def test_a_callback_body_over_1_mb_gets_413_from_the_proxy(stack):
    status, headers, body = get(stack.url + "/_dash-update-component", {"Content-Type": "application/json"},
                                data=b'{"output": "' + b"x" * 2_000_000 + b'"}')
    assert (status, body) == (413, PROXY_413)
    # The app never saw it: nothing reached gunicorn, so no Content-Security-Policy was added.
    assert "Content-Security-Policy" not in headers
    # A smaller (still forged) body passes the proxy and is refused by the app itself.
    status, headers, body = get(stack.url + "/_dash-update-component", {"Content-Type": "application/json"},
                                data=b'{"output": "' + b"x" * 500_000 + b'"}')
    assert 400 <= status < 500 and body != PROXY_413 and "Content-Security-Policy" in headers


def test_a_long_link_reaches_the_app_and_a_far_longer_one_stops_at_the_proxy(stack):
    # 3,990 bytes of query: inside the app's 4,000-byte limit, so the app answers (an unknown
    # parameter), not the proxy.
    status, headers, body = get(stack.url + "/api/v1/measures.json?" + "q=" + "a" * 3988)
    assert status == 400 and b"error" in body and "Content-Security-Policy" in headers
    status, headers, body = get(stack.url + "/api/v1/measures.json?" + "q=" + "a" * 9000)
    assert status == 414 and b"414 Request-URI Too Large" in body and "Content-Security-Policy" not in headers


def test_static_assets_are_served_by_the_proxy_with_a_cache_header_and_gzip(stack):
    expected = (ASSETS / "style.css").read_bytes()
    status, headers, body = get(stack.url + "/assets/style.css?m=1", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == expected
    # The app answers assets with no-cache: a year, immutable, is the proxy's own header.
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"] == "text/css; charset=utf-8"
    # Without the fingerprint Dash adds, a browser must revalidate.
    assert get(stack.url + "/assets/style.css")[1]["Cache-Control"] == "no-cache"
    status, headers, body = get(stack.url + f"/embed-assets/plotly-{plotly.__version__}.min.js",
                                {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "immutable" in headers["Cache-Control"]
    assert gzip.decompress(body) == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert len(body) < 0.4 * len(gzip.decompress(body))
    status, headers, _ = get(stack.url + "/embed-assets/embed.css")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=3600"
    # Other sites' pages load the resize script: the proxy serves it too, under one name.
    status, headers, body = get(stack.url + "/embed-assets/resize.js")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=3600"
    assert "javascript" in headers["Content-Type"] and headers["X-Content-Type-Options"] == "nosniff"
    assert body == (Path(embed.__file__).with_name("embed_static") / "resize.js").read_bytes()


def test_the_api_is_compressed_by_the_proxy(stack):
    status, headers, body = get(stack.url + "/api/v1/measures.json", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b'{"measures":')


def test_sigterm_stops_nginx_and_gunicorn_together(stack):
    """Last in the module: it stops the stack."""
    servers = children(stack.process.pid)
    nginx_master = int((stack.run_dir / "nginx.pid").read_text())
    assert nginx_master in servers and len(servers) == 2
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(timeout=60) == 0
    assert not [pid for pid in servers if alive(pid)]
    assert not (stack.run_dir / "nginx.pid").exists()
    assert b"SIGTERM: stopping nginx and gunicorn" in stack.log.read_bytes()
