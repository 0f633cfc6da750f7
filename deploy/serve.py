"""The production stack: nginx in front of the app servers, started and stopped together.

    python deploy/serve.py --bind 127.0.0.1:8050 --db data/processed/uptake.duckdb
        nginx listens on --bind (the public address) and passes complete requests to a
        gunicorn it starts on a unix socket in the run folder (settings in gunicorn.conf.py).
    python deploy/serve.py --bind 0.0.0.0:8080 --upstream 10.0.0.2:8050 --upstream 10.0.0.3:8050
        nginx only, in front of app hosts that each run gunicorn (make serve-app).

nginx is configured from deploy/nginx.conf.template and runs as the current user: its pid,
logs, temporary files and the filled configuration are in the run folder (--run-dir, default
temp/run), nothing in /etc/nginx. SIGINT or SIGTERM stops both processes; if either exits on
its own, the other is stopped too and this script exits with an error.
"""
from __future__ import annotations

import argparse
import ctypes
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
DEFAULT_RUN_DIR = PROJECT / "temp" / "run"
GUNICORN = Path(sys.executable).with_name("gunicorn")
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
# Characters that would end or extend an nginx directive (or start a variable): never allowed
# in an address or path written into the configuration.
UNSAFE = re.compile(r"[\s;{}\"'$\\#]")
ADDRESS = re.compile(r"^(unix:/\S+|(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}|\d{1,5})$")
SOCKET_PATH_MAX = 100   # sun_path holds 108 bytes on Linux; keep a margin
STARTUP_SECONDS = 90
# Loopback probes go straight to the stack, whatever http_proxy says.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Stop(Exception):
    """SIGINT or SIGTERM arrived: stop both processes."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def checked(value: str, what: str, pattern: re.Pattern | None = None) -> str:
    if UNSAFE.search(value) or (pattern is not None and not pattern.match(value)):
        raise SystemExit(f"{what} {value!r} cannot go into the nginx configuration.")
    return value


def nginx_binary() -> str:
    found = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(found, os.X_OK):
        raise SystemExit("nginx is missing: run 'make nginx' as root, or 'sudo apt-get install -y nginx'.")
    return found


def static_folders() -> dict[str, str]:
    """The folders the app serves its static files from, read from the app itself so that the
    proxy serves exactly what the app would."""
    sys.path.insert(0, str(PROJECT))
    import plotly

    from dashboards import ASSETS
    from dashboards.embed import PLOTLY_JS, STATIC

    return {"dash_assets": str(ASSETS), "embed_assets": str(STATIC),
            "plotly_js": str(PLOTLY_JS / "plotly.min.js"), "plotly_version": plotly.__version__}


def user_directive() -> str:
    """As root, nginx would hand its workers to `nobody`, who cannot reach a private run
    folder: they run as the current user, as they do for anyone else."""
    if os.geteuid() != 0:
        return "# Not root: nginx's workers run as the current user."
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"


def upstream_lines(upstreams: list[str]) -> str:
    """One server line each; a remote host that fails is left out for 10 s (passive check)."""
    health = "" if len(upstreams) == 1 else " max_fails=3 fail_timeout=10s"
    return "\n".join(f"        server {address}{health};" for address in upstreams)


def access_log_value(access_log: str) -> str:
    if access_log == "off":
        return "off"
    path = "/dev/stdout" if access_log == "-" else str(Path(access_log).resolve())
    return f'"{checked(path, "access log")}" timed'


def fill(template: str, values: dict[str, str]) -> str:
    """The template with every {{ name }} replaced; a placeholder without a value is an error."""
    missing = set(PLACEHOLDER.findall(template)) - set(values)
    if missing:
        raise SystemExit(f"{TEMPLATE.name} has placeholders with no value: {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def nginx_config(listen: str, upstreams: list[str], run_dir: Path, access_log: str) -> str:
    return fill(TEMPLATE.read_text(), {
        "listen": listen, "upstream_servers": upstream_lines(upstreams), "run_dir": str(run_dir),
        "access_log": access_log_value(access_log), "user_directive": user_directive(),
        **static_folders()})


def running_pid(pid_file: Path) -> int | None:
    """The nginx master recorded in pid_file, if it is still running."""
    try:
        pid = int(pid_file.read_text().strip())
        return pid if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"nginx") else None
    except (OSError, ValueError):
        return None


def prepare_run_dir(run_dir: Path) -> Path:
    run_dir = run_dir.resolve()
    checked(str(run_dir), "run folder")
    pid = running_pid(run_dir / "nginx.pid")
    if pid is not None:
        raise SystemExit(f"Another stack is running from {run_dir} (nginx pid {pid}): stop it or set RUN_DIR.")
    run_dir.mkdir(parents=True, exist_ok=True)
    # Runtime files only: keep the folder out of git wherever it is.
    (run_dir / ".gitignore").write_text("*\n")
    return run_dir


def private_address(run_dir: Path) -> str:
    """Where the local gunicorn listens: a unix socket in the run folder (reachable by nothing
    but the proxy), or a free loopback port when the folder's path is too long for a socket."""
    path = run_dir / "gunicorn.sock"
    if len(str(path)) <= SOCKET_PATH_MAX:
        return f"unix:{path}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def die_with_parent() -> None:
    """Runs in each child before exec: the kernel sends it SIGTERM if this script dies, even by
    SIGKILL, so neither server outlives the other."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def control_socket(run_dir: Path) -> list[str]:
    """gunicorn's control socket in the run folder too (its default is one per user, shared by
    every gunicorn that user runs)."""
    path = run_dir / "gunicorn.ctl"
    return ["--control-socket", str(path)] if len(str(path)) <= SOCKET_PATH_MAX else ["--no-control-socket"]


def start_gunicorn(address: str, db: Path, run_dir: Path, workers: int | None, threads: int | None) -> subprocess.Popen:
    sizes = [*(["--workers", str(workers)] if workers else []), *(["--threads", str(threads)] if threads else [])]
    command = [str(GUNICORN), "--config", str(PROJECT / "gunicorn.conf.py"), "--bind", address,
               *control_socket(run_dir), *sizes, "app:server"]
    # No access log here: nginx logs every request, with the client's address.
    # The image renderer's socket and lock live in the run folder too (dashboards/renderer.py).
    return subprocess.Popen(command, cwd=PROJECT, preexec_fn=die_with_parent,
                            env={**os.environ, "UPTAKE_DB": str(db.resolve()), "BIND": address,
                                 "UPTAKE_RUN_DIR": str(run_dir)})


def wait_until_listening(address: str, process: subprocess.Popen) -> None:
    """Until gunicorn has bound its address: nginx started sooner would log every early
    request as a failed connect. (The workers may still be loading; requests queue meanwhile.)"""
    deadline = time.monotonic() + STARTUP_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if address.startswith("unix:"):
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(address.removeprefix("unix:"))
            else:
                host, _, port = address.rpartition(":")
                socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on {address} (exit code {process.poll()})")


def nginx_command(binary: str, run_dir: Path, *extra: str) -> list[str]:
    return [binary, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", str(run_dir / "error.log"), *extra]


def check_nginx_config(binary: str, run_dir: Path) -> None:
    """nginx -t: a configuration error is reported before anything starts."""
    test = subprocess.run(nginx_command(binary, run_dir, "-t", "-q"), capture_output=True, text=True)
    if test.returncode != 0:
        raise SystemExit(f"nginx refused {run_dir / 'nginx.conf'}:\n{test.stderr}")


def probe_url(bind: str) -> str | None:
    """A URL on the public address to see the stack answer (None for a unix socket)."""
    if bind.startswith("unix:"):
        return None
    host, _, port = bind.rpartition(":")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}.get(host, host)
    return f"http://{host}:{port}"


def exited(processes: dict[str, subprocess.Popen]) -> str | None:
    return next((f"{name} exited with code {process.returncode}"
                 for name, process in processes.items() if process.poll() is not None), None)


def serving(url: str | None, processes: dict[str, subprocess.Popen]) -> bool:
    """Whether a page answers through nginx within STARTUP_SECONDS: the app behind it (or an
    app host) is loaded. A process that exits meanwhile is an error."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while url is not None and time.monotonic() < deadline:
        if (failure := exited(processes)) is not None:
            raise RuntimeError(failure)
        try:
            with DIRECT.open(url + "/_dash-layout", timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return url is None


def supervise(processes: dict[str, subprocess.Popen]) -> str:
    """Wait for a signal (Stop) or for either process to exit; returns why it ended."""
    while (failure := exited(processes)) is None:
        time.sleep(0.5)
    return failure


def stop(processes: dict[str, subprocess.Popen], signum: int = signal.SIGTERM) -> None:
    """nginx first (it stops taking requests), then gunicorn. SIGTERM is a graceful stop for
    both (requests in flight are finished); SIGINT (Ctrl-C) is passed on as it is: a second,
    different signal to a gunicorn already stopping can leave a worker hanging until gunicorn
    kills it 30 s later. gunicorn's master stops the image renderer as it exits."""
    signals = ({"nginx": signal.SIGQUIT, "gunicorn": signal.SIGTERM} if signum == signal.SIGTERM
               else {"nginx": signum, "gunicorn": signum})
    for name in signals:
        process = processes.get(name)
        if process is not None and process.poll() is None:
            process.send_signal(signals[name])
            try:
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def log_tail(run_dir: Path, lines: int = 5) -> str:
    try:
        return "\n".join((run_dir / "error.log").read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(none)"


def on_signal(signum, frame) -> None:
    raise Stop(signum)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8050"),
                        help="the public address nginx listens on (host:port)")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("UPTAKE_DB", "data/processed/uptake.duckdb")))
    parser.add_argument("--upstream", action="append", default=[],
                        help="an app host's gunicorn (host:port; may repeat): start no local gunicorn")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get("RUN_DIR", DEFAULT_RUN_DIR)))
    parser.add_argument("--access-log", default="-", help="a file, - for standard output, or off")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bind = checked(args.bind, "BIND", ADDRESS)
    upstreams = [checked(address, "upstream", ADDRESS) for address in args.upstream]
    binary = nginx_binary()
    run_dir = prepare_run_dir(args.run_dir)
    local = private_address(run_dir) if not upstreams else None
    (run_dir / "nginx.conf").write_text(nginx_config(bind, upstreams or [local], run_dir, args.access_log))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    processes: dict[str, subprocess.Popen] = {}
    signum = signal.SIGTERM
    try:
        check_nginx_config(binary, run_dir)
        if local is not None:
            processes["gunicorn"] = start_gunicorn(local, args.db, run_dir, args.workers, args.threads)
            wait_until_listening(local, processes["gunicorn"])
        processes["nginx"] = subprocess.Popen(nginx_command(binary, run_dir), preexec_fn=die_with_parent)
        ready = serving(probe_url(bind), processes)
        if not ready and local is not None:
            raise RuntimeError(f"nothing answered on {bind} within {STARTUP_SECONDS} s")
        behind = f"gunicorn on {local}" if local else ", ".join(upstreams)
        print(f"Serving http://{bind}/ : nginx (run folder {run_dir}) in front of {behind}", flush=True)
        if not ready:   # app hosts may start later: nginx answers 503 until one does
            print(f"No app host answered within {STARTUP_SECONDS} s; nginx keeps trying them.", flush=True)
        failure = supervise(processes)
    except Stop as stopped:
        print(f"{stopped}: stopping {' and '.join(name for name in ('nginx', 'gunicorn') if name in processes)}",
              flush=True)
        signum = stopped.signum
        return 0
    except RuntimeError as error:
        failure = str(error)
    finally:
        # A second Ctrl-C while stopping ends this script at once; the kernel then stops both.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        stop(processes, signum)
    print(f"Stopped: {failure}. The end of nginx's log ({run_dir / 'error.log'}):\n{log_tail(run_dir)}",
          file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
