"""Hostile and malformed requests on the full real dataset: SQL fragments, path traversal,
very long and heavily repeated parameters, unknown areas and paths, forged callback requests.
Each gets a 4xx with a message: never a 5xx, never a traceback; and an unexpected error is a
plain, logged 500 page."""
from __future__ import annotations

import http.client
import json
import logging
import urllib.parse

import pytest

from tests.forged import route_callback
from dash import Input, Output

from dashboards import create_app, routes
from dashboards.security import MAX_QUERY_BYTES

SQL_FRAGMENTS = ["' OR 1=1 --", "x; DROP TABLE observations"]
FILTERS = ["measure", "period", "area", "region", "age_band", "client_group"]


def assert_plain(body: str) -> None:
    """No Python traceback or source path in what a stranger sees."""
    assert "Traceback" not in body and 'File "' not in body and ".py" not in body


@pytest.mark.parametrize("fragment", SQL_FRAGMENTS)
@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("kind", ["csv", "json"])
def test_sql_fragments_in_every_api_filter_are_unknown_values(client, kind, name, fragment):
    response = client.get(f"/api/v1/observations.{kind}", query_string={"measure": "sds_users", name: fragment})
    body = response.get_json()
    assert response.status_code == 400
    assert body["error"] == f"Unknown value for {name}: {fragment!r}."
    assert len(body["valid"]) > 1 and fragment not in body["valid"]
    # The table the fragment names is still there.
    assert client.get("/api/v1/observations.csv?measure=sds_users&period=2024-25&area=E06000005").status_code == 200


@pytest.mark.parametrize("path", ["/download/compare.csv", "/download/compare.xlsx", "/image/compare.png"])
@pytest.mark.parametrize("fragment", SQL_FRAGMENTS)
def test_sql_fragments_in_chart_downloads_are_refused(client, path, fragment):
    response = client.get(path, query_string={"measure": fragment})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(f"measure={fragment!r} is not available for this view")


@pytest.mark.parametrize("fragment", SQL_FRAGMENTS)
def test_sql_fragments_in_a_page_callback_show_the_nearest_view(client, fragment):
    response = client.post("/_dash-update-component", json=route_callback("/", "?" + urllib.parse.urlencode(
        {"measure": fragment, "period": fragment, "region": fragment})))
    assert response.status_code == 200
    assert "Compare councils" in json.dumps(response.get_json())




TRAVERSALS = ["/download/..%2F..%2Fetc%2Fpasswd.csv", "/download/compare.csv/../../x", "/download/../../etc/passwd",
              "/assets/..%2F..%2F..%2Fapp.py", "/assets/../../app.py", "/embed-assets/..%2F..%2Fapp.py",
              "/_dash-component-suites/dash/..%2F..%2F..%2Fapp.py", "/image/..%2F..%2Fetc%2Fpasswd.png",
              "/area/..%2F..%2Fetc%2Fpasswd", "/area/x/../../etc/passwd"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_in_download_and_file_names_is_not_found(full_url, path):
    # http.client sends the path exactly as written: no client-side normalising of "..".
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(full_url).netloc, timeout=20)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    assert 400 <= response.status < 500, (path, response.status)
    assert "root:" not in body and "create_app" not in body and "import" not in body
    assert_plain(body)


def test_a_100_kb_parameter_gets_414_with_a_message(client):
    huge = "E" * 100_000
    for path in ("/api/v1/observations.csv?area=", "/api/v1/observations.json?measure=", "/download/compare.csv?measure=",
                 "/image/compare.png?measure=", "/health?x="):
        response = client.get(path + huge)
        assert response.status_code == 414
        assert response.get_json()["error"] == (f"The query string is {len(path.split('?')[1]) + 100_000:,} bytes "
                                                f"long; at most {MAX_QUERY_BYTES:,} are accepted. Shorten the link, "
                                                "or ask for less at a time.")
    page = client.get("/?measure=" + huge)
    assert page.status_code == 414 and "<h1>Link too long</h1>" in page.get_data(as_text=True)
    assert len(page.data) < 2000      # the parameter is not echoed back


def test_a_long_value_under_the_limit_is_an_unknown_value_shown_shortened(client):
    response = client.get("/api/v1/observations.csv?area=" + "E" * 3000)
    assert response.status_code == 400
    assert response.get_json()["error"] == f"Unknown value for area: {'E' * 60!r}."


def test_heavily_repeated_parameters(client):
    once = client.get("/api/v1/observations.csv?measure=sds_users&period=2024-25&area=E06000005")
    # Repeated within the limit: the same rows as once, and the same answer as asked once.
    repeated = client.get("/api/v1/observations.csv?measure=sds_users&period=2024-25&" + "&".join(["area=E06000005"] * 200))
    assert repeated.status_code == 200 and repeated.data == once.data and len(once.data.splitlines()) == 2
    echo = client.get("/api/v1/observations.json?" + "&".join(["period=2024-25"] * 200) + "&area=E06000005").get_json()
    assert echo["query"] == {"period": ["2024-25"], "area": ["E06000005"]}
    # 1000 times is over the length limit everywhere.
    for path in ("/api/v1/observations.csv?", "/download/compare.csv?", "/?"):
        response = client.get(path + "&".join(["measure=sds_users"] * 1000))
        assert response.status_code == 414, path
    # A parameter that may be given once, given twice.
    response = client.get("/api/v1/observations.csv?bom=true&bom=true")
    assert response.status_code == 400 and response.get_json()["error"] == "Parameter bom may be given once."
    response = client.get("/download/compare.csv?measure=sds_users&measure=sds_users")
    assert response.status_code == 400 and response.get_json()["error"] == "Parameter 'measure' is given 2 times; give it once."


def test_unknown_areas(client):
    response = client.get("/api/v1/observations.csv?area=E06999999")
    assert response.status_code == 400 and response.get_json()["error"] == "Unknown value for area: 'E06999999'."
    assert "E06000005" in response.get_json()["valid"]
    for code in ("E06999999", "nonsense", "E06000005x", "%3Cscript%3E"):
        page = client.get(f"/area/{code}")
        text = page.get_data(as_text=True)
        assert page.status_code == 404 and "<h1>No such council</h1>" in text, code
        assert "<script>" not in text
    assert client.get("/area/e06000005").status_code == 200     # codes are not case-sensitive


def test_every_page_path_is_served_and_any_other_path_is_a_readable_404(client):
    for page in routes():
        path = page.path + (page.example if page.prefix else "")
        response = client.get(path)
        assert response.status_code == 200 and "_dash-renderer" in response.get_data(as_text=True), path
    for path in ("/nope", "/funnel/extra", "/area/", "/Funnel", "/admin", "/.env", "/index.php"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "<h1>Page not found</h1>" in text and f"There is no page at {path}." in text
        assert 'href="/"' in text and "_dash-renderer" not in text
        assert_plain(text)


def forged_route(**changes) -> bytes:
    """The router's callback request with some of its parts replaced."""
    return json.dumps({**route_callback("/"), **changes}).encode()


@pytest.mark.parametrize("body, message", [
    (b"junk", "The body must be a JSON object."),
    (b"{", "The body must be a JSON object."),
    (b"[]", "The body must be a JSON object."),
    (b"{}", "'output' names no callback of this app."),
    (b'{"output": "nothing.children"}', "'output' names no callback of this app."),
    (b'{"output": "..page.children...rendered-path.data.."}',
     "a callback request needs 'output', 'outputs', 'inputs', 'changedPropIds', 'state' (missing: 'outputs', "
     "'inputs', 'changedPropIds', 'state')."),
    (forged_route(inputs=[]), "'inputs' must list, in order: url.pathname."),
    (forged_route(inputs="url.pathname"), "'inputs' must list, in order: url.pathname."),
    (forged_route(inputs=["x"]), "'inputs' item 1 must be url.pathname."),
    (forged_route(inputs=[{"id": "evil", "property": "value"}]), "'inputs' item 1 must be url.pathname."),
    (forged_route(inputs=[{"id": "url", "value": "/"}]), "'inputs' item 1 must be url.pathname (missing: 'property')."),
    (forged_route(outputs=3), "'outputs' must list, in order: page.children, rendered-path.data."),
    (forged_route(state=[]), "'state' must list, in order: url.search, rendered-path.data."),
    (forged_route(changedPropIds="url.pathname"), "'changedPropIds' must list names of this callback's inputs."),
])
def test_malformed_callback_requests_get_400_with_a_message(client, body, message):
    response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": f"Not a callback request this app can answer: {message}"}


def test_the_callback_endpoint_takes_only_post(client):
    response = client.get("/_dash-update-component")     # no page either
    assert response.status_code == 404 and "<h1>Page not found</h1>" in response.get_data(as_text=True)


def test_no_debug_mode_and_an_unexpected_error_is_a_plain_500_logged_in_one_line(full_db, caplog):
    app = create_app(full_db[0])
    server = app.server
    assert server.debug is False
    assert Exception in server.error_handler_spec[None][None]

    def explode():
        raise RuntimeError("secret internals: /work/main/dashboards/db.py line 1")
    server.add_url_rule("/test-only-explode", "explode", explode)

    @app.callback(Output("test-only-output", "children"), Input("test-only-input", "value"))
    def failing_callback(value):
        raise RuntimeError("secret internals of a callback\n" + "x" * 100_000)

    client = server.test_client()

    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == server.logger.name]

    with caplog.at_level(logging.ERROR):
        response = client.get("/test-only-explode")
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and response.get_json() == {
        "error": "An error on our side stopped this request. It has been logged; please try again later."}
    assert "secret" not in text
    # Logged once, in one line: type, message and where it was raised; no traceback.
    [line] = logged()
    assert line.startswith("Unexpected error on GET /test-only-explode: RuntimeError: secret internals: /work/main")
    assert "at api/test_hostile_requests.py:" in line and "in explode" in line and "\n" not in line
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)

    # A callback's own bug is not mistaken for a missing database, nor for a bad request: 500,
    # logged in one short line (its 100 KB message cut), nothing shown.
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = client.post("/_dash-update-component", json={
            "output": "test-only-output.children", "outputs": {"id": "test-only-output", "property": "children"},
            "inputs": [{"id": "test-only-input", "property": "value", "value": "x"}], "changedPropIds": []})
    assert response.status_code == 500 and "secret" not in response.get_data(as_text=True)
    [line] = logged()
    assert line.startswith("Unexpected error on POST /_dash-update-component: RuntimeError: secret internals of a "
                           "callback xxx")
    assert "in failing_callback" in line and len(line) < 1000


@pytest.mark.parametrize("path", [
    "/embed/compare?measure=%27%20OR%201%3D1%20--", "/embed/compare?measure=x%3B%20DROP%20TABLE%20observations",
    "/embed/nothing", "/embed/compare?colour=red", "/embed/compare?measure=sds_users&measure=dp_users",
    "/embed/..%2F..%2Fetc%2Fpasswd", "/image/compare.exe", "/image/compare.png?period=1999-00"])
def test_malformed_embed_and_image_urls_get_4xx_without_a_traceback(client, path):
    response = client.get(path)
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "root:" not in text
    assert_plain(text)
