"""Heavy endpoints wait their turn, one at a time per worker by default, so quick ones (API,
health) are not slowed by a crowd of chart builds sharing the interpreter."""
from __future__ import annotations

import threading

import pytest
from flask import Flask

from dashboards import create_app
from dashboards.security import heavy_limit_from_environment, limit_heavy_endpoints


def test_the_app_limits_callbacks_embeds_and_downloads_but_leaves_images_to_the_renderers_queue(bundled_db):
    limited = create_app(bundled_db).server.extensions["uptake_heavy"]
    assert limited["/_dash-update-component"] == "charts" and limited["embed.embed"] == "charts"
    assert "embed.image" not in limited     # bounded by the shared renderer's own queue instead
    assert limited["downloads.chart_data"] == "downloads" and limited["downloads.dataset_bundle"] == "downloads"
    assert not {"api.observations_csv", "api.observations_json", "health.health", "static"} & set(limited)


def test_a_second_heavy_request_waits_while_a_quick_one_is_answered():
    server = Flask("limits")
    running, most, lock = [0], [0], threading.Lock()
    first_in, release = threading.Event(), threading.Event()

    @server.get("/chart")
    def chart():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        first_in.set()
        release.wait(10)
        with lock:
            running[0] -= 1
        return "drawn"

    @server.get("/quick")
    def quick():
        return "quick"

    assert limit_heavy_endpoints(server, 1, {"chart": "charts"}) == {"chart": "charts"}
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(server.test_client().get("/chart").data))
               for _ in range(2)]
    threads[0].start()
    assert first_in.wait(10)
    threads[1].start()
    # While one chart is being drawn and another waits, a quick request is answered at once.
    assert server.test_client().get("/quick").data == b"quick"
    assert running[0] == 1
    release.set()
    for thread in threads:
        thread.join(10)
    assert answers == [b"drawn", b"drawn"] and most[0] == 1


def test_the_limit_comes_from_uptake_heavy_per_worker(monkeypatch):
    assert heavy_limit_from_environment() == 1
    monkeypatch.setenv("UPTAKE_HEAVY_PER_WORKER", "3")
    assert heavy_limit_from_environment() == 3
    monkeypatch.setenv("UPTAKE_HEAVY_PER_WORKER", "0")
    with pytest.raises(ValueError, match="UPTAKE_HEAVY_PER_WORKER='0': give a whole number"):
        heavy_limit_from_environment()
