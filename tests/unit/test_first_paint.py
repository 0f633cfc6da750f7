"""The first paint: Dash's index carries the page as static HTML with its first chart's figure,
so the chart draws as soon as plotly.js has run. Built from the full build's real pages."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from dash import dcc, html

from dashboards import first_paint
from dashboards.first_paint import ID_PREFIX, id_rules, page_html
from dashboards.wire import element

PAGES = ["/", "/area/E08000037", "/funnel", "/map", "/client-groups", "/mental-health", "/control",
         "/sources", "/measure/dp_users"]
CHART_PAGES = PAGES[:7]


@pytest.fixture(scope="module")
def app(full_db):
    from dashboards import create_app

    return create_app(full_db[0])


class Elements(HTMLParser):
    """Every start tag's name and attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(markup)
    return parser.tags


def first_paint_block(index: str) -> str:
    start = index.index('<div id="first-paint"')
    return index[start:index.index('<script', start)]


def test_a_layout_becomes_html_with_its_ids_prefixed_and_its_values_kept():
    layout = html.Div([
        html.Label("Year", htmlFor="year"),
        html.Div(id="chart-title", className="title", children="Uptake <b>&</b>", style={"marginTop": 4}),
        html.Details([html.Summary("More")], open=True),
        dcc.Store(id="kept", data={"a": 1}),
        dcc.Input(id="finder", value="Gateshead", list="finder-names", autoComplete="off"),
        html.Datalist(id="finder-names", children=[html.Option(value="Gateshead")]),
        html.Span(**{"aria-labelledby": "chart-title year", "data-title": "T"}),
        dcc.Graph(id="chart", figure={"data": [{"type": "bar", "x": [1]}], "layout": {"height": 300}}),
        dcc.Graph(id="second", figure={"data": [], "layout": {}}),
        element("Table", [element("Tr", [element("Td", "Gateshead", className="name", headers="council")])]),
    ], id="page")
    markup, figure = page_html(layout)
    tags = elements(markup)
    by_tag = {}
    for tag, attributes in tags:
        by_tag.setdefault(tag, []).append(attributes)
    assert by_tag["label"][0]["for"] == ID_PREFIX + "year"
    assert by_tag["div"][0]["id"] == ID_PREFIX + "page"
    assert by_tag["div"][1] == {"id": ID_PREFIX + "chart-title", "class": "title", "style": "margin-top:4px"}
    assert "Uptake &lt;b&gt;&amp;&lt;/b&gt;" in markup          # text is text, never markup
    assert "open" in by_tag["details"][0]
    assert by_tag["input"][0] == {"class": "dash-input-element", "id": ID_PREFIX + "finder", "value": "Gateshead",
                                  "list": ID_PREFIX + "finder-names", "autocomplete": "off", "disabled": None}
    assert by_tag["span"][0]["aria-labelledby"] == f"{ID_PREFIX}chart-title {ID_PREFIX}year"
    assert by_tag["span"][0]["data-title"] == "T"
    # The first graph keeps its figure to draw, the second is a box of the same height.
    assert figure["data"] == [{"type": "bar", "x": [1]}] and figure["fit"] is None
    graphs = [a for t, a in tags if "dash-graph" in a.get("class", "")]
    assert [g["style"] for g in graphs] == ["min-height:300px", "min-height:450px"]
    assert markup.count('class="first-paint-chart"') == 1
    # Big tables come in Dash's wire form (dashboards/wire.py): HTML like the rest.
    assert '<table><tr><td class="name" headers="first-paint-council">Gateshead</td></tr></table>' in markup


def test_scripts_of_another_form_are_left_where_dash_put_them():
    plain = '<script src="/a.js"></script><script src="/b.js"></script>'
    held = first_paint.after_first_chart(plain, '<script id="_dash-renderer">var renderer = new DashRenderer();</script>')
    assert held["scripts"].startswith('<template id="first-paint-then"><script src="/a.js">') and held["renderer"] == ""
    assert first_paint.after_first_chart(plain + '<script src="/c.js" integrity="x"></script>', "") == {}


def test_the_copy_stops_a_screen_or_so_below_its_first_chart():
    rows = [html.Tr([html.Td(f"council {i}"), html.Td(f"{i}.0%")]) for i in range(3000)]
    markup, _ = page_html(html.Main([html.H1("Top"), dcc.Graph(figure={"data": [], "layout": {}}),
                                     html.Table(rows), html.P("Far below")]))
    assert markup.startswith("<main><h1>Top</h1>") and markup.endswith("</table></main>")
    assert "council 0<" in markup and "Far below" not in markup
    assert first_paint.BELOW_CHART_BYTES < len(markup) < first_paint.BELOW_CHART_BYTES + 2_000


def test_a_graph_without_a_figure_is_drawn_from_the_store_beside_it_fitted_by_its_graphs_function():
    stored = {"data": [{"type": "bar", "y": ["Gateshead"]}], "layout": {"height": 900}}
    _, figure = page_html(html.Div([dcc.Store(id="compare-figure", data=stored), dcc.Graph(id="compare-chart")]))
    assert figure["data"] == stored["data"] and figure["fit"] == "compare-chart"


def test_id_rules_select_the_prefixed_ids_inside_media_queries_and_leave_colours_and_class_rules_alone():
    css = """/* #not-a-rule { } */
body { color: #1a1a1a; }
#compare-controls .control > label, .other { font-size: 0.9rem; color: #fff; }
@media (max-width: 640px) { #map-controls { display: grid; } .plain { margin: 0; } }
@media print { .plain { display: none; } }"""
    rules = id_rules(css)
    assert rules == (f"#{ID_PREFIX}compare-controls .control > label, .other{{font-size: 0.9rem; color: #fff;}}\n"
                     f"@media (max-width: 640px){{#{ID_PREFIX}map-controls{{display: grid;}}}}")


@pytest.mark.parametrize("path", PAGES)
def test_each_page_index_carries_the_page_its_title_and_one_plotly(app, path):
    client = app.server.test_client()
    index = client.get(path).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", index).group(1)
    assert title.endswith("Self-directed support uptake in England") and title != "Self-directed support uptake"
    assert '<body class="first-paint">' in index
    assert index.count("/embed-assets/plotly-") == 1
    # plotly.js and the drawing script come before Dash's own scripts.
    assert (index.index("/embed-assets/plotly-") < index.index("fit-charts.js") < index.index("first-paint.js")
            < index.index("dash_renderer"))
    # Dash's scripts and its renderer's start wait in an inert template until the chart is drawn.
    held = index[index.index('<template id="first-paint-then">'):index.index("</template>")]
    assert "dash_renderer" in held and held.rstrip().endswith("var renderer = new DashRenderer();</script>")
    assert index.count("new DashRenderer") == 1 and index.count("dash_renderer") == 1
    block = first_paint_block(index)
    assert 'aria-busy="true"' in block.split(">", 1)[0] and "inert" not in block.split(">", 1)[0]
    controls = [(tag, a) for tag, a in elements(block) if tag in ("select", "input", "textarea", "button")]
    assert all("disabled" in a for _, a in controls), [t for t, a in controls if "disabled" not in a]
    ids = [attributes["id"] for _, attributes in elements(block) if "id" in attributes]
    assert ids and all(i.startswith(ID_PREFIX) for i in ids[1:]), ids[:5]
    assert len(ids) == len(set(ids))
    assert (f'id="{ID_PREFIX}main"' in block)
    figure = re.search(r'<script type="application/json" id="first-paint-figure">(.*?)</script>', index, re.S)
    assert (figure is not None) == (path in CHART_PAGES)
    if figure:
        drawn = json.loads(figure.group(1))
        assert drawn["data"], path
    # Nothing from inside the page's HTML is interpreted: no script in the copy.
    assert "<script" not in block


def test_the_compare_index_shows_the_same_words_as_the_live_page(app):
    client = app.server.test_client()
    block = first_paint_block(client.get("/?measure=dp_users&period=2021-22&scope=region&region=E12000001"
                                         "&council=E08000037").get_data(as_text=True))
    assert "Adults receiving direct payments" in block
    assert "Gateshead" in block and "North East" in block
    assert "{&#x27;type&#x27;" not in block and "{'type'" not in block      # no wire dict as text
    assert re.search(r"<tr class=\"council highlight\"[^>]*><td>7</td><th scope=\"row\"><a[^>]*>[^<]*Gateshead", block)
    selected = re.findall(r'<option value="([^"]+)" selected>', block)
    assert "dp_users" in selected and "2021-22" in selected and "region" in selected


def test_the_layout_request_gets_the_page_the_index_rendered_once_per_build(app):
    from dashboards.context import warehouse

    client = app.server.test_client()
    path, query = "/funnel", "measure=dp_users&period=2021-22"
    index = client.get(f"{path}?{query}").get_data(as_text=True)
    with app.server.test_request_context("/"):
        kept = warehouse().recall(("first-paint", "localhost", path, query))
    assert kept is not None and kept.first_paint in index
    layout = client.get("/_dash-layout", headers={"Referer": f"http://localhost{path}?{query}"})
    assert layout.mimetype == "application/json" and layout.get_data(as_text=True) == kept.layout_json
    page = json.dumps(layout.get_json())
    assert "Adults receiving direct payments" in page and '"rendered-path"' in page
    # Without a page asking, Dash's own layout: an empty page for the routing callback.
    bare = client.get("/_dash-layout").get_json()
    assert '"page"' in json.dumps(bare) and "Adults receiving direct payments" not in json.dumps(bare)


def test_the_first_paint_style_selects_the_copy_ids(app):
    client = app.server.test_client()
    index = client.get("/map").get_data(as_text=True)
    url = re.search(r'<link rel="stylesheet" href="(/first-paint\.css\?v=[0-9a-f]+)">', index).group(1)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    text = response.get_data(as_text=True)
    assert f"#{ID_PREFIX}map-controls" in text and f"#{ID_PREFIX}compare-controls" in text
    assert "#map-controls" not in text


def test_every_component_the_pages_use_has_a_rule(app):
    from dash.development.base_component import Component

    from dashboards import routes
    from dashboards.routing import render

    known = {name.rsplit("_", 1)[-1] for name in dir(first_paint.Snapshot) if name.startswith("_dash_")}
    seen = set()

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif isinstance(node, Component):
            if node._namespace != "dash_html_components":
                seen.add(node._type)
            walk(getattr(node, "children", None))

    with app.server.test_request_context("/"):
        pages = routes()
        for path in PAGES:
            page_path, _, query = path.partition("?")
            walk(render(pages, page_path, query))
    assert seen - known == set()
