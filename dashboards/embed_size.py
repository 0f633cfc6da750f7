"""How tall an embed is, estimated on the server for the plain iframe that runs no script.

A page that will not run our resize script (a CMS that strips <script>, an email, a wiki) gets
an iframe with a fixed height, so that height has to hold the whole embed at any width a host
column may have. Text wraps into more lines as the frame narrows, and the narrow layout in
embed.js adds rows for wrapped category names, so the embed is tallest in the narrowest frame
we support: FRAME_WIDTH, a 320 px phone less a host page's usual 8 px margins. The estimate is
made for that frame: nothing is cut off at any width from 300 px up; wider frames show blank
space under the link back (about 500 px for the North East compare embed at 1,000 px; the
resize script removes it).

The estimate mirrors embed.css (font sizes, line heights, padding below 480 px) and embed.js
(label wrapping): change them together. Text is measured by word-wrapping at an average
character width a little wider than Arial's, so it errs towards a taller frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .charts import LICENCE, SITE_NAME, Chart

FRAME_WIDTH = 300
REM = 16
LINE_HEIGHT = 1.4                 # body line-height in embed.css
# Arial averages about 0.46em a character in English prose (0.47 measured over these embeds
# in Chromium); a little more for safety.
CHAR_EM, BOLD_CHAR_EM = 0.49, 0.56
PLOTLY_DEFAULT_HEIGHT, CHART_MIN_HEIGHT = 450, 300     # plotly's default; #chart min-height
LABEL_FONT, LABEL_SHARE, ROW_PER_LINE = 11, 0.45, 14   # embed.js's narrow label wrapping
SAFETY = 24                       # rounding of many small boxes, a scrollbar's worth of slack


@dataclass(frozen=True)
class Block:
    """A block of text as embed.css sets it: font size and vertical margins in rem."""
    text: str
    size: float
    margin: float
    bold: bool = False
    indent: float = 0.0           # horizontal room taken by borders, padding and bullets, px


def wrap(text: str, per_line: int) -> list[str]:
    """Words into lines of at most per_line characters (a longer word gets a line of its own),
    as embed.js wraps them."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > per_line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def text_height(block: Block, width: float) -> float:
    """The block's height in px: its wrapped lines and its margins."""
    if not block.text:
        return 2 * block.margin * REM
    font = block.size * REM
    per_line = max(1, math.floor((width - block.indent) / (font * (BOLD_CHAR_EM if block.bold else CHAR_EM))))
    lines = sum(max(1, len(wrap(paragraph, per_line))) for paragraph in block.text.split("\n"))
    return lines * font * LINE_HEIGHT + 2 * block.margin * REM


def _layout_and_labels(chart: Chart) -> tuple[dict, set[str]]:
    """The figure's layout height and its distinct text categories, without serialising a map's
    thousands of polygons."""
    figure = chart.figure
    if isinstance(figure, dict):
        layout, traces = figure.get("layout", {}), [trace.get("y") for trace in figure.get("data", [])]
        height = layout.get("height")
    else:
        height, traces = figure.layout.height, [trace.y for trace in figure.data if hasattr(trace, "y")]
    labels = {label for ys in traces if ys is not None and not isinstance(ys, str)
              for label in ys if isinstance(label, str)}
    return {"height": height}, labels


def chart_height(chart: Chart, width: float) -> float:
    """The drawing's height in a frame of this width: the figure's own height (a map's, at
    its tallest) plus the rows embed.js adds for category names it wraps."""
    layout, labels = _layout_and_labels(chart)
    per_line = max(16, math.floor(width * LABEL_SHARE / (LABEL_FONT * 0.55)))
    added = sum(sum(len(wrap(line, per_line)) for line in label.split("<br>")) - len(label.split("<br>"))
                for label in labels)
    return max(CHART_MIN_HEIGHT, (layout["height"] or PLOTLY_DEFAULT_HEIGHT) + added * ROW_PER_LINE)


def text_blocks(chart: Chart, *, sources: str, built: str, caveats: list[str],
                measure_labels: list[str] = ()) -> list[Block]:
    """The embed's text, block by block, as embed.html sets it below 480 px."""
    blocks = [Block(chart.title, 1.0, 0.1, bold=True), Block(chart.subtitle, 0.95, 0.2)]
    if caveats:
        # The section's border, padding and the list's bullets; each item its own block.
        blocks.append(Block("Caveats", 0.9, 0.5, bold=True, indent=4 + 1.2 * REM))
        blocks += [Block(sentence, 0.85, 0.1, indent=4 + 2.3 * REM) for sentence in caveats]
        blocks.append(Block("", 0, 0.8))                       # the section's margins and padding
    source = f"Source: {sources or 'see the sources page'}. Licence: {LICENCE}. Data built {built}."
    blocks += [Block(chart.description, 0.85, 0.3), Block(source, 0.85, 0.3)]
    if measure_labels:
        blocks.append(Block(f"About the measure{'s' if len(measure_labels) > 1 else ''}: "
                            + ", ".join(measure_labels) + ".", 0.85, 0.3))
    blocks += [Block(f"See the full view, the data and the method on {SITE_NAME}", 0.85, 0.3)]
    return blocks


def embed_height(chart: Chart, *, sources: str, built: str, caveats: list[str],
                 measure_labels: list[str] = (), frame_width: int = FRAME_WIDTH) -> int:
    """The height in px the embed needs in a frame frame_width wide (and in any wider one)."""
    content = frame_width - 2 * 0.4 * REM                      # .embed's side padding
    text = sum(text_height(block, content) for block in text_blocks(chart, sources=sources, built=built,
                                                                   caveats=caveats, measure_labels=measure_labels))
    return math.ceil(0.5 * REM + chart_height(chart, content) + text + SAFETY)
