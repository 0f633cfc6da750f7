"""Report-ready pictures of a chart: PNG (2x), SVG and PDF with the title, caveats, source,
licence, data date and method drawn in, so a copy pasted into a report keeps its context.

Drawn by the server's shared renderer (dashboards/renderer.py): one warm headless Chromium
per host (Debian's /usr/bin/chromium, or UPTAKE_CHROMIUM), started when the first picture is
asked for, with its own bounded queue and a cache of pictures already drawn. Without Chromium,
or with the queue full, image requests fail with ImagesUnavailable (ImagesBusy) and nothing
else is affected.
"""
from __future__ import annotations

import copy
import html
import os
import re
import struct
import textwrap
import threading
import zlib
from contextlib import contextmanager

import plotly.graph_objects as go

from . import renderer
from .charts import LICENCE, SITE_NAME, Chart
from .renderer import ImagesBusy, ImagesUnavailable  # noqa: F401 (the image API raises them)

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
WIDTH = 1000              # CSS pixels; PNG is drawn at SCALE times this
PNG_SCALE = 2
DEFAULT_HEIGHT = 560
FOOTER_FONT = 12
FOOTER_LINE = 17          # pixels per footer line at FOOTER_FONT
CHARS_PER_LINE = 150      # at most; fewer when the plot area starts further right
FOOTER_CHAR_WIDTH = 0.55  # average character width as a share of the font size (Arial/Liberation)
LABEL_CHAR_WIDTH = 0.6    # the same, generously, for axis labels (an overestimate is harmless)
FOOTER_RIGHT = 16         # pixels kept clear at the right edge
# The alt text's response header stays well inside a proxy's header buffer (nginx: 4-8 kB).
ALT_TEXT_HEADER_CHARS = 2000
BUILD_WAIT_SECONDS = 5    # for this worker's turn to build a picture's figure (see building())


def chart_caveats(chart: Chart, caveats: list[str] | None) -> list[str]:
    """The caveats given, or the chart's own when none are given: a picture is never drawn
    without the caveats of the values it shows."""
    if caveats is not None:
        return list(caveats)
    from .caveats import for_chart
    return for_chart(chart)


def alt_text(chart: Chart, caveats: list[str]) -> str:
    """What the picture shows, then what a reader must know about it, as one text."""
    return chart.description + (" Caveats: " + " ".join(caveats) if caveats else "")


def alt_text_header(chart: Chart, caveats: list[str], limit: int = ALT_TEXT_HEADER_CHARS) -> str:
    """The alt text cut to fit a response header: the description gives way first, so the
    caveats arrive whole whenever they fit at all."""
    full = alt_text(chart, caveats)
    if len(full) <= limit:
        return full
    tail = (" Caveats: " + " ".join(caveats))[:limit - 200] if caveats else ""
    return chart.description[:limit - len(tail) - 1] + "\u2026" + tail


def _listed(values) -> list:
    """None, a list, a tuple or a numpy array (as figure specs hold them) as a list."""
    return [] if values is None else list(values)


def _estimated_plot_left(layout: dict, data: list[dict], margin_left: float) -> float:
    """Where the plot area (and so a paper-anchored footer) starts, in pixels: the left margin,
    or, when the y axis grows its margin to fit its labels, the longest label's width. An
    overestimate only narrows the footer; an underestimate would run it off the right edge."""
    axis = layout.get("yaxis") or {}
    if not axis.get("automargin"):
        return margin_left
    labels = [*_listed(axis.get("categoryarray")), *_listed(axis.get("ticktext"))]
    for trace in data:
        labels += [y for y in _listed(trace.get("y")) if isinstance(y, str)]
    size = (axis.get("tickfont") or {}).get("size") or (layout.get("font") or {}).get("size") or 12
    # A label may break into lines (<br>) and carry tags: its width is its longest line's text.
    lines = [re.sub(r"<[^>]*>", "", line) for label in labels for line in re.split(r"<br\s*/?>", str(label))]
    longest = max((len(line) for line in lines), default=0)
    # Plotly lets automargin take at most half the width.
    return max(margin_left, min(longest * size * LABEL_CHAR_WIDTH + 16, WIDTH / 2))


def _footer_lines(chart: Chart, sources: str, data_date: str, link: str, caveats: list[str],
                  chars_per_line: int = CHARS_PER_LINE) -> list[str]:
    lines = []
    # Caveats first, set apart by a blank line: they change how every number above them reads.
    for text in caveats:
        lines += textwrap.wrap(text, chars_per_line)
    if caveats:
        lines.append("")
    lines += textwrap.wrap(f"Source: {sources or 'see the sources page'}.", chars_per_line) or [""]
    lines += textwrap.wrap(f"Licence: {LICENCE}. Data built {data_date}. {SITE_NAME}:", chars_per_line)
    lines += url_lines(link, chars_per_line)
    lines += textwrap.wrap(f"Method: {chart.method}", chars_per_line) or [""]
    return lines


def url_lines(url: str, width: int) -> list[str]:
    """A link on lines of its own, broken only after '/', '?' or '&' (a reader retyping it from
    paper sees where each piece ends), never inside a word as textwrap would ('ht' 'tp://')."""
    pieces = re.findall(r"[^/?&]*(?:[/?&]+|$)", url)
    lines, line = [], ""
    for piece in filter(None, pieces):
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    return lines + [line] if line else lines


def report_figure(chart: Chart, *, sources: str, data_date: str, link: str,
                  caveats: list[str] | None = None) -> go.Figure:
    """The chart's figure at a fixed width with title, subtitle and a footer of caveats,
    source, licence, data date, link and method. The figure is copied, not changed; pure when
    the caveats are given."""
    spec = chart.figure_spec()
    layout = copy.deepcopy(spec["layout"])
    old_height = layout.get("height") or DEFAULT_HEIGHT
    margin = {"l": 60, "r": 40, "t": 80, "b": 80, **layout.get("margin", {})}
    # The footer is anchored to the plot's left edge (annotations cannot be placed against the
    # page), so it wraps to the width left of that edge.
    left = _estimated_plot_left(layout, spec["data"], margin["l"])
    chars_per_line = min(CHARS_PER_LINE, int((WIDTH - left - FOOTER_RIGHT) / (FOOTER_FONT * FOOTER_CHAR_WIDTH)))
    lines = _footer_lines(chart, sources, data_date, link, chart_caveats(chart, caveats), chars_per_line)
    footer = FOOTER_LINE * len(lines) + 24
    margin["t"] = max(margin["t"], 110)
    height = old_height + footer + (margin["t"] - layout.get("margin", {}).get("t", margin["t"]))
    # Legends and titles placed in container fractions keep their pixel place above the footer.
    for key, value in layout.items():
        if key.startswith("legend") and isinstance(value, dict) and value.get("yref") == "container":
            value["y"] = (value.get("y", 0) * old_height + footer) / height
    annotations = list(layout.get("annotations", []))
    annotations.append({
        "text": "<br>".join(html.escape(line) for line in lines), "align": "left", "showarrow": False,
        "xref": "paper", "yref": "paper", "x": 0, "xanchor": "left", "y": 0, "yanchor": "top",
        "yshift": -margin["b"], "font": {"size": FOOTER_FONT, "color": "#333333"}, "name": "footer"})
    margin["b"] += footer
    layout.update({
        "title": {"text": f"<b>{html.escape(chart.title)}</b>", "font": {"size": 20},
                  "subtitle": {"text": html.escape(chart.subtitle), "font": {"size": 15, "color": "#333333"}},
                  "x": 0, "xref": "container", "xanchor": "left", "pad": {"l": 20, "t": 14},
                  "y": 1, "yref": "container", "yanchor": "top"},
        "margin": margin, "width": WIDTH, "height": height, "annotations": annotations,
        "paper_bgcolor": "white"})
    return go.Figure(data=spec["data"], layout=layout)


def _legend_may_push_footer(figure: go.Figure) -> bool:
    """A legend placed against the page (yref container) reserves its space at the bottom, and
    the x axis then grows its margin above it: the plot area, and with it the paper-anchored
    footer, moves up by an amount only the renderer knows."""
    return any(getattr(figure.layout, name, None) is not None and figure.layout[name].yref == "container"
               for name in figure.layout if name.startswith("legend"))


def _png_with_text(png: bytes, fields: dict[str, str]) -> bytes:
    """PNG with iTXt chunks (UTF-8 text) before IEND: the alt text travels with the file."""
    end = png.rindex(b"IEND") - 4
    chunks = b""
    for keyword, text in fields.items():
        body = keyword.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")
        chunks += struct.pack(">I", len(body)) + b"iTXt" + body + \
            struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    return png[:end] + chunks + png[end:]


def _svg_with_text(svg: bytes, title: str, description: str) -> bytes:
    """SVG with <title> and <desc> first inside the root, as screen readers expect."""
    text = svg.decode("utf-8")
    root_end = text.index(">", text.index("<svg")) + 1
    inserted = f"<title>{html.escape(title)}</title><desc>{html.escape(description)}</desc>"
    opening = text[:root_end]
    if "role=" not in opening:
        opening = opening[:-1] + ' role="img">'
    return (opening + inserted + text[root_end:]).encode("utf-8")


_builds = threading.BoundedSemaphore(int(os.environ.get("UPTAKE_IMAGE_BUILDS", "1")))


@contextmanager
def building():
    """Around the Python work of a picture in this worker (its chart and report figure): at most
    UPTAKE_IMAGE_BUILDS (default 1) at once per worker, so a burst of pictures cannot crowd
    callbacks and API requests out of the interpreter. Drawing is not counted: the renderer
    does it while this thread waits without the GIL. A build that cannot start within
    BUILD_WAIT_SECONDS is turned away (ImagesBusy) rather than queued for long."""
    if not _builds.acquire(timeout=BUILD_WAIT_SECONDS):
        raise ImagesBusy("The server is preparing other pictures; try again in a few seconds. "
                         "Data downloads and pages still work.", retry_after=2)
    try:
        yield
    finally:
        _builds.release()


def chart_image(chart: Chart, image_format: str, *, sources: str, data_date: str, link: str,
                caveats: list[str] | None = None) -> bytes:
    """The finished file: the report figure rendered, with the alt text (caveats included)
    embedded."""
    with building():
        caveats = chart_caveats(chart, caveats)
        figure = report_figure(chart, sources=sources, data_date=data_date, link=link, caveats=caveats)
        figure_json = figure.to_json().encode("utf-8")
    # Drawn by the server's shared renderer, PNG at PNG_SCALE; the footer, hung below the plot,
    # is kept clear of an x axis that grew its margin for a legend.
    data = renderer.draw(figure_json, image_format, scale=PNG_SCALE if image_format == "png" else 1,
                         pin="footer" if _legend_may_push_footer(figure) else None)
    if image_format == "png":
        # "Warning" is PNG's own keyword for a caution about the image's content.
        fields = {"Title": f"{chart.title}: {chart.subtitle}", "Description": alt_text(chart, caveats),
                  "Source": sources, "Copyright": LICENCE}
        if caveats:
            fields["Warning"] = "\n".join(caveats)
        return _png_with_text(data, fields)
    if image_format == "svg":
        return _svg_with_text(data, f"{chart.title}: {chart.subtitle}", alt_text(chart, caveats))
    return data


def text_description(chart: Chart, *, sources: str, data_date: str, link: str, citation: str,
                     caveats: list[str] | None = None) -> str:
    """The alt text and context that go with an image, as plain text."""
    caveats = chart_caveats(chart, caveats)
    return "\n\n".join([
        f"{chart.title}: {chart.subtitle}",
        f"Description: {chart.description}",
        *(["Caveats:\n" + "\n".join(f"- {sentence}" for sentence in caveats)] if caveats else []),
        f"Method: {chart.method}",
        f"Source: {sources}. Licence: {LICENCE}. Data built {data_date}.",
        f"Full view: {link}",
        f"Cite as: {citation}",
    ]) + "\n"
