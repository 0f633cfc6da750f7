"""Production settings for `gunicorn app:server`. gunicorn reads this file from the folder it
starts in, so `make serve-prod`, the serving tests and benchmarks/load.py all get the same
settings; flags on the command line override them.

`make serve-prod` (deploy/serve.py) runs gunicorn behind nginx, bound to a unix socket in the run
folder instead of BIND: nginx hands it only complete requests, so these threads never wait on a
slow client. An app host behind a proxy on another machine (`make serve-app`) should set
FORWARDED_ALLOW_IPS to the proxy's address so that gunicorn trusts its X-Forwarded-* headers.
"""
import gc
import os
import shutil
import tempfile
from pathlib import Path

from deploy import allocator

# Threaded workers: a quick API request is not queued behind a slow callback in a worker's
# accept queue. One worker per core; threads enough for every concurrent client.
worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "32"))
bind = os.environ.get("BIND", "127.0.0.1:8050")
# The app is imported once, by the master: each worker is a fork of it and answers as soon as it
# starts (importing pandas, SciPy, Plotly and Dash took a new worker 1-5 s), and the workers share
# those pages of memory. Importing the app opens no database and starts no thread, so nothing
# is shared across the fork that must not be. (A code change then needs a restart, not a HUP.)
preload_app = True

# Applied here, in the master, before the app is imported (deploy/allocator.py says why):
# benchmarks/memory.py's worker after 3,000 requests went from 288-300 MB PSS (+33 MB since 1,000)
# to 211-237 MB (+3 to +7 MB) with this, the trims after requests and the freeze below.
allocator.tune()


def when_ready(server):
    """Freeze what the master holds once the app is imported (and before any worker forks):
    the workers' garbage collector then never walks it, and walking it (writing each object's
    GC header) copied those shared pages into every worker: ~10-15 MB less PSS per worker.
    (The app's heavy imports stay in the master, shared: SciPy and openpyxl cost ~21 MB there,
    ~7 MB of each worker's PSS; imported lazily they would be private to each worker using them.)"""
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    """Give the worker's free C heap back to the system every so often (deploy/allocator.py)."""
    allocator.trim_now_and_then()


def on_starting(server):
    """One image renderer for this server's workers (dashboards/renderer.py): they find it in
    the run folder (deploy/serve.py passes its own; otherwise a private one, removed on exit),
    and it exits when this master does. Nothing is started here: Chromium starts when the first
    picture is asked for."""
    if not os.environ.get("UPTAKE_RUN_DIR"):
        os.environ["UPTAKE_RUN_DIR"] = tempfile.mkdtemp(prefix="uptake-run-")
        os.environ["UPTAKE_REMOVE_RUN_DIR"] = "1"
    os.environ["UPTAKE_RENDERER_OWNER"] = str(os.getpid())


def on_exit(server):
    """Stop the renderer (and its Chromium) with the server."""
    from dashboards import renderer

    folder = os.environ.get("UPTAKE_RUN_DIR")
    if folder:
        renderer.stop(Path(folder))
        if os.environ.get("UPTAKE_REMOVE_RUN_DIR") == "1":
            shutil.rmtree(folder, ignore_errors=True)
