"""Report-ready pictures of a chart: PNG (2x), SVG and PDF with the title, source, licence,
data date and method drawn in, so a copy pasted into a report keeps its context.

Rendered by kaleido in a headless Chromium (Debian's /usr/bin/chromium, or UPTAKE_CHROMIUM)
that stays running between requests: starting it costs seconds, a warm render a fraction of
one. Without Chromium, image requests fail with ImagesUnavailable and nothing else is affected.
"""
from __future__ import annotations

import copy
import html
import logging
import os
import shutil
import struct
import textwrap
import threading
import warnings
import zlib

import plotly.graph_objects as go
import plotly.io as pio

from .charts import LICENCE, SITE_NAME, Chart

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
WIDTH = 1000              # CSS pixels; PNG is drawn at SCALE times this
PNG_SCALE = 2
DEFAULT_HEIGHT = 560
FOOTER_FONT = 12
FOOTER_LINE = 17          # pixels per footer line at FOOTER_FONT
CHARS_PER_LINE = 150      # Arial 12px averages ~6.3px a character across 1000px less margins


class ImagesUnavailable(RuntimeError):
    """No browser to render with: says how to install one."""


def chromium_path() -> str | None:
    wanted = os.environ.get("UPTAKE_CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(wanted) or (wanted if os.access(wanted, os.X_OK) else None)
    return found


def _footer_lines(chart: Chart, sources: str, data_date: str, link: str) -> list[str]:
    lines = []
    for text in (f"Source: {sources or 'see the sources page'}.",
                 f"Licence: {LICENCE}. Data built {data_date}. {SITE_NAME}: {link}",
                 f"Method: {chart.method}"):
        lines += textwrap.wrap(text, CHARS_PER_LINE) or [""]
    return lines


def report_figure(chart: Chart, *, sources: str, data_date: str, link: str) -> go.Figure:
    """The chart's figure at a fixed width with title, subtitle and a footer of source,
    licence, data date, link and method. Pure: the figure is copied, not changed."""
    spec = chart.figure_spec()
    layout = copy.deepcopy(spec["layout"])
    old_height = layout.get("height") or DEFAULT_HEIGHT
    margin = {"l": 60, "r": 40, "t": 80, "b": 80, **layout.get("margin", {})}
    lines = _footer_lines(chart, sources, data_date, link)
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


class Renderer:
    """One warm Chromium per process, started on first use and shared by its threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._started_in: int | None = None

    def _ensure_started(self) -> None:
        if self._started_in == os.getpid():
            return
        browser = chromium_path()
        if browser is None:
            raise ImagesUnavailable(
                "Image downloads need Chromium, which is not installed here "
                f"({os.environ.get('UPTAKE_CHROMIUM', '/usr/bin/chromium')}): install it with "
                "`apt-get install -y chromium` or set UPTAKE_CHROMIUM. Data downloads and pages still work.")
        os.environ["BROWSER_PATH"] = browser        # where kaleido's choreographer looks
        import kaleido

        try:
            # No MathJax: the charts use none, and fetching it from a CDN would stall offline.
            kaleido.start_sync_server(silence_warnings=True, mathjax=False, n=2)
        except RuntimeError as error:
            if "already" not in str(error).lower():
                raise ImagesUnavailable(f"Chromium at {browser} could not be started: {error}") from error
        self._started_in = os.getpid()

    def warm(self) -> bool:
        """Start Chromium ahead of the first request; False (and a log line) when it cannot."""
        try:
            with self._lock:
                self._ensure_started()
            return True
        except ImagesUnavailable as error:
            logging.getLogger(__name__).warning("%s", error)
            return False

    def render(self, figure: go.Figure, image_format: str) -> bytes:
        with self._lock:
            self._ensure_started()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")   # "kopts ignored with a server": expected
                    return pio.to_image(figure, format=image_format, width=figure.layout.width,
                                        height=figure.layout.height,
                                        scale=PNG_SCALE if image_format == "png" else 1)
            except Exception as error:  # kaleido raises several types; all mean "no picture"
                # A crashed Chromium leaves kaleido's server "running" and refusing work: stop
                # it, so the next request starts a fresh one.
                self._started_in = None
                try:
                    import kaleido

                    kaleido.stop_sync_server(silence_warnings=True)
                except Exception:  # already stopped or half-dead: starting again is what matters
                    pass
                raise ImagesUnavailable(f"The image could not be drawn ({type(error).__name__}: {error}). "
                                        "Try again; data downloads still work.") from error


RENDERER = Renderer()


def chart_image(chart: Chart, image_format: str, *, sources: str, data_date: str, link: str) -> bytes:
    """The finished file: the report figure rendered, with the alt text embedded."""
    figure = report_figure(chart, sources=sources, data_date=data_date, link=link)
    data = RENDERER.render(figure, image_format)
    if image_format == "png":
        return _png_with_text(data, {"Title": f"{chart.title}: {chart.subtitle}", "Description": chart.description,
                                     "Source": sources, "Copyright": LICENCE})
    if image_format == "svg":
        return _svg_with_text(data, f"{chart.title}: {chart.subtitle}", chart.description)
    return data


def text_description(chart: Chart, *, sources: str, data_date: str, link: str, citation: str) -> str:
    """The alt text and context that go with an image, as plain text."""
    return "\n\n".join([
        f"{chart.title}: {chart.subtitle}",
        f"Description: {chart.description}",
        f"Method: {chart.method}",
        f"Source: {sources}. Licence: {LICENCE}. Data built {data_date}.",
        f"Full view: {link}",
        f"Cite as: {citation}",
    ]) + "\n"
