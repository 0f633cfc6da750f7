"""The worker's side of the shared image renderer: one warm Chromium per host, in a process of
its own (dashboards/render_service.py), that every worker of a server sends figures to.

- Found by its Unix socket in the run folder: UPTAKE_RUN_DIR (gunicorn.conf.py gives every
  server one, deploy/serve.py its --run-dir), else a private folder for this process alone.
- Started on first use, never at boot, by whichever worker gets there first: a file lock
  in the run folder lets exactly one start it while the others wait and then connect.
- A renderer that died (crash, OOM kill) is started again by the next picture asked for; a
  picture whose renderer died while drawing it is asked for once more from the new one.
- Stops with the server: gunicorn's master stops it on exit, and the renderer itself exits
  within seconds once its owner (UPTAKE_RENDERER_OWNER: gunicorn's master, else the process
  that started it) is gone, however that process ended.

A request names its picture by a hash of the figure, format and scale first: a picture in the
renderer's cache, or one already being drawn for another worker, comes back without the
figure being sent; a full queue says "busy" at once (ImagesBusy, with a Retry-After), so a
burst of pictures is turned away in milliseconds instead of holding worker threads.

Wire format: frames of a 4-byte big-endian length and that many bytes; requests and replies
are JSON frames, figures and pictures raw frames after them.
"""
from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RUN_DIR_ENV = "UPTAKE_RUN_DIR"
OWNER_ENV = "UPTAKE_RENDERER_OWNER"
SOCKET_NAME = "renderer.sock"
LOCK_NAME = "renderer.lock"
PID_NAME = "renderer.pid"
SOCKET_PATH_MAX = 100        # sun_path holds 108 bytes on Linux; keep a margin
START_SECONDS = 30           # for the renderer to listen (Python and Playwright imports)
ANSWER_SECONDS = 90          # a picture waits at most the queue's length of renders
MAX_FRAME_BYTES = 256 * 2**20


class ImagesUnavailable(RuntimeError):
    """No picture can be drawn now: says why and what still works. retry_after (seconds) is set
    when trying again shortly will help."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ImagesBusy(ImagesUnavailable):
    """The renderer's queue is full: come back after retry_after seconds."""


def chromium_path() -> str | None:
    wanted = os.environ.get("UPTAKE_CHROMIUM", "/usr/bin/chromium")
    return shutil.which(wanted) or (wanted if os.access(wanted, os.X_OK) else None)


def require_chromium() -> str:
    browser = chromium_path()
    if browser is None:
        raise ImagesUnavailable(
            "Image downloads need Chromium, which is not installed here "
            f"({os.environ.get('UPTAKE_CHROMIUM', '/usr/bin/chromium')}): install it with "
            "`apt-get install -y chromium` or set UPTAKE_CHROMIUM. Data downloads and pages still work.")
    return browser


# --- frames -------------------------------------------------------------------------------

def send_frame(connection: socket.socket, data: bytes) -> None:
    connection.sendall(struct.pack(">I", len(data)) + data)


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionResetError("the renderer closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive_frame(connection: socket.socket) -> bytes:
    (size,) = struct.unpack(">I", _receive_exactly(connection, 4))
    if size > MAX_FRAME_BYTES:
        raise ConnectionResetError(f"a frame of {size} bytes is more than any picture")
    return _receive_exactly(connection, size)


def send_json(connection: socket.socket, message: dict) -> None:
    send_frame(connection, json.dumps(message).encode())


def receive_json(connection: socket.socket) -> dict:
    return json.loads(receive_frame(connection))


# --- where the renderer lives ---------------------------------------------------------------

_private_dir: Path | None = None
_private_lock = threading.Lock()


def run_dir() -> Path:
    """The server's run folder, or (outside a server: the export command, the development
    server, tests) a private folder removed when this process exits."""
    global _private_dir
    configured = os.environ.get(RUN_DIR_ENV)
    if configured:
        return Path(configured)
    with _private_lock:
        if _private_dir is None:
            _private_dir = Path(tempfile.mkdtemp(prefix="uptake-renderer-"))
            atexit.register(_remove_private_dir, _private_dir)
        return _private_dir


def _remove_private_dir(folder: Path) -> None:
    stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


def socket_path(folder: Path) -> Path:
    """The socket in the run folder; when that path is too long for a Unix socket, one in a
    private folder under /tmp named after the run folder (so every worker finds the same)."""
    path = folder.resolve() / SOCKET_NAME
    if len(str(path)) <= SOCKET_PATH_MAX:
        return path
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    short = Path(tempfile.gettempdir()) / f"uptake-{os.getuid()}-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / SOCKET_NAME


def owner_pid() -> int:
    text = os.environ.get(OWNER_ENV, "")
    return int(text) if text.isdigit() else os.getpid()


def renderer_pid(folder: Path | None = None) -> int | None:
    """The running renderer's process id, from its pid file; None when none is running."""
    try:
        pid = int((Path(folder or run_dir()) / PID_NAME).read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


# --- talking to it ------------------------------------------------------------------------

_started: list[subprocess.Popen] = []     # renderers this process started: reaped when they end


def _open(path: Path, timeout: float) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    # connect_ex: an errno, not an exception (and no `.connect` for the test that keeps
    # database connections in db.py to trip over).
    error = connection.connect_ex(str(path))
    if error:
        connection.close()
        raise OSError(error, os.strerror(error), str(path))
    return connection


def _start(folder: Path) -> None:
    """Start a renderer for this run folder (the caller holds the start lock)."""
    _started[:] = [process for process in _started if process.poll() is None]
    # A session of its own: a signal to this worker's process group (Ctrl-C, a worker restart)
    # does not reach it; it outlives the worker that happened to start it.
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboards.render_service", "--run-dir", str(folder.resolve()),
         "--socket", str(socket_path(folder)), "--owner", str(owner_pid())],
        # From the project folder, so that `-m` finds this very package (installed or not).
        cwd=Path(__file__).resolve().parents[1], stdin=subprocess.DEVNULL, start_new_session=True)
    _started.append(process)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ImagesUnavailable(f"The image renderer exited at start (code {process.returncode}); "
                                    "see the server's log. Data downloads and pages still work.", retry_after=10)
        try:
            _open(socket_path(folder), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise ImagesUnavailable("The image renderer did not start in time. Try again; data downloads still work.",
                            retry_after=10)


def connect(folder: Path | None = None) -> socket.socket:
    """A connection to the run folder's renderer, starting it if no one is listening."""
    folder = Path(folder or run_dir())
    path = socket_path(folder)
    try:
        return _open(path, ANSWER_SECONDS)
    except OSError:
        pass
    require_chromium()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)      # the first worker starts it; the others wait here
        try:
            try:
                return _open(path, ANSWER_SECONDS)   # started while this one waited
            except OSError:
                _start(folder)
                return _open(path, ANSWER_SECONDS)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def picture_key(figure_json: bytes, image_format: str, scale: float, pin: str | None) -> str:
    """Names a picture by everything that decides its bytes: the figure (which carries the
    build's numbers, sources and date) and how it is drawn."""
    digest = hashlib.sha256(f"{image_format}|{scale}|{pin or ''}|".encode())
    digest.update(figure_json)
    return digest.hexdigest()


def draw(figure_json: bytes, image_format: str, *, scale: float = 1, pin: str | None = None,
         folder: Path | None = None) -> bytes:
    """The picture of a figure (Plotly JSON) as PNG, SVG or PDF bytes, from the shared renderer.
    pin: the name of an annotation hung below the plot (y=0, yanchor top) that must stay
    where its yshift puts it when the axes grow their margins (the report footer)."""
    require_chromium()
    key = picture_key(figure_json, image_format, scale, pin)
    for attempt in (1, 2):
        try:
            with connect(folder) as connection:
                send_json(connection, {"op": "draw", "key": key, "format": image_format, "scale": scale,
                                       "pin": pin})
                reply = receive_json(connection)
                if reply["status"] == "send":
                    send_frame(connection, figure_json)
                    reply = receive_json(connection)
                if reply["status"] in ("drawn", "cached"):
                    return receive_frame(connection)
                if reply["status"] == "busy":
                    raise ImagesBusy("The server is drawing other pictures; try again in a few seconds. "
                                     "Data downloads and pages still work.", retry_after=int(reply["retry_after"]))
                raise ImagesUnavailable(f"The image could not be drawn ({reply.get('message', 'no reason given')}). "
                                        "Try again; data downloads still work.", retry_after=5)
        except (ConnectionError, EOFError, struct.error, json.JSONDecodeError) as error:
            # The renderer died while this picture was asked for: once more, from a new one.
            if attempt == 2:
                raise ImagesUnavailable(f"The image renderer stopped while drawing ({error}). Try again; "
                                        "data downloads still work.", retry_after=5) from error
        except socket.timeout as error:
            raise ImagesUnavailable("The image renderer did not answer in time. Try again; data downloads "
                                    "still work.", retry_after=10) from error
    raise AssertionError("unreachable")


def stats(folder: Path | None = None) -> dict | None:
    """What the running renderer has done (pictures drawn, served from cache, turned away,
    Chromium starts); None when none is running. Never starts one."""
    try:
        with _open(socket_path(Path(folder or run_dir())), 10) as connection:
            send_json(connection, {"op": "stats"})
            return receive_json(connection)
    except (OSError, ValueError):
        return None


def stop(folder: Path | None = None, timeout: float = 10) -> None:
    """Stop the run folder's renderer and its Chromium, if one is running (the server's exit)."""
    folder = Path(folder or run_dir())
    pid = renderer_pid(folder)
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGTERM)     # the renderer leads its own session: Chromium goes too
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and renderer_pid(folder) == pid:
        time.sleep(0.05)
    if renderer_pid(folder) == pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    for process in _started:
        process.poll()                     # reaped, if this process started it
