"""Report-ready images: PNG at 2x, SVG and PDF with title, source, licence, date and method
drawn in, and the alt text embedded; without Chromium, a clear 503 and the rest still works."""
from __future__ import annotations

import json
import re
import struct
import urllib.error
import urllib.request
import zlib

import pytest

from dashboards import create_app
from dashboards.images import PNG_SCALE, WIDTH, url_lines
from tests.conftest import start_app

QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"


@pytest.fixture(scope="module")
def client(bundled_db):
    return create_app(bundled_db).server.test_client()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_png_is_drawn_at_twice_the_width_and_carries_its_description(client):
    response = client.get("/image/compare.png" + QUERY)
    assert response.status_code == 200 and response.mimetype == "image/png"
    chunks = png_chunks(response.data)
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert width == WIDTH * PNG_SCALE == 2000 and 1000 < height < 2000
    text = {body.split(b"\0", 1)[0].decode(): body.split(b"\0", 5)[-1].decode() for kind, body in chunks
            if kind == b"iTXt"}
    assert text["Title"] == ("Adults receiving self-directed support: Adults aged 18-64, mental health, 2011-12, "
                             "councils in North East")
    assert text["Description"].startswith("Bar chart of adults receiving self-directed support")
    assert text["Copyright"] == "Open Government Licence v3.0"
    assert chunks[-1][0] == b"IEND"
    assert json.loads('"' + response.headers["X-Alt-Text"] + '"') == text["Description"]


def test_head_gives_the_headers_of_a_get_and_the_length_of_a_picture_already_drawn(client):
    drawn = client.get("/image/compare.pdf" + QUERY)
    head = client.head("/image/compare.pdf" + QUERY)
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "Content-Disposition", "X-Alt-Text", "Content-Security-Policy"):
        assert head.headers[name] == drawn.headers[name], name
    assert int(head.headers["Content-Length"]) == len(drawn.data) > 1000


def test_svg_has_title_source_licence_date_and_method_as_text(client):
    response = client.get("/image/compare.svg" + QUERY)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.data.decode()
    assert re.match(r'<svg[^>]* role="img"><title>Adults receiving self-directed support: Adults aged 18-64', svg)
    assert "<desc>Bar chart of adults receiving self-directed support" in svg
    shown = " ".join(re.findall(r">([^<>]+)</(?:tspan|text)>", svg))
    for words in ("Adults receiving self-directed support", "Adults aged 18-64, mental health, 2011-12",
                  "Source: Adult Social Care Outcomes Framework - England, 2011-12, Final",
                  "Licence: Open Government Licence v3.0. Data built", "Method: Bars show each area",
                  "Gateshead", "England 14.6%"):
        assert words in shown, words


def test_pdf_is_a_pdf(client):
    response = client.get("/image/compare.pdf" + QUERY)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data[:5] == b"%PDF-" and response.data.rstrip().endswith(b"%%EOF")


def test_text_description_goes_with_the_image(client):
    text = client.get("/image/compare.txt" + QUERY).data.decode()
    assert text.startswith("Adults receiving self-directed support: Adults aged 18-64, mental health")
    assert "Description: Bar chart of adults receiving self-directed support" in text
    assert "Highest: Gateshead (41.3%); lowest: Northumberland (4.7%)." in text
    assert "Cite as: Self-directed support uptake in England: Adults receiving self-directed support." in text


@pytest.mark.parametrize(("path", "status"), [
    ("/image/compare.gif", 404), ("/image/nowhere.png", 404), ("/image/compare.png?measure=x", 400),
    ("/image/compare.png?measure=sds_users&measure=sds_users", 400)])
def test_bad_image_requests_are_4xx_with_a_message(client, path, status):
    response = client.get(path)
    assert response.status_code == status and response.get_json()["error"]


def test_without_chromium_images_fail_with_a_message_and_the_rest_works(bundled_db):
    process, url = start_app(bundled_db, env={"UPTAKE_CHROMIUM": "/nonexistent/chromium"})
    try:
        # HEAD answers with a GET's headers without drawing: here drawing would fail, so a 200
        # shows no browser was asked for.
        head = urllib.request.urlopen(urllib.request.Request(url + "/image/compare.png" + QUERY, method="HEAD"),
                                      timeout=30)
        assert head.status == 200 and head.headers["Content-Type"] == "image/png" and head.read() == b""
        assert head.headers["Content-Disposition"] == 'attachment; filename="compare.png"'
        assert head.headers["X-Alt-Text"].startswith("Bar chart of adults receiving self-directed support")
        with pytest.raises(urllib.error.HTTPError) as wrong:
            urllib.request.urlopen(urllib.request.Request(url + "/image/compare.png?measure=x", method="HEAD"),
                                   timeout=30)
        assert wrong.value.code == 400
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/image/compare.png" + QUERY, timeout=30)
        assert refused.value.code == 503
        message = json.loads(refused.value.read())["error"]
        assert "Image downloads need Chromium" in message and "apt-get install -y chromium" in message
        assert "Data downloads and pages still work" in message
        for path in ("/embed/compare" + QUERY, "/download/compare.csv" + QUERY, "/api/v1/periods.json",
                     "/image/compare.txt" + QUERY):
            with urllib.request.urlopen(url + path, timeout=30) as response:
                assert response.status == 200, path
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_crashed_chromium_is_started_again_on_the_next_request(client):
    import os
    import signal

    from dashboards import renderer

    from .test_images_renderer import browsers_under, processes, wait_until

    assert client.get("/image/compare.svg" + QUERY).status_code == 200
    # Kill the shared renderer's Chromium, as a crash or OOM kill would; the renderer lives on.
    before = renderer.stats()
    browsers = browsers_under(before["pid"])
    assert len(browsers) == 1, browsers
    for pid in browsers:
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not browsers & set(processes()), 10)
    # Pictures not drawn before (a drawn one would come from a cache, never reaching Chromium).
    fresh = QUERY.replace("scope=region&region=E12000001", "scope=england")
    # The renderer finds its Chromium gone, starts another and draws: the reader sees no failure.
    first = client.get("/image/compare.pdf" + fresh)
    assert first.status_code == 200 and first.data[:5] == b"%PDF-"
    again = client.get("/image/compare.png" + fresh)
    assert again.status_code == 200 and again.data[:8] == b"\x89PNG\r\n\x1a\n"
    after = renderer.stats()
    assert after["pid"] == before["pid"] and after["chromium_starts"] == before["chromium_starts"] + 1


def test_the_configured_site_address_is_used_whatever_host_a_client_sends(client, monkeypatch):
    monkeypatch.setenv("UPTAKE_SITE_URL", "https://sds.example.org/")
    page = client.get("/embed/compare" + QUERY, headers={"Host": "evil.example"}).data.decode()
    assert "evil.example" not in page
    assert 'id="embed-full-view" href="https://sds.example.org/?measure=sds_users' in page
    text = client.get("/image/compare.txt" + QUERY, headers={"Host": "evil.example"}).data.decode()
    assert "Full view: https://sds.example.org/?measure=sds_users" in text and "evil.example" not in text


def test_the_footer_breaks_a_long_link_only_after_its_separators():
    link = ("https://uptake.example.org/?measure=dp_users&period=2024-25&age_band=all&client_group=all"
            "&scope=similar&council=E08000037")
    lines = url_lines(link, 40)
    assert "".join(lines) == link
    assert lines[0] == "https://uptake.example.org/?"
    assert all(line.endswith(("/", "?", "&")) for line in lines[:-1]) and all(len(line) <= 40 for line in lines)
    assert url_lines("https://uptake.example.org/", 12) == ["https://", "uptake.example.org/"]


def test_a_worker_builds_one_picture_at_a_time_and_turns_the_next_away_within_seconds(client, monkeypatch):
    import time

    from dashboards import images

    monkeypatch.setattr(images, "BUILD_WAIT_SECONDS", 0.5)
    england = QUERY.replace("scope=region&region=E12000001", "scope=england")
    with images.building():          # another request's picture is being built in this worker
        started = time.monotonic()
        busy = client.get("/image/compare.svg" + england)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
        assert time.monotonic() - started < 3
        assert "preparing other pictures" in busy.get_json()["error"]
    drawn = client.get("/image/compare.svg" + england)
    assert drawn.status_code == 200 and drawn.headers["X-Image-Cache"] == "miss"
    assert client.get("/image/compare.svg" + england).headers["X-Image-Cache"] == "hit"
