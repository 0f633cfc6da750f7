"""API latency through the production proxy while slow clients hold connections (issue 15).

Starts the stack as `make serve-prod` does (deploy/serve.py: nginx in front of gunicorn gthread,
2 workers x 32 threads) on loopback with the full real dataset, then, in one run and one stack:
  - API only (observations.csv and .json, as benchmarks/load.py's API run) from 50 clients with
    no slow clients: the baseline;
  - the same while 200 slow clients are connected, each having sent a request line and sending
    a header line every 4 s, never finishing. When the proxy cuts one off (its header timeout)
    it reconnects at once, as an attacker's would, so 200 stay connected throughout.
The two alternate over --rounds rounds, each with its own queries, so that neither is favoured
by the response cache or by drift in the machine's load. Then, for contrast, gunicorn alone
(no proxy) with the same slow clients: a bounded number of requests with a short timeout
(--no-direct skips it).
Prints p50/p95/p99 and errors per run, and the p95 with slow clients as a ratio of the p95
without. Target: within 1.5x, zero errors.

Usage: python benchmarks/slow_clients.py [--db PATH] [--clients N] [--slow N] [--requests N]
[--rounds N] [--no-direct]
"""
from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.common import free_port, real_database  # noqa: E402
from benchmarks.load import THREADS, WORKERS, drive, pct, plan, start_server, summarise  # noqa: E402

SERVE = PROJECT / "deploy" / "serve.py"
HEADER_LINE_EVERY = 4.0     # seconds, as in the attack that found the problem
DIRECT_TIMEOUT = 3.0        # seconds a client waits on gunicorn alone before counting an error
DIRECT_REQUESTS = 100


class SlowClients:
    """`count` sockets that send a request line, then a header line every HEADER_LINE_EVERY
    seconds and never finish; one the server closes is replaced at once."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.sockets: dict[socket.socket, float] = {}   # socket -> when its next line is due
        self.reconnects = self.failed_connects = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def __enter__(self) -> SlowClients:
        for number in range(self.count):
            self._connect(number)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        for client in self.sockets:
            client.close()

    def _connect(self, number: int) -> None:
        try:
            client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{number}: 0\r\n".encode())
            # Staggered, so the lines do not all arrive in one burst.
            self.sockets[client] = time.monotonic() + HEADER_LINE_EVERY * (number % 16) / 16
        except OSError:
            self.failed_connects += 1

    def _replace(self, client: socket.socket) -> None:
        client.close()
        del self.sockets[client]
        self.reconnects += 1
        self._connect(self.reconnects)

    def _run(self) -> None:
        while not self.stopping.wait(0.1):
            closed = select.select(list(self.sockets), [], [], 0)[0]   # readable: the server ended it
            for client in closed:
                self._replace(client)
            now = time.monotonic()
            for client, due in list(self.sockets.items()):
                if due <= now:
                    try:
                        client.sendall(b"X-Still-Sending: yes\r\n")
                        self.sockets[client] = now + HEADER_LINE_EVERY
                    except OSError:
                        self._replace(client)
            while len(self.sockets) < self.count and not self.stopping.is_set():
                self._connect(self.reconnects + len(self.sockets))
                if self.failed_connects > 10 * self.count:
                    break

    def describe(self) -> str:
        return (f"{len(self.sockets)} slow clients connected at the end; {self.reconnects} reconnected after the "
                f"server closed them; {self.failed_connects} connections refused")


def start_stack(db_path: Path, run_dir: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str, int]:
    """nginx + gunicorn, with the command line the Makefile's serve-prod target uses."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVE), "--bind", f"127.0.0.1:{port}", "--db", str(db_path), "--workers", str(workers),
         "--threads", str(threads), "--run-dir", str(run_dir), "--access-log", "off"],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"deploy/serve.py exited with {process.returncode}: see {run_dir / 'error.log'}")
        try:
            if urllib.request.urlopen(url + "/health", timeout=2).status == 200:
                return process, url, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the stack did not start")


def api_plan(requests: int, seed: int) -> list:
    return plan(requests, {"api_csv": 2, "api_json": 1}, seed=seed)


def measure(url: str, port: int, args: argparse.Namespace) -> tuple[list, list, float, float]:
    """Alternating rounds without and with slow clients: (results without, with, seconds each)."""
    without, with_slow, seconds = [], [], [0.0, 0.0]
    per_round = args.requests // args.rounds
    for round_number in range(args.rounds):
        results, spent = drive(url, api_plan(per_round, seed=100 + 2 * round_number), args.clients)
        without += results
        seconds[0] += spent
        with SlowClients(port, args.slow) as slow:
            time.sleep(1)   # every slow client connected and waiting before the clients start
            results, spent = drive(url, api_plan(per_round, seed=101 + 2 * round_number), args.clients)
            print(f"  round {round_number + 1}: {slow.describe()}")
        with_slow += results
        seconds[1] += spent
    return without, with_slow, seconds[0], seconds[1]


def contrast_without_proxy(db_path: Path, args: argparse.Namespace) -> None:
    """gunicorn alone, as serve-prod ran it before the proxy, with the same slow clients."""
    process, url = start_server(db_path, args.workers, args.threads)
    try:
        port = int(url.rsplit(":", 1)[1])
        drive(url, api_plan(50, seed=7), args.clients)
        with SlowClients(port, args.slow) as slow:
            time.sleep(1)
            results, seconds = drive(url, api_plan(DIRECT_REQUESTS, seed=9), args.clients, timeout=DIRECT_TIMEOUT)
            summarise(f"contrast: gunicorn alone (no proxy), {args.slow} slow clients, "
                      f"{DIRECT_TIMEOUT:.0f} s client timeout", results, seconds)
            print(f"  {slow.describe()}")
    finally:
        process.terminate()
        process.wait(timeout=40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--requests", type=int, default=12000,
                        help="API requests per condition over all rounds; a round outlasts the proxy's header timeout")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--no-direct", action="store_true", help="skip the contrast run on gunicorn alone")
    args = parser.parse_args()
    with real_database(args.db) as db_path:
        run(db_path, args)


def run(db_path: Path, args: argparse.Namespace) -> None:
    from dashboards import create_app
    create_app(db_path)   # the plans are drawn from the data's catalogue
    settings = f"{args.clients} clients, nginx + gunicorn gthread {args.workers} workers x {args.threads} threads"
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="slow-clients-") as run_dir:
        process, url, port = start_stack(db_path, Path(run_dir), args.workers, args.threads)
        try:
            drive(url, api_plan(200, seed=1), args.clients)   # each worker loads the app table
            without, with_slow, seconds_without, seconds_with = measure(url, port, args)
        finally:
            process.terminate()
            process.wait(timeout=60)
    summarise(f"API through the proxy, no slow clients, {settings}", without, seconds_without)
    summarise(f"API through the proxy, {args.slow} slow clients connected, {settings}", with_slow, seconds_with)
    p95_without = pct([t for _, t, _ in without], 0.95)
    p95_with = pct([t for _, t, _ in with_slow], 0.95)
    errors = sum(not ok for _, _, ok in without + with_slow)
    print(f"API p95 with {args.slow} slow clients / without: {p95_with:.1f} / {p95_without:.1f} ms = "
          f"{p95_with / p95_without:.2f}x (target: within 1.5x); errors: {errors} (target: 0)")
    if not args.no_direct:
        contrast_without_proxy(db_path, args)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
