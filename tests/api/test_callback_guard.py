"""The callback guard on a real app built from the bundled database: forged callback requests
(wrong value types, wrong outputs, deep nesting, oversized and chunked bodies) get a 4xx with a
message before any callback runs, each refusal is logged as exactly one line, and a callback
that fails on a value the schema allowed answers 400, not 500."""
from __future__ import annotations

import io
import json
import logging

import pytest

from tests.forged import route_callback
from flask import request
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards import create_app
from dashboards.callback_guard import MAX_BODY_BYTES, MAX_DEPTH, READ_CHUNK_BYTES, nesting_depth

ENDPOINT = "/_dash-update-component"
REFUSED = "Not a callback request this app can answer: "


@pytest.fixture(scope="module")
def app(bundled_db):
    app = create_app(bundled_db)
    app.server.test_client().get("/_dash-layout")     # Dash completes its callback map on a first request
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def refusals(app, caplog):
    """The Flask app logger's records of this test."""
    caplog.set_level(logging.INFO, logger=app.server.logger.name)
    return lambda: [r for r in caplog.records if r.name == app.server.logger.name]


def route(path, search="") -> dict:
    return route_callback(path, search)


def click(click_data) -> dict:
    return {"output": "funnel-url.href", "outputs": {"id": "funnel-url", "property": "href"},
            "inputs": [{"id": "funnel-chart", "property": "clickData", "value": click_data}],
            "changedPropIds": ["funnel-chart.clickData"]}


def multi_output_body(app, prefix: str, values: list, state: list | None = None) -> dict:
    """A request for a page's multi-output callback as the renderer sends it."""
    key = next(k for k in app.callback_map if k.startswith(f"..{prefix}"))
    spec = app.callback_map[key]
    body = {"output": key, "outputs": [{"id": o.component_id, "property": o.component_property} for o in spec["output"]],
            "inputs": [{**d, "value": v} for d, v in zip(spec["inputs"], values)], "changedPropIds": []}
    if state is not None:
        body["state"] = [{**d, "value": v} for d, v in zip(spec["state"], state)]
    return body


def assert_refused_once(response, refusals, status: int, message: str, size: str) -> None:
    """The answer carries the message; the log has exactly one line for it, with method, path,
    status, reason and body size, and nothing of the body."""
    assert response.status_code == status
    assert response.get_json() == {"error": message}
    records = refusals()
    assert len(records) == 1, [r.getMessage() for r in records]
    line = records[0].getMessage()
    assert "\n" not in line and len(line) < 600
    assert line.startswith(f"Refused POST {ENDPOINT}: {status} {message}")
    assert line.endswith(f"(body {size} bytes)")


@pytest.mark.parametrize("pathname", [5, ["/"], {"path": "/"}])
def test_a_pathname_that_is_not_a_string_is_refused(client, refusals, pathname):
    response = client.post(ENDPOINT, json=route(pathname))
    size = f"{len(json.dumps(route(pathname))):,}"
    assert_refused_once(response, refusals, 400, REFUSED + "the value of url.pathname must be a string.", size)


def test_click_data_that_is_not_plotlys_shape_is_refused_and_a_real_click_works(client, refusals):
    response = client.post(ENDPOINT, json=click({"points": 5}))
    assert_refused_once(response, refusals, 400, REFUSED + "the value of funnel-chart.clickData must be Plotly's "
                        'event data: null or {"points": [objects]}.', f"{len(json.dumps(click({'points': 5}))):,}")
    real = client.post(ENDPOINT, json=click({"points": [{"curveNumber": 0, "customdata": ["E06000005", 12.5]}]}))
    assert real.status_code == 200
    assert real.get_json()["response"] == {"funnel-url": {"href": "/area/E06000005"}}


def test_mismatched_outputs_are_refused(app, client, refusals):
    one_of_two = {**route("/"), "outputs": [{"id": "page", "property": "children"}, {"id": "url", "property": "href"}]}
    other = {**route("/"), "outputs": {"id": "url", "property": "href"}}
    body = multi_output_body(app, "compare-", ["sds_users"] * 7)
    short = {**body, "outputs": body["outputs"][:-1]}
    swapped = {**body, "outputs": body["outputs"][1:] + body["outputs"][:1]}
    expected = ("'outputs' must list, in order: compare-period.options, compare-age_band.options, "
                "compare-client_group.options, compare-measure.value, compare-period.value, compare-age_band.value, "
                "compare-client_group.value, compare-scope.value, compare-panel.children, compare-url.search.")
    routing = "'outputs' must list, in order: page.children, rendered-path.data."
    for forged, message in ((one_of_two, routing), (other, routing),
                            (short, expected), (swapped, expected)):
        response = client.post(ENDPOINT, json=forged)
        assert response.status_code == 400 and response.get_json() == {"error": REFUSED + message}
    assert len(refusals()) == 4
    # The same requests with the outputs the callbacks declare are answered.
    assert client.post(ENDPOINT, json=route("/")).status_code == 200


def test_inputs_and_state_must_be_the_declared_ones(app, client, refusals):
    body = multi_output_body(app, "profile-age_band", ["sds_users", "all", "all", "figures", []], ["E06000005"])
    forged = {**body, "inputs": body["inputs"][::-1]}
    response = client.post(ENDPOINT, json=forged)
    assert response.get_json() == {"error": REFUSED + "'inputs' item 1 must be profile-measure.value."}
    extra_state = {**click({"points": []}), "state": [{"id": "url", "property": "search", "value": ""}]}
    response = client.post(ENDPOINT, json=extra_state)
    assert response.get_json() == {"error": REFUSED + "this callback takes no 'state'."}
    response = client.post(ENDPOINT, json={**route("/"), "changedPropIds": ["url.search"]})
    assert response.get_json() == {"error": REFUSED + "'changedPropIds' must list names of this callback's inputs."}
    assert len(refusals()) == 3


def test_a_body_nested_100000_deep_is_refused_before_parsing(client, refusals):
    raw = b"[" * 100_000 + b"]" * 100_000
    response = client.post(ENDPOINT, data=raw, content_type="application/json")
    assert_refused_once(response, refusals, 400, REFUSED + f"the body nests 100,000 levels deep; at most {MAX_DEPTH} "
                        "are accepted.", "200,000")


def test_the_depth_limit_is_exact(client, refusals):
    def nested_pathname(depth: int) -> bytes:
        # The body object, 'inputs' and its item make 3 levels; the value adds the rest.
        value = "[" * (depth - 3) + '"/"' + "]" * (depth - 3)
        return json.dumps(route("/")).replace('"value": "/"', f'"value": {value}', 1).encode()
    at_limit = client.post(ENDPOINT, data=nested_pathname(MAX_DEPTH), content_type="application/json")
    assert at_limit.get_json() == {"error": REFUSED + "the value of url.pathname must be a string."}
    over = client.post(ENDPOINT, data=nested_pathname(MAX_DEPTH + 1), content_type="application/json")
    assert over.get_json() == {"error": REFUSED + f"the body nests {MAX_DEPTH + 1} levels deep; at most {MAX_DEPTH} "
                                                  "are accepted."}
    assert len(refusals()) == 2


def test_a_2_mb_body_gets_413_from_its_content_length(client, refusals):
    raw = json.dumps(route("/" + "x" * 2_000_000)).encode()
    response = client.post(ENDPOINT, data=raw, content_type="application/json")
    assert_refused_once(response, refusals, 413, f"The body is {len(raw):,} bytes; at most {MAX_BODY_BYTES:,} are "
                        "accepted.", f"{len(raw):,}")


class ChunkedBody(io.RawIOBase):
    """A chunked body as a WSGI server hands it on (no Content-Length; the server ends the
    stream), counting how much of it the app reads."""

    def __init__(self, size: int):
        self.left, self.read_so_far = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = b" " * count
        self.left -= count
        self.read_so_far += count
        return count


def test_a_chunked_body_over_1_mb_gets_413_while_it_is_read(client, refusals):
    body = ChunkedBody(50 * MAX_BODY_BYTES)
    response = client.post(ENDPOINT, content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True})
    assert_refused_once(response, refusals, 413, f"The body is over {MAX_BODY_BYTES:,} bytes; at most "
                        f"{MAX_BODY_BYTES:,} are accepted.", f"over {MAX_BODY_BYTES:,}")
    assert MAX_BODY_BYTES < body.read_so_far <= MAX_BODY_BYTES + READ_CHUNK_BYTES


def test_a_chunked_body_under_the_limit_is_answered(client):
    raw = json.dumps(route("/")).encode()
    response = client.post(ENDPOINT, input_stream=io.BytesIO(raw), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200 and "Compare councils" in response.get_data(as_text=True)


def test_any_other_route_that_reads_a_body_is_held_to_the_same_limit(bundled_db, refusals):
    other = create_app(bundled_db)
    assert other.server.config["MAX_CONTENT_LENGTH"] == MAX_BODY_BYTES
    other.server.add_url_rule("/test-only-upload", "upload", lambda: str(len(request.get_data())), methods=["POST"])
    client = other.server.test_client()
    assert client.post("/test-only-upload", data=b"x" * MAX_BODY_BYTES).get_data() == str(MAX_BODY_BYTES).encode()
    response = client.post("/test-only-upload", data=b"x" * (2 * MAX_BODY_BYTES))
    message = f"The body is over {MAX_BODY_BYTES:,} bytes; at most {MAX_BODY_BYTES:,} are accepted."
    assert response.status_code == 413 and response.get_json() == {"error": message}
    [record] = refusals()
    assert record.getMessage() == f"Refused POST /test-only-upload: 413 {message} (body {2 * MAX_BODY_BYTES:,} bytes)"


@pytest.mark.parametrize("raw, content_type, status, message", [
    (b"not json", "application/json", 400, REFUSED + "The body must be a JSON object."),
    (b'{"output": ' + b"9" * 5000 + b"}", "application/json", 400, REFUSED + "The body must be a JSON object."),
    (json.dumps(route("/")).encode(), "text/plain", 415, REFUSED + "send the body as JSON (Content-Type: "
                                                                   "application/json)."),
])
def test_junk_and_the_wrong_content_type_are_refused(client, refusals, raw, content_type, status, message):
    response = client.post(ENDPOINT, data=raw, content_type=content_type)
    assert_refused_once(response, refusals, status, message, f"{len(raw):,}")


def test_a_callback_that_cannot_use_an_allowed_value_answers_400_and_logs_one_line(app, client, refusals):
    # A dcc.Store may hold any JSON, so the schema allows an object where the profile keeps its
    # area code; the callback cannot use it.
    body = multi_output_body(app, "profile-age_band", ["sds_users", "all", "all", "figures", []], [{"code": "E06000005"}])
    response = client.post(ENDPOINT, json=body)
    message = REFUSED + "the callback could not use a value it was sent."
    assert response.status_code == 400 and response.get_json() == {"error": message}
    [record] = refusals()
    line = record.getMessage()
    assert line.startswith(f"Refused POST {ENDPOINT}: 400 {message} [AttributeError: 'dict' object has no attribute")
    assert " at pages/profile.py:" in line and "in normalise_code" in line and "\n" not in line
    assert record.exc_info is None and "Traceback" not in line


def test_an_app_built_after_another_has_served_still_answers_its_pages_callbacks(bundled_db, app):
    # `app` has served a request, so Dash handed it the callbacks the pages filed; a later app
    # gets them too, to answer and to list for the browser.
    second = create_app(bundled_db)
    client = second.server.test_client()
    listed = client.get("/_dash-dependencies").get_json()
    assert sorted(d["output"] for d in listed) == sorted(app.callback_map) and "funnel-url.href" in app.callback_map
    real = client.post(ENDPOINT, json=click({"points": [{"customdata": ["E06000005"]}]}))
    assert real.status_code == 200 and real.get_json()["response"] == {"funnel-url": {"href": "/area/E06000005"}}


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\x ,:'),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\k'), inner,
                                                                                max_size=3), max_leaves=20))
def test_nesting_depth_matches_the_parsed_json(value):
    def depth(node) -> int:
        if isinstance(node, list):
            return 1 + max(map(depth, node), default=0)
        if isinstance(node, dict):
            return 1 + max(map(depth, node.values()), default=0)
        return 0
    for raw in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False, indent=1).encode()):
        # Whole, and a few bytes at a time: strings and nesting carried across blocks.
        assert nesting_depth(raw) == nesting_depth(raw, block=3) == depth(value)
