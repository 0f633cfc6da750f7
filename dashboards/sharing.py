"""Under every chart: download its data and picture, embed it, cite it.

The links are the chart's canonical URLs (dashboards/charts.py), so what is downloaded,
embedded or cited is exactly what the page shows.

Embed code comes in two forms, both shown in the panel exactly as they are to be pasted:
- the iframe and one script tag, /embed-assets/resize.js, which sizes the iframe to the
  height the embed reports (see dashboards/embed.py for the message);
- the plain iframe, for pages that run no script, with a fixed height that holds the whole
  embed in a column 300 px wide or wider (dashboards/embed_size.py).
"""
from __future__ import annotations

import html as html_text
import os
from datetime import datetime, timezone

from dash import dcc, html
from flask import has_request_context, request

from . import caveats, db
from .charts import Chart, citation, cited_sources
from .context import warehouse
from .embed_size import FRAME_WIDTH, embed_height

IMAGE_FORMATS = [("png", "PNG"), ("svg", "SVG"), ("pdf", "PDF")]


def data_date() -> str:
    """When the serving database was built: the atomic swap sets its modification time. Read from
    the build this request is pinned to, never the path (a rebuild may have replaced it)."""
    built = datetime.fromtimestamp(warehouse().stamp().mtime_ns / 1e9, tz=timezone.utc)
    return built.strftime("%-d %B %Y")


def base_url() -> str:
    """This site's public address for iframe code, citations and image footers: UPTAKE_SITE_URL
    when set (do set it in production: the Host header is whatever a client sends), else the
    address the reader reached."""
    configured = os.environ.get("UPTAKE_SITE_URL", "").strip().rstrip("/")
    if configured:
        return configured
    return request.host_url.rstrip("/") if has_request_context() else ""


def sources_text(chart: Chart) -> str:
    """Kept on the chart: its embed height and its citation both print it."""
    kept = chart.__dict__.get("_sources_text")
    if kept is None:
        ids = tuple(sorted(set(chart.rows["source_id"].dropna()))) if "source_id" in chart.rows else ()
        # Per build and set of sources: a profile's charts cite dozens, the same on every call.
        kept = chart.__dict__["_sources_text"] = warehouse().cached(
            ("cited_sources", ids), lambda wh: cited_sources(db.sources(wh, list(ids)))) if ids else ""
    return kept


def measures_shown(chart: Chart) -> list[tuple[str, str]]:
    """(id, label) of each measure the chart's rows hold, for its 'About the measure' links."""
    if "measure_id" not in chart.rows:
        return []
    labels = dict(zip(*(db.measures(warehouse())[c] for c in ("measure_id", "label"))))
    return [(m, labels[m]) for m in dict.fromkeys(chart.rows["measure_id"].dropna()) if m in labels]


def chart_citation(chart: Chart) -> str:
    return citation(chart, sources=sources_text(chart), data_date=data_date(), base_url=base_url())


RESIZE_SCRIPT = "/embed-assets/resize.js"


def expected_height(chart: Chart) -> int:
    """The no-script iframe's height: the whole embed in the narrowest column we support."""
    return embed_height(chart, sources=sources_text(chart), built=data_date(), caveats=caveats.for_chart(chart),
                        measure_labels=[label for _, label in measures_shown(chart)])


def iframe_code(chart: Chart, *, height: int) -> str:
    src = html_text.escape(base_url() + chart.url("embed"), quote=True)
    title = html_text.escape(chart.title, quote=True)
    return (f'<iframe src="{src}" title="{title}" width="100%" height="{height}" '
            f'style="border:0;max-width:100%" loading="lazy"></iframe>')


def resizing_code(chart: Chart, *, height: int) -> str:
    """The iframe and the script that fits it to its chart. The iframe keeps the no-script
    height until the first report, so a slow script never shows a clipped chart."""
    script = html_text.escape(base_url() + RESIZE_SCRIPT, quote=True)
    return f'{iframe_code(chart, height=height)}<script src="{script}" async></script>'


def embed_codes(prefix: str, chart: Chart) -> list:
    """Both snippets, each in a labelled read-only box holding exactly the text to paste."""
    height = expected_height(chart)
    return [
        html.Label("Paste this code into your web page (the frame grows or shrinks to fit the chart):",
                   htmlFor=f"{prefix}-embed-code"),
        dcc.Textarea(id=f"{prefix}-embed-code", value=resizing_code(chart, height=height), readOnly=True,
                     className="embed-code", rows=5),
        html.Label(f"If your page does not allow scripts, paste this instead (a fixed height of {height:,} px, "
                   f"enough for a column {FRAME_WIDTH} px wide or wider; wider columns leave space under it):",
                   htmlFor=f"{prefix}-embed-code-plain"),
        dcc.Textarea(id=f"{prefix}-embed-code-plain", value=iframe_code(chart, height=height), readOnly=True,
                     className="embed-code", rows=4),
    ]


def share_panel(chart: Chart, prefix: str | None = None) -> html.Div:
    """Data and image downloads, then an Embed disclosure with both embed codes and a citation.
    `prefix` names the element ids where one page shows two charts of the same view."""
    prefix = prefix or chart.view
    image_links = []
    for extension, label in IMAGE_FORMATS:
        image_links += [html.A(label, href=chart.url("image", f".{extension}"), id=f"{prefix}-image-{extension}",
                               download=""), ", " if extension != IMAGE_FORMATS[-1][0] else ""]
    return html.Div([
        html.P(["Download the data shown: ",
                html.A("CSV", href=chart.url("download", ".csv"), id=f"{prefix}-download-csv"), " or ",
                html.A("Excel (with a sheet describing it)", href=chart.url("download", ".xlsx"),
                       id=f"{prefix}-download-xlsx"), ". ",
                "Download the chart: ", *image_links,
                " (", html.A("text description", href=chart.url("image", ".txt"), id=f"{prefix}-image-txt"), ")."],
               className="downloads"),
        html.Details([
            html.Summary("Embed or cite this chart", id=f"{prefix}-embed-button"),
            *embed_codes(prefix, chart),
            html.P(["Preview: ", html.A("the embedded chart", href=chart.url("embed"), id=f"{prefix}-embed-link")]),
            html.H2("Cite this chart", className="cite-heading"),
            html.P(chart_citation(chart), id=f"{prefix}-citation", className="citation"),
        ], className="share"),
    ], className="share-panel")


def chart_figure(chart: Chart, *, heading, graph_id: str, figure: dict, in_words: str,
                 description_id: str) -> html.Figure:
    """A page's chart as every ranked view shows it: its heading, the graph, the downloads and
    embed codes, then the chart in words behind a disclosure."""
    return html.Figure([
        heading,
        dcc.Graph(id=graph_id, figure=figure, config={"displaylogo": False}),
        share_panel(chart),
        html.Figcaption(html.Details([html.Summary(in_words), html.P(chart.description, id=description_id)],
                                     className="text-alternative")),
    ], className="chart")
