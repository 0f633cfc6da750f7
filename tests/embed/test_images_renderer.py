"""The shared image renderer (dashboards/renderer.py, dashboards/render_service.py), with real
Chromium and real servers: one renderer per host whatever the number of processes, started on
the first picture and never at boot, a full queue turned away at once with Retry-After, a
killed renderer started again by the next picture, repeat pictures from its cache, and
nothing left running when the server stops."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboards import renderer
from tests.conftest import PROJECT, _free_port, start_app

QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"
OTHER = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=england"
PNG = b"\x89PNG\r\n\x1a\n"


def fetch(url: str, timeout: float = 60) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                found[int(entry.name)] = (int(fields[1]), command)
    return found


def descendants(pid: int) -> dict[int, str]:
    table = processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, command) in table.items():
            if ppid == parent and child not in found:
                found[child] = command
                frontier.append(child)
    return found


def browsers_under(pid: int) -> set[int]:
    """Chromium's browser processes (not its helpers) started under pid."""
    return {child for child, command in descendants(pid).items()
            if "chrom" in command.split(" ")[0] and "--type=" not in command}


def renderers_where(argument: str) -> dict[int, str]:
    """Renderer processes whose command line has argument (e.g. '--owner 123')."""
    return {pid: command for pid, (_, command) in processes().items()
            if "dashboards.render_service" in command and f"{argument} " in command + " "}


def wait_until(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def run_folder(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    yield folder
    renderer.stop(folder)


@pytest.fixture
def app_with(bundled_db):
    """start(env) -> url of an app server (app.py) with env added; all stopped after the test."""
    started = []

    def start(env: dict[str, str]) -> str:
        process, url = start_app(bundled_db, env=env)
        started.append(process)
        return url
    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_two_processes_share_one_renderer_and_a_repeat_comes_from_its_cache(app_with, run_folder):
    # One public address for both, as behind one proxy: the pictures' links are the same.
    env = {"UPTAKE_RUN_DIR": str(run_folder), "UPTAKE_RENDERER_OWNER": str(os.getpid()),
           "UPTAKE_SITE_URL": "https://sds.example.org"}
    first, second = app_with(env), app_with(env)
    assert renderer.stats(run_folder) is None           # no picture asked for: nothing started

    status, headers, drawn = fetch(first + "/image/compare.png" + QUERY)
    assert status == 200 and drawn[:8] == PNG and headers["X-Image-Cache"] == "miss"
    after_first = renderer.stats(run_folder)
    assert after_first["drawn"] == 1 and after_first["cached"] == 0 and after_first["chromium_starts"] == 1

    # The other process has never drawn it: its own cache misses, the renderer's does not.
    status, headers, again = fetch(second + "/image/compare.png" + QUERY)
    assert status == 200 and headers["X-Image-Cache"] == "miss" and again == drawn
    after_second = renderer.stats(run_folder)
    assert after_second["pid"] == after_first["pid"]
    assert after_second["drawn"] == 1 and after_second["cached"] == 1

    # Asked again of the same process: from that process's own cache, the renderer not asked.
    status, headers, third = fetch(second + "/image/compare.png" + QUERY)
    assert status == 200 and headers["X-Image-Cache"] == "hit" and third == drawn
    assert renderer.stats(run_folder)["cached"] == 1

    # A new picture from the second process: drawn by the same renderer and Chromium.
    status, _, svg = fetch(second + "/image/compare.svg" + OTHER)
    assert status == 200 and b"all councils in England" in svg
    final = renderer.stats(run_folder)
    assert final["pid"] == after_first["pid"] and final["drawn"] == 2 and final["chromium_starts"] == 1
    assert list(renderers_where(f"--run-dir {run_folder.resolve()}")) == [final["pid"]]
    assert len(browsers_under(final["pid"])) == 1


def test_a_full_queue_is_turned_away_at_once_with_retry_after(app_with, run_folder):
    url = app_with({"UPTAKE_RUN_DIR": str(run_folder), "UPTAKE_RENDERER_OWNER": str(os.getpid()),
                    "UPTAKE_RENDER_QUEUE": "1"})
    assert fetch(url + "/image/compare.svg" + OTHER)[0] == 200       # the renderer is warm
    # Another client is admitted to the only place in the queue and holds it.
    holder = renderer.connect(run_folder)
    renderer.send_json(holder, {"op": "draw", "key": "held", "format": "svg", "scale": 1})
    assert renderer.receive_json(holder) == {"status": "send"}
    try:
        started = time.monotonic()
        status, headers, body = fetch(url + "/image/compare.png" + QUERY)
        waited = time.monotonic() - started
        assert status == 503 and waited < 3, (status, waited)
        assert 1 <= int(headers["Retry-After"]) <= 30
        assert "try again in a few seconds" in json.loads(body)["error"]
        assert renderer.stats(run_folder)["busy"] == 1
    finally:
        renderer.send_frame(holder, json.dumps({"data": [{"type": "bar", "x": ["a"], "y": [1]}],
                                                "layout": {"width": 300, "height": 200}}).encode())
        assert renderer.receive_json(holder) == {"status": "drawn"}
        assert renderer.receive_frame(holder).startswith(b"<svg")
        holder.close()
    # With the place free again, the same picture is drawn.
    status, headers, body = fetch(url + "/image/compare.png" + QUERY)
    assert status == 200 and body[:8] == PNG


def test_a_killed_renderer_is_started_again_on_the_next_image(app_with, run_folder):
    url = app_with({"UPTAKE_RUN_DIR": str(run_folder), "UPTAKE_RENDERER_OWNER": str(os.getpid())})
    assert fetch(url + "/image/compare.svg" + QUERY)[0] == 200
    killed = renderer.stats(run_folder)["pid"]
    chromium = browsers_under(killed)
    assert len(chromium) == 1
    os.kill(killed, signal.SIGKILL)                   # as the OOM killer would
    assert wait_until(lambda: killed not in processes(), 10)

    status, _, body = fetch(url + "/image/compare.png" + QUERY)
    assert status == 200 and body[:8] == PNG
    now = renderer.stats(run_folder)
    assert now["pid"] != killed and now["drawn"] == 1 and now["chromium_starts"] == 1
    # The dead renderer's Chromium does not linger beside the new one.
    assert wait_until(lambda: not chromium & set(processes()), 15), chromium


def test_gunicorn_starts_no_chromium_at_boot_one_renderer_on_first_use_and_stops_it_on_exit(bundled_db, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_R")}
    port = _free_port()
    with (tmp_path / "gunicorn.log").open("wb") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--threads", "8",
             "--bind", f"127.0.0.1:{port}", "app:server"], cwd=PROJECT,
            env={**env, "UPTAKE_DB": str(bundled_db)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def answering() -> bool:
            try:
                return server.poll() is not None or fetch(url + "/health", timeout=2)[0] == 200
            except OSError:
                return False

        assert wait_until(answering, 40)
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        time.sleep(1)                                   # the workers have booted and settled
        assert renderers_where(f"--owner {server.pid}") == {} and browsers_under(server.pid) == set()

        # Pictures asked of both workers at once: one renderer draws them all.
        pictures = ["compare.svg" + QUERY, "compare.png" + QUERY, "compare.svg" + OTHER, "compare.png" + OTHER]
        answers = [None] * 8

        def ask(index: int) -> None:
            answers[index] = fetch(url + "/image/" + pictures[index % 4])

        threads = [threading.Thread(target=ask, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [answer[0] for answer in answers] == [200] * 8
        owned = renderers_where(f"--owner {server.pid}")
        assert len(owned) == 1, owned
        (renderer_pid, command), = owned.items()
        folder = Path(command.split("--run-dir ", 1)[1].split(" ", 1)[0])
        stats = renderer.stats(folder)
        # Each of the four pictures drawn once; the second asker of each was answered by its
        # worker's cache or the renderer's.
        assert stats["chromium_starts"] == 1 and stats["drawn"] == 4 and stats["failed"] == 0
        chromium = browsers_under(renderer_pid)
        assert len(chromium) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Stopped with the server: the renderer, its Chromium and the private run folder.
    assert wait_until(lambda: not ({renderer_pid} | chromium) & set(processes()), 15)
    assert not folder.exists()
