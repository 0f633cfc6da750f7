"""The shared image renderer: one Chromium with one page kept warm, drawing the pictures of
every worker of a server, asked for over a Unix socket (dashboards/renderer.py is the
workers' side, and starts this process on first use).

    python -m dashboards.render_service --run-dir DIR --socket PATH --owner PID

- One picture at a time, in one page that keeps plotly.js loaded (dashboards/render_page.js):
  on two cores a second page would only halve the speed of each. At most UPTAKE_RENDER_QUEUE
  pictures (default 8) are admitted, drawing or waiting; the next is told "busy" at once,
  with a Retry-After of the queue's expected wait.
- Pictures drawn are kept by key (a hash of the figure and how it is drawn), least recently
  used dropped first beyond UPTAKE_RENDER_CACHE_MB (default 64; 0 keeps none): a picture asked
  for again, from any worker, is not drawn again. One being drawn is not drawn twice: later
  askers wait for it.
- Chromium starts with this process (itself started only when a picture is asked for), and
  again after a crash or a hang; the page is replaced every RECYCLE_AFTER pictures, so
  whatever a long-lived page accumulates is let go.
- Exits on SIGTERM or SIGINT, within a second or two of its owner process ending (gunicorn's
  master, or the process that started it), and when another renderer has taken its socket.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import logging
import math
import os
import signal
import struct
import sys
import time
from collections import OrderedDict, deque
from pathlib import Path

from .renderer import MAX_FRAME_BYTES, PID_NAME, chromium_path

LOG = logging.getLogger("uptake.renderer")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PAGE_SCRIPT = Path(__file__).with_name("render_page.js")
PAGE_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
html, body { margin: 0; padding: 0; background: white; }
@media screen { #print { display: none; } }
@media print { #plot { display: none; } #print { display: block; } @page { margin: 0; } }
</style></head><body><div id="plot"></div><img id="print" alt=""></body></html>"""
FORMATS = ("png", "svg", "pdf")
RENDER_SECONDS = 30        # a picture that takes longer means a hung Chromium: start another
REQUEST_SECONDS = 10       # a client must send its request, and its figure once admitted, within this
RECYCLE_AFTER = 500        # pictures per page
OWNER_CHECK_SECONDS = 1


def plotly_js() -> Path:
    """plotly.js as the plotly package ships it (the version the site's pages draw with),
    found without importing plotly."""
    spec = importlib.util.find_spec("plotly")
    return Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js"


def whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, str(default))
    if not text.isdigit():
        raise SystemExit(f"{name}={text!r}: give a whole number.")
    return int(text)


class PictureCache:
    """Pictures by key, bounded in bytes; the least recently used go first."""

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0

    def get(self, key: str) -> bytes | None:
        data = self.entries.get(key)
        if data is not None:
            self.entries.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.limit or key in self.entries:
            return
        self.entries[key] = data
        self.size += len(data)
        while self.size > self.limit:
            _, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped)


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">I", await reader.readexactly(4))
    if size > MAX_FRAME_BYTES:
        raise ValueError(f"a frame of {size} bytes")
    return await reader.readexactly(size)


def write_frame(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(struct.pack(">I", len(data)) + data)


def write_json(writer: asyncio.StreamWriter, message: dict) -> None:
    write_frame(writer, json.dumps(message).encode())


class Service:
    def __init__(self, queue_limit: int, cache_bytes: int):
        self.queue_limit = queue_limit
        self.cache = PictureCache(cache_bytes)
        self.admitted = 0                                  # drawing or waiting to draw
        self.drawing: dict[str, asyncio.Future] = {}       # key -> the picture being drawn
        self.page_lock = asyncio.Lock()
        self.recent_seconds: deque[float] = deque([0.5], maxlen=20)
        self.counts = {"drawn": 0, "cached": 0, "shared": 0, "busy": 0, "failed": 0, "chromium_starts": 0}
        self.playwright = None
        self.browser = None
        self.page = None
        self.page_uses = 0

    # --- requests ---------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await asyncio.wait_for(read_frame(reader), REQUEST_SECONDS))
            if request.get("op") == "stats":
                write_json(writer, self.stats())
            elif request.get("op") == "draw":
                await self.draw(request, reader, writer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError, ValueError, KeyError):
            pass        # a client gone or garbled: nothing to answer
        finally:
            writer.close()

    def stats(self) -> dict:
        return {"pid": os.getpid(), **self.counts, "admitted": self.admitted, "queue_limit": self.queue_limit,
                "cache_entries": len(self.cache.entries), "cache_bytes": self.cache.size}

    def retry_after(self) -> int:
        """Seconds until the queue has room, about: its length times a recent picture's time."""
        typical = sorted(self.recent_seconds)[len(self.recent_seconds) // 2]
        return max(1, min(30, math.ceil(self.admitted * typical)))

    async def draw(self, request: dict, reader, writer) -> None:
        key = str(request["key"])
        data = self.cache.get(key)
        if data is not None:
            self.counts["cached"] += 1
            write_json(writer, {"status": "cached"})
            write_frame(writer, data)
            return
        if key in self.drawing:
            try:
                data = await asyncio.shield(self.drawing[key])
            except Exception as error:  # the first asker's failure is this one's too
                write_json(writer, {"status": "failed", "message": str(error)[:300]})
                return
            self.counts["shared"] += 1
            write_json(writer, {"status": "cached"})
            write_frame(writer, data)
            return
        if self.admitted >= self.queue_limit:
            self.counts["busy"] += 1
            write_json(writer, {"status": "busy", "retry_after": self.retry_after()})
            return
        self.admitted += 1
        done = asyncio.get_running_loop().create_future()
        self.drawing[key] = done
        try:
            write_json(writer, {"status": "send"})
            await writer.drain()
            figure = await asyncio.wait_for(read_frame(reader), REQUEST_SECONDS)
            data = await self.render(figure.decode("utf-8"), request)
        except Exception as error:
            done.set_exception(error)
            done.exception()          # retrieved: only the waiters re-raise it
            self.counts["failed"] += 1
            if not isinstance(error, (asyncio.IncompleteReadError, ConnectionError)):
                LOG.warning("renderer: a %s picture failed: %s: %s", request.get("format"),
                            type(error).__name__, str(error)[:300])
                write_json(writer, {"status": "failed", "message": f"{type(error).__name__}: {str(error)[:300]}"})
        else:
            self.cache.put(key, data)
            done.set_result(data)
            self.counts["drawn"] += 1
            write_json(writer, {"status": "drawn"})
            write_frame(writer, data)
        finally:
            self.admitted -= 1
            del self.drawing[key]

    # --- drawing ----------------------------------------------------------------------------

    async def render(self, figure: str, request: dict) -> bytes:
        image_format, scale, pin = request.get("format"), request.get("scale", 1), request.get("pin")
        if image_format not in FORMATS or not isinstance(scale, (int, float)) or not 0 < scale <= 4 \
                or not isinstance(pin, (str, type(None))):
            raise ValueError(f"cannot draw format={image_format!r} scale={scale!r} pin={pin!r}")
        async with self.page_lock:
            started = time.monotonic()
            for attempt in (1, 2):
                page = await self.ready_page()
                try:
                    data = await self.draw_in(page, figure, image_format, scale, pin)
                    break
                except asyncio.TimeoutError:
                    await self.discard_browser()     # hung: the next picture starts another
                    raise
                except Exception:
                    if self.usable() or attempt == 2:
                        raise                        # the figure's own fault, or twice in a row
                    await self.discard_browser()     # Chromium died under it: once more in a new one
            self.recent_seconds.append(time.monotonic() - started)
            return data

    @staticmethod
    async def draw_in(page, figure: str, image_format: str, scale: float, pin: str | None) -> bytes:
        result = await asyncio.wait_for(
            page.evaluate("([f, format, scale, pin]) => drawPicture(f, format, scale, pin)",
                          [figure, image_format, scale, pin]), RENDER_SECONDS)
        if image_format == "pdf":
            width, height = result
            return await asyncio.wait_for(page.pdf(
                width=f"{width}px", height=f"{height}px", print_background=True, page_ranges="1",
                margin={"top": "0", "right": "0", "bottom": "0", "left": "0"}), RENDER_SECONDS)
        if image_format == "svg":
            return result.encode("utf-8")
        return base64.b64decode(result.split(",", 1)[1])

    def usable(self) -> bool:
        return (self.browser is not None and self.browser.is_connected()
                and self.page is not None and not self.page.is_closed())

    async def ready_page(self):
        """The warm page, after starting Chromium or replacing the page when needed."""
        if self.browser is not None and not self.usable():
            await self.discard_browser()
        if self.browser is None:
            started = time.monotonic()
            self.browser = await self.playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            self.counts["chromium_starts"] += 1
            LOG.warning("renderer: Chromium started in %.1f s", time.monotonic() - started)
        if self.page is None or self.page_uses >= RECYCLE_AFTER:
            if self.page is not None:
                await self.page.close()
            page = await self.browser.new_page()
            page.on("crash", lambda _: LOG.warning("renderer: the page crashed"))
            await page.set_content(PAGE_HTML)
            await page.add_script_tag(path=str(plotly_js()))
            await page.add_script_tag(path=str(PAGE_SCRIPT))
            self.page, self.page_uses = page, 0
        self.page_uses += 1
        return self.page

    async def discard_browser(self) -> None:
        browser, self.browser, self.page = self.browser, None, None
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), 5)
            except Exception:  # already gone: a new one is what matters
                pass

    async def warm(self) -> None:
        """Chromium and the page now: this process exists because a picture was asked for."""
        try:
            async with self.page_lock:
                await self.ready_page()
                self.page_uses -= 1
        except Exception as error:  # the first picture will try again and report it
            LOG.warning("renderer: Chromium did not start: %s", error)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie (ended, not yet reaped by its parent) is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


async def watch(owner: int, path: Path, inode: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(OWNER_CHECK_SECONDS)
        try:
            taken = path.stat().st_ino != inode
        except OSError:
            taken = True
        if taken or not alive(owner):
            LOG.warning("renderer: %s; stopping", "socket taken over" if taken else f"owner {owner} has ended")
            stop.set()


async def serve(run_dir: Path, path: Path, owner: int) -> None:
    from playwright.async_api import async_playwright

    service = Service(whole_number("UPTAKE_RENDER_QUEUE", 8) or 1, whole_number("UPTAKE_RENDER_CACHE_MB", 64) * 2**20)
    service.playwright = await async_playwright().start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    pid_file = run_dir / PID_NAME
    try:
        path.unlink(missing_ok=True)          # a dead renderer's socket (we hold the start lock)
        os.umask(0o077)                       # the socket is this user's alone
        server = await asyncio.start_unix_server(service.handle, path=str(path))
        inode = path.stat().st_ino
        pid_file.write_text(str(os.getpid()))
        tasks = [asyncio.create_task(service.warm()), asyncio.create_task(watch(owner, path, inode, stop))]
        await stop.wait()
        server.close()
        for task in tasks:
            task.cancel()
        await service.discard_browser()
    finally:
        await service.playwright.stop()
        try:
            if pid_file.read_text() == str(os.getpid()):
                pid_file.unlink()
            if path.stat().st_ino == inode:
                path.unlink()
        except (OSError, NameError):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.render_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--owner", type=int, required=True, help="exit when this process has ended")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    asyncio.run(serve(args.run_dir, args.socket, args.owner))
    return 0


if __name__ == "__main__":
    sys.exit(main())
