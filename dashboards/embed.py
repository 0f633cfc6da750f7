"""/embed/<view>: one chart alone with its title, subtitle, caveats, source, licence, data date
and a link back, for other sites' iframes; /image/<view>.png|svg|pdf|txt: the same chart as a
report-ready picture, or its text description.

The embed page is plain HTML with the figure as JSON, drawn by this site's copy of plotly.js:
light enough for an iframe, and it needs no Dash callbacks.

Self-sizing (the convention Datawrapper, Flourish and Our World in Data follow): the embed page
(embed_static/embed.js) posts its document height to the page that frames it, after the chart
is drawn and whenever the height changes (a ResizeObserver on the root element), as

    {"type": "uptake-embed-height", "version": 1, "src": "<the embed's URL>", "height": <CSS px>}

and posts it again when its parent sends {"type": "uptake-embed-height-request"}. The host
page's one script tag, /embed-assets/resize.js (embed_static/resize.js), accepts a message only
from the origin it was itself loaded from and only from the iframe whose contentWindow sent it,
and sets that iframe's height (50 to 50,000 px). Its URL and the message format are a public
contract: embed code pasted years ago still loads it. Pages that run no script get a plain
iframe whose height is estimated on the server (dashboards/embed_size.py); the share panel
offers both (dashboards/sharing.py).
"""
from __future__ import annotations

import functools
import gzip
import html
import json
from pathlib import Path

import plotly
import plotly.io
from flask import Blueprint, Response, jsonify, request, send_from_directory

from . import caveats
from .charts import (LICENCE, LICENCE_URL, SITE_NAME, Chart, ChartRequestError, chart_for, citation,
                     parse_query)
from .components import measure_href
from .context import warehouse
from .images import FORMATS, ImagesUnavailable, alt_text_header, building, chart_image, text_description
from .sharing import base_url, data_date, measures_shown, sources_text

blueprint = Blueprint("embed", __name__)
STATIC = Path(__file__).with_name("embed_static")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data"
# Assets are named by the plotly version, so a year-long cache is safe.
ASSET_MAX_AGE = 365 * 24 * 3600
# The one URL plotly.js is fetched from, by the embeds and by every page (dcc.Graph uses the
# window.Plotly this script defines rather than fetching its own copy from another URL).
PLOTLY_URL = f"/embed-assets/plotly-{plotly.__version__}.min.js"


@functools.lru_cache(maxsize=1)
def _plotly_gzipped() -> bytes:
    """plotly.min.js gzipped once per process: 4.6 MB to 1.4 MB, and not compressed again for
    every visitor (the proxy serves its own copy in production)."""
    return gzip.compress((PLOTLY_JS / "plotly.min.js").read_bytes(), compresslevel=9)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _figure_json(chart: Chart) -> str:
    # "</" inside a <script> block would end it early: JSON allows "<\/" as the same text.
    return plotly.io.to_json(chart.figure_spec(), validate=False).replace("</", "<\\/")


def caveats_html(caveats: list[str]) -> str:
    """The chart's caveats as a visible list under it; nothing when it has none."""
    if not caveats:
        return ""
    items = "".join(f"<li>{_escape(sentence)}</li>" for sentence in caveats)
    return (f'<section class="caveats" id="embed-caveats" aria-labelledby="embed-caveats-heading">'
            f'<h2 id="embed-caveats-heading">Caveats</h2><ul>{items}</ul></section>\n')


def measures_html(measures: list[tuple[str, str]], site: str) -> str:
    """Where each measure shown is defined, with its sources by year and caveats."""
    if not measures:
        return ""
    links = ", ".join(f'<a class="measure-link" href="{_escape(site + measure_href(measure_id))}" target="_blank" '
                      f'rel="noopener">{_escape(label)}</a>' for measure_id, label in measures)
    return f'<p id="embed-measures">About the measure{"s" if len(measures) > 1 else ""}: {links}.</p>\n'


def embed_html(chart: Chart, *, sources: str, built: str, site: str, caveats: list[str],
               measures: list[tuple[str, str]] = ()) -> str:
    full_view = site + chart.page_url
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(chart.title)}: {_escape(chart.subtitle)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/embed-assets/embed.css">
<link rel="canonical" href="{_escape(full_view)}">
</head>
<body>
<figure class="embed" aria-labelledby="embed-title">
<h1 id="embed-title">{_escape(chart.title)}</h1>
<p class="subtitle" id="embed-subtitle">{_escape(chart.subtitle)}</p>
<div id="chart" role="img" aria-label="{_escape(chart.description)}"></div>
<script type="application/json" id="figure-data">{_figure_json(chart)}</script>
<figcaption>
{caveats_html(caveats)}<p class="description" id="embed-description">{_escape(chart.description)}</p>
<p id="embed-source">Source: {_escape(sources or "see the sources page")}.
Licence: <a href="{LICENCE_URL}" target="_blank" rel="noopener">{LICENCE}</a>.
Data built {_escape(built)}.</p>
{measures_html(list(measures), site)}<p><a id="embed-full-view" href="{_escape(full_view)}" target="_blank" rel="noopener">See the full view, the data and the method on {SITE_NAME}</a></p>
</figcaption>
</figure>
<script src="{PLOTLY_URL}"></script>
<script src="/embed-assets/embed.js"></script>
</body>
</html>
"""


def _error_page(error: ChartRequestError) -> Response:
    valid = "".join(f"<li>{_escape(v)}</li>" for v in (error.valid or [])[:50])
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Chart not available</title>'
            f'<link rel="stylesheet" href="/embed-assets/embed.css"></head><body><main class="embed">'
            f'<h1>This chart is not available</h1><p id="embed-error">{_escape(error.message)}</p>'
            + (f"<p>Valid values:</p><ul>{valid}</ul>" if valid else "")
            + f'<p><a href="/">Go to {SITE_NAME}</a></p></main></body></html>')
    return Response(body, status=error.status, mimetype="text/html")


@blueprint.get("/embed/<path:view>")
def embed(view: str):
    try:
        chart = chart_for(view, parse_query(request.args))
    except ChartRequestError as error:
        return _error_page(error)
    page = embed_html(chart, sources=sources_text(chart), built=data_date(), site=base_url(),
                      caveats=caveats.for_chart(chart), measures=measures_shown(chart))
    return Response(page, mimetype="text/html")


@blueprint.get("/embed-assets/plotly-<version>.min.js")
def plotly_js(version: str):
    if version != plotly.__version__:
        return Response("Unknown plotly.js version.", status=404, mimetype="text/plain")
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return send_from_directory(PLOTLY_JS, "plotly.min.js", max_age=ASSET_MAX_AGE)
    response = Response(_plotly_gzipped(), mimetype="text/javascript",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    response.cache_control.public, response.cache_control.max_age = True, ASSET_MAX_AGE
    response.set_etag(f"plotly-{plotly.__version__}-gzip")
    return response.make_conditional(request)


@blueprint.get("/embed-assets/<path:name>")
def embed_asset(name: str):
    if name not in ("embed.js", "embed.css", "resize.js"):
        return Response("No such file.", status=404, mimetype="text/plain")
    return send_from_directory(STATIC, name, max_age=3600)


@blueprint.get("/image/<view>.<kind>")
def image(view: str, kind: str):
    if kind not in (*FORMATS, "txt"):
        return jsonify({"error": f"No image of type {kind[:20]!r}.", "valid": [*FORMATS, "txt"]}), 404
    # In the worker's bounded cache, under the build this request reads, by the request itself:
    # a picture linked from a popular report is answered without building its chart again, and
    # never from an older build. (The shared renderer also keeps what it drew, for every worker.)
    key = ("image", view, kind, tuple(sorted(request.args.items(multi=True))), base_url())
    drawn = warehouse().recall(key) if kind != "txt" else None
    if drawn is not None:
        data, headers = drawn
        headers = {**headers, "X-Image-Cache": "hit"}
        if request.method == "HEAD":
            return _image_headers(data, FORMATS[kind], headers)
        return Response(data, mimetype=FORMATS[kind], headers=headers)
    try:
        with building():            # a chart's build, like a picture's figure, is Python work
            chart = chart_for(view, parse_query(request.args))
    except ChartRequestError as error:
        body = {"error": error.message}
        if error.valid is not None:
            body["valid"] = error.valid
        return jsonify(body), error.status
    except ImagesUnavailable as error:
        return _images_unavailable(error)
    context = {"sources": sources_text(chart), "data_date": data_date(), "link": base_url() + chart.page_url,
               "caveats": caveats.for_chart(chart)}
    name = f"{view}.{kind}"
    if kind == "txt":
        cite = citation(chart, sources=context["sources"], data_date=context["data_date"], base_url=base_url())
        return Response(text_description(chart, citation=cite, **context),
                        mimetype="text/plain", headers={"Content-Disposition": f'inline; filename="{name}"'})
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        # The description travels with the picture for people who cannot see it.
        # JSON string escapes keep the header ASCII; cut before escaping so none is split.
        "X-Alt-Text": json.dumps(alt_text_header(chart, context["caveats"]))[1:-1]}
    if request.method == "HEAD":
        return _image_headers(None, FORMATS[kind], headers)
    try:
        data, _ = warehouse().remember(key, lambda: (chart_image(chart, kind, **context), headers))
    except ImagesUnavailable as error:
        return _images_unavailable(error)
    return Response(data, mimetype=FORMATS[kind], headers={**headers, "X-Image-Cache": "miss"})


def _images_unavailable(error: ImagesUnavailable):
    """503 saying why; with Retry-After when trying again soon will help (a full queue)."""
    retry = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    return jsonify({"error": str(error)}), 503, retry


def _image_headers(drawn: bytes | None, mimetype: str, headers: dict[str, str]) -> Response:
    """A HEAD answer: what a GET's headers would be, without drawing the picture (a link
    checker or a crawler must never start a browser). A picture already drawn for this build
    gives its length; otherwise the length is left out, as HTTP allows for HEAD."""
    response = Response(drawn or b"", mimetype=mimetype, headers=headers)
    if drawn is None:
        response.automatically_set_content_length = False
    return response
