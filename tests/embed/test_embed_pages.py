"""/embed/<view>: the chart alone with its context, frameable by any site; bad URLs get 4xx."""
from __future__ import annotations

import json
import re

import pytest

from dashboards import create_app

QUERY = "?measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"


@pytest.fixture(scope="module")
def client(bundled_db):
    return create_app(bundled_db).server.test_client()


def _figure(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="figure-data">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_embed_carries_title_subtitle_source_licence_date_and_link_back(client):
    response = client.get("/embed/compare" + QUERY)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode()
    assert '<h1 id="embed-title">Adults receiving self-directed support</h1>' in page
    assert '<p class="subtitle" id="embed-subtitle">Adults aged 18-64, mental health, 2011-12, councils in North East</p>' in page
    assert "Source: Adult Social Care Outcomes Framework - England, 2011-12, Final" in page
    assert ">Open Government Licence v3.0</a>" in page
    assert re.search(r"Data built \d{1,2} \w+ 20\d\d\.", page)
    link = re.search(r'<a id="embed-full-view" href="([^"]+)"', page).group(1)
    assert link == "http://localhost/" + QUERY.replace("&", "&amp;")
    # The alt text names the extremes and the comparison, for a screen reader in the frame.
    assert ('aria-label="Bar chart of adults receiving self-directed support, adults aged 18-64, '
            'mental health, 2011-12, councils in North East for 12 councils. Highest: Gateshead (41.3%)') in page
    bars = [trace for trace in _figure(page)["data"] if trace["type"] == "bar"]
    assert sorted(name for trace in bars for name in trace["y"])[:3] == ["County Durham", "Darlington", "Gateshead"]
    assert sum(len(trace["y"]) for trace in bars) == 12


def test_only_embed_pages_may_be_framed_by_other_sites(client):
    assert "frame-ancestors *" in client.get("/embed/compare" + QUERY).headers["Content-Security-Policy"]
    for path in ("/", "/api/v1/measures.json", "/image/compare.txt" + QUERY):
        assert "frame-ancestors 'self'" in client.get(path).headers["Content-Security-Policy"], path


def test_the_embed_page_loads_only_this_sites_scripts(client):
    page = client.get("/embed/compare" + QUERY).data.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts[1] == "/embed-assets/embed.js" and scripts[0].startswith("/embed-assets/plotly-")
    plotly_js = client.get(scripts[0])
    assert plotly_js.status_code == 200 and b"plotly" in plotly_js.data[:2000].lower()
    assert "max-age=31536000" in plotly_js.headers["Cache-Control"]
    assert client.get("/embed-assets/embed.js").status_code == 200
    assert client.get("/embed-assets/plotly-0.0.1.min.js").status_code == 404
    assert client.get("/embed-assets/..%2Fembed.py").status_code == 404


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/embed/nonsense", 404, "There is no chart view called 'nonsense'"),
    ("/embed/compare?measure=nonsense", 400, "measure='nonsense' is not available for this view"),
    ("/embed/compare?colour=red", 400, "Unknown parameter for the compare view: 'colour'"),
    ("/embed/compare?measure=sds_users&measure=dp_users", 400, "Parameter 'measure' is given 2 times"),
    ("/embed/compare?period=" + "9" * 500, 400, "Parameter period is longer than 120 characters"),
    ("/embed/compare?period=" + "9" * 5000, 414, "at most 4,000 are accepted"),
    ("/embed/compare?scope=region&region=%27%20OR%201%3D1%20--", 400, "region=\"' OR 1=1 --\" is not available"),
    ("/embed/compare?scope=neighbours&council=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "scope='neighbours' is not available"),
    ("/embed/..%2F..%2Fetc%2Fpasswd", 404, "There is no chart view"),
])
def test_a_malformed_embed_url_gets_a_4xx_page_saying_what_to_change(client, path, status, says):
    response = client.get(path)
    page = response.data.decode()
    assert response.status_code == status, page
    assert says in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "<script>alert" not in page and "Traceback" not in page


def test_an_unused_parameter_is_ignored_and_a_council_may_be_named(client):
    # A region while comparing all England is not used: the chart is the England one.
    assert client.get("/embed/compare?measure=sds_users&period=2011-12&age_band=18-64"
                      "&client_group=mental_health&region=E12000001").status_code == 200
    by_name = client.get("/embed/compare?measure=sds_users&period=2011-12&age_band=18-64"
                         "&client_group=mental_health&scope=neighbours&council=darlington")
    assert by_name.status_code == 200 and "Darlington and its" in by_name.data.decode()


def test_the_resize_script_is_served_for_other_sites_and_reads_the_message_the_embed_sends(client):
    script = client.get("/embed-assets/resize.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "max-age=3600" in script.headers["Cache-Control"]
    assert "Cross-Origin-Resource-Policy" not in script.headers      # other sites' pages load it
    embed_js = client.get("/embed-assets/embed.js").data.decode()
    for text in ('type: "uptake-embed-height", version: 1', '"uptake-embed-height-request"'):
        assert text in embed_js
    reader = script.data.decode()
    assert 'data.type !== "uptake-embed-height"' in reader and 'type: "uptake-embed-height-request"' in reader


def test_the_share_panel_offers_the_resizing_and_the_plain_embed_code(client):
    from dashboards import sharing
    from dashboards.charts import chart_for

    with client.application.test_request_context("/"):
        chart = chart_for("compare", dict(pair.split("=") for pair in QUERY[1:].split("&")))
        panel = sharing.share_panel(chart)
        height = sharing.expected_height(chart)
    boxes = {box.id: box for box in _descendants(panel) if type(box).__name__ == "Textarea"}
    labels = {label.htmlFor: label.children for label in _descendants(panel) if type(label).__name__ == "Label"}
    plain = boxes["compare-embed-code-plain"].value
    assert plain == (f'<iframe src="http://localhost/embed/compare{QUERY.replace("&", "&amp;")}" '
                     f'title="Adults receiving self-directed support" width="100%" height="{height}" '
                     'style="border:0;max-width:100%" loading="lazy"></iframe>')
    assert boxes["compare-embed-code"].value == \
        plain + '<script src="http://localhost/embed-assets/resize.js" async></script>'
    assert all(box.readOnly for box in boxes.values())
    assert labels["compare-embed-code"].startswith("Paste this code into your web page")
    assert labels["compare-embed-code-plain"].startswith(f"If your page does not allow scripts, paste this instead "
                                                         f"(a fixed height of {height:,} px")
    # 12 bars, their legend, a caveat and the text at 300 px: well over the old fixed 600.
    assert 900 < height < 1600, height


def _descendants(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "children") or hasattr(child, "value"):
            yield from _descendants(child)


def test_the_embed_links_the_page_that_defines_its_measure(client):
    page = client.get("/embed/compare" + QUERY).data.decode()
    assert ('<p id="embed-measures">About the measure: <a class="measure-link" '
            'href="http://localhost/measure/sds_users" target="_blank" rel="noopener">'
            'Adults receiving self-directed support</a>.</p>') in page
    assert page.index('id="embed-measures"') < page.index('id="embed-full-view"')
